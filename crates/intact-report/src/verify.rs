//! `intact verify --report html FILE`: the summary, then each scenario, failed ones first: its
//! steps in order, each with its requests and answers; a failed step with its message and the
//! graph of its action, the step it failed in marked; then the cleanup and what was left.

use intact_model::Analysis;
use intact_verify::{Report, ScenarioResult, StepResult};
use maud::{Markup, html};

/// The page of a verify run.
pub fn verify(a: &Analysis, report: &Report) -> String {
    let ran: Vec<&ScenarioResult> = report
        .scenarios
        .iter()
        .filter(|s| s.skipped.is_none())
        .collect();
    let failed = ran.iter().filter(|s| !s.passed()).count();
    let skipped = report.scenarios.len() - ran.len();
    let cleanup_failed = report.cleanup.iter().filter(|s| !s.passed).count();
    let title = if report.passed() {
        "intact verify: passed".to_string()
    } else if failed > 0 {
        format!("intact verify: {failed} scenario(s) failed")
    } else {
        "intact verify: failed".to_string()
    };
    let mut order: Vec<&ScenarioResult> = report.scenarios.iter().collect();
    order.sort_by_key(|s| match (s.skipped.is_some(), s.passed()) {
        (false, false) => 0,
        (true, _) => 2,
        (false, true) => 1,
    });
    let summary = html! {
        span.count.failed[failed > 0] { (failed) " failed" }
        span.count { (ran.len() - failed) " passed" }
        span.count { (skipped) " skipped" }
        span.count.failed[cleanup_failed > 0] { "cleanup: " (report.cleanup.len() - cleanup_failed) " of " (report.cleanup.len()) " done" }
        @if report.interrupted { span.count.failed { "interrupted" } }
        span.count { "run " (report.run) }
    };
    let body = html! {
        @for (i, s) in order.iter().enumerate() { (scenario(a, i, s)) }
        section.run.(if cleanup_failed > 0 { "failed" } else { "passed" }) #cleanup data-outcome=(if cleanup_failed > 0 { "failed" } else { "passed" }) {
            h2 { "Cleanup" }
            (steps(a, &report.cleanup))
            @if !report.left.is_empty() {
                h3 { "Left behind" }
                ul.failures { @for l in &report.left { li { (l) } } }
            }
        }
    };
    super::page(&title, summary, body)
}

fn scenario(a: &Analysis, i: usize, s: &ScenarioResult) -> Markup {
    let outcome = match (&s.skipped, s.passed()) {
        (Some(_), _) => "skipped",
        (None, true) => "passed",
        (None, false) => "failed",
    };
    let mark = match outcome {
        "failed" => "✗",
        "skipped" => "–",
        _ => "✓",
    };
    html! {
        section.run.(outcome) id=(format!("scenario-{i}")) data-outcome=(outcome) data-name=(s.name) {
            h2 { (mark) " " (s.name) " " span.meta { (s.summary) " · " (s.duration.as_millis()) " ms" } }
            @if let Some(why) = &s.skipped { p.skipped { "Skipped: " (why) } }
            @if s.interrupted { p.failures { "Interrupted before its end." } }
            (steps(a, &s.steps))
        }
    }
}

fn steps(a: &Analysis, list: &[StepResult]) -> Markup {
    html! {
        @for (n, st) in list.iter().enumerate() {
            div.step.(if st.passed { "passed" } else { "failed" }) data-contract=(st.contract) {
                h3 {
                    (n + 1) ". " (st.contract) " "
                    @if let Some(action) = &st.action { span.meta { "action " (action) } " " }
                    span.status.bad[!st.passed] { (if st.passed { "ok" } else { "failed" }) }
                    " " span.meta { (st.what) " · " (st.duration.as_millis()) " ms" }
                }
                @if !st.passed {
                    ul.failures { li { (st.message) } }
                    @if let Some(action) = &st.action {
                        @if let Some(graph) = super::graph_of(a, st.failed_at, Some((action.as_str(), true))) { (graph) }
                    }
                }
                (super::exchanges(&st.exchanges, !st.passed))
            }
        }
    }
}
