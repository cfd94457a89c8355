//! `--format sarif`: SARIF 2.1.0, one run with the rules that fired and stable fingerprints.

use intact_model::Analysis;
use serde::Serialize;

use super::*;
use crate::{Diagnostic, Severity, registry};
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
    let mut codes: Vec<&str> = diags.iter().map(|d| d.code.as_str()).collect();
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
            let finding = fingerprint(&[d.code.as_str(), &path, snippet, &d.message]);
            SarifResult {
                rule_id: d.code.as_str(),
                rule_index: codes.binary_search(&d.code.as_str()).unwrap_or(0),
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
