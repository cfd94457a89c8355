//! `intact test --report html FILE`: the summary, then each test, failures first: its failures,
//! the graph of the flow it failed in with the failing step marked, each request and answer, its
//! trace.

use intact_model::Analysis;
use intact_run::testing::TestResult;
use maud::{Markup, html};

/// The page of a test run. `results` in any order: failed first, then skipped, then passed.
pub fn tests(a: &Analysis, results: &[TestResult]) -> String {
    let count = |o: &str| results.iter().filter(|r| r.outcome.as_str() == o).count();
    let (failed, skipped, passed) = (count("failed"), count("skipped"), count("passed"));
    let total: u128 = results.iter().map(|r| r.duration.as_millis()).sum();
    let title = if failed > 0 {
        format!("intact test: {failed} failed")
    } else {
        "intact test: all passed".to_string()
    };
    let mut order: Vec<&TestResult> = results.iter().collect();
    order.sort_by_key(|r| match r.outcome.as_str() {
        "failed" => 0,
        "skipped" => 1,
        _ => 2,
    });
    let summary = html! {
        span.count.failed[failed > 0] { (failed) " failed" }
        span.count { (passed) " passed" }
        span.count { (skipped) " skipped" }
        span.count { (results.len()) " tests in " (total) " ms of test time" }
    };
    let body = html! {
        @for (i, r) in order.iter().enumerate() { (test(a, i, r)) }
    };
    super::page(&title, summary, body)
}

fn test(a: &Analysis, i: usize, r: &TestResult) -> Markup {
    let outcome = r.outcome.as_str();
    let mark = match outcome {
        "failed" => "✗",
        "skipped" => "–",
        _ => "✓",
    };
    // What the test runs, for the graph when it failed outside any step.
    let target = a
        .model
        .tests
        .iter()
        .find(|t| t.name.name == r.name)
        .and_then(|t| match (&t.action, &t.flow) {
            (Some(ac), _) => Some((ac.name.as_str(), true)),
            (None, Some(f)) => Some((f.name.as_str(), false)),
            _ => None,
        });
    html! {
        section.run.(outcome) id=(format!("test-{i}")) data-outcome=(outcome) data-name=(r.name) {
            h2 { (mark) " " (r.name) " " span.meta { (r.file) " · " (r.duration.as_millis()) " ms" } }
            @if let Some(why) = r.skipped() { p.skipped { "Skipped: " (why) } }
            @if !r.failures.is_empty() {
                ul.failures { @for f in &r.failures { li { (f) } } }
            }
            @if r.failed() {
                @if let Some(graph) = super::graph_of(a, r.failed_at, target) { (graph) }
            }
            (super::exchanges(&r.exchanges, r.failed()))
            @if !r.trace.is_empty() {
                details.trace open[r.failed()] {
                    summary { "Trace" }
                    pre { @for l in &r.trace { (l) "\n" } }
                }
            }
        }
    }
}
