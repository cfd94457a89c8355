//! Output formats of `intact check`: human (miette), JSON, SARIF 2.1.0, GitHub annotations, JUnit.

use std::fmt::Write;

use intact_model::{Analysis, FileId, Loc};
use line_index::{LineIndex, TextSize, WideEncoding};
use serde_json::{Value, json};

use crate::registry;
use crate::{Diagnostic, Severity, summarize};

/// 1-based line and column (in Unicode scalar values) and the byte offset of a position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    pub byte: u32,
}

/// Positions of byte offsets in the project's files; builds each file's line index once.
pub struct Positions<'a> {
    a: &'a Analysis,
    indexes: Vec<Option<LineIndex>>,
}

impl<'a> Positions<'a> {
    pub fn new(a: &'a Analysis) -> Self {
        Positions { a, indexes: (0..a.files.len()).map(|_| None).collect() }
    }

    pub fn at(&mut self, file: FileId, byte: u32) -> Position {
        let text = self.a.file(file).text();
        // A span that ends inside a character (it never should) still gets a position, not a panic.
        let mut byte = byte.min(text.len() as u32);
        while !text.is_char_boundary(byte as usize) {
            byte -= 1;
        }
        let index = self.indexes[file as usize].get_or_insert_with(|| LineIndex::new(text));
        let lc = index.line_col(TextSize::from(byte));
        let col = index.to_wide(WideEncoding::Utf32, lc).map_or(lc.col, |w| w.col);
        Position { line: lc.line + 1, column: col + 1, byte }
    }

    pub fn range(&mut self, loc: Loc) -> (Position, Position) {
        (self.at(loc.file, loc.span.start), self.at(loc.file, loc.span.end))
    }

    pub fn path(&self, file: FileId) -> String {
        self.a.file(file).path().to_string_lossy().into_owned()
    }
}

fn range_json(start: Position, end: Position) -> Value {
    json!({
        "start": {"line": start.line, "column": start.column, "byte": start.byte},
        "end": {"line": end.line, "column": end.column, "byte": end.byte},
    })
}

/// `--format json`: the format of docs/output-formats.md, version 1.
pub fn json(a: &Analysis, diags: &[Diagnostic]) -> String {
    let mut pos = Positions::new(a);
    let s = summarize(diags);
    let items: Vec<Value> = diags
        .iter()
        .map(|d| {
            let (start, end) = pos.range(d.loc);
            let labels: Vec<Value> = d
                .related
                .iter()
                .map(|l| {
                    let (s, e) = pos.range(l.loc);
                    json!({"message": l.message, "file": pos.path(l.loc.file), "range": range_json(s, e)})
                })
                .collect();
            json!({
                "code": d.code,
                "severity": d.severity.as_str(),
                "message": d.message,
                "label": d.label,
                "help": d.help,
                "file": pos.path(d.loc.file),
                "range": range_json(start, end),
                "labels": labels,
                "url": registry::url(d.code),
            })
        })
        .collect();
    let doc = json!({
        "format_version": 1,
        "valid": s.errors == 0,
        "error_count": s.errors,
        "warning_count": s.warnings,
        "info_count": s.infos,
        "diagnostics": items,
    });
    serde_json::to_string_pretty(&doc).expect("JSON values serialize") + "\n"
}

/// `--format sarif`: SARIF 2.1.0, one run, one rule per code.
pub fn sarif(a: &Analysis, diags: &[Diagnostic]) -> String {
    let mut pos = Positions::new(a);
    let mut codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
    codes.sort();
    codes.dedup();
    let rules: Vec<Value> = codes
        .iter()
        .map(|code| {
            let r = registry::rule(code);
            json!({
                "id": code,
                "shortDescription": {"text": r.map_or("", |r| r.summary)},
                "fullDescription": {"text": r.map_or("", |r| r.summary)},
                "help": {"text": r.map_or("", |r| r.page), "markdown": r.map_or("", |r| r.page)},
                "helpUri": registry::url(code),
                "defaultConfiguration": {"level": level(r.map_or(Severity::Error, |r| r.severity))},
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let (s, e) = pos.range(d.loc);
            let path = pos.path(d.loc.file);
            let related: Vec<Value> = d
                .related
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let (ls, le) = pos.range(l.loc);
                    json!({"id": i, "message": {"text": l.message}, "physicalLocation": physical(&pos.path(l.loc.file), ls, le)})
                })
                .collect();
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(h);
            }
            let snippet = &a.file(d.loc.file).text()[d.loc.span.range()];
            json!({
                "ruleId": d.code,
                "ruleIndex": codes.iter().position(|c| *c == d.code),
                "level": level(d.severity),
                "message": {"text": text},
                "locations": [{"physicalLocation": physical(&path, s, e)}],
                "relatedLocations": related,
                // Stable across runs and unrelated edits: code, file and the text at the span.
                "partialFingerprints": {"intactFinding/v1": fingerprint(&[d.code, &path, snippet, &d.message])},
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "intact",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/intact",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc).expect("JSON values serialize") + "\n"
}

fn physical(path: &str, s: crate::render::Position, e: crate::render::Position) -> Value {
    json!({
        "artifactLocation": {"uri": path},
        "region": {"startLine": s.line, "startColumn": s.column, "endLine": e.line, "endColumn": e.column},
    })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// FNV-1a, 64 bits: small, stable across Rust versions (unlike `DefaultHasher`).
fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// `--format github`: workflow commands that GitHub Actions shows as annotations.
pub fn github(a: &Analysis, diags: &[Diagnostic]) -> String {
    let mut pos = Positions::new(a);
    let mut out = String::new();
    for d in diags {
        let (s, e) = pos.range(d.loc);
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut msg = d.message.clone();
        if let Some(h) = &d.help {
            msg.push_str("\nhelp: ");
            msg.push_str(h);
        }
        let _ = writeln!(
            out,
            "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&pos.path(d.loc.file)),
            s.line,
            s.column,
            e.line,
            e.column,
            escape_property(d.code),
            escape_data(&msg)
        );
    }
    out
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `--format junit`: one test case per file; a file's findings are its failure.
pub fn junit(a: &Analysis, diags: &[Diagnostic], fail_on_warnings: bool) -> String {
    let mut pos = Positions::new(a);
    let fails = |d: &&Diagnostic| d.severity == Severity::Error || (fail_on_warnings && d.severity == Severity::Warning);
    let failures = a.files.iter().enumerate().filter(|(i, _)| diags.iter().filter(fails).any(|d| d.loc.file == *i as FileId)).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"intact check\" tests=\"{}\" failures=\"{failures}\">", a.files.len());
    let _ = writeln!(out, "  <testsuite name=\"intact check\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">", a.files.len());
    for (i, f) in a.files.iter().enumerate() {
        let path = f.path().to_string_lossy();
        let mine: Vec<&Diagnostic> = diags.iter().filter(|d| d.loc.file == i as FileId).collect();
        let _ = write!(out, "    <testcase name=\"{}\" classname=\"intact.check\"", xml(&path));
        let failing: Vec<&&Diagnostic> = mine.iter().filter(|d| fails(d)).collect();
        if failing.is_empty() && mine.is_empty() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        let mut body = String::new();
        for d in &mine {
            let s = pos.at(d.loc.file, d.loc.span.start);
            let _ = writeln!(body, "{}:{}:{}: {} [{}] {}", path, s.line, s.column, d.severity.as_str(), d.code, d.message);
            if let Some(h) = &d.help {
                let _ = writeln!(body, "  help: {h}");
            }
        }
        if failing.is_empty() {
            let _ = writeln!(out, "      <system-out>{}</system-out>", xml(&body));
        } else {
            let _ = writeln!(
                out,
                "      <failure message=\"{} finding(s)\" type=\"{}\">{}</failure>",
                failing.len(),
                xml(failing[0].code),
                xml(&body)
            );
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Options of the human format.
#[derive(Clone, Copy, Debug)]
pub struct HumanOptions {
    pub color: bool,
    /// Box-drawing characters; off gives plain ASCII (stable in golden tests and dumb terminals).
    pub unicode: bool,
    pub width: usize,
}

/// `--format human`: miette's graphical reports, then a summary line.
pub fn human(a: &Analysis, diags: &[Diagnostic], opts: HumanOptions) -> String {
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
    let handler = GraphicalReportHandler::new_themed(theme).with_width(opts.width).with_links(false);
    let mut pos = Positions::new(a);
    let mut out = String::new();
    for d in diags {
        let report = Report::new(a, d, &mut pos);
        let _ = handler.render_report(&mut out, &report);
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

/// A finding as a miette diagnostic: labels in the finding's file become labelled spans, labels in
/// other files become notes with their position.
struct Report<'a> {
    d: &'a Diagnostic,
    source: miette::NamedSource<String>,
    labels: Vec<miette::LabeledSpan>,
    help: Option<String>,
}

impl<'a> Report<'a> {
    fn new(a: &Analysis, d: &'a Diagnostic, pos: &mut Positions) -> Report<'a> {
        let f = a.file(d.loc.file);
        let source = miette::NamedSource::new(pos.path(d.loc.file), f.text().to_string()).with_language("kdl");
        let mut labels = vec![miette::LabeledSpan::new_primary_with_span(
            (!d.label.is_empty()).then(|| d.label.clone()),
            d.loc.span.range(),
        )];
        let mut notes = Vec::new();
        for l in &d.related {
            if l.loc.file == d.loc.file {
                labels.push(miette::LabeledSpan::new_with_span(Some(l.message.clone()), l.loc.span.range()));
            } else {
                let p = pos.at(l.loc.file, l.loc.span.start);
                notes.push(format!("{} at {}:{}:{}", l.message, pos.path(l.loc.file), p.line, p.column));
            }
        }
        let mut help = d.help.clone();
        if !notes.is_empty() {
            let joined = notes.join("\n");
            help = Some(match help {
                Some(h) => format!("{h}\n{joined}"),
                None => joined,
            });
        }
        Report { d, source, labels, help }
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
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}
