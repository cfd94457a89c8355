//! What a scenario runs its steps through: one contract's action at a time, each output checked
//! (the executor validates it against the contract's output schema), each assertion recorded
//! against the contract whose behaviour it tests, and whatever was created registered for the
//! cleanup.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use intact_model::contracts::{self, ContractId, Side};
use intact_run::{FailureKind, Runtime};
use serde_json::{Value as J, json};

use crate::report::StepResult;

/// Why a scenario stopped: a step failed (it is recorded already).
#[derive(Debug)]
pub(crate) struct Stop;

/// What a claim stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    User,
    Group,
}

/// Something this run may have created: registered with its unique name *before* the create is
/// sent, so that a create that times out, is interrupted, or answers badly is still looked for.
/// The cleanup undoes a resource only when it reads back with one of `names` (a userName or a
/// displayName made for this run): an id alone proves nothing, since a create may answer someone
/// else's.
#[derive(Clone, Debug)]
pub(crate) struct Claim {
    pub kind: Kind,
    /// The names this run gave it (a group renamed by update-group has two).
    pub names: Vec<String>,
    /// The id the create answered, if it answered one.
    pub id: Option<String>,
    /// A scenario undid it already and saw it gone.
    pub undone: bool,
}

/// Everything this run may have created, in the order it was created.
#[derive(Debug, Default)]
pub(crate) struct Claims(pub Vec<Claim>);

/// A claim's place in [`Claims`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClaimId(usize);

/// What the project and the options say about the test data a run may make.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Traits {
    /// `deactivation "removes"`: deactivate-user deletes a user.
    pub removes: bool,
    /// `--keep`: test data stays, so a user may be created without a way to undo it.
    pub keep: bool,
    /// How long one step may take.
    pub timeout: Duration,
}

/// One scenario's run: how its steps run (or, without a runtime, are listed) and what they
/// record.
pub(crate) struct ScenarioRun<'r> {
    pub(crate) rt: Option<&'r Runtime>,
    /// What each step's action sent and received.
    pub(crate) log: crate::Log,
    /// The enabled action of each contract the project implements.
    pub(crate) actions: &'r HashMap<ContractId, String>,
    /// Where the steps go as they end, so that an interrupted scenario still shows how far it got.
    pub(crate) steps: Arc<Mutex<Vec<StepResult>>>,
    pub(crate) claims: Arc<Mutex<Claims>>,
    /// Marks this run's test data: `intact-verify-<mark>-…`.
    pub(crate) mark: &'r str,
    /// How many test users and groups this scenario made (for unique names).
    pub(crate) made: &'r std::sync::atomic::AtomicUsize,
    pub traits: Traits,
}

impl<'r> ScenarioRun<'r> {
    /// A dry run: steps are listed, nothing is sent.
    pub(crate) fn dry(&self) -> bool {
        self.rt.is_none()
    }

    /// Whether the project has an enabled action for `contract`.
    pub(crate) fn has(&self, contract: ContractId) -> bool {
        self.actions.contains_key(&contract)
    }

    /// Whether the run may create test users: the project can create them, and can undo them
    /// (deactivate-user) unless `--keep` leaves them anyway.
    pub(crate) fn can_create_users(&self) -> bool {
        can_create_users(|c| self.has(c), self.traits)
    }

    /// A new name for test data: `intact-verify-<mark>-<n>`.
    pub(crate) fn unique(&self) -> String {
        let n = self.made.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        format!("intact-verify-{}-{n}", self.mark)
    }

    /// Runs the action of `contract` with `input`; it must succeed, and `check` must accept its
    /// output. A dry run records the step and answers the contract's output example.
    pub(crate) async fn step(
        &mut self,
        contract: ContractId,
        what: &str,
        input: J,
        check: impl FnOnce(&J) -> Result<(), String>,
    ) -> Result<J, Stop> {
        self.create(contract, what, input, check, None).await
    }

    /// [`ScenarioRun::step`] for a create: the id in the output's `field` (`user`, `group`) is
    /// kept for `claim`, also when the output then fails `check` (a wrong answer may still have
    /// created something).
    pub(crate) async fn create(
        &mut self,
        contract: ContractId,
        what: &str,
        input: J,
        check: impl FnOnce(&J) -> Result<(), String>,
        claim: Option<(Option<ClaimId>, &str)>,
    ) -> Result<J, Stop> {
        let Some(rt) = self.rt else {
            self.record(contract, what, true, String::new(), Duration::ZERO);
            return Ok(contracts::examples(contract, Side::Output)
                .first()
                .cloned()
                .unwrap_or_else(|| json!({})));
        };
        self.log.starts(what);
        let started = Instant::now();
        let outcome = self.run_contract(rt, contract, input).await;
        let took = started.elapsed();
        if let (Some((claim, field)), Ok((output, None))) = (claim, &outcome) {
            self.claimed_id(claim, output[field]["id"].as_str().unwrap_or(""));
        }
        match outcome {
            Err(message) => {
                self.record(contract, what, false, message, took);
                Err(Stop)
            }
            Ok((output, Some(kind))) => {
                let message = format!("the action failed: {}", error_summary(&output));
                self.record_failure(contract, what, message, took, Some(kind));
                Err(Stop)
            }
            Ok((output, None)) => match check(&output) {
                Ok(()) => {
                    self.record(contract, what, true, String::new(), took);
                    Ok(output)
                }
                Err(why) => {
                    let message = format!("{why}; it answered {}", shown(&output));
                    self.record(contract, what, false, message, took);
                    Err(Stop)
                }
            },
        }
    }

    /// Runs the action of `contract`, which must fail with the executionStatus error `code`
    /// (a lookup of something that does not exist).
    pub(crate) async fn step_fails(
        &mut self,
        contract: ContractId,
        what: &str,
        input: J,
        code: &str,
    ) -> Result<(), Stop> {
        let Some(rt) = self.rt else {
            self.record(contract, what, true, String::new(), Duration::ZERO);
            return Ok(());
        };
        self.log.starts(what);
        let started = Instant::now();
        let outcome = self.run_contract(rt, contract, input).await;
        let took = started.elapsed();
        let mut failed = None;
        let message = match outcome {
            Err(message) => message,
            Ok((output, None)) => format!(
                "it should have ended FAILED with {code}, but succeeded: {}",
                shown(&output)
            ),
            Ok((output, Some(kind))) => {
                failed = Some(kind);
                let got = output["executionStatus"]["errors"][0]["code"]
                    .as_str()
                    .unwrap_or("no code");
                if got == code {
                    self.record(contract, what, true, String::new(), took);
                    return Ok(());
                }
                format!(
                    "it should have ended FAILED with {code}, but failed with {got}: {}",
                    error_summary(&output)
                )
            }
        };
        self.record_failure(contract, what, message, took, failed);
        Err(Stop)
    }

    /// An assertion about the behaviour of `contract`, seen through other steps (a user read back
    /// after deactivate-user): a failure is the contract's.
    pub(crate) fn expect(
        &mut self,
        contract: ContractId,
        what: &str,
        ok: bool,
        why: String,
    ) -> Result<(), Stop> {
        if ok || self.dry() {
            return Ok(());
        }
        self.record(contract, what, false, why, Duration::ZERO);
        Err(Stop)
    }

    /// Registers what a create is about to make, by the unique name it is given.
    pub(crate) fn claim(&self, kind: Kind, name: &str) -> Option<ClaimId> {
        if self.dry() {
            return None;
        }
        let mut claims = self.claims.lock().unwrap();
        claims.0.push(Claim {
            kind,
            names: vec![name.to_string()],
            id: None,
            undone: false,
        });
        Some(ClaimId(claims.0.len() - 1))
    }

    /// The id a create answered for `claim` (an empty one is no id).
    pub(crate) fn claimed_id(&self, claim: Option<ClaimId>, id: &str) {
        if let Some(ClaimId(i)) = claim
            && !id.is_empty()
        {
            self.claims.lock().unwrap().0[i].id = Some(id.to_string());
        }
    }

    /// Another name this run gave the claimed resource (update-group renames the test group).
    pub(crate) fn also_named(&self, claim: Option<ClaimId>, name: &str) {
        if let Some(ClaimId(i)) = claim {
            self.claims.lock().unwrap().0[i]
                .names
                .push(name.to_string());
        }
    }

    /// A scenario undid the claimed resource and saw it gone.
    pub(crate) fn undone(&self, claim: Option<ClaimId>) {
        if let Some(ClaimId(i)) = claim {
            self.claims.lock().unwrap().0[i].undone = true;
        }
    }

    async fn run_contract(
        &self,
        rt: &Runtime,
        contract: ContractId,
        input: J,
    ) -> Result<(J, Option<FailureKind>), String> {
        let given = rt.masker().mask_json(&input);
        let ran = run_action(rt, &self.actions[&contract], input, self.traits.timeout).await;
        self.log.ran(
            ran.as_ref().ok().and_then(|r| r.at),
            ran.as_ref().ok().map(|r| (given, r.output.clone())),
        );
        ran.map(|r| (r.output, r.failure))
    }

    fn record(
        &mut self,
        contract: ContractId,
        what: &str,
        passed: bool,
        message: String,
        took: Duration,
    ) {
        self.push(contract, what, passed, message, took, false);
    }

    /// A failed step, with how its action failed when it ran (the report's "nothing reached the
    /// API" counts the unreachable ones).
    fn record_failure(
        &mut self,
        contract: ContractId,
        what: &str,
        message: String,
        took: Duration,
        kind: Option<FailureKind>,
    ) {
        let unreachable = kind == Some(FailureKind::Unreachable);
        self.push(contract, what, false, message, took, unreachable);
    }

    fn push(
        &mut self,
        contract: ContractId,
        what: &str,
        passed: bool,
        message: String,
        took: Duration,
        unreachable: bool,
    ) {
        let taken = self.log.take();
        self.steps.lock().unwrap().push(StepResult {
            contract: contract.to_string(),
            action: self.actions.get(&contract).cloned(),
            what: what.to_string(),
            passed,
            message,
            duration: took,
            unreachable,
            exchanges: taken.exchanges,
            failed_at: if passed { None } else { taken.failed_at },
            ran: taken.ran,
        });
    }
}

/// See [`ScenarioRun::can_create_users`].
pub(crate) fn can_create_users(has: impl Fn(ContractId) -> bool, traits: Traits) -> bool {
    has(ContractId::CreateUser) && (has(ContractId::DeactivateUser) || traits.keep)
}

/// Runs `action` within `timeout`: its output and, when it failed, how; or why it could not run
/// (masked). The steps of the scenarios and of the cleanup all run through here.
pub(crate) async fn run_action(
    rt: &Runtime,
    action: &str,
    input: J,
    timeout: Duration,
) -> Result<intact_run::Outcome, String> {
    match tokio::time::timeout(timeout, rt.run_action(action, input)).await {
        Err(_) => Err(format!(
            "no answer within {} s (raise --timeout if the API is that slow)",
            timeout.as_secs()
        )),
        Ok(Err(f)) => Err(f.message),
        Ok(Ok(o)) => Ok(o),
    }
}

/// The first error of a failed action's executionStatus.
fn error_summary(output: &J) -> String {
    let e = &output["executionStatus"]["errors"][0];
    match (e["code"].as_str(), e["summary"].as_str()) {
        (Some(code), Some(summary)) => format!("{code}: {summary}"),
        (None, Some(summary)) => summary.to_string(),
        _ => shown(output),
    }
}

/// An output as a failure shows it: compact JSON (already masked), at most 400 characters.
pub(crate) fn shown(v: &J) -> String {
    let text = v.to_string();
    if text.chars().count() <= 400 {
        return text;
    }
    let cut: String = text.chars().take(400).collect();
    format!("{cut}…")
}
