//! `intact verify`: a project's actions proved against a live environment by generated
//! scenarios (users, lookups that must miss, paging, groups and members, schemas, universal
//! logout), chosen by the actions the project has. Every step's output is validated against its
//! contract's output schema by the executor; each scenario asserts what each step must have
//! changed and stops at its first failure; whatever verify created is undone at the end, also
//! after a failure or Ctrl-C.
//!
//! `scenarios.rs` is what each scenario does, `cx.rs` how a step runs and what it records,
//! `report.rs` the results and their formats. docs/verify.md is the user's page.

mod cx;
mod report;
mod scenarios;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use intact_model::Model;
use intact_run::Runtime;
use serde_json::json;

pub use report::{Report, ScenarioResult, StepResult};
pub use scenarios::{SCENARIOS, Scenario};

use cx::{Created, Cx};

/// What `intact verify` was asked for.
#[derive(Clone, Debug)]
pub struct Options {
    /// Only these scenarios (by name); all that apply when empty.
    pub only: Vec<String>,
    /// Leave the test data in place.
    pub keep: bool,
    /// How long one step may take.
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            only: Vec::new(),
            keep: false,
            timeout: Duration::from_secs(60),
        }
    }
}

/// Checks `--only` names against the scenarios; the error names the ones there are.
pub fn check_only(only: &[String]) -> Result<(), String> {
    let names: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
    for o in only {
        if !names.contains(&o.as_str()) {
            return Err(format!(
                "--only {o}: there is no such scenario; the scenarios are {}",
                names.join(", ")
            ));
        }
    }
    Ok(())
}

/// The enabled action of each contract (the first, when the checker's duplicate finding is
/// ignored).
fn actions(model: &Model) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for a in model.actions.iter().filter(|a| a.enabled) {
        if let Some((id, _)) = &a.contract {
            out.entry(id.clone()).or_insert_with(|| a.name.name.clone());
        }
    }
    out
}

/// A mark for this run's test data: short, and different from any other run's.
fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    format!(
        "{:06x}",
        (nanos ^ u64::from(std::process::id()).rotate_left(32)) % 0xff_ffff
    )
}

/// The plan: every scenario with the steps it would run on this project, nothing sent.
pub async fn dry_run(model: &Model, options: &Options) -> Report {
    run_all(None, model, options, std::future::pending()).await
}

/// Runs the scenarios against the runtime's environment, one after another, then undoes what
/// they created (unless `keep`). When `interrupt` completes first (Ctrl-C), the scenarios stop
/// where they are and the cleanup still runs.
pub async fn verify(
    rt: &Runtime,
    options: &Options,
    interrupt: impl Future<Output = ()>,
) -> Report {
    run_all(Some(rt), &rt.analysis().model, options, interrupt).await
}

/// The scenarios one after another: against `rt`, or, without one, as a plan. They do not run at
/// once on purpose: a listing must not see another scenario's test data come and go, and a rate
/// limit is the API's for the whole run.
async fn run_all(
    rt: Option<&Runtime>,
    model: &Model,
    options: &Options,
    interrupt: impl Future<Output = ()>,
) -> Report {
    let actions = actions(model);
    let run = run_id();
    let created = Arc::new(Mutex::new(Created::default()));
    let made = AtomicUsize::new(0);
    let mut report = Report {
        run: run.clone(),
        dry_run: rt.is_none(),
        ..Report::default()
    };
    // The scenario running when an interrupt comes, with the steps it ended so far.
    let current: Mutex<Option<(ScenarioResult, Instant)>> = Mutex::default();
    let steps = Arc::new(Mutex::new(Vec::new()));
    let done = Mutex::new(Vec::new());
    let scenarios = async {
        for s in chosen(options) {
            let result = skipped_or_empty(s, &actions);
            if result.skipped.is_some() {
                done.lock().unwrap().push(result);
                continue;
            }
            *current.lock().unwrap() = Some((result, Instant::now()));
            let mut cx = Cx::new(
                rt,
                &actions,
                steps.clone(),
                created.clone(),
                &run,
                options.timeout,
                &made,
            );
            let _ = scenarios::run(s.name, &mut cx).await;
            let (mut result, started) = current.lock().unwrap().take().expect("the scenario");
            result.steps = std::mem::take(&mut *steps.lock().unwrap());
            result.duration = started.elapsed();
            done.lock().unwrap().push(result);
        }
    };
    tokio::pin!(interrupt);
    let interrupted = tokio::select! {
        () = scenarios => false,
        () = &mut interrupt => true,
    };
    report.scenarios = done.into_inner().unwrap();
    if let Some((mut result, started)) = current.lock().unwrap().take() {
        result.steps = std::mem::take(&mut *steps.lock().unwrap());
        result.duration = started.elapsed();
        result.interrupted = true;
        report.scenarios.push(result);
    }
    report.interrupted = interrupted;
    let created = std::mem::take(&mut *created.lock().unwrap());
    let Some(rt) = rt else {
        return report;
    };
    if options.keep {
        report.left.extend(
            created
                .users
                .iter()
                .map(|u| format!("test user {u} (--keep)")),
        );
        report.left.extend(
            created
                .groups
                .iter()
                .map(|g| format!("test group {g} (--keep)")),
        );
    } else {
        cleanup(rt, &actions, created, options.timeout, &mut report).await;
    }
    report
}

fn chosen(options: &Options) -> impl Iterator<Item = &'static Scenario> + '_ {
    SCENARIOS
        .iter()
        .filter(|s| options.only.is_empty() || options.only.iter().any(|o| o == s.name))
}

fn skipped_or_empty(s: &Scenario, actions: &HashMap<String, String>) -> ScenarioResult {
    ScenarioResult {
        name: s.name.to_string(),
        summary: s.summary.to_string(),
        skipped: scenarios::missing(s, |c| actions.contains_key(c)),
        steps: Vec::new(),
        duration: Duration::ZERO,
        interrupted: false,
    }
}

/// Removes the test groups and deactivates the test users (there is no delete-user contract; their
/// names say they are test data). Only what this run created is touched.
async fn cleanup(
    rt: &Runtime,
    actions: &HashMap<String, String>,
    created: Created,
    timeout: Duration,
    report: &mut Report,
) {
    let undo = [
        (
            "remove-group",
            "remove the test group",
            "groupId",
            created.groups,
        ),
        (
            "deactivate-user",
            "deactivate the test user",
            "userId",
            created.users,
        ),
    ];
    for (contract, what, field, ids) in undo {
        for id in ids.into_iter().filter(|i| !i.is_empty()) {
            let Some(action) = actions.get(contract) else {
                let message = format!("the project has no {contract} action to undo it");
                report.left.push(format!("{id}: {message}"));
                report.cleanup.push(StepResult {
                    contract: contract.to_string(),
                    action: None,
                    what: format!("{what} {id}"),
                    passed: false,
                    message,
                    duration: Duration::ZERO,
                });
                continue;
            };
            let started = Instant::now();
            let (passed, message) =
                match cx::run_action(rt, action, json!({ field: id }), timeout).await {
                    Ok((_, true)) => (true, String::new()),
                    Ok((output, false)) => (
                        false,
                        output["executionStatus"]["errors"][0]["summary"]
                            .as_str()
                            .unwrap_or("the action failed")
                            .to_string(),
                    ),
                    Err(why) => (false, why),
                };
            if !passed {
                report.left.push(format!("{id}: {contract} failed"));
            }
            report.cleanup.push(StepResult {
                contract: contract.to_string(),
                action: Some(action.clone()),
                what: format!("{what} {id}"),
                passed,
                message,
                duration: started.elapsed(),
            });
        }
    }
}
