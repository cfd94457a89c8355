//! The reports of `intact test`: JUnit XML and JSON.

use intact_model::junit;
use serde_json::json;

use super::*;

/// The results as JUnit XML: one suite, a case per test (its file the class); a failed test's
/// failures and trace, masked before they reach the report.
pub fn junit(results: &[TestResult]) -> String {
    let cases = results
        .iter()
        .map(|r| {
            let (outcome, output) = match &r.outcome {
                TestOutcome::Passed => (junit::CaseOutcome::Passed, None),
                TestOutcome::Skipped(why) => (junit::CaseOutcome::Skipped(why.clone()), None),
                TestOutcome::Failed => (
                    junit::CaseOutcome::Failed(junit::Failure {
                        message: r.failures.first().cloned().unwrap_or_default(),
                        kind: None,
                        text: r.failures.join("\n"),
                    }),
                    Some(r.trace.join("\n")),
                ),
            };
            junit::Case {
                name: r.name.clone(),
                classname: r.file.clone(),
                time: Some(r.duration),
                outcome,
                output,
            }
        })
        .collect();
    let total: Duration = results.iter().map(|r| r.duration).sum();
    junit::Report {
        name: "intact test".into(),
        time: Some(total),
        suites: vec![junit::Suite {
            name: "intact test".into(),
            time: Some(total),
            cases,
        }],
    }
    .xml()
}

/// The results as JSON.
pub fn json_report(results: &[TestResult]) -> String {
    let tests: Vec<J> = results
        .iter()
        .map(|r| json!({"name": r.name, "file": r.file, "outcome": r.outcome.as_str(), "skipped": r.skipped(), "duration_ms": r.duration.as_millis() as u64, "failures": r.failures, "trace": r.trace}))
        .collect();
    let count = |o: &str| results.iter().filter(|r| r.outcome.as_str() == o).count();
    serde_json::to_string_pretty(&json!({"format_version": 2, "passed": count("passed"), "failed": count("failed"), "skipped": count("skipped"), "tests": tests})).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, outcome: TestOutcome, failures: &[&str]) -> TestResult {
        TestResult {
            name: name.into(),
            file: "tests/a.kdl".into(),
            outcome,
            duration: Duration::from_millis(5),
            failures: failures.iter().map(|f| f.to_string()).collect(),
            trace: vec!["GET /users -> 200".into()],
            exchanges: Vec::new(),
            failed_at: None,
        }
    }

    #[test]
    fn junit_counts_and_escapes_what_xml_cannot_carry() {
        let report = junit(&[
            result("a <b> & \"c\"", TestOutcome::Passed, &[]),
            result(
                "bad",
                TestOutcome::Failed,
                &["got \u{1b}[31mred\u{1b}[0m & <none>"],
            ),
            result("later", TestOutcome::Skipped("needs a mock".into()), &[]),
        ]);
        assert!(
            report.contains("tests=\"3\" failures=\"1\" skipped=\"1\""),
            "{report}"
        );
        assert!(
            report.contains("name=\"a &lt;b&gt; &amp; &quot;c&quot;\""),
            "{report}"
        );
        assert!(
            report.contains("got \\u{1b}[31mred\\u{1b}[0m &amp; &lt;none&gt;"),
            "{report}"
        );
        assert!(
            !report.chars().any(|c| (c as u32) < 0x20 && c != '\n'),
            "a control character reached the XML"
        );
        assert!(
            report.contains("<skipped message=\"needs a mock\"/>"),
            "{report}"
        );
    }

    #[test]
    fn the_json_report_counts_outcomes() {
        let report = json_report(&[
            result("a", TestOutcome::Passed, &[]),
            result("b", TestOutcome::Failed, &["no"]),
        ]);
        let v: J = serde_json::from_str(&report).unwrap();
        assert_eq!(v["passed"], 1);
        assert_eq!(v["failed"], 1);
        assert_eq!(v["tests"][1]["failures"][0], "no");
    }
}
