//! A request with `operation=` held against its operation (`crate::described`): what it sends
//! before it is sent, and in `intact test` the mock's answer. What is done about a mismatch is
//! the runtime's [`Conformance`]: a warning, a failed step (`--strict`), or a test's failure.

use super::request::Outgoing;
use super::*;
use crate::described::{Sent, Violation};

/// The most characters of one rule quoted: a type error quotes the value, which may be a whole
/// body.
const MAX_RULE: usize = 200;

impl Runtime {
    /// Checks what requests with `operation=` send against their operation, as `conformance`
    /// says.
    pub fn with_conformance(mut self, conformance: Conformance) -> Runtime {
        self.conformance = conformance;
        self
    }

    /// Reads the OpenAPI documents through `descriptions`, which other runtimes of the same
    /// analysis may share (the tests of one `intact test` run read each document once).
    pub fn with_descriptions(mut self, descriptions: Arc<Descriptions>) -> Runtime {
        self.descriptions = descriptions;
        self
    }

    /// The mismatches [`Conformance::Collect`] kept since the last call, masked.
    pub fn take_violations(&self) -> Vec<String> {
        std::mem::take(&mut *self.violations.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Checks what `out` is about to send against the operation `id`; with `--strict`, a
    /// mismatch fails the step and nothing is sent.
    pub(super) fn conform_request(&self, id: &str, out: &Outgoing<'_>) -> Result<(), Failure> {
        if matches!(self.conformance, Conformance::Off) {
            return Ok(());
        }
        let sent = Sent {
            path: &out.path,
            query: &out.query,
            headers: &out.headers,
            body: out.body.as_ref().map(|(k, v)| (*k, v)),
        };
        let found = self.descriptions.check_request(&self.analysis, id, &sent);
        if found.is_empty() {
            return Ok(());
        }
        if let Conformance::Strict = self.conformance {
            return Err(out.failure(format!(
                "request `{}` at {} was not sent: it does not fit operation {id} (--strict): {}",
                out.step,
                out.at,
                found
                    .iter()
                    .map(|v| self.rule_text(v))
                    .collect::<Vec<_>>()
                    .join("; ")
            )));
        }
        self.report(self.lines(out, id, &found));
        Ok(())
    }

    /// Checks an answer to the operation `id` against the response it declares for `status`,
    /// when the runtime answers to mocks.
    pub(super) fn conform_response(&self, id: &str, out: &Outgoing<'_>, status: u16, body: &J) {
        if !matches!(self.conformance, Conformance::Collect { responses: true }) {
            return;
        }
        let found =
            self.descriptions
                .check_response(&self.analysis, id, (status, "the mock's"), body);
        if !found.is_empty() {
            self.report(self.lines(out, id, &found));
        }
    }

    /// One line per mismatch: ``request `get` at flows/teams.kdl:4:5 (operation getTeam): query
    /// parameter `limit`: "ten" is not of type "integer"``, masked.
    fn lines(&self, out: &Outgoing<'_>, id: &str, found: &[Violation]) -> Vec<String> {
        found
            .iter()
            .map(|v| {
                format!(
                    "request `{}` at {} (operation {id}): {}",
                    out.step,
                    out.at,
                    self.rule_text(v)
                )
            })
            .collect()
    }

    /// `place: rule`, masked before it is cut, so that no part of a secret is left to be seen.
    fn rule_text(&self, v: &Violation) -> String {
        let rule = self.masker.mask(&v.rule);
        let rule = if rule.chars().count() > MAX_RULE {
            format!("{}…", rule.chars().take(MAX_RULE).collect::<String>())
        } else {
            rule
        };
        format!("{}: {rule}", self.masker.mask(&v.place))
    }

    fn report(&self, lines: Vec<String>) {
        match &self.conformance {
            Conformance::Warn(sink) => lines.iter().for_each(|l| sink(l)),
            Conformance::Collect { .. } => self
                .violations
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(lines),
            // Off checks nothing; Strict fails the request before any line is reported.
            Conformance::Off | Conformance::Strict => {}
        }
    }
}
