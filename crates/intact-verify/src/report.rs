//! What a verify run found, and its three formats: human (a table per scenario), JSON
//! (`format_version` 1, schemas/verify-report.schema.json) and JUnit (a test suite per scenario).

use std::fmt::Write as _;
use std::time::Duration;

use intact_model::junit;
use serde_json::{Value as J, json};

/// One step: a contract's action run (or an assertion about it), and how it went.
#[derive(Clone, Debug)]
pub struct StepResult {
    pub contract: String,
    /// The project's action for the contract.
    pub action: Option<String>,
    pub what: String,
    pub passed: bool,
    /// Why it failed (masked); empty when it passed.
    pub message: String,
    pub duration: Duration,
    /// It failed because a request could not be sent (`FailureKind::Unreachable`).
    pub unreachable: bool,
    /// What its action sent and received, masked.
    pub exchanges: Vec<intact_run::Exchange>,
    /// Where its action failed (the innermost step), when it failed in one.
    pub failed_at: Option<intact_model::Loc>,
    /// Its action's input and output (masked), when the action answered: what `--record`
    /// writes.
    pub ran: Option<(J, J)>,
}

#[derive(Clone, Debug)]
pub struct ScenarioResult {
    pub name: String,
    pub summary: String,
    /// Why the scenario did not run on this project.
    pub skipped: Option<String>,
    pub steps: Vec<StepResult>,
    pub duration: Duration,
    /// Ctrl-C stopped it before its end.
    pub interrupted: bool,
}

impl ScenarioResult {
    pub fn passed(&self) -> bool {
        !self.interrupted && self.steps.iter().all(|s| s.passed)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Marks the run's test data (`intact-verify-<run>-…`).
    pub run: String,
    pub dry_run: bool,
    pub scenarios: Vec<ScenarioResult>,
    /// Deactivating the test users and removing the test groups, at the end.
    pub cleanup: Vec<StepResult>,
    /// Test data that is still there (`--keep`, or no action to undo it).
    pub left: Vec<String>,
    /// Ctrl-C stopped the scenarios; the cleanup still ran.
    pub interrupted: bool,
}

impl Report {
    /// Every scenario that ran passed, and the cleanup undid everything.
    pub fn passed(&self) -> bool {
        !self.interrupted
            && self.scenarios.iter().all(ScenarioResult::passed)
            && self.cleanup.iter().all(|s| s.passed)
    }

    /// Nothing reached the API: every step that ran failed to send.
    pub fn unreachable(&self) -> bool {
        let mut steps = self.scenarios.iter().flat_map(|s| &s.steps).peekable();
        steps.peek().is_some() && steps.all(|s| !s.passed && s.unreachable)
    }

    pub fn json(&self) -> String {
        let step = |s: &StepResult| {
            json!({
                "contract": s.contract,
                "action": s.action,
                "what": s.what,
                "passed": s.passed,
                "message": s.message,
                "duration_ms": s.duration.as_millis() as u64,
            })
        };
        let scenarios: Vec<J> = self
            .scenarios
            .iter()
            .map(|s| {
                json!({
                    "name": s.name,
                    "summary": s.summary,
                    "passed": s.passed(),
                    "skipped": s.skipped,
                    "duration_ms": s.duration.as_millis() as u64,
                    "steps": s.steps.iter().map(step).collect::<Vec<_>>(),
                })
            })
            .collect();
        let v = json!({
            "format_version": 1,
            "run": self.run,
            "dry_run": self.dry_run,
            "passed": self.passed(),
            "interrupted": self.interrupted,
            "scenarios": scenarios,
            "cleanup": self.cleanup.iter().map(step).collect::<Vec<_>>(),
            "left": self.left,
        });
        serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
    }

    /// A suite per scenario (a skipped one: a skipped case with the reason) and one for the
    /// cleanup; a case per step.
    pub fn junit(&self) -> String {
        let mut suites: Vec<(&str, &[StepResult], Option<&str>)> = self
            .scenarios
            .iter()
            .map(|s| (s.name.as_str(), s.steps.as_slice(), s.skipped.as_deref()))
            .collect();
        suites.push(("cleanup", &self.cleanup, None));
        let suites = suites
            .into_iter()
            .map(|(name, steps, skipped)| {
                let skipped = skipped.map(|why| junit::Case {
                    name: name.into(),
                    classname: name.into(),
                    time: None,
                    outcome: junit::CaseOutcome::Skipped(why.into()),
                    output: None,
                });
                let time = steps.iter().map(|s| s.duration).sum();
                let steps = steps.iter().enumerate().map(|(i, s)| junit::Case {
                    name: format!("{}. {}: {}", i + 1, s.contract, s.what),
                    classname: name.into(),
                    time: Some(s.duration),
                    outcome: if s.passed {
                        junit::CaseOutcome::Passed
                    } else {
                        junit::CaseOutcome::Failed(junit::Failure {
                            message: s.message.clone(),
                            kind: None,
                            text: s.message.clone(),
                        })
                    },
                    output: None,
                });
                junit::Suite {
                    name: name.into(),
                    time: Some(time),
                    cases: skipped.into_iter().chain(steps).collect(),
                }
            })
            .collect();
        junit::Report {
            name: "intact verify".into(),
            time: None,
            suites,
        }
        .xml()
    }

    pub fn human(&self) -> String {
        let mut out = String::new();
        if self.dry_run {
            let _ = writeln!(
                out,
                "The plan (--dry-run: nothing is sent). Test data would be named intact-verify-{}-….\n",
                self.run
            );
        }
        for s in &self.scenarios {
            let mark = match (&s.skipped, s.passed()) {
                (Some(_), _) => "skip",
                (None, true) if self.dry_run => "plan",
                (None, true) => "ok",
                (None, false) if s.interrupted => "STOP",
                (None, false) => "FAILED",
            };
            let time = if self.dry_run || s.skipped.is_some() {
                String::new()
            } else {
                format!(" ({} ms)", s.duration.as_millis())
            };
            let _ = writeln!(out, "{mark:<6} {}{time}: {}", s.name, s.summary);
            if let Some(why) = &s.skipped {
                let _ = writeln!(out, "       {why}");
            }
            steps(&mut out, &s.steps, self.dry_run);
            if s.interrupted {
                let _ = writeln!(out, "       (interrupted here)");
            }
        }
        if !self.cleanup.is_empty() {
            let _ = writeln!(out, "cleanup");
            steps(&mut out, &self.cleanup, false);
        }
        for l in &self.left {
            let _ = writeln!(out, "left behind: {l}");
        }
        if self.interrupted {
            let _ = writeln!(out, "interrupted: the scenarios stopped; the cleanup ran");
        }
        if !self.dry_run {
            let ran: Vec<&ScenarioResult> = self
                .scenarios
                .iter()
                .filter(|s| s.skipped.is_none())
                .collect();
            let failed = ran.iter().filter(|s| !s.passed()).count();
            // Left-behind data fails the run as a failed scenario does: the closing line says so,
            // so that it never reads as a pass above an exit code of 1.
            let left = match self.left.len() {
                0 => String::new(),
                n if self.cleanup.is_empty() => format!(", {n} test resource(s) kept (--keep)"),
                n => format!(", {n} test resource(s) left behind"),
            };
            let _ = writeln!(
                out,
                "\n{} scenario(s) passed, {failed} failed, {} skipped{left}",
                ran.len() - failed,
                self.scenarios.len() - ran.len()
            );
        }
        printable(&out)
    }
}

/// The report of a run that could not start (errors in the project, no environment, no scenario
/// that applies): a configuration problem, never a failed proof, that a JSON or JUnit reader in
/// CI still gets a report of.
#[derive(Clone, Copy, Debug)]
pub struct ErrorReport<'a> {
    /// The exit code the run ends with.
    pub exit: u8,
    pub message: &'a str,
}

impl ErrorReport<'_> {
    pub fn json(&self) -> String {
        let v = json!({
            "format_version": 1,
            "passed": false,
            "error": {"exit": self.exit, "message": self.message},
        });
        serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
    }

    /// One suite, `configuration`, whose one case errored with the message.
    pub fn junit(&self) -> String {
        let message = self.message.to_string();
        junit::Report {
            name: "intact verify".into(),
            time: None,
            suites: vec![junit::Suite {
                name: "configuration".into(),
                time: None,
                cases: vec![junit::Case {
                    name: "the project can be verified".into(),
                    classname: "configuration".into(),
                    time: None,
                    outcome: junit::CaseOutcome::Errored(junit::Failure {
                        message: message.clone(),
                        kind: None,
                        text: message,
                    }),
                    output: None,
                }],
            }],
        }
        .xml()
    }
}

/// The report as a terminal may show it: ids, names and messages come from the API, and a
/// control character in one (an escape sequence, a carriage return, a bidi override) could
/// rewrite or hide lines of the report; each is written as `\u{…}`.
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}');
        if (c.is_control() && c != '\n') || bidi {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// The steps of a scenario as a table: number, contract, action, what, time, and why a step
/// failed under it.
fn steps(out: &mut String, steps: &[StepResult], dry: bool) {
    let width = steps.iter().map(|s| s.contract.len()).max().unwrap_or(0);
    for (i, s) in steps.iter().enumerate() {
        let (mark, time) = match (dry, s.passed) {
            (true, _) => (String::new(), String::new()),
            (false, passed) => (
                format!("{:<7}", if passed { "ok" } else { "FAILED" }),
                format!(" ({} ms)", s.duration.as_millis()),
            ),
        };
        let _ = writeln!(
            out,
            "       {:>2}. {:<width$}  {mark}{}{time}",
            i + 1,
            s.contract,
            s.what,
        );
        if !s.passed {
            let _ = writeln!(out, "           {}", s.message);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn server_text_cannot_rewrite_the_report() {
        let text = "ok u1\u{1b}[2K\r\u{1b}[1A ok\u{202E}x\n";
        let shown = super::printable(text);
        assert_eq!(shown, "ok u1\\u{1b}[2K\\u{d}\\u{1b}[1A ok\\u{202e}x\n");
    }
}
