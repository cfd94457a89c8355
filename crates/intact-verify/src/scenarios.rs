//! The scenarios: what `intact verify` proves, contract by contract. Each is an async function over
//! a [`ScenarioRun`]; a scenario runs the steps the project's actions allow and stops at its first
//! failure.
//! docs/verify.md describes each one; keep the two in step.

use std::collections::HashSet;

use serde_json::{Value as J, json};

use crate::scenario_run::{ScenarioRun, Stop, Traits};

mod groups;
mod users;

use groups::groups;
use intact_model::contracts::ContractId;
use users::{create_user, users};

/// A scenario: what `intact verify` proves, by name (for `--only`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    Users,
    Lookups,
    Paging,
    Groups,
    Schema,
    Logout,
}

impl Scenario {
    /// Every scenario, in the order a run takes them.
    pub const ALL: [Scenario; 6] = [
        Scenario::Users,
        Scenario::Lookups,
        Scenario::Paging,
        Scenario::Groups,
        Scenario::Schema,
        Scenario::Logout,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Users => "users",
            Scenario::Lookups => "lookups",
            Scenario::Paging => "paging",
            Scenario::Groups => "groups",
            Scenario::Schema => "schema",
            Scenario::Logout => "logout",
        }
    }

    /// What it proves.
    pub fn summary(self) -> &'static str {
        match self {
            Scenario::Users => {
                "create a test user, read it by id and by userName, update it, change its password, deactivate and reactivate it"
            }
            Scenario::Lookups => {
                "get-user of an unknown id and get-user-by-username of an unknown name end FAILED with RESOURCE_NOT_FOUND"
            }
            Scenario::Paging => {
                "list-users two at a time until nextCursor is empty; the cursor must advance and the test user must be listed"
            }
            Scenario::Groups => {
                "create a test group, read it, find it, rename it, add a member, list and remove members, remove the group"
            }
            Scenario::Schema => {
                "the user and entitlement schemas and their property values answer and fit their schemas"
            }
            Scenario::Logout => {
                "universal logout of a test user (when the project can create one) and of an unknown user answers SUCCESS or FAILURE, never an error"
            }
        }
    }

    /// The contracts it cannot run without.
    pub fn needs(self) -> &'static [ContractId] {
        match self {
            Scenario::Users => &[ContractId::CreateUser, ContractId::GetUser],
            Scenario::Lookups => &[ContractId::GetUser],
            Scenario::Paging => &[ContractId::CreateUser, ContractId::ListUsers],
            Scenario::Groups => &[
                ContractId::CreateGroup,
                ContractId::GetGroup,
                ContractId::RemoveGroup,
            ],
            Scenario::Schema => &[],
            Scenario::Logout => &[ContractId::UniversalLogout],
        }
    }
}

pub const SCENARIOS: &[Scenario] = &Scenario::ALL;

/// The page size of the paging scenarios: small, so that even a test tenant has several pages.
const PAGE: i64 = 2;

/// The most pages a listing may take before verify calls it endless.
const MAX_PAGES: usize = 500;

const SCHEMA_CONTRACTS: &[ContractId] = &[
    ContractId::ListUserSchema,
    ContractId::ListUserSchemaPropertyValues,
    ContractId::ListEntitlementSchema,
    ContractId::ListEntitlementSchemaPropertyValues,
];

/// Why `scenario` cannot run on this project, if it cannot.
pub(crate) fn missing(
    scenario: Scenario,
    has: impl Fn(ContractId) -> bool,
    traits: Traits,
) -> Option<String> {
    let missing: Vec<&str> = scenario
        .needs()
        .iter()
        .copied()
        .filter(|&c| !has(c))
        .map(ContractId::as_str)
        .collect();
    if !missing.is_empty() {
        return Some(format!(
            "the project has no enabled action for {}",
            missing.join(", ")
        ));
    }
    // Verify never makes what it cannot undo: a scenario built on a test user needs
    // deactivate-user, unless `--keep` leaves the users anyway.
    if matches!(scenario, Scenario::Users | Scenario::Paging)
        && !crate::scenario_run::can_create_users(&has, traits)
    {
        return Some(
            "the project has no deactivate-user action to undo the test users it would create (--keep runs it and leaves them)".into(),
        );
    }
    if scenario == Scenario::Schema && !SCHEMA_CONTRACTS.iter().any(|&c| has(c)) {
        return Some("the project has no schema discovery action".into());
    }
    None
}

/// What `scenario` proves on this project: the `users` scenario names only the steps the
/// project's actions allow.
pub(crate) fn summary(
    scenario: Scenario,
    has: impl Fn(ContractId) -> bool,
    traits: Traits,
) -> String {
    if scenario != Scenario::Users {
        return scenario.summary().to_string();
    }
    let mut parts = vec![if has(ContractId::GetUserByUsername) {
        "create a test user, read it by id and by userName"
    } else {
        "create a test user, read it by id"
    }];
    if has(ContractId::UpdateUser) {
        parts.push("update it");
    }
    if has(ContractId::UpdateUserPassword) {
        parts.push("change its password");
    }
    match (
        has(ContractId::DeactivateUser),
        has(ContractId::ActivateUser),
        traits.removes,
    ) {
        (true, _, true) => parts.push("deactivate it, which removes it"),
        (true, true, false) => parts.push("deactivate and reactivate it"),
        (true, false, false) => parts.push("deactivate it"),
        _ => {}
    }
    parts.join(", ")
}

/// Runs `scenario`.
pub(crate) async fn run_scenario(
    scenario: Scenario,
    run: &mut ScenarioRun<'_>,
) -> Result<(), Stop> {
    match scenario {
        Scenario::Users => users(run).await,
        Scenario::Lookups => lookups(run).await,
        Scenario::Paging => paging(run).await,
        Scenario::Groups => groups(run).await,
        Scenario::Schema => schema(run).await,
        Scenario::Logout => logout(run).await,
    }
}

const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
fn ok(_: &J) -> Result<(), String> {
    Ok(())
}

async fn lookups(run: &mut ScenarioRun<'_>) -> Result<(), Stop> {
    let unknown = format!("{}-missing", run.unique());
    run.step_fails(
        ContractId::GetUser,
        "read a user id that does not exist",
        json!({"userId": unknown}),
        "RESOURCE_NOT_FOUND",
    )
    .await?;
    if run.has(ContractId::GetUserByUsername) {
        run.step_fails(
            ContractId::GetUserByUsername,
            "find a userName that does not exist",
            json!({"userName": format!("{unknown}@example.com")}),
            "RESOURCE_NOT_FOUND",
        )
        .await?;
    }
    Ok(())
}

/// Pages through the listing of `contract` (its `input` plus `pagination`), `PAGE` at a time,
/// until `nextCursor` is empty; answers every resource listed. Fails when a cursor comes back,
/// when a page with nothing on it still has a next one, or past `MAX_PAGES`.
async fn page_through(
    run: &mut ScenarioRun<'_>,
    contract: ContractId,
    input: J,
) -> Result<Vec<J>, Stop> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    let mut cursors = HashSet::new();
    for page in 1..=MAX_PAGES {
        let mut i = input.clone();
        i["pagination"] = match &cursor {
            None => json!({"limit": PAGE}),
            Some(c) => json!({"cursor": c, "limit": PAGE}),
        };
        let out = run
            .step(
                contract,
                &format!("page {page}, {PAGE} at a time"),
                i,
                |o| {
                    let n = o["resources"].as_array().map_or(0, Vec::len);
                    if n > PAGE as usize {
                        return Err(format!(
                            "the page holds {n} resources, more than the limit {PAGE}"
                        ));
                    }
                    Ok(())
                },
            )
            .await?;
        let resources = out["resources"].as_array().cloned().unwrap_or_default();
        let next = out["pagination"]["nextCursor"]
            .as_str()
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        let empty = resources.is_empty();
        all.extend(resources);
        let Some(next) = next else {
            return Ok(all);
        };
        if run.dry() {
            return Ok(all);
        }
        run.expect(
            contract,
            "the pages advance",
            !empty,
            format!("page {page} lists nothing but gives a next cursor `{next}`"),
        )?;
        run.expect(
            contract,
            "the pages advance",
            cursors.insert(next.clone()),
            format!("page {page} gives the cursor `{next}` again: the listing would never end"),
        )?;
        cursor = Some(next);
    }
    run.expect(
        contract,
        "the listing ends",
        false,
        format!("the listing did not end within {MAX_PAGES} pages of {PAGE}"),
    )?;
    Ok(all)
}

fn ids(resources: &[J]) -> Vec<&str> {
    resources.iter().filter_map(|r| r["id"].as_str()).collect()
}

async fn paging(run: &mut ScenarioRun<'_>) -> Result<(), Stop> {
    let (id, ..) = create_user(run, "create a test user to be listed").await?;
    let users = page_through(run, ContractId::ListUsers, json!({})).await?;
    run.expect(
        ContractId::ListUsers,
        "the test user is listed",
        ids(&users).contains(&id.as_str()),
        format!(
            "the {} user(s) listed do not include the test user `{id}`",
            users.len()
        ),
    )?;
    let mut seen = HashSet::new();
    let twice: Vec<&str> = ids(&users)
        .into_iter()
        .filter(|i| !seen.insert(*i))
        .collect();
    run.expect(
        ContractId::ListUsers,
        "no user is listed twice",
        twice.is_empty(),
        format!(
            "these users are listed on more than one page: {}",
            twice.join(", ")
        ),
    )?;
    Ok(())
}

async fn schema(run: &mut ScenarioRun<'_>) -> Result<(), Stop> {
    for &contract in SCHEMA_CONTRACTS {
        if !run.has(contract) {
            continue;
        }
        // The SCIM configuration the provider sends is the customer's: the contract's example,
        // with no entitlement types (their endpoints are the customer's too).
        let mut input =
            intact_model::contracts::examples(contract, intact_model::contracts::Side::Input)
                .first()
                .cloned()
                .unwrap_or_else(|| json!({}));
        if input["scim"].is_object() {
            input["scim"]["entitlementTypes"] = json!([]);
        }
        run.step(
            contract,
            "answers and fits its schema (no entitlement types configured)",
            input,
            ok,
        )
        .await?;
    }
    Ok(())
}

/// A logout answer: SUCCESS or FAILURE, whatever happened to the sessions.
fn logout_status(o: &J) -> Result<(), String> {
    match o["logoutStatus"].as_str() {
        Some("SUCCESS" | "FAILURE") => Ok(()),
        other => Err(format!("logoutStatus is {other:?}, not SUCCESS or FAILURE")),
    }
}

async fn logout(run: &mut ScenarioRun<'_>) -> Result<(), Stop> {
    // A logout-only integration cannot create users: it signs out an unknown one only.
    if run.can_create_users() {
        let (id, user_name, _) = create_user(run, "create a test user to sign out").await?;
        run.step(
            ContractId::UniversalLogout,
            "sign the test user out",
            json!({"externalUserId": id, "externalUserName": user_name}),
            logout_status,
        )
        .await?;
    }
    let unknown = format!("{}-missing", run.unique());
    run.step(
        ContractId::UniversalLogout,
        "sign out a user the app does not know (not an error)",
        json!({"externalUserId": unknown, "externalUserName": format!("{unknown}@example.com")}),
        logout_status,
    )
    .await?;
    Ok(())
}
