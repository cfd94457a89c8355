//! Names for what the importer writes: valid intact names (`^[a-z][a-z0-9_]*$`, see
//! `catalogue::is_valid_name`), never a step's reserved name or a CEL keyword (an input is read
//! as `input.NAME`, and `input.in` does not parse), de-duplicated in a fixed order.

use std::collections::BTreeSet;

use intact_model::catalogue::{RESERVED_NAMES, is_valid_name, snake_case as snake};

/// CEL's keywords and reserved words: they cannot follow a `.` in an expression.
const CEL_WORDS: &[&str] = &[
    "as",
    "break",
    "const",
    "continue",
    "else",
    "false",
    "for",
    "function",
    "if",
    "import",
    "in",
    "let",
    "loop",
    "package",
    "namespace",
    "null",
    "return",
    "true",
    "var",
    "void",
    "while",
];

/// A name from `text`, or `fallback` when nothing of it survives; a reserved word gets `suffix`.
pub fn name(text: &str, fallback: &str, suffix: &str) -> String {
    let mut n = snake(text);
    if n.is_empty() {
        n = fallback.to_string();
    }
    if RESERVED_NAMES.contains(&n.as_str()) || CEL_WORDS.contains(&n.as_str()) {
        n = format!("{n}_{suffix}");
    }
    debug_assert!(is_valid_name(&n), "{n}");
    n
}

/// Hands out unique names: the second `x` is `x_2`, then `x_3`, in the order asked.
#[derive(Debug, Default)]
pub struct Unique {
    taken: BTreeSet<String>,
}

impl Unique {
    pub fn new<'a>(taken: impl IntoIterator<Item = &'a str>) -> Unique {
        Unique {
            taken: taken.into_iter().map(str::to_string).collect(),
        }
    }

    pub fn take(&mut self, wanted: &str) -> String {
        if self.taken.insert(wanted.to_string()) {
            return wanted.to_string();
        }
        (2..)
            .map(|i| format!("{wanted}_{i}"))
            .find(|n| !self.taken.contains(n))
            .inspect(|n| {
                self.taken.insert(n.clone());
            })
            .unwrap_or_default()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

/// A flow's name for an operation: its operationId, else method and path
/// (`GET /users/{id}/groups` → `get_users_id_groups`).
pub fn operation_name(id: Option<&str>, method: &str, path: &str) -> String {
    let from_path = || format!("{}_{}", method.to_ascii_lowercase(), path);
    match id {
        Some(id) if !snake(id).is_empty() => name(id, "operation", "op"),
        _ => name(&from_path(), "operation", "op"),
    }
}

/// `connection` name from the API's title: `GitHub v3 REST API` → `github`, `Okta Admin
/// Management` → `okta_admin_management`.
pub fn connection_base_name(title: &str) -> String {
    // Words as the title spells them, lower-cased: `GitHub` is one word, not `git_hub`.
    let words: Vec<String> = title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .filter(|w| {
            !matches!(
                w.as_str(),
                "api" | "apis" | "rest" | "http" | "https" | "openapi" | "the" | "n"
            )
        })
        .filter(|w| {
            !(w.chars().all(|c| c.is_ascii_digit())
                || (w.starts_with('v') && w[1..].chars().all(|c| c.is_ascii_digit())))
        })
        .take(3)
        .collect();
    let n = words.join("_");
    if n.is_empty() || !n.starts_with(|c: char| c.is_ascii_lowercase()) {
        "api".into()
    } else {
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_valid_and_not_reserved() {
        for text in [
            "in",
            "null",
            "input",
            "error",
            "",
            "__",
            "9",
            "Ünï",
            "a.b.c",
            "get /x/{id}",
        ] {
            let n = name(text, "param", "param");
            assert!(is_valid_name(&n), "{text:?} gave {n:?}");
            assert!(!CEL_WORDS.contains(&n.as_str()) && !RESERVED_NAMES.contains(&n.as_str()));
        }
        assert_eq!(name("in", "param", "param"), "in_param");
        assert_eq!(
            operation_name(None, "GET", "/users/{id}/groups"),
            "get_users_id_groups"
        );
        assert_eq!(
            operation_name(Some("users/list"), "GET", "/users"),
            "users_list"
        );
        assert_eq!(operation_name(Some("!!"), "DELETE", "/"), "delete");
    }

    #[test]
    fn unique_in_order() {
        let mut u = Unique::new(["custom_api_action"]);
        assert_eq!(u.take("get_user"), "get_user");
        assert_eq!(u.take("get_user"), "get_user_2");
        assert_eq!(u.take("get_user"), "get_user_3");
        assert_eq!(u.take("custom_api_action"), "custom_api_action_2");
    }

    #[test]
    fn connection_names() {
        assert_eq!(connection_base_name("GitHub v3 REST API"), "github");
        assert_eq!(
            connection_base_name("Okta Admin Management"),
            "okta_admin_management"
        );
        assert_eq!(connection_base_name(""), "api");
        assert_eq!(connection_base_name("123"), "api");
        assert_eq!(connection_base_name("Swagger Petstore"), "swagger_petstore");
    }
}
