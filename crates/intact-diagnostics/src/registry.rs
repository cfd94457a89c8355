//! Every diagnostic code, built from the rule pages under `docs/rules/` (see build.rs): the
//! [`Rule`] enum (one variant per page, as Ruff's `Rule`) and each rule's [`RuleInfo`].

use crate::Severity;

/// What a rule page says of its code.
#[derive(Debug)]
pub struct RuleInfo {
    pub rule: Rule,
    pub code: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// The page `intact explain CODE` prints.
    pub page: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/rules.rs"));

impl Rule {
    /// Its page's severity, summary and text.
    pub fn info(self) -> &'static RuleInfo {
        // RULES is generated in the order of the variants.
        &RULES[self as usize]
    }

    pub fn severity(self) -> Severity {
        self.info().severity
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl PartialEq<&str> for Rule {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for Rule {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The rule a code names, as written by a user (`intact explain CODE`, `intact-ignore`).
pub fn rule(code: &str) -> Option<&'static RuleInfo> {
    Rule::from_code(code).map(Rule::info)
}

/// Where a rule's page is, relative to the repository root (`docs/rules/schema/unknown-node.md`).
/// intact has no hosted documentation site yet, so reports link into the repository.
pub fn url(rule: Rule) -> String {
    format!("docs/rules/{}.md", rule.as_str().replace("::", "/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_and_pages_line_up() {
        for (i, info) in RULES.iter().enumerate() {
            assert_eq!(info.rule as usize, i);
            assert_eq!(info.rule.as_str(), info.code);
            assert_eq!(Rule::from_code(info.code), Some(info.rule));
        }
        assert_eq!(Rule::from_code("schema::no-such-rule"), None);
    }
}
