//! From the document's values to the [`Api`] model, by version (decision 0005).
//!
//! Each part the generator uses (servers, each security scheme, each path item) is deserialized
//! with the version's typed crate, from the `serde_json::Value` in place (no clone, no schema in
//! `components` ever deserialized). The typed crate decides what the part means; schemas are left
//! where they are and named by pointer. A part the typed crate refuses is read leniently from the
//! value instead, with a note naming the place and the crate's complaint, so that one odd
//! operation does not cost the whole import.
//!
//! `servers.rs`, `schemes.rs` and `operations.rs` read those parts; this file puts them together.

mod operations;
mod schemes;
mod servers;

use operations::*;
pub use operations::{preferred_media_type, schema_type};
use schemes::*;
use servers::*;

use serde_json::Value;

use crate::Error;
use crate::model::{Api, Operation, Requirement, Scheme, method_rank};
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
                    aws_sigv4: value
                        .get("x-amazon-apigateway-authtype")
                        .and_then(Value::as_str)
                        .is_some_and(|t| t.eq_ignore_ascii_case("awsSigv4")),
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
            let notes = &mut api.notes;
            let ops = match path_item(docs, strict, path, &item_at, item, &mut shared, notes) {
                Ok(ops) => ops,
                Err(Refused(e)) => {
                    notes.push(format!(
                        "{}: {} could not read this path item ({e}); read leniently",
                        docs.describe(&item_at),
                        crate_name(version)
                    ));
                    let lenient = Reading::Lenient;
                    match path_item(docs, lenient, path, &item_at, item, &mut shared, notes) {
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
