//! `--format junit`: one test case per file, its findings the failure.

use std::fmt::Write;

use intact_model::Analysis;

use super::*;
use crate::{Diagnostic, Severity};
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
            intact_model::junit::text(&path)
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
            let _ = writeln!(
                out,
                "      <system-out>{}</system-out>",
                intact_model::junit::text(&body)
            );
        } else {
            let _ = writeln!(
                out,
                "      <failure message=\"{} finding(s)\" type=\"{}\">{}</failure>",
                failing.len(),
                intact_model::junit::text(failing[0].code.as_str()),
                intact_model::junit::text(&body)
            );
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
