//! Template strings: text with `${…}` expressions.
//!
//! This module finds the expression parts of a template and maps their offsets back into the file.
//! The names each expression uses come from its syntax tree ([`intact_expr::references`]).

use intact_expr::Reference;
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

/// The fields of `root` that the expressions of a template's text read (`auth` → `token` for
/// `"Bearer ${auth.token}"`), each with its byte offset within `text`.
pub fn members<'a>(text: &'a str, root: &str) -> Vec<(usize, &'a str)> {
    let mut out = Vec::new();
    // Most templates never name `root`: no need to parse them.
    if !text.contains(root) {
        return out;
    }
    for seg in segments(text) {
        for r in intact_expr::references(seg.expr) {
            if let Reference::Member {
                root: r_root,
                field,
                offset,
            } = r
                && r_root == root
            {
                out.push((seg.offset + offset, field));
            }
        }
    }
    out
}

/// Maps offsets in a string literal's decoded text back to the file: exact for quoted strings with
/// or without escapes and for single-line raw strings; for multi-line strings, exact when the line
/// holds no escape, else the whole literal (still the right place, only wider).
pub fn map_offset(literal_span: Span, raw: &str, decoded: &str, offset: usize, len: usize) -> Span {
    let Some(map) = offset_map(raw, decoded) else {
        return literal_span;
    };
    let (Some(&start), Some(&end)) = (map.get(offset), map.get(offset + len)) else {
        return literal_span;
    };
    // The end is where the next decoded byte comes from: exact unless an escape follows.
    let end = end.max(start);
    Span::new(
        literal_span.start + start as u32,
        literal_span.start + end as u32,
    )
}

/// For each byte offset of `decoded` (and one past its end), the byte offset in `raw` it came from.
fn offset_map(raw: &str, decoded: &str) -> Option<Vec<usize>> {
    let hashes = raw.bytes().take_while(|&b| b == b'#').count();
    let body = &raw[hashes..];
    if body.starts_with("\"\"\"") {
        return multi_line_map(raw, decoded);
    }
    if !body.starts_with('"') {
        // A bare identifier: the text is the value.
        return (raw == decoded).then(|| (0..=raw.len()).collect());
    }
    if hashes > 0 {
        let start = hashes + 1;
        return (raw.get(start..start + decoded.len()) == Some(decoded))
            .then(|| (start..=start + decoded.len()).collect());
    }
    // A quoted string: replay its escapes.
    let mut map = Vec::with_capacity(decoded.len() + 1);
    let bytes = raw.as_bytes();
    let end = if raw.len() >= 2 && raw.ends_with('"') {
        raw.len() - 1
    } else {
        raw.len()
    };
    let mut i = 1;
    while i < end {
        if bytes[i] != b'\\' {
            let c = raw[i..].chars().next()?;
            for k in 0..c.len_utf8() {
                map.push(i + k);
            }
            i += c.len_utf8();
            continue;
        }
        let esc = raw[i + 1..].chars().next();
        match esc {
            Some('u') => {
                let close = raw[i..].find('}').map_or(end, |c| i + c + 1);
                let ch =
                    u32::from_str_radix(raw.get(i + 3..close.saturating_sub(1)).unwrap_or(""), 16)
                        .ok()
                        .and_then(char::from_u32);
                for _ in 0..ch.map_or(0, char::len_utf8) {
                    map.push(i);
                }
                i = close;
            }
            Some(w) if w.is_whitespace() => {
                i += 1;
                while let Some(c) = raw[i..].chars().next().filter(|c| c.is_whitespace()) {
                    i += c.len_utf8();
                }
            }
            Some(c) => {
                map.push(i);
                i += 1 + c.len_utf8();
            }
            None => break,
        }
    }
    map.push(end);
    (map.len() == decoded.len() + 1).then_some(map)
}

/// Multi-line strings: each decoded line is found in the raw text, in order.
fn multi_line_map(raw: &str, decoded: &str) -> Option<Vec<usize>> {
    let mut map = Vec::with_capacity(decoded.len() + 1);
    let mut search_from = raw.find('\n')? + 1;
    for (n, line) in decoded.split('\n').enumerate() {
        if n > 0 {
            map.push(search_from.saturating_sub(1));
        }
        let at = if line.is_empty() {
            search_from
        } else {
            search_from + raw[search_from..].find(line)?
        };
        map.extend(at..at + line.len());
        search_from = at + line.len() + raw[at + line.len()..].find('\n').map_or(0, |i| i + 1);
    }
    map.push(raw.len());
    (map.len() == decoded.len() + 1).then_some(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_offsets_through_escapes() {
        // "a\"b${x.y}": the expression starts after an escaped quote.
        let raw = r#""a\"b${x.y}""#;
        let decoded = "a\"b${x.y}";
        let at = decoded.find("x.y").unwrap();
        let span = map_offset(Span::new(100, 100 + raw.len() as u32), raw, decoded, at, 3);
        assert_eq!(
            &raw[(span.start - 100) as usize..(span.end - 100) as usize],
            "x.y"
        );
        let raw = r##"#"${input.x}"#"##;
        let span = map_offset(Span::new(0, raw.len() as u32), raw, "${input.x}", 2, 7);
        assert_eq!(&raw[span.start as usize..span.end as usize], "input.x");
        let raw = "\"\"\"\n    line ${a.b}\n    \"\"\"";
        let decoded = "line ${a.b}";
        let span = map_offset(Span::new(0, raw.len() as u32), raw, decoded, 7, 3);
        assert_eq!(&raw[span.start as usize..span.end as usize], "a.b");
    }

    #[test]
    fn maps_offsets_of_unterminated_literals() {
        // Found by the `check` fuzz target: an unterminated string ending in `é`.
        let span = Span::new(10, 13);
        assert_eq!(map_offset(span, "\"é", "é", 0, 2), Span::new(11, 13));
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
}
