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
            c if ((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
                || matches!(c, '\u{FFFE}' | '\u{FFFF}') =>
            {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}
