//! The canonical layout of a KDL file, as `intact fmt` and the language server print it.
//!
//! The formatter changes only layout: indentation (4 spaces), one node per line, single spaces
//! between entries, `key=value` and `(type)` without inner spaces, at most one blank line in a row,
//! and one newline at the end. Every comment, slashdashed item and line continuation is kept, and
//! every value keeps its exact spelling (`0x1F` stays `0x1F`, a raw string stays raw). A block that
//! was written on one line stays on one line while it fits in [`MAX_WIDTH`] columns.
//!
//! A file with syntax errors is not formatted: guessing the layout of text that does not parse is
//! how formatters lose code.

use crate::ast::{Block, Document, Entry, Node};
use crate::lexer::{Token, TokenKind, Tokens};
use crate::parser::Parse;
use crate::span::Span;

/// Lines of inline blocks are kept to this many columns.
pub const MAX_WIDTH: usize = 100;
const INDENT: &str = "    ";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    pub errors: usize,
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the file has {} syntax error(s); fix them before formatting",
            self.errors
        )
    }
}

impl std::error::Error for FormatError {}

/// Formats `text`, whose parse is `parse`. Refuses a file with syntax errors.
pub fn format(text: &str, parse: &Parse) -> Result<String, FormatError> {
    if !parse.errors.is_empty() {
        return Err(FormatError {
            errors: parse.errors.len(),
        });
    }
    let nl = if text.contains("\r\n") && !text.replace("\r\n", "").contains('\n') {
        "\r\n"
    } else {
        "\n"
    };
    let mut p = Printer {
        text,
        tokens: &parse.tokens,
        out: String::with_capacity(text.len() + 64),
        nl,
    };
    if parse
        .tokens
        .first()
        .is_some_and(|t| t.kind == TokenKind::Bom)
    {
        p.out.push('\u{FEFF}');
    }
    p.document(&parse.document);
    Ok(p.out)
}

/// Parses and formats `text` in one call.
pub fn format_text(text: &str) -> Result<String, FormatError> {
    format(text, &crate::parse(text))
}

struct Printer<'a> {
    text: &'a str,
    tokens: &'a Tokens,
    out: String,
    nl: &'static str,
}

impl<'a> Printer<'a> {
    fn raw(&self, span: Span) -> &'a str {
        &self.text[span.range()]
    }

    /// Tokens that start within `from..to`.
    fn tokens_in(&self, from: u32, to: u32) -> impl Iterator<Item = Token> + 'a {
        self.tokens.starting_in(from, to)
    }

    fn newline(&mut self, indent: usize) {
        self.out.push_str(self.nl);
        for _ in 0..indent {
            self.out.push_str(INDENT);
        }
    }

    fn column(&self) -> usize {
        let line_start = self.out.rfind('\n').map_or(0, |i| i + 1);
        self.out[line_start..].chars().count()
    }

    fn document(&mut self, doc: &Document) {
        let end = self.text.len() as u32;
        let wrote = self.nodes(&doc.nodes, 0, end, 0, false);
        if wrote {
            self.out.push_str(self.nl);
        }
    }

    /// Prints `nodes` and the comments around them, each on its own line at `indent`. `from..to` is
    /// the region they live in (the file, or a block's inside). Returns whether anything was written.
    fn nodes(
        &mut self,
        nodes: &[Node],
        from: u32,
        to: u32,
        indent: usize,
        lead_newline: bool,
    ) -> bool {
        let mut state = LineState {
            wrote: false,
            lead_newline,
            after_block_comment: false,
        };
        let mut cursor = from;
        for node in nodes {
            let start = node
                .slashdash
                .map_or(node.span.start, |s| s.start.min(node.span.start));
            self.line_gap(cursor, start, indent, &mut state, true);
            self.node(node, indent);
            cursor = self.after_node(node);
        }
        self.line_gap(cursor, to, indent, &mut state, false);
        state.wrote
    }

    /// Comments between nodes, each on its own line; keeps one blank line where there were several.
    /// With `before_item`, also starts the line for the node that follows.
    fn line_gap(
        &mut self,
        from: u32,
        to: u32,
        indent: usize,
        state: &mut LineState,
        before_item: bool,
    ) {
        let mut newlines = 0usize;
        for t in self.tokens_in(from, to) {
            match t.kind {
                TokenKind::Newline => newlines += 1,
                TokenKind::LineComment | TokenKind::BlockComment => {
                    self.start_line(newlines, indent, state);
                    self.out.push_str(self.raw(t.span));
                    state.after_block_comment = t.kind == TokenKind::BlockComment;
                    newlines = 0;
                }
                _ => {}
            }
        }
        if before_item {
            self.start_line(newlines, indent, state);
            state.after_block_comment = false;
        }
    }

    fn start_line(&mut self, newlines: usize, indent: usize, state: &mut LineState) {
        if !state.wrote {
            state.wrote = true;
            if state.lead_newline {
                self.newline(indent);
            } else {
                for _ in 0..indent {
                    self.out.push_str(INDENT);
                }
            }
            return;
        }
        if newlines == 0 && state.after_block_comment {
            // A block comment followed by a node on the same line.
            self.out.push(' ');
            return;
        }
        if newlines >= 2 {
            self.out.push_str(self.nl);
        }
        self.newline(indent);
    }

    /// Consumes what ends a node on its line (`;`, a trailing comment) and returns where the gap to
    /// the next item starts.
    fn after_node(&mut self, node: &Node) -> u32 {
        let mut end = node.span.end;
        let mut ws_before: Option<Span> = None;
        for t in self.tokens_in(node.span.end, self.text.len() as u32) {
            match t.kind {
                TokenKind::Whitespace => ws_before = Some(t.span),
                TokenKind::Semicolon => {
                    end = t.span.end;
                    ws_before = None;
                }
                TokenKind::LineComment | TokenKind::BlockComment => {
                    if t.kind == TokenKind::BlockComment && self.raw(t.span).contains(['\n', '\r'])
                    {
                        break;
                    }
                    // Keep the author's spacing before a trailing comment (it often aligns a column).
                    match ws_before {
                        Some(ws) if t.kind == TokenKind::LineComment => {
                            let ws = self.raw(ws);
                            if ws.chars().all(|c| c == ' ') {
                                self.out.push_str(ws)
                            } else {
                                self.out.push(' ')
                            }
                        }
                        _ => self.out.push(' '),
                    }
                    self.out.push_str(self.raw(t.span));
                    end = t.span.end;
                    ws_before = None;
                    if t.kind == TokenKind::LineComment {
                        break;
                    }
                }
                _ => break,
            }
        }
        end
    }

    fn node(&mut self, node: &Node, indent: usize) {
        let mut cursor = node.span.start;
        if let Some(dash) = node.slashdash {
            self.out.push_str("/-");
            self.inline_gap(dash.end, node.span.start, indent, "");
        }
        if let Some(ty) = &node.ty {
            self.annotation(ty);
            self.inline_gap(ty.span.end, node.name.span.start, indent, "");
        }
        self.out.push_str(self.raw(node.name.span));
        cursor = cursor.max(node.name.span.end);
        for entry in &node.entries {
            let start = entry.slashdash.map_or(entry.span.start, |s| s.start);
            self.inline_gap(cursor, start, indent, " ");
            self.entry(entry, indent);
            cursor = entry.span.end;
        }
        for block in &node.blocks {
            let start = block.slashdash.map_or(block.span.start, |s| s.start);
            self.inline_gap(cursor, start, indent, " ");
            if let Some(dash) = block.slashdash {
                self.out.push_str("/-");
                self.inline_gap(dash.end, block.span.start, indent, "");
            }
            self.block(block, indent);
            cursor = block.span.end;
        }
    }

    fn annotation(&mut self, ty: &crate::ast::Annotation) {
        self.out.push('(');
        self.inline_gap(ty.span.start + 1, ty.name.span.start, 0, "");
        self.out.push_str(self.raw(ty.name.span));
        self.inline_gap(ty.name.span.end, ty.span.end - 1, 0, "");
        self.out.push(')');
    }

    fn entry(&mut self, entry: &Entry, indent: usize) {
        if let Some(dash) = entry.slashdash {
            self.out.push_str("/-");
            self.inline_gap(dash.end, entry.span.start, indent, "");
        }
        let value_start = entry.value.full_span().start;
        if let Some(key) = &entry.key {
            self.out.push_str(self.raw(key.span));
            // Comments around `=` are kept; the `=` itself is re-emitted here.
            let eq = self
                .tokens_in(key.span.end, value_start)
                .find(|t| t.kind == TokenKind::Eq);
            let eq_start = eq.map_or(key.span.end, |t| t.span.start);
            let eq_end = eq.map_or(key.span.end, |t| t.span.end);
            self.inline_gap(key.span.end, eq_start, indent, "");
            self.out.push('=');
            self.inline_gap(eq_end, value_start, indent, "");
        }
        if let Some(ty) = &entry.value.ty {
            self.annotation(ty);
            self.inline_gap(ty.span.end, entry.value.span.start, indent, "");
        }
        self.out.push_str(self.raw(entry.value.span));
    }

    /// The space between two parts of one node: `sep`, or the comments and line continuations found
    /// there, kept in order.
    fn inline_gap(&mut self, from: u32, to: u32, indent: usize, sep: &str) {
        let mut at_line_start = false;
        let mut wrote_any = false;
        for t in self.tokens_in(from, to) {
            match t.kind {
                TokenKind::Escline => {
                    self.out.push_str(" \\");
                    at_line_start = false;
                    wrote_any = true;
                }
                TokenKind::BlockComment => {
                    if !at_line_start {
                        self.out.push(' ');
                    }
                    self.out.push_str(self.raw(t.span));
                    at_line_start = false;
                    wrote_any = true;
                }
                TokenKind::LineComment => {
                    self.out.push(' ');
                    self.out.push_str(self.raw(t.span));
                    self.newline(indent + 1);
                    at_line_start = true;
                    wrote_any = true;
                }
                // Only after an escline or a slashdash; a line comment already broke the line.
                TokenKind::Newline if wrote_any && !at_line_start => {
                    self.newline(indent + 1);
                    at_line_start = true;
                }
                _ => {}
            }
        }
        // After a comment the separator is one space; a continuation line is already indented.
        if !at_line_start && (!wrote_any || !sep.is_empty()) {
            self.out.push_str(if wrote_any { " " } else { sep });
        }
    }

    fn block(&mut self, block: &Block, indent: usize) {
        let inner_from = block.open.end;
        let inner_to = block.close.map_or(block.span.end, |c| c.start);
        if let Some(inline) = self.inline_block(block)
            && self.column() + inline.chars().count() <= MAX_WIDTH
        {
            self.out.push_str(&inline);
            return;
        }
        self.out.push('{');
        if block.nodes.is_empty() && !self.has_comments(inner_from, inner_to) {
            self.out.push('}');
            return;
        }
        self.nodes(&block.nodes, inner_from, inner_to, indent + 1, true);
        self.newline(indent);
        self.out.push('}');
    }

    fn has_comments(&self, from: u32, to: u32) -> bool {
        self.tokens_in(from, to).any(|t| t.kind.is_comment())
    }

    /// The block on one line (`{ a 1; b 2 }`), if it was written on one line without comments.
    fn inline_block(&self, block: &Block) -> Option<String> {
        if block.nodes.is_empty() {
            return None;
        }
        let breaks = self.tokens_in(block.open.end, block.span.end).any(|t| {
            matches!(
                t.kind,
                TokenKind::Newline
                    | TokenKind::LineComment
                    | TokenKind::BlockComment
                    | TokenKind::Escline
                    | TokenKind::MultiLineString
            ) || (t.kind == TokenKind::RawString && self.raw(t.span).contains(['\n', '\r']))
        });
        if breaks || block.close.is_none() {
            return None;
        }
        let mut sub = Printer {
            text: self.text,
            tokens: self.tokens,
            out: String::new(),
            nl: self.nl,
        };
        sub.out.push_str("{ ");
        for (i, node) in block.nodes.iter().enumerate() {
            if i > 0 {
                sub.out.push_str("; ");
            }
            sub.node(node, 0);
        }
        sub.out.push_str(" }");
        Some(sub.out)
    }
}

struct LineState {
    wrote: bool,
    /// Whether the first line needs a newline before it (inside a block, after the `{`).
    lead_newline: bool,
    /// The last thing written was a block comment, which a node may follow on the same line.
    after_block_comment: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        format_text(s).unwrap()
    }

    #[test]
    fn indents_and_spaces() {
        assert_eq!(fmt("a  1   k = 2{\nb\n}"), "a 1 k=2 {\n    b\n}\n");
    }

    #[test]
    fn keeps_comments() {
        let src = "// head\nnode 1 // trailing\n\n\n/* block */\nother /* mid */ 2\n";
        assert_eq!(
            fmt(src),
            "// head\nnode 1 // trailing\n\n/* block */\nother /* mid */ 2\n"
        );
    }

    #[test]
    fn keeps_inline_blocks() {
        assert_eq!(fmt("name {  a 1 ;b 2 }"), "name { a 1; b 2 }\n");
        assert_eq!(fmt("n {\n a; b\n}"), "n {\n    a\n    b\n}\n");
    }

    #[test]
    fn keeps_slashdash_and_escline() {
        let src = "node /-1 2 \\ // c\n    3 /-{\n  x\n}\n";
        let out = fmt(src);
        assert_eq!(out, "node /-1 2 \\ // c\n    3 /-{\n    x\n}\n");
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn refuses_broken_files() {
        assert!(format_text("node \"abc").is_err());
    }
}
