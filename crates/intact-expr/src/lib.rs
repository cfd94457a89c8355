//! intact's expressions: the CEL inside `${…}`.
//!
//! - [`parse`]: one expression, with the byte range of every sub-expression (from the `cel` crate's
//!   source info) and syntax errors with positions;
//! - [`types`]: the type model and JSON Schema → type;
//! - [`refs`]: the names an expression uses (`app.x`, `steps.y`, `mapping(…)`), from its tree;
//! - [`infer`]: types an expression in an environment and reports unknown names, fields, functions,
//!   wrong arguments, type errors and steps used too early.
//!
//! Offsets here are byte offsets within the expression text; callers map them into the file.

pub mod eval;
pub mod functions;
pub mod infer;
pub mod refs;
pub mod types;

pub use cel::common::ast::{Expr, IdedExpr, SourceInfo};
pub use infer::{Env, Issue, IssueCode, infer};
pub use refs::{Reference, references};
pub use types::{Field, ObjectType, SchemaConverter, SchemaSource, Type};

/// The closest of `candidates` to `name`, if close enough to be a likely typo (did-you-mean for
/// every diagnostic of intact).
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let score = strsim::jaro_winkler(&name.to_lowercase(), &c.to_lowercase());
        let close = score >= 0.85
            || strsim::damerau_levenshtein(name, c) <= (name.len().max(c.len()) / 4).max(1);
        if close && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// A parsed expression.
pub struct Parsed {
    pub expr: IdedExpr,
    pub info: SourceInfo,
}

impl std::fmt::Debug for Parsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parsed")
            .field("expr", &self.expr)
            .finish_non_exhaustive()
    }
}

/// A syntax error: its byte range within the expression text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub start: usize,
    pub end: usize,
    pub message: String,
}

/// Parses one CEL expression.
pub fn parse(text: &str) -> Result<Parsed, Vec<SyntaxError>> {
    if text.trim().is_empty() {
        return Err(vec![SyntaxError {
            start: 0,
            end: text.len(),
            message: "the expression is empty".into(),
        }]);
    }
    // The cel parser recurses per nesting level; refuse absurd depth before it can overflow.
    let depth = text.bytes().fold((0usize, 0usize), |(d, max), b| match b {
        b'(' | b'[' | b'{' => (d + 1, max.max(d + 1)),
        b')' | b']' | b'}' => (d.saturating_sub(1), max),
        _ => (d, max),
    });
    if depth.1 > 64 {
        return Err(vec![SyntaxError {
            start: 0,
            end: text.len(),
            message: "the expression nests deeper than 64 levels".into(),
        }]);
    }
    // A chain (`1+1+…`, `.a.a…`, `[0][0]…`, `.lower().lower()…`) is as deep a tree as it is long,
    // and every walk of the tree (parsing, typing, evaluating) recurses through it: bound it here,
    // once, so that no walk can overflow a stack, the language server's threads included.
    let steps = operators(text);
    if steps > MAX_OPERATORS {
        return Err(vec![SyntaxError {
            start: 0,
            end: text.len(),
            message: format!(
                "the expression has {steps} operators, more than the {MAX_OPERATORS} an expression may have; split it into `let` steps"
            ),
        }]);
    }
    match cel::parser::Parser::new()
        .max_recursion_depth(96)
        .parse_with_source_info(text)
    {
        Ok((expr, info)) => Ok(Parsed { expr, info }),
        Err(errors) => Err(errors
            .errors
            .iter()
            .map(|e| {
                let start = line_col_to_offset(text, e.pos.0, e.pos.1);
                let end = next_char_end(text, start);
                SyntaxError {
                    start,
                    end,
                    message: tidy_message(&e.msg),
                }
            })
            .collect()),
    }
}

/// The most operators (`.`, arithmetic, comparisons, logic, calls, indexes, `?:`) an expression
/// may have; real ones have tens. docs/language.prose.md, Expressions.
pub const MAX_OPERATORS: usize = 500;

/// The operators of an expression, outside its string literals.
fn operators(text: &str) -> usize {
    let mut n = 0;
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    for b in text.bytes() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'.' | b'+' | b'-' | b'*' | b'/' | b'%' | b'<' | b'>' | b'=' | b'!' | b'&'
                | b'|' | b'?' | b'[' | b'(' => n += 1,
                _ => {}
            },
        }
    }
    n
}

/// The cel parser's position is 1-based line and column in characters.
fn line_col_to_offset(text: &str, line: isize, col: isize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i as isize + 1 == line {
            let col = (col - 1).max(0) as usize;
            return offset + l.char_indices().nth(col).map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    text.len()
}

fn next_char_end(text: &str, start: usize) -> usize {
    text[start.min(text.len())..]
        .chars()
        .next()
        .map_or(start, |c| start + c.len_utf8())
}

/// ANTLR's messages list every expected token; keep the first clause, which says what was found.
fn tidy_message(msg: &str) -> String {
    let msg = msg.trim_start_matches("Syntax error: ");
    // The parser's own words for a `? :` in the middle of another, which CEL's grammar does not
    // allow without parentheses.
    if msg.contains("ExprContext") {
        return if msg.contains("_?_:_") {
            "a `? :` inside the middle of another needs parentheses: `a ? (b ? c : d) : e`".into()
        } else {
            "this part of the expression is incomplete".into()
        };
    }
    // A skeleton's placeholder, left as it was inserted.
    if msg.starts_with("token recognition error at: '…") {
        return "`…` is a placeholder: write an expression here".into();
    }
    // The slips of other languages, in CEL's words.
    if msg.starts_with("token recognition error at: '=") {
        return "a single `=`: CEL compares with `==`".into();
    }
    for (word, op) in [("and", "&&"), ("or", "||"), ("not", "!")] {
        if msg == format!("mismatched input '{word}'")
            || msg.starts_with(&format!("mismatched input '{word}' "))
        {
            return format!("`{word}` is not an operator: CEL writes `{op}`");
        }
    }
    let msg = match msg.find(" expecting {") {
        Some(i) => &msg[..i],
        None => msg,
    };
    msg.replace("<EOF>", "the end of the expression")
}

impl Parsed {
    /// The byte range of a sub-expression, as the parser recorded it (inclusive end → exclusive).
    pub fn range(&self, id: u64) -> Option<(usize, usize)> {
        self.info
            .offset_for(id)
            .map(|(s, e)| (s as usize, e as usize + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_placeholder_says_what_to_write() {
        let e = parse("…").unwrap_err();
        assert!(
            e.iter()
                .any(|e| e.message == "`…` is a placeholder: write an expression here"),
            "{e:?}"
        );
        assert!(
            e.iter().all(|e| !e.message.contains("token recognition")),
            "{e:?}"
        );
    }

    #[test]
    fn parser_internals_do_not_leak_into_messages() {
        let e = parse("a > 1 ? a > 2 ? 'x' : 'y' : 'z'").unwrap_err();
        assert!(
            e.iter().any(|e| e.message.contains("needs parentheses")),
            "{e:?}"
        );
        assert!(
            e.iter().all(|e| !e.message.contains("ExprContext")),
            "{e:?}"
        );
        assert!(parse("a > 1 ? (a > 2 ? 'x' : 'y') : 'z'").is_ok());
    }

    #[test]
    fn slips_from_other_languages_are_named() {
        let first = |t: &str| parse(t).unwrap_err().remove(0);
        let e = first("steps.get.body.status = 'active'");
        assert_eq!(e.message, "a single `=`: CEL compares with `==`");
        assert_eq!((e.start, e.end), (22, 23));
        assert_eq!(
            first("a and b").message,
            "`and` is not an operator: CEL writes `&&`"
        );
        assert_eq!(
            first("a or b").message,
            "`or` is not an operator: CEL writes `||`"
        );
    }

    #[test]
    fn parses_with_ranges() {
        let p = parse("input.user.name").unwrap();
        assert!(p.range(p.expr.id).is_some());
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = parse("a + ").unwrap_err();
        assert_eq!(e[0].start, 4);
        assert!(
            e[0].message.contains("end of the expression"),
            "{}",
            e[0].message
        );
        let e = parse("x\n  + )").unwrap_err();
        assert_eq!(e[0].start, 6);
        assert!(parse("").is_err());
    }
}
