//! HTML reports of runs, one self-contained page each (decision 0015): no script, no request
//! when opened (its Content-Security-Policy allows nothing but its own styles and images), so a
//! CI artifact opens anywhere. Everything shown is escaped by `maud` as it is written: an API's
//! answer that holds markup is shown, never run.
//!
//! `test.rs` is `intact test --report html`, `verify.rs` `intact verify --report html`. The page's parts (summary, a run's requests, a
//! flow's graph) are in this file, for the reports of other commands.

mod test;
mod verify;

pub use test::tests;
pub use verify::verify;

use intact_model::{Analysis, Loc};
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// What a page allows itself: its inline styles and images, nothing fetched, nothing run.
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE: &str = r#"
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #212121; background: #fafafa; }
header { background: #263238; color: #fff; padding: 16px 24px; }
header h1 { margin: 0 0 4px; font-size: 20px; }
main { padding: 8px 24px 32px; }
.summary span { margin-right: 12px; }
.count.failed { color: #ff8a80; font-weight: 600; }
section.run { background: #fff; border: 1px solid #e0e0e0; border-left: 6px solid #9e9e9e; margin: 16px 0; padding: 8px 16px; }
section.run.failed { border-left-color: #c62828; }
section.run.passed { border-left-color: #2e7d32; }
section.run.skipped { border-left-color: #f9a825; }
section.run h2 { font-size: 16px; margin: 8px 0; }
.meta { color: #616161; font-weight: normal; font-size: 13px; }
ul.failures { color: #b71c1c; padding-left: 20px; }
ul.failures li { white-space: pre-wrap; margin: 4px 0; }
figure.graph { overflow-x: auto; margin: 8px 0; border: 1px solid #eeeeee; background: #fff; }
figure.graph svg { max-width: none; }
details.exchange { border-top: 1px solid #eeeeee; padding: 4px 0; }
details.exchange summary { cursor: pointer; font-family: ui-monospace, monospace; }
.status.bad { color: #c62828; font-weight: 600; }
pre { background: #f5f5f5; padding: 8px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; margin: 4px 0; }
h3 { font-size: 14px; margin: 12px 0 4px; }
"#;

/// A whole page: the title, the summary line under it, the sections.
fn page(title: &str, summary: Markup, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(POLICY);
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header { h1 { (title) } p.summary #summary { (summary) } }
                main { (body) }
            }
        }
    }
    .into_string()
}

/// A run's requests, each with its answer, as `<details>` (open when `open`).
fn exchanges(list: &[intact_run::Exchange], open: bool) -> Markup {
    html! {
        @if !list.is_empty() {
            h3 { "Requests" }
            @for e in list {
                details.exchange open[open] {
                    summary {
                        (e.step) ": " (e.method) " " (e.url) " → "
                        span.status.bad[!(200..300).contains(&e.status)] { (e.status) }
                        " · " (e.duration.as_millis()) " ms"
                    }
                    (headers("Request headers", &e.request_headers))
                    @if let Some(b) = &e.request_body { pre.body.request { (b) } }
                    (headers("Response headers", &e.response_headers))
                    @if !e.response_body.is_empty() { pre.body.response { (e.response_body) } }
                }
            }
        }
    }
}

fn headers(what: &str, list: &[(String, String)]) -> Markup {
    html! {
        @if !list.is_empty() {
            pre.headers title=(what) {
                @for (k, v) in list { (k) ": " (v) "\n" }
            }
        }
    }
}

/// The graph of the action or flow holding `at`, that step marked; else of `fallback`.
fn graph_of(a: &Analysis, at: Option<Loc>, fallback: Option<(&str, bool)>) -> Option<Markup> {
    let m = &a.model;
    let holds = |l: Loc| {
        at.is_some_and(|at| {
            l.file == at.file && l.span.start <= at.span.start && at.span.end <= l.span.end
        })
    };
    let mut graph = m
        .actions
        .iter()
        .find(|ac| holds(ac.loc))
        .map(|ac| intact_graph::action(a, ac))
        .or_else(|| {
            m.flows
                .iter()
                .find(|f| holds(f.loc))
                .map(|f| intact_graph::flow(a, f))
        })
        .or_else(|| {
            let (name, is_action) = fallback?;
            if is_action {
                m.actions
                    .iter()
                    .find(|ac| ac.name.name == name)
                    .map(|ac| intact_graph::action(a, ac))
            } else {
                m.flows
                    .iter()
                    .find(|f| f.name.name == name)
                    .map(|f| intact_graph::flow(a, f))
            }
        })?;
    if let Some(at) = at {
        graph.mark(at);
    }
    let svg = intact_graph::svg(&graph);
    // Inline SVG in HTML takes no XML declaration.
    let svg = svg
        .find("<svg")
        .map_or(svg.as_str(), |i| &svg[i..])
        .to_string();
    Some(html! {
        figure.graph title=(graph.title) { (PreEscaped(svg)) }
    })
}
