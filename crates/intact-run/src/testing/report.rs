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
            xml(&r.name),
            xml(&r.file),
            r.duration.as_secs_f64()
        ));
        match &r.outcome {
            TestOutcome::Skipped(why) => out.push_str(&format!(
                ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                xml(why)
            )),
            TestOutcome::Passed => out.push_str("/>\n"),
            TestOutcome::Failed => out.push_str(&format!(
                ">\n      <failure message=\"{}\">{}</failure>\n      <system-out>{}</system-out>\n    </testcase>\n",
                xml(r.failures.first().map_or("", String::as_str)),
                xml(&r.failures.join("\n")),
                xml(&r.trace.join("\n"))
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

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
