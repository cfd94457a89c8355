//! Turning literal tokens into values: string escapes, multi-line dedent, numbers and keywords.

use crate::ast::Value;
use crate::error::{ErrorKind, SyntaxError};
use crate::lexer::{TokenKind, is_disallowed, is_newline, is_unicode_space};
use crate::span::Span;

pub(crate) struct Decoder<'e> {
    pub errors: &'e mut Vec<SyntaxError>,
}

fn sub(span: Span, from: usize, to: usize) -> Span {
    Span::new(span.start + from as u32, span.start + to as u32)
}

impl Decoder<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>, help: Option<&str>) {
        self.errors.push(SyntaxError::new(span, message, help));
    }

    /// Decodes a string-like token (`Ident`, `String`, `MultiLineString`, `RawString`).
    pub fn string(&mut self, kind: TokenKind, raw: &str, span: Span) -> Box<str> {
        match kind {
            TokenKind::Ident => {
                self.check_ident(raw, span);
                raw.into()
            }
            TokenKind::String => self.quoted(raw, span),
            TokenKind::MultiLineString => self.multi_line(raw, span, 0),
            TokenKind::RawString => {
                let hashes = raw.bytes().take_while(|&b| b == b'#').count();
                if raw[hashes..].starts_with("\"\"\"") {
                    self.multi_line(&raw[hashes..], span, hashes)
                } else {
                    self.raw_single(raw, span, hashes)
                }
            }
            _ => unreachable!("not a string token: {kind:?}"),
        }
    }

    pub(crate) fn check_ident(&mut self, raw: &str, span: Span) {
        match raw {
            "true" | "false" | "null" => self.errors.push(SyntaxError {
                span,
                message: format!("`{raw}` without `#` is KDL v1"),
                help: Some(format!(
                    "KDL v2 writes `#{raw}`; to mean the text, quote it: `\"{raw}\"`"
                )),
                kind: ErrorKind::KdlV1,
                fix: None,
            }),
            "inf" | "-inf" | "nan" => self.error(
                span,
                format!("`{raw}` is not a valid bare identifier"),
                Some(&format!(
                    "write the number as `#{raw}`, or quote the text: `\"{raw}\"`"
                )),
            ),
            _ => {}
        }
    }

    fn check_literal_char(&mut self, c: char, span: Span) {
        if is_disallowed(c) {
            self.error(
                span,
                format!(
                    "the code point U+{:04X} may not appear literally in KDL",
                    c as u32
                ),
                Some(&format!("write it as the escape `\\u{{{:x}}}`", c as u32)),
            );
        }
    }

    fn quoted(&mut self, raw: &str, span: Span) -> Box<str> {
        let terminated = raw.len() >= 2 && raw.ends_with('"') && ends_with_unescaped_quote(raw);
        let body_end = if terminated { raw.len() - 1 } else { raw.len() };
        if !terminated {
            self.error(
                Span::new(span.start, span.start + 1),
                "this string is not closed on its line",
                Some("end it with `\"`; for text over several lines use a `\"\"\"` multi-line string"),
            );
        }
        let mut out = String::with_capacity(body_end);
        self.unescape(&raw[1..body_end], sub(span, 1, body_end), &mut out);
        out.into()
    }

    /// Appends `body` to `out` with every escape resolved; errors point into `span`, which covers
    /// `body` exactly.
    fn unescape(&mut self, body: &str, span: Span, out: &mut String) {
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                self.check_literal_char(c, sub(span, i, i + c.len_utf8()));
                out.push(c);
                continue;
            }
            let Some(&(j, e)) = chars.peek() else {
                self.error(
                    sub(span, i, i + 1),
                    "a `\\` at the end of a string escapes nothing",
                    None,
                );
                break;
            };
            chars.next();
            let escaped = match e {
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                '\\' => '\\',
                '"' => '"',
                'b' => '\u{8}',
                'f' => '\u{c}',
                's' => ' ',
                'u' => {
                    let rest = &body[j + 1..];
                    match parse_unicode_escape(rest) {
                        Ok((ch, len)) => {
                            for _ in 0..len {
                                chars.next();
                            }
                            ch
                        }
                        Err(len) => {
                            for _ in 0..len {
                                chars.next();
                            }
                            self.error(
                                sub(span, i, j + 1 + len),
                                "invalid unicode escape",
                                Some("write `\\u{` then 1 to 6 hex digits of a Unicode scalar value, then `}`"),
                            );
                            continue;
                        }
                    }
                }
                w if is_unicode_space(w) || is_newline(w) => {
                    while chars
                        .peek()
                        .is_some_and(|&(_, c)| is_unicode_space(c) || is_newline(c))
                    {
                        chars.next();
                    }
                    continue;
                }
                '/' => {
                    self.errors.push(SyntaxError {
                        span: sub(span, i, j + 1),
                        message: "the escape `\\/` is KDL v1".into(),
                        help: Some("KDL v2 writes a plain `/`".into()),
                        kind: ErrorKind::KdlV1,
                        fix: None,
                    });
                    '/'
                }
                other => {
                    self.error(
                        sub(span, i, j + other.len_utf8()),
                        format!("unknown escape `\\{other}`"),
                        Some("the escapes are \\n \\r \\t \\\\ \\\" \\b \\f \\s \\u{…} and `\\` before whitespace; use a raw string `#\"…\"#` for literal backslashes"),
                    );
                    other
                }
            };
            out.push(escaped);
        }
    }

    fn raw_single(&mut self, raw: &str, span: Span, hashes: usize) -> Box<str> {
        let open = hashes + 1;
        let close = "\"".to_string() + &"#".repeat(hashes);
        if raw.len() >= open + close.len() && raw.ends_with(&close) {
            let body = &raw[open..raw.len() - close.len()];
            for (i, c) in body.char_indices() {
                self.check_literal_char(c, sub(span, open + i, open + i + c.len_utf8()));
            }
            body.into()
        } else {
            self.error(
                sub(span, 0, open),
                "this raw string is not closed on its line",
                Some(&format!(
                    "end it with `{close}`; for several lines use `{0}\"\"\"` … `\"\"\"{0}`",
                    "#".repeat(hashes)
                )),
            );
            raw[open..].into()
        }
    }

    /// `raw` starts at the opening `"""` (after any hashes); `span` covers the whole token.
    fn multi_line(&mut self, raw: &str, span: Span, hashes: usize) -> Box<str> {
        let is_raw = hashes > 0;
        let close = "\"\"\"".to_string() + &"#".repeat(hashes);
        let open_len = hashes + 3;
        let closed = raw.len() >= 3 + close.len() && raw.ends_with(&close);
        if !closed {
            self.error(
                sub(span, 0, open_len),
                "this multi-line string is never closed",
                Some(&format!("end it with `{close}` on a line of its own")),
            );
            return "".into();
        }
        let inner = &raw[3..raw.len() - close.len()];
        // The opening delimiter must be followed directly by a newline.
        let Some(first) = inner.chars().next().filter(|&c| is_newline(c)) else {
            self.error(
                sub(span, 0, open_len),
                "a multi-line string must start with a newline after `\"\"\"`",
                Some("put the text on the lines between the delimiters, or use a `\"…\"` string"),
            );
            return "".into();
        };
        let mut skip = first.len_utf8();
        if inner.starts_with("\r\n") {
            skip = 2;
        }
        let body = &inner[skip..];
        // Whitespace escapes join lines before dedenting; other escapes are resolved per line after.
        let joined: std::borrow::Cow<str> = if is_raw {
            body.into()
        } else {
            remove_ws_escapes(body).into()
        };
        let lines: Vec<&str> = split_lines(&joined);
        let (last, content) = lines
            .split_last()
            .expect("split_lines yields at least one line");
        if !last.chars().all(is_unicode_space) {
            self.error(
                span,
                "the closing `\"\"\"` of a multi-line string must be alone on its line",
                Some("move the closing delimiter to a new line; its indentation is removed from every line"),
            );
            return "".into();
        }
        let prefix = *last;
        let mut out = String::with_capacity(joined.len());
        for (n, line) in content.iter().enumerate() {
            if n > 0 {
                out.push('\n');
            }
            if line.chars().all(is_unicode_space) {
                continue;
            }
            match line.strip_prefix(prefix) {
                Some(rest) if is_raw => {
                    for c in rest.chars() {
                        self.check_literal_char(c, span);
                    }
                    out.push_str(rest)
                }
                Some(rest) => {
                    // Escape positions inside a dedented line are approximate; point at the string.
                    let mut before = self.errors.len();
                    self.unescape(rest, span, &mut out);
                    while before < self.errors.len() {
                        self.errors[before].span = span;
                        before += 1;
                    }
                }
                None => {
                    self.error(
                        span,
                        "a line of this multi-line string is not indented like its closing `\"\"\"`",
                        Some("indent every non-blank line with at least the whitespace before the closing delimiter, using the same characters"),
                    );
                    return "".into();
                }
            }
        }
        out.into()
    }

    pub fn number(&mut self, raw: &str, span: Span) -> Value {
        match parse_number(raw) {
            Ok(v) => v,
            Err(msg) => {
                self.error(span, format!("`{raw}` is not a valid number: {msg}"), Some(
                    "numbers are written like 42, -1.5, 1e10, 0x1F, 0o17 or 0b101 (underscores may separate digits); quote the text if it is not a number",
                ));
                Value::Invalid
            }
        }
    }

    pub fn keyword(&mut self, raw: &str, span: Span) -> Value {
        match raw {
            "#true" => Value::Bool(true),
            "#false" => Value::Bool(false),
            "#null" => Value::Null,
            "#inf" => Value::Float(f64::INFINITY),
            "#-inf" => Value::Float(f64::NEG_INFINITY),
            "#nan" => Value::Float(f64::NAN),
            _ => {
                self.error(
                    span,
                    format!("unknown keyword `{raw}`"),
                    Some("the keywords are #true, #false, #null, #inf, #-inf and #nan; a `#` elsewhere must be inside a quoted string"),
                );
                Value::Invalid
            }
        }
    }
}

fn ends_with_unescaped_quote(raw: &str) -> bool {
    let body = &raw[..raw.len() - 1];
    let backslashes = body.bytes().rev().take_while(|&b| b == b'\\').count();
    backslashes % 2 == 0
}

/// Parses the part after `\u`: `{` 1–6 hex digits `}`. Ok gives the char and how many chars were
/// used; Err gives how many chars to skip.
fn parse_unicode_escape(rest: &str) -> Result<(char, usize), usize> {
    if !rest.starts_with('{') {
        return Err(0);
    }
    let Some(close) = rest.find('}') else {
        return Err(rest
            .chars()
            .take_while(|c| c.is_ascii_hexdigit() || *c == '{')
            .count());
    };
    let hex = &rest[1..close];
    let used = close + 1;
    if hex.is_empty() || hex.len() > 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(rest[..used].chars().count());
    }
    let code = u32::from_str_radix(hex, 16).map_err(|_| used)?;
    char::from_u32(code).map(|c| (c, used)).ok_or(used)
}

fn remove_ws_escapes(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some(&n) if is_unicode_space(n) || is_newline(n) => {
                    while chars
                        .peek()
                        .is_some_and(|&c| is_unicode_space(c) || is_newline(c))
                    {
                        chars.next();
                    }
                }
                Some(&n) => {
                    out.push('\\');
                    out.push(n);
                    chars.next();
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits on every KDL newline (CRLF counts as one); always yields at least one line.
fn split_lines(s: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut iter = s.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if is_newline(c) {
            lines.push(&s[start..i]);
            let mut end = i + c.len_utf8();
            if c == '\r' && iter.peek().is_some_and(|&(_, n)| n == '\n') {
                iter.next();
                end += 1;
            }
            start = end;
        }
    }
    lines.push(&s[start..]);
    lines
}

/// Parses a KDL v2 number literal.
pub fn parse_number(raw: &str) -> Result<Value, &'static str> {
    let (negative, unsigned) = match raw.as_bytes().first() {
        Some(b'-') => (true, &raw[1..]),
        Some(b'+') => (false, &raw[1..]),
        _ => (false, raw),
    };
    let radix = match unsigned.get(..2) {
        Some("0x") => Some(16),
        Some("0o") => Some(8),
        Some("0b") => Some(2),
        _ => None,
    };
    if let Some(radix) = radix {
        let digits = &unsigned[2..];
        if !digits.starts_with(|c: char| c.is_digit(radix)) {
            return Err("a digit must follow the radix prefix");
        }
        if !digits.chars().all(|c| c == '_' || c.is_digit(radix)) {
            return Err("it has a character that is not a digit of its base");
        }
        let clean: String = digits.chars().filter(|&c| c != '_').collect();
        let n = i128::from_str_radix(&clean, radix).map_err(|_| "it is too large")?;
        let n = if negative { -n } else { n };
        return i64::try_from(n)
            .map(Value::Integer)
            .map_err(|_| "it is outside the 64-bit integer range");
    }
    // decimal := integer ('.' integer)? exponent?
    let bytes = unsigned.as_bytes();
    let mut i = 0;
    let int_digits = |i: &mut usize| -> bool {
        if !bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            return false;
        }
        while bytes
            .get(*i)
            .is_some_and(|b| b.is_ascii_digit() || *b == b'_')
        {
            *i += 1;
        }
        true
    };
    if !int_digits(&mut i) {
        return Err("it must start with a digit");
    }
    let mut is_float = false;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if !int_digits(&mut i) {
            return Err("a digit must follow the decimal point");
        }
        is_float = true;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !int_digits(&mut i) {
            return Err("a digit must follow the exponent");
        }
        is_float = true;
    }
    if i != bytes.len() {
        return Err("it has characters after the number");
    }
    let clean: String = raw.chars().filter(|&c| c != '_').collect();
    if is_float {
        clean
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| "it is not a valid decimal")
    } else {
        clean
            .parse::<i64>()
            .map(Value::Integer)
            .map_err(|_| "it is outside the 64-bit integer range")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("1_000"), Ok(Value::Integer(1000)));
        assert_eq!(parse_number("-0x1F"), Ok(Value::Integer(-31)));
        assert_eq!(parse_number("1e3"), Ok(Value::Float(1000.0)));
        assert!(parse_number("1.").is_err());
        assert!(parse_number("0x_1").is_err());
        assert!(parse_number("1.0.0").is_err());
        assert!(parse_number(".5").is_err());
    }
}
