//! Running steps.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use intact_expr::eval::{Mappings, json_text as text_of};
use intact_model::catalogue::AuthKind;
use intact_model::contracts::{self, Side};
use intact_model::eval::{
    Place, Programs, ProjectMappings, eval_text_seen, eval_tree_seen, failing_place,
};
use intact_model::{
    ActionDef, Analysis, ConnectionDef, Exec, FlowDef, Ident, Loc, Request, Step, StepKind,
    Template, Tree, template,
};
use serde_json::{Map, Value as J, json};

use crate::env::Environment;
use crate::mask::Masker;

/// The error types of executionStatus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorType {
    ResourceNotFound,
    RateLimitExceeded,
    InvalidCredentials,
    TokenExpired,
    GenericFailure,
}

impl ErrorType {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::ResourceNotFound => "RESOURCE_NOT_FOUND",
            ErrorType::RateLimitExceeded => "RATE_LIMIT_EXCEEDED",
            ErrorType::InvalidCredentials => "INVALID_CREDENTIALS",
            ErrorType::TokenExpired => "TOKEN_EXPIRED",
            ErrorType::GenericFailure => "GENERIC_FAILURE",
        }
    }

    fn parse(s: &str) -> ErrorType {
        match s {
            "RESOURCE_NOT_FOUND" => ErrorType::ResourceNotFound,
            "RATE_LIMIT_EXCEEDED" => ErrorType::RateLimitExceeded,
            "INVALID_CREDENTIALS" => ErrorType::InvalidCredentials,
            "TOKEN_EXPIRED" => ErrorType::TokenExpired,
            _ => ErrorType::GenericFailure,
        }
    }

    fn from_status(status: u16) -> ErrorType {
        match status {
            404 => ErrorType::ResourceNotFound,
            429 => ErrorType::RateLimitExceeded,
            401 => ErrorType::InvalidCredentials,
            _ => ErrorType::GenericFailure,
        }
    }
}

/// Why a run failed. Messages are masked before they are shown.
#[derive(Clone, Debug)]
pub struct Failure {
    pub message: String,
    pub error_type: ErrorType,
    pub status: Option<u16>,
    pub step: Option<String>,
    pub body: Option<J>,
    pub request_id: Option<String>,
    /// Problems of the run itself (invalid input, an unknown action) rather than of the API.
    pub before_any_request: bool,
}

impl Failure {
    /// A failure of the run itself, for callers outside the runtime.
    pub fn new_public(message: impl Into<String>) -> Failure {
        Failure {
            before_any_request: true,
            ..Failure::new(message)
        }
    }

    pub(crate) fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            error_type: ErrorType::GenericFailure,
            status: None,
            step: None,
            body: None,
            request_id: None,
            before_any_request: false,
        }
    }

    fn as_error_value(&self) -> J {
        json!({
            "message": self.message,
            "status": self.status,
            "type": self.error_type.as_str(),
            "step": self.step,
            "body": self.body,
        })
    }
}

/// The result of running an action: the output with its executionStatus.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub output: J,
    pub succeeded: bool,
}

type Credentials = (Vec<(String, String)>, Vec<(String, String)>);

/// Receives trace lines, already masked.
pub type Trace = Arc<dyn Fn(&str) + Send + Sync>;

pub struct Runtime {
    analysis: Arc<Analysis>,
    pub(crate) env: Environment,
    pub(crate) masker: Arc<Masker>,
    programs: Arc<Programs>,
    mappings: Arc<ProjectMappings>,
    pub(crate) client: reqwest::Client,
    trace: Option<Trace>,
    /// Evaluated credentials (headers, query parameters) by connection.
    credentials: std::sync::Mutex<std::collections::HashMap<String, Credentials>>,
    /// OAuth 2.0 access tokens by connection, with when they expire.
    pub(crate) tokens:
        tokio::sync::Mutex<std::collections::HashMap<String, (String, std::time::Instant)>>,
    /// Where OAuth 2.0 tokens outlive the run (the user's cache folder); memory only when `None`.
    pub(crate) token_store: Option<crate::oauth::TokenStore>,
    /// The secret params of each connection ([`ConnectionDef::secret_params`]).
    secret_params: std::collections::HashMap<String, Vec<String>>,
}

/// What a list of steps ended with.
enum Flow {
    Next,
    Return(J),
}

/// Variables of one action or flow run.
#[derive(Clone)]
pub(crate) struct Frame<'a> {
    pub(crate) vars: Map<String, J>,
    /// The results of the steps that have run, as one object (`steps` in expressions).
    pub(crate) steps: J,
    pub(crate) conn: Option<&'a ConnectionDef>,
    /// The step running, which failures name.
    pub(crate) step: Option<&'a Step>,
}

type StepFuture<'a> = Pin<Box<dyn Future<Output = Result<Flow, Failure>> + Send + 'a>>;

impl Runtime {
    pub fn new(analysis: Arc<Analysis>, env: Environment, masker: Arc<Masker>) -> Runtime {
        crate::init_tls();
        let programs = Arc::new(Programs::default());
        let mappings = ProjectMappings::new(&analysis.model, programs.clone());
        let secret_params = analysis
            .model
            .connections
            .iter()
            .map(|c| (c.name.name.clone(), c.secret_params()))
            .collect();
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(8)
            // Redirects are followed by the request loop, which knows the connection's host and
            // its credentials (docs/security.md); no Referer ever carries a URL's query away.
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .build()
            .expect("the HTTP client builds");
        Runtime {
            analysis,
            env,
            masker,
            programs,
            mappings,
            client,
            trace: None,
            tokens: Default::default(),
            credentials: Default::default(),
            token_store: None,
            secret_params,
        }
    }

    /// Keeps OAuth 2.0 tokens in `store` across runs (and reads those `intact auth login` stored).
    pub fn with_token_store(mut self, store: crate::oauth::TokenStore) -> Runtime {
        self.token_store = Some(store);
        self
    }

    pub fn with_trace(mut self, trace: Trace) -> Runtime {
        self.trace = Some(trace);
        self
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

    /// The `auth` object of a connection: params from the environment, `from=` variables, defaults.
    pub(crate) fn auth(&self, c: &ConnectionDef) -> Result<J, Failure> {
        // Every use of a connection passes here: its environment must have been readable.
        if let Some(e) = self.env.unreadable(&c.name.name) {
            return Err(Failure {
                before_any_request: true,
                ..Failure::new(e.0.clone())
            });
        }
        let env = self.env.connections.get(&c.name.name);
        let mut out = Map::new();
        for p in c.all_params() {
            let declared = c.params.iter().find(|d| d.name.name == p.name);
            let value = env
                .and_then(|e| e.params.get(&p.name).cloned())
                .or_else(|| {
                    declared
                        .and_then(|d| d.from.as_ref())
                        .and_then(|(from, _)| {
                            self.env.app.get(from.trim_start_matches("app.")).cloned()
                        })
                });
            if let Some(v) = value {
                if p.secret {
                    self.masker.add(&v);
                }
                out.insert(p.name.clone(), J::String(v));
            }
        }
        Ok(J::Object(out))
    }

    pub(crate) fn eval(&self, tree: &Tree, frame: &Frame) -> Result<J, Failure> {
        let vars: Vec<(&str, &J)> = frame
            .vars
            .iter()
            .map(|(k, v)| (k.as_str(), v))
            .chain(std::iter::once(("steps", &frame.steps)))
            .collect();
        let mappings: Arc<dyn Mappings> = self.mappings.clone();
        let mut seen = self.secret_watch(frame);
        failing_place(|| eval_tree_seen(tree, &vars, &self.programs, mappings, &mut seen))
            .map_err(|(e, place)| self.expression_failure(e, place.as_ref(), frame))
    }

    /// Registers as secret the value of every expression that reads a secret param of the frame's
    /// connection: a value computed from a secret is a secret (docs/security.md).
    fn secret_watch<'s>(&'s self, frame: &Frame) -> impl FnMut(&str, &J) + 's {
        let names = frame
            .conn
            .and_then(|c| self.secret_params.get(&c.name.name))
            .filter(|n| !n.is_empty());
        move |expr: &str, value: &J| {
            if names.is_some_and(|n| self.reads_secret(expr, n)) {
                self.masker.add_value(value);
            }
        }
    }

    /// Whether an expression reads one of the secret params `names` (`auth.NAME`), from its
    /// compiled program (each distinct expression is compiled once per run).
    fn reads_secret(&self, expr: &str, names: &[String]) -> bool {
        self.programs
            .get(expr)
            .is_ok_and(|p| names.iter().any(|n| p.reads("auth", n)))
    }

    /// An expression that failed, named by its step, its place and its text:
    /// ``an expression failed in step `list` at flows/people.kdl:4:31 `${input.page.cursor}`: no
    /// field `cursor` in `input.page```.
    fn expression_failure(&self, message: String, place: Option<&Place>, frame: &Frame) -> Failure {
        let mut text = String::from("an expression failed");
        if let Some(s) = frame.step {
            match &s.name {
                Some(n) => text.push_str(&format!(" in step `{}`", n.name)),
                None => text.push_str(&format!(" in `{}`", self.analysis.text_at(s.keyword))),
            }
        }
        if let Some(p) = place {
            text.push_str(&format!(
                " at {} `${{{}}}`",
                self.analysis.place(p.loc),
                p.expr
            ));
        }
        text.push_str(": ");
        text.push_str(&message);
        Failure {
            step: frame
                .step
                .and_then(|s| s.name.as_ref())
                .map(|n| n.name.clone()),
            ..Failure::new(text)
        }
    }

    fn eval_text_with(
        &self,
        text: &str,
        frame: &Frame,
        extra: &[(&str, &J)],
    ) -> Result<J, Failure> {
        self.eval_text_at(text, frame, extra, None)
    }

    /// A text evaluated outside its template (a path segment); `at` is where it is written, for a
    /// failure that happens in the text itself rather than in a mapping it calls.
    fn eval_text_at(
        &self,
        text: &str,
        frame: &Frame,
        extra: &[(&str, &J)],
        at: Option<Place>,
    ) -> Result<J, Failure> {
        let mut vars: Vec<(&str, &J)> = frame.vars.iter().map(|(k, v)| (k.as_str(), v)).collect();
        vars.push(("steps", &frame.steps));
        vars.extend_from_slice(extra);
        let mappings: Arc<dyn Mappings> = self.mappings.clone();
        let mut seen = self.secret_watch(frame);
        failing_place(|| eval_text_seen(text, &vars, &self.programs, mappings, &mut seen))
            .map_err(|(e, place)| self.expression_failure(e, place.or(at).as_ref(), frame))
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
        Err(Failure {
            before_any_request: true,
            ..Failure::new(message)
        })
    }

    /// Runs an action with its contract input; validates input and output; fills executionStatus.
    pub async fn run_action(&self, name: &str, input: J) -> Result<Outcome, Failure> {
        let action = self
            .model()
            .actions
            .iter()
            .find(|a| a.name.name == name)
            .ok_or_else(|| Failure {
                before_any_request: true,
                ..Failure::new(format!("no action named `{name}`"))
            })?;
        let contract = action.contract.as_ref().map(|(id, _)| id.clone());
        if let Some(id) = &contract
            && let Some(v) = contracts::validator(id, Side::Input)
        {
            let errors: Vec<String> = v
                .iter_errors(&input)
                .map(|e| format!("{e} at `{}`", e.instance_path()))
                .collect();
            if !errors.is_empty() {
                return Err(Failure {
                    before_any_request: true,
                    ..Failure::new(format!(
                        "the input does not fit the input of {id}: {}",
                        errors.join("; ")
                    ))
                });
            }
        }
        let conn = self.connection(action.connection.as_ref().map(|c| c.name.as_str()));
        self.variables_given(action_steps(action), conn)?;
        let result = self.run_steps_of(action_steps(action), input, conn).await;
        let output = match result {
            Ok(Flow::Return(v)) => with_status(v, "SUCCEEDED", None),
            Ok(Flow::Next) => with_status(json!({}), "SUCCEEDED", None),
            // A problem of the run itself (no token, an unreadable environment) is not the
            // action's outcome: the caller reports it as for flows, `ping` and `call`.
            Err(f) if f.before_any_request => return Err(f),
            Err(f) => with_status(json!({}), "FAILED", Some(&f)),
        };
        let succeeded = output["executionStatus"]["status"] == "SUCCEEDED";
        if succeeded
            && let Some(id) = &contract
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
                });
            }
        }
        Ok(Outcome {
            output: self.masker.mask_json(&output),
            succeeded,
        })
    }

    /// The auth ping of a connection (the only one when `None`): Ok when its steps succeed.
    pub async fn ping(&self, connection: Option<&str>) -> Result<String, Failure> {
        let conn = self.connection(connection).ok_or_else(|| {
            let names: Vec<&str> = self
                .model()
                .connections
                .iter()
                .map(|c| c.name.name.as_str())
                .collect();
            Failure::new_public(match connection {
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
            Failure::new_public(format!(
                "connection `{}` has no `ping` block",
                conn.name.name
            ))
        })?;
        self.variables_given(steps, Some(conn))?;
        self.run_steps_of(steps, J::Object(Map::new()), Some(conn))
            .await?;
        Ok(conn.name.name.clone())
    }

    /// The custom API action: one authenticated request through a connection.
    pub async fn call(
        &self,
        connection: &str,
        method: &str,
        path: &str,
        query: Vec<(String, String)>,
        headers: Vec<(String, String)>,
        json: Option<J>,
    ) -> Result<J, Failure> {
        let conn = self
            .connection(Some(connection))
            .ok_or_else(|| Failure::new_public(format!("no connection named `{connection}`")))?;
        if !path.starts_with('/') {
            return Err(Failure::new_public(format!(
                "the path `{path}` must start with `/` (it is relative to the connection's base URL)"
            )));
        }
        let loc = Loc::new(0, intact_syntax::Span::empty(0));
        let text = |s: &str| Tree::Scalar(intact_syntax::Value::String(s.into()), loc);
        let step = Step {
            kind: StepKind::Request(Request {
                method: Some((method.to_string(), loc)),
                path: None,
                connection: Some(Ident {
                    name: connection.to_string(),
                    loc,
                }),
                operation: None,
                bodies: Vec::new(),
                // Any status is an answer here: the caller sees it.
                expect: (100..600).map(|s| (s, loc)).collect(),
            }),
            name: Some(Ident {
                name: "call".into(),
                loc,
            }),
            loc,
            keyword: loc,
            templates: Vec::new(),
            body: Vec::new(),
            exec: Exec {
                args: vec![text(method), text(path)],
                query: query.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
                headers: headers.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
                body: json.map(|j| ("json".to_string(), json_tree(&j, loc))),
                ..Exec::default()
            },
        };
        self.variables_given(&[], Some(conn))?;
        let frame = self.connection_frame(conn)?;
        let result = self.request(&step, &frame).await?;
        Ok(self.masker.mask_json(&result))
    }

    /// The variables a connection's own settings see: `app` and its `auth` params.
    pub(crate) fn connection_frame<'c>(
        &self,
        conn: &'c ConnectionDef,
    ) -> Result<Frame<'c>, Failure> {
        let mut vars = Map::new();
        vars.insert("app".into(), self.app());
        vars.insert("auth".into(), self.auth(conn)?);
        Ok(Frame {
            vars,
            steps: J::Object(Map::new()),
            conn: Some(conn),
            step: None,
        })
    }

    /// Runs a flow with its inputs; returns its return value, secrets masked.
    pub async fn run_flow(&self, name: &str, inputs: J) -> Result<J, Failure> {
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
            .ok_or_else(|| Failure {
                before_any_request: true,
                ..Failure::new(format!("no flow named `{name}`"))
            })
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
                return Err(Failure {
                    before_any_request: true,
                    ..Failure::new(format!(
                        "flow `{}` needs its input `{}`",
                        flow.name.name, i.name.name
                    ))
                });
            }
            // A missing or null input takes its declared default.
            if given.get(&i.name.name).is_none_or(J::is_null) {
                let value = match &i.default {
                    Some(tree) => self.eval(
                        tree,
                        &Frame {
                            vars: Map::new(),
                            steps: J::Null,
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
                return Err(Failure {
                    before_any_request: true,
                    ..Failure::new(format!(
                        "the input `{}` of flow `{}` is {}, but it is declared {}",
                        i.name.name,
                        flow.name.name,
                        intact_model::catalogue::a_type(intact_model::catalogue::input_type_of(v)),
                        intact_model::catalogue::a_type(ty)
                    ))
                });
            }
        }
        Ok(J::Object(given))
    }

    async fn run_steps_of<'a>(
        &'a self,
        steps: &'a [Step],
        input: J,
        conn: Option<&'a ConnectionDef>,
    ) -> Result<Flow, Failure> {
        let mut vars = Map::new();
        vars.insert("input".into(), input);
        vars.insert("app".into(), self.app());
        vars.insert(
            "auth".into(),
            match conn {
                Some(c) => self.auth(c)?,
                None => J::Object(Map::new()),
            },
        );
        let mut frame = Frame {
            vars,
            steps: J::Object(Map::new()),
            conn,
            step: None,
        };
        self.steps(steps, &mut frame).await
    }

    fn steps<'a, 'b>(&'a self, steps: &'a [Step], frame: &'b mut Frame<'a>) -> StepFuture<'b>
    where
        'a: 'b,
    {
        Box::pin(async move {
            let mut i = 0;
            while i < steps.len() {
                let s = &steps[i];
                frame.step = Some(s);
                match &s.kind {
                    StepKind::If => {
                        // The chain: if, else-if…, else; the first branch whose condition holds runs.
                        let mut j = i;
                        let mut ran = false;
                        while j < steps.len() {
                            let st = &steps[j];
                            let take = match st.kind {
                                StepKind::If if j == i => self.truthy(st, frame)?,
                                StepKind::ElseIf if j > i => !ran && self.truthy(st, frame)?,
                                StepKind::Else if j > i => !ran,
                                _ => break,
                            };
                            if take && !ran {
                                ran = true;
                                let mut branch = frame.clone();
                                if let Flow::Return(v) = self.steps(&st.body, &mut branch).await? {
                                    return Ok(Flow::Return(v));
                                }
                            }
                            j += 1;
                            if matches!(st.kind, StepKind::Else) {
                                break;
                            }
                        }
                        i = j;
                        continue;
                    }
                    StepKind::ElseIf | StepKind::Else | StepKind::Catch | StepKind::Yield(_) => {}
                    StepKind::Try => {
                        let mut branch = frame.clone();
                        let result = self.steps(&s.body, &mut branch).await;
                        let catch = steps
                            .get(i + 1)
                            .filter(|n| matches!(n.kind, StepKind::Catch));
                        match (result, catch) {
                            (Ok(Flow::Return(v)), _) => return Ok(Flow::Return(v)),
                            // Every step of the body ran: later steps may read them (the
                            // checker allows it when the catch always ends the run).
                            (Ok(Flow::Next), _) => frame.steps = branch.steps,
                            (Err(f), Some(c)) => {
                                self.trace(format_args!("catch: {}", f.message));
                                let mut handler = frame.clone();
                                handler.vars.insert("error".into(), f.as_error_value());
                                if let Flow::Return(v) = self.steps(&c.body, &mut handler).await? {
                                    return Ok(Flow::Return(v));
                                }
                            }
                            (Err(f), None) => return Err(f),
                        }
                    }
                    StepKind::Return(tree) => {
                        let v = match tree {
                            Some(t) => self.eval(t, frame)?,
                            None => json!({}),
                        };
                        return Ok(Flow::Return(v));
                    }
                    StepKind::Fail => return Err(self.fail(s, frame)?),
                    StepKind::Log => {
                        let line = match s.exec.args.first() {
                            Some(t) => text_of(&self.eval(t, frame)?),
                            None => String::new(),
                        };
                        self.trace(format_args!("log: {line}"));
                    }
                    StepKind::Let(tree) => {
                        let v = match tree {
                            Some(t) => self.eval(t, frame)?,
                            None => J::Null,
                        };
                        self.set(s, frame, v);
                    }
                    StepKind::Call { flow, .. } => {
                        let name = flow.as_ref().map(|f| f.name.clone()).unwrap_or_default();
                        let mut args = Map::new();
                        for (k, t) in &s.exec.call_args {
                            args.insert(k.clone(), self.eval(t, frame)?);
                        }
                        let target = self.flow(&name)?;
                        let input = self.flow_input(target, J::Object(args))?;
                        let conn = match &target.connection {
                            Some(c) => self.connection(Some(&c.name)),
                            None => frame.conn.or_else(|| self.connection(None)),
                        };
                        let v =
                            match Box::pin(self.run_steps_of(&target.steps, input, conn)).await? {
                                Flow::Return(v) => v,
                                Flow::Next => J::Null,
                            };
                        self.set(s, frame, v);
                    }
                    StepKind::ForEach { items } => {
                        let list = match items {
                            Some(t) => self.eval(&Tree::Template(t.clone()), frame)?,
                            None => J::Array(Vec::new()),
                        };
                        let J::Array(list) = list else {
                            return Err(Failure::new("`for-each in=` is not a list"));
                        };
                        let yield_tree = s.body.iter().find_map(|b| match &b.kind {
                            StepKind::Yield(t) => Some(t),
                            _ => None,
                        });
                        // At most `concurrency=N` bodies at once; results keep the input order.
                        let concurrency =
                            match s.exec.props.iter().find(|(k, _)| k == "concurrency") {
                                Some((_, t)) => {
                                    self.eval(t, frame)?.as_u64().unwrap_or(1).clamp(1, 64) as usize
                                }
                                None => 1,
                            };
                        let permits = tokio::sync::Semaphore::new(concurrency);
                        let bodies = list.into_iter().enumerate().map(|(index, item)| {
                            let mut body = frame.clone();
                            body.vars.insert("item".into(), item);
                            body.vars.insert("index".into(), J::from(index));
                            let permits = &permits;
                            async move {
                                let _permit = permits
                                    .acquire()
                                    .await
                                    .expect("the semaphore is never closed");
                                let flow = self.steps(&s.body, &mut body).await?;
                                let yielded = match yield_tree {
                                    Some(t) => Some(self.eval(t, &body)?),
                                    None => None,
                                };
                                Ok::<_, Failure>((flow, yielded))
                            }
                        });
                        let mut results = Vec::new();
                        for outcome in futures_util::future::join_all(bodies).await {
                            let (flow, yielded) = outcome?;
                            if let Flow::Return(v) = flow {
                                return Ok(Flow::Return(v));
                            }
                            results.extend(yielded);
                        }
                        self.set(s, frame, J::Array(results));
                    }
                    StepKind::Request(_) => {
                        let result = self.request(s, frame).await?;
                        self.set(s, frame, result);
                    }
                }
                i += 1;
            }
            Ok(Flow::Next)
        })
    }

    fn set(&self, s: &Step, frame: &mut Frame, v: J) {
        if let Some(n) = &s.name
            && let J::Object(steps) = &mut frame.steps
        {
            steps.insert(n.name.clone(), v);
        }
    }

    fn truthy(&self, s: &Step, frame: &Frame) -> Result<bool, Failure> {
        match s.exec.args.first() {
            Some(t) => Ok(matches!(self.eval(t, frame)?, J::Bool(true))),
            None => Ok(false),
        }
    }

    fn fail(&self, s: &Step, frame: &Frame) -> Result<Failure, Failure> {
        let message = match s.exec.args.first() {
            Some(t) => text_of(&self.eval(t, frame)?),
            None => "the flow failed".into(),
        };
        let prop = |k: &str| s.exec.props.iter().find(|(n, _)| n == k).map(|(_, t)| t);
        let status = match prop("status") {
            Some(t) => self.eval(t, frame)?.as_u64().map(|n| n as u16),
            None => None,
        };
        let error_type = match prop("type") {
            Some(t) => ErrorType::parse(&text_of(&self.eval(t, frame)?)),
            None => status.map_or(ErrorType::GenericFailure, ErrorType::from_status),
        };
        Ok(Failure {
            message,
            error_type,
            status,
            step: None,
            body: None,
            request_id: None,
            before_any_request: false,
        })
    }

    /// One HTTP request through its connection, with authentication, retries and the `expect` check.
    async fn request(&self, s: &Step, frame: &Frame<'_>) -> Result<J, Failure> {
        let StepKind::Request(req) = &s.kind else {
            unreachable!()
        };
        let step_name = s.name.as_ref().map(|n| n.name.clone()).unwrap_or_default();
        let at = self.analysis.place(s.keyword);
        let conn = match &req.connection {
            Some(c) => self.connection(Some(&c.name)),
            None => frame.conn.or_else(|| self.connection(None)),
        }
        .ok_or_else(|| Failure::new(format!("request `{step_name}` has no connection")))?;
        let oauth = conn
            .auth
            .as_ref()
            .is_some_and(|a| a.form == AuthKind::OAuth2);
        // The access token of an OAuth 2.0 connection, fetched before the request's templates so
        // that they can read it as `auth.access_token` (a header that carries it otherwise).
        let mut token = None;
        let reads_token = oauth
            && conn
                .headers
                .iter()
                .map(|(_, t)| t.text.as_str())
                .chain(s.exec.headers.iter().flat_map(|(_, tree)| {
                    let mut ts = Vec::new();
                    tree.templates(&mut ts);
                    ts.into_iter().map(|t| t.text.as_str())
                }))
                .any(|t| t.contains("access_token"));
        // Another connection's request sees that connection's params (copy the frame only then).
        let other;
        let frame = if frame.conn.is_some_and(|c| std::ptr::eq(c, conn)) && !reads_token {
            frame
        } else {
            let mut f = frame.clone();
            f.vars.insert("auth".into(), self.auth(conn)?);
            f.conn = Some(conn);
            if oauth {
                let t = self.oauth_token(conn, &f, false).await?;
                if reads_token && let Some(J::Object(m)) = f.vars.get_mut("auth") {
                    m.insert("access_token".into(), J::String(t.clone()));
                }
                token = Some(t);
            }
            other = f;
            &other
        };
        let method = match s.exec.args.first() {
            Some(t) => text_of(&self.eval(t, frame)?),
            None => "GET".into(),
        };
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes())
            .map_err(|_| Failure::new(format!("`{method}` is not an HTTP method")))?;
        let path = match s.exec.args.get(1) {
            Some(Tree::Template(t)) => self.path(t, frame)?,
            Some(other) => text_of(&self.eval(other, frame)?),
            None => "/".into(),
        };
        let base = self.base_url(conn, frame)?;
        let url = format!("{}{}", base.trim_end_matches('/'), path);
        let mut query: Vec<(String, String)> = Vec::new();
        self.named(&s.exec.query, frame, &mut query)?;
        for t in &s.exec.query_objects {
            self.spread(t, frame, "queries", &mut query)?;
        }
        let mut headers: Vec<(String, String)> = Vec::new();
        let secrets = self.secret_params.get(&conn.name.name);
        for (k, t) in &conn.headers {
            let value = text_of(&self.eval(&Tree::Template(t.clone()), frame)?);
            // A header built around a secret (`Token ${auth.key}`) is a credential as a whole:
            // its base64 or URL-encoded form is masked too, not only the secret inside.
            if secrets.is_some_and(|n| {
                template::members(&t.text, "auth")
                    .iter()
                    .any(|(_, f)| n.iter().any(|x| x == f))
            }) {
                self.masker.add(&value);
            }
            headers.push((k.clone(), value));
        }
        self.named(&s.exec.headers, frame, &mut headers)?;
        for t in &s.exec.header_objects {
            self.spread(t, frame, "headers", &mut headers)?;
        }
        // A connection's credentials depend only on its params and the tenant variables, fixed for
        // a run: evaluate them once per connection.
        let credentials = {
            let cached = self
                .credentials
                .lock()
                .unwrap()
                .get(&conn.name.name)
                .cloned();
            match cached {
                Some(c) => c,
                None => {
                    let (mut h, mut q) = (Vec::new(), Vec::new());
                    self.authenticate(conn, frame, &mut h, &mut q)?;
                    self.credentials
                        .lock()
                        .unwrap()
                        .insert(conn.name.name.clone(), (h.clone(), q.clone()));
                    (h, q)
                }
            }
        };
        headers.extend(credentials.0);
        let credential_query = credentials.1;
        query.extend(credential_query.iter().cloned());
        if oauth {
            let token = match token {
                Some(t) => t,
                None => self.oauth_token(conn, frame, false).await?,
            };
            headers.push(("Authorization".into(), format!("Bearer {token}")));
        }
        let mut refreshed = false;
        let body = match &s.exec.body {
            Some((kind, t)) => {
                let mut v = self.eval(t, frame)?;
                if s.exec.omit_null {
                    drop_null_fields(&mut v);
                }
                Some((kind.clone(), v))
            }
            None => None,
        };
        let timeout = s
            .exec
            .timeout_ms
            .or_else(|| connection_timeout(conn))
            .unwrap_or(30_000);
        let idempotent = matches!(
            method,
            reqwest::Method::GET
                | reqwest::Method::HEAD
                | reqwest::Method::PUT
                | reqwest::Method::DELETE
                | reqwest::Method::OPTIONS
        );
        let retry = RetryPolicy::of(conn);
        let mut attempt = 0u32;
        // Redirects: followed on the connection's own origin only, each hop in the trace.
        let (mut url, mut method, mut query, mut body) = (url, method, query, body);
        let origin = reqwest::Url::parse(&url).ok().map(|u| u.origin());
        let mut hops = 0;
        loop {
            attempt += 1;
            let mut rb = self
                .client
                .request(method.clone(), &url)
                .query(&query)
                .timeout(Duration::from_millis(timeout));
            for (k, v) in &headers {
                rb = rb.header(k.as_str(), v.as_str());
            }
            rb = match &body {
                Some((k, v)) if k == "json" => rb.json(v),
                Some((k, v)) if k == "form" => {
                    // A null field is left out, as a null `query` is: an optional input that was
                    // not given sends nothing rather than `ttl=`.
                    let pairs: Vec<(String, String)> = v
                        .as_object()
                        .map(|o| {
                            o.iter()
                                .filter(|(_, v)| !v.is_null())
                                .map(|(k, v)| (k.clone(), text_of(v)))
                                .collect()
                        })
                        .unwrap_or_default();
                    rb.form(&pairs)
                }
                Some((_, v)) => rb.body(text_of(v)),
                None => rb,
            };
            let started = std::time::Instant::now();
            let sent = rb.send().await;
            match sent {
                Err(e) => {
                    let retryable = (e.is_connect() || e.is_timeout())
                        && idempotent
                        && retry.on_connect
                        && attempt <= retry.max;
                    self.trace(format_args!(
                        "{method} {url} -> error after {:?}: {e}",
                        started.elapsed()
                    ));
                    if retryable {
                        tokio::time::sleep(retry.backoff(attempt, None)).await;
                        continue;
                    }
                    let what = if e.is_timeout() {
                        format!("timed out after {timeout} ms")
                    } else {
                        format!("could not be sent: {}", root_cause(&e))
                    };
                    let message = format!("request `{step_name}` at {at} to {url} {what}");
                    return Err(Failure {
                        step: Some(step_name),
                        ..Failure::new(message)
                    });
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    if let Some(next) = resp
                        .status()
                        .is_redirection()
                        .then(|| resp.headers().get("location"))
                        .flatten()
                        .and_then(|l| l.to_str().ok())
                        .and_then(|l| resp.url().join(l).ok())
                    {
                        if Some(next.origin()) != origin {
                            self.trace(format_args!(
                                "{method} {url} -> {status}: redirected to {next}, another host; not followed"
                            ));
                            return Err(Failure {
                                status: Some(status),
                                step: Some(step_name.clone()),
                                ..Failure::new(format!(
                                    "request `{step_name}` at {at} was redirected ({status}) to another host, {}; intact sends a connection's credentials only to its own host, so it does not follow: point the connection's base-url there if that host is the API",
                                    next.origin().ascii_serialization()
                                ))
                            });
                        }
                        hops += 1;
                        if hops > MAX_REDIRECTS {
                            return Err(Failure {
                                status: Some(status),
                                step: Some(step_name.clone()),
                                ..Failure::new(format!(
                                    "request `{step_name}` at {at} was redirected more than {MAX_REDIRECTS} times"
                                ))
                            });
                        }
                        self.trace(format_args!(
                            "{method} {url} -> {status}: redirected to {next}"
                        ));
                        // 303, and 301/302 after a POST, go on as a GET without a body (RFC 9110 15.4).
                        if status == 303
                            || (matches!(status, 301 | 302) && method == reqwest::Method::POST)
                        {
                            method = reqwest::Method::GET;
                            body = None;
                        }
                        // The new URL carries its own query; the connection's credentials go
                        // along, as they would to any URL of this host.
                        url = next.to_string();
                        query.clone_from(&credential_query);
                        attempt -= 1;
                        continue;
                    }
                    // One refresh and retry on a 401 with OAuth 2.0; a second 401 means the
                    // refreshed token is refused too.
                    if status == 401 && oauth && !refreshed {
                        refreshed = true;
                        self.trace(format_args!(
                            "{method} {url} -> 401: refreshing the access token"
                        ));
                        let stale = headers
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                            .and_then(|(_, v)| v.strip_prefix("Bearer "))
                            .map(str::to_string);
                        let token = self.oauth_token(conn, frame, true).await?;
                        headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
                        // Headers that carry `auth.access_token` get the new one too.
                        if let Some(stale) = stale.filter(|s| !s.is_empty()) {
                            for (_, v) in headers.iter_mut() {
                                *v = v.replace(&stale, &token);
                            }
                        }
                        headers.push(("Authorization".into(), format!("Bearer {token}")));
                        continue;
                    }
                    let retry_after = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(retry_after_seconds);
                    let resp_headers: Map<String, J> = resp
                        .headers()
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.as_str().to_string(),
                                J::String(v.to_str().unwrap_or("").to_string()),
                            )
                        })
                        .collect();
                    let json_body = resp_headers
                        .get("content-type")
                        .and_then(J::as_str)
                        .is_some_and(|c| c.contains("json"));
                    let limit = max_response_size(conn);
                    let bytes = read_body(resp, limit).await.map_err(|mut why| {
                        if why.starts_with("is larger") {
                            why.push_str(&format!(
                                "; raise `max-response-size` on connection `{}` if the API's answers are that large",
                                conn.name.name
                            ));
                        }
                        self.trace(format_args!("{method} {url} -> {status}: {why}"));
                        Failure {
                            step: Some(step_name.clone()),
                            status: Some(status),
                            ..Failure::new(format!("the response to `{step_name}` at {at} {why}"))
                        }
                    })?;
                    self.trace(format_args!(
                        "{method} {url} -> {status} in {:?}",
                        started.elapsed()
                    ));
                    let retryable = (status == 429 && retry.statuses.contains(&429))
                        || (status == 503
                            && retry.statuses.contains(&503)
                            && (idempotent || retry.unsafe_methods));
                    if retryable && attempt <= retry.max {
                        if let Some(wait) = retry_after.filter(|s| *s > MAX_RETRY_AFTER_SECS) {
                            // Waiting would outlast any run; the provider retries later itself.
                            self.trace(format_args!(
                                "{method} {url} -> {status}: Retry-After {wait} s is more than the {MAX_RETRY_AFTER_SECS} s intact waits; not retried"
                            ));
                            return Err(Failure {
                                error_type: ErrorType::RateLimitExceeded,
                                status: Some(status),
                                step: Some(step_name.clone()),
                                ..Failure::new(format!(
                                    "request `{step_name}` at {at} got {status} and was asked to retry after {wait} s, more than the {MAX_RETRY_AFTER_SECS} s intact waits"
                                ))
                            });
                        }
                        tokio::time::sleep(retry.backoff(attempt, retry_after)).await;
                        continue;
                    }
                    let body = if bytes.is_empty() {
                        J::Null
                    } else if json_body {
                        serde_json::from_slice(&bytes).map_err(|e| Failure {
                            step: Some(step_name.clone()),
                            status: Some(status),
                            ..Failure::new(format!(
                                "the response to `{step_name}` at {at} says it is JSON but {}",
                                intact_expr::eval::json_error(&e)
                            ))
                        })?
                    } else {
                        J::String(String::from_utf8_lossy(&bytes).into_owned())
                    };
                    let ok = if req.expect.is_empty() {
                        (200..300).contains(&status)
                    } else {
                        req.expect.iter().any(|(s, _)| *s == status as i64)
                    };
                    if !ok {
                        let request_id = request_id_header(conn).and_then(|h| {
                            resp_headers
                                .get(&h.to_lowercase())
                                .and_then(J::as_str)
                                .map(str::to_string)
                        });
                        let summary = body
                            .get("detail")
                            .or_else(|| body.get("message"))
                            .and_then(J::as_str)
                            .map(str::to_string)
                            .unwrap_or_else(|| format!("HTTP {status}"));
                        return Err(Failure {
                            message: format!(
                                "request `{step_name}` at {at} got {status}: {summary}"
                            ),
                            error_type: if status == 401 && refreshed {
                                ErrorType::TokenExpired
                            } else {
                                ErrorType::from_status(status)
                            },
                            status: Some(status),
                            step: Some(step_name),
                            body: Some(body),
                            request_id,
                            before_any_request: false,
                        });
                    }
                    return Ok(
                        json!({"status": status, "headers": J::Object(resp_headers), "body": body}),
                    );
                }
            }
        }
    }

    /// A request's `query` or `header` children as name-value pairs. One whose value is null (an
    /// optional input not given) is not sent.
    fn named(
        &self,
        list: &[(String, Tree)],
        frame: &Frame,
        out: &mut Vec<(String, String)>,
    ) -> Result<(), Failure> {
        for (k, t) in list {
            let v = self.eval(t, frame)?;
            if !v.is_null() {
                out.push((k.clone(), text_of(&v)));
            }
        }
        Ok(())
    }

    /// The entries of an object (`queries`, `headers`) as name-value pairs; null values and a
    /// null object give none.
    fn spread(
        &self,
        t: &Tree,
        frame: &Frame,
        what: &str,
        out: &mut Vec<(String, String)>,
    ) -> Result<(), Failure> {
        match self.eval(t, frame)? {
            J::Null => Ok(()),
            J::Object(m) => {
                out.extend(
                    m.into_iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, v)| (k, text_of(&v))),
                );
                Ok(())
            }
            other => Err(Failure::new(format!(
                "`{what}` takes an object of names and values, not {}",
                kind_of(&other)
            ))),
        }
    }

    /// A request's path: each `${…}` is one path segment (percent-encoded, `/` included), except
    /// when the whole path is one `${…}`: then its value is a relative URL chosen at run time
    /// (the custom API action), kept as it is but for characters a URL cannot hold.
    fn path(&self, t: &Template, frame: &Frame) -> Result<String, Failure> {
        let text = t.text.as_str();
        let segs = intact_model::template::segments(text);
        let place_of = |seg: &intact_model::template::Segment| {
            Some(Place {
                loc: t.sub_loc(seg.offset, seg.expr.len()),
                expr: seg.expr.to_string(),
            })
        };
        if let [seg] = segs.as_slice()
            && seg.offset == 2
            && seg.closed
            && seg.offset + seg.expr.len() + 1 == text.len()
        {
            let v = self.eval_text_at(text, frame, &[], place_of(seg))?;
            let url = text_of(&v);
            if !url.starts_with('/') || url.starts_with("//") {
                return Err(Failure::new(format!(
                    "the relative URL `{url}` must start with a single `/`: it is relative to the connection's base URL"
                )));
            }
            let url = percent_encoding::utf8_percent_encode(&url, RELATIVE_URL).to_string();
            return no_dot_segments(url, t, frame.step);
        }
        let mut out = String::new();
        let mut at = 0;
        for seg in segs {
            out.push_str(&text[at..seg.offset - 2].replace("$${", "${"));
            let v = self.eval_text_at(&format!("${{{}}}", seg.expr), frame, &[], place_of(&seg))?;
            // An object or a list is no id: its JSON text in a URL is a mistake upstream.
            if matches!(v, J::Object(_) | J::Array(_)) {
                return Err(Failure {
                    step: frame
                        .step
                        .and_then(|s| s.name.as_ref())
                        .map(|n| n.name.clone()),
                    ..Failure::new(format!(
                        "`${{{}}}` in the path `{}` is {}: a path segment takes text or a number",
                        seg.expr,
                        t.text,
                        kind_of(&v)
                    ))
                });
            }
            out.push_str(&percent_encoding::utf8_percent_encode(&text_of(&v), SEGMENT).to_string());
            at = seg.offset + seg.expr.len() + 1;
        }
        out.push_str(&text[at.min(text.len())..]);
        no_dot_segments(out, t, frame.step)
    }

    fn base_url(&self, conn: &ConnectionDef, frame: &Frame) -> Result<String, Failure> {
        let url = match self
            .env
            .connections
            .get(&conn.name.name)
            .and_then(|c| c.base_url.clone())
        {
            Some(u) => u,
            None => {
                let t = conn.base_url.as_ref().ok_or_else(|| {
                    Failure::new(format!("connection `{}` has no base-url", conn.name.name))
                })?;
                text_of(&self.eval(&Tree::Template(t.clone()), frame)?)
            }
        };
        secure_url(&url, conn, "base-url")?;
        Ok(url)
    }

    fn authenticate(
        &self,
        conn: &ConnectionDef,
        frame: &Frame,
        headers: &mut Vec<(String, String)>,
        query: &mut Vec<(String, String)>,
    ) -> Result<(), Failure> {
        let Some(auth) = &conn.auth else {
            return Ok(());
        };
        // A setting as written (a failure names its place); else the form's default.
        let setting = |k: &str, default: &str| -> Result<String, Failure> {
            let v = match auth.setting(k) {
                Some(t) => self.eval(&Tree::Template(t.clone()), frame),
                None => self.eval_text_with(default, frame, &[]).map_err(|mut f| {
                    f.message = format!(
                        "{} (the `{k}` of connection `{}`'s {} auth: give the param a value)",
                        f.message, conn.name.name, auth.form
                    );
                    f
                }),
            }?;
            Ok(text_of(&v))
        };
        match auth.form {
            AuthKind::Basic => {
                let user = setting("username", "${auth.username}")?;
                let pass = setting("password", "${auth.password}")?;
                let token =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
                self.masker.add(&pass);
                self.masker.add(&token);
                headers.push(("Authorization".into(), format!("Basic {token}")));
            }
            AuthKind::Bearer => {
                let token = setting("token", "${auth.token}")?;
                self.masker.add(&token);
                headers.push(("Authorization".into(), format!("Bearer {token}")));
            }
            AuthKind::ApiKey | AuthKind::Custom => {
                for (kind, name, t) in &auth.credentials {
                    let v = text_of(&self.eval(&Tree::Template(t.clone()), frame)?);
                    self.masker.add(&v);
                    match kind.as_str() {
                        "query" => query.push((name.clone(), v)),
                        "cookie" => headers.push(("Cookie".into(), format!("{name}={v}"))),
                        _ => headers.push((name.clone(), v)),
                    }
                }
            }
            // The access token is fetched (and cached) by `oauth_token`.
            AuthKind::OAuth2 => {}
        }
        Ok(())
    }
}

/// Refuses a path with a `.` or `..` segment (also percent-encoded: URL parsers resolve `%2E%2E`
/// too), which would send the request to another resource than the one written: an id of `..`
/// in `/groups/${g}/members/${u}` would reach `/groups/g1/`. No encoding keeps such a segment one
/// segment, so the step fails before anything is sent.
fn no_dot_segments(path: String, t: &Template, step: Option<&Step>) -> Result<String, Failure> {
    let end = path.find(['?', '#']).unwrap_or(path.len());
    let dots = path[..end].split('/').any(|seg| {
        let s = seg.to_ascii_lowercase().replace("%2e", ".");
        s == "." || s == ".."
    });
    if dots {
        return Err(Failure {
            step: step.and_then(|s| s.name.as_ref()).map(|n| n.name.clone()),
            ..Failure::new(format!(
                "the path `{path}` (from `{}`) has a `.` or `..` segment, which would reach another resource: a value in a path must not be `.` or `..`",
                t.text
            ))
        });
    }
    Ok(path)
}

/// Refuses a URL that would carry a connection's requests in clear to another machine
/// ([`intact_model::urls::is_insecure`]), wherever it was written: project, environment, or a
/// value computed at run time.
pub(crate) fn secure_url(url: &str, conn: &ConnectionDef, setting: &str) -> Result<(), Failure> {
    if intact_model::urls::is_insecure(url) {
        return Err(Failure {
            before_any_request: true,
            ..Failure::new(format!(
                "the {setting} `{url}` of connection `{}` would send its requests over plain http: use https:// (http:// is allowed only for 127.0.0.1, [::1] and localhost)",
                conn.name.name
            ))
        });
    }
    Ok(())
}

/// Characters left as they are in one path segment (RFC 3986 unreserved).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Characters percent-encoded in a relative URL given whole: controls, space and the few that
/// may not stand in a URL; `/`, `?`, `&`, `=`, `%` (an existing escape) and the rest stay.
const RELATIVE_URL: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^');

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

fn connection_timeout(conn: &ConnectionDef) -> Option<u64> {
    conn_setting(conn, "timeout").and_then(|v| intact_model::catalogue::parse_duration_ms(&v))
}

/// The connection's `max-response-size`, else [`MAX_RESPONSE_BYTES`].
fn max_response_size(conn: &ConnectionDef) -> usize {
    conn_setting(conn, "max-response-size")
        .and_then(|v| intact_model::catalogue::parse_size_bytes(&v))
        .filter(|n| (1..=intact_model::catalogue::MAX_RESPONSE_SIZE_LIMIT).contains(n))
        .map_or(MAX_RESPONSE_BYTES, |n| n as usize)
}

fn request_id_header(conn: &ConnectionDef) -> Option<String> {
    conn_setting(conn, "request-id-header")
}

/// Single-valued connection children that lowering keeps only on the node (`timeout`, …).
fn conn_setting(conn: &ConnectionDef, name: &str) -> Option<String> {
    conn.settings
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

struct RetryPolicy {
    max: u32,
    statuses: Vec<u16>,
    unsafe_methods: bool,
    on_connect: bool,
}

impl RetryPolicy {
    fn of(conn: &ConnectionDef) -> RetryPolicy {
        match &conn.retry {
            Some(r) => RetryPolicy {
                max: r.max.unwrap_or(3),
                statuses: if r.on.is_empty() {
                    vec![429]
                } else {
                    r.on.clone()
                },
                unsafe_methods: r.unsafe_methods,
                on_connect: r.on.contains(&503),
            },
            None => RetryPolicy {
                max: 3,
                statuses: vec![429],
                unsafe_methods: false,
                on_connect: false,
            },
        }
    }

    /// Exponential backoff with jitter, or the server's Retry-After (at most
    /// [`MAX_RETRY_AFTER_SECS`]; a longer one is not waited for at all).
    fn backoff(&self, attempt: u32, retry_after: Option<u64>) -> Duration {
        if let Some(s) = retry_after {
            return Duration::from_secs(s.min(MAX_RETRY_AFTER_SECS));
        }
        let base = 100u64 * 2u64.pow(attempt.min(6));
        let jitter = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos() as u64 % (base / 2 + 1));
        Duration::from_millis(base / 2 + jitter)
    }
}

pub(crate) fn root_cause(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
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

fn with_status(mut output: J, status: &str, failure: Option<&Failure>) -> J {
    if !output.is_object() {
        output = json!({});
    }
    let has_own = output.get("executionStatus").is_some();
    if !has_own || failure.is_some() {
        let mut es = json!({"status": status});
        if let Some(f) = failure {
            let mut err = Map::new();
            err.insert("code".into(), J::String(f.error_type.as_str().into()));
            err.insert("summary".into(), J::String(f.message.clone()));
            err.insert("type".into(), J::String(f.error_type.as_str().into()));
            if let Some(s) = f.status {
                err.insert("httpStatusCode".into(), J::from(s));
            }
            if let Some(r) = &f.request_id {
                err.insert("requestId".into(), J::String(r.clone()));
            }
            if let Some(b) = &f.body {
                err.insert("details".into(), J::Array(vec![J::String(text_of(b))]));
            }
            es["errors"] = J::Array(vec![J::Object(err)]);
        }
        output["executionStatus"] = es;
    }
    output
}

/// `json omit-null=#true`: every object field whose value is null goes, at any depth (list elements
/// stay, so positions keep their meaning).
fn drop_null_fields(v: &mut J) {
    match v {
        J::Object(o) => {
            o.retain(|_, x| !x.is_null());
            o.values_mut().for_each(drop_null_fields);
        }
        J::Array(a) => a.iter_mut().for_each(drop_null_fields),
        _ => {}
    }
}

/// How many redirects on the connection's own host a request follows.
const MAX_REDIRECTS: usize = 10;

/// The longest `Retry-After` intact waits for; a longer one fails the step as
/// `RATE_LIMIT_EXCEEDED` at once (docs/security.md).
pub const MAX_RETRY_AFTER_SECS: u64 = 30;

/// The largest response body intact reads unless the connection's `max-response-size` says
/// otherwise (docs/security.md): past it the step fails instead of holding an unbounded body in
/// memory.
pub const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// `Retry-After` in seconds: a number, or an HTTP date (the seconds until then).
fn retry_after_seconds(v: &str) -> Option<u64> {
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(s);
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .map_or(0, |d| d.as_secs()),
    )
}

/// A size as people write it: `32 MiB`, `512 KiB`, `100 B`.
fn size_text(n: usize) -> String {
    match n {
        n if n >= 1 << 30 && n % (1 << 30) == 0 => format!("{} GiB", n >> 30),
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} B"),
    }
}

/// The whole body, or why it could not be had: cut off before its end (a shorter body than its
/// `Content-Length`, a reset, the timeout) or larger than `limit`. Never a silent empty body.
async fn read_body(mut resp: reqwest::Response, limit: usize) -> Result<Vec<u8>, String> {
    let too_large = || format!("is larger than the {} intact reads", size_text(limit));
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) if e.is_timeout() => {
                return Err(format!(
                    "was cut off by the timeout after {} byte(s)",
                    body.len()
                ));
            }
            Err(e) => {
                return Err(format!(
                    "was cut off after {} byte(s): {}",
                    body.len(),
                    root_cause(&e)
                ));
            }
        }
    }
}
