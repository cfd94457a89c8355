//! The one small model both OpenAPI versions are lowered into: what the generator and the
//! checker need, and nothing else. Schemas are not modelled: they stay where they are in the
//! document, named by an [`At`], so a 3 MB document's thousands of schemas cost nothing here.

use serde_json::Value;

use crate::refs::At;

#[derive(Debug, Default)]
pub struct Api {
    pub title: String,
    pub api_version: String,
    pub openapi: String,
    pub servers: Vec<Server>,
    /// In the order "first" means for `--scheme`'s default: see [`crate::lower::scheme_order`].
    pub schemes: Vec<Scheme>,
    /// The document's top-level `security`: alternatives, each a list of (scheme, scopes).
    pub security: Vec<Requirement>,
    /// Sorted by path, then method, whatever order the typed crate kept.
    pub operations: Vec<Operation>,
    /// What could not be read as the typed crate wanted and was read leniently instead.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Server {
    pub url: String,
    pub variables: Vec<ServerVariable>,
}

#[derive(Debug, Clone)]
pub struct ServerVariable {
    pub name: String,
    pub default: String,
    pub description: Option<String>,
    pub choices: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Scheme {
    pub name: String,
    pub kind: SchemeKind,
    pub description: Option<String>,
    /// `x-amazon-apigateway-authtype: awsSigv4`: each request is signed with AWS Signature
    /// Version 4, whatever `type` says (API Gateway exports it as an apiKey `Authorization`
    /// header), so no fixed credential authenticates.
    pub aws_sigv4: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SchemeKind {
    Basic,
    Bearer,
    /// Another `http` scheme (digest, hoba, …).
    Http(String),
    ApiKey {
        location: KeyLocation,
        name: String,
    },
    OAuth2(Vec<OAuthFlow>),
    OpenIdConnect(String),
    MutualTls,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLocation {
    Header,
    Query,
    Cookie,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OAuthFlow {
    pub grant: Grant,
    pub authorization_url: Option<String>,
    pub token_url: Option<String>,
    pub refresh_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grant {
    AuthorizationCode,
    ClientCredentials,
    Implicit,
    Password,
}

/// One alternative of a `security` list: every scheme named must be satisfied. `[]` is `{}`:
/// no authentication.
pub type Requirement = Vec<(String, Vec<String>)>;

#[derive(Debug, Clone)]
pub struct Operation {
    pub id: Option<String>,
    /// Upper case: GET, PUT, …
    pub method: String,
    pub path: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub tag: Option<String>,
    pub deprecated: bool,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    /// Status code (as written: "200", "2XX", "default") and the schema of its preferred media
    /// type, if it has one.
    pub responses: Vec<Response>,
    /// The operation's own `security`, or None to inherit the document's.
    pub security: Option<Vec<Requirement>>,
    /// Where the operation object is (after following a path item `$ref`).
    pub at: At,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

impl Location {
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub location: Location,
    pub required: bool,
    /// One of intact's input types: string, integer, number, boolean, object, array, any.
    pub ty: &'static str,
    pub description: Option<String>,
    /// The schema's `default`, when it is a scalar.
    pub default: Option<Value>,
    /// Where the parameter object is (after following its `$ref`): its schema, `style` and
    /// `explode` are read from there by whoever needs more than the type (the executor checks
    /// what it sends against them).
    pub at: At,
    /// The one value the schema allows (an `enum` of one scalar, or `const`): what every request
    /// must send.
    pub single: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct Body {
    pub required: bool,
    pub media_type: String,
    pub schema: Option<At>,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: String,
    pub media_type: Option<String>,
    pub schema: Option<At>,
}

impl Operation {
    /// The success response: the first 2xx code, then `2XX`, then `default`.
    pub fn success(&self) -> Option<&Response> {
        let exact = self
            .responses
            .iter()
            .filter(|r| {
                r.status.len() == 3
                    && r.status.starts_with('2')
                    && r.status.bytes().all(|b| b.is_ascii_digit())
            })
            .min_by(|a, b| a.status.cmp(&b.status));
        exact
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|r| r.status.eq_ignore_ascii_case("2XX"))
            })
            .or_else(|| self.responses.iter().find(|r| r.status == "default"))
    }

    /// The security that applies: the operation's own, else the document's.
    pub fn effective_security<'a>(&'a self, api: &'a Api) -> &'a [Requirement] {
        self.security.as_deref().unwrap_or(&api.security)
    }
}

pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

pub fn method_rank(method: &str) -> usize {
    METHODS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(method))
        .unwrap_or(METHODS.len())
}
