//! `--format json`: one report object with every finding, its range and its labels.

use intact_model::Analysis;
use serde::Serialize;

use super::*;
use crate::{Diagnostic, registry, summarize};
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
                code: d.code.as_str(),
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
