//! The scenarios: what `intact verify` proves, contract by contract. Each is an async function over
//! [`Cx`]; a scenario runs the steps the project's actions allow and stops at its first failure.
//! docs/verify.md describes each one; keep the two in step.

use std::collections::HashSet;

use serde_json::{Value as J, json};

use crate::cx::{Cx, Stop, Traits};

mod groups;
mod users;

use groups::groups;
use users::{create_user, users};

/// A scenario: its name (for `--only`), what it proves, and the contracts it cannot run without.
pub struct Scenario {
    pub name: &'static str,
    pub summary: &'static str,
    pub needs: &'static [&'static str],
}

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "users",
        summary: "create a test user, read it by id and by userName, update it, change its password, deactivate and reactivate it",
        needs: &["create-user", "get-user"],
    },
    Scenario {
        name: "lookups",
        summary: "get-user of an unknown id and get-user-by-username of an unknown name end FAILED with RESOURCE_NOT_FOUND",
        needs: &["get-user"],
    },
    Scenario {
        name: "paging",
        summary: "list-users two at a time until nextCursor is empty; the cursor must advance and the test user must be listed",
        needs: &["create-user", "list-users"],
    },
    Scenario {
        name: "groups",
        summary: "create a test group, read it, find it, rename it, add a member, list and remove members, remove the group",
        needs: &["create-group", "get-group", "remove-group"],
    },
    Scenario {
        name: "schema",
        summary: "the user and entitlement schemas and their property values answer and fit their schemas",
        needs: &[],
    },
    Scenario {
        name: "logout",
        summary: "universal logout of a test user (when the project can create one) and of an unknown user answers SUCCESS or FAILURE, never an error",
        needs: &["universal-logout"],
    },
];

/// The page size of the paging scenarios: small, so that even a test tenant has several pages.
const PAGE: i64 = 2;

/// The most pages a listing may take before verify calls it endless.
const MAX_PAGES: usize = 500;

const SCHEMA_CONTRACTS: &[&str] = &[
    "list-user-schema",
    "list-user-schema-property-values",
    "list-entitlement-schema",
    "list-entitlement-schema-property-values",
];

/// Why `scenario` cannot run on this project, if it cannot.
pub(crate) fn missing(
    scenario: &Scenario,
    has: impl Fn(&str) -> bool,
    traits: Traits,
) -> Option<String> {
    let missing: Vec<&str> = scenario.needs.iter().copied().filter(|c| !has(c)).collect();
    if !missing.is_empty() {
        return Some(format!(
            "the project has no enabled action for {}",
            missing.join(", ")
        ));
    }
    // Verify never makes what it cannot undo: a scenario built on a test user needs
    // deactivate-user, unless `--keep` leaves the users anyway.
    if matches!(scenario.name, "users" | "paging") && !crate::cx::can_create_users(&has, traits) {
        return Some(
            "the project has no deactivate-user action to undo the test users it would create (--keep runs it and leaves them)".into(),
        );
    }
    if scenario.name == "schema" && !SCHEMA_CONTRACTS.iter().any(|c| has(c)) {
        return Some("the project has no schema discovery action".into());
    }
    None
}

/// What `scenario` proves on this project: the `users` scenario names only the steps the
/// project's actions allow.
pub(crate) fn summary(scenario: &Scenario, has: impl Fn(&str) -> bool, traits: Traits) -> String {
    if scenario.name != "users" {
        return scenario.summary.to_string();
    }
    let mut parts = vec![if has("get-user-by-username") {
        "create a test user, read it by id and by userName"
    } else {
        "create a test user, read it by id"
    }];
    if has("update-user") {
        parts.push("update it");
    }
    if has("update-user-password") {
        parts.push("change its password");
    }
    match (has("deactivate-user"), has("activate-user"), traits.removes) {
        (true, _, true) => parts.push("deactivate it, which removes it"),
        (true, true, false) => parts.push("deactivate and reactivate it"),
        (true, false, false) => parts.push("deactivate it"),
        _ => {}
    }
    parts.join(", ")
}

pub(crate) async fn run(name: &str, cx: &mut Cx<'_>) -> Result<(), Stop> {
    match name {
        "users" => users(cx).await,
        "lookups" => lookups(cx).await,
        "paging" => paging(cx).await,
        "groups" => groups(cx).await,
        "schema" => schema(cx).await,
        "logout" => logout(cx).await,
        other => unreachable!("no scenario {other}"),
    }
}

const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
fn ok(_: &J) -> Result<(), String> {
    Ok(())
}

async fn lookups(cx: &mut Cx<'_>) -> Result<(), Stop> {
    let unknown = format!("{}-missing", cx.unique());
    cx.step_fails(
        "get-user",
        "read a user id that does not exist",
        json!({"userId": unknown}),
        "RESOURCE_NOT_FOUND",
    )
    .await?;
    if cx.has("get-user-by-username") {
        cx.step_fails(
            "get-user-by-username",
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
async fn page_through(cx: &mut Cx<'_>, contract: &str, input: J) -> Result<Vec<J>, Stop> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    let mut cursors = HashSet::new();
    for page in 1..=MAX_PAGES {
        let mut i = input.clone();
        i["pagination"] = match &cursor {
            None => json!({"limit": PAGE}),
            Some(c) => json!({"cursor": c, "limit": PAGE}),
        };
        let out = cx
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
        if cx.dry() {
            return Ok(all);
        }
        cx.expect(
            contract,
            "the pages advance",
            !empty,
            format!("page {page} lists nothing but gives a next cursor `{next}`"),
        )?;
        cx.expect(
            contract,
            "the pages advance",
            cursors.insert(next.clone()),
            format!("page {page} gives the cursor `{next}` again: the listing would never end"),
        )?;
        cursor = Some(next);
    }
    cx.expect(
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

async fn paging(cx: &mut Cx<'_>) -> Result<(), Stop> {
    let (id, ..) = create_user(cx, "create a test user to be listed").await?;
    let users = page_through(cx, "list-users", json!({})).await?;
    cx.expect(
        "list-users",
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
    cx.expect(
        "list-users",
        "no user is listed twice",
        twice.is_empty(),
        format!(
            "these users are listed on more than one page: {}",
            twice.join(", ")
        ),
    )?;
    Ok(())
}

async fn schema(cx: &mut Cx<'_>) -> Result<(), Stop> {
    for contract in SCHEMA_CONTRACTS {
        if !cx.has(contract) {
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
        cx.step(
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

async fn logout(cx: &mut Cx<'_>) -> Result<(), Stop> {
    // A logout-only integration cannot create users: it signs out an unknown one only.
    if cx.can_create_users() {
        let (id, user_name, _) = create_user(cx, "create a test user to sign out").await?;
        cx.step(
            "universal-logout",
            "sign the test user out",
            json!({"externalUserId": id, "externalUserName": user_name}),
            logout_status,
        )
        .await?;
    }
    let unknown = format!("{}-missing", cx.unique());
    cx.step(
        "universal-logout",
        "sign out a user the app does not know (not an error)",
        json!({"externalUserId": unknown, "externalUserName": format!("{unknown}@example.com")}),
        logout_status,
    )
    .await?;
    Ok(())
}
