//! Secrets never leak: every secret value, in every spelling a program may give it, is replaced by
//! `••••` in everything intact prints or writes (traces, logs, errors, reports, JSON).
//!
//! A secret is looked for in its raw form and in its base64 forms (standard, URL-safe, with and
//! without padding). Each character of those may stand in the text as itself or in any escape a
//! URL or JSON encoder writes for it: `%XX` per UTF-8 byte in upper or lower hex, `+` for a space,
//! `\uXXXX` (a surrogate pair beyond the BMP) in either case, and JSON's short escapes (`\/`,
//! `\"`, `\\`, `\n`…). Matching the escapes character by character, rather than registering the
//! output of a few encoders, covers every encoder's choice of what to leave unencoded (RFC 3986's
//! `-._~`, a form encoder's `*` or `~`, a path segment's set) in one pass over the text.
//!
//! A match of [`WHOLE_WORD_BELOW`] characters or more is masked wherever it appears. A shorter one
//! cannot be told from ordinary text (a one-letter password would turn `example.com` into
//! `e••••ample.com`), so it is masked only where it stands alone: as a whole string, or in text
//! between characters that cannot continue a word, a name or a host (anything but letters, digits,
//! `-`, `_` and `.`). `?key=ab&`, `"ab"`, `Basic YWI=` and `password ab` are masked; `tab`,
//! `ab-cd` and `a.ab.io` are not. Real secrets are long; short ones are for tests.

use std::collections::HashMap;
use std::sync::RwLock;

use base64::Engine;
use serde_json::Number;

pub const MASK: &str = "••••";

/// Matches shorter than this (in characters) are masked only where they stand alone.
pub const WHOLE_WORD_BELOW: usize = 6;

/// The secrets of a run. Shared by every component that produces text.
#[derive(Default, Debug)]
pub struct Masker {
    known: RwLock<Known>,
}

#[derive(Default, Debug)]
struct Known {
    /// The secrets as registered, so that each is registered once.
    secrets: Vec<String>,
    /// The raw and base64 forms of every secret.
    forms: Vec<Vec<char>>,
    /// The secrets that read as JSON numbers, compared by value with a response's numbers.
    numbers: Vec<Number>,
    /// The forms by their first character: at each place in a text, only the forms that begin
    /// with the character written there (in any spelling) are tried.
    by_first: HashMap<char, Vec<usize>>,
    /// The same for ASCII characters, by code, which most texts are made of.
    by_first_ascii: Vec<Vec<usize>>,
    /// The bytes a spelling of a form's first character can begin with: every other byte of a
    /// text is passed over at the cost of one lookup.
    may_start: Vec<bool>,
}

impl Masker {
    pub fn new() -> Masker {
        Masker::default()
    }

    /// Registers a secret value (a password param, a token, an env or file reference's value).
    pub fn add(&self, secret: &str) {
        if secret.is_empty()
            || self
                .known
                .read()
                .unwrap()
                .secrets
                .iter()
                .any(|s| s == secret)
        {
            return;
        }
        use base64::engine::general_purpose as b64;
        let forms = [
            secret.to_string(),
            b64::STANDARD.encode(secret),
            b64::STANDARD_NO_PAD.encode(secret),
            b64::URL_SAFE.encode(secret),
            b64::URL_SAFE_NO_PAD.encode(secret),
        ];
        let mut known = self.known.write().unwrap();
        if known.secrets.iter().any(|s| s == secret) {
            return;
        }
        known.secrets.push(secret.to_string());
        if let Ok(n) = serde_json::from_str::<Number>(secret) {
            known.numbers.push(n);
        }
        if known.may_start.is_empty() {
            known.may_start = vec![false; 256];
            known.by_first_ascii = vec![Vec::new(); 128];
            known.may_start[usize::from(b'%')] = true;
            known.may_start[usize::from(b'\\')] = true;
        }
        for form in forms {
            let chars: Vec<char> = form.chars().collect();
            if known.forms.contains(&chars) {
                continue;
            }
            let index = known.forms.len();
            let first = chars[0];
            let mut buf = [0u8; 4];
            known.may_start[usize::from(first.encode_utf8(&mut buf).as_bytes()[0])] = true;
            if first == ' ' {
                known.may_start[usize::from(b'+')] = true;
            }
            if first.is_ascii() {
                known.by_first_ascii[first as usize].push(index);
            } else {
                known.by_first.entry(first).or_default().push(index);
            }
            known.forms.push(chars);
        }
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

    /// The text with every secret, in any spelling, replaced.
    pub fn mask(&self, text: &str) -> String {
        let known = self.known.read().unwrap();
        if known.forms.is_empty() {
            return text.to_string();
        }
        let bytes = text.as_bytes();
        let mut scratch = Scratch::default();
        let mut out = String::with_capacity(text.len());
        let (mut copied, mut masked_to) = (0, None);
        let mut at = 0;
        while at < bytes.len() {
            // Only the first byte of a character starts a form, so `at` is a char boundary here.
            if known.may_start[usize::from(bytes[at])] {
                let after_mask = masked_to == Some(at);
                if let Some(end) = known.longest_at(text, at, after_mask, &mut scratch) {
                    out.push_str(&text[copied..at]);
                    out.push_str(MASK);
                    (copied, masked_to, at) = (end, Some(end), end);
                    continue;
                }
            }
            at += 1;
        }
        out.push_str(&text[copied..]);
        out
    }

    /// Masks every string inside a JSON value (keys included).
    pub fn mask_json(&self, v: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value as J;
        match v {
            // A string that is a secret is the longest match in it, and stands alone.
            J::String(s) => J::String(self.mask(s)),
            // A numeric secret echoed back as a number is a secret all the same, whichever way
            // the server writes it (`987654321`, `987654321.0`, `9.87654321e8`).
            J::Number(n)
                if self
                    .known
                    .read()
                    .unwrap()
                    .numbers
                    .iter()
                    .any(|s| same_number(s, n)) =>
            {
                J::String(MASK.to_string())
            }
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
        self.known.read().unwrap().forms.is_empty()
    }
}

impl Known {
    /// The end of the longest match at `at` that may be masked there (a short one only where it
    /// stands alone).
    fn longest_at(
        &self,
        text: &str,
        at: usize,
        after_mask: bool,
        scratch: &mut Scratch,
    ) -> Option<usize> {
        let mut best: Option<usize> = None;
        let bytes = text.as_bytes();
        let (raw, decoded) = first_char(text, at);
        for (first, next) in [Some(raw), decoded].into_iter().flatten() {
            let forms = if first.is_ascii() {
                &self.by_first_ascii[first as usize][..]
            } else {
                self.by_first.get(&first).map_or(&[][..], |f| &f[..])
            };
            for &f in forms {
                let form = &self.forms[f];
                // Most tries end at the second character; one byte tells most of them apart.
                if let Some(&second) = form.get(1)
                    && !bytes.get(next).is_some_and(|&b| may_begin(second, b))
                {
                    continue;
                }
                ends(form, bytes, at, scratch);
                for &end in &scratch.now {
                    if best.is_some_and(|b| b >= end) {
                        continue;
                    }
                    let before = if after_mask {
                        MASK.chars().next_back()
                    } else {
                        text[..at].chars().next_back()
                    };
                    let alone = before.is_none_or(|c| !joins(c))
                        && text[end..].chars().next().is_none_or(|c| !joins(c));
                    if alone || text[at..end].chars().count() >= WHOLE_WORD_BELOW {
                        best = Some(end);
                    }
                }
            }
        }
        best
    }
}

/// Reused buffers of the positions reached while matching a form.
#[derive(Default)]
struct Scratch {
    now: Vec<usize>,
    next: Vec<usize>,
}

/// Leaves in `scratch.now` every end of a match of `form` at `at`. Several spellings of one
/// character may fit (`%` is itself or the start of `%25`), so every position reached is followed;
/// there are few, since the spellings of a character mostly begin with different bytes.
fn ends(form: &[char], text: &[u8], at: usize, scratch: &mut Scratch) {
    scratch.now.clear();
    scratch.now.push(at);
    for &c in form {
        scratch.next.clear();
        for i in 0..scratch.now.len() {
            spellings(c, text, scratch.now[i], &mut scratch.next);
        }
        std::mem::swap(&mut scratch.now, &mut scratch.next);
        if scratch.now.is_empty() {
            return;
        }
    }
}

/// Pushes the end of each spelling of `c` found at `i`: the character itself, its UTF-8 bytes
/// percent-encoded (either case of hex), `+` for a space, `\uXXXX` (either case) and JSON's short
/// escapes.
fn spellings(c: char, text: &[u8], i: usize, ends: &mut Vec<usize>) {
    let mut push = |end: usize| {
        if !ends.contains(&end) {
            ends.push(end);
        }
    };
    let rest = &text[i..];
    let mut buf = [0u8; 4];
    let utf8 = c.encode_utf8(&mut buf).as_bytes();
    if rest.starts_with(utf8) {
        push(i + utf8.len());
    }
    match rest.first() {
        Some(b'%') => {
            let mut j = i;
            for &b in utf8 {
                if text.get(j) != Some(&b'%') || hex(text, j + 1, 2) != Some(u32::from(b)) {
                    return;
                }
                j += 3;
            }
            push(j);
        }
        Some(b'+') if c == ' ' => push(i + 1),
        Some(b'\\') => {
            let short = match c {
                '"' => Some(b'"'),
                '\\' => Some(b'\\'),
                '/' => Some(b'/'),
                '\u{8}' => Some(b'b'),
                '\u{c}' => Some(b'f'),
                '\n' => Some(b'n'),
                '\r' => Some(b'r'),
                '\t' => Some(b't'),
                _ => None,
            };
            if short.is_some() && rest.get(1) == short.as_ref() {
                push(i + 2);
            }
            let mut units = [0u16; 2];
            let mut j = i;
            for &u in c.encode_utf16(&mut units).iter() {
                if text.get(j + 1) != Some(&b'u')
                    || text.get(j) != Some(&b'\\')
                    || hex(text, j + 2, 4) != Some(u32::from(u))
                {
                    return;
                }
                j += 6;
            }
            push(j);
        }
        _ => {}
    }
}

/// The value of `n` hex digits (either case) at `i`.
fn hex(text: &[u8], i: usize, n: usize) -> Option<u32> {
    let digits = text.get(i..i + n)?;
    digits
        .iter()
        .try_fold(0u32, |v, &d| Some(v * 16 + char::from(d).to_digit(16)?))
}

/// Whether a spelling of `c` may begin with the byte `b`.
fn may_begin(c: char, b: u8) -> bool {
    let mut buf = [0u8; 4];
    b == c.encode_utf8(&mut buf).as_bytes()[0] || b == b'%' || b == b'\\' || (b == b'+' && c == ' ')
}

/// The character at `at`, and the one an escape there stands for (`%XX` for one to four bytes of
/// UTF-8, `+`, `\uXXXX` or a surrogate pair of them, a short JSON escape), each with where it ends.
fn first_char(text: &str, at: usize) -> ((char, usize), Option<(char, usize)>) {
    let bytes = text.as_bytes();
    let raw = text[at..].chars().next().expect("`at` is inside the text");
    let decoded = match raw {
        '+' => Some((' ', at + 1)),
        '%' => {
            let lead = hex(bytes, at + 1, 2);
            let len = match lead {
                Some(0..0x80) => 1,
                Some(0xc0..0xe0) => 2,
                Some(0xe0..0xf0) => 3,
                Some(0xf0..0xf8) => 4,
                _ => 0,
            };
            let utf8: Option<Vec<u8>> = (0..len)
                .map(|k| {
                    let i = at + 3 * k;
                    (bytes.get(i) == Some(&b'%'))
                        .then(|| hex(bytes, i + 1, 2))
                        .flatten()
                        .and_then(|b| u8::try_from(b).ok())
                })
                .collect();
            utf8.and_then(|u| String::from_utf8(u).ok())
                .and_then(|s| s.chars().next())
                .map(|c| (c, at + 3 * len))
        }
        '\\' => match bytes.get(at + 1) {
            Some(b'u') => {
                let unit = |i: usize| {
                    (bytes.get(i..i + 2) == Some(b"\\u"))
                        .then(|| hex(bytes, i + 2, 4))
                        .flatten()
                };
                match unit(at) {
                    Some(high @ 0xd800..0xdc00) => unit(at + 6)
                        .and_then(|low| {
                            char::decode_utf16([high, low].map(|u| u as u16))
                                .next()?
                                .ok()
                        })
                        .map(|c| (c, at + 12)),
                    Some(u) => char::from_u32(u).map(|c| (c, at + 6)),
                    None => None,
                }
            }
            Some(&e) => match e {
                b'b' => Some('\u{8}'),
                b'f' => Some('\u{c}'),
                b'n' => Some('\n'),
                b'r' => Some('\r'),
                b't' => Some('\t'),
                b'"' | b'\\' | b'/' => Some(char::from(e)),
                _ => None,
            }
            .map(|c| (c, at + 2)),
            None => None,
        },
        _ => None,
    };
    ((raw, at + raw.len_utf8()), decoded)
}

/// Whether two JSON numbers have the same value: integers exactly, others (a float, an integer
/// too large for 64 bits) as the float a JSON reader makes of them.
fn same_number(a: &Number, b: &Number) -> bool {
    let int = |n: &Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    match (int(a), int(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a.as_f64().is_some_and(|x| b.as_f64() == Some(x)),
    }
}

/// Whether `c` can continue a word, a name or a host, so that a short secret next to it is part of
/// something else.
fn joins(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.')
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

    /// A secret with a space, reserved characters, `~`, `-` and a non-ASCII letter, so that every
    /// encoder writes it differently.
    const SECRET: &str = "p@ss w/rd~é-9";

    /// Every spelling of [`SECRET`] that a client, a server or intact itself may print.
    fn spellings_of_the_secret() -> Vec<(String, String)> {
        let mut forms: Vec<(&str, String)> = [
            ("raw", SECRET),
            ("base64", "cEBzcyB3L3JkfsOpLTk="),
            ("base64 without padding", "cEBzcyB3L3JkfsOpLTk"),
            ("base64 in a query", "cEBzcyB3L3JkfsOpLTk%3D"),
            ("all but alphanumerics", "p%40ss%20w%2Frd%7E%C3%A9%2D9"),
            (
                "all but alphanumerics, lower hex",
                "p%40ss%20w%2frd%7e%c3%a9%2d9",
            ),
            ("RFC 3986, -._~ kept", "p%40ss%20w%2Frd~%C3%A9-9"),
            ("RFC 3986, lower hex", "p%40ss%20w%2frd~%c3%a9-9"),
            ("form, ~ encoded", "p%40ss+w%2Frd%7E%C3%A9-9"),
            ("form, ~ kept", "p%40ss+w%2Frd~%C3%A9-9"),
            ("form, lower hex", "p%40ss+w%2frd~%c3%a9-9"),
            ("form with %20", "p%40ss%20w%2Frd%7E%C3%A9-9"),
            ("encodeURI, @ and / kept", "p@ss%20w/rd~%C3%A9-9"),
            ("JSON, \\u00e9", r"p@ss w/rd~\u00e9-9"),
            ("JSON, \\u00E9", r"p@ss w/rd~\u00E9-9"),
            ("JSON, \\/", r"p@ss w\/rd~é-9"),
            ("JSON, \\/ and \\u00e9", r"p@ss w\/rd~\u00e9-9"),
        ]
        .into_iter()
        .map(|(what, form)| (what, form.to_string()))
        .collect();
        // What the encoders intact and its HTTP client use write today, whatever they write.
        const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'_')
            .remove(b'.')
            .remove(b'~');
        forms.extend([
            (
                "intact's path segment",
                percent_encoding::utf8_percent_encode(SECRET, SEGMENT).to_string(),
            ),
            (
                "serde_urlencoded",
                serde_urlencoded::to_string([("k", SECRET)]).unwrap()[2..].to_string(),
            ),
            (
                "serde_json",
                serde_json::to_string(SECRET)
                    .unwrap()
                    .trim_matches('"')
                    .to_string(),
            ),
        ]);
        forms
            .into_iter()
            .map(|(what, form)| (what.to_string(), form))
            .collect()
    }

    #[test]
    fn every_spelling_of_a_secret_is_masked() {
        let m = Masker::new();
        m.add(SECRET);
        // Every spelling is tried before the test fails, so that a failure lists them all.
        let mut leaks = Vec::new();
        for (what, form) in spellings_of_the_secret() {
            for (text, masked) in [
                (form.clone(), MASK.to_string()),
                (
                    format!("GET /x?key={form}&n=1"),
                    format!("GET /x?key={MASK}&n=1"),
                ),
                (
                    format!(r#"{{"key":"{form}"}}"#),
                    format!(r#"{{"key":"{MASK}"}}"#),
                ),
                (format!("x{form}y"), format!("x{MASK}y")),
            ] {
                let got = m.mask(&text);
                if got != masked {
                    leaks.push(format!("{what}: {text} -> {got}"));
                }
            }
            let got = m.mask_json(&serde_json::json!({ "k": form }));
            if got != serde_json::json!({ "k": MASK }) {
                leaks.push(format!("{what}, JSON: {got}"));
            }
        }
        assert!(leaks.is_empty(), "{}", leaks.join("\n"));
        // Beyond the BMP: four percent-encoded bytes, or a surrogate pair in JSON.
        let m = Masker::new();
        m.add("key😀pass");
        for form in [
            "key%F0%9F%98%80pass",
            "key%f0%9f%98%80pass",
            r"key\ud83d\ude00pass",
            r"key\uD83D\uDE00pass",
        ] {
            assert_eq!(m.mask(form), MASK, "{form}");
        }
        // A character that starts an escape may stand for itself.
        let m = Masker::new();
        m.add(r"100%pure\x");
        for form in [r"100%pure\x", r"100%25pure%5Cx", r"100%pure\\x"] {
            assert_eq!(m.mask(form), MASK, "{form}");
        }
        let m = Masker::new();
        m.add("say \"hi\"\nand\tgo");
        for form in [
            r#"say \"hi\"\nand\tgo"#,
            r"say \u0022hi\u0022\u000Aand\u0009go",
            "say+%22hi%22%0Aand%09go",
        ] {
            assert_eq!(m.mask(form), MASK, "{form}");
        }
        // Another value is left alone.
        let m = Masker::new();
        m.add(SECRET);
        for other in [
            "p@ss w/rd~é-8",
            "p%40ss+w%2Frd~%C3%A9-8",
            r"p@ss w\/rd~\u00e8-9",
        ] {
            assert_eq!(m.mask(other), other);
        }
    }

    #[test]
    fn numbers_that_are_secrets_are_masked() {
        let m = Masker::new();
        m.add("987654321");
        m.add("12345678901234567890123");
        let j = m.mask_json(
            &serde_json::from_str(
                r#"{"key": 987654321, "n": 98765, "list": [987654321], "float": 987654321.0,
                    "exp": 9.87654321e8, "near": 987654322.0, "big": 12345678901234567890123}"#,
            )
            .unwrap(),
        );
        assert_eq!(
            j,
            serde_json::json!({"key": "••••", "n": 98765, "list": ["••••"], "float": "••••",
                "exp": "••••", "near": 987654322.0, "big": "••••"})
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
        // The rule holds for every spelling: a short one stands alone or is left.
        let m = Masker::new();
        m.add("a b");
        assert_eq!(m.mask("q=a+b&r=a%20b"), "q=••••&r=••••");
        assert_eq!(m.mask("xa+b xa%20b"), "xa+b xa%20b");
        // Long secrets stay masked wherever they appear, also inside words.
        let m = Masker::new();
        m.add("hunter22");
        assert_eq!(m.mask("xhunter22y"), "x••••y");
    }
}
