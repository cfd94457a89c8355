//! `// intact-ignore: CODE reason` comments: silence one finding where it stands.
//!
//! The comment applies to the next line that holds code. Several codes may be given separated by
//! commas. An ignore without a reason, or one that silences nothing, is itself reported, so that
//! ignores do not outlive the problem they excused.

use intact_model::{Analysis, FileId, Loc};
use intact_syntax::Span;
use intact_syntax::lexer::TokenKind;
use line_index::{LineIndex, TextSize};

use crate::Diagnostic;
use crate::registry::Rule;

struct Ignore {
    loc: Loc,
    codes: Vec<(String, bool)>,
    target_line: u32,
}

const MARKER: &str = "intact-ignore:";

pub(crate) fn apply(a: &Analysis, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut ignores: Vec<(FileId, Vec<Ignore>, LineIndex)> = Vec::new();
    let mut extra = Vec::new();
    for (i, f) in a.files.iter().enumerate() {
        let file = FileId::from_index(i);
        let text = f.text();
        let tokens = &f.parse.tokens;
        if !tokens
            .iter()
            .any(|t| t.kind == TokenKind::LineComment && text[t.span.range()].contains(MARKER))
        {
            continue;
        }
        let index = LineIndex::new(text);
        let line_of = |off: u32| index.line_col(TextSize::from(off)).line;
        let mut list = Vec::new();
        for (ti, t) in tokens.iter().enumerate() {
            if t.kind != TokenKind::LineComment {
                continue;
            }
            let body = text[t.span.range()].trim_start_matches('/').trim();
            let Some(rest) = body.strip_prefix(MARKER) else {
                continue;
            };
            let rest = rest.trim();
            let (codes_part, reason) = split_codes(rest);
            let loc = Loc::new(file, t.span);
            if codes_part.is_empty() {
                extra.push(
                    Diagnostic::new(
                        Rule::IgnoreMissingReason,
                        loc,
                        "this intact-ignore names no code",
                    )
                    .label("nothing to ignore")
                    .help("write `// intact-ignore: CODE why it is fine here`"),
                );
                continue;
            }
            if reason.trim().is_empty() {
                extra.push(
                    Diagnostic::new(Rule::IgnoreMissingReason, loc, "an intact-ignore needs a reason")
                        .label("no reason given")
                        .help(format!("say why after the code: `// intact-ignore: {codes_part} why it is fine here`")),
                );
            }
            let comment_line = line_of(t.span.start);
            let target_line = tokens
                .from_index(ti + 1)
                .find(|n| {
                    !matches!(
                        n.kind,
                        TokenKind::Whitespace
                            | TokenKind::Newline
                            | TokenKind::LineComment
                            | TokenKind::BlockComment
                    )
                })
                .map_or(comment_line + 1, |n| line_of(n.span.start));
            let codes = codes_part
                .split(',')
                .map(|c| (c.trim().to_string(), false))
                .filter(|(c, _)| !c.is_empty())
                .collect();
            list.push(Ignore {
                loc,
                codes,
                target_line,
            });
        }
        ignores.push((file, list, index));
    }
    let mut kept = Vec::with_capacity(diags.len());
    'diag: for d in diags {
        if let Some((_, list, index)) = ignores.iter_mut().find(|(f, ..)| *f == d.loc.file) {
            let line = index.line_col(TextSize::from(d.loc.span.start)).line;
            for ig in list.iter_mut().filter(|ig| ig.target_line == line) {
                if let Some(c) = ig.codes.iter_mut().find(|(c, _)| d.code == c.as_str()) {
                    c.1 = true;
                    continue 'diag;
                }
            }
        }
        kept.push(d);
    }
    for (_, list, _) in &ignores {
        for ig in list {
            for (code, used) in &ig.codes {
                if !used {
                    let known = crate::registry::rule(code).is_some();
                    extra.push(
                        Diagnostic::new(Rule::IgnoreUnused, ig.loc, if known {
                            format!("`{code}` is not reported on the next line; this ignore silences nothing")
                        } else {
                            format!("`{code}` is not a diagnostic code")
                        })
                        .label("unused ignore")
                        .help(if known { "remove the comment".to_string() } else { "run `intact explain` to list the codes".to_string() })
                        .fix("Remove the unused ignore", Loc::new(ig.loc.file, Span::new(ig.loc.span.start, ig.loc.span.end)), ""),
                    );
                }
            }
        }
    }
    kept.extend(extra);
    kept
}

/// Splits `CODE[, CODE…] reason` into the codes and the reason.
fn split_codes(rest: &str) -> (&str, &str) {
    let mut end = 0;
    let mut expect_code = true;
    for (i, c) in rest.char_indices() {
        if c == ',' {
            expect_code = true;
            end = i + 1;
        } else if c.is_whitespace() {
            if !expect_code {
                break;
            }
        } else {
            if !(expect_code || c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_')) {
                break;
            }
            expect_code = false;
            end = i + c.len_utf8();
        }
    }
    (rest[..end].trim(), rest[end..].trim())
}

#[cfg(test)]
mod tests {
    use super::split_codes;

    #[test]
    fn splits() {
        assert_eq!(
            split_codes("variable::unused kept for v2"),
            ("variable::unused", "kept for v2")
        );
        assert_eq!(split_codes("a::b, c::d why"), ("a::b, c::d", "why"));
        assert_eq!(split_codes("a::b"), ("a::b", ""));
    }
}
