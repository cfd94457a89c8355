//! The values a run hands expressions besides inputs and outputs: what a request step gives
//! `steps.NAME`, and what a `catch` block reads as `error`. The executor builds them with
//! [`response`] and [`error`]; the semantic pass types them with [`response_type`] and
//! [`error_type`]; both come from the one list of fields here, so that the checker never accepts a
//! field the run does not give (a test holds the two together).

use intact_expr::{Field, Type};
use serde_json::{Map, Value as J, json};

/// A field's type, given the type of the response body.
type FieldType = fn(Type) -> Type;

/// A request step's result: (name, type, what it holds). `body` is typed by the caller (an
/// `operation=` request's response schema), unknown otherwise.
const RESPONSE: &[(&str, FieldType, &str)] = &[
    (
        "status",
        |_| Type::Int,
        "The HTTP status code of the response.",
    ),
    (
        "headers",
        |_| Type::Map(Box::new(Type::String)),
        "The response headers, by lower-case name.",
    ),
    (
        "body",
        |body| body,
        "The response body: parsed JSON, or the text.",
    ),
];

/// A failure as `catch` reads it. Every field is there, null when it does not apply (`status` of
/// a failure that is not an HTTP response).
const ERROR: &[(&str, Type, &str)] = &[
    (
        "message",
        Type::String,
        "What went wrong, as the run reports it.",
    ),
    (
        "status",
        Type::Int,
        "The HTTP status of the failed response, or null.",
    ),
    (
        "type",
        Type::String,
        "The provider's error type (`RESOURCE_NOT_FOUND`, `GENERIC_FAILURE`, …).",
    ),
    (
        "step",
        Type::String,
        "The name of the step that failed, or null.",
    ),
    ("body", Type::Dyn, "The failed response's body, or null."),
];

fn field(name: &str, ty: Type, doc: &str) -> Field {
    Field {
        name: name.into(),
        ty,
        required: true,
        description: Some(doc.into()),
        allowed: None,
    }
}

/// The type of `steps.NAME` of a request whose body has type `body`.
pub fn response_type(body: Type) -> Type {
    let fields = RESPONSE
        .iter()
        .map(|(name, ty, doc)| field(name, ty(body.clone()), doc))
        .collect();
    Type::object("response", fields, None)
}

/// The type of `error` in a `catch` block.
pub fn error_type() -> Type {
    let fields = ERROR
        .iter()
        .map(|(name, ty, doc)| field(name, ty.clone(), doc))
        .collect();
    Type::object("error", fields, None)
}

/// `steps.NAME` of a request that answered.
pub fn response(status: u16, headers: Map<String, J>, body: J) -> J {
    json!({ "status": status, "headers": J::Object(headers), "body": body })
}

/// `error` of a failure.
pub fn error(
    message: &str,
    status: Option<u16>,
    error_type: &str,
    step: Option<&str>,
    body: Option<&J>,
) -> J {
    json!({
        "message": message,
        "status": status,
        "type": error_type,
        "step": step,
        "body": body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(t: &Type) -> Vec<String> {
        let Type::Object(o) = t else { panic!("{t:?}") };
        let mut v: Vec<String> = o.fields.iter().map(|f| f.name.clone()).collect();
        v.sort();
        v
    }

    fn keys(v: &J) -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    }

    #[test]
    fn the_run_gives_exactly_the_fields_the_types_name() {
        assert_eq!(
            keys(&response(200, Map::new(), J::Null)),
            names(&response_type(Type::Dyn))
        );
        assert_eq!(
            keys(&error("m", None, "GENERIC_FAILURE", None, None)),
            names(&error_type())
        );
    }
}
