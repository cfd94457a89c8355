//! The human format: each finding through miette with a window of its file's lines (long lines
//! cropped around the span), then a summary.

use std::fmt::Write;

use intact_model::Analysis;

use super::*;
use crate::registry::Rule;
use crate::{Diagnostic, Severity, summarize};
/// Options of the human format.
#[derive(Clone, Copy, Debug)]
pub struct HumanOptions {
    pub color: bool,
    /// Box-drawing characters; off gives plain ASCII (stable in golden tests and dumb terminals).
    pub unicode: bool,
    pub width: usize,
}

/// `--format human`: miette's graphical reports, then a summary line.
pub fn human(a: &Analysis, diags: &[Diagnostic], names: &FileNames, opts: HumanOptions) -> String {
    use miette::{GraphicalReportHandler, GraphicalTheme};
    let theme = match (opts.unicode, opts.color) {
        (true, true) => GraphicalTheme::unicode(),
        (true, false) => GraphicalTheme::unicode_nocolor(),
        (false, true) => {
            let mut t = GraphicalTheme::ascii();
            t.styles = miette::ThemeStyles::rgb();
            t
        }
        (false, false) => GraphicalTheme::none(),
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width)
        .with_links(false);
    let mut pos = Positions::new(a, names);
    let mut out = String::new();
    // Every file's text as the reports show it: the secrets written in it starred out, in every
    // report whose window shows their line.
    let mut texts: std::collections::HashMap<intact_model::FileId, String> = Default::default();
    for d in diags.iter().filter(|d| d.code == Rule::SecretLiteral) {
        let text = texts
            .entry(d.loc.file)
            .or_insert_with(|| a.file(d.loc.file).text().to_string());
        redact(text, d.loc.span.range());
    }
    for d in diags {
        let text = texts
            .get(&d.loc.file)
            .map_or_else(|| a.file(d.loc.file).text(), String::as_str);
        let report = Report::new(text, d, &mut pos);
        let _ = handler.render_report(&mut out, &report);
        // A blank line between reports: miette starts each with its code on a line of its own.
        out.push('\n');
    }
    let s = summarize(diags);
    let _ = writeln!(
        out,
        "{} error(s), {} warning(s), {} note(s) in {} file(s)",
        s.errors,
        s.warnings,
        s.infos,
        a.files.len()
    );
    out
}

/// Context lines shown around a label.
const CONTEXT_LINES: u32 = 2;
/// Labels further apart than this become notes, so that one report never copies a whole file.
const MAX_WINDOW_LINES: u32 = 60;

/// A finding as a miette diagnostic. Only a window of lines around the labels is handed to miette
/// (its source reader scans from the start of what it is given, which is quadratic over a large
/// file with many findings); labels outside the window, or in other files, become notes.
struct Report<'a> {
    d: &'a Diagnostic,
    source: Window,
    labels: Vec<miette::LabeledSpan>,
    help: Option<String>,
}

/// Some whole lines of a file, starting at line `first_line` (0-based).
struct Window {
    name: String,
    text: String,
    first_line: usize,
    /// Where the primary span starts in `text`, and its column in the file (0-based, in
    /// characters, as the other formats count). miette counts the bytes of what it is given, which
    /// differs after any non-ASCII text and on a cropped line.
    header: (usize, usize),
}

/// Lines longer than this (in bytes) are shown cropped: the part around the finding, or their
/// start, so that a finding on a 16 KB line does not print the whole line.
const MAX_LINE_BYTES: usize = 240;
/// How much of a long line is kept on each side of the finding.
const CROP_CONTEXT_BYTES: usize = 80;

/// A line of the window as shown: where its shown text starts in the original line, and the text.
struct ShownLine {
    old_start: usize,
    old_end: usize,
    new_start: usize,
    /// Bytes of the original line cut from its start, and the marker put in their place.
    cut: usize,
    marker: usize,
    /// Bytes of the original line shown after the cut.
    kept: usize,
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The lines `start..end` of `text` with long ones cropped around `focus` (the primary span) or
/// to their start; and the place of each line for [`shown_offset`].
/// Stars out a secret someone wrote into a file (a `secret::literal` finding's span): a report
/// says where it is, never what it is. Byte for byte, so every other offset holds; quotes kept.
fn redact(text: &mut String, range: std::ops::Range<usize>) {
    let Some(secret) = text.get(range.clone()) else {
        return;
    };
    let stars: String = secret
        .char_indices()
        .flat_map(|(i, c)| {
            let quote = c == '"' && (i == 0 || i + 1 == secret.len());
            std::iter::repeat_n(
                if quote { '"' } else { '*' },
                if quote { 1 } else { c.len_utf8() },
            )
        })
        .collect();
    text.replace_range(range, &stars);
}

fn crop_lines(
    text: &str,
    start: usize,
    end: usize,
    focus: (usize, usize),
) -> (String, Vec<ShownLine>) {
    let mut out = String::with_capacity((end - start).min(64 * 1024));
    let mut lines = Vec::new();
    let mut at = start;
    while at < end {
        let line_end = text[at..end].find('\n').map_or(end, |i| at + i + 1);
        let body_end = if text[..line_end].ends_with('\n') {
            line_end - 1
        } else {
            line_end
        };
        let new_start = out.len();
        let (cut, marker, kept);
        if body_end - at <= MAX_LINE_BYTES {
            out.push_str(&text[at..line_end]);
            (cut, marker, kept) = (0, 0, line_end - at);
        } else if focus.0 >= at && focus.0 <= body_end {
            let from = floor_boundary(text, focus.0.saturating_sub(CROP_CONTEXT_BYTES).max(at));
            // A span longer than a line's worth is shown by its start.
            let to = ceil_boundary(
                text,
                (focus.1.max(focus.0) + CROP_CONTEXT_BYTES)
                    .min(from + MAX_LINE_BYTES)
                    .min(body_end),
            );
            marker = if from > at { "…".len() } else { 0 };
            if marker > 0 {
                out.push('…');
            }
            out.push_str(&text[from..to]);
            if to < body_end {
                out.push('…');
            }
            out.push_str(&text[body_end..line_end]);
            cut = from - at;
            kept = to - from;
        } else {
            let to = floor_boundary(text, at + MAX_LINE_BYTES / 2);
            out.push_str(&text[at..to]);
            out.push('…');
            out.push_str(&text[body_end..line_end]);
            (cut, marker, kept) = (0, 0, to - at);
        }
        lines.push(ShownLine {
            old_start: at,
            old_end: line_end,
            new_start,
            cut,
            marker,
            kept,
        });
        at = line_end;
    }
    (out, lines)
}

/// Where an offset of the file is in the shown text (clamped into its line when cropped away).
fn shown_offset(lines: &[ShownLine], offset: usize) -> usize {
    let Some(l) = lines
        .iter()
        .find(|l| offset >= l.old_start && offset < l.old_end)
        .or_else(|| lines.last().filter(|l| offset >= l.old_end))
    else {
        return 0;
    };
    let within = offset.min(l.old_end) - l.old_start;
    // Before the cut: the start of what is shown (the marker is not a place of the file).
    let shown = if within >= l.cut {
        (within - l.cut).min(l.kept) + l.marker
    } else {
        0
    };
    l.new_start + shown
}

impl miette::SourceCode for Window {
    fn read_span<'b>(
        &'b self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'b> + 'b>, miette::MietteError> {
        let inner = self.text.as_bytes().read_span(span, before, after)?;
        let column = if span.offset() == self.header.0 {
            self.header.1
        } else {
            inner.column()
        };
        Ok(Box::new(
            miette::MietteSpanContents::new_named(
                self.name.clone(),
                inner.data(),
                *inner.span(),
                inner.line() + self.first_line,
                column,
                inner.line_count(),
            )
            .with_language("kdl"),
        ))
    }
}

impl<'a> Report<'a> {
    fn new(text: &str, d: &'a Diagnostic, pos: &mut Positions) -> Report<'a> {
        let file = d.loc.file;
        let line_of = |pos: &mut Positions, off: u32| pos.at(file, off).line - 1;
        let primary_line = line_of(pos, d.loc.span.start);
        let mut first = primary_line;
        let mut last = line_of(pos, d.loc.span.end);
        let mut notes = Vec::new();
        let mut in_window = Vec::new();
        for l in &d.related {
            let near = l.loc.file == file && {
                let (ls, le) = (line_of(pos, l.loc.span.start), line_of(pos, l.loc.span.end));
                let (nf, nl) = (first.min(ls), last.max(le));
                if nl - nf <= MAX_WINDOW_LINES {
                    first = nf;
                    last = nl;
                    true
                } else {
                    false
                }
            };
            if near {
                in_window.push(l);
            } else {
                let p = pos.at(l.loc.file, l.loc.span.start);
                notes.push(format!(
                    "{} at {}:{}:{}",
                    l.message,
                    pos.path(l.loc.file),
                    p.line,
                    p.column
                ));
            }
        }
        let first = first.saturating_sub(CONTEXT_LINES);
        let last = last + CONTEXT_LINES;
        let start = pos.line_start(file, first);
        let end = pos.line_start(file, last + 1);
        let focus = (d.loc.span.start as usize, d.loc.span.end as usize);
        let (shown, lines) = crop_lines(text, start as usize, end as usize, focus);
        let shift = |s: intact_syntax::Span| {
            let a = shown_offset(&lines, s.start.clamp(start, end) as usize);
            let b = shown_offset(&lines, s.end.clamp(start, end) as usize);
            a..b.max(a)
        };
        let column = pos.at(file, d.loc.span.start).column as usize - 1;
        let window = Window {
            name: pos.path(file),
            text: shown,
            first_line: first as usize,
            header: (shift(d.loc.span).start, column),
        };
        let mut labels = vec![miette::LabeledSpan::new_primary_with_span(
            (!d.label.is_empty()).then(|| d.label.clone()),
            shift(d.loc.span),
        )];
        for l in in_window {
            labels.push(miette::LabeledSpan::new_with_span(
                Some(l.message.clone()),
                shift(l.loc.span),
            ));
        }
        let mut help = d.help.clone();
        if !notes.is_empty() {
            let joined = notes.join("\n");
            help = Some(match help {
                Some(h) => format!("{h}\n{joined}"),
                None => joined,
            });
        }
        Report {
            d,
            source: window,
            labels,
            help,
        }
    }
}

impl std::fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl std::fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        Some(Box::new(self.d.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}
