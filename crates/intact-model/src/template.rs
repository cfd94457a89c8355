//! Template strings: text with `${…}` expressions.
//!
//! This module finds the expression parts of a template and maps their offsets back into the file.
//! The names an expression uses are found by [`references`], a small scanner that knows CEL's
//! string literals and member access; it serves name resolution (variable use, mapping calls) until
//! the typed CEL front end of the contracts-and-expressions work replaces it.

use intact_syntax::Span;

/// One `${…}` part of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment<'a> {
    /// The expression text between `${` and `}`.
    pub expr: &'a str,
    /// Byte offset of the expression text within the template's decoded text.
    pub offset: usize,
    /// Whether the closing `}` was found.
    pub closed: bool,
}

/// Whether the text holds any `${…}` (ignoring `$${` escapes).
pub fn has_expressions(text: &str) -> bool {
    !segments(text).is_empty()
}

/// The `${…}` parts of a template, in order. `$${` is a literal `${`.
pub fn segments(text: &str) -> Vec<Segment<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'$' && bytes[i + 1] == b'$' && bytes.get(i + 2) == Some(&b'{') {
            i += 3;
            continue;
        }
        if bytes[i] == b'$' && bytes[i + 1] == b'{' {
            let start = i + 2;
            let (end, closed) = expression_end(text, start);
            out.push(Segment {
                expr: &text[start..end],
                offset: start,
                closed,
            });
            i = if closed { end + 1 } else { end };
            continue;
        }
        i += 1;
    }
    out
}

/// The end of an expression starting at `start`: the `}` that balances it, skipping string literals.
fn expression_end(text: &str, start: usize) -> (usize, bool) {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => {
                let q = bytes[i];
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'{' => depth += 1,
            b'}' if depth == 0 => return (i, true),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    (bytes.len(), false)
}

/// A name used by an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reference<'a> {
    /// `root.field` where root is a scope name such as `app`, `auth`, `steps`, `input`.
    Member {
        root: &'a str,
        field: &'a str,
        offset: usize,
    },
    /// `name(` not preceded by `.`: a function or mapping call.
    Call { name: &'a str, offset: usize },
}

/// The names an expression uses; offsets are within `expr`.
pub fn references(expr: &str) -> Vec<Reference<'_>> {
    let bytes = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let ident_start = |b: u8| b.is_ascii_alphabetic() || b == b'_';
    let ident_char = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\'' || b == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        if b.is_ascii_digit() {
            while i < bytes.len() && (ident_char(bytes[i]) || bytes[i] == b'.') {
                i += 1;
            }
            continue;
        }
        if ident_start(b) {
            let start = i;
            while i < bytes.len() && ident_char(bytes[i]) {
                i += 1;
            }
            let name = &expr[start..i];
            let after_dot = expr[..start].trim_end().ends_with('.');
            if after_dot {
                continue;
            }
            let rest = expr[i..].trim_start();
            if rest.starts_with('(') {
                out.push(Reference::Call {
                    name,
                    offset: start,
                });
            } else if let Some(after) = rest.strip_prefix('.') {
                let after_trim = after.trim_start();
                let field_len = after_trim.bytes().take_while(|&b| ident_char(b)).count();
                if field_len > 0 {
                    let field_offset = expr.len() - after_trim.len();
                    out.push(Reference::Member {
                        root: name,
                        field: &after_trim[..field_len],
                        offset: field_offset,
                    });
                }
            }
            continue;
        }
        i += 1;
    }
    out
}

/// Maps offsets in a string literal's decoded text back to the file.
///
/// Exact when the literal has no escapes (the common case); otherwise every offset maps to the
/// whole literal, which is still the right place, only wider.
pub fn map_offset(literal_span: Span, raw: &str, decoded: &str, offset: usize, len: usize) -> Span {
    let quote = if raw.starts_with('"') && !raw.starts_with("\"\"\"") {
        1
    } else {
        0
    };
    // An unterminated literal may end inside a multi-byte character: compare without slicing blind.
    if quote == 1
        && raw.len() >= 2
        && raw.ends_with('"')
        && raw.get(1..raw.len() - 1) == Some(decoded)
    {
        let start = literal_span.start + 1 + offset as u32;
        return Span::new(start, start + len as u32);
    }
    if raw == decoded {
        let start = literal_span.start + offset as u32;
        return Span::new(start, start + len as u32);
    }
    literal_span
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_offsets_of_unterminated_literals() {
        // Found by the `check` fuzz target: an unterminated string ending in `é`.
        let span = Span::new(10, 13);
        assert_eq!(map_offset(span, "\"é", "é", 0, 2), span);
        assert_eq!(
            map_offset(Span::new(0, 5), "\"abc\"", "abc", 1, 1),
            Span::new(2, 3)
        );
    }

    #[test]
    fn finds_segments() {
        let s = segments("https://${app.sub}.x/${'}'}/$${literal}");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].expr, "app.sub");
        assert_eq!(s[0].offset, 10);
        assert_eq!(s[1].expr, "'}'");
    }

    #[test]
    fn finds_references() {
        let r = references("scim_user(steps.get.body) + app.sub + 'app.no' + x.size()");
        assert_eq!(
            r,
            vec![
                Reference::Call {
                    name: "scim_user",
                    offset: 0
                },
                Reference::Member {
                    root: "steps",
                    field: "get",
                    offset: 16
                },
                Reference::Member {
                    root: "app",
                    field: "sub",
                    offset: 32
                },
                Reference::Member {
                    root: "x",
                    field: "size",
                    offset: 51
                },
            ]
        );
    }
}
