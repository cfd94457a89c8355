//! Secrets never leak: every secret value, and its base64, URL-encoded and JSON-escaped forms, is
//! replaced by `••••` in everything intact prints or writes (traces, logs, errors, reports, JSON).

use std::sync::RwLock;

use base64::Engine;

pub const MASK: &str = "••••";

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

    /// The text with every secret form replaced.
    pub fn mask(&self, text: &str) -> String {
        let forms = self.forms.read().unwrap();
        let mut out = text.to_string();
        for f in forms.iter() {
            if out.contains(f.as_str()) {
                out = out.replace(f.as_str(), MASK);
            }
        }
        out
    }

    /// Masks every string inside a JSON value (keys included).
    pub fn mask_json(&self, v: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value as J;
        match v {
            J::String(s) => J::String(self.mask(s)),
            J::Array(a) => J::Array(a.iter().map(|x| self.mask_json(x)).collect()),
            J::Object(o) => J::Object(
                o.iter()
                    .map(|(k, x)| (self.mask(k), self.mask_json(x)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.forms.read().unwrap().is_empty()
    }
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
}
