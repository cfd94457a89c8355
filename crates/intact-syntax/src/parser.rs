//! The error-tolerant KDL v2 parser.
//!
//! Recovery points are the ends of nodes: a newline, `;` and `}`. A mistake inside a node is
//! reported and the rest of the node's line is still read, so one typo costs one diagnostic and the
//! rest of the file keeps its meaning. Nesting is bounded ([`MAX_DEPTH`]) so that no input can
//! overflow the stack, here or in any code that walks the tree.
//!
//! Long file: one recursive-descent parser; its productions call each other and share the
//! recovery rules above.

use crate::ast::{Annotation, Block, Document, Entry, Literal, Name, Node, Value};
use crate::decode::Decoder;
use crate::error::{ErrorKind, SyntaxError};
use crate::lexer::{Token, TokenKind, Tokens, lex};
use crate::span::Span;

/// How deep `{ … }` blocks may nest. Real projects nest fewer than 12 levels.
pub const MAX_DEPTH: usize = 128;

/// The result of parsing one file: lossless tokens, the tree, and every syntax error.
#[derive(Clone, Debug, Default)]
pub struct Parse {
    pub tokens: Tokens,
    pub document: Document,
    pub errors: Vec<SyntaxError>,
}

/// A node's entries and blocks while it is read; they are boxed into the [`Node`] at its end.
struct Body {
    /// Where the node starts (its type annotation or name).
    start: u32,
    entries: Vec<Entry>,
    blocks: Vec<Block>,
}

/// Parses `text` as KDL v2. Never fails and never panics: problems are in [`Parse::errors`].
pub fn parse(text: &str) -> Parse {
    assert!(
        text.len() < u32::MAX as usize,
        "files over 4 GiB must be refused before parsing"
    );
    let tokens = lex(text);
    let count = |k: TokenKind| {
        (0..tokens.len())
            .filter(|&i| tokens.kind(i) == Some(k))
            .count()
    };
    let (opens, closes) = (count(TokenKind::LBrace), count(TokenKind::RBrace));
    let mut p = Parser {
        text,
        tokens: &tokens,
        pos: 0,
        errors: Vec::new(),
        unbalanced: opens > closes,
    };
    let nodes = p.nodes(0, None);
    let mut errors = p.errors;
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    Parse {
        document: Document { nodes },
        errors,
        tokens,
    }
}

struct Parser<'t> {
    text: &'t str,
    tokens: &'t Tokens,
    pos: usize,
    errors: Vec<SyntaxError>,
    /// More `{` than `}` in the file: some block is unclosed. Then indentation decides where a
    /// block ends (a node indented no deeper than the block's own node is not inside it), so that
    /// one missing `}` (often swallowed by an unterminated string) does not pull the rest of the
    /// file into one block.
    unbalanced: bool,
}

type K = TokenKind;

impl<'t> Parser<'t> {
    fn peek(&self) -> Option<K> {
        self.tokens.kind(self.pos)
    }

    fn span(&self) -> Span {
        match self.tokens.get(self.pos) {
            Some(t) => t.span,
            None => Span::empty(self.text.len() as u32),
        }
    }

    fn bump(&mut self) -> Token {
        let t = self.tokens.get(self.pos).expect("bump within the tokens");
        self.pos += 1;
        t
    }

    fn token_text(&self, t: Token) -> &'t str {
        &self.text[t.span.range()]
    }

    fn error(&mut self, span: Span, message: impl Into<String>, help: Option<&str>) {
        self.errors.push(SyntaxError::new(span, message, help));
    }

    fn end_of_previous(&self) -> u32 {
        if self.pos == 0 {
            0
        } else {
            self.tokens.get(self.pos - 1).map_or(0, |t| t.span.end)
        }
    }

    /// Skips whitespace and block comments; true if anything was skipped.
    fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        while let Some(t) = self
            .tokens
            .get(self.pos)
            .filter(|t| t.kind.is_inline_trivia())
        {
            if t.kind == K::BlockComment && !crate::lexer::block_comment_closed(self.token_text(t))
            {
                self.error(
                    Span::new(t.span.start, t.span.start + 2),
                    "this `/*` comment is never closed",
                    Some("end it with `*/` (block comments nest, so every `/*` inside needs its own `*/`)"),
                );
            }
            self.pos += 1;
        }
        self.pos > start
    }

    /// `node-space`: whitespace, block comments and line continuations.
    fn skip_node_space(&mut self) -> bool {
        let mut any = self.skip_ws();
        while self.peek() == Some(K::Escline) {
            self.escline();
            any = true;
            self.skip_ws();
        }
        any
    }

    /// A `\` continuation: it must be followed, after optional whitespace, by a line comment, a
    /// newline or the end of the file.
    fn escline(&mut self) {
        let backslash = self.bump();
        self.skip_ws();
        match self.peek() {
            Some(K::LineComment) => {
                self.pos += 1;
                if self.peek() == Some(K::Newline) {
                    self.pos += 1;
                }
            }
            Some(K::Newline) => self.pos += 1,
            None => {}
            Some(_) => self.error(
                backslash.span,
                "a `\\` outside a string must end the line (it continues the node on the next line)",
                Some("remove the `\\`, or put a newline after it; inside a string write `\\\\`"),
            ),
        }
    }

    /// `line-space`: node space, newlines and line comments.
    fn skip_line_space(&mut self) {
        loop {
            self.skip_node_space();
            match self.peek() {
                Some(K::Newline | K::LineComment | K::Bom) => {
                    if self.peek() == Some(K::Bom) && self.pos != 0 {
                        let span = self.span();
                        self.error(
                            span,
                            "a byte order mark may only start the file",
                            Some("delete it"),
                        );
                    }
                    self.pos += 1;
                }
                _ => return,
            }
        }
    }

    /// Nodes until the end of the file or, inside a block, until its `}` (not consumed).
    fn nodes(&mut self, depth: usize, block_open: Option<(Span, usize)>) -> Vec<Node> {
        let mut nodes = Vec::new();
        loop {
            let before_space = self.pos;
            self.skip_line_space();
            if let (true, Some((_, parent_indent)), Some(k)) =
                (self.unbalanced, block_open, self.peek())
                && k != K::RBrace
                && self.indent_of(self.span().start) <= parent_indent
            {
                // Leave the newline for the enclosing node to end on.
                self.pos = before_space;
                return nodes;
            }
            match self.peek() {
                None => return nodes,
                Some(K::RBrace) if block_open.is_some() => return nodes,
                Some(K::RBrace) => {
                    let span = self.bump().span;
                    self.error(
                        span,
                        "this `}` closes no block",
                        Some("delete it, or add the `{` it should close"),
                    );
                }
                Some(K::Semicolon) => {
                    let span = self.bump().span;
                    self.error(
                        span,
                        "a `;` must end a node, but no node comes before it",
                        Some("delete it"),
                    );
                }
                Some(K::SlashDash) => {
                    let dash = self.bump().span;
                    self.skip_line_space();
                    match self.peek() {
                        None | Some(K::RBrace) => self.error(
                            dash,
                            "`/-` comments out the next node, but none follows",
                            Some("delete the `/-`"),
                        ),
                        _ => {
                            if let Some(node) = self.node(depth, Some(dash)) {
                                nodes.push(node);
                            }
                        }
                    }
                }
                Some(_) => {
                    if let Some(node) = self.node(depth, None) {
                        nodes.push(node);
                    }
                }
            }
        }
    }

    /// Whether the token ahead is `else`, `else-if` or `catch`: the nodes that follow a block.
    fn starts_closing_line_node(&self) -> bool {
        matches!(
            &self.text[self.span().range()],
            "else" | "else-if" | "catch"
        )
    }

    /// The spaces and tabs that start the line holding `offset`.
    fn line_indent(&self, offset: u32) -> &'t str {
        let before = &self.text[..offset as usize];
        let line_start = before.rfind(crate::lexer::is_newline).map_or(0, |i| i + 1);
        let line = &self.text[line_start..];
        &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
    }

    /// Where the spaces before `offset` on its line begin.
    fn space_start(&self, offset: u32) -> u32 {
        let before = &self.text[..offset as usize];
        (before.trim_end_matches([' ', '\t']).len()) as u32
    }

    /// The column (in bytes) of `offset` on its line.
    fn indent_of(&self, offset: u32) -> usize {
        let before = &self.text[..offset as usize];
        let line_start = before.rfind(crate::lexer::is_newline).map_or(0, |i| i + 1);
        offset as usize - line_start
    }

    fn annotation(&mut self) -> Option<Box<Annotation>> {
        let open = self.bump().span;
        self.skip_node_space();
        let name = match self.peek() {
            Some(k) if k.is_string() => {
                let t = self.bump();
                let text = self.decode_name(t);
                Some(Name { text, span: t.span })
            }
            _ => {
                let span = self.span();
                self.error(
                    span,
                    "a type annotation needs a name inside its parentheses",
                    Some("write `(name)` or remove the parentheses"),
                );
                None
            }
        };
        self.skip_node_space();
        let close = if self.peek() == Some(K::RParen) {
            self.bump().span
        } else {
            let span = self.span();
            self.error(
                span,
                "expected `)` to close the type annotation",
                Some("add `)`"),
            );
            // Skip to the `)` on this line, if any, so the rest of the line still parses.
            let mut i = self.pos;
            while let Some(t) = self.tokens.get(i) {
                match t.kind {
                    K::RParen => {
                        self.pos = i + 1;
                        break;
                    }
                    K::Newline | K::Semicolon | K::LBrace | K::RBrace => break,
                    _ => i += 1,
                }
            }
            Span::empty(self.end_of_previous())
        };
        name.map(|name| {
            Box::new(Annotation {
                span: open.cover(close),
                name,
            })
        })
    }

    fn decode_string(&mut self, t: Token) -> Box<str> {
        let raw = self.token_text(t);
        Decoder {
            errors: &mut self.errors,
        }
        .string(t.kind, raw, t.span)
    }

    /// A name: a bare identifier straight from the text (inline when short, no allocation), a
    /// quoted one decoded.
    fn decode_name(&mut self, t: Token) -> compact_str::CompactString {
        if t.kind == K::Ident {
            let raw = self.token_text(t);
            Decoder {
                errors: &mut self.errors,
            }
            .check_ident(raw, t.span);
            return compact_str::CompactString::new(raw);
        }
        self.decode_string(t).into()
    }

    /// A KDL v1 raw string `r"…"` / `r#"…"#` lexes as the identifier `r` glued to a string. Reports
    /// it and returns the string's token, so the value still counts (one mistake, one diagnostic).
    fn legacy_raw_string(&mut self, t: Token) -> Option<Token> {
        if self.token_text(t) == "r"
            && matches!(
                self.peek(),
                Some(K::String | K::RawString | K::MultiLineString | K::Error)
            )
        {
            let s = self.bump();
            self.errors.push(SyntaxError {
                span: t.span.cover(s.span),
                message: "`r\"…\"` raw strings are KDL v1".into(),
                help: Some("KDL v2 writes raw strings as `#\"…\"#`".into()),
                kind: ErrorKind::KdlV1,
                fix: None,
            });
            return Some(s);
        }
        None
    }

    /// One node. Returns `None` when no node name could be read (the line is skipped).
    fn node(&mut self, depth: usize, slashdash: Option<Span>) -> Option<Node> {
        let ty = if self.peek() == Some(K::LParen) {
            let a = self.annotation();
            self.skip_node_space();
            a
        } else {
            None
        };
        let name = match self.peek() {
            Some(k) if k.is_string() => {
                let t = self.bump();
                if k == K::Ident && self.legacy_raw_string(t).is_some() {
                    self.recover_to_terminator();
                    return None;
                }
                Name {
                    text: self.decode_name(t),
                    span: t.span,
                }
            }
            _ => {
                let span = self.span();
                let what = self.describe(span);
                self.error(
                    span,
                    format!("expected a node name, found {what}"),
                    Some("a node starts with its name, like `action` or `\"quoted name\"`"),
                );
                self.recover_to_terminator();
                return None;
            }
        };
        let start = ty.as_ref().map_or(name.span.start, |t| t.span.start);
        let mut body = Body {
            start,
            entries: Vec::new(),
            blocks: Vec::new(),
        };
        self.node_body(&mut body, depth);
        // Boxed slices: no spare capacity, and 8 bytes less per field than a Vec.
        let mut node = Node {
            slashdash,
            ty,
            name,
            entries: body.entries.into_boxed_slice(),
            blocks: body.blocks.into_boxed_slice(),
            span: Span::empty(start),
        };
        node.span = Span::new(start, self.end_of_node(&node));
        Some(node)
    }

    fn end_of_node(&self, node: &Node) -> u32 {
        let mut end = node.name.span.end;
        if let Some(e) = node.entries.last() {
            end = end.max(e.span.end);
        }
        if let Some(b) = node.blocks.last() {
            end = end.max(b.span.end);
        }
        end
    }

    fn node_body(&mut self, node: &mut Body, depth: usize) {
        loop {
            let had_space = self.skip_node_space();
            match self.peek() {
                None | Some(K::Newline | K::LineComment | K::RBrace) => return,
                Some(K::Semicolon) => {
                    self.pos += 1;
                    return;
                }
                Some(K::LBrace) => {
                    self.block(node, depth, None);
                }
                Some(K::SlashDash) => {
                    let dash = self.bump().span;
                    if !had_space && node.blocks.is_empty() {
                        self.error(dash, "expected a space before `/-`", Some("add a space"));
                    }
                    self.skip_line_space();
                    match self.peek() {
                        None | Some(K::RBrace | K::Semicolon) => {
                            self.error(
                                dash,
                                "`/-` comments out the next entry or block, but none follows",
                                Some("delete the `/-`"),
                            );
                            if self.peek() == Some(K::Semicolon) {
                                self.pos += 1;
                            }
                            return;
                        }
                        Some(K::LBrace) => self.block(node, depth, Some(dash)),
                        Some(_) => {
                            if let Some(entry) = self.entry(Some(dash)) {
                                self.check_entry_after_block(node, &entry);
                                node.entries.push(entry);
                            }
                        }
                    }
                }
                Some(K::Ident) if !node.blocks.is_empty() && self.starts_closing_line_node() => {
                    // `} else {`: the next node of an `if`/`try` chain on the closing line. KDL
                    // starts a node on a new line, so this node ends here and the next one is
                    // read as its sibling, which is what the writer meant.
                    let span = self.span();
                    let word = self.text[span.range()].to_string();
                    let indent = self.line_indent(node.start);
                    self.errors.push(SyntaxError {
                        span,
                        message: format!(
                            "`{word}` must start on a new line: in KDL the next node starts after a newline, not after `}}`"
                        ),
                        help: Some(format!("put `{word}` on the line after the `}}`")),
                        kind: ErrorKind::Syntax,
                        fix: Some((
                            Span::new(self.space_start(span.start), span.start),
                            format!("\n{indent}"),
                        )),
                    });
                    return;
                }
                Some(_) if self.bare_value() => {}
                Some(_) => {
                    let before = self.span();
                    if !had_space {
                        let what = self.describe(before);
                        self.error(
                            Span::empty(before.start),
                            format!("expected a space before {what}"),
                            Some("separate arguments and properties with a space"),
                        );
                    }
                    if let Some(entry) = self.entry(None) {
                        self.check_entry_after_block(node, &entry);
                        node.entries.push(entry);
                    }
                }
            }
        }
    }

    /// A path, URL or template written without quotes (`/users/${input.userId}`): one error for
    /// the whole value, with the quoted form as its fix, instead of one per `/`, `$` and brace the
    /// tokens fall apart into. False, consuming nothing, for anything else.
    fn bare_value(&mut self) -> bool {
        let start = self.span().start as usize;
        let bytes = self.text.as_bytes();
        let (mut end, mut depth) = (start, 0usize);
        while let Some(&b) = bytes.get(end) {
            match b {
                b'$' if bytes.get(end + 1) == Some(&b'{') => {
                    depth += 1;
                    end += 1;
                }
                b'}' if depth > 0 => depth -= 1,
                b'\n' | b'\r' => break,
                // A comment is space between entries.
                b'/' if depth == 0 && matches!(bytes.get(end + 1), Some(b'/' | b'*')) => break,
                b' ' | b'\t' | b';' | b'{' | b'}' | b'=' | b'"' if depth == 0 => break,
                _ => {}
            }
            end += 1;
        }
        let text = &self.text[start..end];
        // A single token is a valid bare string (`abc$def`); only text that falls apart counts.
        let one_token = self.span().end as usize >= end;
        if one_token || !(text.contains('/') || text.contains("${")) {
            return false;
        }
        let span = Span::new(start as u32, end as u32);
        let quoted = crate::encode::quote(text);
        self.errors.push(SyntaxError {
            span,
            message: "a value with `/` or `$` must be quoted".into(),
            help: Some(format!("write it in quotes: {quoted}")),
            kind: ErrorKind::Syntax,
            fix: Some((span, quoted)),
        });
        while self
            .tokens
            .get(self.pos)
            .is_some_and(|t| (t.span.start as usize) < end && t.kind != K::Newline)
        {
            self.pos += 1;
        }
        true
    }

    fn check_entry_after_block(&mut self, node: &Body, entry: &Entry) {
        if !node.blocks.is_empty() {
            self.error(
                entry.span,
                "arguments and properties must come before the node's `{ … }` block",
                Some("move it before the `{`"),
            );
        }
    }

    fn block(&mut self, node: &mut Body, depth: usize, slashdash: Option<Span>) {
        let open = self.bump().span;
        if slashdash.is_none() && node.blocks.iter().any(|b| b.slashdash.is_none()) {
            self.error(
                open,
                "a node may have only one children block",
                Some("merge the blocks, or comment one out with `/-`"),
            );
        }
        if depth + 1 >= MAX_DEPTH {
            self.error(
                open,
                format!("blocks nest deeper than {MAX_DEPTH} levels"),
                Some("flatten the structure; intact projects need only a few levels"),
            );
            let end = self.skip_balanced();
            node.blocks.push(Block {
                slashdash,
                span: open.cover(end),
                open,
                close: None,
                nodes: Vec::new(),
            });
            return;
        }
        let indent = self.indent_of(node.start);
        let mut nodes = self.nodes(depth + 1, Some((open, indent)));
        nodes.shrink_to_fit();
        let close = if self.peek() == Some(K::RBrace) {
            Some(self.bump().span)
        } else {
            self.error(
                open,
                "this `{` is never closed",
                Some("add the matching `}`"),
            );
            None
        };
        let end = close.map_or(self.text.len() as u32, |c| c.end);
        node.blocks.push(Block {
            slashdash,
            span: Span::new(open.start, end),
            open,
            close,
            nodes,
        });
    }

    /// Skips to the `}` that balances an already consumed `{`, without recursion.
    fn skip_balanced(&mut self) -> Span {
        let mut depth = 1usize;
        while let Some(t) = self.tokens.get(self.pos) {
            self.pos += 1;
            match t.kind {
                K::LBrace => depth += 1,
                K::RBrace => {
                    depth -= 1;
                    if depth == 0 {
                        return t.span;
                    }
                }
                _ => {}
            }
        }
        Span::empty(self.text.len() as u32)
    }

    /// An argument or a property.
    fn entry(&mut self, slashdash: Option<Span>) -> Option<Entry> {
        let ty = if self.peek() == Some(K::LParen) {
            let a = self.annotation();
            self.skip_node_space();
            a
        } else {
            None
        };
        match self.peek() {
            Some(k) if k.is_string() => {
                let mut t = self.bump();
                if k == K::Ident
                    && let Some(s) = self.legacy_raw_string(t)
                {
                    if s.kind == K::Error {
                        return None;
                    }
                    t = Token {
                        kind: s.kind,
                        span: s.span,
                    };
                }
                // A property if `=` follows (spaces allowed around it).
                let save = self.pos;
                self.skip_node_space();
                if self.peek() == Some(K::Eq) {
                    self.pos += 1;
                    if let Some(ty) = &ty {
                        self.error(
                            ty.span,
                            "a property key cannot have a type annotation",
                            Some("move the `(type)` after the `=`, before the value"),
                        );
                    }
                    let key = Name {
                        text: self.decode_name(t),
                        span: t.span,
                    };
                    self.skip_node_space();
                    let value = self.value()?;
                    let span = key.span.cover(value.full_span());
                    return Some(Entry {
                        slashdash,
                        key: Some(key),
                        value,
                        span,
                    });
                }
                self.pos = save;
                let value = Literal {
                    ty,
                    span: t.span,
                    value: Value::String(self.decode_string(t)),
                };
                let span = value.full_span();
                Some(Entry {
                    slashdash,
                    key: None,
                    value,
                    span,
                })
            }
            Some(K::Number | K::Keyword) => {
                let mut value = self.value_literal()?;
                value.ty = ty;
                let span = value.full_span();
                self.no_eq_after_non_string();
                Some(Entry {
                    slashdash,
                    key: None,
                    value,
                    span,
                })
            }
            _ => {
                let span = self.span();
                let what = self.describe(span);
                self.error(
                    span,
                    format!("expected an argument or a property, found {what}"),
                    self.help_for(span),
                );
                // Step over the offending token unless it ends the node.
                if !matches!(
                    self.peek(),
                    None | Some(K::Newline | K::Semicolon | K::RBrace | K::LBrace | K::LineComment)
                ) {
                    self.pos += 1;
                }
                None
            }
        }
    }

    fn no_eq_after_non_string(&mut self) {
        let save = self.pos;
        self.skip_node_space();
        if self.peek() == Some(K::Eq) {
            let span = self.bump().span;
            self.error(
                span,
                "a property key must be a string, not a number or keyword",
                Some("quote the key"),
            );
            self.skip_node_space();
            let _ = self.value();
        } else {
            self.pos = save;
        }
    }

    /// A value after `=`: optional type annotation, then a literal.
    fn value(&mut self) -> Option<Literal> {
        let ty = if self.peek() == Some(K::LParen) {
            let a = self.annotation();
            self.skip_node_space();
            a
        } else {
            None
        };
        let mut lit = self.value_literal()?;
        lit.ty = ty;
        Some(lit)
    }

    fn value_literal(&mut self) -> Option<Literal> {
        match self.peek() {
            Some(k) if k.is_string() => {
                let mut t = self.bump();
                if k == K::Ident
                    && let Some(s) = self.legacy_raw_string(t)
                {
                    if s.kind == K::Error {
                        return None;
                    }
                    t = s;
                }
                Some(Literal {
                    ty: None,
                    span: t.span,
                    value: Value::String(self.decode_string(t)),
                })
            }
            Some(k @ (K::Number | K::Keyword)) => {
                let t = self.bump();
                let raw = self.token_text(t);
                let mut decoder = Decoder {
                    errors: &mut self.errors,
                };
                let value = if k == K::Number {
                    decoder.number(raw, t.span)
                } else {
                    decoder.keyword(raw, t.span)
                };
                Some(Literal {
                    ty: None,
                    span: t.span,
                    value,
                })
            }
            _ => {
                let span = self.span();
                let what = self.describe(span);
                self.error(
                    span,
                    format!("expected a value, found {what}"),
                    Some("write a string, a number, #true, #false or #null"),
                );
                None
            }
        }
    }

    /// Skips the rest of a broken node: up to its terminator, stepping over balanced blocks.
    fn recover_to_terminator(&mut self) {
        while let Some(k) = self.peek() {
            match k {
                K::Newline | K::RBrace => return,
                K::Semicolon => {
                    self.pos += 1;
                    return;
                }
                K::LBrace => {
                    self.pos += 1;
                    self.skip_balanced();
                }
                _ => self.pos += 1,
            }
        }
    }

    fn describe(&self, span: Span) -> String {
        match self.tokens.get(self.pos) {
            None => "the end of the file".into(),
            Some(t) => match t.kind {
                K::Newline => "the end of the line".into(),
                _ => {
                    let text = &self.text[span.range()];
                    let short: String = text.chars().take(20).collect();
                    let c = short.chars().next();
                    match c {
                        Some(c) if crate::lexer::is_disallowed(c) => {
                            format!("the code point U+{:04X}", c as u32)
                        }
                        _ => format!("`{short}`"),
                    }
                }
            },
        }
    }

    fn help_for(&self, span: Span) -> Option<&'static str> {
        let text = &self.text[span.range()];
        Some(match text.chars().next() {
            Some('[' | ']') => "`[` and `]` are not allowed outside quoted strings; quote the text",
            Some('=') => "a property needs a key before `=`, like `key=value`",
            Some(')') => "remove the `)`, or add the `(` it closes",
            Some('#') => "a `#` starts a keyword like #true or a raw string like #\"…\"#",
            Some('/') => "comments are `// …`, `/* … */`, or `/-` to comment out the next item",
            Some(c) if crate::lexer::is_disallowed(c) => {
                "remove this invisible or control character"
            }
            _ => "write a string, number, keyword, or `key=value`",
        })
    }
}
