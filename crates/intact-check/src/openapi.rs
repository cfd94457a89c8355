//! Requests tied to an imported OpenAPI operation with `operation=`: `openapi::unknown-operation`,
//! `openapi::drift`, and documents under `openapi/` that cannot be read. The documents themselves
//! (their digests, the response and body types) are `intact_semantic::documents`'.

use intact_model::{Analysis, Carrier, ConnectionDef, Loc, Request, Step, StepKind, Tree};
use intact_openapi::model::Location;
use intact_semantic::documents::{Documents, OperationSummary};

use crate::registry::Rule;
use crate::{Diagnostic, suggest};

/// `openapi::unknown-operation` and `openapi::drift` for every request with `operation=`.
pub(crate) fn check(a: &Analysis, docs: &Documents, out: &mut Vec<Diagnostic>) {
    let m = &a.model;
    // Each owner's steps with the connection its requests go through unless they name another.
    let owners = m
        .actions
        .iter()
        .map(|x| {
            (
                &x.steps,
                m.connection(x.connection.as_ref().map(|c| c.name.as_str())),
            )
        })
        .chain(m.flows.iter().map(|f| {
            (
                &f.steps,
                m.connection(f.connection.as_ref().map(|c| c.name.as_str())),
            )
        }))
        .chain(
            m.connections
                .iter()
                .filter_map(|c| Some((c.ping.as_ref()?, Some(&**c)))),
        );
    for (file, e) in &docs.broken {
        let code = match e.is_unsupported_version() {
            true => Rule::OpenapiUnsupportedVersion,
            false => Rule::OpenapiInvalidDocument,
        };
        let mut d = Diagnostic::new(
            code,
            Loc::new(*file, intact_syntax::Span::empty(0)),
            e.message.clone(),
        )
        .label("this document");
        if let Some(h) = &e.help {
            d = d.help(h.clone());
        }
        out.push(d);
    }
    for (steps, owner_connection) in owners {
        intact_model::walk_steps(steps, &mut |s| {
            let StepKind::Request(req) = &s.kind else {
                return;
            };
            let connection = match &req.connection {
                Some(named) => m.connection(Some(&named.name)),
                None => owner_connection,
            };
            let Some((id, loc)) = &req.operation else {
                return;
            };
            if docs.is_empty() {
                out.push(
                    Diagnostic::new(
                        Rule::OpenapiUnknownOperation,
                        *loc,
                        format!("no operation `{id}`: the project has no OpenAPI document under openapi/"),
                    )
                    .label("no document to find it in")
                    .help("run `intact import openapi SPEC` to copy the document into openapi/, or remove `operation=`"),
                );
                return;
            }
            match docs.operation(id) {
                Some(op) => drift(s, req, op, connection, out),
                None => {
                    let hint = suggest(id, docs.ids());
                    let mut d = Diagnostic::new(
                        Rule::OpenapiUnknownOperation,
                        *loc,
                        format!("no operation `{id}` in the OpenAPI document"),
                    )
                    .label("unknown operation");
                    d = match hint {
                        Some(h) => d
                            .help(format!("did you mean `{h}`?"))
                            .fix(format!("use `{h}`"), *loc, intact_syntax::quote(h)),
                        None => d.help("re-import the document if the vendor renamed it, or remove `operation=`"),
                    };
                    if let Some((file, _)) = docs.broken.first() {
                        d = d.related(
                            *loc,
                            format!(
                                "{} cannot be read; the operation may be there",
                                a.file(*file).path().display()
                            ),
                        );
                    }
                    out.push(d);
                }
            }
        });
    }
}

/// The path with each `${…}` and each `{param}` as `{}`.
fn shape(path: &str, template: bool) -> String {
    let mut out = String::new();
    let mut rest = path;
    let open = if template { "${" } else { "{" };
    while let Some(i) = rest.find(open) {
        out.push_str(&rest[..i]);
        let after = &rest[i + open.len()..];
        match after.find('}') {
            Some(j) => {
                out.push_str("{}");
                rest = &after[j + 1..];
            }
            None => {
                rest = after;
                break;
            }
        }
    }
    out.push_str(rest);
    // The query is not part of the operation's path.
    match out.find('?') {
        Some(q) => out[..q].to_string(),
        None => out,
    }
}

fn literal(t: &Tree) -> Option<(String, Loc)> {
    match t {
        Tree::Template(t) if !intact_model::template::has_expressions(&t.text) => {
            Some((t.text.clone(), t.loc))
        }
        Tree::Scalar(intact_syntax::Value::String(s), loc) => Some((s.to_string(), *loc)),
        _ => None,
    }
}

fn drift(
    s: &Step,
    req: &Request,
    op: &OperationSummary,
    connection: Option<&ConnectionDef>,
    out: &mut Vec<Diagnostic>,
) {
    let id = op.id.as_deref().unwrap_or("");
    let declared = format!("{} {}", op.method, op.path);
    if let Some((method, loc)) = s.exec.args.first().and_then(literal)
        && !method.eq_ignore_ascii_case(&op.method)
    {
        out.push(
            Diagnostic::new(
                Rule::OpenapiDrift,
                loc,
                format!(
                    "operation `{id}` is {declared}, not {}",
                    method.to_uppercase()
                ),
            )
            .label("method differs")
            .help(format!(
                "use \"{}\", or re-import the document if the API changed",
                op.method
            ))
            .fix(
                format!("use {}", op.method),
                loc,
                intact_syntax::quote(&op.method),
            ),
        );
    }
    if let Some(path) = &req.path
        && shape(&path.text, true) != shape(&op.path, false)
    {
        out.push(
            Diagnostic::new(
                Rule::OpenapiDrift,
                path.loc,
                format!("operation `{id}` is {declared}; this path does not match it"),
            )
            .label("path differs")
            .help(format!(
                "write the path as {} with a `${{…}}` for each `{{param}}`",
                op.path
            )),
        );
    }
    let sent_query = |name: &str| {
        s.exec
            .query
            .iter()
            .any(|q| q.name.eq_ignore_ascii_case(name))
    };
    let sent_header = |name: &str| {
        s.exec
            .headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case(name))
    };
    // What the connection sends goes with every request through it: its headers (an imported
    // `X-Api-Version` every operation needs is written there once) and its auth's credential.
    let credential = |carrier: Carrier, name: &str| {
        connection
            .and_then(|c| c.auth.as_ref())
            .is_some_and(|auth| {
                auth.credentials
                    .iter()
                    .any(|(k, n, _)| *k == carrier && n.eq_ignore_ascii_case(name))
            })
    };
    let by_connection = |name: &str| {
        connection.is_some_and(|c| c.headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(name)))
            || credential(Carrier::Header, name)
    };
    let missing_query = op
        .required_query
        .iter()
        .filter(|p| !sent_query(p) && !credential(Carrier::Query, p))
        .map(|p| (Location::Query, p));
    let missing_headers = op
        .required_headers
        .iter()
        // An Authorization parameter is never among them: the reader leaves it out.
        .filter(|p| !sent_header(p) && !by_connection(p))
        .map(|p| (Location::Header, p));
    for (location, name) in missing_query.chain(missing_headers) {
        let kind = location.as_str();
        out.push(
            Diagnostic::new(
                Rule::OpenapiDrift,
                s.keyword,
                format!("operation `{id}` requires the {kind} parameter `{name}`, which this request does not send"),
            )
            .label(format!("no {kind} `{name}`"))
            .help(format!("add `{kind} \"{name}\" \"${{…}}\"` to the request")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_compare_by_shape() {
        assert_eq!(shape("/users/${input.id}/roles", true), "/users/{}/roles");
        assert_eq!(shape("/users/{userId}/roles", false), "/users/{}/roles");
        assert_eq!(shape("/users?limit=${input.n}", true), "/users");
        assert_eq!(shape("/a/${x", true), "/a/x");
    }
}
