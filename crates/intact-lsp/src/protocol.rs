//! The one adapter between intact and the LSP types of `tower-lsp-server`.
//!
//! The fork changes its types crate between minor versions; everything that names an `ls_types`
//! type for conversion lives here, so an upgrade touches this file only.

use std::path::{Path, PathBuf};

use intact_ide::{Diagnostic, Rule, Severity};
use intact_model::{Analysis, Loc};
use line_index::{LineCol, LineIndex, TextSize, WideEncoding, WideLineCol};
use tower_lsp_server::ls_types as lsp;

pub use lsp::Uri;

/// How positions are counted on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it (no conversion at all), else the protocol's UTF-16.
    pub fn negotiate(params: &lsp::InitializeParams) -> Encoding {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref());
        if offered.is_some_and(|v| v.contains(&lsp::PositionEncodingKind::UTF8)) {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        }
    }

    pub fn kind(self) -> lsp::PositionEncodingKind {
        match self {
            Encoding::Utf8 => lsp::PositionEncodingKind::UTF8,
            Encoding::Utf16 => lsp::PositionEncodingKind::UTF16,
        }
    }
}

pub fn position(index: &LineIndex, enc: Encoding, offset: u32) -> lsp::Position {
    // Spans always end on character boundaries; still, a bad one must not take the server down.
    let mut offset = offset.min(u32::from(index.len()));
    let lc = loop {
        match index.try_line_col(TextSize::from(offset)) {
            Some(lc) => break lc,
            None => offset -= 1,
        }
    };
    match enc {
        Encoding::Utf8 => lsp::Position::new(lc.line, lc.col),
        Encoding::Utf16 => {
            let w = index
                .to_wide(WideEncoding::Utf16, lc)
                .unwrap_or(WideLineCol {
                    line: lc.line,
                    col: lc.col,
                });
            lsp::Position::new(w.line, w.col)
        }
    }
}

/// The byte offset of an LSP position in `text`, clamped to the text (clients send positions past
/// the end of a line or file; they mean the end).
pub fn offset(index: &LineIndex, text: &str, enc: Encoding, pos: lsp::Position) -> usize {
    let Some(line_start) = index.offset(LineCol {
        line: pos.line,
        col: 0,
    }) else {
        return text.len();
    };
    let ls = usize::from(line_start).min(text.len());
    let line_end = text[ls..].find('\n').map_or(text.len(), |i| ls + i);
    let col = match enc {
        Encoding::Utf8 => pos.character as usize,
        Encoding::Utf16 => {
            let wide = WideLineCol {
                line: pos.line,
                col: pos.character,
            };
            index
                .to_utf8(WideEncoding::Utf16, wide)
                .map_or(usize::MAX, |lc| lc.col as usize)
        }
    };
    let mut o = ls.saturating_add(col).min(line_end);
    while !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}

pub fn range(index: &LineIndex, enc: Encoding, start: u32, end: u32) -> lsp::Range {
    lsp::Range::new(position(index, enc, start), position(index, enc, end))
}

pub fn uri_for(path: &Path) -> Option<Uri> {
    Uri::from_file_path(path)
}

pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    if uri.scheme().as_str() != "file" {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

/// Converts one finding. `indexes` are the line indexes of the analysis' files.
pub fn diagnostic(
    a: &Analysis,
    root: &Path,
    indexes: &[LineIndex],
    enc: Encoding,
    d: &Diagnostic,
) -> lsp::Diagnostic {
    let loc_range = |loc: Loc| {
        range(
            &indexes[loc.file.index()],
            enc,
            loc.span.start,
            loc.span.end,
        )
    };
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|l| {
            let uri = uri_for(&root.join(a.file(l.loc.file).path()))?;
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location::new(uri, loc_range(l.loc)),
                message: l.message.clone(),
            })
        })
        .collect();
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(h);
    }
    lsp::Diagnostic {
        range: loc_range(d.loc),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
        }),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        code_description: crate::rule_page_uri(d.code).map(|href| lsp::CodeDescription { href }),
        source: Some("intact".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: match d.code {
            Rule::VariableUnused | Rule::FlowUnreachable | Rule::IgnoreUnused => {
                Some(vec![lsp::DiagnosticTag::UNNECESSARY])
            }
            _ => None,
        },
        data: None,
    }
}

pub fn text_edit(
    index: &LineIndex,
    enc: Encoding,
    start: u32,
    end: u32,
    new_text: String,
) -> lsp::TextEdit {
    lsp::TextEdit {
        range: range(index, enc, start, end),
        new_text,
    }
}

/// The server's capabilities: what this version serves.
pub fn capabilities(enc: Encoding) -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        position_encoding: Some(enc.kind()),
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        completion_provider: Some(lsp::CompletionOptions {
            // A value starts with `"` or follows `=`; names are asked for as they are typed.
            trigger_characters: Some(vec!["\"".into(), "=".into(), ".".into(), "{".into()]),
            ..Default::default()
        }),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        // On a contract id: definition opens its input schema, type definition its output.
        type_definition_provider: Some(lsp::TypeDefinitionProviderCapability::Simple(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        document_highlight_provider: Some(lsp::OneOf::Left(true)),
        rename_provider: Some(lsp::OneOf::Right(lsp::RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        workspace_symbol_provider: Some(lsp::OneOf::Left(true)),
        signature_help_provider: Some(lsp::SignatureHelpOptions {
            trigger_characters: Some(vec!["(".into(), ",".into()]),
            ..Default::default()
        }),
        folding_range_provider: Some(lsp::FoldingRangeProviderCapability::Simple(true)),
        inlay_hint_provider: Some(lsp::OneOf::Left(true)),
        semantic_tokens_provider: Some(
            lsp::SemanticTokensServerCapabilities::SemanticTokensOptions(
                lsp::SemanticTokensOptions {
                    legend: lsp::SemanticTokensLegend {
                        token_types: intact_ide::TokenKind::ALL
                            .iter()
                            .map(|k| token_type(*k))
                            .collect(),
                        token_modifiers: vec![
                            lsp::SemanticTokenModifier::DECLARATION,
                            lsp::SemanticTokenModifier::DEFAULT_LIBRARY,
                        ],
                    },
                    full: Some(lsp::SemanticTokensFullOptions::Bool(true)),
                    ..Default::default()
                },
            ),
        ),
        selection_range_provider: Some(lsp::SelectionRangeProviderCapability::Simple(true)),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
            lsp::CodeActionOptions {
                code_action_kinds: Some(vec![
                    lsp::CodeActionKind::QUICKFIX,
                    lsp::CodeActionKind::SOURCE_FIX_ALL,
                ]),
                ..Default::default()
            },
        )),
        code_lens_provider: Some(lsp::CodeLensOptions {
            resolve_provider: Some(false),
        }),
        ..Default::default()
    }
}

/// The client-side command a "Run test" lens carries. The server does not execute it: the editor
/// runs `intact test --filter NAME --exact PROJECT` where its user sees the output (a VS Code task,
/// a Neovim terminal). editors/vscode and editors/neovim register it.
pub const RUN_TEST_COMMAND: &str = "intact.runTest";

/// A "Run test" lens over the whole `test` node, so that a client can find the test under its
/// cursor among the lenses. Its one argument: `{"name", "project"}` (the project's folder).
pub fn run_test_lens(
    index: &LineIndex,
    enc: Encoding,
    root: &Path,
    runnable: intact_ide::Runnable,
) -> lsp::CodeLens {
    lsp::CodeLens {
        range: range(index, enc, runnable.span.start, runnable.span.end),
        command: Some(lsp::Command {
            title: "▶ Run test".into(),
            command: RUN_TEST_COMMAND.into(),
            arguments: Some(vec![serde_json::json!({
                "name": runnable.name,
                "project": root.display().to_string(),
            })]),
        }),
        data: None,
    }
}

pub fn highlight(
    index: &LineIndex,
    enc: Encoding,
    span: intact_syntax::Span,
    definition: bool,
) -> lsp::DocumentHighlight {
    lsp::DocumentHighlight {
        range: range(index, enc, span.start, span.end),
        kind: Some(if definition {
            lsp::DocumentHighlightKind::WRITE
        } else {
            lsp::DocumentHighlightKind::READ
        }),
    }
}

pub fn signature_help(s: intact_ide::Signature) -> lsp::SignatureHelp {
    lsp::SignatureHelp {
        signatures: vec![lsp::SignatureInformation {
            label: s.label,
            documentation: s.documentation.map(|d| {
                lsp::Documentation::MarkupContent(lsp::MarkupContent {
                    kind: lsp::MarkupKind::Markdown,
                    value: d,
                })
            }),
            parameters: Some(
                s.parameters
                    .into_iter()
                    .map(|p| lsp::ParameterInformation {
                        label: lsp::ParameterLabel::Simple(p),
                        documentation: None,
                    })
                    .collect(),
            ),
            active_parameter: None,
        }],
        active_signature: Some(0),
        active_parameter: Some(s.active as u32),
    }
}

pub fn folding_range(
    index: &LineIndex,
    enc: Encoding,
    span: intact_syntax::Span,
) -> lsp::FoldingRange {
    let r = range(index, enc, span.start, span.end);
    lsp::FoldingRange {
        start_line: r.start.line,
        end_line: r.end.line,
        kind: Some(lsp::FoldingRangeKind::Region),
        ..Default::default()
    }
}

/// The chain of ranges around `at`, innermost first; the position alone when there is none.
pub fn selection_range(
    index: &LineIndex,
    enc: Encoding,
    spans: &[intact_syntax::Span],
    at: lsp::Position,
) -> lsp::SelectionRange {
    let mut chain: Option<Box<lsp::SelectionRange>> = None;
    for s in spans.iter().rev() {
        chain = Some(Box::new(lsp::SelectionRange {
            range: range(index, enc, s.start, s.end),
            parent: chain,
        }));
    }
    chain.map_or(
        lsp::SelectionRange {
            range: lsp::Range::new(at, at),
            parent: None,
        },
        |c| *c,
    )
}

pub fn workspace_symbol(
    index: &LineIndex,
    enc: Encoding,
    uri: Uri,
    item: intact_ide::OutlineItem,
) -> lsp::WorkspaceSymbol {
    let detail = item.detail.clone();
    let symbol = document_symbol(index, enc, item);
    lsp::WorkspaceSymbol {
        name: symbol.name,
        kind: symbol.kind,
        tags: None,
        container_name: detail,
        location: lsp::OneOf::Left(lsp::Location {
            uri,
            range: symbol.selection_range,
        }),
        data: None,
    }
}

#[allow(deprecated)] // `deprecated` is a required field of the type, deprecated in the protocol.
pub fn document_symbol(
    index: &LineIndex,
    enc: Encoding,
    item: intact_ide::OutlineItem,
) -> lsp::DocumentSymbol {
    use intact_ide::OutlineKind as K;
    let kind = match item.kind {
        K::Project => lsp::SymbolKind::PACKAGE,
        K::Variable => lsp::SymbolKind::VARIABLE,
        K::Connection => lsp::SymbolKind::INTERFACE,
        K::Param => lsp::SymbolKind::FIELD,
        K::Mapping => lsp::SymbolKind::STRUCT,
        K::Action => lsp::SymbolKind::METHOD,
        K::Flow => lsp::SymbolKind::FUNCTION,
        K::Input => lsp::SymbolKind::TYPE_PARAMETER,
        K::Step => lsp::SymbolKind::EVENT,
        K::Test => lsp::SymbolKind::CLASS,
    };
    lsp::DocumentSymbol {
        name: item.name,
        detail: item.detail,
        kind,
        tags: None,
        deprecated: None,
        range: range(index, enc, item.span.start, item.span.end),
        selection_range: range(index, enc, item.name_span.start, item.name_span.end),
        children: Some(
            item.children
                .into_iter()
                .map(|c| document_symbol(index, enc, c))
                .collect(),
        ),
    }
}

/// A completion item. An item of several lines (an action skeleton) is a snippet when the
/// client expands snippets, its `${…}` placeholders tab stops; otherwise it is written on one
/// line (`{ a; b }`), since clients built on Vim's completion insert only up to a line break.
pub fn completion_item(
    index: &LineIndex,
    enc: Encoding,
    expands_snippets: bool,
    rank: usize,
    item: intact_ide::CompletionItem,
) -> lsp::CompletionItem {
    let multi_line = item.insert.contains('\n');
    let (insert, format) = match (multi_line, expands_snippets) {
        (true, true) => (
            crate::snippets::snippet(&item.insert),
            Some(lsp::InsertTextFormat::SNIPPET),
        ),
        (true, false) => (
            crate::snippets::one_line(&item.insert),
            Some(lsp::InsertTextFormat::PLAIN_TEXT),
        ),
        (false, _) => (item.insert.clone(), None),
    };
    use intact_ide::CompletionKind as K;
    let kind = match item.kind {
        K::Node => lsp::CompletionItemKind::KEYWORD,
        K::Property => lsp::CompletionItemKind::PROPERTY,
        K::Value => lsp::CompletionItemKind::ENUM_MEMBER,
        K::Reference => lsp::CompletionItemKind::REFERENCE,
        K::Variable => lsp::CompletionItemKind::VARIABLE,
        K::Field => lsp::CompletionItemKind::FIELD,
        K::Function => lsp::CompletionItemKind::FUNCTION,
    };
    lsp::CompletionItem {
        label: item.label.clone(),
        kind: Some(kind),
        detail: item.detail,
        documentation: item.documentation.map(|d| {
            lsp::Documentation::MarkupContent(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: d,
            })
        }),
        // The replaced text is what was typed of the item, quotes included: filter on it.
        filter_text: Some(if multi_line {
            item.label.clone()
        } else {
            item.insert.clone()
        }),
        insert_text_format: format,
        // intact-ide ranks its items (mandatory contracts first, required fields first, values
        // in the schema's order); without a sort text a client sorts them by label.
        sort_text: Some(format!("{rank:05}")),
        text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit {
            range: range(index, enc, item.replace.start, item.replace.end),
            new_text: insert,
        })),
        ..Default::default()
    }
}

/// A hover; the rule pages it links point where `page` says (a file the editor can open).
pub fn hover(
    index: &LineIndex,
    enc: Encoding,
    h: intact_ide::Hover,
    page: impl Fn(Rule) -> Option<Uri>,
) -> lsp::Hover {
    let mut markdown = h.markdown;
    for code in h.rule_links {
        if let Some(uri) = page(code) {
            let written = format!("]({})", intact_ide::registry::url(code));
            markdown = markdown.replace(&written, &format!("]({})", uri.as_str()));
        }
    }
    lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(range(index, enc, h.span.start, h.span.end)),
    }
}

fn token_type(kind: intact_ide::TokenKind) -> lsp::SemanticTokenType {
    use intact_ide::TokenKind as K;
    match kind {
        K::Keyword => lsp::SemanticTokenType::KEYWORD,
        K::Property => lsp::SemanticTokenType::PROPERTY,
        K::Variable => lsp::SemanticTokenType::VARIABLE,
        K::Parameter => lsp::SemanticTokenType::PARAMETER,
        K::Function => lsp::SemanticTokenType::FUNCTION,
        K::Method => lsp::SemanticTokenType::METHOD,
        K::Namespace => lsp::SemanticTokenType::NAMESPACE,
        K::Class => lsp::SemanticTokenType::CLASS,
        K::EnumMember => lsp::SemanticTokenType::ENUM_MEMBER,
        K::Event => lsp::SemanticTokenType::EVENT,
    }
}

/// Tokens in the protocol's relative encoding; a token over several lines is left out (the
/// protocol's clients need not support them).
pub fn semantic_tokens(
    index: &LineIndex,
    enc: Encoding,
    tokens: &[intact_ide::Token],
) -> lsp::SemanticTokens {
    let mut data = Vec::with_capacity(tokens.len());
    let (mut line, mut col) = (0u32, 0u32);
    for t in tokens {
        let start = position(index, enc, t.span.start);
        let end = position(index, enc, t.span.end);
        if start.line != end.line || end.character <= start.character {
            continue;
        }
        let kind = intact_ide::TokenKind::ALL
            .iter()
            .position(|k| *k == t.kind)
            .unwrap_or(0) as u32;
        let modifiers = u32::from(t.definition) | (u32::from(t.library) << 1);
        data.push(lsp::SemanticToken {
            delta_line: start.line - line,
            delta_start: if start.line == line {
                start.character - col
            } else {
                start.character
            },
            length: end.character - start.character,
            token_type: kind,
            token_modifiers_bitset: modifiers,
        });
        (line, col) = (start.line, start.character);
    }
    lsp::SemanticTokens {
        result_id: None,
        data,
    }
}

pub fn inlay_hint(index: &LineIndex, enc: Encoding, h: intact_ide::InlayHint) -> lsp::InlayHint {
    lsp::InlayHint {
        position: position(index, enc, h.offset),
        label: lsp::InlayHintLabel::String(h.label),
        kind: Some(lsp::InlayHintKind::TYPE),
        text_edits: None,
        tooltip: None,
        padding_left: None,
        padding_right: None,
        data: None,
    }
}

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
