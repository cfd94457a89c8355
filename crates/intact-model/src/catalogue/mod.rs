//! The one description of the intact language: every node kind, where it may appear, its arguments,
//! properties and children, the values they take, and their documentation.
//!
//! Structural validation, completion, hover and `docs/language.md` are all driven by this table.
//! Adding a node kind is one entry in [`SPECS`] plus its [`Kind`] variant.
//!
//! This file has the shapes of the table (`Kind`, `NodeSpec`, `Ty`…) and the closed sets of
//! values; `nodes.rs` is the table itself, `auth.rs` the auth forms, grants and client
//! authentication, `values.rs` names, durations and sizes.

mod auth;
mod nodes;
mod values;

pub use auth::*;
pub use nodes::SPECS;
pub use values::*;

/// Every node kind of the language. The discriminant indexes [`SPECS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    File,
    Project,
    DisplayName,
    Description,
    Version,
    SupportEmail,
    UseCase,
    MaxFileSize,
    Capability,
    Features,
    GroupOperations,
    GroupMembership,
    Deactivation,
    Variable,
    Label,
    Example,
    Connection,
    BaseUrl,
    Param,
    ParamType,
    ParamOption,
    ParamDefault,
    Auth,
    Username,
    Password,
    Grant,
    AuthorizeUrl,
    TokenUrl,
    RefreshUrl,
    Scope,
    ClientAuth,
    Pkce,
    TokenParam,
    Header,
    Query,
    Queries,
    Headers,
    Cookie,
    Token,
    RequestIdHeader,
    Timeout,
    MaxResponseSize,
    Retry,
    Ping,
    Mapping,
    Action,
    Enabled,
    Flow,
    FlowInput,
    Request,
    Json,
    Form,
    Body,
    ExpectStatus,
    Let,
    Call,
    If,
    ElseIf,
    Else,
    ForEach,
    Yield,
    Try,
    Catch,
    Fail,
    Return,
    Log,
    Test,
    TestApp,
    TestParams,
    TestInput,
    Mock,
    On,
    MockQuery,
    ExpectHeader,
    ExpectJson,
    ExpectAbsent,
    Respond,
    RespondHeader,
    RespondJson,
    RespondBody,
    TestExpect,
    ExpectError,
    TestEnv,
    TestDefaults,
}

/// What a reference names: the kinds of things a project defines and refers to by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ns {
    Connection,
    Flow,
    Action,
    /// A contract id of the registry (`create-user`), not a name the project defines.
    Contract,
}

impl Ns {
    /// What the namespace holds, for messages: "connection", "contract".
    pub fn what(self) -> &'static str {
        match self {
            Ns::Connection => "connection",
            Ns::Flow => "flow",
            Ns::Action => "action",
            Ns::Contract => "contract",
        }
    }
}

/// What a value must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// A user-given name that defines something: `^[a-z][a-z0-9_]*$`.
    Name,
    /// A reference to something the project defines (or, for contracts, the registry holds):
    /// `connection="api"`, a `call`'s flow, a test's `action=`. Editor features complete and
    /// navigate these by their namespace.
    Ref(Ns),
    /// Any string (no expressions).
    Str,
    /// A string that may hold `${…}` expressions.
    Template,
    /// Any scalar, or a template.
    Value,
    /// Text sent on the wire (a header or query value): a template, a number or a boolean, which
    /// is sent as written.
    Text,
    Int,
    Bool,
    /// An HTTP status, 100–599.
    Status,
    /// A duration such as `"30s"`, `"500ms"`, `"2m"`.
    Duration,
    /// A size in bytes such as `"64MiB"`, `"512KiB"`, `"1GiB"`.
    Size,
    /// One of a fixed set of strings.
    Enum(&'static [&'static str]),
    /// A reference to a tenant variable written `"app.NAME"`.
    VariableRef,
}

impl Ty {
    /// Whether a value of this type is read for `${…}`: everything but names, references and
    /// plain text (a header's name, `operation=`), which are used exactly as written.
    pub fn may_hold_expressions(&self) -> bool {
        !matches!(self, Ty::Name | Ty::Ref(_) | Ty::Str | Ty::VariableRef)
    }

    pub fn describe(self) -> String {
        match self {
            Ty::Name => "a name (lowercase letters, digits and `_`, starting with a letter)".into(),
            Ty::Ref(Ns::Contract) => "a contract id such as \"create-user\"".into(),
            Ty::Ref(Ns::Action) => "the name of an action".into(),
            Ty::Ref(ns) => format!("the name of a {}", ns.what()),
            Ty::Str => "a string".into(),
            Ty::Template => "a string (may contain `${…}` expressions)".into(),
            Ty::Value => "a value".into(),
            Ty::Text => "a string, number or boolean".into(),
            Ty::Int => "an integer".into(),
            Ty::Bool => "#true or #false".into(),
            Ty::Status => "an HTTP status code (100–599)".into(),
            Ty::Duration => "a duration such as \"30s\" or \"500ms\"".into(),
            Ty::Size => "a size such as \"64MiB\" or \"512KiB\"".into(),
            Ty::Enum(values) => format!("one of {}", quote_list(values)),
            Ty::VariableRef => "a tenant variable reference such as \"app.subdomain\"".into(),
        }
    }
}

pub fn quote_list(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
    quoted.join(", ")
}

#[derive(Debug)]
pub struct Arg {
    pub name: &'static str,
    pub ty: Ty,
    pub doc: &'static str,
}

#[derive(Debug)]
pub struct Prop {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    /// May be given several times (`retry on=429 on=503`).
    pub repeatable: bool,
    pub doc: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub struct Child {
    pub kind: Kind,
    pub required: bool,
    /// May appear more than once.
    pub many: bool,
}

/// What may stand inside a node's `{ … }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// No children block.
    None,
    /// The listed child kinds only.
    Nodes,
    /// The listed child kinds and every step.
    Steps,
    /// A value tree (language reference §4): any keys.
    Values,
    /// Free-form named arguments (`call` arguments, test `app`): any keys, one value or tree each.
    Fields,
}

#[derive(Debug)]
pub struct NodeSpec {
    pub kind: Kind,
    pub name: &'static str,
    /// One line: what the node is for.
    pub summary: &'static str,
    /// A longer explanation, shown in hover and the reference.
    pub doc: &'static str,
    /// Positional arguments; the first `min_args` are required.
    pub args: &'static [Arg],
    pub min_args: usize,
    /// Extra arguments beyond `args` are allowed and typed like this.
    pub rest: Option<Ty>,
    pub props: &'static [Prop],
    pub body: Body,
    pub children: &'static [Child],
    /// The node is a value tree itself when given no argument (`return { … }`); with one argument
    /// it is a single value (`return "${x}"`).
    pub tree_or_value: bool,
}

impl NodeSpec {
    /// The type of argument `index` (0-based): its own, or the type of extra arguments.
    pub fn arg_ty(&self, index: usize) -> Option<Ty> {
        self.args.get(index).map(|a| a.ty).or(self.rest)
    }

    pub fn prop(&self, name: &str) -> Option<&Prop> {
        self.props.iter().find(|p| p.name == name)
    }

    pub fn max_args(&self) -> Option<usize> {
        if self.rest.is_some() {
            None
        } else {
            Some(self.args.len())
        }
    }

    /// The child kinds allowed here, steps included where the body takes steps.
    pub fn allowed_children(&self) -> impl Iterator<Item = Child> + '_ {
        let steps: &[Child] = if self.body == Body::Steps {
            nodes::STEP_CHILDREN
        } else {
            &[]
        };
        self.children.iter().copied().chain(steps.iter().copied())
    }

    pub fn child(&self, name: &str) -> Option<Child> {
        self.allowed_children().find(|c| spec(c.kind).name == name)
    }
}

const fn arg(name: &'static str, ty: Ty, doc: &'static str) -> Arg {
    Arg { name, ty, doc }
}
const fn prop(name: &'static str, ty: Ty, doc: &'static str) -> Prop {
    Prop {
        name,
        ty,
        required: false,
        repeatable: false,
        doc,
    }
}
const fn req_prop(name: &'static str, ty: Ty, doc: &'static str) -> Prop {
    Prop {
        name,
        ty,
        required: true,
        repeatable: false,
        doc,
    }
}
const fn one(kind: Kind) -> Child {
    Child {
        kind,
        required: false,
        many: false,
    }
}
const fn req(kind: Kind) -> Child {
    Child {
        kind,
        required: true,
        many: false,
    }
}
const fn many(kind: Kind) -> Child {
    Child {
        kind,
        required: false,
        many: true,
    }
}

pub const CAPABILITIES: &[&str] = &["provisioning", "entitlement-management", "universal-logout"];
/// The use case categories the submission wizard offers, in its words.
pub const USE_CASES: &[&str] = &[
    "Automation",
    "Centralized Logging",
    "Directory and HR Sync",
    "Identity Governance and Administration (IGA)",
    "Identity Verification",
    "Multifactor Authentication (MFA)",
    "Zero Trust",
];
pub const FEATURES: &[&str] = &["create", "update", "password", "activate", "deactivate"];
/// What deactivate-user does to a user in the app: `sets-inactive` (the default) keeps it with
/// `active` false; `removes` deletes it, for apps that have no inactive state.
pub const DEACTIVATIONS: &[&str] = &["sets-inactive", "removes"];
/// The OpenAPI styles of a query parameter (`query … style=`).
pub const QUERY_STYLES: &[&str] = &["form", "spaceDelimited", "pipeDelimited", "deepObject"];
/// The methods a request is written with: [`Method`]'s spellings, as the catalogue's enum table.
pub const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// An HTTP method a request can use, written in upper case as in [`METHODS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
}

impl Method {
    pub const ALL: [Method; 7] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
        Method::Head,
        Method::Options,
    ];

    pub fn as_str(self) -> &'static str {
        METHODS[self as usize]
    }

    /// The method spelt `text` exactly (the language writes methods in upper case).
    pub fn parse(text: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == text)
    }

    /// Whether a body on this method is `http::body-on-get`: HTTP gives it no meaning and
    /// servers and proxies drop or refuse it. The checker reports it and the importer writes the
    /// ignore comment by this one rule.
    pub fn body_is_unusual(self) -> bool {
        matches!(self, Method::Get | Method::Delete | Method::Head)
    }
}
pub const AUTH_FORMS: &[&str] = &["basic", "oauth2", "custom", "bearer", "api-key"];
pub const GRANTS: &[&str] = &["client-credentials", "authorization-code"];
/// How an OAuth 2.0 client authenticates at the token endpoint ([`ClientAuth`]).
pub const CLIENT_AUTHS: &[&str] = &["basic", "post"];
pub const PARAM_TYPES: &[&str] = &["text", "password", "dropdown"];
pub const INPUT_TYPES: &[&str] = &[
    "string", "integer", "number", "boolean", "object", "array", "any",
];
/// Whether `v` is of the flow input type `ty` (one of [`INPUT_TYPES`]); null stands for "not
/// given" and fits every type (a required input without a value is reported apart).
pub fn input_type_fits(ty: &str, v: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (ty, v) {
        (_, J::Null) | ("any", _) => true,
        ("string", J::String(_))
        | ("number", J::Number(_))
        | ("boolean", J::Bool(_))
        | ("object", J::Object(_))
        | ("array", J::Array(_)) => true,
        ("integer", J::Number(n)) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => !INPUT_TYPES.contains(&ty),
    }
}

/// A flow input type with its article, for messages: `a string`, `an integer`, `null`.
pub fn a_type(ty: &str) -> String {
    match ty {
        "null" | "any" => ty.to_string(),
        t => intact_expr::types::article(t),
    }
}

/// A JSON value's kind as a flow input type names it.
pub fn input_type_of(v: &serde_json::Value) -> &'static str {
    use serde_json::Value as J;
    match v {
        J::Null => "null",
        J::Bool(_) => "boolean",
        J::Number(n) if n.is_i64() || n.is_u64() => "integer",
        J::Number(_) => "number",
        J::String(_) => "string",
        J::Array(_) => "array",
        J::Object(_) => "object",
    }
}

pub const ERROR_TYPES: &[&str] = &[
    "RESOURCE_NOT_FOUND",
    "RATE_LIMIT_EXCEEDED",
    "INVALID_CREDENTIALS",
    "TOKEN_EXPIRED",
    "GENERIC_FAILURE",
];
/// Names that are never step names: they are the expression scope's own names.
pub const RESERVED_NAMES: &[&str] = &[
    "input", "app", "auth", "steps", "item", "index", "error", "it", "response", "mock",
];
/// How many tenant variables a project may declare.
pub const MAX_VARIABLES: usize = 8;

/// The catalogue entry of a kind.
pub fn spec(kind: Kind) -> &'static NodeSpec {
    let s = &SPECS[kind as usize];
    debug_assert_eq!(s.kind, kind, "SPECS is out of Kind order");
    s
}

#[cfg(test)]
mod method_tests {
    use super::*;

    #[test]
    fn methods_are_spelt_as_the_catalogue_lists_them() {
        assert_eq!(Method::ALL.map(Method::as_str).as_slice(), METHODS);
        for m in Method::ALL {
            assert_eq!(Method::parse(m.as_str()), Some(m));
        }
        assert_eq!(Method::parse("get"), None);
        assert_eq!(Method::parse("TRACE"), None);
        let unusual: Vec<_> = Method::ALL
            .into_iter()
            .filter(|m| m.body_is_unusual())
            .map(Method::as_str)
            .collect();
        assert_eq!(unusual, ["GET", "DELETE", "HEAD"]);
    }
}
