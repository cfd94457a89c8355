//! Path items and their operations: parameters, bodies, responses (schemas by pointer).

use crate::model::{Body, Location, METHODS, Operation, Param, Response};
use serde::Deserialize;
use serde_json::Value;

use super::*;

/// How a path item is read.
#[derive(Clone, Copy)]
pub(super) enum Reading {
    /// Fields with their types checked and parameters through the typed crate; anything they
    /// refuse makes the whole path item be read again leniently.
    Strict(Version),
    /// What can be read is read; what cannot is skipped (after the typed crate refused it).
    Lenient,
}

/// An operation's own fields.
pub(super) struct Fields {
    id: Option<String>,
    summary: Option<String>,
    description: Option<String>,
    tag: Option<String>,
    deprecated: bool,
}

/// Why a strict reading did not give operations: the crate refused a part (read it leniently),
/// or a reference is broken (an error for the user).
pub(super) enum Failed {
    Refused(String),
    Broken(Error),
}
pub(super) use Failed::{Broken, Refused};

/// Parameters read through a `$ref`, by where the reference led.
pub(super) type SharedParams = std::collections::HashMap<At, Param>;

/// The operations of a path item. Schemas are never deserialised: bodies and responses keep
/// pointers to them (see the module comment).
pub(super) fn path_item(
    docs: &Docs,
    reading: Reading,
    path: &str,
    at: &At,
    item: &Value,
    shared: &mut SharedParams,
    notes: &mut Vec<String>,
) -> Result<Vec<Operation>, Failed> {
    let strict = matches!(reading, Reading::Strict(_));
    let mut out = Vec::new();
    for method in METHODS {
        let Some(op_value) = item.get(*method) else {
            continue;
        };
        // Split documents write each operation in a file of its own (`get: {$ref:
        // ./ops/getUser.yaml}`): read in place, the `$ref` object is an operation with no
        // parameters and no responses, an empty flow that looks imported. Every `$ref` resolves
        // (`Docs::load` checked them), so only a loop of references or a target that is no
        // object is left out, and said.
        let (op_at, op_value) = match docs.deref_from(at.child(method), op_value) {
            Ok(found) => found,
            Err(e) => {
                note(
                    notes,
                    format!(
                        "{}: the operation is not imported: {}",
                        docs.describe(&at.child(method)),
                        e.message
                    ),
                );
                continue;
            }
        };
        let Some(op) = op_value.as_object() else {
            if strict {
                return Err(Refused(format!("{method}: an operation must be an object")));
            }
            note(
                notes,
                format!(
                    "{}: the operation is not imported: it is not an object",
                    docs.describe(&op_at)
                ),
            );
            continue;
        };
        let fields = fields(method, op, strict)?;
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
pub(super) fn fields(
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
pub(super) fn parameter(
    docs: &Docs,
    reading: Reading,
    at: &At,
    p: &Value,
) -> Result<Option<Param>, Failed> {
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
    // "If in is header and the name is Accept, Content-Type or Authorization, the parameter
    // definition SHALL be ignored" (OpenAPI 3.0 and 3.1, Parameter Object): content
    // negotiation and the security scheme decide those headers.
    if location == Location::Header
        && ["accept", "content-type", "authorization"]
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h))
    {
        return Ok(None);
    }
    let (ty, default, single) = param_schema(docs, at, p);
    Ok(Some(Param {
        required: required || location == Location::Path,
        name,
        location,
        ty,
        description,
        default,
        single,
        at: at.clone(),
    }))
}

/// A note once: a path item read strictly, refused and read again leniently meets it twice.
fn note(notes: &mut Vec<String>, text: String) {
    if !notes.contains(&text) {
        notes.push(text);
    }
}

/// An operation's parameter replaces a path item's of the same name and location.
pub(super) fn push_param(params: &mut Vec<Param>, p: Param) {
    params.retain(|q| !(q.name == p.name && q.location == p.location));
    params.push(p);
}

/// intact's input type for a parameter, from its schema (or its first content type's), the
/// schema's scalar default, and the one scalar value it allows, if it allows only one.
pub(super) fn param_schema(
    docs: &Docs,
    at: &At,
    p: &Value,
) -> (&'static str, Option<Value>, Option<Value>) {
    let (schema_at, schema) = if let Some(s) = p.get("schema") {
        (at.child("schema"), s)
    } else if let Some(Value::Object(content)) = p.get("content") {
        match content
            .iter()
            .next()
            .and_then(|(mt, m)| Some((mt, m.get("schema")?)))
        {
            Some((mt, s)) => (at.child("content").child(mt).child("schema"), s),
            None => return ("any", None, None),
        }
    } else {
        return ("any", None, None);
    };
    let Ok((_, schema)) = docs.deref_from(schema_at, schema) else {
        return ("any", None, None);
    };
    let scalar = |d: &&Value| d.is_string() || d.is_number() || d.is_boolean();
    let default = schema.get("default").filter(scalar).cloned();
    let single = match (schema.get("const"), schema.get("enum")) {
        (Some(c), _) => Some(c).filter(scalar).cloned(),
        (None, Some(Value::Array(values))) => match values.as_slice() {
            [only] => Some(only).filter(scalar).cloned(),
            _ => None,
        },
        _ => None,
    };
    (schema_type(schema), default, single)
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

pub(super) fn body(docs: &Docs, op_at: &At, op: &Value) -> Result<Option<Body>, Error> {
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

pub(super) fn responses(docs: &Docs, op_at: &At, op: &Value) -> Result<Vec<Response>, Error> {
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;

    fn params(schemas: &[serde_json::Value]) -> Vec<Param> {
        let parameters: Vec<serde_json::Value> = schemas
            .iter()
            .enumerate()
            .map(|(i, s)| json!({"name": format!("p{i}"), "in": "query", "schema": s}))
            .collect();
        let doc = json!({
            "openapi": "3.1.0",
            "info": {"title": "T", "version": "1"},
            "paths": {"/x": {"get": {"parameters": parameters, "responses": {}}}}
        });
        let none =
            |_: &Path| -> std::io::Result<Vec<u8>> { Err(std::io::ErrorKind::NotFound.into()) };
        let d = crate::describe(Path::new("t.json"), doc.to_string().into_bytes(), &none).unwrap();
        d.api.operations[0].params.clone()
    }

    #[test]
    fn only_a_schema_that_allows_one_scalar_gives_a_single_value() {
        let p = params(&[
            json!({"type": "string", "enum": ["a"]}),
            json!({"type": "string", "const": "b"}),
            json!({"type": "string", "enum": ["a", "b"], "default": "a"}),
            json!({"type": "object", "enum": [{"k": 1}]}),
            json!({"type": "integer", "default": 3}),
        ]);
        let single: Vec<Option<serde_json::Value>> = p.iter().map(|p| p.single.clone()).collect();
        assert_eq!(
            single,
            [Some(json!("a")), Some(json!("b")), None, None, None]
        );
        assert_eq!(p[2].default, Some(json!("a")));
        assert_eq!(p[4].default, Some(json!(3)));
    }
}
