//! A finding: code, severity, message, labelled spans, help and fixes.

use intact_model::Loc;

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
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
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
    pub fn new(code: &'static str, loc: Loc, message: impl Into<String>) -> Diagnostic {
        let severity = crate::registry::rule(code).map_or(Severity::Error, |r| r.severity);
        Diagnostic {
            code,
            severity,
            message: message.into(),
            loc,
            label: String::new(),
            related: Vec::new(),
            help: None,
            fixes: Vec::new(),
        }
    }

    pub fn label(mut self, text: impl Into<String>) -> Self {
        self.label = text.into();
        self
    }

    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(text.into());
        self
    }

    pub fn related(mut self, loc: Loc, message: impl Into<String>) -> Self {
        self.related.push(Label {
            loc,
            message: message.into(),
        });
        self
    }

    pub fn fix(
        mut self,
        title: impl Into<String>,
        loc: Loc,
        replacement: impl Into<String>,
    ) -> Self {
        self.fixes.push(Fix {
            title: title.into(),
            edits: vec![(loc, replacement.into())],
        });
        self
    }

    /// A fix made of several edits at once (non-overlapping).
    pub fn fix_edits(mut self, title: impl Into<String>, edits: Vec<(Loc, String)>) -> Self {
        self.fixes.push(Fix {
            title: title.into(),
            edits,
        });
        self
    }
}
