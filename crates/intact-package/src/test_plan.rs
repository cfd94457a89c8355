//! The test plan with evidence (`test-plan.md`, `test-plan.json`): the cases of the provider's
//! provisioning test plan for API integration actions (`data/provisioning-test-plan.json`, taken
//! from the published sheet with its source), each with the `intact verify` scenario and
//! contracts that exercise the same behaviour of the actions, and, given a verify report (its
//! JSON), how they went. Every case is still carried out by a person in the provider's admin
//! console; the evidence shows which of them the actions behind it already passed.

use std::fmt::Write;

use serde_json::{Value as J, json};

const PLAN: &str = include_str!("../data/provisioning-test-plan.json");

/// What a verify report says of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// Every step of the scenario with one of the case's contracts passed.
    Passed(Vec<String>),
    /// One of them failed: the first one's what and message.
    Failed(String),
    /// The scenario was skipped (why), or ran none of the contracts.
    NotRun(String),
    /// No report was given.
    NoReport,
    /// No verify scenario exercises it.
    NotExercised,
}

impl Evidence {
    fn word(&self) -> &'static str {
        match self {
            Evidence::Passed(_) => "passed",
            Evidence::Failed(_) => "failed",
            Evidence::NotRun(_) => "not run",
            Evidence::NoReport => "no report",
            Evidence::NotExercised => "by hand only",
        }
    }
}

/// The cases with their evidence from `report` (a verify JSON report), as Markdown and JSON.
pub fn test_plan(report: Option<&J>) -> (String, String) {
    let plan: J = serde_json::from_str(PLAN).expect("the bundled test plan is JSON");
    let cases = plan["cases"].as_array().cloned().unwrap_or_default();
    let judged: Vec<(J, Evidence)> = cases
        .into_iter()
        .map(|c| {
            let e = evidence(&c, report);
            (c, e)
        })
        .collect();
    (
        markdown(&plan, &judged, report.is_some()),
        json(&plan, &judged),
    )
}

fn evidence(case: &J, report: Option<&J>) -> Evidence {
    let Some(scenario) = case["verify"]["scenario"].as_str() else {
        return Evidence::NotExercised;
    };
    let Some(report) = report else {
        return Evidence::NoReport;
    };
    let contracts: Vec<&str> = case["verify"]["contracts"]
        .as_array()
        .map(|a| a.iter().filter_map(J::as_str).collect())
        .unwrap_or_default();
    let Some(s) = report["scenarios"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["name"] == scenario))
    else {
        return Evidence::NotRun(format!("the report has no `{scenario}` scenario"));
    };
    if let Some(why) = s["skipped"].as_str() {
        return Evidence::NotRun(format!("`{scenario}` was skipped: {why}"));
    }
    let steps: Vec<(usize, &J)> = s["steps"]
        .as_array()
        .map(|st| {
            st.iter()
                .enumerate()
                .filter(|(_, x)| {
                    x["contract"]
                        .as_str()
                        .is_some_and(|c| contracts.contains(&c))
                })
                .collect()
        })
        .unwrap_or_default();
    if steps.is_empty() {
        return Evidence::NotRun(format!("`{scenario}` ran none of {}", contracts.join(", ")));
    }
    if let Some((n, f)) = steps.iter().find(|(_, x)| x["passed"] == false) {
        return Evidence::Failed(format!(
            "step {} ({}): {}",
            n + 1,
            f["contract"].as_str().unwrap_or(""),
            f["message"].as_str().unwrap_or("")
        ));
    }
    Evidence::Passed(
        steps
            .iter()
            .map(|(n, x)| {
                format!(
                    "{}. {} {}",
                    n + 1,
                    x["contract"].as_str().unwrap_or(""),
                    x["what"].as_str().unwrap_or("")
                )
            })
            .collect(),
    )
}

fn also(case: &J) -> String {
    let mut needs = Vec::new();
    if case["end_user"] == true {
        needs.push("an end user");
    }
    if case["target_app"] == true {
        needs.push("a look at the target app");
    }
    needs.join(", ")
}

fn markdown(plan: &J, judged: &[(J, Evidence)], with_report: bool) -> String {
    let count = |w: &str| judged.iter().filter(|(_, e)| e.word() == w).count();
    let src = &plan["source"];
    let mut out = String::from("# Test plan with evidence\n\n");
    let _ = writeln!(
        out,
        "The provider's provisioning test plan for API integration actions: {} cases, from `{}` in `{}` (commit `{}`). Every case is carried out by a person in the provider's admin console; the column *intact verify* names the scenario and contracts that exercise the same behaviour of the actions against the API.\n",
        judged.len(),
        src["path"].as_str().unwrap_or(""),
        src["repository"].as_str().unwrap_or(""),
        src["commit"].as_str().unwrap_or("")
    );
    if with_report {
        let _ = writeln!(
            out,
            "From the verify report: **{} passed**, {} failed, {} not run; {} cases are by hand only.\n",
            count("passed"),
            count("failed"),
            count("not run"),
            count("by hand only")
        );
    } else {
        let _ = writeln!(
            out,
            "No verify report was given (`intact package --verify-report FILE`, from `intact verify --format json`): {} cases have a scenario, {} are by hand only.\n",
            judged.len() - count("by hand only"),
            count("by hand only")
        );
    }
    let mut section = "";
    for (c, e) in judged {
        let s = c["section"].as_str().unwrap_or("");
        if s != section {
            section = s;
            let _ = write!(
                out,
                "\n## {s}\n\n| ID | Title | intact verify | Evidence | Also needs |\n| --- | --- | --- | --- | --- |\n"
            );
        }
        let verify = match c["verify"]["scenario"].as_str() {
            Some(sc) => format!(
                "`{sc}`: {}",
                c["verify"]["contracts"]
                    .as_array()
                    .map(|a| a
                        .iter()
                        .filter_map(J::as_str)
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            ),
            None => "—".to_string(),
        };
        let detail = match e {
            Evidence::Passed(steps) => format!("passed ({})", steps.join("; ")),
            Evidence::Failed(why) | Evidence::NotRun(why) => format!("{}: {why}", e.word()),
            other => other.word().to_string(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {verify} | {} | {} |",
            c["id"].as_str().unwrap_or(""),
            cell(c["title"].as_str().unwrap_or("")),
            cell(&detail),
            also(c)
        );
    }
    out
}

/// Text in a table cell: no line breaks, no column bars.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn json(plan: &J, judged: &[(J, Evidence)]) -> String {
    let cases: Vec<J> = judged
        .iter()
        .map(|(c, e)| {
            let detail = match e {
                Evidence::Passed(steps) => json!(steps),
                Evidence::Failed(why) | Evidence::NotRun(why) => json!(why),
                _ => J::Null,
            };
            json!({
                "id": c["id"], "title": c["title"], "section": c["section"],
                "verify": c["verify"], "evidence": e.word(), "detail": detail,
                "end_user": c["end_user"], "target_app": c["target_app"],
            })
        })
        .collect();
    serde_json::to_string_pretty(
        &json!({"format_version": 1, "source": plan["source"], "cases": cases}),
    )
    .unwrap_or_default()
        + "\n"
}
