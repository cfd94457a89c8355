//! The catalogue's table: one [`NodeSpec`] per [`Kind`], in `Kind` order, with its arguments,
//! properties, children and documentation. It is long because it is the whole language; every
//! entry reads the same way.

use super::*;

/// What `schema=` takes, on a flow input and on a mapping (its argument `it`).
const SCHEMA_POINTER: &str = "A JSON Schema that types the value: `#/components/schemas/User` in the project's OpenAPI document, `openapi/NAME.yaml#/…` when it has several, or `contract:ID.input#/…` / `contract:ID.output#/…` in a contract's schema.";

pub(super) const STEP_CHILDREN: &[Child] = &[
    many(Kind::Request),
    many(Kind::Let),
    many(Kind::Call),
    many(Kind::If),
    many(Kind::ElseIf),
    many(Kind::Else),
    many(Kind::ForEach),
    many(Kind::Try),
    many(Kind::Catch),
    many(Kind::Fail),
    many(Kind::Return),
    many(Kind::Log),
];

const NO_ARGS: &[Arg] = &[];
const NO_PROPS: &[Prop] = &[];
const NO_CHILDREN: &[Child] = &[];

macro_rules! node {
    ($kind:ident, $name:literal, $summary:literal, $doc:literal,
     args: $args:expr, min: $min:expr, rest: $rest:expr, props: $props:expr,
     body: $body:ident, children: $children:expr $(, tree: $tree:expr)?) => {
        NodeSpec {
            kind: Kind::$kind,
            name: $name,
            summary: $summary,
            doc: $doc,
            args: $args,
            min_args: $min,
            rest: $rest,
            props: $props,
            body: Body::$body,
            children: $children,
            tree_or_value: node!(@tree $($tree)?),
        }
    };
    (@tree) => { false };
    (@tree $t:expr) => { $t };
}

/// A node with one required string-ish argument and nothing else.
macro_rules! leaf {
    ($kind:ident, $name:literal, $ty:expr, $argname:literal, $summary:literal, $doc:literal) => {
        node!($kind, $name, $summary, $doc,
            args: &[arg($argname, $ty, $summary)], min: 1, rest: None, props: NO_PROPS,
            body: None, children: NO_CHILDREN)
    };
}

/// The catalogue, in [`Kind`] order.
pub static SPECS: &[NodeSpec] = &[
    node!(File, "(file)", "A project file.", "Every `*.kdl` file of the project holds top-level definitions; their order and the file they are in do not matter.",
        args: NO_ARGS, min: 0, rest: None, props: NO_PROPS, body: Nodes,
        children: &[many(Kind::Project), many(Kind::Variable), many(Kind::Connection), many(Kind::Mapping), many(Kind::Action), many(Kind::Flow), many(Kind::Test), one(Kind::TestDefaults)]),
    node!(Project, "project", "The project: catalog details and the capabilities it offers.",
        "Exactly one, in the root `intact.kdl`. Its name identifies the integration; `capability` children decide which contracts must be implemented.",
        args: &[arg("name", Ty::Name, "The project's identifier.")], min: 1, rest: None, props: NO_PROPS, body: Nodes,
        children: &[req(Kind::DisplayName), one(Kind::Description), one(Kind::Version), one(Kind::SupportEmail), many(Kind::UseCase), one(Kind::MaxFileSize), many(Kind::Capability)]),
    leaf!(
        DisplayName,
        "display-name",
        Ty::Str,
        "text",
        "The name shown in the identity provider's catalog.",
        "Shown to administrators who install the integration."
    ),
    leaf!(
        Description,
        "description",
        Ty::Str,
        "text",
        "A description for people.",
        "Free text; shown in the catalog or to the administrator filling in the value."
    ),
    leaf!(
        Version,
        "version",
        Ty::Str,
        "version",
        "The integration's version, such as \"1.4.0\".",
        "A semantic version of the integration, for the catalog."
    ),
    leaf!(
        SupportEmail,
        "support-email",
        Ty::Str,
        "email",
        "Where the provider's team reaches you for emergencies and escalations.",
        "The submission wizard's Support email: private, not shown to customers. `intact package` writes it on the wizard sheet."
    ),
    leaf!(
        UseCase,
        "use-case",
        Ty::Enum(USE_CASES),
        "category",
        "A use case category of the catalog (repeatable; up to three).",
        "One of the submission wizard's categories: Automation, Centralized Logging, Directory and HR Sync, Identity Governance and Administration (IGA), Identity Verification, Multifactor Authentication (MFA), Zero Trust. The wizard takes up to three (`project::too-many-use-cases`)."
    ),
    leaf!(
        MaxFileSize,
        "max-file-size",
        Ty::Size,
        "size",
        "The largest KDL file of the project that is read, e.g. \"16MiB\" (default 4MiB).",
        "A larger file is not parsed or checked: it is reported as `limit::file-size`, so that a generated or pasted file by mistake costs a finding, not the memory of its syntax tree (about 80 bytes per byte of text). A size: a number followed by B, KiB, MiB or GiB."
    ),
    node!(Capability, "capability", "A capability the integration offers.",
        "`provisioning`, `entitlement-management` (requires provisioning) or `universal-logout`. Each makes a set of contracts mandatory; run `intact contracts` to list them. Only `provisioning` takes children.",
        args: &[arg("capability", Ty::Enum(CAPABILITIES), "Which capability.")], min: 1, rest: None, props: NO_PROPS, body: Nodes,
        children: &[one(Kind::Features), one(Kind::GroupOperations), one(Kind::GroupMembership), one(Kind::Deactivation)]),
    node!(Features, "features", "Optional user operations the app supports.",
        "Each feature makes its contract mandatory: create → create-user, update → update-user, password → update-user-password, activate → activate-user, deactivate → deactivate-user.",
        args: &[arg("feature", Ty::Enum(FEATURES), "A user operation.")], min: 1, rest: Some(Ty::Enum(FEATURES)), props: NO_PROPS, body: None, children: NO_CHILDREN),
    leaf!(
        GroupOperations,
        "group-operations",
        Ty::Bool,
        "enabled",
        "Enables the group operations contracts.",
        "With #true, list-groups-by-display-name, create-group, update-group and remove-group become mandatory."
    ),
    leaf!(
        GroupMembership,
        "group-membership",
        Ty::Bool,
        "enabled",
        "Enables the group membership contracts.",
        "With #true, list-group-members, add-group-members and remove-group-members become mandatory."
    ),
    leaf!(
        Deactivation,
        "deactivation",
        Ty::Enum(DEACTIVATIONS),
        "what",
        "What deactivate-user does to a user: \"sets-inactive\" (the default) or \"removes\".",
        "Many apps have no inactive state: deactivating a user deletes it. Say so with `deactivation \"removes\"`; `intact verify` then proves that after deactivate-user, get-user ends RESOURCE_NOT_FOUND and list-users no longer lists the user, instead of expecting `active` false, and does not reactivate it."
    ),
    node!(Variable, "variable", "A tenant variable the customer fills in at install time.",
        "Values are strings, referenced in expressions as `app.NAME`. A project has at most 8.",
        args: &[arg("name", Ty::Name, "Referenced as `app.NAME`.")], min: 1, rest: None, props: NO_PROPS, body: Nodes,
        children: &[req(Kind::Label), one(Kind::Description), one(Kind::Example)]),
    leaf!(
        Label,
        "label",
        Ty::Str,
        "text",
        "The label shown to the administrator.",
        "Shown next to the input field at install time."
    ),
    leaf!(
        Example,
        "example",
        Ty::Str,
        "text",
        "An example value, shown as a placeholder.",
        "Helps the administrator fill in the right value."
    ),
    node!(Connection, "connection", "The HTTP helper: base URL, parameters, authentication, defaults and the auth ping.",
        "Actions and flows send requests through a connection. Where the project has one connection it is the default.",
        args: &[arg("name", Ty::Name, "Named by `connection=` on actions, flows and requests.")], min: 1, rest: None, props: NO_PROPS, body: Nodes,
        children: &[req(Kind::BaseUrl), many(Kind::Param), one(Kind::Auth), many(Kind::Header), one(Kind::RequestIdHeader), one(Kind::Timeout), one(Kind::MaxResponseSize), one(Kind::Retry), one(Kind::Ping)]),
    leaf!(
        BaseUrl,
        "base-url",
        Ty::Template,
        "url",
        "The URL that request paths are relative to.",
        "May use tenant variables and non-password params, e.g. `https://${app.subdomain}.example.com/api`. Must be https unless it is a loopback address."
    ),
    node!(Param, "param", "A connection parameter (an authentication mapping).",
        "Referenced as `auth.NAME`. A param with `from=\"app.x\"` is filled from a tenant variable; otherwise the administrator enters it. Declaring a param with an auth form's implicit name (`client_id`, `token`, …) refines it.",
        args: &[arg("name", Ty::Name, "Referenced as `auth.NAME`.")], min: 1, rest: None,
        props: &[prop("from", Ty::VariableRef, "Fill this param from a tenant variable, e.g. \"app.subdomain\".")], body: Nodes,
        children: &[one(Kind::Label), one(Kind::ParamType), many(Kind::ParamOption), one(Kind::ParamDefault), one(Kind::Description)]),
    leaf!(
        ParamType,
        "type",
        Ty::Enum(PARAM_TYPES),
        "type",
        "How the param is entered: text (default), password or dropdown.",
        "A password param is a secret: it may only be used by its connection's auth, headers and base URL."
    ),
    node!(ParamOption, "option", "A choice of a dropdown param.", "`option \"Label\" value=\"value\"`.",
        args: &[arg("label", Ty::Str, "Shown to the administrator.")], min: 1, rest: None,
        props: &[req_prop("value", Ty::Str, "The value the param takes.")], body: None, children: NO_CHILDREN),
    leaf!(
        ParamDefault,
        "default",
        Ty::Value,
        "value",
        "The param's default value.",
        "Used when the administrator leaves the param empty."
    ),
    node!(Auth, "auth", "How the connection authenticates.",
        "Forms: basic, oauth2, custom, bearer, api-key. Each form takes its own children and brings implicit params (basic: username, password; oauth2: client_id, client_secret; bearer: token; api-key: api_key).",
        args: &[arg("form", Ty::Enum(AUTH_FORMS), "The authentication form.")], min: 1, rest: None, props: NO_PROPS, body: Nodes,
        children: &[one(Kind::Username), one(Kind::Password), one(Kind::Grant), one(Kind::AuthorizeUrl), one(Kind::TokenUrl), one(Kind::RefreshUrl), one(Kind::Scope), one(Kind::ClientAuth), one(Kind::Pkce), many(Kind::TokenParam), many(Kind::Header), many(Kind::Query), many(Kind::Cookie), one(Kind::Token)]),
    leaf!(
        Username,
        "username",
        Ty::Template,
        "template",
        "The basic-auth user name (default `${auth.username}`).",
        "A template; usually a param."
    ),
    leaf!(
        Password,
        "password",
        Ty::Template,
        "template",
        "The basic-auth password (default `${auth.password}`).",
        "A template; usually a password param."
    ),
    leaf!(
        Grant,
        "grant",
        Ty::Enum(GRANTS),
        "grant",
        "The OAuth 2.0 grant: client-credentials or authorization-code.",
        "authorization-code needs `authorize-url`; both need `token-url`."
    ),
    leaf!(
        AuthorizeUrl,
        "authorize-url",
        Ty::Template,
        "url",
        "The OAuth 2.0 authorization endpoint.",
        "Required for the authorization-code grant."
    ),
    leaf!(
        TokenUrl,
        "token-url",
        Ty::Template,
        "url",
        "The OAuth 2.0 token endpoint.",
        "Where tokens are requested and refreshed."
    ),
    leaf!(
        RefreshUrl,
        "refresh-url",
        Ty::Template,
        "url",
        "The OAuth 2.0 refresh endpoint (default: token-url).",
        "Only when the provider refreshes tokens elsewhere."
    ),
    node!(Scope, "scope", "OAuth 2.0 scopes to request.", "One or more scope strings.",
        args: &[arg("scope", Ty::Str, "A scope.")], min: 1, rest: Some(Ty::Str), props: NO_PROPS, body: None, children: NO_CHILDREN),
    leaf!(
        ClientAuth,
        "client-auth",
        Ty::Enum(CLIENT_AUTHS),
        "method",
        "How the client authenticates at the token endpoint: basic (default) or post.",
        "basic sends client_secret_basic; post sends client_secret_post."
    ),
    leaf!(
        Pkce,
        "pkce",
        Ty::Bool,
        "enabled",
        "Use PKCE (S256) with the authorization-code grant; on unless `pkce #false`.",
        "Turn it off only for a server that refuses the code_challenge parameters."
    ),
    node!(TokenParam, "token-param", "An extra field for every token request: the grant, the code exchange and each refresh.", "`token-param \"audience\" \"https://api.example.com\"`; a number or boolean is sent as written.",
        args: &[arg("name", Ty::Str, "The form field."), arg("value", Ty::Text, "Its value.")], min: 2, rest: None, props: NO_PROPS, body: None, children: NO_CHILDREN),
    node!(Header, "header", "An HTTP header: NAME VALUE.", "On a connection, sent with every request; in auth, carries the credential; on a request, sent with that request, in place of the connection's header of the same name (names compare without case). A list is sent as `a,b,c`, an object as `k,v,k,v` (`k=v,k=v` with `explode=#true`): OpenAPI's `simple` style.",
        args: &[arg("name", Ty::Str, "The header name."), arg("value", Ty::Text, "The header value.")], min: 2, rest: None,
        props: &[prop("explode", Ty::Bool, "An object's pairs as `k=v,k=v` instead of `k,v,k,v` (OpenAPI `explode`; a list is `a,b` either way).")],
        body: None, children: NO_CHILDREN),
    node!(Query, "query", "A query parameter: NAME VALUE.", "Serialised as OpenAPI says for its `style=` and `explode=` (default: form, exploded): a list `[\"a\",\"b\"]` is `NAME=a&NAME=b`, or `NAME=a,b` with `explode=#false`, `NAME=a%20b` with `style=\"spaceDelimited\"`, `NAME=a%7Cb` with `style=\"pipeDelimited\"`; an object is `k=v&k=v`, or `NAME[k]=v` with `style=\"deepObject\"`. Values are percent-encoded (RFC 3986); a null value sends nothing.",
        args: &[arg("name", Ty::Str, "The parameter name."), arg("value", Ty::Text, "Its value.")], min: 2, rest: None,
        props: &[prop("style", Ty::Enum(QUERY_STYLES), "How a list or an object is laid out (OpenAPI `style`; default \"form\")."),
                 prop("explode", Ty::Bool, "One parameter per item (`id=1&id=2`) rather than one joined value (`id=1,2`); default #true for form and deepObject."),
                 prop("allow-reserved", Ty::Bool, "Send the RFC 3986 reserved characters of the value as they are (OpenAPI `allowReserved`).")],
        body: None, children: NO_CHILDREN),
    node!(Queries, "queries", "Query parameters from an object: one per key.", "`queries \"${input.query}\"`: each key with a value that is not null is sent, converted to text; a null or missing object sends none. For a set of parameters chosen at run time (the custom API action).",
        args: &[arg("object", Ty::Template, "An expression whose value is an object.")], min: 1, rest: None, props: NO_PROPS, body: None, children: NO_CHILDREN),
    node!(Headers, "headers", "Headers from an object: one per key.", "`headers \"${input.headers}\"`: each key with a value that is not null is sent, converted to text; a null or missing object sends none.",
        args: &[arg("object", Ty::Template, "An expression whose value is an object.")], min: 1, rest: None, props: NO_PROPS, body: None, children: NO_CHILDREN),
    node!(Cookie, "cookie", "A cookie carrying a credential: NAME VALUE.", "Custom auth only.",
        args: &[arg("name", Ty::Str, "The cookie name."), arg("value", Ty::Text, "Its value.")], min: 2, rest: None, props: NO_PROPS, body: None, children: NO_CHILDREN),
    leaf!(
        Token,
        "token",
        Ty::Template,
        "template",
        "The bearer token (default `${auth.token}`).",
        "Sent as `Authorization: Bearer …`."
    ),
    leaf!(
        RequestIdHeader,
        "request-id-header",
        Ty::Str,
        "name",
        "The response header copied into executionStatus.errors[].requestId.",
        "Helps support teams find a failed request in the vendor's logs."
    ),
    leaf!(
        Timeout,
        "timeout",
        Ty::Duration,
        "duration",
        "How long a request may take, e.g. \"30s\" (default 30s).",
        "A duration: a number followed by ms, s or m."
    ),
    leaf!(
        MaxResponseSize,
        "max-response-size",
        Ty::Size,
        "size",
        "The largest response body read from this connection, e.g. \"64MiB\" (default 32MiB, at most 1GiB).",
        "A larger body fails the step before it is read whole, so that a runaway server cannot exhaust memory. A size: a number followed by B, KiB, MiB or GiB."
    ),
    node!(Retry, "retry", "When and how often requests are retried.",
        "Honours Retry-After. A 429 is retried for any method; 503 and connect errors only for idempotent methods unless `unsafe-methods=#true`. Without a retry node: max=3 on=429.",
        args: NO_ARGS, min: 0, rest: None,
        props: &[prop("max", Ty::Int, "How many retries at most."),
                 Prop { name: "on", ty: Ty::Status, required: false, repeatable: true, doc: "A status to retry on; repeat for several." },
                 prop("unsafe-methods", Ty::Bool, "Also retry POST and PATCH on 503 and connect errors.")],
        body: None, children: NO_CHILDREN),
    node!(Ping, "ping", "The auth ping: passes when its steps succeed.", "Run by `intact ping` and by the identity provider to test a connection.",
        args: NO_ARGS, min: 0, rest: None, props: NO_PROPS, body: Steps, children: NO_CHILDREN),
    node!(Mapping, "mapping", "A reusable, pure object template, callable in expressions.",
        "Inside, `it` is the argument; elsewhere `NAME(x)` returns the built object. Mappings may call other mappings, never recursively.",
        args: &[arg("name", Ty::Name, "Called as `NAME(x)` in expressions.")], min: 1, rest: Some(Ty::Template),
        props: &[prop("schema", Ty::Str, SCHEMA_POINTER)], body: Values, children: NO_CHILDREN, tree: true),
    node!(Action, "action", "Implements one action contract.",
        "`input` is typed by the contract's input schema; `return` must fit its output schema. Run `intact contracts` for the list.",
        args: &[arg("name", Ty::Name, "The action's name.")], min: 1, rest: None,
        props: &[req_prop("contract", Ty::Ref(Ns::Contract), "The contract id, e.g. \"create-user\"."), prop("connection", Ty::Ref(Ns::Connection), "The connection its requests use.")],
        body: Steps, children: &[one(Kind::Enabled), one(Kind::Description)]),
    leaf!(
        Enabled,
        "enabled",
        Ty::Bool,
        "enabled",
        "#false switches the action off.",
        "A disabled action is checked but not required, not run, and does not count as the contract's implementation."
    ),
    node!(Flow, "flow", "A helper flow with typed inputs, called with `call`.", "Calls between flows may not form a cycle.",
        args: &[arg("name", Ty::Name, "Called as `call STEP NAME { … }`.")], min: 1, rest: None,
        props: &[prop("connection", Ty::Ref(Ns::Connection), "The connection its requests use.")],
        body: Steps, children: &[many(Kind::FlowInput), one(Kind::Description)]),
    node!(FlowInput, "input", "A flow input: NAME type=TYPE.", "Referenced as `input.NAME` inside the flow.",
        args: &[arg("name", Ty::Name, "The input's name.")], min: 1, rest: None,
        props: &[prop("type", Ty::Enum(INPUT_TYPES), "The input's type (default any)."),
                 prop("required", Ty::Bool, "Whether callers must give it."),
                 prop("default", Ty::Value, "Its value when not given."),
                 prop("schema", Ty::Str, SCHEMA_POINTER)],
        body: None, children: NO_CHILDREN),
    node!(Request, "request", "An HTTP request through a connection: NAME METHOD PATH.",
        "The result `steps.NAME` is `{status, headers, body}`; the body is parsed when the response is JSON. PATH is relative to the connection's base URL.",
        args: &[arg("name", Ty::Name, "The step's name."), arg("method", Ty::Enum(METHODS), "The HTTP method."), arg("path", Ty::Template, "The path, starting with `/`.")], min: 3, rest: None,
        props: &[prop("connection", Ty::Ref(Ns::Connection), "The connection to use (default: the action's or flow's)."),
                 prop("operation", Ty::Str, "The imported OpenAPI operation this request implements.")],
        body: Nodes, children: &[many(Kind::Query), many(Kind::Header), many(Kind::Queries), many(Kind::Headers), one(Kind::Json), one(Kind::Form), one(Kind::Body), one(Kind::ExpectStatus), one(Kind::Timeout)]),
    node!(Json, "json", "A JSON request body: a value tree or one template.", "Children form an object; see value trees in the language reference. `omit-null=#true` leaves out every object field whose value is null (an optional input not given), at any depth.",
        args: &[arg("value", Ty::Template, "The whole body as one template.")], min: 0, rest: None, props: &[prop("omit-null", Ty::Bool, "Leave out object fields whose value is null (default #false).")], body: Values, children: NO_CHILDREN, tree: true),
    node!(Form, "form", "A form-encoded request body (application/x-www-form-urlencoded).", "Children are the form fields.",
        args: NO_ARGS, min: 0, rest: None, props: NO_PROPS, body: Values, children: NO_CHILDREN, tree: true),
    leaf!(
        Body,
        "body",
        Ty::Template,
        "text",
        "A raw request body.",
        "Sent as written; set a Content-Type header."
    ),
    node!(ExpectStatus, "expect", "The statuses that count as success (default: any 2xx).", "Any other status fails the step.",
        args: &[arg("status", Ty::Status, "A status.")], min: 1, rest: Some(Ty::Status), props: NO_PROPS, body: None, children: NO_CHILDREN),
    node!(Let, "let", "Binds a value: `let NAME VALUE` or `let NAME { tree }`.", "The value is `steps.NAME`.",
        args: &[arg("name", Ty::Name, "The step's name."), arg("value", Ty::Value, "The value.")], min: 1, rest: None, props: NO_PROPS, body: Values, children: NO_CHILDREN),
    node!(Call, "call", "Calls a flow: `call NAME FLOW { ARG VALUE … }`.", "The flow's return value is `steps.NAME`.",
        args: &[arg("name", Ty::Name, "The step's name."), arg("flow", Ty::Ref(Ns::Flow), "The flow to call.")], min: 2, rest: None, props: NO_PROPS, body: Fields, children: NO_CHILDREN),
    node!(If, "if", "Runs its steps when the condition holds.", "May be followed by sibling `else-if` and `else` nodes.",
        args: &[arg("condition", Ty::Template, "A `${…}` boolean expression.")], min: 1, rest: None, props: NO_PROPS, body: Steps, children: NO_CHILDREN),
    node!(ElseIf, "else-if", "Runs when the `if` before it and earlier `else-if`s did not and its condition holds.", "Must follow an `if` or `else-if`.",
        args: &[arg("condition", Ty::Template, "A `${…}` boolean expression.")], min: 1, rest: None, props: NO_PROPS, body: Steps, children: NO_CHILDREN),
    node!(Else, "else", "Runs when no `if`/`else-if` before it did.", "Must follow an `if` or `else-if`.",
        args: NO_ARGS, min: 0, rest: None, props: NO_PROPS, body: Steps, children: NO_CHILDREN),
    node!(ForEach, "for-each", "Runs its steps for every element of a list: `for-each NAME in=\"${list}\"`.",
        "Inside, `item` and `index` name the element and its position; `yield` adds to the result list, kept in input order.",
        args: &[arg("name", Ty::Name, "The step's name.")], min: 1, rest: None,
        props: &[req_prop("in", Ty::Template, "The list to iterate."), prop("concurrency", Ty::Int, "How many bodies may run at once (default 1).")],
        body: Steps, children: &[one(Kind::Yield)]),
    node!(Yield, "yield", "The value this iteration adds to the for-each result.", "A value tree or one template.",
        args: &[arg("value", Ty::Value, "The value.")], min: 0, rest: None, props: NO_PROPS, body: Values, children: NO_CHILDREN, tree: true),
    node!(Try, "try", "Runs its steps; a failure goes to the `catch` after it.", "Must be followed by a sibling `catch`. Its steps can be read after it when the `catch` always returns or fails.",
        args: NO_ARGS, min: 0, rest: None, props: NO_PROPS, body: Steps, children: NO_CHILDREN),
    node!(Catch, "catch", "Runs when a step of the `try` before it failed.", "Inside, `error` is `{message, status, type, step, body}`.",
        args: NO_ARGS, min: 0, rest: None, props: NO_PROPS, body: Steps, children: NO_CHILDREN),
    node!(Fail, "fail", "Ends the run as FAILED: `fail MESSAGE status=N type=TYPE`.", "The error goes into executionStatus.",
        args: &[arg("message", Ty::Template, "What went wrong.")], min: 1, rest: None,
        props: &[prop("status", Ty::Status, "The HTTP status to report."), prop("type", Ty::Enum(ERROR_TYPES), "The error type (default GENERIC_FAILURE).")],
        body: None, children: NO_CHILDREN),
    node!(Return, "return", "Ends the run with this output: a value tree or one template.", "In an action the output must fit the contract's output schema; `return {}` returns only executionStatus.",
        args: &[arg("value", Ty::Value, "The output.")], min: 0, rest: None, props: NO_PROPS, body: Values, children: NO_CHILDREN, tree: true),
    leaf!(
        Log,
        "log",
        Ty::Template,
        "message",
        "Writes a line to the trace; secrets are masked.",
        "Shown with `--trace` and in failed test reports."
    ),
    node!(Test, "test", "A test of one action or flow, run against mocks by `intact test`.",
        "Names its target with `action=` or `flow=`; `mock` blocks are served by a real HTTP server on 127.0.0.1.",
        args: &[arg("name", Ty::Name, "The test's name.")], min: 1, rest: None,
        props: &[prop("action", Ty::Ref(Ns::Action), "The action under test."), prop("flow", Ty::Ref(Ns::Flow), "The flow under test.")],
        body: Nodes, children: &[one(Kind::TestApp), many(Kind::TestParams), one(Kind::TestInput), many(Kind::Mock), one(Kind::TestExpect), one(Kind::ExpectError), one(Kind::TestEnv), one(Kind::Description)]),
    node!(TestApp, "app", "Tenant variable values for the test: `app NAME=VALUE …`.", "Only these are set; no environment file is read unless the test says `env`.",
        args: NO_ARGS, min: 0, rest: None, props: NO_PROPS, body: None, children: NO_CHILDREN),
    node!(TestParams, "params", "Connection param values for the test: `params CONNECTION NAME=VALUE …`.", "Test params are fixtures: literal secrets are allowed here.",
        args: &[arg("connection", Ty::Ref(Ns::Connection), "The connection.")], min: 1, rest: None, props: NO_PROPS, body: None, children: NO_CHILDREN),
    node!(TestInput, "input", "The input of the action or flow under test: a value tree.", "For an action it must fit the contract's input schema.",
        args: &[arg("value", Ty::Value, "The whole input as one value.")], min: 0, rest: None, props: NO_PROPS, body: Values, children: NO_CHILDREN, tree: true),
    node!(Mock, "mock", "Mocked responses for one connection: `mock CONNECTION { on … }`.", "The connection's base URL points at the mock server while the test runs.",
        args: &[arg("connection", Ty::Ref(Ns::Connection), "The connection to mock.")], min: 1, rest: None, props: NO_PROPS, body: Nodes, children: &[many(Kind::On)]),
    node!(On, "on", "A mocked route: `on METHOD PATH { respond … }`.", "Several `on` for one route answer in order; `times=N` repeats one. A route must be called as many times as it answers, or the test fails; `optional=#true` lets it go unused. PATH has no query: match one with `query` children.",
        args: &[arg("method", Ty::Enum(METHODS), "The method."), arg("path", Ty::Template, "The path, starting with `/`, without `?`.")], min: 2, rest: None,
        props: &[prop("times", Ty::Int, "How many requests this answers (default 1)."), prop("optional", Ty::Bool, "The test passes even when this route is not called (default #false).")],
        body: Nodes, children: &[many(Kind::MockQuery), many(Kind::ExpectHeader), one(Kind::ExpectJson), one(Kind::ExpectAbsent), req(Kind::Respond)]),
    node!(MockQuery, "query", "Matches a query parameter of the request: NAME VALUE.", "The route answers only requests that send this parameter with this value (other parameters may be sent too); when no route matches, the failure names the query sent and the one expected.",
        args: &[arg("name", Ty::Str, "The parameter."), arg("value", Ty::Text, "Its expected value.")], min: 2, rest: None, props: NO_PROPS, body: None, children: NO_CHILDREN),
    node!(ExpectHeader, "expect-header", "Asserts a request header: NAME VALUE.", "`${mock.token}` is the access token issued by the built-in token endpoint.",
        args: &[arg("name", Ty::Str, "The header."), arg("value", Ty::Text, "Its expected value.")], min: 2, rest: None, props: NO_PROPS, body: None, children: NO_CHILDREN),
    node!(ExpectJson, "expect-json", "Asserts that the request body contains this JSON (subset match).", "A value tree.",
        args: NO_ARGS, min: 0, rest: None, props: NO_PROPS, body: Values, children: NO_CHILDREN, tree: true),
    node!(ExpectAbsent, "expect-absent", "Asserts that the request body has none of these fields: `expect-absent \"nickName\" \"name.middle\"`.", "Dotted paths into the JSON body; a field that is there, even as null, fails the test.",
        args: &[arg("field", Ty::Str, "A field's dotted path.")], min: 1, rest: Some(Ty::Str), props: NO_PROPS, body: None, children: NO_CHILDREN),
    node!(Respond, "respond", "The mocked response: `respond STATUS { header …; json … | body … }`.", "`respond 204` alone has no body.",
        args: &[arg("status", Ty::Status, "The status.")], min: 1, rest: None, props: NO_PROPS, body: Nodes,
        children: &[many(Kind::RespondHeader), one(Kind::RespondJson), one(Kind::RespondBody)]),
    node!(RespondHeader, "header", "A response header: NAME VALUE.", "",
        args: &[arg("name", Ty::Str, "The header."), arg("value", Ty::Text, "Its value.")], min: 2, rest: None, props: NO_PROPS, body: None, children: NO_CHILDREN),
    node!(RespondJson, "json", "A JSON response body: a value tree.", "",
        args: &[arg("value", Ty::Value, "The whole body as one value.")], min: 0, rest: None, props: NO_PROPS, body: Values, children: NO_CHILDREN, tree: true),
    leaf!(
        RespondBody,
        "body",
        Ty::Template,
        "text",
        "A raw response body.",
        ""
    ),
    node!(TestExpect, "expect", "Asserts the output (subset match): a value tree.", "Fields not named are not checked.",
        args: &[arg("value", Ty::Value, "The whole output as one value.")], min: 0, rest: None, props: NO_PROPS, body: Values, children: NO_CHILDREN, tree: true),
    node!(ExpectError, "expect-error", "Asserts a FAILED execution of the given error type.", "Instead of `expect`.",
        args: NO_ARGS, min: 0, rest: None,
        props: &[prop("type", Ty::Enum(ERROR_TYPES), "The expected error type."), prop("status", Ty::Status, "The expected HTTP status.")],
        body: None, children: NO_CHILDREN),
    leaf!(
        TestEnv,
        "env",
        Ty::Str,
        "environment",
        "Reads tenant variables and params from env/NAME.toml.",
        "Values given by `app` and `params` still win."
    ),
    node!(TestDefaults, "test-defaults", "What the tests of a file share: `app`, `params`, `mock` routes and `env`.",
        "In `intact.kdl` it applies to every test of the project; in another file, to that file's tests. A test extends its defaults: its own `app` values and params win, its own mock routes match first, and a shared route may go unused unless it says `optional=#false`.",
        args: NO_ARGS, min: 0, rest: None, props: NO_PROPS, body: Nodes,
        children: &[one(Kind::TestApp), many(Kind::TestParams), many(Kind::Mock), one(Kind::TestEnv)]),
];
