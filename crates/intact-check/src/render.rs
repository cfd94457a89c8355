//! Output formats of `intact check`: human (miette), JSON, SARIF 2.1.0, GitHub annotations, JUnit.

use std::fmt::Write;

use intact_model::{Analysis, FileId, Loc};
use line_index::{LineIndex, TextSize, WideEncoding};
use serde::Serialize;

use crate::registry;
use crate::{Diagnostic, Severity, summarize};

/// 1-based line and column (in Unicode scalar values) and the byte offset of a position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    pub byte: u32,
}

/// How reports name files. The analysis knows paths relative to the project root; a report names
/// them as seen from where intact runs, so that `intact check sub` from a repository's root writes
/// `sub/intact.kdl`, the path GitHub, SARIF viewers and editors resolve.
#[derive(Clone, Debug, Default)]
pub struct FileNames {
    /// Put before each root-relative path: "" when intact runs in the root, else the root as seen
    /// from the working directory, ending in `/`.
    prefix: String,
    /// The working directory as a `file:` URI ending in `/`: SARIF's `%SRCROOT%`.
    base_uri: Option<String>,
}

impl FileNames {
    /// Paths relative to the project root, as the analysis has them (golden tests).
    pub fn root_relative() -> FileNames {
        FileNames::default()
    }

    /// Paths as seen from `cwd`: relative when the project is inside it, else absolute.
    pub fn from_working_dir(root: &std::path::Path, cwd: &std::path::Path) -> FileNames {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let cwd = cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf());
        let prefix = match root.strip_prefix(&cwd) {
            Ok(rel) => slashed(rel),
            Err(_) => slashed(&root),
        };
        let prefix = if prefix.is_empty() || prefix.ends_with('/') {
            prefix
        } else {
            prefix + "/"
        };
        FileNames {
            prefix,
            base_uri: url::Url::from_directory_path(&cwd)
                .ok()
                .map(|u| u.to_string()),
        }
    }

    /// The name of a root-relative path.
    pub fn name(&self, path: &std::path::Path) -> String {
        format!("{}{}", self.prefix, slashed(path))
    }
}

/// A path with `/` between its parts on every platform (the form of GitHub's and SARIF's paths).
fn slashed(p: &std::path::Path) -> String {
    let parts: Vec<String> = p
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    match parts.first().map(String::as_str) {
        Some("/") => format!("/{}", parts[1..].join("/")),
        _ => parts.join("/"),
    }
}

/// Positions of byte offsets in the project's files; builds each file's line index once.
pub struct Positions<'a> {
    a: &'a Analysis,
    names: &'a FileNames,
    indexes: Vec<Option<LineIndex>>,
}

impl<'a> Positions<'a> {
    pub fn new(a: &'a Analysis, names: &'a FileNames) -> Self {
        Positions {
            a,
            names,
            indexes: (0..a.files.len()).map(|_| None).collect(),
        }
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
        let col = index
            .to_wide(WideEncoding::Utf32, lc)
            .map_or(lc.col, |w| w.col);
        Position {
            line: lc.line + 1,
            column: col + 1,
            byte,
        }
    }

    /// The byte offset where 0-based `line` starts (the end of the file past the last line).
    pub fn line_start(&mut self, file: FileId, line: u32) -> u32 {
        let text = self.a.file(file).text();
        let index = self.indexes[file as usize].get_or_insert_with(|| LineIndex::new(text));
        index
            .offset(line_index::LineCol { line, col: 0 })
            .map_or(text.len() as u32, u32::from)
    }

    pub fn range(&mut self, loc: Loc) -> (Position, Position) {
        (
            self.at(loc.file, loc.span.start),
            self.at(loc.file, loc.span.end),
        )
    }

    /// The file's name in reports (see [`FileNames`]).
    pub fn path(&self, file: FileId) -> String {
        self.names.name(self.a.file(file).path())
    }
}

#[derive(Serialize)]
struct JsonPos {
    line: u32,
    column: u32,
    byte: u32,
}

#[derive(Serialize)]
struct JsonRange {
    start: JsonPos,
    end: JsonPos,
}

impl JsonRange {
    fn new(s: Position, e: Position) -> JsonRange {
        JsonRange {
            start: JsonPos {
                line: s.line,
                column: s.column,
                byte: s.byte,
            },
            end: JsonPos {
                line: e.line,
                column: e.column,
                byte: e.byte,
            },
        }
    }
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    message: &'a str,
    file: String,
    range: JsonRange,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: &'a str,
    message: &'a str,
    label: &'a str,
    help: Option<&'a str>,
    file: String,
    range: JsonRange,
    labels: Vec<JsonLabel<'a>>,
    url: String,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    format_version: u32,
    valid: bool,
    error_count: usize,
    warning_count: usize,
    info_count: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

/// `--format json`: the format of docs/output-formats.md, version 1. Written from typed structs
/// rather than `serde_json::Value`, which costs several kilobytes per finding.
pub fn json(a: &Analysis, diags: &[Diagnostic], names: &FileNames) -> String {
    let mut pos = Positions::new(a, names);
    let s = summarize(diags);
    let diagnostics = diags
        .iter()
        .map(|d| {
            let (start, end) = pos.range(d.loc);
            let labels = d
                .related
                .iter()
                .map(|l| {
                    let (s, e) = pos.range(l.loc);
                    JsonLabel {
                        message: &l.message,
                        file: pos.path(l.loc.file),
                        range: JsonRange::new(s, e),
                    }
                })
                .collect();
            JsonDiagnostic {
                code: d.code,
                severity: d.severity.as_str(),
                message: &d.message,
                label: &d.label,
                help: d.help.as_deref(),
                file: pos.path(d.loc.file),
                range: JsonRange::new(start, end),
                labels,
                url: registry::url(d.code),
            }
        })
        .collect();
    let report = JsonReport {
        format_version: 1,
        valid: s.errors == 0,
        error_count: s.errors,
        warning_count: s.warnings,
        info_count: s.infos,
        diagnostics,
    };
    serde_json::to_string_pretty(&report).expect("JSON values serialize") + "\n"
}

#[derive(Serialize)]
struct SarifText<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct SarifHelp<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
struct SarifLevel {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRule<'a> {
    id: &'a str,
    short_description: SarifText<'a>,
    full_description: SarifText<'a>,
    help: SarifHelp<'a>,
    default_configuration: SarifLevel,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifArtifact {
    uri: String,
    /// `%SRCROOT%` (the working directory) when the run says where that is.
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
struct SarifBase {
    uri: String,
}

/// SARIF's name for the folder that relative artifact URIs start from.
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifPhysical {
    artifact_location: SarifArtifact,
    region: SarifRegion,
}

impl SarifPhysical {
    fn new(uri: String, base: bool, s: Position, e: Position) -> SarifPhysical {
        // An absolute path (a project outside the working directory) is a URI of its own.
        let uri_base_id = (base && !uri.starts_with('/')).then_some(SRCROOT);
        SarifPhysical {
            artifact_location: SarifArtifact { uri, uri_base_id },
            region: SarifRegion {
                start_line: s.line,
                start_column: s.column,
                end_line: e.line,
                end_column: e.column,
            },
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    physical_location: SarifPhysical,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRelated<'a> {
    id: usize,
    message: SarifText<'a>,
    physical_location: SarifPhysical,
}

#[derive(Serialize)]
struct SarifMessage {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: SarifMessage,
    locations: [SarifLocation; 1],
    related_locations: Vec<SarifRelated<'a>>,
    partial_fingerprints: SarifFingerprints,
}

#[derive(Serialize)]
struct SarifFingerprints {
    #[serde(rename = "intactFinding/v1")]
    finding: String,
}

#[derive(Serialize)]
struct SarifLog<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [SarifRun<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRun<'a> {
    tool: SarifTool<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_uri_base_ids: Option<std::collections::BTreeMap<&'static str, SarifBase>>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct SarifTool<'a> {
    driver: SarifDriver<'a>,
}

#[derive(Serialize)]
struct SarifDriver<'a> {
    name: &'static str,
    version: &'static str,
    rules: Vec<SarifRule<'a>>,
}

/// `--format sarif`: SARIF 2.1.0, one run, one rule per code.
pub fn sarif(a: &Analysis, diags: &[Diagnostic], names: &FileNames) -> String {
    let mut pos = Positions::new(a, names);
    let mut codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
    codes.sort();
    codes.dedup();
    let rules: Vec<SarifRule> = codes
        .iter()
        .map(|code| {
            let r = registry::rule(code);
            let summary = r.map_or("", |r| r.summary);
            let page = r.map_or("", |r| r.page);
            SarifRule {
                id: code,
                short_description: SarifText { text: summary },
                full_description: SarifText { text: summary },
                help: SarifHelp {
                    text: page,
                    markdown: page,
                },
                default_configuration: SarifLevel {
                    level: level(r.map_or(Severity::Error, |r| r.severity)),
                },
            }
        })
        .collect();
    let base = names.base_uri.is_some();
    let results: Vec<SarifResult> = diags
        .iter()
        .map(|d| {
            let (s, e) = pos.range(d.loc);
            let path = pos.path(d.loc.file);
            let related_locations = d
                .related
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let (ls, le) = pos.range(l.loc);
                    SarifRelated {
                        id: i,
                        message: SarifText { text: &l.message },
                        physical_location: SarifPhysical::new(pos.path(l.loc.file), base, ls, le),
                    }
                })
                .collect();
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(h);
            }
            let snippet = &a.file(d.loc.file).text()[d.loc.span.range()];
            // Stable across runs and unrelated edits: code, file, the text at the span, the message.
            let finding = fingerprint(&[d.code, &path, snippet, &d.message]);
            SarifResult {
                rule_id: d.code,
                rule_index: codes.binary_search(&d.code).unwrap_or(0),
                level: level(d.severity),
                message: SarifMessage { text },
                locations: [SarifLocation {
                    physical_location: SarifPhysical::new(path, base, s, e),
                }],
                related_locations,
                partial_fingerprints: SarifFingerprints { finding },
            }
        })
        .collect();
    let doc = SarifLog {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [SarifRun {
            tool: SarifTool {
                driver: SarifDriver {
                    name: "intact",
                    version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            original_uri_base_ids: names.base_uri.as_ref().map(|uri| {
                std::collections::BTreeMap::from([(SRCROOT, SarifBase { uri: uri.clone() })])
            }),
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_string_pretty(&doc).expect("JSON values serialize") + "\n"
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
pub fn github(a: &Analysis, diags: &[Diagnostic], names: &FileNames) -> String {
    let mut pos = Positions::new(a, names);
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
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `--format junit`: one test case per file; a file's findings are its failure.
pub fn junit(
    a: &Analysis,
    diags: &[Diagnostic],
    names: &FileNames,
    fail_on_warnings: bool,
) -> String {
    let mut pos = Positions::new(a, names);
    let fails = |d: &&Diagnostic| {
        d.severity == Severity::Error || (fail_on_warnings && d.severity == Severity::Warning)
    };
    let failures = a
        .files
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            diags
                .iter()
                .filter(fails)
                .any(|d| d.loc.file == *i as FileId)
        })
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"intact check\" tests=\"{}\" failures=\"{failures}\">",
        a.files.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"intact check\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">",
        a.files.len()
    );
    for (i, f) in a.files.iter().enumerate() {
        let path = names.name(f.path());
        let mine: Vec<&Diagnostic> = diags.iter().filter(|d| d.loc.file == i as FileId).collect();
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"intact.check\"",
            xml(&path)
        );
        let failing: Vec<&&Diagnostic> = mine.iter().filter(|d| fails(d)).collect();
        if failing.is_empty() && mine.is_empty() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        let mut body = String::new();
        for d in &mine {
            let s = pos.at(d.loc.file, d.loc.span.start);
            let _ = writeln!(
                body,
                "{}:{}:{}: {} [{}] {}",
                path,
                s.line,
                s.column,
                d.severity.as_str(),
                d.code,
                d.message
            );
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
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
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
    for d in diags {
        let report = Report::new(a, d, &mut pos);
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
    /// A cropped line (0-based within the window) and how many bytes its start lost (less the
    /// marker), so the column in the header stays the file's.
    column_fix: Option<(usize, usize)>,
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
        let column = match self.column_fix {
            Some((line, chars)) if line == inner.line() => inner.column() + chars,
            _ => inner.column(),
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
    fn new(a: &Analysis, d: &'a Diagnostic, pos: &mut Positions) -> Report<'a> {
        let file = d.loc.file;
        let text = a.file(file).text();
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
        // The header's column (miette counts bytes) counts what the primary line lost to
        // cropping, less the marker that took its place.
        let column_fix = lines.iter().enumerate().find_map(|(i, l)| {
            (l.cut > 0 && focus.0 >= l.old_start && focus.0 < l.old_end)
                .then(|| (i, l.cut - l.marker))
        });
        let window = Window {
            name: pos.path(file),
            text: shown,
            first_line: first as usize,
            column_fix,
        };
        let shift = |s: intact_syntax::Span| {
            let a = shown_offset(&lines, s.start.clamp(start, end) as usize);
            let b = shown_offset(&lines, s.end.clamp(start, end) as usize);
            a..b.max(a)
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
