//! The connection files: where requests go (the server URL, its variables as tenant variables),
//! how they authenticate (the security scheme as connection params and an `auth` block) and the
//! auth ping.

use intact_model::catalogue::MAX_VARIABLES;
use intact_openapi::Error;
use intact_openapi::model::{
    Api, Grant, KeyLocation, Location, OAuthFlow, Operation, Scheme, SchemeKind, Server,
    ServerVariable,
};
use intact_syntax::build::{Doc, Node};

use super::{first_sentence, key_format, one_line, params};
use crate::names::{Unique, name};
use crate::{Options, Taken};

/// The connection's base URL: `--base-url`, or the chosen server's URL with each of its variables
/// (added to `variables`) written as `${app.NAME}`.
pub(super) fn base_url(
    api: &Api,
    opts: &Options,
    source: &str,
    variables: &mut Vec<(String, ServerVariable)>,
    warnings: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Result<String, Error> {
    if let Some(url) = &opts.base_url {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(
                Error::new(format!("--base-url {url} is not an absolute http(s) URL"))
                    .help("write it in full, e.g. --base-url https://api.example.com/v2"),
            );
        }
        return Ok(url.trim_end_matches('/').to_string());
    }
    let Some(server) = api.servers.get(opts.server) else {
        return Err(if api.servers.is_empty() {
            Error::new(format!(
                "{source} names no server, so intact cannot tell where requests go"
            ))
            .help("pass the API's address: --base-url https://api.example.com/v1")
        } else {
            Error::new(format!(
                "--server {} is out of range: the document has {} server(s): {}",
                opts.server,
                api.servers.len(),
                api.servers
                    .iter()
                    .enumerate()
                    .map(|(i, s)| format!("{i} = {}", s.url))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .help("servers are numbered from 0")
        });
    };
    server_url(server, variables, warnings, notes)
}

/// The connections to write, a name each: one for the chosen scheme (or none), or one per scheme
/// named `BASE_SCHEME` when several were asked for.
pub(super) fn names<'a>(
    api: &Api,
    opts: &Options,
    taken: &Taken,
    chosen: &[&'a Scheme],
) -> Result<Vec<(String, Option<&'a Scheme>)>, Error> {
    let base_name = match &opts.connection {
        Some(n) => {
            if !intact_model::catalogue::is_valid_name(n) {
                return Err(
                    Error::new(format!("--connection {n} is not a valid name")).help(format!(
                        "use lowercase letters, digits and `_`, e.g. {}",
                        name(n, "api", "api")
                    )),
                );
            }
            n.clone()
        }
        None => crate::names::connection_base_name(&api.title),
    };
    if opts.connection.is_some() && taken.connections.contains(&base_name) {
        return Err(Error::new(format!(
            "the project already has a connection `{base_name}` in a file this import does not write"
        ))
        .help("choose another name with --connection NAME, or import into another folder with --out"));
    }
    let mut unique = Unique::new(taken.connections.iter().map(String::as_str));
    Ok(match chosen {
        [] => vec![(unique.take(&base_name), None)],
        [one] => vec![(unique.take(&base_name), Some(*one))],
        many => many
            .iter()
            .map(|s| {
                (
                    unique.take(&format!("{base_name}_{}", name(&s.name, "auth", "auth"))),
                    Some(*s),
                )
            })
            .collect(),
    })
}

/// What one connection file holds besides its header comment.
pub(super) struct Connection<'a> {
    pub name: &'a str,
    pub scheme: Option<&'a Scheme>,
    pub base_url: &'a str,
    pub ping: Option<&'a Operation>,
    /// Headers every operation requires with one value ([`super::params::connection_headers`]).
    pub headers: &'a [(String, String)],
    /// `--key-format`: how an API key is written, `{key}` standing for it.
    pub key_format: Option<&'a str>,
}

/// Adds `variable` nodes for the server variables the project does not define already.
pub(super) fn variables(doc: &mut Doc, variables: &[(String, ServerVariable)], taken: &Taken) {
    for (vname, var) in variables {
        // The project's own tenant variable of that name serves this connection too.
        if taken.variables.contains(vname) {
            continue;
        }
        let label = var
            .description
            .as_deref()
            .map(|d| first_sentence(d, 80))
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| var.name.clone());
        let mut node = Node::new("variable")
            .arg(vname)
            .child(Node::new("label").arg(label));
        let mut desc = var
            .description
            .as_deref()
            .map(|d| one_line(d, 300))
            .unwrap_or_default();
        if !var.choices.is_empty() {
            if !desc.is_empty() {
                desc.push(' ');
            }
            desc.push_str(&format!("One of: {}.", var.choices.join(", ")));
        }
        if !desc.is_empty() {
            node.push(Node::new("description").arg(desc));
        }
        if !var.default.is_empty() {
            node.push(Node::new("example").arg(&var.default));
        }
        doc.push(node);
    }
}

/// The `connection` node: base URL, params and auth from the scheme, the ping.
pub(super) fn connection(
    c: &Connection,
    api: &Api,
    ops: &[&Operation],
    warnings: &mut Vec<String>,
) -> Node {
    let mut node = Node::new("connection")
        .arg(c.name)
        .child(Node::new("base-url").arg(c.base_url));
    if let Some(s) = c.scheme {
        auth(&mut node, s, api, ops, c.base_url, c.key_format, warnings);
    }
    for (h, v) in c.headers {
        node.push(Node::new("header").arg(h).arg(v.replace("${", "$${")));
    }
    if let Some(op) = c.ping {
        node.push_comment("The auth ping: `intact ping` runs it to prove the credentials work.");
        let (path, fixed) = params::split_query(&op.path);
        let mut request = Node::new("request")
            .arg("ping")
            .arg("GET")
            .arg(path.replace("${", "$${"));
        if let Some(id) = &op.id {
            request.push_prop("operation", id);
        }
        let given = op
            .params
            .iter()
            .filter(|p| p.required)
            .filter(|p| !params::Sent::new(c.headers, c.scheme).sends(p))
            .filter_map(|p| Some((p, params::given(p)?.value())));
        for (k, v) in fixed {
            request.push(Node::new("query").arg(k).arg(v.replace("${", "$${")));
        }
        // `select::ping` chose an operation whose every required parameter has a value.
        for (p, v) in given {
            let kind = match p.location {
                Location::Query => "query",
                Location::Header => "header",
                _ => continue,
            };
            let v = params::text(v).replace("${", "$${");
            request.push(Node::new(kind).arg(&p.name).arg(v));
        }
        node.push(Node::new("ping").child(request));
    }
    node
}

fn server_url(
    server: &Server,
    variables: &mut Vec<(String, ServerVariable)>,
    warnings: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Result<String, Error> {
    let mut url = server.url.trim().to_string();
    // `{scheme}://…` (uspto, scalar): intact sends credentials over https only.
    if let Some(rest) = url.strip_prefix('{')
        && let Some((var, after)) = rest.split_once('}')
        && after.starts_with("://")
    {
        notes.push(format!(
            "the server's `{{{var}}}` scheme variable is fixed to https"
        ));
        url = format!("https{after}");
    }
    if !url.contains("://") {
        return Err(Error::new(format!(
            "the document's server URL `{}` is relative: it is resolved against wherever the document is served, which intact cannot know",
            server.url
        ))
        .help("pass the API's address: --base-url https://api.example.com/v1"));
    }
    if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or("");
        if !(host == "localhost" || host.starts_with("127.") || host == "[") {
            warnings.push(format!("the server `{}` uses http://; the connection uses https:// because intact sends credentials over https only (check that the API serves https, or pass --base-url)", server.url));
            url = format!("https://{rest}");
        }
    }
    let mut out = String::new();
    let mut rest = url.as_str();
    let mut vnames = Unique::default();
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open].replace("${", "$${"));
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let var = &after[..close];
        match server.variables.iter().find(|v| v.name == var) {
            Some(v) if variables.iter().any(|(_, w)| w.name == v.name) => {
                let n = &variables
                    .iter()
                    .find(|(_, w)| w.name == v.name)
                    .map(|(n, _)| n.clone())
                    .unwrap_or_default();
                out.push_str(&format!("${{app.{n}}}"));
            }
            Some(v) if variables.len() < MAX_VARIABLES => {
                let n = vnames.take(&name(&v.name, "server", "value"));
                out.push_str(&format!("${{app.{n}}}"));
                variables.push((n, v.clone()));
            }
            Some(v) => {
                warnings.push(format!(
                    "more than {MAX_VARIABLES} server variables: `{}` is fixed to its default `{}`",
                    v.name, v.default
                ));
                out.push_str(&v.default);
            }
            None => {
                warnings.push(format!("the server URL names `{{{var}}}`, which it does not declare; it is kept as a tenant variable"));
                if variables.len() >= MAX_VARIABLES {
                    return Err(Error::new(format!(
                        "the server URL `{}` has too many variables",
                        server.url
                    ))
                    .help("pass --base-url"));
                }
                let n = vnames.take(&name(var, "server", "value"));
                out.push_str(&format!("${{app.{n}}}"));
                // A variable declared nowhere still gets a label: its own name.
                variables.push((
                    n,
                    ServerVariable {
                        name: var.to_string(),
                        default: String::new(),
                        description: None,
                        choices: Vec::new(),
                    },
                ));
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(&rest.replace("${", "$${"));
    Ok(out.trim_end_matches('/').to_string())
}

/// A connection param with its label.
fn param(name: &str, label: String) -> Node {
    Node::new("param")
        .arg(name)
        .child(Node::new("label").arg(label))
}

/// The scheme's params and `auth` block, added to the connection `node`.
fn auth(
    node: &mut Node,
    s: &Scheme,
    api: &Api,
    ops: &[&Operation],
    base_url: &str,
    key_format: Option<&str>,
    warnings: &mut Vec<String>,
) {
    let title = title(api);
    match &s.kind {
        SchemeKind::Basic => {
            node.push(param("username", format!("{title} user name")));
            node.push(param("password", format!("{title} password")));
            node.push(Node::new("auth").arg("basic"));
        }
        SchemeKind::Bearer => {
            node.push(param("token", format!("{title} API token")));
            node.push(
                Node::new("auth")
                    .arg("bearer")
                    .child(Node::new("token").arg("${auth.token}")),
            );
        }
        SchemeKind::ApiKey {
            location: location @ (KeyLocation::Header | KeyLocation::Query),
            name: key,
        } => api_key(node, s, *location, key, &title, key_format, warnings),
        SchemeKind::ApiKey {
            location: KeyLocation::Cookie,
            name: key,
        } => {
            let p = name(key, "api_key", "key");
            node.push(
                param(&p, format!("{title} API key (sent as the {key} cookie)"))
                    .child(Node::new("type").arg("password")),
            );
            node.push(
                Node::new("auth")
                    .arg("custom")
                    .child(Node::new("cookie").arg(key).arg(format!("${{auth.{p}}}"))),
            );
        }
        SchemeKind::OAuth2(flows) => {
            let scopes = scopes(api, ops, &s.name);
            oauth2(node, s, flows, &scopes, &title, base_url, warnings);
        }
        SchemeKind::OpenIdConnect(_) | SchemeKind::MutualTls | SchemeKind::Http(_) => {}
    }
}

/// The API's title as the params' labels start with it.
fn title(api: &Api) -> String {
    let title = if api.title.is_empty() {
        "API".to_string()
    } else {
        one_line(&api.title, 60)
    };
    // "Okta Admin Management API API key" reads badly.
    title
        .strip_suffix(" API")
        .map(str::to_string)
        .unwrap_or(title)
}

/// An API key sent in a header or the query, written as `--key-format` says, else as the scheme's
/// description says (a header only), else as it is.
fn api_key(
    node: &mut Node,
    s: &Scheme,
    location: KeyLocation,
    key: &str,
    title: &str,
    key_format: Option<&str>,
    warnings: &mut Vec<String>,
) {
    let where_ = if location == KeyLocation::Header {
        "header"
    } else {
        "query"
    };
    node.push(param(
        "api_key",
        format!("{title} API key (sent as the {key} {where_})"),
    ));
    let format = match key_format {
        Some(f) => f.split_once("{key}").map(|(p, s)| (p.into(), s.into())),
        None if location == KeyLocation::Header => {
            let format = key_format::of(key, s.description.as_deref().unwrap_or(""));
            if let Some((p, after)) = &format {
                warnings.push(format!(
                    "scheme `{}`: the {key} header is sent as `{p}<api_key>{after}`, as the scheme's description says; check it (--key-format sets another)",
                    s.name
                ));
            }
            format
        }
        None => None,
    };
    let value = match &format {
        Some((p, after)) => format!(
            "{}${{auth.api_key}}{}",
            p.replace("${", "$${"),
            after.replace("${", "$${")
        ),
        None => "${auth.api_key}".to_string(),
    };
    node.push(
        Node::new("auth")
            .arg("api-key")
            .child(Node::new(where_).arg(key).arg(value)),
    );
}

/// OAuth 2.0 with the authorization-code grant when the scheme offers it, else client
/// credentials (else nothing): the client's params, its URLs and `scopes`.
fn oauth2(
    node: &mut Node,
    s: &Scheme,
    flows: &[OAuthFlow],
    scopes: &[&str],
    title: &str,
    base_url: &str,
    warnings: &mut Vec<String>,
) {
    let Some(flow) = flows
        .iter()
        .find(|f| f.grant == Grant::AuthorizationCode)
        .or_else(|| flows.iter().find(|f| f.grant == Grant::ClientCredentials))
    else {
        return;
    };
    if flows.len() > 1 {
        let others: Vec<&str> = flows
            .iter()
            .filter(|f| f.grant != flow.grant)
            .map(|f| grant_name(f.grant))
            .collect();
        warnings.push(format!(
            "security scheme `{}` offers the {} grant(s) too; the connection uses {}",
            s.name,
            others.join(", "),
            grant_name(flow.grant)
        ));
    }
    node.push(param("client_id", format!("{title} OAuth 2.0 client ID")));
    node.push(param(
        "client_secret",
        format!("{title} OAuth 2.0 client secret"),
    ));
    let mut auth = Node::new("auth").arg("oauth2");
    let grant = match flow.grant {
        Grant::AuthorizationCode => intact_model::catalogue::Grant::AuthorizationCode,
        _ => intact_model::catalogue::Grant::ClientCredentials,
    };
    auth.push(Node::new("grant").arg(grant.as_str()));
    if grant == intact_model::catalogue::Grant::AuthorizationCode
        && let Some(u) = &flow.authorization_url
    {
        auth.push(Node::new("authorize-url").arg(absolute(u, base_url, warnings)));
    }
    if let Some(u) = &flow.token_url {
        auth.push(Node::new("token-url").arg(absolute(u, base_url, warnings)));
    }
    if let Some(u) = &flow.refresh_url
        && Some(u) != flow.token_url.as_ref()
    {
        auth.push(Node::new("refresh-url").arg(absolute(u, base_url, warnings)));
    }
    if !scopes.is_empty() {
        let mut scope = Node::new("scope");
        for s in scopes {
            scope.push_arg(*s);
        }
        auth.push(scope);
    }
    if grant == intact_model::catalogue::Grant::AuthorizationCode {
        auth.push(Node::new("pkce").arg(true));
    }
    node.push(auth);
}

/// Every scope the document's and the operations' security requirements ask of `scheme`, sorted
/// and once each.
fn scopes<'a>(api: &'a Api, ops: &[&'a Operation], scheme: &str) -> Vec<&'a str> {
    let mut scopes: Vec<&str> = api
        .security
        .iter()
        .chain(ops.iter().flat_map(|o| o.security.iter().flatten()))
        .flat_map(|r| r.iter())
        .filter(|(n, _)| *n == scheme)
        .flat_map(|(_, sc)| sc.iter().map(String::as_str))
        .collect();
    scopes.sort();
    scopes.dedup();
    scopes
}

fn grant_name(g: Grant) -> &'static str {
    match g {
        Grant::AuthorizationCode => "authorization code",
        Grant::ClientCredentials => "client credentials",
        Grant::Implicit => "implicit",
        Grant::Password => "password",
    }
}

/// An OAuth URL resolved against the server URL (Okta writes `/oauth2/v1/token`), as RFC 3986
/// resolves a reference against a base; plain http becomes https as for the server.
fn absolute(url: &str, base: &str, warnings: &mut Vec<String>) -> String {
    let escaped = url.trim().replace("${", "$${");
    let url = escaped.as_str();
    let out = if url.contains("://") {
        url.to_string()
    } else {
        let (scheme, rest) = base.split_once("://").unwrap_or(("https", base));
        let (authority, path) = rest
            .split_once('/')
            .map(|(a, p)| (a, format!("/{p}")))
            .unwrap_or((rest, String::new()));
        if let Some(net) = url.strip_prefix("//") {
            format!("{scheme}://{net}")
        } else if url.starts_with('/') {
            format!("{scheme}://{authority}{url}")
        } else {
            let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            format!("{scheme}://{authority}{dir}/{url}")
        }
    };
    if let Some(rest) = out.strip_prefix("http://")
        && !rest.starts_with("localhost")
        && !rest.starts_with("127.")
    {
        warnings.push(format!(
            "the OAuth URL `{url}` uses http://; written as https://"
        ));
        return format!("https://{rest}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_urls_resolve_against_the_server() {
        let mut w = Vec::new();
        let base = "https://${app.your_okta_domain}/api";
        assert_eq!(
            absolute("/oauth2/v1/token", base, &mut w),
            "https://${app.your_okta_domain}/oauth2/v1/token"
        );
        assert_eq!(
            absolute("token", "https://a.example/v1/x", &mut w),
            "https://a.example/v1/token"
        );
        assert_eq!(
            absolute("//auth.example/t", base, &mut w),
            "https://auth.example/t"
        );
        assert_eq!(
            absolute("https://b.example/t", base, &mut w),
            "https://b.example/t"
        );
        assert!(w.is_empty());
        assert_eq!(
            absolute("http://b.example/t", base, &mut w),
            "https://b.example/t"
        );
        assert_eq!(w.len(), 1);
    }
}
