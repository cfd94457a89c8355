//! The document's schemas as `jsonschema` validators. Every file of the document is a resource of
//! one registry, under a URI made of its path (`https://intact.invalid/openapi/acme.yaml`), and a
//! schema is validated through `{"$ref": "<file URI>#<pointer>"}`, so its own `$ref`s (local, or
//! to another file of the document) resolve as they are written. Validators are compiled once
//! per schema, when first needed.
//!
//! OpenAPI is not quite JSON Schema, so the registry holds a translated copy of each file:
//!
//! - 3.0 documents are read as draft 4 (their `exclusiveMinimum` is a boolean), and
//!   `nullable: true` adds `null`: to `type` (`["string", "null"]`) and to an `enum`, or, on a
//!   schema without `type` (`allOf`, `$ref`), as `anyOf: [{type: null}, …]`. 3.1 and later are
//!   draft 2020-12, where `null` is a type.
//! - A property marked `readOnly: true` is not required in a request, and one marked
//!   `writeOnly: true` not in a response ("required … will take effect on the response only",
//!   OpenAPI 3.0): requests and responses each have their copy.
//! - `format` is not asserted: OpenAPI's formats (`int32`, `byte`) are not JSON Schema's, and
//!   vendors' values stretch `email` and `uri`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use intact_jsonref::normalize;
use intact_openapi::{At, Described, Version};
use jsonschema::{Draft, Validator};
use percent_encoding::{AsciiSet, utf8_percent_encode};
use serde_json::{Value as J, json};

/// Which side of the exchange a copy is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Side {
    Request,
    Response,
}

/// One side's registry and the validators compiled from it.
pub(super) struct View {
    registry: jsonschema::Registry<'static>,
    draft: Draft,
    uris: Vec<String>,
    /// `None` for a schema that does not compile (a `pattern` the regex engine refuses): it is
    /// not checked rather than failing every request.
    validators: Mutex<HashMap<At, Option<Arc<Validator>>>>,
}

/// Characters a URI path segment or fragment keeps; everything else is percent-encoded.
const KEPT: &AsciiSet = intact_model::serialize::UNRESERVED;

/// The URI a file of the document is registered under.
fn uri_of(path: &Path) -> String {
    let segments: Vec<String> = normalize(path)
        .iter()
        .map(|s| utf8_percent_encode(&s.to_string_lossy(), KEPT).to_string())
        .collect();
    format!("https://intact.invalid/{}", segments.join("/"))
}

impl View {
    /// The registry of `side`'s copy of the document; `None` when it cannot be built.
    pub fn new(d: &Described, side: Side) -> Option<View> {
        let draft = match d.version {
            Version::V30 => Draft::Draft4,
            _ => Draft::Draft202012,
        };
        let mut builder = jsonschema::Registry::new().draft(draft);
        let mut uris = Vec::new();
        for f in &d.docs.files {
            let uri = uri_of(&f.path);
            let mut copy = f.value.clone();
            translate(&mut copy, d.version, side, 0);
            builder = builder.add(&uri, draft.create_resource(copy)).ok()?;
            uris.push(uri);
        }
        Some(View {
            registry: builder.prepare().ok()?,
            draft,
            uris,
            validators: Mutex::default(),
        })
    }

    /// The validator of the schema at `at`.
    pub fn validator(&self, at: &At) -> Option<Arc<Validator>> {
        if let Some(v) = lock(&self.validators).get(at) {
            return v.clone();
        }
        // Compiled outside the lock: two tests may compile the same schema, and both get one.
        let fragment = at
            .pointer
            .split('/')
            .map(|t| utf8_percent_encode(t, KEPT).to_string())
            .collect::<Vec<_>>()
            .join("/");
        let root = json!({"$ref": format!("{}#{fragment}", self.uris.get(at.file)?)});
        let v = jsonschema::options()
            .with_draft(self.draft)
            .with_registry(&self.registry)
            .should_validate_formats(false)
            .build(&root)
            .ok()
            .map(Arc::new);
        lock(&self.validators).insert(at.clone(), v.clone());
        v
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Deeper than this, a document is not translated further (serde_json refuses deeper texts).
const MAX_DEPTH: usize = 256;

/// The copy of a file that JSON Schema reads as OpenAPI means it (see the module comment). Every
/// object is visited: a `nullable` or `required` in example data changes nothing that is
/// validated.
fn translate(v: &mut J, version: Version, side: Side, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        J::Array(items) => {
            for x in items {
                translate(x, version, side, depth + 1);
            }
        }
        J::Object(m) => {
            for x in m.values_mut() {
                translate(x, version, side, depth + 1);
            }
            not_required_on(m, side);
            if version == Version::V30 && m.get("nullable") == Some(&J::Bool(true)) {
                m.remove("nullable");
                if let Some(t) = m.get_mut("type") {
                    match t {
                        J::String(s) => *t = json!([s.clone(), "null"]),
                        J::Array(ts) if !ts.contains(&json!("null")) => ts.push(json!("null")),
                        _ => {}
                    }
                    if let Some(J::Array(values)) = m.get_mut("enum")
                        && !values.contains(&J::Null)
                    {
                        values.push(J::Null);
                    }
                } else {
                    let rest = std::mem::take(m);
                    m.insert("anyOf".into(), json!([{"type": "null"}, J::Object(rest)]));
                }
            }
        }
        _ => {}
    }
}

/// Drops from `required` the properties this side does not carry: `readOnly` ones in a request,
/// `writeOnly` ones in a response.
fn not_required_on(m: &mut serde_json::Map<String, J>, side: Side) {
    let marker = match side {
        Side::Request => "readOnly",
        Side::Response => "writeOnly",
    };
    let Some(J::Object(props)) = m.get("properties") else {
        return;
    };
    let skipped: Vec<String> = props
        .iter()
        .filter(|(_, p)| p.get(marker) == Some(&J::Bool(true)))
        .map(|(k, _)| k.clone())
        .collect();
    if skipped.is_empty() {
        return;
    }
    if let Some(J::Array(required)) = m.get_mut("required") {
        required.retain(|r| !r.as_str().is_some_and(|r| skipped.iter().any(|s| s == r)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_adds_null_where_json_schema_looks_for_it() {
        let mut doc = json!({
            "a": {"type": "string", "nullable": true},
            "b": {"type": "string", "enum": ["x"], "nullable": true},
            "c": {"allOf": [{"$ref": "#/a"}], "nullable": true},
            "d": {"type": "string", "nullable": false},
        });
        translate(&mut doc, Version::V30, Side::Request, 0);
        assert_eq!(doc["a"], json!({"type": ["string", "null"]}));
        assert_eq!(
            doc["b"],
            json!({"type": ["string", "null"], "enum": ["x", null]})
        );
        assert_eq!(
            doc["c"],
            json!({"anyOf": [{"type": "null"}, {"allOf": [{"$ref": "#/a"}]}]})
        );
        assert_eq!(doc["d"], json!({"type": "string", "nullable": false}));
        // 3.1 has no `nullable`: it is left as any unknown keyword.
        let mut doc = json!({"type": "string", "nullable": true});
        translate(&mut doc, Version::V31, Side::Request, 0);
        assert_eq!(doc, json!({"type": "string", "nullable": true}));
    }

    #[test]
    fn read_only_properties_are_required_in_responses_only() {
        let schema = json!({
            "required": ["id", "name", "password"],
            "properties": {
                "id": {"type": "string", "readOnly": true},
                "name": {"type": "string"},
                "password": {"type": "string", "writeOnly": true}
            }
        });
        let mut request = schema.clone();
        translate(&mut request, Version::V30, Side::Request, 0);
        assert_eq!(request["required"], json!(["name", "password"]));
        let mut response = schema;
        translate(&mut response, Version::V31, Side::Response, 0);
        assert_eq!(response["required"], json!(["id", "name"]));
    }

    #[test]
    fn file_uris_are_valid_whatever_the_path() {
        assert_eq!(
            uri_of(Path::new("openapi/./my api/{v}.yaml")),
            "https://intact.invalid/openapi/my%20api/%7Bv%7D.yaml"
        );
    }
}
