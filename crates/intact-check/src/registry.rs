//! Every diagnostic code, built from the rule pages under `docs/rules/` (see build.rs).

use crate::Severity;

#[derive(Debug)]
pub struct Rule {
    pub code: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// The page `intact explain CODE` prints.
    pub page: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/rules.rs"));

pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

/// Where a code's page is, relative to the repository root (`docs/rules/schema/unknown-node.md`).
/// intact has no hosted documentation site yet, so reports link into the repository.
pub fn url(code: &str) -> String {
    format!("docs/rules/{}.md", code.replace("::", "/"))
}
