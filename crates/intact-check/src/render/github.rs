//! `--format github`: workflow commands that GitHub Actions shows as annotations.

use std::fmt::Write;

use intact_model::Analysis;

use super::*;
use crate::{Diagnostic, Severity};
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
            escape_property(d.code.as_str()),
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
