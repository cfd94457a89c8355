//! The runtime: an action or flow run against an environment. This file holds the `Runtime`, its
//! frames, and the entry points (`run_action`, `run_flow`, `ping`, `call`) with input checks;
//! each other job has a file: `steps` (the step kinds), `request` (one request step sent:
//! retries, redirects, the response), `outgoing` (what a request sends), `credentials` (auth
//! values, how each form sends them, masking what derives from a secret, the OAuth 2.0 client),
//! `http` (URL safety, connection settings, retries, bounded bodies), `conform` (a request with
//! `operation=` held against its OpenAPI operation). Failures and `executionStatus` are
//! `crate::failure`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use intact_expr::eval::Mappings;
use intact_model::contracts::{self, Side};
use intact_model::eval::{
    Place, Programs, ProjectMappings, eval_text_seen, eval_tree_seen, failing_place,
};
use intact_model::{ActionDef, Analysis, ConnectionDef, FlowDef, Ident, Loc, Step, Tree};
use serde_json::{Map, Value as J, json};

use crate::Trace;
use crate::described::{Conformance, Descriptions};
use crate::env::Environment;
use crate::mask::Masker;
use crate::oauth::{TokenSource, TokenStore};

mod call;
pub use call::CustomCall;
mod conform;
mod credentials;
mod eval;
mod http;
mod outgoing;
mod record;
mod request;
mod steps;

use crate::failure::with_status;
pub use crate::failure::{ErrorType, Failure, FailureKind};
pub use http::MAX_RETRY_AFTER_SECS;
pub(crate) use http::secure_url;
use http::*;

/// The result of running an action: the output with its executionStatus.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub output: J,
    pub succeeded: bool,
    /// Why it failed, when it did (the output's executionStatus says it in words).
    pub failure: Option<FailureKind>,
    /// Where it failed: the innermost step ([`Failure::at`]).
    pub at: Option<intact_model::Loc>,
}

type Credentials = (Vec<(String, String)>, Vec<(String, String)>);

pub struct Runtime {
    analysis: Arc<Analysis>,
    env: Environment,
    masker: Arc<Masker>,
    programs: Arc<Programs>,
    mappings: Arc<ProjectMappings>,
    client: reqwest::Client,
    trace: Option<Trace>,
    /// Receives each request and its answer, masked (`intact test --report html`).
    recorder: Option<crate::Recorder>,
    /// Evaluated credentials (headers, query parameters) by connection.
    credentials: std::sync::Mutex<std::collections::HashMap<String, Credentials>>,
    /// OAuth 2.0 access tokens by connection.
    tokens: TokenSource,
    /// The secret params of each connection ([`ConnectionDef::secret_params`]).
    secret_params: std::collections::HashMap<String, Vec<String>>,
    /// The OpenAPI documents that requests with `operation=` are checked against.
    descriptions: Arc<Descriptions>,
    conformance: Conformance,
    /// What [`Conformance::Collect`] kept, masked.
    violations: std::sync::Mutex<Vec<String>>,
}

/// What a list of steps ended with.
enum Flow {
    Next,
    Return(J),
}

/// Variables of one action or flow run. A `for-each` body and a `try` branch run on a copy of the
/// frame: the values are shared (`Arc`), so a copy costs a few pointers, not the run's input and
/// results once per item (which made a loop over 1,000 items quadratic).
#[derive(Clone)]
pub(crate) struct Frame<'a> {
    pub(crate) vars: Vars,
    /// The results of the steps that have run, as one object (`steps` in expressions).
    pub(crate) steps: Arc<J>,
    pub(crate) conn: Option<&'a ConnectionDef>,
    /// The step running, which failures name.
    pub(crate) step: Option<&'a Step>,
}

/// A frame's variables by name (`input`, `app`, `auth`, `item`, `error`…).
pub(crate) type Vars = std::collections::BTreeMap<String, Arc<J>>;

type StepFuture<'a> = Pin<Box<dyn Future<Output = Result<Flow, Failure>> + Send + 'a>>;

/// What the runtimes of one process share: the HTTP client (its connection pool, and the system's
/// root certificates, which take longer to load than a mock test takes to run) and the compiled
/// expressions. Nothing of a run is in it: secrets, tokens, credentials and traces stay each
/// runtime's own. Cheap to clone.
#[derive(Clone)]
pub struct Shared {
    client: reqwest::Client,
    programs: Arc<Programs>,
}

impl Shared {
    pub fn new() -> Shared {
        crate::init_tls();
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(8)
            // Redirects are followed by the request loop, which knows the connection's host and
            // its credentials (docs/security.md); no Referer ever carries a URL's query away.
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .build()
            .expect("the HTTP client builds");
        Shared {
            client,
            programs: Arc::default(),
        }
    }
}

impl Default for Shared {
    fn default() -> Shared {
        Shared::new()
    }
}

impl Runtime {
    /// A runtime of its own (one command's run).
    pub fn new(analysis: Arc<Analysis>, env: Environment, masker: Arc<Masker>) -> Runtime {
        Runtime::sharing(&Shared::new(), analysis, env, masker)
    }

    /// A runtime that shares `shared` with the other runtimes of the process (each test of a
    /// run).
    pub fn sharing(
        shared: &Shared,
        analysis: Arc<Analysis>,
        env: Environment,
        masker: Arc<Masker>,
    ) -> Runtime {
        let programs = shared.programs.clone();
        let mappings = ProjectMappings::new(&analysis.model, programs.clone());
        let secret_params = analysis
            .model
            .connections
            .iter()
            .map(|c| (c.name.name.clone(), c.secret_params()))
            .collect();
        let client = shared.client.clone();
        Runtime {
            analysis,
            env,
            tokens: TokenSource::new(client.clone(), masker.clone()),
            masker,
            programs,
            mappings,
            client,
            trace: None,
            recorder: None,
            credentials: Default::default(),
            secret_params,
            descriptions: Arc::default(),
            conformance: Conformance::Off,
            violations: Default::default(),
        }
    }

    /// Keeps OAuth 2.0 tokens in `store` across runs (and reads those `intact auth login` stored).
    pub fn with_token_store(mut self, store: TokenStore) -> Runtime {
        self.tokens.set_store(store);
        self
    }

    /// Hands each request and its answer, masked, to `recorder`.
    pub fn with_recorder(mut self, recorder: crate::Recorder) -> Runtime {
        self.recorder = Some(recorder);
        self
    }

    pub fn with_trace(mut self, trace: Trace) -> Runtime {
        self.tokens.set_trace(trace.clone());
        self.trace = Some(trace);
        self
    }

    /// The access tokens of this run (`intact auth login` adds one).
    pub(crate) fn tokens(&self) -> &TokenSource {
        &self.tokens
    }

    pub(crate) fn env(&self) -> &Environment {
        &self.env
    }

    pub fn analysis(&self) -> &Analysis {
        &self.analysis
    }

    pub fn masker(&self) -> &Masker {
        &self.masker
    }

    /// Formats and masks the line only when someone reads the trace.
    pub(crate) fn trace(&self, line: std::fmt::Arguments) {
        if let Some(t) = &self.trace {
            t(&self.masker.mask(&line.to_string()));
        }
    }

    fn model(&self) -> &intact_model::Model {
        &self.analysis.model
    }

    pub(crate) fn connection(&self, named: Option<&str>) -> Option<&ConnectionDef> {
        self.model().connection(named)
    }

    /// The `app` object: tenant variables from the environment.
    pub(crate) fn app(&self) -> J {
        self.env.app_json()
    }

    /// Fails before any request when the environment lacks a tenant variable that a run of `steps`
    /// through `conn` may read ([`intact_model::reach`]): an error after a POST went out would
    /// leave the API half changed.
    fn variables_given(&self, steps: &[Step], conn: Option<&ConnectionDef>) -> Result<(), Failure> {
        struct Env<'e>(&'e Environment);
        impl intact_model::reach::Settled for Env<'_> {
            fn base_url(&self, c: &str) -> bool {
                self.0
                    .connections
                    .get(c)
                    .is_some_and(|e| e.base_url.is_some())
            }
            fn param(&self, c: &str, p: &str) -> bool {
                self.0
                    .connections
                    .get(c)
                    .is_some_and(|e| e.params.contains_key(p))
            }
        }
        let declared = &self.model().variables;
        let missing: Vec<String> =
            intact_model::reach::variables(self.model(), steps, conn, &Env(&self.env))
                .into_iter()
                .filter(|v| !self.env.app.contains_key(v))
                .filter(|v| declared.iter().any(|d| d.name.name == *v))
                .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = missing.iter().map(|v| format!("`{v}`")).collect();
        // A test's environment is its `app` values, not a file.
        let message = if self.env.path.as_os_str().is_empty() {
            format!(
                "this run reads the tenant variable(s) {} that the test does not give: add `app {}=\"…\"` to the test or to `test-defaults`",
                list.join(", "),
                missing[0]
            )
        } else {
            format!(
                "this run reads the tenant variable(s) {} that {} does not give: add them under [app], e.g. `{} = \"…\"`",
                list.join(", "),
                self.env.path.display(),
                missing[0]
            )
        };
        Err(Failure::before_any_request(message))
    }

    /// Runs an action with its contract input; validates input and output; fills executionStatus.
    /// Its output and any failure are masked, as everything the runtime hands out.
    pub async fn run_action(&self, name: &str, input: J) -> Result<Outcome, Failure> {
        self.action(name, input).await.map_err(|f| self.masked(f))
    }

    /// The auth ping of a connection (the only one when `None`): Ok when its steps succeed.
    pub async fn ping(&self, connection: Option<&str>) -> Result<String, Failure> {
        self.ping_steps(connection)
            .await
            .map_err(|f| self.masked(f))
    }

    /// Runs a flow with its inputs; returns its return value. Masked, as [`Runtime::run_action`].
    pub async fn run_flow(&self, name: &str, inputs: J) -> Result<J, Failure> {
        self.flow_run(name, inputs)
            .await
            .map_err(|f| self.masked(f))
    }

    /// A failure as it leaves the runtime: no secret in its message or body, in any spelling.
    /// The one place failures are masked; commands, the test runner and verify print them as
    /// they are.
    pub(crate) fn masked(&self, f: Failure) -> Failure {
        Failure {
            message: self.masker.mask(&f.message),
            body: f.body.as_ref().map(|b| Box::new(self.masker.mask_json(b))),
            ..f
        }
    }

    async fn action(&self, name: &str, input: J) -> Result<Outcome, Failure> {
        let action = self
            .model()
            .actions
            .iter()
            .find(|a| a.name.name == name)
            .ok_or_else(|| Failure::before_any_request(format!("no action named `{name}`")))?;
        let contract = action.contract_id();
        if let Some(id) = contract
            && let Some(v) = contracts::validator(id, Side::Input)
        {
            let errors: Vec<String> = v
                .iter_errors(&input)
                .map(|e| format!("{e} at `{}`", e.instance_path()))
                .collect();
            if !errors.is_empty() {
                return Err(Failure::before_any_request(format!(
                    "the input does not fit the input of {id}: {}",
                    errors.join("; ")
                )));
            }
        }
        let conn = self.connection(action.connection.as_ref().map(|c| c.name.as_str()));
        self.variables_given(action_steps(action), conn)?;
        let result = self.run_steps_of(action_steps(action), input, conn).await;
        let (output, failure, at) = match result {
            Ok(Flow::Return(v)) => (with_status(v, "SUCCEEDED", None), None, None),
            Ok(Flow::Next) => (with_status(json!({}), "SUCCEEDED", None), None, None),
            // A problem of the run itself (no token, an unreadable environment) is not the
            // action's outcome: the caller reports it as for flows, `ping` and `call`.
            Err(f) if f.is_before_any_request() => return Err(f),
            Err(f) => (
                with_status(json!({}), "FAILED", Some(&f)),
                Some(f.kind),
                f.at,
            ),
        };
        let succeeded = output["executionStatus"]["status"] == "SUCCEEDED";
        // A returned executionStatus of its own may say FAILED too.
        let failure = (!succeeded).then(|| failure.unwrap_or(FailureKind::Run));
        if succeeded
            && let Some(id) = contract
            && let Some(v) = contracts::validator(id, Side::Output)
        {
            let errors: Vec<String> = v
                .iter_errors(&output)
                .map(|e| format!("{e} at `{}`", e.instance_path()))
                .collect();
            if !errors.is_empty() {
                let f = Failure::new(format!(
                    "the action's output does not fit the output of {id}: {}",
                    errors.join("; ")
                ));
                return Ok(Outcome {
                    output: self
                        .masker
                        .mask_json(&with_status(json!({}), "FAILED", Some(&f))),
                    succeeded: false,
                    failure: Some(f.kind),
                    at: None,
                });
            }
        }
        Ok(Outcome {
            output: self.masker.mask_json(&output),
            succeeded,
            failure,
            at,
        })
    }

    async fn ping_steps(&self, connection: Option<&str>) -> Result<String, Failure> {
        let conn = self.connection(connection).ok_or_else(|| {
            let names: Vec<&str> = self
                .model()
                .connections
                .iter()
                .map(|c| c.name.name.as_str())
                .collect();
            Failure::before_any_request(match connection {
                Some(n) => format!(
                    "no connection named `{n}`; the project has: {}",
                    names.join(", ")
                ),
                None => format!(
                    "name the connection to ping; the project has: {}",
                    names.join(", ")
                ),
            })
        })?;
        let steps = conn.ping.as_ref().ok_or_else(|| {
            Failure::before_any_request(format!(
                "connection `{}` has no `ping` block",
                conn.name.name
            ))
        })?;
        self.variables_given(steps, Some(conn))?;
        self.run_steps_of(steps, J::Object(Map::new()), Some(conn))
            .await?;
        Ok(conn.name.name.clone())
    }

    /// The variables a connection's own settings see: `app` and its `auth` params.
    pub(crate) fn connection_frame<'c>(
        &self,
        conn: &'c ConnectionDef,
    ) -> Result<Frame<'c>, Failure> {
        let mut vars = Vars::new();
        vars.insert("app".into(), Arc::new(self.app()));
        vars.insert("auth".into(), Arc::new(self.auth(conn)?));
        Ok(Frame {
            vars,
            steps: Arc::new(J::Object(Map::new())),
            conn: Some(conn),
            step: None,
        })
    }

    async fn flow_run(&self, name: &str, inputs: J) -> Result<J, Failure> {
        let flow = self.flow(name)?;
        let input = self.flow_input(flow, inputs)?;
        let conn = self.connection(flow.connection.as_ref().map(|c| c.name.as_str()));
        self.variables_given(&flow.steps, conn)?;
        match self.run_steps_of(&flow.steps, input, conn).await? {
            Flow::Return(v) => Ok(self.masker.mask_json(&v)),
            Flow::Next => Ok(J::Null),
        }
    }

    fn flow(&self, name: &str) -> Result<&FlowDef, Failure> {
        self.model()
            .flows
            .iter()
            .find(|f| f.name.name == name)
            .map(|f| &**f)
            .ok_or_else(|| Failure::before_any_request(format!("no flow named `{name}`")))
    }

    fn flow_input(&self, flow: &FlowDef, inputs: J) -> Result<J, Failure> {
        let mut given = match inputs {
            J::Object(m) => m,
            J::Null => Map::new(),
            _ => {
                return Err(Failure::new(format!(
                    "flow `{}` takes its inputs as an object",
                    flow.name.name
                )));
            }
        };
        for i in &flow.inputs {
            if !given.contains_key(&i.name.name) && i.required && i.default.is_none() {
                return Err(Failure::before_any_request(format!(
                    "flow `{}` needs its input `{}`",
                    flow.name.name, i.name.name
                )));
            }
            // A missing or null input takes its declared default.
            if given.get(&i.name.name).is_none_or(J::is_null) {
                let value = match &i.default {
                    Some(tree) => self.eval(
                        tree,
                        &Frame {
                            vars: Vars::new(),
                            steps: Arc::new(J::Null),
                            conn: None,
                            step: None,
                        },
                    )?,
                    None => J::Null,
                };
                given.insert(i.name.name.clone(), value);
            }
            if let (Some(ty), Some(v)) = (&i.ty, given.get(&i.name.name))
                && !intact_model::catalogue::input_type_fits(ty, v)
            {
                return Err(Failure::before_any_request(format!(
                    "the input `{}` of flow `{}` is {}, but it is declared {}",
                    i.name.name,
                    flow.name.name,
                    intact_model::catalogue::a_type(intact_model::catalogue::input_type_of(v)),
                    intact_model::catalogue::a_type(ty)
                )));
            }
        }
        Ok(J::Object(given))
    }
}

fn kind_of(v: &J) -> &'static str {
    match v {
        J::Null => "null",
        J::Bool(_) => "a boolean",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "a list",
        J::Object(_) => "an object",
    }
}

fn action_steps(a: &ActionDef) -> &[Step] {
    &a.steps
}

/// A JSON value as a value tree (for `intact call --json`).
fn json_tree(v: &J, loc: Loc) -> Tree {
    use intact_syntax::Value as V;
    match v {
        J::Null => Tree::Scalar(V::Null, loc),
        J::Bool(b) => Tree::Scalar(V::Bool(*b), loc),
        J::Number(n) => Tree::Scalar(
            n.as_i64()
                .map_or_else(|| V::Float(n.as_f64().unwrap_or(0.0)), V::Integer),
            loc,
        ),
        J::String(s) => Tree::Scalar(V::String(s.as_str().into()), loc),
        J::Array(a) => Tree::Array(a.iter().map(|x| json_tree(x, loc)).collect(), loc),
        J::Object(o) => Tree::Object(
            o.iter()
                .map(|(k, x)| {
                    (
                        Ident {
                            name: k.clone(),
                            loc,
                        },
                        json_tree(x, loc),
                    )
                })
                .collect(),
            loc,
        ),
    }
}
