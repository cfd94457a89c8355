//! `--format junit`: one test case per file, its findings the failure.

use std::fmt::Write;

use intact_model::Analysis;
use intact_model::junit::{Case, CaseOutcome, Failure, Report, Suite};

use super::*;
use crate::{Diagnostic, Severity};
/// `--format junit`: one test case per file; a file's findings are its failure (a file with
/// warnings only, when they do not fail, shows them as its output).
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
    let mut cases = Vec::new();
    for (i, f) in a.files.iter().enumerate() {
        let path = names.name(f.path());
        let mine: Vec<&Diagnostic> = diags
            .iter()
            .filter(|d| d.loc.file == FileId::from_index(i))
            .collect();
        let failing: Vec<&&Diagnostic> = mine.iter().filter(|d| fails(d)).collect();
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
        let (outcome, output) = match failing.first() {
            Some(first) => (
                CaseOutcome::Failed(Failure {
                    message: format!("{} finding(s)", failing.len()),
                    kind: Some(first.code.to_string()),
                    text: body,
                }),
                None,
            ),
            None => (CaseOutcome::Passed, (!mine.is_empty()).then_some(body)),
        };
        cases.push(Case {
            name: path,
            classname: "intact.check".into(),
            time: None,
            outcome,
            output,
        });
    }
    Report {
        name: "intact check".into(),
        time: None,
        suites: vec![Suite {
            name: "intact check".into(),
            time: None,
            cases,
        }],
    }
    .xml()
}
