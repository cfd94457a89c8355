//! Writing KDL values: the one encoder every edit, fix and generated file uses, so that quoting and
//! escaping are decided in one place and always read back as the same value.

use std::fmt::Write;

/// A KDL v2 quoted string holding `s` exactly. `${` is not escaped here: callers decide whether a
/// text is a template (`$${` writes a literal `${`).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Control characters and the characters KDL forbids in a document, by their escape.
            c if c.is_control()
                || crate::lexer::is_disallowed(c)
                || matches!(c, '\u{2028}' | '\u{2029}') =>
            {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_strings_read_back_as_the_same_text() {
        assert_eq!(quote("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
        assert_eq!(quote("\u{7}"), r#""\u{7}""#);
        for text in [
            "",
            "plain",
            "a\"b",
            "back\\slash",
            "tab\there",
            "\u{feff}bom",
            "bidi \u{202e}evil\u{2066}x\u{2069}",
            "é ü 日本",
            "${x}",
        ] {
            let doc = format!("n {}\n", quote(text));
            let parsed = crate::parse(&doc);
            assert!(parsed.errors.is_empty(), "{doc}: {:?}", parsed.errors);
            let node = &parsed.document.nodes[0];
            assert_eq!(
                node.arg(0).and_then(|l| l.value.as_str()),
                Some(text),
                "{doc}"
            );
        }
    }
}
