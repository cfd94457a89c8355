//! One reading of a reference (`intact-jsonref`, decision 0011) wherever one is followed: the same
//! tricky references resolve to the same place, or fail with the same error, through the OpenAPI
//! reader (`intact_openapi::Docs`), the JSON Schema conversion (`intact_expr::SchemaConverter`)
//! and the checker's `schema=`; an error names the reference.

use std::collections::BTreeMap;
use std::path::Path;

use intact_check::{Diagnostic, check};
use intact_model::{Analysis, FileInput};
use intact_openapi::refs::File;
use intact_openapi::{Docs, Error};
use serde_json::{Value, json};

/// Each schema has one field of its own, so the type a reference reaches tells which it is.
fn marked(field: &str) -> Value {
    json!({"type": "object", "additionalProperties": false, "required": [field], "properties": {field: {"type": "string"}}})
}

fn root() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": {
            "a/b": marked("slash"),
            "{id}": marked("brace"),
            "100%": marked("percent"),
            "~x": marked("tilde"),
            "a%zz": marked("lenient"),
            "via_other": {"$ref": "docs/other.yaml#/x"}
        }}
    })
}

const OTHER: &str = "x:\n  type: object\n  additionalProperties: false\n  required: [other]\n  properties:\n    other:\n      type: string\n";

/// What a reference written in the root document reaches: the value there, or the error.
enum Reached<'a> {
    Value(&'a Value),
    Error(String),
}

/// The tricky references: (reference, the field of the schema it reaches, or None for an error).
const CASES: &[(&str, Option<&str>)] = &[
    ("#/components/schemas/a~1b", Some("slash")),
    ("#/components/schemas/%7Bid%7D", Some("brace")),
    ("#/components/schemas/100%25", Some("percent")),
    ("#/components/schemas/~0x", Some("tilde")),
    // `%` without two hex digits after it stays as written.
    ("#/components/schemas/a%zz", Some("lenient")),
    ("docs/other.yaml#/x", Some("other")),
    ("./docs/../docs/other.yaml#/x", Some("other")),
    ("#/components/schemas/a%FF", None),
    ("#components", None),
    ("#/components/schemas/a~2b", None),
    ("#/components/schemas/missing", None),
    ("docs/missing.yaml#/x", None),
    ("", None),
];

/// The root document, with one more schema when `extra` is given, and the files it names.
fn load(extra: Option<(&str, Value)>) -> Result<Docs, Error> {
    let mut value = root();
    if let Some((name, schema)) = extra {
        value["components"]["schemas"][name] = schema;
    }
    let read = |p: &Path| {
        if p == Path::new("d/docs/other.yaml") {
            Ok(OTHER.as_bytes().to_vec())
        } else {
            Err(std::io::ErrorKind::NotFound.into())
        }
    };
    Docs::load(
        File {
            path: "d/api.yaml".into(),
            bytes: Vec::new(),
            value,
        },
        &read,
    )
}

#[test]
fn the_openapi_reader_and_the_schema_conversion_resolve_alike() {
    let docs = load(None).unwrap();
    assert_eq!(docs.files.len(), 2);
    // The schema conversion's documents, named as the checker names them.
    let named: BTreeMap<String, Value> = docs
        .files
        .iter()
        .map(|f| (f.path.to_string_lossy().into_owned(), f.value.clone()))
        .collect();
    let converter = intact_expr::SchemaConverter::new(&named);
    for (reference, field) in CASES {
        let by_openapi = match docs.resolve(0, reference) {
            Ok(at) => Reached::Value(docs.get(&at).unwrap()),
            Err(e) => Reached::Error(e.message),
        };
        let by_expr = match converter.resolve("d/api.yaml", reference) {
            Ok((_, v)) => Reached::Value(v),
            Err(e) => {
                assert_eq!(e.reference, *reference);
                Reached::Error(e.to_string())
            }
        };
        match (by_openapi, by_expr, field) {
            (Reached::Value(a), Reached::Value(b), Some(field)) => {
                assert_eq!(a, b, "{reference}");
                assert!(a["properties"].get(field).is_some(), "{reference}: {a}");
            }
            (Reached::Error(a), Reached::Error(b), None) => assert_eq!(a, b, "{reference}"),
            (a, b, _) => panic!(
                "{reference}: the OpenAPI reader reached {}, the schema conversion {}",
                describe(&a),
                describe(&b)
            ),
        }
    }
}

fn describe(r: &Reached) -> String {
    match r {
        Reached::Value(v) => v.to_string(),
        Reached::Error(e) => format!("the error {e}"),
    }
}

/// A broken `$ref` in a document is an error that names it and where it stands.
#[test]
fn a_broken_reference_is_named() {
    for (reference, field) in CASES {
        if field.is_some() {
            continue;
        }
        let e = load(Some(("broken", json!({"$ref": reference})))).unwrap_err();
        assert!(
            e.message.contains(&format!("`$ref: {reference}`"))
                && e.message.contains("d/api.yaml#/components/schemas/broken"),
            "{}",
            e.message
        );
    }
}

/// The checker's `schema=` reads the same references the same way: those that reach a schema
/// type the flow's input with it (its field is known), the others are `name::unresolved`, named.
#[test]
fn schema_references_in_kdl_read_alike() {
    let mut kdl = String::from("project \"p\" {\n    display-name \"P\"\n}\n");
    let mut cases: Vec<(String, Option<&str>)> = CASES
        .iter()
        .filter(|(r, _)| r.is_empty() || r.starts_with('#'))
        .map(|(r, f)| (r.to_string(), *f))
        .collect();
    // Another file is reached from the document's own `$ref`s (`schema=` names entry documents).
    cases.push(("#/components/schemas/via_other".into(), Some("other")));
    for (i, (reference, field)) in cases.iter().enumerate() {
        let read = field.unwrap_or("anything");
        kdl.push_str(&format!(
            "flow \"f{i}\" {{\n    input \"v\" schema=\"{reference}\" required=#true\n    return \"${{input.v.{read}}}\"\n}}\n"
        ));
    }
    // And a field the reached schema lacks is found, so a clean flow above means its schema.
    kdl.push_str("flow \"wrong\" {\n    input \"v\" schema=\"#/components/schemas/a~1b\" required=#true\n    return \"${input.v.brace}\"\n}\n");
    let a = Analysis::new(vec![
        FileInput::new("intact.kdl", kdl.as_str()),
        FileInput::new("openapi/acme.yaml", root().to_string()),
        FileInput::new("openapi/docs/other.yaml", OTHER),
    ]);
    let findings = check(&a);
    let at_flow = |i: usize| -> Vec<&Diagnostic> {
        let name = format!("flow \"f{i}\"");
        let start = kdl.find(&name).unwrap();
        let end = kdl[start + 1..]
            .find("flow \"")
            .map_or(kdl.len(), |e| start + 1 + e);
        findings
            .iter()
            .filter(|d| {
                a.file(d.loc.file).path() == Path::new("intact.kdl")
                    && (start..end).contains(&(d.loc.span.start as usize))
            })
            .collect()
    };
    let shown = |ds: &[&Diagnostic]| {
        ds.iter()
            .map(|d| format!("{}: {}", d.code.as_str(), d.message))
            .collect::<Vec<_>>()
    };
    for (i, (reference, field)) in cases.iter().enumerate() {
        let here = at_flow(i);
        match field {
            Some(_) => assert!(here.is_empty(), "{reference}: {:?}", shown(&here)),
            None => assert!(
                here.len() == 1
                    && here[0].code.as_str() == "name::unresolved"
                    && here[0]
                        .message
                        .contains(&format!("no schema at `{reference}`")),
                "{reference}: {:?}",
                shown(&here)
            ),
        }
    }
    assert!(
        findings
            .iter()
            .any(|d| d.code.as_str() == "expr::unknown-field" && d.message.contains("brace")),
        "{:?}",
        shown(&findings.iter().collect::<Vec<_>>())
    );
}
