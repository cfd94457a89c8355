//! Text to a `serde_json::Value`, and which OpenAPI version the value claims to be.
//!
//! The version is read from the value, never from the first line: real documents put `openapi`
//! after `components` (Twilio) and `swagger` ninth (Slack), or open with a comment block (Okta).

use serde_json::Value;

use crate::Error;

/// The OpenAPI versions intact reads, each by its own typed crate (decision 0005).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    /// 3.0.x, read with `openapiv3`.
    V30,
    /// 3.1.x, read with `oas3`.
    V31,
    /// 3.2.x, read with `oas3` on a best-effort basis (a warning says so).
    V32,
}

pub const CONVERTER_HELP: &str = "convert it to OpenAPI 3 with swagger2openapi (npm: `npx swagger2openapi \
     in.yaml -o out.yaml`) or https://converter.swagger.io, then import the result";

/// Parses JSON or YAML. JSON is recognised by its first character so that a JSON error is reported
/// as a JSON error (with its line and column) rather than as a confusing YAML one.
pub fn parse(bytes: &[u8], file: &str) -> Result<Value, Error> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Error::new(format!(
            "{file} is not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ))
        .help("OpenAPI documents are UTF-8 JSON or YAML; re-save the file as UTF-8")
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| {
            Error::new(format!("{file} is not valid JSON: {e}"))
                .help("fix the JSON at that line and column, or check the file with `jq . FILE`")
        })
    } else {
        crate::yaml::read(text, crate::yaml::PIECES_FROM).map_err(|e| {
            let e = e.to_string();
            // serde-saphyr's messages carry a snippet of several lines; the first line names the
            // problem and its place, which is what a one-line error needs.
            let first = e.lines().next().unwrap_or("").trim();
            Error::new(format!("{file} is not valid YAML or JSON: {first}"))
                .help("fix the document at that place; `yamllint FILE` shows every problem")
        })
    }
}

/// The version the document claims, or `openapi::unsupported-version`.
pub fn version(doc: &Value, file: &str) -> Result<(Version, String), Error> {
    let unsupported = |message: String| {
        Error::new(message)
            .code(crate::UNSUPPORTED_VERSION)
            .help(CONVERTER_HELP)
    };
    let Some(obj) = doc.as_object() else {
        return Err(unsupported(format!(
            "{file} is not an OpenAPI document: its top level is not a mapping"
        ))
        .help("intact imports OpenAPI 3.0, 3.1 and 3.2 descriptions (JSON or YAML)"));
    };
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_string()),
        // `openapi: 3.0` unquoted in YAML is a number.
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match obj.get("openapi").and_then(text) {
        Some(v) => {
            let mut parts = v.split('.');
            let (major, minor) = (parts.next(), parts.next());
            match (major, minor) {
                (Some("3"), Some("0")) => Ok((Version::V30, v)),
                (Some("3"), Some("1")) => Ok((Version::V31, v)),
                (Some("3"), Some("2")) => Ok((Version::V32, v)),
                (Some("2"), _) | (Some("1"), _) => Err(unsupported(format!(
                    "{file} says `openapi: {v}`, which is the Swagger version numbering; intact imports OpenAPI 3.0, 3.1 and 3.2"
                ))),
                _ => Err(unsupported(format!(
                    "{file} is OpenAPI {v}; intact imports OpenAPI 3.0, 3.1 and 3.2"
                ))
                .help("check the `openapi` field; a newer major version is not supported yet")),
            }
        }
        None => match obj.get("swagger").and_then(text) {
            Some(v) => Err(unsupported(format!(
                "{file} is Swagger {v}; intact imports OpenAPI 3.0, 3.1 and 3.2"
            ))),
            None => Err(unsupported(format!(
                "{file} is not an OpenAPI document: it has no `openapi` field"
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(doc: Value) -> Result<Version, String> {
        version(&doc, "x.yaml")
            .map(|(v, _)| v)
            .map_err(|e| format!("{}|{}", e.code.unwrap_or(""), e.message))
    }

    #[test]
    fn versions() {
        assert_eq!(v(json!({"openapi": "3.0.3"})), Ok(Version::V30));
        assert_eq!(v(json!({"openapi": "3.0"})), Ok(Version::V30));
        assert_eq!(v(json!({"openapi": 3.0})), Ok(Version::V30));
        assert_eq!(v(json!({"openapi": "3.1.1"})), Ok(Version::V31));
        assert_eq!(v(json!({"openapi": "3.2.0"})), Ok(Version::V32));
        assert_eq!(v(json!({"openapi": " 3.1.0 "})), Ok(Version::V31));
    }

    #[test]
    fn refusals_name_the_code() {
        for doc in [
            json!({"swagger": "2.0"}),
            json!({"basePath": "/", "definitions": {}, "swagger": "2.0"}),
            json!({"openapi": "2.0"}),
            json!({"openapi": "4.0.0"}),
            json!({"info": {}}),
            json!([1, 2]),
            json!("text"),
        ] {
            let e = v(doc.clone()).unwrap_err();
            assert!(e.starts_with("openapi::unsupported-version|"), "{doc}: {e}");
        }
        let e = version(&json!({"swagger": "2.0"}), "s.yaml").unwrap_err();
        assert!(e.message.contains("Swagger 2.0"), "{}", e.message);
        assert!(e.help.unwrap().contains("swagger2openapi"));
    }

    #[test]
    fn json_and_yaml() {
        assert_eq!(
            parse(b"{\"openapi\": \"3.1.0\"}", "a.json").unwrap(),
            json!({"openapi": "3.1.0"})
        );
        assert_eq!(
            parse(b"# a comment\ncomponents: {}\nopenapi: 3.0.1\n", "a.yaml").unwrap(),
            json!({"components": {}, "openapi": "3.0.1"})
        );
        // YAML status codes are integers; serde_json's map keys are strings either way.
        let doc = parse(b"responses:\n  200:\n    description: ok\n", "a.yaml").unwrap();
        assert!(doc.pointer("/responses/200").is_some());
        assert!(
            parse(b"{\"openapi\": ", "a.json")
                .unwrap_err()
                .message
                .contains("not valid JSON")
        );
        assert!(parse(b"a: [1, 2\n", "a.yaml").is_err());
        assert!(
            parse(b"\xff\xfe", "a.yaml")
                .unwrap_err()
                .message
                .contains("not UTF-8")
        );
    }
}
