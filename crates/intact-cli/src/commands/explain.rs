//! `intact explain`: the diagnostic codes, and one code's page.

use intact_check::{Severity, registry};

use super::*;
use crate::error::{CliError, CommandResult, Exit};

pub(crate) fn run(code: Option<String>) -> CommandResult {
    let Some(code) = code else {
        let mut out = String::from("Diagnostic codes (intact explain CODE for a page):\n\n");
        for r in registry::RULES {
            let sev = match r.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "info",
            };
            out.push_str(&format!("  {:<42} {:<8} {}\n", r.code, sev, r.summary));
        }
        write_stdout(&out)?;
        return Ok(Exit::Success);
    };
    // A code's last part is enough when only one code ends with it (`unknown-field`).
    let by_suffix: Vec<&registry::RuleInfo> = registry::RULES
        .iter()
        .filter(|r| r.code.rsplit("::").next() == Some(code.as_str()))
        .collect();
    let rule = match (registry::rule(&code), by_suffix.as_slice()) {
        (Some(r), _) => Some(r),
        (None, [one]) => Some(*one),
        (None, [_, _, ..]) => {
            let codes: Vec<&str> = by_suffix.iter().map(|r| r.code).collect();
            return Err(CliError::usage(format!(
                "`{code}` ends several codes: {}; name one",
                codes.join(", ")
            )));
        }
        (None, []) => None,
    };
    match rule {
        Some(r) => {
            write_stdout(r.page)?;
            Ok(Exit::Success)
        }
        None => {
            let hint = intact_check::suggest(&code, registry::RULES.iter().map(|r| r.code))
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_else(|| "; run `intact explain` to list them".into());
            Err(CliError::usage(format!(
                "`{code}` is not a diagnostic code{hint}"
            )))
        }
    }
}
