//! Choosing what to import: the security schemes that become connections, the operations that
//! become flows, and the operation the auth ping calls.

use intact_openapi::model::{Api, Grant, Scheme, SchemeKind, method_rank};
use intact_openapi::refs::Docs;
use intact_openapi::{Error, Operation};

use super::params;
use crate::Options;

fn supported(scheme: &Scheme) -> Result<(), String> {
    if scheme.aws_sigv4 {
        return Err("it is AWS Signature Version 4 (`x-amazon-apigateway-authtype: awsSigv4`): every request is signed with a secret key, and intact cannot sign requests, so no fixed API-key header would authenticate".into());
    }
    match &scheme.kind {
        SchemeKind::Basic | SchemeKind::Bearer | SchemeKind::ApiKey { .. } => Ok(()),
        SchemeKind::OAuth2(flows) => {
            if flows
                .iter()
                .any(|f| matches!(f.grant, Grant::AuthorizationCode | Grant::ClientCredentials))
            {
                Ok(())
            } else {
                Err("its only OAuth 2.0 flows are implicit or password, which hand tokens to a browser or take a user's password; intact uses authorization code or client credentials: ask the vendor for one of those and write `auth \"oauth2\"` by hand".into())
            }
        }
        SchemeKind::OpenIdConnect(url) => Err(format!(
            "OpenID Connect discovery ({url}) is not read; look up its authorization and token endpoints and write `auth \"oauth2\"` with them"
        )),
        SchemeKind::MutualTls => {
            Err("mutual TLS client certificates are not supported by intact's connections".into())
        }
        SchemeKind::Http(s) => Err(format!(
            "the HTTP `{s}` scheme has no intact auth form; `auth \"custom\"` with a header may fit"
        )),
    }
}

/// Whether an API key scheme's description says requests are signed (an HMAC of each request,
/// not a key sent as it is): a guess from words, so `--scheme NAME` still generates it.
fn described_as_signing(scheme: &Scheme) -> Option<&'static str> {
    if !matches!(scheme.kind, SchemeKind::ApiKey { .. }) {
        return None;
    }
    let text = scheme.description.as_deref()?.to_ascii_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().enumerate().find_map(|(i, w)| match *w {
        "hmac" => Some("HMAC"),
        "signature" | "signatures" => Some("signature"),
        "sigv4" => Some("SigV4"),
        // "after signing up", "signing in" are about accounts.
        "signing" if !matches!(words.get(i + 1), Some(&"up" | &"in")) => Some("signing"),
        _ => None,
    })
}

fn signing_warning(scheme: &Scheme, word: &str) -> String {
    format!(
        "security scheme `{}`: its description speaks of request signing ({word}); intact sends the API key as it is and cannot sign requests, so this connection may not authenticate",
        scheme.name
    )
}

pub(super) fn schemes<'a>(
    api: &'a Api,
    opts: &Options,
    warnings: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Result<Vec<&'a Scheme>, Error> {
    if api.schemes.is_empty() {
        warnings.push("the document declares no security schemes; the connection has no `auth`: add one (see `intact explain auth::missing-field` for the forms)".into());
        return Ok(Vec::new());
    }
    if !opts.schemes.is_empty() {
        let mut out = Vec::new();
        for wanted in &opts.schemes {
            let Some(s) = api.schemes.iter().find(|s| &s.name == wanted) else {
                return Err(Error::new(format!(
                    "--scheme {wanted}: the document has no such security scheme"
                ))
                .help(format!(
                    "its schemes are: {}",
                    api.schemes
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            };
            if let Err(why) = supported(s) {
                return Err(Error::new(format!(
                    "--scheme {wanted} cannot be generated: {why}"
                )));
            }
            if let Some(word) = described_as_signing(s) {
                warnings.push(signing_warning(s, word));
            }
            if !out.iter().any(|o: &&Scheme| o.name == s.name) {
                out.push(s);
            }
        }
        return Ok(out);
    }
    let mut first = None;
    let usable = |s: &Scheme| supported(s).is_ok() && described_as_signing(s).is_none();
    for s in &api.schemes {
        match (supported(s), described_as_signing(s)) {
            (Err(why), _) => warnings.push(format!(
                "security scheme `{}` is not generated: {why}",
                s.name
            )),
            (Ok(()), Some(word)) => warnings.push(format!(
                "security scheme `{}` is not generated: its description speaks of request signing ({word}), and intact cannot sign requests, so a fixed API-key header would not authenticate; import again with --scheme {} to send the key as it is anyway",
                s.name, s.name
            )),
            (Ok(()), None) if first.is_none() => first = Some(s),
            (Ok(()), None) => {}
        }
    }
    let Some(first) = first else {
        warnings.push("no security scheme of the document can be generated; the connection has no `auth`: add one".into());
        return Ok(Vec::new());
    };
    let rest: Vec<&str> = api
        .schemes
        .iter()
        .filter(|s| s.name != first.name && usable(s))
        .map(|s| s.name.as_str())
        .collect();
    if !rest.is_empty() {
        notes.push(format!(
            "auth from security scheme `{}`; the document also offers {}: import again with --scheme NAME (repeatable) for a connection per scheme",
            first.name,
            rest.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(vec![first])
}

pub(super) fn operations<'a>(api: &'a Api, opts: &Options) -> Result<Vec<&'a Operation>, Error> {
    if !opts.operations.is_empty() {
        let mut out = Vec::new();
        for id in &opts.operations {
            out.push(operation(api, "--operations", id)?);
        }
        out.sort_by(|a, b| {
            (&a.path, method_rank(&a.method)).cmp(&(&b.path, method_rank(&b.method)))
        });
        out.dedup_by(|a, b| a.at == b.at);
        return Ok(out);
    }
    if !opts.tags.is_empty() {
        for t in &opts.tags {
            if !api
                .operations
                .iter()
                .any(|o| o.tag.as_deref() == Some(t.as_str()))
            {
                let mut tags: Vec<&str> = api
                    .operations
                    .iter()
                    .filter_map(|o| o.tag.as_deref())
                    .collect();
                tags.sort();
                tags.dedup();
                return Err(
                    Error::new(format!("--tag {t}: no operation has that tag first")).help(
                        match closest(t, &tags) {
                            Some(c) => format!("did you mean `{c}`?"),
                            None => format!("the tags are: {}", tags.join(", ")),
                        },
                    ),
                );
            }
        }
        return Ok(api
            .operations
            .iter()
            .filter(|o| o.tag.as_ref().is_some_and(|t| opts.tags.contains(t)))
            .collect());
    }
    Ok(api.operations.iter().collect())
}

fn closest<'a>(wanted: &str, among: &[&'a str]) -> Option<&'a str> {
    let lower = wanted.to_ascii_lowercase();
    among
        .iter()
        .copied()
        .find(|c| c.to_ascii_lowercase() == lower)
        .or_else(|| {
            among.iter().copied().find(|c| {
                let c = c.to_ascii_lowercase();
                c.contains(&lower) || lower.contains(&c)
            })
        })
}

/// The auth ping: `--ping`, else the best GET that can be sent as it stands
/// ([`params::ping_ready`]), given the headers the connection sends.
pub(super) fn ping<'a>(
    docs: &Docs,
    api: &'a Api,
    opts: &Options,
    scheme: Option<&Scheme>,
    headers: &[(String, String)],
) -> Result<Option<&'a Operation>, Error> {
    let sent = params::Sent::new(headers, scheme);
    let ready = |op: &Operation| op.method == "GET" && params::ping_ready(op, sent);
    if let Some(id) = &opts.ping {
        let op = operation(api, "--ping", id)?;
        if !ready(op) {
            return Err(Error::new(format!(
                "--ping {id} is {} {}: a ping must be a GET whose required parameters all have a value without a caller (a default, a single allowed value, or a header the connection sends)",
                op.method, op.path
            ))
            .help("choose an operation that reads something small, such as the current user"));
        }
        return Ok(Some(op));
    }
    const PREFERRED: &[&str] = &["/me", "/users/me", "/user", "/account", "/users/@me"];
    let needs_auth = |op: &Operation| -> bool {
        let sec = op.effective_security(api);
        !sec.is_empty()
            && sec.iter().all(|r| !r.is_empty())
            && scheme.is_none_or(|s| sec.iter().any(|r| r.iter().any(|(n, _)| *n == s.name)))
    };
    let best = api
        .operations
        .iter()
        .filter(|o| ready(o) && !o.deprecated)
        .min_by_key(|o| {
            // `/api/v1/users/me` is `/users/me`; `/api/v1/meta/types/user` is not `/user`.
            let lower = params::split_query(&o.path)
                .0
                .trim_end_matches('/')
                .to_ascii_lowercase();
            let segments: Vec<&str> = lower.split('/').filter(|s| !s.is_empty()).collect();
            let skip = segments
                .iter()
                .take_while(|s| {
                    **s == "api"
                        || (s.starts_with('v')
                            && s[1..].chars().all(|c| c.is_ascii_digit() || c == '.'))
                        || s.chars().all(|c| c.is_ascii_digit() || c == '.')
                })
                .count();
            let p = format!("/{}", segments[skip..].join("/"));
            let preferred = PREFERRED
                .iter()
                .position(|s| p == *s)
                .unwrap_or(PREFERRED.len());
            let list = o
                .success()
                .and_then(|r| r.schema.as_ref())
                .and_then(|at| docs.deref(at).ok())
                .is_some_and(|(_, schema)| intact_openapi::lower::schema_type(schema) == "array")
                || p.rsplit('/').next().is_some_and(|last| last.ends_with('s'));
            (
                !needs_auth(o),
                preferred,
                !list,
                o.path.len(),
                o.path.clone(),
            )
        });
    Ok(best)
}

/// The operation with operationId `id`, which `option` names; else an error that suggests the
/// closest one.
fn operation<'a>(api: &'a Api, option: &str, id: &str) -> Result<&'a Operation, Error> {
    if let Some(op) = api.operations.iter().find(|o| o.id.as_deref() == Some(id)) {
        return Ok(op);
    }
    let ids: Vec<&str> = api
        .operations
        .iter()
        .filter_map(|o| o.id.as_deref())
        .collect();
    Err(Error::new(format!(
        "{option} {id}: the document has no operation with that operationId"
    ))
    .help(match closest(id, &ids) {
        Some(c) => format!("did you mean `{c}`?"),
        None => "operationIds are case-sensitive".into(),
    }))
}
