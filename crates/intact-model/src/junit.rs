//! Text in JUnit XML, which `intact check --format junit` and `intact test --format junit` both
//! write: one escaping, so that a finding's or a failure's text never breaks a CI's report.

/// Text for an XML attribute or element: the five special characters escaped, and the characters
/// XML 1.0 cannot carry even escaped (most controls, U+FFFE, U+FFFF) written as `\u{…}`, so that
/// a failure quoting a terminal escape sequence still gives a report CI can read.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if ((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
                || matches!(c, '\u{FFFE}' | '\u{FFFF}') =>
            {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn what_xml_cannot_carry_is_written_as_an_escape() {
        assert_eq!(
            super::text("a<b> & \"c\" 'd'\t\u{1b}[0m\u{FFFF}"),
            "a&lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;\t\\u{1b}[0m\\u{ffff}"
        );
    }
}
