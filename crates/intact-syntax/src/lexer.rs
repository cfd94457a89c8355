//! The KDL v2 lexer: splits text into tokens that cover every byte.
//!
//! The lexer never fails: text it cannot make sense of becomes an [`TokenKind::Error`] token, and the
//! parser reports it. Token contents (escapes, numbers, multi-line dedent) are checked later, when a
//! value is decoded, so that each problem is reported once and with the narrowest span.

use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TokenKind {
    /// A run of `unicode-space` characters.
    Whitespace,
    /// One newline (CRLF counts as one).
    Newline,
    /// `// …` up to, not including, the newline.
    LineComment,
    /// `/* … */`, nested; may be unterminated (then it runs to the end of the file).
    BlockComment,
    /// `/-`
    SlashDash,
    /// A lone `\` that starts a line continuation.
    Escline,
    /// U+FEFF at the start of the file.
    Bom,
    /// A bare identifier string (`node`, `base-url`, `-`).
    Ident,
    /// A number-like run (`12`, `0x1F`, `1.5e3`, `-3`), valid or not.
    Number,
    /// `"…"` on one line.
    String,
    /// `"""` newline … `"""`.
    MultiLineString,
    /// `#"…"#`, `##"…"##`, `#"""…"""#`.
    RawString,
    /// `#true`, `#false`, `#null`, `#inf`, `#-inf`, `#nan`, or an unknown `#word`.
    Keyword,
    LBrace,
    RBrace,
    LParen,
    RParen,
    Eq,
    Semicolon,
    /// Text that is not KDL: a stray character or a disallowed code point.
    Error,
}

impl TokenKind {
    /// Whitespace or a block comment: may sit between any two tokens of one line.
    pub fn is_inline_trivia(self) -> bool {
        matches!(self, TokenKind::Whitespace | TokenKind::BlockComment)
    }

    pub fn is_string(self) -> bool {
        matches!(
            self,
            TokenKind::Ident
                | TokenKind::String
                | TokenKind::MultiLineString
                | TokenKind::RawString
        )
    }

    pub fn is_comment(self) -> bool {
        matches!(self, TokenKind::LineComment | TokenKind::BlockComment)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

pub fn is_unicode_space(c: char) -> bool {
    matches!(
        c,
        '\u{0009}' | '\u{0020}' | '\u{00A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

pub fn is_newline(c: char) -> bool {
    matches!(
        c,
        '\u{000A}' | '\u{000B}' | '\u{000C}' | '\u{000D}' | '\u{0085}' | '\u{2028}' | '\u{2029}'
    )
}

/// Code points that may not appear literally anywhere in a KDL document.
pub fn is_disallowed(c: char) -> bool {
    matches!(
        c,
        '\u{0000}'..='\u{0008}'
            | '\u{000E}'..='\u{001F}'
            | '\u{007F}'
            | '\u{200E}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

pub fn is_identifier_char(c: char) -> bool {
    !(is_unicode_space(c)
        || is_newline(c)
        || is_disallowed(c)
        || matches!(
            c,
            '\\' | '/' | '(' | ')' | '{' | '}' | '[' | ']' | ';' | '"' | '#' | '='
        ))
}

/// Whether a block comment token ends with the `*/` that closes its outermost `/*`.
pub fn block_comment_closed(raw: &str) -> bool {
    let b = raw.as_bytes();
    let (mut i, mut depth) = (2usize, 1usize);
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i == b.len();
                }
            }
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            _ => i += 1,
        }
    }
    false
}

/// A file's tokens, stored compactly: a kind and a start offset each (5 bytes instead of the 12 of
/// a [`Token`]); a token ends where the next one starts. This keeps a parse under ten times the size
/// of its file (see docs/performance.md).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tokens {
    kinds: Vec<TokenKind>,
    starts: Vec<u32>,
    end: u32,
}

impl Tokens {
    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    pub fn kind(&self, i: usize) -> Option<TokenKind> {
        self.kinds.get(i).copied()
    }

    pub fn get(&self, i: usize) -> Option<Token> {
        let kind = *self.kinds.get(i)?;
        let end = self.starts.get(i + 1).copied().unwrap_or(self.end);
        Some(Token {
            kind,
            span: Span::new(self.starts[i], end),
        })
    }

    pub fn first(&self) -> Option<Token> {
        self.get(0)
    }

    pub fn iter(&self) -> impl Iterator<Item = Token> + '_ {
        (0..self.len()).map(|i| self.get(i).expect("in range"))
    }

    /// Index of the first token that starts at or after `offset`.
    pub fn index_at(&self, offset: u32) -> usize {
        self.starts.partition_point(|&s| s < offset)
    }

    /// Tokens that start within `from..to`, in order.
    pub fn starting_in(&self, from: u32, to: u32) -> impl Iterator<Item = Token> + '_ {
        let a = self.index_at(from);
        let b = self.index_at(to).max(a);
        (a..b).map(|i| self.get(i).expect("in range"))
    }

    /// Tokens from index `i` on.
    pub fn from_index(&self, i: usize) -> impl Iterator<Item = Token> + '_ {
        (i..self.len()).map(|i| self.get(i).expect("in range"))
    }

    fn push(&mut self, kind: TokenKind, start: u32) {
        self.kinds.push(kind);
        self.starts.push(start);
    }
}

/// Splits `text` into tokens. The tokens' spans are contiguous and cover the whole text.
pub fn lex(text: &str) -> Tokens {
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        tokens: Tokens::default(),
    };
    // Real files average about one token per 4.5 bytes; reserving avoids repeated growth.
    let estimate = text.len() / 4 + 4;
    lexer.tokens.kinds.reserve(estimate);
    lexer.tokens.starts.reserve(estimate);
    lexer.run();
    lexer.tokens.kinds.shrink_to_fit();
    lexer.tokens.starts.shrink_to_fit();
    lexer.tokens.end = text.len() as u32;
    lexer.tokens
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    tokens: Tokens,
}

impl Lexer<'_> {
    fn run(&mut self) {
        if self.text.starts_with('\u{FEFF}') {
            self.pos = 3;
            self.push(TokenKind::Bom, 0);
        }
        while self.pos < self.bytes.len() {
            let start = self.pos;
            let kind = self.next_kind();
            debug_assert!(self.pos > start, "lexer made no progress at {start}");
            self.push(kind, start);
        }
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        self.tokens.push(kind, start as u32);
    }

    fn peek_char(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn bump_char(&mut self) -> char {
        let c = self.peek_char().expect("bump at end of input");
        self.pos += c.len_utf8();
        c
    }

    fn next_kind(&mut self) -> TokenKind {
        let b = self.bytes[self.pos];
        match b {
            b' ' | b'\t' => {
                self.eat_while(is_unicode_space);
                TokenKind::Whitespace
            }
            b'\n' | b'\x0B' | b'\x0C' => {
                self.pos += 1;
                TokenKind::Newline
            }
            b'\r' => {
                self.pos += 1;
                if self.bytes.get(self.pos) == Some(&b'\n') {
                    self.pos += 1;
                }
                TokenKind::Newline
            }
            b'/' => match self.bytes.get(self.pos + 1) {
                Some(b'/') => {
                    self.pos += 2;
                    self.eat_while(|c| !is_newline(c));
                    TokenKind::LineComment
                }
                Some(b'*') => {
                    self.block_comment();
                    TokenKind::BlockComment
                }
                Some(b'-') => {
                    self.pos += 2;
                    TokenKind::SlashDash
                }
                _ => {
                    self.pos += 1;
                    TokenKind::Error
                }
            },
            b'\\' => {
                self.pos += 1;
                TokenKind::Escline
            }
            b'{' => self.single(TokenKind::LBrace),
            b'}' => self.single(TokenKind::RBrace),
            b'(' => self.single(TokenKind::LParen),
            b')' => self.single(TokenKind::RParen),
            b'=' => self.single(TokenKind::Eq),
            b';' => self.single(TokenKind::Semicolon),
            b'"' => self.quoted_string(),
            b'#' => self.hash(),
            _ => {
                let c = self.peek_char().expect("not at end");
                if is_unicode_space(c) {
                    self.eat_while(is_unicode_space);
                    TokenKind::Whitespace
                } else if is_newline(c) {
                    self.pos += c.len_utf8();
                    TokenKind::Newline
                } else if is_identifier_char(c) {
                    let start = self.pos;
                    self.eat_while(is_identifier_char);
                    self.classify_word(start)
                } else {
                    // A disallowed code point, `[` or `]`.
                    self.pos += c.len_utf8();
                    TokenKind::Error
                }
            }
        }
    }

    /// Decides whether the identifier-character run just eaten is a number or a bare identifier.
    fn classify_word(&self, start: usize) -> TokenKind {
        let word = &self.bytes[start..self.pos];
        let rest = match word.first() {
            Some(b'+' | b'-') => &word[1..],
            _ => word,
        };
        match rest.first() {
            Some(b'0'..=b'9') => TokenKind::Number,
            // `.5` and `-.5` look like numbers but are neither numbers nor identifiers; the parser
            // reports them as malformed numbers.
            Some(b'.') if matches!(rest.get(1), Some(b'0'..=b'9')) => TokenKind::Number,
            _ => TokenKind::Ident,
        }
    }

    fn single(&mut self, kind: TokenKind) -> TokenKind {
        self.pos += 1;
        kind
    }

    fn eat_while(&mut self, f: impl Fn(char) -> bool) {
        let rest = &self.text[self.pos..];
        let len = rest.find(|c: char| !f(c)).unwrap_or(rest.len());
        self.pos += len;
    }

    fn block_comment(&mut self) {
        self.pos += 2;
        let mut depth = 1usize;
        while self.pos < self.bytes.len() {
            match (self.bytes[self.pos], self.bytes.get(self.pos + 1)) {
                (b'*', Some(b'/')) => {
                    self.pos += 2;
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                (b'/', Some(b'*')) => {
                    self.pos += 2;
                    depth += 1;
                }
                _ => {
                    self.bump_char();
                }
            }
        }
    }

    fn quoted_string(&mut self) -> TokenKind {
        if self.text[self.pos..].starts_with("\"\"\"") {
            self.pos += 3;
            self.multi_line_body(0);
            return TokenKind::MultiLineString;
        }
        self.pos += 1;
        while let Some(c) = self.peek_char() {
            match c {
                '"' => {
                    self.pos += 1;
                    return TokenKind::String;
                }
                '\\' => {
                    self.pos += 1;
                    match self.peek_char() {
                        // A whitespace escape may span lines; eat all of it so the string goes on.
                        Some(n) if is_unicode_space(n) || is_newline(n) => {
                            self.eat_while(|c| is_unicode_space(c) || is_newline(c))
                        }
                        Some(_) => {
                            self.bump_char();
                        }
                        None => {}
                    }
                }
                // An unterminated single-line string ends at the newline, so that the next line
                // still parses.
                c if is_newline(c) => return TokenKind::String,
                _ => {
                    self.pos += c.len_utf8();
                }
            }
        }
        TokenKind::String
    }

    /// Eats a multi-line string body after its opening `"""`, up to and including the closing `"""`
    /// followed by `hashes` hash signs. Escapes are skipped only for non-raw strings.
    fn multi_line_body(&mut self, hashes: usize) {
        let raw = hashes > 0;
        while let Some(c) = self.peek_char() {
            if c == '"' && self.text[self.pos..].starts_with("\"\"\"") {
                let after = self.pos + 3;
                if self.bytes[after..]
                    .iter()
                    .take(hashes)
                    .filter(|&&b| b == b'#')
                    .count()
                    == hashes
                {
                    self.pos = after + hashes;
                    return;
                }
                self.pos += 1;
            } else if c == '\\' && !raw {
                self.pos += 1;
                if self.pos < self.bytes.len() {
                    self.bump_char();
                }
            } else {
                self.pos += c.len_utf8();
            }
        }
    }

    fn hash(&mut self) -> TokenKind {
        let start = self.pos;
        let hashes = self.bytes[start..]
            .iter()
            .take_while(|&&b| b == b'#')
            .count();
        let after = start + hashes;
        if self.bytes.get(after) == Some(&b'"') {
            self.pos = after;
            if self.text[self.pos..].starts_with("\"\"\"") {
                self.pos += 3;
                self.multi_line_body(hashes);
            } else {
                self.pos += 1;
                self.raw_single_line(hashes);
            }
            return TokenKind::RawString;
        }
        self.pos = after;
        if hashes == 1 {
            // `#true`, `#-inf`, or an unknown keyword: take the word so the error covers it.
            self.eat_while(is_identifier_char);
            TokenKind::Keyword
        } else {
            TokenKind::Error
        }
    }

    fn raw_single_line(&mut self, hashes: usize) {
        while let Some(c) = self.peek_char() {
            if c == '"' {
                self.pos += 1;
                let n = self.bytes[self.pos..]
                    .iter()
                    .take(hashes)
                    .filter(|&&b| b == b'#')
                    .count();
                if n == hashes
                    && self.bytes[self.pos..]
                        .iter()
                        .take_while(|&&b| b == b'#')
                        .count()
                        >= hashes
                {
                    self.pos += hashes;
                    return;
                }
            } else if is_newline(c) {
                // Like a quoted string: stop at the line end so that recovery starts on the next line.
                return;
            } else {
                self.pos += c.len_utf8();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
        lex(text)
            .iter()
            .map(|t| (t.kind, &text[t.span.range()]))
            .collect()
    }

    #[test]
    fn covers_every_byte() {
        let text = "node \"a\\\"b\" #\"raw\"# 0x1F /* c /* d */ */ //x\r\n(t)n k=#true {\n}";
        let toks = lex(text);
        let mut at = 0;
        for t in toks.iter() {
            assert_eq!(t.span.start, at);
            at = t.span.end;
        }
        assert_eq!(at as usize, text.len());
    }

    #[test]
    fn classifies_words() {
        use TokenKind::*;
        assert_eq!(
            kinds("a -1 +x .5 - 1e3"),
            vec![
                (Ident, "a"),
                (Whitespace, " "),
                (Number, "-1"),
                (Whitespace, " "),
                (Ident, "+x"),
                (Whitespace, " "),
                (Number, ".5"),
                (Whitespace, " "),
                (Ident, "-"),
                (Whitespace, " "),
                (Number, "1e3"),
            ]
        );
    }

    #[test]
    fn unterminated_string_stops_at_newline() {
        use TokenKind::*;
        assert_eq!(
            kinds("\"abc\nx"),
            vec![(String, "\"abc"), (Newline, "\n"), (Ident, "x")]
        );
    }

    #[test]
    fn raw_strings() {
        use TokenKind::*;
        assert_eq!(kinds("##\"a\"#b\"##"), vec![(RawString, "##\"a\"#b\"##")]);
        assert_eq!(
            kinds("#\"\"\"\nx\n\"\"\"#"),
            vec![(RawString, "#\"\"\"\nx\n\"\"\"#")]
        );
    }
}
