//! Formatting a file in the canonical layout (`intact fmt`'s), in editor terms: the new text, or
//! why not.

/// What formatting a file's text gives.
#[derive(Debug, PartialEq, Eq)]
pub enum Formatted {
    /// The text is in the canonical layout already.
    Unchanged,
    /// The whole text, formatted.
    Changed(String),
    /// A file with syntax errors is not formatted (its layout could lose what the parser could
    /// not read): how many errors, and the 1-based line of the first.
    Refused { errors: usize, first_line: usize },
}

/// The text of a KDL file in the canonical layout.
pub fn format(text: &str) -> Formatted {
    let parse = intact_syntax::parse(text);
    match intact_syntax::format::format(text, &parse) {
        Ok(formatted) if *formatted == *text => Formatted::Unchanged,
        Ok(formatted) => Formatted::Changed(formatted.to_string()),
        Err(_) => {
            let first = parse.errors.iter().map(|e| e.span.start).min().unwrap_or(0);
            let first_line = text[..(first as usize).min(text.len())]
                .matches('\n')
                .count()
                + 1;
            Formatted::Refused {
                errors: parse.errors.len(),
                first_line,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_refuses_or_leaves() {
        assert_eq!(
            format("project \"p\" {\n    display-name \"P\"\n}\n"),
            Formatted::Unchanged
        );
        assert_eq!(
            format("project   \"p\"  {\n display-name \"P\"\n}\n"),
            Formatted::Changed("project \"p\" {\n    display-name \"P\"\n}\n".into())
        );
        assert_eq!(
            format("project \"p\" {\n}\nflow \"f\" {\n  request \"r\" GET /x\n}\n"),
            Formatted::Refused {
                errors: 1,
                first_line: 4
            }
        );
    }
}
