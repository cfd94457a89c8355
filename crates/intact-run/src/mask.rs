//! Secrets never leak: every secret value, and its base64, URL-encoded and JSON-escaped forms, is
//! replaced by `••••` in everything intact prints or writes (traces, logs, errors, reports, JSON).
//!
//! A form of [`WHOLE_WORD_BELOW`] characters or more is masked wherever it appears. A shorter one
//! cannot be told from ordinary text (a one-letter password would turn `example.com` into
//! `e••••ample.com`), so it is masked only where it stands alone: as a whole string, or in text
//! between characters that cannot continue a word, a name or a host (anything but letters, digits,
//! `-`, `_` and `.`). `?key=ab&`, `"ab"`, `Basic YWI=` and `password ab` are masked; `tab`,
//! `ab-cd` and `a.ab.io` are not. Real secrets are long; short ones are for tests.

use std::sync::RwLock;

use base64::Engine;

pub const MASK: &str = "••••";

/// Forms shorter than this (in characters) are masked only where they stand alone.
pub const WHOLE_WORD_BELOW: usize = 6;

/// The secrets of a run. Shared by every component that produces text.
#[derive(Default, Debug)]
pub struct Masker {
    forms: RwLock<Vec<String>>,
}

impl Masker {
    pub fn new() -> Masker {
        Masker::default()
    }

    /// Registers a secret value (a password param, a token, an env or file reference's value).
    pub fn add(&self, secret: &str) {
        if secret.is_empty() || self.forms.read().unwrap().iter().any(|f| f == secret) {
            return;
        }
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut forms = vec![
            secret.to_string(),
            b64.encode(secret),
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(secret),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
            serde_urlencoded::to_string([("", secret)])
                .unwrap_or_default()
                .trim_start_matches('=')
                .to_string(),
            serde_json::to_string(secret)
                .unwrap_or_default()
                .trim_matches('"')
                .to_string(),
        ];
        forms.retain(|f| !f.is_empty());
        let mut all = self.forms.write().unwrap();
        for f in forms {
            if !all.contains(&f) {
                all.push(f);
            }
        }
        // Longest first, so a secret that contains another is masked whole.
        all.sort_by_key(|f| std::cmp::Reverse(f.len()));
    }

    /// Registers every string and number inside a value computed from a secret (`upper(auth.key)`,
    /// a list of `split(auth.key, ':')`); booleans and null tell nothing worth masking.
    pub fn add_value(&self, v: &serde_json::Value) {
        use serde_json::Value as J;
        match v {
            J::String(s) => self.add(s),
            J::Number(n) => self.add(&n.to_string()),
            J::Array(a) => a.iter().for_each(|x| self.add_value(x)),
            J::Object(o) => o.values().for_each(|x| self.add_value(x)),
            J::Bool(_) | J::Null => {}
        }
    }

    /// The text with every secret form replaced.
    pub fn mask(&self, text: &str) -> String {
        let forms = self.forms.read().unwrap();
        let mut out = text.to_string();
        for f in forms.iter() {
            if !out.contains(f.as_str()) {
                continue;
            }
            if f.chars().count() >= WHOLE_WORD_BELOW {
                out = out.replace(f.as_str(), MASK);
            } else {
                out = replace_standalone(&out, f);
            }
        }
        out
    }

    /// A string value: masked whole when it is a secret, else as text.
    fn mask_value(&self, s: &str) -> String {
        if self.forms.read().unwrap().iter().any(|f| f == s) {
            MASK.to_string()
        } else {
            self.mask(s)
        }
    }

    /// Masks every string inside a JSON value (keys included).
    pub fn mask_json(&self, v: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value as J;
        match v {
            J::String(s) => J::String(self.mask_value(s)),
            // A numeric secret echoed back as a number is a secret all the same.
            J::Number(n)
                if self
                    .forms
                    .read()
                    .unwrap()
                    .iter()
                    .any(|f| *f == n.to_string()) =>
            {
                J::String(MASK.to_string())
            }
            J::Array(a) => J::Array(a.iter().map(|x| self.mask_json(x)).collect()),
            J::Object(o) => J::Object(
                o.iter()
                    .map(|(k, x)| (self.mask_value(k), self.mask_json(x)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.forms.read().unwrap().is_empty()
    }
}

/// Whether `c` can continue a word, a name or a host, so that a short secret next to it is part of
/// something else.
fn joins(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// `text` with each occurrence of `form` that stands alone replaced by the mask.
fn replace_standalone(text: &str, form: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut before: Option<char> = None;
    while let Some(at) = rest.find(form) {
        let (head, tail) = rest.split_at(at);
        let prev = head.chars().next_back().or(before);
        let after = tail[form.len()..].chars().next();
        out.push_str(head);
        if prev.is_none_or(|c| !joins(c)) && after.is_none_or(|c| !joins(c)) {
            out.push_str(MASK);
            before = MASK.chars().next_back();
            rest = &tail[form.len()..];
        } else {
            // Step one character so an overlapping occurrence is still looked at.
            let first = tail.chars().next().expect("the form is not empty");
            out.push(first);
            before = Some(first);
            rest = &tail[first.len_utf8()..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_form() {
        let m = Masker::new();
        m.add("s3cr3t value/+");
        let b64 = base64::engine::general_purpose::STANDARD.encode("s3cr3t value/+");
        let text = format!(
            "raw s3cr3t value/+ b64 {b64} url s3cr3t%20value%2F%2B form s3cr3t+value%2F%2B"
        );
        let masked = m.mask(&text);
        assert!(!masked.contains("s3cr3t"), "{masked}");
        assert!(!masked.contains(&b64), "{masked}");
        assert_eq!(masked.matches(MASK).count(), 4, "{masked}");
        let j = m.mask_json(
            &serde_json::json!({"token": "s3cr3t value/+", "list": ["x s3cr3t value/+"]}),
        );
        assert!(!j.to_string().contains("s3cr3t"));
    }

    #[test]
    fn numbers_that_are_secrets_are_masked() {
        let m = Masker::new();
        m.add("987654321");
        let j =
            m.mask_json(&serde_json::json!({"key": 987654321, "n": 98765, "list": [987654321]}));
        assert_eq!(
            j,
            serde_json::json!({"key": "••••", "n": 98765, "list": ["••••"]})
        );
    }

    #[test]
    fn short_secrets_are_masked_where_they_stand_alone() {
        let m = Masker::new();
        m.add("x");
        assert_eq!(
            m.mask("https://auth.example.com"),
            "https://auth.example.com"
        );
        assert_eq!(m.mask("executionStatus"), "executionStatus");
        assert_eq!(m.mask("x-api-key: x"), "x-api-key: ••••");
        assert_eq!(m.mask("GET /users?key=x&x=1"), "GET /users?key=••••&••••=1");
        assert_eq!(m.mask(r#"{"password":"x"}"#), r#"{"password":"••••"}"#);
        // base64 of `x` is `eA==` / `eA`: alone after `Basic`, not inside a word.
        assert_eq!(
            m.mask("Authorization: Basic eA=="),
            "Authorization: Basic ••••"
        );
        assert_eq!(m.mask("eAgle"), "eAgle");
        let j = m.mask_json(
            &serde_json::json!({"secret": "x", "url": "https://x.example.com", "host": "example"}),
        );
        assert_eq!(
            j,
            serde_json::json!({"secret": "••••", "url": "https://x.example.com", "host": "example"})
        );
        // Long secrets stay masked wherever they appear, also inside words.
        let m = Masker::new();
        m.add("hunter22");
        assert_eq!(m.mask("xhunter22y"), "x••••y");
    }
}
