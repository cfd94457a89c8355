//! Syntax errors.

use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Not valid KDL v2.
    Syntax,
    /// A KDL v1 spelling; the help names the v2 one.
    KdlV1,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    pub kind: ErrorKind,
    /// A replacement that fixes it: the span and its new text (an insertion when empty).
    pub fix: Option<(Span, String)>,
}

impl SyntaxError {
    /// A plain syntax error (not a KDL v1 spelling).
    pub fn new(span: Span, message: impl Into<String>, help: Option<&str>) -> SyntaxError {
        SyntaxError {
            span,
            message: message.into(),
            help: help.map(str::to_owned),
            kind: ErrorKind::Syntax,
            fix: None,
        }
    }
}
