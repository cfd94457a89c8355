//! A plan as text and as JSON (`format_version` 1), and its changes as Markdown (for a
//! pull-request comment) and as JSON.

use std::fmt::Write;

use serde_json::{Value as J, json};

use crate::{Change, Plan, Request, RequestChange, TargetChange};

/// Each action and flow, each of its tests, each request with its headers and body.
pub fn plan_text(plan: &Plan) -> String {
    let mut out = String::new();
    for t in &plan.targets {
        let _ = writeln!(out, "{} {}", t.kind.as_str(), t.name);
        for test in &t.tests {
            let _ = writeln!(out, "  test {}", test.test);
            if test.requests.is_empty() {
                out.push_str("    (no request)\n");
            }
            for r in &test.requests {
                let _ = writeln!(out, "    {}: {} {}", r.step, r.method, r.url);
                for (k, v) in &r.headers {
                    let _ = writeln!(out, "      {k}: {v}");
                }
                if let Some(b) = &r.body {
                    for line in b.lines() {
                        let _ = writeln!(out, "      {line}");
                    }
                }
            }
        }
    }
    if plan.targets.is_empty() {
        out.push_str("no action or flow has a test: nothing to plan\n");
    }
    out
}

fn request_json(r: &Request) -> J {
    json!({
        "step": r.step,
        "method": r.method,
        "url": r.url,
        "headers": r.headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
        "body": r.body,
    })
}

pub fn plan_json(plan: &Plan) -> String {
    let targets: Vec<J> = plan
        .targets
        .iter()
        .map(|t| {
            json!({
                "kind": t.kind.as_str(),
                "name": t.name,
                "tests": t.tests.iter().map(|test| json!({
                    "test": test.test,
                    "requests": test.requests.iter().map(request_json).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::to_string_pretty(&json!({"format_version": 1, "targets": targets}))
        .unwrap_or_default()
        + "\n"
}

/// Inline code that holds `text` whatever backticks it has, cut at 120 characters.
fn code(text: &str) -> String {
    let one_line = text.replace('\n', " ");
    let shown: String = if one_line.chars().count() > 120 {
        one_line.chars().take(119).chain(['…']).collect()
    } else {
        one_line
    };
    let longest = shown.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if shown.starts_with('`') || shown.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{shown}{pad}{fence}")
}

fn side(v: &Option<String>) -> String {
    v.as_deref().map_or("(none)".to_string(), code)
}

fn change_line(c: &Change) -> String {
    match c {
        Change::Method(b, a) => format!("method: {} → {}", code(b), code(a)),
        Change::Url(b, a) => format!("URL: {} → {}", code(b), code(a)),
        Change::Query(n, b, a) => format!("query {}: {} → {}", code(n), side(b), side(a)),
        Change::Header(n, b, a) => format!("header {}: {} → {}", code(n), side(b), side(a)),
        Change::BodyField(p, b, a) => format!("body {}: {} → {}", code(p), side(b), side(a)),
        Change::Body(b, a) => format!("body: {} → {}", side(b), side(a)),
    }
}

/// The changes as Markdown for a pull-request comment; actions without changes are not listed.
pub fn changes_markdown(changes: &[TargetChange]) -> String {
    if changes.is_empty() {
        return "### intact plan: no request changes\n".to_string();
    }
    let mut out = format!(
        "### intact plan: {} action(s) or flow(s) send different requests\n",
        changes.len()
    );
    for t in changes {
        let _ = write!(out, "\n**{} {}**\n\n", t.kind.as_str(), code(&t.name));
        for (test, requests) in &t.tests {
            let _ = writeln!(out, "- test {}", code(test));
            for r in requests {
                let (word, req) = match r {
                    RequestChange::Added(q) => ("added", q),
                    RequestChange::Removed(q) => ("removed", q),
                    RequestChange::Changed { after, .. } => ("changed", after),
                };
                let _ = writeln!(
                    out,
                    "  - {word} {} (step {})",
                    code(&format!("{} {}", req.method, req.url)),
                    code(&req.step)
                );
                if let RequestChange::Changed { what, .. } = r {
                    for c in what {
                        let _ = writeln!(out, "    - {}", change_line(c));
                    }
                }
            }
        }
    }
    out
}

pub fn changes_json(changes: &[TargetChange]) -> String {
    let change = |c: &Change| match c {
        Change::Method(b, a) => json!({"what": "method", "before": b, "after": a}),
        Change::Url(b, a) => json!({"what": "url", "before": b, "after": a}),
        Change::Query(n, b, a) => json!({"what": "query", "name": n, "before": b, "after": a}),
        Change::Header(n, b, a) => json!({"what": "header", "name": n, "before": b, "after": a}),
        Change::BodyField(p, b, a) => {
            json!({"what": "body_field", "path": p, "before": b, "after": a})
        }
        Change::Body(b, a) => json!({"what": "body", "before": b, "after": a}),
    };
    let targets: Vec<J> = changes
        .iter()
        .map(|t| {
            json!({
                "kind": t.kind.as_str(),
                "name": t.name,
                "tests": t.tests.iter().map(|(test, rs)| json!({
                    "test": test,
                    "requests": rs.iter().map(|r| match r {
                        RequestChange::Added(q) => json!({"change": "added", "request": request_json(q)}),
                        RequestChange::Removed(q) => json!({"change": "removed", "request": request_json(q)}),
                        RequestChange::Changed { before, after, what } => json!({
                            "change": "changed",
                            "before": request_json(before),
                            "after": request_json(after),
                            "changes": what.iter().map(change).collect::<Vec<_>>(),
                        }),
                    }).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::to_string_pretty(&json!({
        "format_version": 1,
        "changed": changes.len(),
        "targets": targets,
    }))
    .unwrap_or_default()
        + "\n"
}
