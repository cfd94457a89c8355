//! Lowering: syntax trees to typed definitions.
//!
//! Lowering never reports anything: it takes what is there and leaves out what is not, so that a
//! half-written file still yields every definition it can. Structural problems are the checker's
//! (driven by the catalogue); this module only needs the shapes the rest of intact reads.

use intact_syntax::{Literal, Node, Span, Value};

use crate::catalogue::{self, AuthKind, ClientAuth, Grant, Kind};
use crate::template;
use crate::{FileId, Loc, SourceFile};

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

#[derive(Debug, Default)]
pub struct Model {
    pub projects: Vec<ProjectDef>,
    pub variables: Vec<VariableDef>,
    pub connections: Vec<ConnectionDef>,
    pub mappings: Vec<MappingDef>,
    pub actions: Vec<ActionDef>,
    pub flows: Vec<FlowDef>,
    pub tests: Vec<TestDef>,
    /// `test-defaults` blocks, as they are written (already merged into `tests`).
    pub test_defaults: Vec<TestDef>,
}

impl Model {
    /// The connection named `named`, or, when none is named, the project's only connection.
    pub fn connection(&self, named: Option<&str>) -> Option<&ConnectionDef> {
        match named {
            Some(n) => self.connections.iter().find(|c| c.name.name == n),
            None if self.connections.len() == 1 => self.connections.first(),
            None => None,
        }
    }
}

#[derive(Debug)]
pub struct ProjectDef {
    pub name: Option<Ident>,
    pub loc: Loc,
    pub capabilities: Vec<CapabilityDef>,
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
}

#[derive(Debug)]
pub struct CapabilityDef {
    pub name: String,
    pub loc: Loc,
    pub features: Vec<(String, Loc)>,
    pub group_operations: bool,
    pub group_membership: bool,
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
    params_info: std::sync::OnceLock<Vec<ParamInfo>>,
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
        if self
            .auth
            .as_ref()
            .is_some_and(|a| a.form == AuthKind::OAuth2)
        {
            out.push("access_token".into());
        }
        out
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
    /// `header`, `query`, `cookie` children: (kind, name, value).
    pub credentials: Vec<(String, String, Template)>,
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
    pub contract: Option<(String, Loc)>,
    pub connection: Option<Ident>,
    pub enabled: bool,
    pub steps: Vec<Step>,
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
    /// Tenant variables set by `app NAME=…`.
    pub app: Vec<Ident>,
    /// `params CONNECTION …`: the connection names.
    pub params: Vec<Ident>,
    /// `mock CONNECTION`: the connection names.
    pub mocks: Vec<Ident>,
    pub templates: Vec<Template>,
    /// The `input` value tree and the keyword's location.
    pub input: Option<(Tree, Loc)>,
    /// What `intact test` needs to run it.
    pub run: TestRun,
}

/// The values, mocks and expectations of a test.
#[derive(Clone, Debug, Default)]
pub struct TestRun {
    /// `app NAME=VALUE`.
    pub app: Vec<(String, Tree)>,
    /// `params CONNECTION NAME=VALUE`.
    pub params: Vec<(String, Vec<(String, Tree)>)>,
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
    pub body: Option<(String, Tree)>,
    pub loc: Loc,
}

/// One step of an action, flow, ping or block.
#[derive(Debug)]
pub struct Step {
    pub kind: StepKind,
    /// `steps.NAME` for named steps.
    pub name: Option<Ident>,
    /// The node's head (keyword and entries).
    pub loc: Loc,
    /// The keyword's location.
    pub keyword: Loc,
    /// Every template the step holds directly (not those of nested steps).
    pub templates: Vec<Template>,
    /// Nested steps (`if`, `else-if`, `else`, `for-each`, `try`, `catch` bodies).
    pub body: Vec<Step>,
    /// What the executor needs to run the step.
    pub exec: Exec,
}

/// The parts of a step the executor evaluates, as value trees.
#[derive(Debug, Default)]
pub struct Exec {
    /// The node's arguments after its step name (named steps) or all of them: a condition, a log or
    /// fail message, a `let` value, a request's method and path.
    pub args: Vec<Tree>,
    /// Its properties: `status=`/`type=` of `fail`, `concurrency=`/`in=` of `for-each`.
    pub props: Vec<(String, Tree)>,
    /// A request's `query` and `header` children, in order.
    pub query: Vec<(String, Tree)>,
    pub headers: Vec<(String, Tree)>,
    /// A request's `queries` and `headers` children: objects spread into parameters and headers.
    pub query_objects: Vec<Tree>,
    pub header_objects: Vec<Tree>,
    /// A request's body: `json`, `form` or `body`, and its tree.
    pub body: Option<(String, Tree)>,
    /// `json omit-null=#true`: object fields whose value is null are left out.
    pub omit_null: bool,
    /// A request's `timeout`, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// A `call`'s arguments.
    pub call_args: Vec<(String, Tree)>,
}

#[derive(Debug)]
pub enum StepKind {
    Request(Request),
    /// `let NAME VALUE` or `let NAME { tree }`.
    Let(Option<Tree>),
    Call {
        flow: Option<Ident>,
        args: Vec<Ident>,
    },
    If,
    ElseIf,
    Else,
    /// `for-each NAME in="${list}"`: the `in` template.
    ForEach {
        items: Option<Template>,
    },
    Try,
    Catch,
    Fail,
    Return(Option<Tree>),
    Log,
    /// `yield` inside a for-each, with its value.
    Yield(Tree),
}

#[derive(Debug)]
pub struct Request {
    pub method: Option<(String, Loc)>,
    pub path: Option<Template>,
    pub connection: Option<Ident>,
    pub operation: Option<(String, Loc)>,
    /// Which body children are present: ("json" | "form" | "body", location of the keyword).
    pub bodies: Vec<(String, Loc)>,
    /// `expect` statuses.
    pub expect: Vec<(i64, Loc)>,
}

/// Visits every step, nested bodies included, in order.
pub fn walk_steps<'a>(steps: &'a [Step], f: &mut dyn FnMut(&'a Step)) {
    for s in steps {
        f(s);
        walk_steps(&s.body, f);
    }
}

struct Lowerer<'a> {
    file: FileId,
    text: &'a str,
}

/// Lowers every file; definitions keep the order of files and of nodes within them.
pub fn lower(files: &[std::sync::Arc<SourceFile>]) -> Model {
    let mut model = Model::default();
    for (i, f) in files.iter().enumerate() {
        let l = Lowerer {
            file: i as FileId,
            text: f.text(),
        };
        for node in f.parse.document.live_nodes() {
            l.top(node, &mut model);
        }
    }
    apply_test_defaults(files, &mut model);
    model
}

/// Each test extends the `test-defaults` of the root `intact.kdl` (every test of the project),
/// then those of its own file; what the test writes itself wins.
fn apply_test_defaults(files: &[std::sync::Arc<SourceFile>], model: &mut Model) {
    if model.test_defaults.is_empty() {
        return;
    }
    let root = files
        .iter()
        .position(|f| f.path() == std::path::Path::new(crate::project::ROOT_FILE))
        .map(|i| i as FileId);
    for t in &mut model.tests {
        let file = t.loc.file;
        // Outermost first: later layers win for app values and params.
        let layers: Vec<&TestDef> = model
            .test_defaults
            .iter()
            .filter(|d| Some(d.loc.file) == root && file != d.loc.file)
            .chain(model.test_defaults.iter().filter(|d| d.loc.file == file))
            .collect();
        for d in layers.into_iter().rev() {
            t.app.extend(d.app.iter().cloned());
            t.params.extend(d.params.iter().cloned());
            t.mocks.extend(d.mocks.iter().cloned());
            t.templates.extend(d.templates.iter().cloned());
            t.run.app.splice(0..0, d.run.app.iter().cloned());
            t.run.params.splice(0..0, d.run.params.iter().cloned());
            // The test's own routes match first; shared ones need not be used by every test.
            t.run
                .routes
                .extend(d.run.routes.iter().cloned().map(|mut r| {
                    r.optional.get_or_insert(true);
                    r
                }));
            if t.run.env.is_none() {
                t.run.env.clone_from(&d.run.env);
            }
        }
    }
}

fn str_arg(node: &Node, i: usize) -> Option<&Literal> {
    node.arg(i).filter(|l| matches!(l.value, Value::String(_)))
}

impl Lowerer<'_> {
    fn loc(&self, span: Span) -> Loc {
        Loc::new(self.file, span)
    }

    fn ident(&self, lit: &Literal) -> Option<Ident> {
        lit.value.as_str().map(|s| Ident {
            name: s.to_string(),
            loc: self.loc(lit.span),
        })
    }

    fn name_arg(&self, node: &Node, i: usize) -> Option<Ident> {
        str_arg(node, i).and_then(|l| self.ident(l))
    }

    fn prop_ident(&self, node: &Node, key: &str) -> Option<Ident> {
        node.prop(key).and_then(|l| self.ident(l))
    }

    fn template(&self, lit: &Literal) -> Option<Template> {
        lit.value.as_str().map(|s| Template {
            text: s.to_string(),
            loc: self.loc(lit.span),
            raw: self.text[lit.span.range()].to_string(),
            role: Role::Value,
        })
    }

    /// A value sent as text (a header, a query parameter, a token-request field, a setting): a
    /// string as a template; a number or a boolean as written (`5`, `1.5`, `true`).
    fn text_value(&self, lit: &Literal) -> Option<Template> {
        let text = match &lit.value {
            Value::String(_) => return self.template(lit),
            Value::Integer(_) | Value::Float(_) => self.text[lit.span.range()].to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null | Value::Invalid => return None,
        };
        Some(Template {
            text,
            loc: self.loc(lit.span),
            raw: self.text[lit.span.range()].to_string(),
            role: Role::Value,
        })
    }

    fn child_str(&self, node: &Node, name: &str) -> Option<String> {
        node.children()
            .find(|c| c.name() == name)
            .and_then(|c| c.arg(0))
            .and_then(|l| l.value.as_str())
            .map(str::to_string)
    }

    fn top(&self, node: &Node, model: &mut Model) {
        let loc = self.loc(node.span);
        match node.name() {
            "project" => {
                let capabilities = node
                    .children()
                    .filter(|c| c.name() == "capability")
                    .filter_map(|c| {
                        let lit = str_arg(c, 0)?;
                        let mut cap = CapabilityDef {
                            name: lit.value.as_str()?.to_string(),
                            loc: self.loc(lit.span),
                            features: Vec::new(),
                            group_operations: false,
                            group_membership: false,
                        };
                        for ch in c.children() {
                            match ch.name() {
                                "features" => cap.features.extend(ch.args().filter_map(|a| {
                                    a.value.as_str().map(|s| (s.to_string(), self.loc(a.span)))
                                })),
                                "group-operations" => {
                                    cap.group_operations =
                                        ch.arg(0).is_some_and(|a| a.value == Value::Bool(true))
                                }
                                "group-membership" => {
                                    cap.group_membership =
                                        ch.arg(0).is_some_and(|a| a.value == Value::Bool(true))
                                }
                                _ => {}
                            }
                        }
                        Some(cap)
                    })
                    .collect();
                model.projects.push(ProjectDef {
                    name: self.name_arg(node, 0),
                    loc,
                    capabilities,
                });
            }
            "variable" => {
                if let Some(name) = self.name_arg(node, 0) {
                    model.variables.push(VariableDef {
                        name,
                        label: self.child_str(node, "label"),
                        description: self.child_str(node, "description"),
                        loc,
                    });
                }
            }
            "connection" => {
                if let Some(name) = self.name_arg(node, 0) {
                    model.connections.push(self.connection(node, name, loc));
                }
            }
            "mapping" => {
                if let Some(name) = self.name_arg(node, 0) {
                    let tree = self.tree(node, 1);
                    let schema = self.string_prop(node, "schema");
                    model.mappings.push(MappingDef {
                        name,
                        loc,
                        tree,
                        schema,
                    });
                }
            }
            "action" => {
                if let Some(name) = self.name_arg(node, 0) {
                    let contract = node
                        .prop("contract")
                        .and_then(|l| l.value.as_str().map(|s| (s.to_string(), self.loc(l.span))));
                    let enabled = !node.children().any(|c| {
                        c.name() == "enabled"
                            && c.arg(0).is_some_and(|a| a.value == Value::Bool(false))
                    });
                    model.actions.push(ActionDef {
                        name,
                        loc,
                        contract,
                        connection: self.prop_ident(node, "connection"),
                        enabled,
                        steps: self.steps(node, Kind::Action),
                    });
                }
            }
            "flow" => {
                if let Some(name) = self.name_arg(node, 0) {
                    let inputs = node
                        .children()
                        .filter(|c| c.name() == "input")
                        .filter_map(|c| {
                            Some(FlowInputDef {
                                name: self.name_arg(c, 0)?,
                                ty: c
                                    .prop("type")
                                    .and_then(|l| l.value.as_str())
                                    .map(str::to_string),
                                required: c
                                    .prop("required")
                                    .is_some_and(|l| l.value == Value::Bool(true)),
                                default: c
                                    .prop("default")
                                    .map(|l| Tree::Scalar(l.value.clone(), self.loc(l.span))),
                                schema: self.string_prop(c, "schema"),
                            })
                        })
                        .collect();
                    model.flows.push(FlowDef {
                        name,
                        loc,
                        connection: self.prop_ident(node, "connection"),
                        inputs,
                        steps: self.steps(node, Kind::Flow),
                    });
                }
            }
            "test" => {
                if let Some(name) = self.name_arg(node, 0) {
                    model.tests.push(self.test(node, name, loc));
                }
            }
            "test-defaults" => {
                let name = Ident {
                    name: "test-defaults".into(),
                    loc: self.loc(node.name.span),
                };
                model.test_defaults.push(self.test(node, name, loc));
            }
            _ => {}
        }
    }

    fn connection(&self, node: &Node, name: Ident, loc: Loc) -> ConnectionDef {
        let mut conn = ConnectionDef {
            name,
            loc,
            base_url: None,
            params: Vec::new(),
            auth: None,
            headers: Vec::new(),
            ping: None,
            timeout_ms: None,
            max_response_size: None,
            request_id_header: None,
            retry: None,
            params_info: Default::default(),
        };
        for c in node.children() {
            match c.name() {
                "base-url" => conn.base_url = c.arg(0).and_then(|l| self.template(l)),
                "param" => {
                    if let Some(name) = self.name_arg(c, 0) {
                        let from = c.prop("from").and_then(|l| {
                            l.value.as_str().map(|s| (s.to_string(), self.loc(l.span)))
                        });
                        let password = self.child_str(c, "type").as_deref() == Some("password");
                        conn.params.push(ParamDef {
                            name,
                            from,
                            password,
                            loc: self.loc(c.span),
                        });
                    }
                }
                "auth" => {
                    // An unknown form is `schema::invalid-value`; the model has no auth then.
                    if let Some(form) = c
                        .arg(0)
                        .and_then(|l| l.value.as_str())
                        .and_then(AuthKind::parse)
                    {
                        let mut auth = AuthDef {
                            form,
                            loc: self.loc(c.span),
                            settings: Vec::new(),
                            grant: Some(Grant::ClientCredentials),
                            client_auth: ClientAuth::Basic,
                            pkce: true,
                            credentials: Vec::new(),
                            scopes: Vec::new(),
                            token_params: Vec::new(),
                        };
                        for a in c.children() {
                            match a.name() {
                                "scope" => auth.scopes.extend(
                                    a.args()
                                        .filter_map(|l| l.value.as_str().map(str::to_string)),
                                ),
                                "token-param" => {
                                    if let (Some(n), Some(v)) = (
                                        a.arg(0).and_then(|l| l.value.as_str()),
                                        a.arg(1).and_then(|l| self.text_value(l)),
                                    ) {
                                        auth.token_params.push((n.to_string(), v));
                                    }
                                }
                                k @ ("header" | "query" | "cookie") => {
                                    if let (Some(n), Some(v)) = (
                                        a.arg(0).and_then(|l| l.value.as_str()),
                                        a.arg(1).and_then(|l| self.text_value(l)),
                                    ) {
                                        auth.credentials.push((k.to_string(), n.to_string(), v));
                                    }
                                }
                                // `pkce #false` is the setting "false".
                                k => {
                                    if let Some(t) = a.arg(0).and_then(|l| self.text_value(l)) {
                                        auth.settings.push((k.to_string(), t));
                                    }
                                }
                            }
                        }
                        if let Some(t) = auth.setting("grant") {
                            auth.grant = Grant::parse(&t.text);
                        }
                        if let Some(t) = auth.setting("client-auth") {
                            auth.client_auth = ClientAuth::parse(&t.text).unwrap_or_default();
                        }
                        auth.pkce = auth.setting("pkce").is_none_or(|t| t.text != "false");
                        conn.auth = Some(auth);
                    }
                }
                "header" => {
                    if let (Some(n), Some(v)) = (
                        c.arg(0).and_then(|l| l.value.as_str()),
                        c.arg(1).and_then(|l| self.text_value(l)),
                    ) {
                        conn.headers.push((n.to_string(), v));
                    }
                }
                "ping" => conn.ping = Some(self.steps(c, Kind::Ping)),
                "timeout" => {
                    conn.timeout_ms = c
                        .arg(0)
                        .and_then(|l| l.value.as_str())
                        .and_then(catalogue::parse_duration_ms);
                }
                "max-response-size" => {
                    conn.max_response_size = c
                        .arg(0)
                        .and_then(|l| l.value.as_str())
                        .and_then(catalogue::parse_size_bytes)
                        .filter(|n| (1..=catalogue::MAX_RESPONSE_SIZE_LIMIT).contains(n))
                        .map(|n| n as usize);
                }
                "request-id-header" => {
                    conn.request_id_header =
                        c.arg(0).and_then(|l| l.value.as_str()).map(str::to_string);
                }
                "retry" => {
                    conn.retry = Some(RetryDef {
                        max: c.prop("max").and_then(|l| match l.value {
                            Value::Integer(i) => u32::try_from(i).ok(),
                            _ => None,
                        }),
                        on: c
                            .props()
                            .filter(|(k, _)| k.as_str() == "on")
                            .filter_map(|(_, l)| match l.value {
                                Value::Integer(i) => u16::try_from(i).ok(),
                                _ => None,
                            })
                            .collect(),
                        unsafe_methods: c
                            .prop("unsafe-methods")
                            .is_some_and(|l| l.value == Value::Bool(true)),
                    })
                }
                _ => {}
            }
        }
        conn
    }

    fn test(&self, node: &Node, name: Ident, loc: Loc) -> TestDef {
        let mut t = TestDef {
            name,
            loc,
            action: self.prop_ident(node, "action"),
            flow: self.prop_ident(node, "flow"),
            app: Vec::new(),
            params: Vec::new(),
            mocks: Vec::new(),
            templates: Vec::new(),
            input: None,
            run: TestRun::default(),
        };
        for c in node.children() {
            match c.name() {
                "app" => t.app.extend(c.props().map(|(k, _)| Ident {
                    name: k.text.to_string(),
                    loc: self.loc(k.span),
                })),
                "params" => t.params.extend(self.name_arg(c, 0)),
                "mock" => {
                    t.mocks.extend(self.name_arg(c, 0));
                    self.collect_templates(c, &mut t.templates);
                }
                "input" => t.input = Some((self.tree(c, 0), self.loc(c.name.span))),
                _ => {}
            }
            self.test_run(c, &mut t.run);
        }
        t
    }

    fn test_run(&self, c: &Node, run: &mut TestRun) {
        let str_of = |n: &Node, i: usize| {
            n.arg(i)
                .and_then(|l| l.value.as_str())
                .unwrap_or("")
                .to_string()
        };
        match c.name() {
            "app" => run.app.extend(
                c.props()
                    .map(|(k, v)| (k.as_str().to_string(), self.scalar_tree(v))),
            ),
            "params" => run.params.push((
                str_of(c, 0),
                c.props()
                    .map(|(k, v)| (k.as_str().to_string(), self.scalar_tree(v)))
                    .collect(),
            )),
            "expect" => run.expect = Some(self.tree(c, 0)),
            "expect-error" => {
                run.expect_error = Some((
                    c.prop("type")
                        .and_then(|l| l.value.as_str())
                        .map(str::to_string),
                    c.prop("status").and_then(|l| match l.value {
                        Value::Integer(i) => Some(i),
                        _ => None,
                    }),
                ))
            }
            "env" => run.env = c.arg(0).and_then(|l| l.value.as_str()).map(str::to_string),
            "mock" => {
                let connection = str_of(c, 0);
                for on in c.children().filter(|n| n.name() == "on") {
                    let mut route = MockRoute {
                        connection: connection.clone(),
                        method: str_of(on, 0).to_uppercase(),
                        path: str_of(on, 1),
                        times: on.prop("times").and_then(|l| match l.value {
                            Value::Integer(i) => Some(i),
                            _ => None,
                        }),
                        path_loc: on
                            .arg(1)
                            .map_or(self.loc(on.head_span()), |l| self.loc(l.span)),
                        query: Vec::new(),
                        optional: match on.prop("optional").map(|l| &l.value) {
                            Some(Value::Bool(b)) => Some(*b),
                            _ => None,
                        },
                        expect_headers: Vec::new(),
                        expect_json: None,
                        expect_absent: Vec::new(),
                        status: 200,
                        headers: Vec::new(),
                        body: None,
                        loc: self.loc(on.head_span()),
                    };
                    for x in on.children() {
                        match x.name() {
                            "expect-header" => route.expect_headers.push((
                                str_of(x, 0),
                                x.arg(1)
                                    .map_or(Tree::Scalar(Value::Null, self.loc(x.span)), |l| {
                                        self.scalar_tree(l)
                                    }),
                            )),
                            "query" => route.query.push((
                                str_of(x, 0),
                                x.arg(1)
                                    .map_or(Tree::Scalar(Value::Null, self.loc(x.span)), |l| {
                                        self.scalar_tree(l)
                                    }),
                            )),
                            "expect-json" => route.expect_json = Some(self.tree(x, 0)),
                            "expect-absent" => route.expect_absent.extend(
                                x.args()
                                    .filter_map(|l| l.value.as_str())
                                    .map(str::to_string),
                            ),
                            "respond" => {
                                if let Some(Value::Integer(st)) = x.arg(0).map(|l| &l.value) {
                                    route.status = *st;
                                }
                                for r in x.children() {
                                    match r.name() {
                                        "header" => route.headers.push((
                                            str_of(r, 0),
                                            r.arg(1).map_or(
                                                Tree::Scalar(Value::Null, self.loc(r.span)),
                                                |l| self.scalar_tree(l),
                                            ),
                                        )),
                                        b @ ("json" | "body") => {
                                            route.body = Some((b.to_string(), self.tree(r, 0)))
                                        }
                                        _ => {}
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    run.routes.push(route);
                }
            }
            _ => {}
        }
    }

    fn collect_templates(&self, node: &Node, out: &mut Vec<Template>) {
        for e in node.live_entries() {
            if let Some(t) = self.template(&e.value) {
                out.push(t);
            }
        }
        for c in node.children() {
            self.collect_templates(c, out);
        }
    }

    /// The steps among `node`'s children (other children, like `input` or `enabled`, are skipped).
    fn steps(&self, node: &Node, parent: Kind) -> Vec<Step> {
        let spec = catalogue::spec(parent);
        node.children()
            .filter_map(|c| {
                let kind = spec.child(c.name())?.kind;
                self.step(c, kind)
            })
            .collect()
    }

    fn step(&self, node: &Node, kind: Kind) -> Option<Step> {
        let exec = self.exec(node, kind);
        let loc = self.loc(node.head_span());
        let keyword = self.loc(node.name.span);
        let mut templates = Vec::new();
        for e in node.live_entries() {
            if let Some(t) = self.template(&e.value) {
                templates.push(t);
            }
        }
        let mut body = Vec::new();
        let (kind, name) = match kind {
            Kind::Request => {
                let mut req = Request {
                    method: str_arg(node, 1)
                        .and_then(|l| l.value.as_str().map(|s| (s.to_string(), self.loc(l.span)))),
                    path: node.arg(2).and_then(|l| self.template(l)),
                    connection: self.prop_ident(node, "connection"),
                    operation: node
                        .prop("operation")
                        .and_then(|l| l.value.as_str().map(|s| (s.to_string(), self.loc(l.span)))),
                    bodies: Vec::new(),
                    expect: Vec::new(),
                };
                if let Some(path) = &req.path {
                    templates
                        .iter_mut()
                        .filter(|t| t.loc == path.loc)
                        .for_each(|t| t.role = Role::Path);
                }
                for c in node.children() {
                    let role = match c.name() {
                        b @ ("json" | "form" | "body") => {
                            req.bodies.push((b.to_string(), self.loc(c.name.span)));
                            Role::Body
                        }
                        "expect" => {
                            req.expect.extend(c.args().filter_map(|a| match a.value {
                                Value::Integer(i) => Some((i, self.loc(a.span))),
                                _ => None,
                            }));
                            Role::Value
                        }
                        "header" | "headers" => Role::Header,
                        "query" | "queries" => Role::Query,
                        _ => Role::Value,
                    };
                    let first = templates.len();
                    self.collect_templates(c, &mut templates);
                    templates[first..].iter_mut().for_each(|t| t.role = role);
                }
                (StepKind::Request(req), self.name_arg(node, 0))
            }
            Kind::Let => {
                self.collect_child_templates(node, &mut templates);
                let value = (node.arg(1).is_some() || node.children_block().is_some())
                    .then(|| self.tree(node, 1));
                (StepKind::Let(value), self.name_arg(node, 0))
            }
            Kind::Call => {
                let args = node
                    .children()
                    .map(|c| Ident {
                        name: c.name().to_string(),
                        loc: self.loc(c.name.span),
                    })
                    .collect();
                self.collect_child_templates(node, &mut templates);
                (
                    StepKind::Call {
                        flow: self.name_arg(node, 1),
                        args,
                    },
                    self.name_arg(node, 0),
                )
            }
            Kind::If | Kind::ElseIf | Kind::Else | Kind::Try | Kind::Catch => {
                body = self.steps(node, kind);
                let k = match kind {
                    Kind::If => StepKind::If,
                    Kind::ElseIf => StepKind::ElseIf,
                    Kind::Else => StepKind::Else,
                    Kind::Try => StepKind::Try,
                    _ => StepKind::Catch,
                };
                (k, None)
            }
            Kind::ForEach => {
                body = self.steps(node, kind);
                if let Some(y) = node.children().find(|c| c.name() == "yield") {
                    let mut yt = Vec::new();
                    for e in y.live_entries() {
                        yt.extend(self.template(&e.value));
                    }
                    self.collect_child_templates(y, &mut yt);
                    body.push(Step {
                        kind: StepKind::Yield(self.tree(y, 0)),
                        name: None,
                        loc: self.loc(y.head_span()),
                        keyword: self.loc(y.name.span),
                        templates: yt,
                        body: Vec::new(),
                        exec: Exec::default(),
                    });
                }
                let items = node.prop("in").and_then(|l| self.template(l));
                (StepKind::ForEach { items }, self.name_arg(node, 0))
            }
            Kind::Fail => (StepKind::Fail, None),
            Kind::Return => {
                self.collect_child_templates(node, &mut templates);
                let tree = if node.children_block().is_some() || node.arg(0).is_some() {
                    Some(self.tree(node, 0))
                } else {
                    None
                };
                (StepKind::Return(tree), None)
            }
            Kind::Log => {
                templates.iter_mut().for_each(|t| t.role = Role::Log);
                (StepKind::Log, None)
            }
            _ => return None,
        };
        Some(Step {
            kind,
            name,
            loc,
            keyword,
            templates,
            body,
            exec,
        })
    }

    fn scalar_tree(&self, l: &Literal) -> Tree {
        match self.template(l) {
            Some(t) if template::has_expressions(&t.text) => Tree::Template(t),
            _ => Tree::Scalar(l.value.clone(), self.loc(l.span)),
        }
    }

    fn exec(&self, node: &Node, kind: Kind) -> Exec {
        let named = matches!(kind, Kind::Request | Kind::Let | Kind::Call | Kind::ForEach);
        let mut exec = Exec {
            args: node
                .args()
                .skip(usize::from(named))
                .map(|l| self.scalar_tree(l))
                .collect(),
            props: node
                .props()
                .map(|(k, v)| (k.as_str().to_string(), self.scalar_tree(v)))
                .collect(),
            ..Exec::default()
        };
        for c in node.children() {
            let pair = || {
                let name = c
                    .arg(0)
                    .and_then(|l| l.value.as_str())
                    .unwrap_or("")
                    .to_string();
                let value = c
                    .arg(1)
                    .map_or(Tree::Scalar(Value::Null, self.loc(c.span)), |l| {
                        self.scalar_tree(l)
                    });
                (name, value)
            };
            match (kind, c.name()) {
                (Kind::Request, "query") => exec.query.push(pair()),
                (Kind::Request, "header") => exec.headers.push(pair()),
                (Kind::Request, "queries") => {
                    if let Some(l) = c.arg(0) {
                        exec.query_objects.push(self.scalar_tree(l));
                    }
                }
                (Kind::Request, "headers") => {
                    if let Some(l) = c.arg(0) {
                        exec.header_objects.push(self.scalar_tree(l));
                    }
                }
                (Kind::Request, b @ ("json" | "form" | "body")) => {
                    exec.omit_null = matches!(
                        c.prop("omit-null").map(|l| &l.value),
                        Some(Value::Bool(true))
                    );
                    exec.body = Some((b.to_string(), self.tree(c, 0)))
                }
                (Kind::Request, "timeout") => {
                    exec.timeout_ms = c
                        .arg(0)
                        .and_then(|l| l.value.as_str())
                        .and_then(catalogue::parse_duration_ms)
                }
                (Kind::Call, name) => exec.call_args.push((name.to_string(), self.tree(c, 0))),
                _ => {}
            }
        }
        exec
    }

    fn collect_child_templates(&self, node: &Node, out: &mut Vec<Template>) {
        for c in node.children() {
            self.collect_templates(c, out);
        }
    }

    /// A string property's text and where it is written.
    fn string_prop(&self, node: &Node, key: &str) -> Option<(String, Loc)> {
        let l = node.prop(key)?;
        Some((l.value.as_str()?.to_string(), self.loc(l.span)))
    }

    /// The value tree of `node`, whose own arguments from `first_arg` on are its value.
    pub fn tree(&self, node: &Node, first_arg: usize) -> Tree {
        let loc = self.loc(node.span);
        let args: Vec<&Literal> = node.args().skip(first_arg).collect();
        let forced = node.ty.as_ref().map(|t| t.name.as_str());
        let value = |l: &Literal| -> Tree {
            match self.template(l) {
                Some(t) if template::has_expressions(&t.text) => Tree::Template(t),
                _ => Tree::Scalar(l.value.clone(), self.loc(l.span)),
            }
        };
        if node.children_block().is_some() {
            let children: Vec<&Node> = node.children().collect();
            if !children.is_empty() && children.iter().all(|c| c.name() == "-")
                || forced == Some("array")
            {
                return Tree::Array(children.iter().map(|c| self.tree(c, 0)).collect(), loc);
            }
            let fields = children
                .iter()
                .map(|c| {
                    (
                        Ident {
                            name: c.name().to_string(),
                            loc: self.loc(c.name.span),
                        },
                        self.tree(c, 0),
                    )
                })
                .collect();
            return Tree::Object(fields, loc);
        }
        match (forced, args.len()) {
            (Some("array"), _) => Tree::Array(args.iter().map(|l| value(l)).collect(), loc),
            (Some("object"), 0) => Tree::Object(Vec::new(), loc),
            (_, 0) => Tree::Scalar(Value::Null, loc),
            (_, 1) => value(args[0]),
            _ => Tree::Array(args.iter().map(|l| value(l)).collect(), loc),
        }
    }
}
