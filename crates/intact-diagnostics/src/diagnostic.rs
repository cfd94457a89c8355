//! A finding: code, severity, message, labelled spans, help and fixes.

use intact_model::Loc;

use crate::Rule;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A secondary span, such as "first defined here".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub loc: Loc,
    pub message: String,
}

/// A text edit that fixes a finding (used by the language server's quick fixes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<(Loc, String)>,
    /// It only corrects what is written (a typo, a name's case, a query moved into children), so
    /// "fix all" may apply it without asking; one that adds or removes a definition is not.
    pub safe: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Rule,
    pub severity: Severity,
    pub message: String,
    pub loc: Loc,
    /// The primary label's text (shown under the span).
    pub label: String,
    pub related: Vec<Label>,
    pub help: Option<String>,
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    /// A finding with the severity its rule page gives.
    pub fn new(code: Rule, loc: Loc, message: impl Into<String>) -> Diagnostic {
        let severity = code.severity();
        Diagnostic {
            code,
            severity,
            message: clip_quoted(message.into()),
            loc,
            label: String::new(),
            related: Vec::new(),
            help: None,
            fixes: Vec::new(),
        }
    }

    pub fn label(mut self, text: impl Into<String>) -> Self {
        self.label = clip_quoted(text.into());
        self
    }

    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(clip_quoted(text.into()));
        self
    }

    pub fn related(mut self, loc: Loc, message: impl Into<String>) -> Self {
        self.related.push(Label {
            loc,
            message: clip_quoted(message.into()),
        });
        self
    }

    pub fn fix(self, title: impl Into<String>, loc: Loc, replacement: impl Into<String>) -> Self {
        self.with_fix(title.into(), vec![(loc, replacement.into())], true)
    }

    /// A fix that adds or removes a definition (declare a variable, remove an unused one, add an
    /// action): offered one by one, never applied by "fix all".
    pub fn suggestion(
        self,
        title: impl Into<String>,
        loc: Loc,
        replacement: impl Into<String>,
    ) -> Self {
        self.with_fix(title.into(), vec![(loc, replacement.into())], false)
    }

    fn with_fix(mut self, title: String, edits: Vec<(Loc, String)>, safe: bool) -> Self {
        self.fixes.push(Fix { title, edits, safe });
        self
    }

    /// A fix made of several edits at once (non-overlapping).
    pub fn fix_edits(self, title: impl Into<String>, edits: Vec<(Loc, String)>) -> Self {
        self.with_fix(title.into(), edits, true)
    }
}

/// The longest `quoted` token a message echoes whole; longer ones keep their start and end.
const MAX_QUOTED_CHARS: usize = 80;

/// Shortens every backtick-quoted token of a message (a name, a value or an expression echoed from
/// the file) that is longer than [`MAX_QUOTED_CHARS`], so that a megabyte-long name makes a
/// one-line message. A fix's replacement text is never clipped: it is not a message.
fn clip_quoted(text: String) -> String {
    if text.len() <= MAX_QUOTED_CHARS {
        return text;
    }
    let parts: Vec<&str> = text.split('`').collect();
    if !parts
        .iter()
        .skip(1)
        .step_by(2)
        .any(|p| p.chars().count() > MAX_QUOTED_CHARS)
    {
        return text;
    }
    let mut out = String::with_capacity(MAX_QUOTED_CHARS * parts.len());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('`');
        }
        let n = part.chars().count();
        // Odd parts are inside backticks (an unclosed last one included).
        if i % 2 == 1 && n > MAX_QUOTED_CHARS {
            let head: String = part.chars().take(MAX_QUOTED_CHARS * 3 / 5).collect();
            let tail: String = part.chars().skip(n - MAX_QUOTED_CHARS / 5).collect();
            out.push_str(&head);
            out.push('…');
            out.push_str(&tail);
        } else {
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_quoted_tokens_are_clipped() {
        let long = "x".repeat(10_000);
        let clipped = clip_quoted(format!(
            "there is no flow `{long}y` here; see `intact help`"
        ));
        assert_eq!(
            clipped,
            format!(
                "there is no flow `{}…{}y` here; see `intact help`",
                "x".repeat(48),
                "x".repeat(15)
            )
        );
        let short = "a `b` c ".repeat(50);
        assert_eq!(clip_quoted(short.clone()), short);
        // Multi-byte characters are cut on character boundaries.
        let wide = "é".repeat(200);
        assert!(clip_quoted(format!("`{wide}`")).chars().count() < 70);
    }
}
