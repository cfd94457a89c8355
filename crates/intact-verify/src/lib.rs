//! `intact verify`: a project's actions proved against a live environment by generated
//! scenarios (users, lookups that must miss, paging, groups and members, schemas, universal
//! logout), chosen by the actions the project has. Every step's output is validated against its
//! contract's output schema by the executor; each scenario asserts what each step must have
//! changed and stops at its first failure; whatever verify created is undone at the end, also
//! after a failure or Ctrl-C.
//!
//! `scenarios.rs` is what each scenario does, `scenario_run.rs` how a step runs and what it
//! records, `report.rs` the results and their formats. docs/verify.md is the user's page.

mod cleanup;
mod report;
mod scenario_run;
mod scenarios;

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use intact_model::Model;
use intact_model::contracts::ContractId;
use intact_run::Runtime;

pub use report::{ErrorReport, Report, ScenarioResult, StepResult};
pub use scenarios::{SCENARIOS, Scenario};

use scenario_run::{Claim, Claims, ScenarioRun};

/// What `intact verify` was asked for.
#[derive(Clone, Debug)]
pub struct Options {
    /// Only these scenarios (by name); all that apply when empty.
    pub only: Vec<String>,
    /// Leave the test data in place.
    pub keep: bool,
    /// How long one step may take.
    pub timeout: Duration,
    /// Where the runtime's recorder puts each request (`Log::recorder`); each step's result
    /// takes those of its action.
    pub log: Log,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            only: Vec::new(),
            keep: false,
            timeout: Duration::from_secs(60),
            log: Log::default(),
        }
    }
}

/// What the steps of a run sent and received, and where the last action failed, until a step's
/// result takes them; and who is told as each step starts (a progress line). Clones share it.
#[derive(Clone, Default)]
pub struct Log {
    taken: Arc<Mutex<Taken>>,
    tell: Option<Tell>,
}

/// Told what each step does as it starts.
pub type Tell = Arc<dyn Fn(&str) + Send + Sync>;

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("taken", &self.taken)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
pub(crate) struct Taken {
    pub(crate) exchanges: Vec<intact_run::Exchange>,
    pub(crate) failed_at: Option<intact_model::Loc>,
    /// The action's input and output (masked), when it ran to the end.
    pub(crate) ran: Option<(serde_json::Value, serde_json::Value)>,
}

impl Log {
    /// A log that tells `tell` what each step does as it starts.
    pub fn telling(tell: Tell) -> Log {
        Log {
            taken: Arc::default(),
            tell: Some(tell),
        }
    }

    /// The recorder to give the runtime (`Runtime::with_recorder`).
    pub fn recorder(&self) -> intact_run::Recorder {
        let log = self.taken.clone();
        Arc::new(move |e| log.lock().unwrap().exchanges.push(e))
    }

    /// A step starts: what it does.
    pub(crate) fn starts(&self, what: &str) {
        if let Some(tell) = &self.tell {
            tell(what);
        }
    }

    /// Where the action just run failed (its innermost step), or `None`; what it was given and
    /// answered, when it answered.
    pub(crate) fn ran(
        &self,
        at: Option<intact_model::Loc>,
        ran: Option<(serde_json::Value, serde_json::Value)>,
    ) {
        let mut t = self.taken.lock().unwrap();
        t.failed_at = at;
        t.ran = ran;
    }

    /// What the step ending now sent and received, and where its action failed.
    pub(crate) fn take(&self) -> Taken {
        std::mem::take(&mut *self.taken.lock().unwrap())
    }
}

/// Checks `--only` names against the scenarios; the error names the ones there are.
pub fn check_only(only: &[String]) -> Result<(), String> {
    let names: Vec<&str> = SCENARIOS.iter().map(|s| s.name()).collect();
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
fn actions(model: &Model) -> HashMap<ContractId, String> {
    let mut out = HashMap::new();
    for a in model.actions.iter().filter(|a| a.enabled) {
        if let Some(id) = a.contract_id() {
            out.entry(id).or_insert_with(|| a.name.name.clone());
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

/// Interrupts as they arrive (Ctrl-C, SIGTERM): the first stops the scenarios where they are and
/// the cleanup runs; the next cuts the cleanup short, and what it had not undone is listed as left
/// behind.
pub struct Interrupts(Option<tokio::sync::mpsc::UnboundedReceiver<()>>);

impl Interrupts {
    /// A run nothing interrupts.
    pub fn none() -> Interrupts {
        Interrupts(None)
    }

    /// Each `()` sent is one interrupt; a closed channel sends no more.
    pub fn from(rx: tokio::sync::mpsc::UnboundedReceiver<()>) -> Interrupts {
        Interrupts(Some(rx))
    }

    async fn next(&mut self) {
        if let Some(rx) = &mut self.0
            && rx.recv().await.is_some()
        {
            return;
        }
        std::future::pending::<()>().await;
    }
}

/// The plan: every scenario with the steps it would run on this project, nothing sent.
pub async fn dry_run(model: &Model, options: &Options) -> Report {
    run_all(None, model, options, Interrupts::none()).await
}

/// Runs the scenarios against the runtime's environment, one after another, then undoes what
/// they created (unless `keep`); see [`Interrupts`] for what an interrupt stops.
pub async fn verify(rt: &Runtime, options: &Options, interrupts: Interrupts) -> Report {
    run_all(Some(rt), &rt.analysis().model, options, interrupts).await
}

/// The scenarios one after another: against `rt`, or, without one, as a plan. They do not run at
/// once on purpose: a listing must not see another scenario's test data come and go, and a rate
/// limit is the API's for the whole run.
async fn run_all(
    rt: Option<&Runtime>,
    model: &Model,
    options: &Options,
    mut interrupts: Interrupts,
) -> Report {
    let actions = actions(model);
    let traits = scenario_run::Traits {
        removes: model
            .projects
            .first()
            .is_some_and(|p| p.deactivation_removes()),
        keep: options.keep,
        timeout: options.timeout,
    };
    let mark = run_id();
    let claims = Arc::new(Mutex::new(Claims::default()));
    let (scenarios, interrupted) = run_scenarios(
        rt,
        &actions,
        traits,
        &mark,
        &claims,
        options,
        &mut interrupts,
    )
    .await;
    let mut report = Report {
        run: mark,
        dry_run: rt.is_none(),
        scenarios,
        interrupted,
        ..Report::default()
    };
    let claims = std::mem::take(&mut claims.lock().unwrap().0);
    let Some(rt) = rt else {
        return report;
    };
    if options.keep {
        report.left.extend(kept(&claims));
        return report;
    }
    let progress = clean_up(rt, &actions, options, &claims, &mut interrupts).await;
    report.cleanup = progress.steps;
    report.left = progress.left;
    report
}

/// The chosen scenarios one after another until an interrupt comes: their results (the one the
/// interrupt stopped marked so, with the steps it ended), and whether one came.
async fn run_scenarios(
    rt: Option<&Runtime>,
    actions: &HashMap<ContractId, String>,
    traits: scenario_run::Traits,
    mark: &str,
    claims: &Arc<Mutex<Claims>>,
    options: &Options,
    interrupts: &mut Interrupts,
) -> (Vec<ScenarioResult>, bool) {
    let made = AtomicUsize::new(0);
    // The scenario running when an interrupt comes, with the steps it ended so far.
    let current: Mutex<Option<(ScenarioResult, Instant)>> = Mutex::default();
    let steps = Arc::new(Mutex::new(Vec::new()));
    let done = Mutex::new(Vec::new());
    let scenarios = async {
        for s in chosen(options) {
            let result = skipped_or_empty(s, actions, traits);
            if result.skipped.is_some() {
                done.lock().unwrap().push(result);
                continue;
            }
            *current.lock().unwrap() = Some((result, Instant::now()));
            let mut run = ScenarioRun {
                rt,
                log: options.log.clone(),
                actions,
                steps: steps.clone(),
                claims: claims.clone(),
                mark,
                made: &made,
                traits,
            };
            let _ = scenarios::run_scenario(*s, &mut run).await;
            let (mut result, started) = current.lock().unwrap().take().expect("the scenario");
            result.steps = std::mem::take(&mut *steps.lock().unwrap());
            result.duration = started.elapsed();
            done.lock().unwrap().push(result);
        }
    };
    let interrupted = tokio::select! {
        () = scenarios => false,
        () = interrupts.next() => true,
    };
    let mut results = done.into_inner().unwrap();
    if let Some((mut result, started)) = current.lock().unwrap().take() {
        result.steps = std::mem::take(&mut *steps.lock().unwrap());
        result.duration = started.elapsed();
        result.interrupted = true;
        results.push(result);
    }
    (results, interrupted)
}

/// What `--keep` left in place: the claims no scenario undid.
fn kept(claims: &[Claim]) -> impl Iterator<Item = String> + '_ {
    claims.iter().filter(|c| !c.undone).map(|c| {
        let kind = match c.kind {
            scenario_run::Kind::User => "user",
            scenario_run::Kind::Group => "group",
        };
        match &c.id {
            Some(id) => format!("test {kind} {id} ({}) (--keep)", c.names[0]),
            None => format!("test {kind} `{}` (--keep)", c.names[0]),
        }
    })
}

/// The cleanup of `claims` until the next interrupt: what it did and what it left, with the claims
/// an interrupt kept it from settling.
async fn clean_up(
    rt: &Runtime,
    actions: &HashMap<ContractId, String>,
    options: &Options,
    claims: &[Claim],
    interrupts: &mut Interrupts,
) -> cleanup::Progress {
    let progress = Mutex::new(cleanup::Progress {
        settled: vec![false; claims.len()],
        ..Default::default()
    });
    let cleanup = cleanup::Cleanup {
        rt,
        log: options.log.clone(),
        actions,
        timeout: options.timeout,
        progress: &progress,
    };
    let cut = tokio::select! {
        () = cleanup.run(claims) => false,
        () = interrupts.next() => true,
    };
    let mut progress = progress.into_inner().unwrap();
    if cut {
        cut_short(claims, &mut progress);
    }
    progress
}

/// A cleanup cut short by a second interrupt: the claims it had not settled are a failed step of
/// the cleanup, and left behind.
fn cut_short(claims: &[Claim], progress: &mut cleanup::Progress) {
    let unsettled: Vec<String> = claims
        .iter()
        .zip(&progress.settled)
        .filter(|(c, settled)| !c.undone && !**settled)
        .map(|(c, _)| match &c.id {
            Some(id) => format!("{id} ({})", c.names[0]),
            None => format!("`{}`", c.names[0]),
        })
        .collect();
    if !unsettled.is_empty() {
        progress.steps.push(StepResult {
            contract: String::new(),
            action: None,
            what: "the cleanup".into(),
            passed: false,
            message: format!(
                "cut short by a second interrupt; not undone: {}",
                unsettled.join(", ")
            ),
            duration: Duration::ZERO,
            unreachable: false,
            exchanges: Vec::new(),
            failed_at: None,
            ran: None,
        });
    }
    progress.left.extend(
        unsettled
            .into_iter()
            .map(|u| format!("{u}: the cleanup was cut short by a second interrupt")),
    );
}

fn chosen(options: &Options) -> impl Iterator<Item = &'static Scenario> + '_ {
    SCENARIOS
        .iter()
        .filter(|s| options.only.is_empty() || options.only.iter().any(|o| o == s.name()))
}

fn skipped_or_empty(
    s: &Scenario,
    actions: &HashMap<ContractId, String>,
    traits: scenario_run::Traits,
) -> ScenarioResult {
    let has = |c: ContractId| actions.contains_key(&c);
    ScenarioResult {
        name: s.name().to_string(),
        summary: scenarios::summary(*s, has, traits),
        skipped: scenarios::missing(*s, has, traits),
        steps: Vec::new(),
        duration: Duration::ZERO,
        interrupted: false,
    }
}
