//! Undoing what a run created, and only that. A claim (a test user or group, by the unique name
//! this run gave it) is undone only after the resource is read back and carries that name: the id
//! a create answered proves nothing (a buggy action may answer the first user of a listing, a
//! server an existing group's id). A resource that reads back as someone else's is reported and not
//! touched; one whose create never answered (a timeout, an interrupt) is looked up by its name.
//! After the undo, the resource is read again: a deactivate that leaves the user active, or a
//! remove that leaves the group, is left behind, not "ok".

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use intact_run::Runtime;
use serde_json::{Value as J, json};

use crate::report::StepResult;
use crate::scenario_run::{self, Claim, Kind};
use intact_model::contracts::ContractId;

/// What the cleanup did, shared with the caller so that a cleanup cut short still reports the
/// steps it ran and which claims it settled.
#[derive(Default)]
pub(crate) struct Progress {
    pub steps: Vec<StepResult>,
    pub left: Vec<String>,
    /// Per claim: whether the cleanup has settled it (undone, found never created, or left).
    pub settled: Vec<bool>,
}

/// Whether the id a create answered is this run's resource.
enum ById {
    /// It reads back with this run's name.
    Ours,
    /// It is someone else's, or gone: this run's may still be found by its name.
    NotOurs,
    /// It could not be read: it is left, and not looked for further.
    Unknown,
}

/// How a read of one resource went.
enum Read {
    Found(J),
    NotFound,
    Failed(String),
}

pub(crate) struct Cleanup<'a> {
    pub log: crate::Log,
    pub rt: &'a Runtime,
    pub actions: &'a HashMap<ContractId, String>,
    pub timeout: Duration,
    pub progress: &'a Mutex<Progress>,
}

/// The contracts and fields of one kind of resource.
struct Kinds {
    kind: Kind,
    /// Also the output field that holds one (`user`, `group`).
    noun: &'static str,
    id_field: &'static str,
    name_field: &'static str,
    get: ContractId,
    /// The contract that finds one by its name.
    lookup: ContractId,
    create: ContractId,
    undo: ContractId,
    undo_what: &'static str,
}

const USER: Kinds = Kinds {
    kind: Kind::User,
    noun: "user",
    id_field: "userId",
    name_field: "userName",
    get: ContractId::GetUser,
    lookup: ContractId::GetUserByUsername,
    create: ContractId::CreateUser,
    undo: ContractId::DeactivateUser,
    undo_what: "deactivate",
};

const GROUP: Kinds = Kinds {
    kind: Kind::Group,
    noun: "group",
    id_field: "groupId",
    name_field: "displayName",
    get: ContractId::GetGroup,
    lookup: ContractId::ListGroupsByDisplayName,
    create: ContractId::CreateGroup,
    undo: ContractId::RemoveGroup,
    undo_what: "remove",
};

impl Cleanup<'_> {
    /// Settles every claim not undone yet: groups first (a group's members are test users).
    pub(crate) async fn run(&self, claims: &[Claim]) {
        let order = claims
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind == Kind::Group)
            .chain(
                claims
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.kind == Kind::User),
            );
        for (i, claim) in order {
            if !claim.undone {
                self.settle(claim).await;
            }
            self.progress.lock().unwrap().settled[i] = true;
        }
    }

    async fn settle(&self, claim: &Claim) {
        let k = kinds(claim.kind);
        let name = &claim.names[0];
        let Some(id) = self.find(k, claim).await else {
            return;
        };
        let Some(undo) = self.actions.get(&k.undo) else {
            self.left(
                k.undo,
                None,
                format!("{} the test {} {id}", k.undo_what, k.noun),
                format!("the project has no {} action to undo it", k.undo),
                format!(
                    "test {} {id} ({name}): the project has no {} action",
                    k.noun, k.undo
                ),
            );
            return;
        };
        let what = format!("{} the test {} {id}", k.undo_what, k.noun);
        let started = Instant::now();
        match self.read(undo, json!({ k.id_field: id })).await {
            // Gone already is undone: an API whose deactivation deletes answers 404 the second
            // time.
            Read::Found(_) | Read::NotFound => {
                self.record(k.undo, &what, true, String::new(), started)
            }
            Read::Failed(why) => {
                let message = format!("{why}; not undone");
                self.left(
                    k.undo,
                    Some(started),
                    what,
                    message,
                    format!("test {} {id} ({name}): {} failed", k.noun, k.undo),
                );
                return;
            }
        }
        self.confirm_undone(k, &id, name).await;
    }

    /// The id of the resource `claim` stands for, read back with this run's name; `None` when
    /// there is nothing of this run's to undo, or when it cannot be told (then it is left, and
    /// said so).
    async fn find(&self, k: &Kinds, claim: &Claim) -> Option<String> {
        let name = &claim.names[0];
        let mut tried = false;
        if let (Some(id), Some(get)) = (&claim.id, self.actions.get(&k.get)) {
            tried = true;
            match self.confirm_id(k, claim, id, get).await {
                ById::Ours => return Some(id.clone()),
                ById::Unknown => return None,
                ById::NotOurs => {}
            }
        }
        if let Some((contract, action)) = self.lookup(k) {
            return self.find_by_name(k, claim, contract, action).await;
        }
        if !tried {
            let how = format!("{} or {}", k.get, k.lookup);
            self.left(
                k.get,
                None,
                format!("confirm the test {} `{name}`", k.noun),
                format!(
                    "the project has no {how} action to confirm which {} is this run's",
                    k.noun
                ),
                format!(
                    "test {} `{name}`: may be left behind (no {how} action to find it)",
                    k.noun
                ),
            );
        }
        None
    }

    /// Reads back the id a create answered for `claim` (with the get action `get`) and tells
    /// whether it is this run's.
    async fn confirm_id(&self, k: &Kinds, claim: &Claim, id: &str, get: &str) -> ById {
        let name = &claim.names[0];
        let what = format!("confirm that {id} is the test {} (by its name)", k.noun);
        let started = Instant::now();
        match self.read(get, json!({ k.id_field: id })).await {
            Read::Found(o) => {
                let got = o[k.noun][k.name_field].as_str().unwrap_or("");
                if names_match(claim, got) {
                    self.record(k.get, &what, true, String::new(), started);
                    return ById::Ours;
                }
                // Someone else's: never touched. The run's own resource may still exist under
                // another id, so it is looked for by name.
                self.left(
                    k.get,
                    Some(started),
                    what,
                    format!(
                        "the {} {id} that {} answered is `{got}`, not the test {} `{name}`: not touched",
                        k.noun,
                        k.create,
                        k.noun
                    ),
                    format!(
                        "{} {id} is `{got}`, not this run's: not touched (its create answered an id that is not the test {}'s)",
                        k.noun, k.noun
                    ),
                );
                ById::NotOurs
            }
            Read::NotFound => {
                self.record(k.get, &what, true, String::new(), started);
                ById::NotOurs
            }
            Read::Failed(why) => {
                self.left(
                    k.get,
                    Some(started),
                    what,
                    format!("{why}; it cannot be confirmed as the test {}, so it was not touched", k.noun),
                    format!("test {} {id} ({name}): could not be read back to confirm it is this run's; not touched", k.noun),
                );
                ById::Unknown
            }
        }
    }

    /// Looks `claim` up by its name (with `action`, the project's for `contract`): the id of the
    /// resource that carries it, or `None` when there is none or it cannot be told.
    async fn find_by_name(
        &self,
        k: &Kinds,
        claim: &Claim,
        contract: ContractId,
        action: &str,
    ) -> Option<String> {
        let name = &claim.names[0];
        let what = format!("find the test {} `{name}` by name", k.noun);
        let started = Instant::now();
        match self.read(action, json!({ k.name_field: name })).await {
            Read::Found(o) => match found(claim, &o) {
                Some(r) if names_match(claim, r[k.name_field].as_str().unwrap_or("")) => {
                    if let Some(id) = r["id"].as_str().filter(|i| !i.is_empty()) {
                        self.record(contract, &what, true, String::new(), started);
                        return Some(id.to_string());
                    }
                    self.left(
                        contract,
                        Some(started),
                        what,
                        "it answered no id".into(),
                        format!("test {} `{name}`: found without an id; not touched", k.noun),
                    );
                }
                Some(r) if claim.kind == Kind::User => {
                    let got = r["userName"].as_str().unwrap_or("");
                    self.left(
                        contract,
                        Some(started),
                        what,
                        format!("it answered `{got}`, not `{name}`: not touched"),
                        format!(
                            "test user `{name}`: the lookup answered another user; not touched"
                        ),
                    );
                }
                _ => self.record(
                    contract,
                    &what,
                    true,
                    "not there: nothing to undo".into(),
                    started,
                ),
            },
            Read::NotFound => self.record(
                contract,
                &what,
                true,
                "not there: nothing to undo".into(),
                started,
            ),
            Read::Failed(why) => {
                self.left(
                    contract,
                    Some(started),
                    what,
                    why,
                    format!(
                        "test {} `{name}`: could not be looked up; it may be left behind",
                        k.noun
                    ),
                );
            }
        }
        None
    }

    /// After the undo, the resource must read back undone: a user inactive (or gone), a group
    /// gone. Without a get action the undo's answer is all there is.
    async fn confirm_undone(&self, k: &Kinds, id: &str, name: &str) {
        let Some(get) = self.actions.get(&k.get) else {
            return;
        };
        let what = match k.kind {
            Kind::User => format!("check that the test user {id} is inactive"),
            Kind::Group => format!("check that the test group {id} is gone"),
        };
        let started = Instant::now();
        let problem = match (self.read(get, json!({ k.id_field: id })).await, k.kind) {
            (Read::NotFound, _) => None,
            (Read::Found(o), Kind::User) if o["user"]["active"] == json!(false) => None,
            (Read::Found(o), Kind::User) => Some(format!(
                "deactivate-user answered, but get-user still shows `active`: {}",
                scenario_run::shown(&o["user"]["active"])
            )),
            (Read::Found(_), _) => {
                Some("remove-group answered, but get-group still finds the group".into())
            }
            (Read::Failed(why), _) => Some(why),
        };
        match problem {
            None => self.record(k.get, &what, true, String::new(), started),
            Some(why) => self.left(
                k.get,
                Some(started),
                what,
                why,
                format!(
                    "test {} {id} ({name}): still there after {}",
                    k.noun, k.undo
                ),
            ),
        }
    }

    /// The action that finds a resource of kind `k` by name, if the project has one.
    fn lookup(&self, k: &Kinds) -> Option<(ContractId, &String)> {
        self.actions.get(&k.lookup).map(|a| (k.lookup, a))
    }

    async fn read(&self, action: &str, input: J) -> Read {
        let ran = scenario_run::run_action(self.rt, action, input, self.timeout).await;
        match ran.map(|o| (o.output, o.failure)) {
            Ok((o, None)) => Read::Found(o),
            Ok((o, Some(_)))
                if o["executionStatus"]["errors"][0]["code"] == "RESOURCE_NOT_FOUND" =>
            {
                Read::NotFound
            }
            Ok((o, Some(_))) => Read::Failed(
                o["executionStatus"]["errors"][0]["summary"]
                    .as_str()
                    .unwrap_or("the action failed")
                    .to_string(),
            ),
            Err(why) => Read::Failed(why),
        }
    }

    fn record(
        &self,
        contract: ContractId,
        what: &str,
        passed: bool,
        message: String,
        started: Instant,
    ) {
        let taken = self.log.take();
        self.progress.lock().unwrap().steps.push(StepResult {
            contract: contract.to_string(),
            action: self.actions.get(&contract).cloned(),
            what: what.to_string(),
            passed,
            message,
            duration: started.elapsed(),
            unreachable: false,
            exchanges: taken.exchanges,
            failed_at: None,
            ran: None,
        });
    }

    /// A failed cleanup step, and what it leaves behind.
    fn left(
        &self,
        contract: ContractId,
        started: Option<Instant>,
        what: String,
        message: String,
        left: String,
    ) {
        let taken = self.log.take();
        let mut p = self.progress.lock().unwrap();
        p.steps.push(StepResult {
            contract: contract.to_string(),
            action: self.actions.get(&contract).cloned(),
            what,
            passed: false,
            message,
            duration: started.map_or(Duration::ZERO, |s| s.elapsed()),
            unreachable: false,
            exchanges: taken.exchanges,
            failed_at: None,
            ran: None,
        });
        p.left.push(left);
    }
}

/// What a lookup by name answered for `claim`: the user it found, or the group among those it
/// listed that carries one of the claim's names.
fn found(claim: &Claim, o: &J) -> Option<J> {
    match claim.kind {
        Kind::User => Some(o["user"].clone()),
        Kind::Group => o["resources"].as_array().and_then(|r| {
            r.iter()
                .find(|g| names_match(claim, g["displayName"].as_str().unwrap_or("")))
                .cloned()
        }),
    }
}

/// Whether `got` is a name this run gave the claimed resource (userNames compare without case).
fn names_match(claim: &Claim, got: &str) -> bool {
    claim.names.iter().any(|n| match claim.kind {
        Kind::User => n.eq_ignore_ascii_case(got),
        Kind::Group => n == got,
    })
}

fn kinds(kind: Kind) -> &'static Kinds {
    match kind {
        Kind::User => &USER,
        Kind::Group => &GROUP,
    }
}
