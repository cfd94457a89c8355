//! The conversions between intact's places and findings and the protocol's, without a client:
//! positions in both encodings, clamping, diagnostics, semantic tokens and hover links.

use super::*;
use intact_model::{FileId, FileInput};
use intact_syntax::Span;

const TEXT: &str = "a é\n日本 😀x\nlast";

fn index() -> LineIndex {
    LineIndex::new(TEXT)
}

#[test]
fn positions_count_utf16_units_or_bytes_as_negotiated() {
    let x = TEXT.find('x').unwrap() as u32;
    // `日本 😀` is 2 + 1 + 2 (a surrogate pair) UTF-16 units, 3 + 3 + 1 + 4 bytes.
    assert_eq!(
        position(&index(), Encoding::Utf16, x),
        lsp::Position::new(1, 5)
    );
    assert_eq!(
        position(&index(), Encoding::Utf8, x),
        lsp::Position::new(1, 11)
    );
    for enc in [Encoding::Utf16, Encoding::Utf8] {
        for (o, _) in TEXT.char_indices() {
            let p = position(&index(), enc, o as u32);
            assert_eq!(offset(&index(), TEXT, enc, p), o, "{enc:?} at {o}");
        }
    }
}

#[test]
fn positions_out_of_range_are_clamped_never_a_panic() {
    // Inside `é` (not a character boundary): the start of the character.
    let inside = TEXT.find('é').unwrap() as u32 + 1;
    assert_eq!(
        position(&index(), Encoding::Utf16, inside),
        lsp::Position::new(0, 2)
    );
    assert_eq!(
        position(&index(), Encoding::Utf16, 10_000),
        lsp::Position::new(2, 4)
    );
    // Past the end of a line means its end; past the last line, the end of the text; the
    // middle of a surrogate pair, the character's start.
    let line_end = TEXT.find('\n').unwrap();
    let past = lsp::Position::new(0, 99);
    assert_eq!(offset(&index(), TEXT, Encoding::Utf16, past), line_end);
    let below = lsp::Position::new(9, 0);
    assert_eq!(offset(&index(), TEXT, Encoding::Utf16, below), TEXT.len());
    let half = lsp::Position::new(1, 4);
    let emoji = TEXT.find('😀').unwrap();
    assert_eq!(offset(&index(), TEXT, Encoding::Utf16, half), emoji);
}

#[test]
fn diagnostics_carry_code_severity_help_and_tags() {
    let a = Analysis::new(vec![FileInput::new("intact.kdl", TEXT)]);
    let loc = Loc::new(FileId::from_index(0), Span::new(0, 1));
    let d = Diagnostic::new(
        Rule::VariableUnused,
        loc,
        "tenant variable `a` is never used",
    )
    .help("remove it");
    let lsp_d = diagnostic(&a, Path::new("/p"), &[index()], Encoding::Utf16, &d);
    assert_eq!(
        lsp_d.code,
        Some(lsp::NumberOrString::String("variable::unused".into()))
    );
    assert_eq!(lsp_d.severity, Some(lsp::DiagnosticSeverity::WARNING));
    assert_eq!(
        lsp_d.message,
        "tenant variable `a` is never used\nhelp: remove it"
    );
    assert_eq!(lsp_d.tags, Some(vec![lsp::DiagnosticTag::UNNECESSARY]));
    assert_eq!(lsp_d.source.as_deref(), Some("intact"));
    let error = Diagnostic::new(Rule::SchemaUnknownNode, loc, "x");
    let lsp_e = diagnostic(&a, Path::new("/p"), &[index()], Encoding::Utf16, &error);
    assert_eq!(
        (lsp_e.severity, lsp_e.tags),
        (Some(lsp::DiagnosticSeverity::ERROR), None)
    );
}

#[test]
fn semantic_tokens_are_relative_and_single_line() {
    let token = |start: u32, end: u32| intact_ide::Token {
        span: Span::new(start, end),
        kind: intact_ide::TokenKind::ALL[0],
        definition: start == 0,
        library: false,
    };
    let second_line = TEXT.find('日').unwrap() as u32;
    let tokens = [
        token(0, 1),
        token(2, 4),
        // Across a line break: left out.
        token(4, second_line + 3),
        token(second_line, second_line + 6),
    ];
    let data = semantic_tokens(&index(), Encoding::Utf16, &tokens).data;
    let rows: Vec<(u32, u32, u32, u32)> = data
        .iter()
        .map(|t| {
            (
                t.delta_line,
                t.delta_start,
                t.length,
                t.token_modifiers_bitset,
            )
        })
        .collect();
    assert_eq!(rows, [(0, 0, 1, 1), (0, 2, 1, 0), (1, 0, 2, 0)]);
}

#[test]
fn hover_links_point_where_the_host_writes_the_pages() {
    let url = intact_ide::registry::url(Rule::ExprType);
    let h = intact_ide::Hover {
        markdown: format!("**`expr::type`**: see [the page]({url})."),
        span: Span::new(0, 1),
        rule_links: vec![Rule::ExprType],
    };
    let page = |r: Rule| {
        uri_for(&Path::new("/cache/rules").join(format!("{}.md", r.as_str().replace("::", "-"))))
    };
    let out = hover(&index(), Encoding::Utf16, h, page);
    let lsp::HoverContents::Markup(m) = out.contents else {
        panic!("{out:?}")
    };
    assert!(
        m.value.contains("(file:///cache/rules/expr-type.md)"),
        "{}",
        m.value
    );
    assert!(!m.value.contains(&url), "{}", m.value);
}
