//! From the document's values to the [`Api`] model, by version (decision 0005).
//!
//! Each part the generator uses (servers, each security scheme, each path item) is deserialized
//! with the version's typed crate, from the `serde_json::Value` in place (no clone, no schema in
//! `components` ever deserialized). The typed crate decides what the part means; schemas are left
//! where they are and named by pointer. A part the typed crate refuses is read leniently from the
//! value instead, with a note naming the place and the crate's complaint, so that one odd
//! operation does not cost the whole import.

use serde::Deserialize;
use serde_json::Value;

use crate::Error;
use crate::model::*;
use crate::read::Version;
use crate::refs::{At, Docs};

pub fn lower(docs: &Docs, version: Version, openapi: String) -> Result<Api, Error> {
    let root = &docs.files[0].value;
    let root_at = At {
        file: 0,
        pointer: String::new(),
    };
    let mut api = Api {
        title: root
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_string(),
        api_version: root
            .pointer("/info/version")
            .and_then(text_of)
            .unwrap_or_default(),
        openapi,
        ..Api::default()
    };
    if let Some(servers) = root.get("servers") {
        api.servers = match typed_servers(version, servers) {
            Ok(s) => s,
            Err(e) => {
                api.notes.push(format!(
                    "{}: {} could not read `servers` ({e}); read leniently",
                    docs.describe(&root_at.child("servers")),
                    crate_name(version)
                ));
                raw_servers(servers)
            }
        };
    }
    api.security = root.get("security").map(raw_security).unwrap_or_default();
    if let Some(Value::Object(schemes)) = root.pointer("/components/securitySchemes") {
        let base = root_at.child("components").child("securitySchemes");
        for (name, value) in schemes {
            let at = base.child(name);
            let (at, value) = docs
                .deref_from(at.clone(), value)
                .map_err(|e| located(docs, &at, e))?;
            let kind = match typed_scheme(version, value) {
                Ok(k) => k,
                Err(e) => {
                    api.notes.push(format!(
                        "{}: {} could not read this security scheme ({e}); read leniently",
                        docs.describe(&at),
                        crate_name(version)
                    ));
                    raw_scheme(value)
                }
            };
            if let Some(kind) = kind {
                api.schemes.push(Scheme {
                    name: name.clone(),
                    kind,
                    description: value
                        .get("description")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                });
            }
        }
    }
    if let Some(Value::Object(paths)) = root.get("paths") {
        let base = root_at.child("paths");
        // Parameters that operations share through `$ref`s are read once.
        let mut shared: SharedParams = std::collections::HashMap::new();
        for (path, item) in paths {
            if path.starts_with("x-") {
                continue;
            }
            let item_at = base.child(path);
            let (item_at, item) = docs
                .deref_from(item_at.clone(), item)
                .map_err(|e| located(docs, &item_at, e))?;
            let strict = Reading::Strict(version);
            let ops = match path_item(docs, strict, path, &item_at, item, &mut shared) {
                Ok(ops) => ops,
                Err(Refused(e)) => {
                    api.notes.push(format!(
                        "{}: {} could not read this path item ({e}); read leniently",
                        docs.describe(&item_at),
                        crate_name(version)
                    ));
                    match path_item(docs, Reading::Lenient, path, &item_at, item, &mut shared) {
                        Ok(ops) => ops,
                        Err(Broken(e)) => return Err(e),
                        // A lenient reading refuses nothing.
                        Err(Refused(e)) => return Err(Error::new(e)),
                    }
                }
                Err(Broken(e)) => return Err(e),
            };
            api.operations.extend(ops);
        }
    }
    api.operations
        .sort_by(|a, b| (&a.path, method_rank(&a.method)).cmp(&(&b.path, method_rank(&b.method))));
    api.schemes = scheme_order(api.schemes, &api.security, &api.operations);
    Ok(api)
}

fn crate_name(v: Version) -> &'static str {
    match v {
        Version::V30 => "openapiv3",
        Version::V31 | Version::V32 => "oas3",
    }
}

fn located(docs: &Docs, at: &At, e: Error) -> Error {
    Error {
        message: format!("{}: {}", docs.describe(at), e.message),
        ..e
    }
}

/// "The first supported scheme" in document order, which `serde_json` maps do not keep: the
/// order schemes appear in the top-level `security`, then in the operations' `security` (sorted
/// by path and method), then by name. These are arrays, so their order is the author's.
pub fn scheme_order(
    mut schemes: Vec<Scheme>,
    global: &[Requirement],
    ops: &[Operation],
) -> Vec<Scheme> {
    let mut order: Vec<&str> = Vec::new();
    let all = global
        .iter()
        .chain(ops.iter().flat_map(|o| o.security.iter().flatten()));
    for req in all {
        for (name, _) in req {
            if !order.contains(&name.as_str()) {
                order.push(name);
            }
        }
    }
    let rank = |s: &Scheme| {
        order
            .iter()
            .position(|n| *n == s.name)
            .unwrap_or(usize::MAX)
    };
    let ranks: Vec<(usize, String)> = schemes.iter().map(|s| (rank(s), s.name.clone())).collect();
    let mut idx: Vec<usize> = (0..schemes.len()).collect();
    idx.sort_by(|a, b| ranks[*a].cmp(&ranks[*b]));
    let mut taken: Vec<Option<Scheme>> = schemes.drain(..).map(Some).collect();
    idx.into_iter().filter_map(|i| taken[i].take()).collect()
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

// ---- servers ----

fn typed_servers(version: Version, v: &Value) -> Result<Vec<Server>, String> {
    match version {
        Version::V30 => Vec::<openapiv3::Server>::deserialize(v)
            .map_err(|e| e.to_string())
            .map(|list| {
                list.into_iter()
                    .map(|s| Server {
                        url: s.url,
                        variables: s
                            .variables
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(name, var)| ServerVariable {
                                name,
                                default: var.default,
                                description: var.description,
                                choices: var.enumeration,
                            })
                            .collect(),
                    })
                    .collect()
            }),
        Version::V31 | Version::V32 => Vec::<oas3::spec::Server>::deserialize(v)
            .map_err(|e| e.to_string())
            .map(|list| {
                list.into_iter()
                    .map(|s| Server {
                        url: s.url,
                        variables: s
                            .variables
                            .into_iter()
                            .map(|(name, var)| ServerVariable {
                                name,
                                default: var.default,
                                description: var.description,
                                choices: var.substitutions_enum,
                            })
                            .collect(),
                    })
                    .collect()
            }),
    }
}

fn raw_servers(v: &Value) -> Vec<Server> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| {
            Some(Server {
                url: s.get("url")?.as_str()?.to_string(),
                variables: s
                    .get("variables")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(name, var)| ServerVariable {
                        name: name.clone(),
                        default: var.get("default").and_then(text_of).unwrap_or_default(),
                        description: var
                            .get("description")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        choices: var
                            .get("enum")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(text_of)
                            .collect(),
                    })
                    .collect(),
            })
        })
        .collect()
}

// ---- security ----

fn raw_security(v: &Value) -> Vec<Requirement> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|req| {
            req.iter()
                .map(|(name, scopes)| {
                    let scopes = scopes
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect();
                    (name.clone(), scopes)
                })
                .collect()
        })
        .collect()
}

fn http_kind(scheme: &str) -> SchemeKind {
    // RFC 7235 scheme names are case-insensitive; tictactoe writes `Basic` and `Bearer`.
    match scheme.to_ascii_lowercase().as_str() {
        "basic" => SchemeKind::Basic,
        "bearer" => SchemeKind::Bearer,
        other => SchemeKind::Http(other.to_string()),
    }
}

fn key_location(s: &str) -> Option<KeyLocation> {
    match s {
        "header" => Some(KeyLocation::Header),
        "query" => Some(KeyLocation::Query),
        "cookie" => Some(KeyLocation::Cookie),
        _ => None,
    }
}

fn typed_scheme(version: Version, v: &Value) -> Result<Option<SchemeKind>, String> {
    match version {
        Version::V30 => {
            use openapiv3::{APIKeyLocation as L, SecurityScheme as S};
            let s = S::deserialize(v).map_err(|e| e.to_string())?;
            Ok(Some(match s {
                S::APIKey { location, name, .. } => SchemeKind::ApiKey {
                    location: match location {
                        L::Header => KeyLocation::Header,
                        L::Query => KeyLocation::Query,
                        L::Cookie => KeyLocation::Cookie,
                    },
                    name,
                },
                S::HTTP { scheme, .. } => http_kind(&scheme),
                S::OAuth2 { flows, .. } => {
                    let mut out = Vec::new();
                    if let Some(f) = flows.authorization_code {
                        out.push(OAuthFlow {
                            grant: Grant::AuthorizationCode,
                            authorization_url: Some(f.authorization_url),
                            token_url: Some(f.token_url),
                            refresh_url: f.refresh_url,
                        });
                    }
                    if let Some(f) = flows.client_credentials {
                        out.push(OAuthFlow {
                            grant: Grant::ClientCredentials,
                            authorization_url: None,
                            token_url: Some(f.token_url),
                            refresh_url: f.refresh_url,
                        });
                    }
                    if let Some(f) = flows.implicit {
                        out.push(OAuthFlow {
                            grant: Grant::Implicit,
                            authorization_url: Some(f.authorization_url),
                            token_url: None,
                            refresh_url: f.refresh_url,
                        });
                    }
                    if let Some(f) = flows.password {
                        out.push(OAuthFlow {
                            grant: Grant::Password,
                            authorization_url: None,
                            token_url: Some(f.token_url),
                            refresh_url: f.refresh_url,
                        });
                    }
                    SchemeKind::OAuth2(out)
                }
                S::OpenIDConnect {
                    open_id_connect_url,
                    ..
                } => SchemeKind::OpenIdConnect(open_id_connect_url),
            }))
        }
        Version::V31 | Version::V32 => {
            use oas3::spec::SecurityScheme as S;
            let s = S::deserialize(v).map_err(|e| e.to_string())?;
            Ok(match s {
                S::ApiKey { name, location, .. } => {
                    key_location(&location).map(|location| SchemeKind::ApiKey { location, name })
                }
                S::Http { scheme, .. } => Some(http_kind(&scheme)),
                S::OAuth2 { flows, .. } => {
                    let mut out = Vec::new();
                    if let Some(f) = flows.authorization_code {
                        out.push(OAuthFlow {
                            grant: Grant::AuthorizationCode,
                            authorization_url: Some(f.authorization_url.to_string()),
                            token_url: Some(f.token_url.to_string()),
                            refresh_url: f.refresh_url.map(|u| u.to_string()),
                        });
                    }
                    if let Some(f) = flows.client_credentials {
                        out.push(OAuthFlow {
                            grant: Grant::ClientCredentials,
                            authorization_url: None,
                            token_url: Some(f.token_url.to_string()),
                            refresh_url: f.refresh_url.map(|u| u.to_string()),
                        });
                    }
                    if let Some(f) = flows.implicit {
                        out.push(OAuthFlow {
                            grant: Grant::Implicit,
                            authorization_url: Some(f.authorization_url.to_string()),
                            token_url: None,
                            refresh_url: f.refresh_url.map(|u| u.to_string()),
                        });
                    }
                    if let Some(f) = flows.password {
                        out.push(OAuthFlow {
                            grant: Grant::Password,
                            authorization_url: None,
                            token_url: Some(f.token_url.to_string()),
                            refresh_url: f.refresh_url.map(|u| u.to_string()),
                        });
                    }
                    Some(SchemeKind::OAuth2(out))
                }
                S::OpenIdConnect {
                    open_id_connect_url,
                    ..
                } => Some(SchemeKind::OpenIdConnect(open_id_connect_url)),
                S::MutualTls { .. } => Some(SchemeKind::MutualTls),
            })
        }
    }
}

fn raw_scheme(v: &Value) -> Option<SchemeKind> {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    match s("type")?.as_str() {
        "apiKey" => Some(SchemeKind::ApiKey {
            location: key_location(&s("in")?)?,
            name: s("name")?,
        }),
        "http" => Some(http_kind(&s("scheme")?)),
        "oauth2" => {
            let flows = v.get("flows")?;
            let mut out = Vec::new();
            for (key, grant) in [
                ("authorizationCode", Grant::AuthorizationCode),
                ("clientCredentials", Grant::ClientCredentials),
                ("implicit", Grant::Implicit),
                ("password", Grant::Password),
            ] {
                if let Some(f) = flows.get(key) {
                    let u = |k: &str| f.get(k).and_then(Value::as_str).map(str::to_string);
                    out.push(OAuthFlow {
                        grant,
                        authorization_url: u("authorizationUrl"),
                        token_url: u("tokenUrl"),
                        refresh_url: u("refreshUrl"),
                    });
                }
            }
            Some(SchemeKind::OAuth2(out))
        }
        "openIdConnect" => Some(SchemeKind::OpenIdConnect(
            s("openIdConnectUrl").unwrap_or_default(),
        )),
        "mutualTLS" => Some(SchemeKind::MutualTls),
        _ => None,
    }
}

// ---- operations ----

/// How a path item is read.
#[derive(Clone, Copy)]
enum Reading {
    /// Fields with their types checked and parameters through the typed crate; anything they
    /// refuse makes the whole path item be read again leniently.
    Strict(Version),
    /// What can be read is read; what cannot is skipped (after the typed crate refused it).
    Lenient,
}

/// An operation's own fields.
struct Fields {
    id: Option<String>,
    summary: Option<String>,
    description: Option<String>,
    tag: Option<String>,
    deprecated: bool,
}

/// Why a strict reading did not give operations: the crate refused a part (read it leniently),
/// or a reference is broken (an error for the user).
enum Failed {
    Refused(String),
    Broken(Error),
}
use Failed::{Broken, Refused};

/// Parameters read through a `$ref`, by where the reference led.
type SharedParams = std::collections::HashMap<At, Param>;

/// The operations of a path item. Schemas are never deserialised: bodies and responses keep
/// pointers to them (see the module comment).
fn path_item(
    docs: &Docs,
    reading: Reading,
    path: &str,
    at: &At,
    item: &Value,
    shared: &mut SharedParams,
) -> Result<Vec<Operation>, Failed> {
    let strict = matches!(reading, Reading::Strict(_));
    let mut out = Vec::new();
    for method in METHODS {
        let Some(op_value) = item.get(*method) else {
            continue;
        };
        let Some(op) = op_value.as_object() else {
            if strict {
                return Err(Refused(format!("{method}: an operation must be an object")));
            }
            continue;
        };
        let fields = fields(method, op, strict)?;
        let op_at = at.child(method);
        let mut params = Vec::new();
        for (list_at, list) in [
            (at.child("parameters"), item.get("parameters")),
            (op_at.child("parameters"), op_value.get("parameters")),
        ] {
            for (i, p) in list
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let p_at = list_at.child(&i.to_string());
                let via_ref = strict && p.get("$ref").is_some();
                let (p_at, p) = match docs.deref_from(p_at.clone(), p) {
                    Ok(found) => found,
                    Err(e) if strict => return Err(Broken(located(docs, &p_at, e))),
                    Err(_) => continue,
                };
                if via_ref && let Some(known) = shared.get(&p_at) {
                    push_param(&mut params, known.clone());
                    continue;
                }
                let Some(param) = parameter(docs, reading, &p_at, p)? else {
                    continue;
                };
                if via_ref {
                    shared.insert(p_at, param.clone());
                }
                push_param(&mut params, param);
            }
        }
        out.push(Operation {
            id: fields.id,
            method: method.to_ascii_uppercase(),
            path: path.to_string(),
            summary: fields.summary,
            description: fields.description,
            tag: fields.tag,
            deprecated: fields.deprecated,
            params,
            body: body(docs, &op_at, op_value).map_err(Broken)?,
            responses: responses(docs, &op_at, op_value).map_err(Broken)?,
            // oas3 reads `security: []` (no authentication) and no `security` (inherit) both as an
            // empty list; the difference decides the ping, so it is read from the value.
            security: op_value.get("security").map(raw_security),
            at: op_at,
        });
    }
    Ok(out)
}

/// An operation's own fields: five scalars. Read from the value, their types checked when
/// strict; the typed crates are kept for what they know better (parameters, servers, security
/// schemes). Deserialising whole operations through them cost most of a large import, because
/// their schema enums are untagged (every schema is buffered and tried per variant), for nothing
/// that was kept.
fn fields(
    method: &str,
    op: &serde_json::Map<String, Value>,
    strict: bool,
) -> Result<Fields, Failed> {
    let refuse = |k: &str, what: &str| Refused(format!("{method}.{k}: must be {what}"));
    let text = |k: &str| -> Result<Option<String>, Failed> {
        match op.get(k) {
            Some(Value::String(s)) => Ok(Some(s.clone())),
            None | Some(Value::Null) => Ok(None),
            Some(_) if strict => Err(refuse(k, "a string")),
            Some(_) => Ok(None),
        }
    };
    let tag = match op.get("tags") {
        Some(Value::Array(tags)) if tags.iter().all(Value::is_string) => {
            tags.first().and_then(Value::as_str).map(str::to_string)
        }
        Some(_) if strict => return Err(refuse("tags", "a list of strings")),
        Some(Value::Array(tags)) => tags.iter().find_map(Value::as_str).map(str::to_string),
        _ => None,
    };
    let deprecated = match op.get("deprecated") {
        Some(Value::Bool(b)) => *b,
        Some(_) if strict => return Err(refuse("deprecated", "a boolean")),
        _ => false,
    };
    Ok(Fields {
        id: text("operationId")?,
        summary: text("summary")?,
        description: text("description")?,
        tag,
        deprecated,
    })
}

/// One parameter (already dereferenced): through the typed crate when strict, from the value
/// when lenient (`None` when it lacks a name or a location).
fn parameter(docs: &Docs, reading: Reading, at: &At, p: &Value) -> Result<Option<Param>, Failed> {
    let refused = |e: serde_json::Error| Refused(format!("{}: {e}", docs.describe(at)));
    let (name, location, required, description) = match reading {
        Reading::Strict(Version::V30) => {
            use openapiv3::Parameter as P;
            let typed = P::deserialize(p).map_err(refused)?;
            let location = match &typed {
                P::Query { .. } => Location::Query,
                P::Header { .. } => Location::Header,
                P::Path { .. } => Location::Path,
                P::Cookie { .. } => Location::Cookie,
            };
            let d = typed.parameter_data();
            (d.name, location, d.required, d.description)
        }
        Reading::Strict(Version::V31 | Version::V32) => {
            use oas3::spec::ParameterIn as In;
            let typed = oas3::spec::Parameter::deserialize(p).map_err(refused)?;
            let location = match typed.location {
                In::Query => Location::Query,
                In::Header => Location::Header,
                In::Path => Location::Path,
                In::Cookie => Location::Cookie,
            };
            (
                typed.name,
                location,
                typed.required.unwrap_or(false),
                typed.description,
            )
        }
        Reading::Lenient => {
            let Some(name) = p.get("name").and_then(Value::as_str) else {
                return Ok(None);
            };
            let location = match p.get("in").and_then(Value::as_str) {
                Some("path") => Location::Path,
                Some("query") => Location::Query,
                Some("header") => Location::Header,
                Some("cookie") => Location::Cookie,
                _ => return Ok(None),
            };
            (
                name.to_string(),
                location,
                p.get("required").and_then(Value::as_bool).unwrap_or(false),
                p.get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            )
        }
    };
    let (ty, default) = param_schema(docs, at, p);
    Ok(Some(Param {
        required: required || location == Location::Path,
        name,
        location,
        ty,
        description,
        default,
    }))
}

/// An operation's parameter replaces a path item's of the same name and location.
fn push_param(params: &mut Vec<Param>, p: Param) {
    params.retain(|q| !(q.name == p.name && q.location == p.location));
    params.push(p);
}

/// intact's input type for a parameter, from its schema (or its first content type's), and the
/// schema's scalar default.
fn param_schema(docs: &Docs, at: &At, p: &Value) -> (&'static str, Option<Value>) {
    let (schema_at, schema) = if let Some(s) = p.get("schema") {
        (at.child("schema"), s)
    } else if let Some(Value::Object(content)) = p.get("content") {
        match content
            .iter()
            .next()
            .and_then(|(mt, m)| Some((mt, m.get("schema")?)))
        {
            Some((mt, s)) => (at.child("content").child(mt).child("schema"), s),
            None => return ("any", None),
        }
    } else {
        return ("any", None);
    };
    let Ok((_, schema)) = docs.deref_from(schema_at, schema) else {
        return ("any", None);
    };
    let default = schema
        .get("default")
        .filter(|d| d.is_string() || d.is_number() || d.is_boolean())
        .cloned();
    (schema_type(schema), default)
}

/// A JSON Schema's type as one of intact's: `type` (a 3.1 array without `null` counts when it
/// has one other type), else what `properties`/`items` imply, else any.
pub fn schema_type(schema: &Value) -> &'static str {
    let one = |t: &str| -> Option<&'static str> {
        Some(match t {
            "string" => "string",
            "integer" => "integer",
            "number" => "number",
            "boolean" => "boolean",
            "object" => "object",
            "array" => "array",
            _ => return None,
        })
    };
    match schema.get("type") {
        Some(Value::String(t)) => one(t).unwrap_or("any"),
        Some(Value::Array(ts)) => {
            let named: Vec<&str> = ts
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            match named.as_slice() {
                [t] => one(t).unwrap_or("any"),
                _ => "any",
            }
        }
        _ if schema.get("properties").is_some() => "object",
        _ if schema.get("items").is_some() => "array",
        _ => "any",
    }
}

/// The media type a generator should use: JSON first, then `+json`, then form, then the first.
pub fn preferred_media_type(content: &serde_json::Map<String, Value>) -> Option<&String> {
    let keys: Vec<&String> = content.keys().collect();
    let base = |k: &str| {
        k.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    };
    keys.iter()
        .find(|k| base(k) == "application/json")
        .or_else(|| keys.iter().find(|k| base(k).ends_with("+json")))
        .or_else(|| {
            keys.iter()
                .find(|k| base(k) == "application/x-www-form-urlencoded")
        })
        .or_else(|| keys.first())
        .copied()
}

fn body(docs: &Docs, op_at: &At, op: &Value) -> Result<Option<Body>, Error> {
    let Some(rb) = op.get("requestBody") else {
        return Ok(None);
    };
    let at = op_at.child("requestBody");
    let (at, rb) = docs
        .deref_from(at.clone(), rb)
        .map_err(|e| located(docs, &at, e))?;
    let Some(Value::Object(content)) = rb.get("content") else {
        return Ok(None);
    };
    let Some(mt) = preferred_media_type(content) else {
        return Ok(None);
    };
    let schema = content
        .get(mt)
        .and_then(|m| m.get("schema"))
        .map(|_| at.child("content").child(mt).child("schema"));
    Ok(Some(Body {
        required: rb.get("required").and_then(Value::as_bool).unwrap_or(false),
        media_type: mt.clone(),
        schema,
    }))
}

fn responses(docs: &Docs, op_at: &At, op: &Value) -> Result<Vec<Response>, Error> {
    let mut out = Vec::new();
    let Some(Value::Object(rs)) = op.get("responses") else {
        return Ok(out);
    };
    for (status, r) in rs {
        if status.starts_with("x-") {
            continue;
        }
        let at = op_at.child("responses").child(status);
        let (at, r) = docs
            .deref_from(at.clone(), r)
            .map_err(|e| located(docs, &at, e))?;
        let (media_type, schema) = match r.get("content") {
            Some(Value::Object(content)) => match preferred_media_type(content) {
                Some(mt) => (
                    Some(mt.clone()),
                    content
                        .get(mt)
                        .and_then(|m| m.get("schema"))
                        .map(|_| at.child("content").child(mt).child("schema")),
                ),
                None => (None, None),
            },
            _ => (None, None),
        };
        out.push(Response {
            status: status.clone(),
            media_type,
            schema,
        });
    }
    Ok(out)
}
