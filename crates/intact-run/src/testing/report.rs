//! The reports of `intact test`: JUnit XML and JSON.

use serde_json::json;

use super::*;

/// The results as JUnit XML.
pub fn junit(results: &[TestResult]) -> String {
    let failures = results.iter().filter(|r| r.failed()).count();
    let skipped = results.iter().filter(|r| r.skipped().is_some()).count();
    let total: f64 = results.iter().map(|r| r.duration.as_secs_f64()).sum();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"intact test\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{total:.3}\">\n  <testsuite name=\"intact test\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{total:.3}\">\n",
        results.len(),
        results.len()
    );
    for r in results {
        out.push_str(&format!(
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
            intact_model::junit::text(&r.name),
            intact_model::junit::text(&r.file),
            r.duration.as_secs_f64()
        ));
        match &r.outcome {
            TestOutcome::Skipped(why) => out.push_str(&format!(
                ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                intact_model::junit::text(why)
            )),
            TestOutcome::Passed => out.push_str("/>\n"),
            TestOutcome::Failed => out.push_str(&format!(
                ">\n      <failure message=\"{}\">{}</failure>\n      <system-out>{}</system-out>\n    </testcase>\n",
                intact_model::junit::text(r.failures.first().map_or("", String::as_str)),
                intact_model::junit::text(&r.failures.join("\n")),
                intact_model::junit::text(&r.trace.join("\n"))
            )),
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
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
