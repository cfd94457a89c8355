//! The definitions lowering produces: the typed model of a project (connections, actions, flows,
//! steps, tests), each part with where it is written. `lower` builds it; the checker, the
//! executor and the editor features read it.

use std::sync::Arc;

use intact_syntax::Value;

use crate::Loc;
use crate::catalogue::{AuthKind, ClientAuth, Grant};
use crate::template;

mod steps;
pub use steps::*;

/// A user-given name and where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub loc: Loc,
}

/// A string value that may hold `${…}` expressions.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub text: String,
    /// The literal's span (quotes included).
    pub loc: Loc,
    /// The literal as written, to map offsets inside the string back into the file.
    pub raw: String,
    /// Where the value goes when the step runs (secrets may go only to some places).
    pub role: Role,
}

/// Where a template's value is sent or shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Role {
    /// A value inside the run: a `let`, a condition, a call argument, a returned field.
    #[default]
    Value,
    /// A request path.
    Path,
    /// A request query parameter.
    Query,
    /// A request header (sent to the same connection).
    Header,
    /// A request body.
    Body,
    /// A log line.
    Log,
}

impl Template {
    /// The file location of `len` bytes at `offset` in the decoded text.
    pub fn sub_loc(&self, offset: usize, len: usize) -> Loc {
        Loc::new(
            self.loc.file,
            template::map_offset(self.loc.span, &self.raw, &self.text, offset, len),
        )
    }
}

/// A value tree (language reference §4).
#[derive(Clone, Debug, PartialEq)]
pub enum Tree {
    Scalar(Value, Loc),
    Template(Template),
    Object(Vec<(Ident, Tree)>, Loc),
    Array(Vec<Tree>, Loc),
}

impl Tree {
    pub fn loc(&self) -> Loc {
        match self {
            Tree::Scalar(_, l) | Tree::Object(_, l) | Tree::Array(_, l) => *l,
            Tree::Template(t) => t.loc,
        }
    }

    /// Every template in the tree, depth first.
    pub fn templates<'a>(&'a self, out: &mut Vec<&'a Template>) {
        match self {
            Tree::Template(t) => out.push(t),
            Tree::Object(fields, _) => fields.iter().for_each(|(_, v)| v.templates(out)),
            Tree::Array(items, _) => items.iter().for_each(|v| v.templates(out)),
            Tree::Scalar(..) => {}
        }
    }
}

/// The definitions of a project, or of one file (what lowering keeps per file).
///
/// Each definition is shared (`Arc`): the project's model is the files' models side by side, so
/// an analysis after an edit lowers the edited file and shares every other file's definitions
/// with the analysis before it (decision 0013).
#[derive(Debug, Default)]
pub struct Model {
    pub projects: Vec<Arc<ProjectDef>>,
    pub variables: Vec<Arc<VariableDef>>,
    pub connections: Vec<Arc<ConnectionDef>>,
    pub mappings: Vec<Arc<MappingDef>>,
    pub actions: Vec<Arc<ActionDef>>,
    pub flows: Vec<Arc<FlowDef>>,
    pub tests: Vec<Arc<TestDef>>,
    /// `test-defaults` blocks, as they are written (already merged into `tests`).
    pub test_defaults: Vec<Arc<TestDef>>,
}

impl Model {
    /// Adds another model's definitions (a file's, after the files before it), sharing them.
    pub fn extend(&mut self, other: &Model) {
        self.projects.extend(other.projects.iter().cloned());
        self.variables.extend(other.variables.iter().cloned());
        self.connections.extend(other.connections.iter().cloned());
        self.mappings.extend(other.mappings.iter().cloned());
        self.actions.extend(other.actions.iter().cloned());
        self.flows.extend(other.flows.iter().cloned());
        self.tests.extend(other.tests.iter().cloned());
        self.test_defaults
            .extend(other.test_defaults.iter().cloned());
    }

    /// The connection named `named`, or, when none is named, the project's only connection.
    pub fn connection(&self, named: Option<&str>) -> Option<&ConnectionDef> {
        match named {
            Some(n) => self
                .connections
                .iter()
                .find(|c| c.name.name == n)
                .map(Arc::as_ref),
            None if self.connections.len() == 1 => self.connections.first().map(Arc::as_ref),
            None => None,
        }
    }
}

#[derive(Debug)]
pub struct ProjectDef {
    pub name: Option<Ident>,
    pub loc: Loc,
    pub capabilities: Vec<CapabilityDef>,
    /// What the provider's catalog and submission wizard show, each value with where it is.
    pub catalog: Catalog,
}

/// `display-name`, `description`, `support-email` and the `use-case`s of the project node.
#[derive(Debug, Default)]
pub struct Catalog {
    pub display_name: Option<(String, Loc)>,
    pub description: Option<(String, Loc)>,
    pub support_email: Option<(String, Loc)>,
    pub use_cases: Vec<(String, Loc)>,
}

impl ProjectDef {
    /// Whether a contract's switch is on: its capability declared, or its feature or group option
    /// given in `capability "provisioning"`.
    pub fn switched_on(&self, switch: crate::contracts::Switch) -> bool {
        use crate::contracts::Switch;
        let provisioning = self.capabilities.iter().find(|c| c.name == "provisioning");
        match switch {
            Switch::Capability(name) => self.capabilities.iter().any(|c| c.name == name),
            Switch::Feature(f) => {
                provisioning.is_some_and(|p| p.features.iter().any(|(x, _)| x == f))
            }
            Switch::GroupOperations => provisioning.is_some_and(|p| p.group_operations),
            Switch::GroupMembership => provisioning.is_some_and(|p| p.group_membership),
        }
    }

    /// Whether deactivate-user deletes the user (`deactivation "removes"` in
    /// `capability "provisioning"`).
    pub fn deactivation_removes(&self) -> bool {
        self.capabilities
            .iter()
            .any(|c| c.name == "provisioning" && c.deactivation_removes)
    }
}

#[derive(Debug)]
pub struct CapabilityDef {
    pub name: String,
    pub loc: Loc,
    pub features: Vec<(String, Loc)>,
    pub group_operations: bool,
    pub group_membership: bool,
    /// `deactivation "removes"`: deactivate-user deletes the user (the app has no inactive
    /// state).
    pub deactivation_removes: bool,
}

#[derive(Debug)]
pub struct VariableDef {
    pub name: Ident,
    pub label: Option<String>,
    pub description: Option<String>,
    pub loc: Loc,
}

#[derive(Debug)]
pub struct ConnectionDef {
    pub name: Ident,
    pub loc: Loc,
    pub base_url: Option<Template>,
    pub params: Vec<ParamDef>,
    pub auth: Option<AuthDef>,
    pub headers: Vec<(String, Template)>,
    pub ping: Option<Vec<Step>>,
    /// `timeout`, in milliseconds (one that does not read as a duration is reported by the
    /// checker and absent here).
    pub timeout_ms: Option<u64>,
    /// `max-response-size`, in bytes, within the catalogue's limits.
    pub max_response_size: Option<usize>,
    /// `request-id-header`: the response header that names the request in failures.
    pub request_id_header: Option<String>,
    pub retry: Option<RetryDef>,
    /// [`ConnectionDef::all_params`], worked out once: every owner's scope reads it.
    pub(crate) params_info: std::sync::OnceLock<Vec<ParamInfo>>,
}

/// `retry max=N on=STATUS… unsafe-methods=BOOL`.
#[derive(Debug, Clone, Default)]
pub struct RetryDef {
    pub max: Option<u32>,
    pub on: Vec<u16>,
    pub unsafe_methods: bool,
}

impl ConnectionDef {
    /// Declared params and the implicit params of the auth form (a declared one refines an
    /// implicit one of the same name).
    pub fn all_params(&self) -> &[ParamInfo] {
        self.params_info.get_or_init(|| self.work_out_params())
    }

    fn work_out_params(&self) -> Vec<ParamInfo> {
        let mut out: Vec<ParamInfo> = self
            .params
            .iter()
            .map(|p| ParamInfo {
                name: p.name.name.clone(),
                password: p.password,
                secret: p.password,
                declared: Some(p.name.loc),
            })
            .collect();
        if let Some(form) = self.auth.as_ref().map(|a| a.form.spec()) {
            for (name, password) in form.implicit_params {
                match out.iter_mut().find(|p| p.name == *name) {
                    Some(p) => {
                        p.password |= *password;
                        p.secret |= *password;
                    }
                    None => out.push(ParamInfo {
                        name: (*name).into(),
                        password: *password,
                        secret: *password,
                        declared: None,
                    }),
                }
            }
        }
        // A text param the auth sends as a credential is a secret all the same.
        for t in self.credential_templates() {
            for (_, field) in template::members(&t.text, "auth") {
                if let Some(p) = out.iter_mut().find(|p| p.name == field) {
                    p.secret = true;
                }
            }
        }
        out
    }

    /// The names of the params whose values are secrets: password params, params the auth sends
    /// as credentials, and `access_token` for OAuth 2.0.
    pub fn secret_params(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .all_params()
            .iter()
            .filter(|p| p.secret)
            .map(|p| p.name.clone())
            .collect();
        if self.is_oauth2() {
            out.push("access_token".into());
        }
        out
    }

    /// Whether the connection authenticates with OAuth 2.0 (its requests carry a bearer access
    /// token from the token endpoint).
    pub fn is_oauth2(&self) -> bool {
        self.auth
            .as_ref()
            .is_some_and(|a| a.form == AuthKind::OAuth2)
    }

    /// Every template a connection's own settings hold: its base URL, its headers, and its auth's
    /// settings, credentials and token-request fields (not its `ping`, which is steps).
    pub fn templates(&self) -> impl Iterator<Item = &Template> {
        let auth = self.auth.iter().flat_map(|a| {
            a.settings
                .iter()
                .map(|(_, t)| t)
                .chain(a.credentials.iter().map(|(_, _, t)| t))
                .chain(a.token_params.iter().map(|(_, t)| t))
        });
        self.base_url
            .iter()
            .chain(self.headers.iter().map(|(_, t)| t))
            .chain(auth)
    }

    /// The auth's templates that make a credential: headers, query parameters and cookies of the
    /// auth, a bearer token, a basic password.
    fn credential_templates(&self) -> impl Iterator<Item = &Template> {
        self.auth.iter().flat_map(|a| {
            a.credentials.iter().map(|(_, _, t)| t).chain(
                a.settings
                    .iter()
                    .filter(|(k, _)| matches!(k.as_str(), "token" | "password"))
                    .map(|(_, t)| t),
            )
        })
    }
}

#[derive(Debug, Clone)]
pub struct ParamInfo {
    pub name: String,
    /// Declared `type "password"`, or a password by its auth form.
    pub password: bool,
    /// A password, or read by a credential of the auth (see [`ConnectionDef::secret_params`]).
    pub secret: bool,
    pub declared: Option<Loc>,
}

#[derive(Debug)]
pub struct ParamDef {
    pub name: Ident,
    /// `from="app.x"`: the variable name and the literal's location.
    pub from: Option<(String, Loc)>,
    pub password: bool,
    pub loc: Loc,
}

#[derive(Debug)]
pub struct AuthDef {
    pub form: AuthKind,
    pub loc: Loc,
    /// Single-valued settings by child name (`token-url`, `token`, …), as templates; the ones
    /// that choose a behaviour are lowered into the typed fields below as well.
    pub settings: Vec<(String, Template)>,
    /// The OAuth 2.0 grant: `client-credentials` when not written, `None` for one the catalogue
    /// does not know (reported by the checker).
    pub grant: Option<Grant>,
    /// `client-auth`: basic unless `post` is written (another word is reported by the checker).
    pub client_auth: ClientAuth,
    /// `pkce`: on unless `pkce #false`.
    pub pkce: bool,
    /// `header`, `query`, `cookie` children: where the credential goes, its name, its value.
    pub credentials: Vec<(Carrier, String, Template)>,
    /// OAuth 2.0 `scope` values.
    pub scopes: Vec<String>,
    /// OAuth 2.0 `token-param NAME VALUE` fields.
    pub token_params: Vec<(String, Template)>,
}

impl AuthDef {
    pub fn setting(&self, name: &str) -> Option<&Template> {
        self.settings
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t)
    }
}

/// Where an `api-key` or `custom` auth sends a credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carrier {
    Header,
    Query,
    Cookie,
}

/// A request's or a mock response's body: `json`, `form` or `body` (text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    Form,
    Text,
}

impl BodyKind {
    /// The node that writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            BodyKind::Json => "json",
            BodyKind::Form => "form",
            BodyKind::Text => "body",
        }
    }
}

impl std::fmt::Display for BodyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug)]
pub struct MappingDef {
    pub name: Ident,
    pub loc: Loc,
    pub tree: Tree,
    /// `schema="…"`: the JSON Schema of the argument `it`, as written, and where.
    pub schema: Option<(String, Loc)>,
}

#[derive(Debug)]
pub struct ActionDef {
    pub name: Ident,
    pub loc: Loc,
    /// `contract="…"` as written (it may name no contract), and where.
    pub contract: Option<(String, Loc)>,
    pub connection: Option<Ident>,
    pub enabled: bool,
    pub steps: Vec<Step>,
}

impl ActionDef {
    /// The contract `contract=` names, if it names one.
    pub fn contract_id(&self) -> Option<crate::contracts::ContractId> {
        self.contract
            .as_ref()
            .and_then(|(id, _)| crate::contracts::ContractId::parse(id))
    }
}

#[derive(Debug)]
pub struct FlowDef {
    pub name: Ident,
    pub loc: Loc,
    pub connection: Option<Ident>,
    pub inputs: Vec<FlowInputDef>,
    pub steps: Vec<Step>,
}

#[derive(Debug)]
pub struct FlowInputDef {
    pub name: Ident,
    pub ty: Option<String>,
    pub required: bool,
    /// `default=VALUE`, as written (a literal; not evaluated).
    pub default: Option<Tree>,
    /// `schema="…"`: the input's JSON Schema, as written, and where (it types the input instead of
    /// `type=`).
    pub schema: Option<(String, Loc)>,
}

#[derive(Clone, Debug)]
pub struct TestDef {
    pub name: Ident,
    pub loc: Loc,
    pub action: Option<Ident>,
    pub flow: Option<Ident>,
    /// The templates of its `mock` blocks, which the checker types.
    pub templates: Vec<Template>,
    /// The `input` value tree and the keyword's location.
    pub input: Option<(Tree, Loc)>,
    /// What it sets, mocks and expects: what `intact test` runs, and the names the index and
    /// the checker read.
    pub run: TestRun,
}

/// The values, mocks and expectations of a test.
#[derive(Clone, Debug, Default)]
pub struct TestRun {
    /// `app NAME=VALUE`: each tenant variable (name and where) and its value.
    pub app: Vec<(Ident, Tree)>,
    /// `params CONNECTION NAME=VALUE`: the connection (name and where) and its values, each
    /// param's name with where it is written.
    pub params: Vec<(Ident, Vec<(Ident, Tree)>)>,
    /// `mock CONNECTION` blocks: the connections mocked (their `on`s are `routes`).
    pub mocks: Vec<Ident>,
    /// Every `on` of every `mock`, in order.
    pub routes: Vec<MockRoute>,
    pub expect: Option<Tree>,
    /// `expect-error type=… status=…`.
    pub expect_error: Option<(Option<String>, Option<i64>)>,
    /// `env "NAME"`.
    pub env: Option<String>,
}

#[derive(Clone, Debug)]
pub struct MockRoute {
    pub connection: String,
    pub method: String,
    pub path: String,
    pub times: Option<i64>,
    /// Where the path is written (the literal, quotes included).
    pub path_loc: Loc,
    /// Only requests with these query parameters match.
    pub query: Vec<(String, Tree)>,
    /// `optional=`: passes even when never called (a route from `test-defaults` is optional
    /// unless it says `optional=#false`).
    pub optional: Option<bool>,
    pub expect_headers: Vec<(String, Tree)>,
    pub expect_json: Option<Tree>,
    /// Dotted paths that the request body must not have.
    pub expect_absent: Vec<String>,
    pub status: i64,
    pub headers: Vec<(String, Tree)>,
    /// `json` tree or `body` text.
    pub body: Option<(BodyKind, Tree)>,
    pub loc: Loc,
}
