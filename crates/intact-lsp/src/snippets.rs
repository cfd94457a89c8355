//! Completion items of several lines (action skeletons) in the form the client inserts whole: a
//! snippet with tab stops, or one line of KDL.

/// `text` as an LSP snippet: `$`, `}` and `\` escaped, each `${…}` placeholder a tab stop
/// (`${1:…}` inside the written `${…}`), and the cursor at the end.
pub(crate) fn snippet(text: &str) -> String {
    let mut out = String::new();
    let mut stop = 0;
    let mut rest = text;
    while let Some(i) = rest.find("${…}") {
        out.push_str(&escape_snippet(&rest[..i]));
        stop += 1;
        out.push_str(&format!("\\${{${{{stop}:…}}\\}}"));
        rest = &rest[i + "${…}".len()..];
    }
    out.push_str(&escape_snippet(rest));
    out.push_str("$0");
    out
}

fn escape_snippet(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('$', "\\$")
        .replace('}', "\\}")
}

/// `text` (formatted KDL) on one line: each line's node ends with `;` unless it opens a block,
/// comments are left out (a `//` would swallow the rest of the line). `intact fmt` lays it out
/// again.
pub(crate) fn one_line(text: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
    {
        let ends_node = !line.ends_with('{') && !line.ends_with('}');
        parts.push(if ends_node {
            format!("{line};")
        } else {
            line.to_string()
        });
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An action skeleton as a snippet expands back to the skeleton (its placeholders typed as
    /// `…`), and as one line parses as the same KDL (issue 26.4).
    #[test]
    fn skeletons_insert_whole_as_a_snippet_or_on_one_line() {
        let contract = intact_model::contracts::contract("get-user").unwrap();
        let text = intact_model::contracts::skeleton(contract);
        assert!(text.contains('\n') && text.contains("${…}"), "{text}");

        let s = snippet(&text);
        assert!(s.contains("\"\\${${1:…}\\}\""), "{s}");
        // What a client shows once it expands the snippet and the user keeps the defaults.
        let mut expanded = s.strip_suffix("$0").unwrap().to_string();
        for n in 1..=9 {
            expanded = expanded.replace(&format!("${{{n}:…}}"), "…");
        }
        let expanded = expanded
            .replace("\\$", "$")
            .replace("\\}", "}")
            .replace("\\\\", "\\");
        assert_eq!(expanded, text);

        let line = one_line(&text);
        assert!(!line.contains('\n'), "{line}");
        let parsed = intact_syntax::parse(&line);
        assert!(parsed.errors.is_empty(), "{line}: {:?}", parsed.errors);
        let action = &parsed.document.nodes[0];
        assert_eq!(action.name(), "action");
        assert!(action.children().any(|c| c.name() == "return"), "{line}");
    }
}
