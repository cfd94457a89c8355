//! The scenarios: what `intact verify` proves, contract by contract. Each is an async function over
//! [`Cx`]; a scenario runs the steps the project's actions allow and stops at its first failure.
//! docs/verify.md describes each one; keep the two in step.

use std::collections::HashSet;

use serde_json::{Value as J, json};

use crate::cx::{ClaimId, Cx, Kind, Stop, Traits, shown};

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

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// A test user as the create-user contract takes it: clearly marked as test data by its name.
fn new_user(user_name: &str) -> J {
    json!({
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": "Intact", "familyName": "Verify"},
        "displayName": format!("intact verify test user {user_name}"),
        "emails": [{"value": user_name, "type": "work", "primary": true}],
        "active": true
    })
}

/// Creates a test user; answers its id and userName. The user is claimed for the cleanup by its
/// userName before the create is sent. When the project can read users, the new user is read
/// back by the id the create answered and must carry the userName it was given: no later step
/// (an update, a deactivation) may touch an id that is someone else's.
async fn create_user(
    cx: &mut Cx<'_>,
    what: &str,
) -> Result<(String, String, Option<ClaimId>), Stop> {
    let user_name = format!("{}@example.com", cx.unique());
    let claim = cx.claim(Kind::User, &user_name);
    let wanted = user_name.clone();
    let out = cx
        .create(
            "create-user",
            what,
            json!({"user": new_user(&user_name)}),
            |o| {
                let got = o["user"]["userName"].as_str().unwrap_or("");
                if !got.eq_ignore_ascii_case(&wanted) {
                    return Err(format!(
                        "the created user's userName is `{got}`, not `{wanted}`"
                    ));
                }
                Ok(())
            },
            Some((claim, "user")),
        )
        .await?;
    let id = out["user"]["id"].as_str().unwrap_or("").to_string();
    if cx.has("get-user") {
        cx.step(
            "get-user",
            "read the new user back by id",
            json!({"userId": id}),
            is_user(&id, &user_name),
        )
        .await?;
    }
    Ok((id, user_name, claim))
}

/// A check that the output's `user` is the one with `id` and `user_name`.
fn is_user<'a>(id: &'a str, user_name: &'a str) -> impl FnOnce(&J) -> Result<(), String> + 'a {
    move |o: &J| {
        let got = o["user"]["id"].as_str().unwrap_or("");
        let name = o["user"]["userName"].as_str().unwrap_or("");
        if got != id {
            Err(format!(
                "it returned the user `{got}`, not the test user `{id}`"
            ))
        } else if !name.eq_ignore_ascii_case(user_name) {
            Err(format!(
                "the user `{id}` is `{name}`, not the test user `{user_name}`: the id the create answered belongs to another user"
            ))
        } else {
            Ok(())
        }
    }
}

fn ok(_: &J) -> Result<(), String> {
    Ok(())
}

async fn users(cx: &mut Cx<'_>) -> Result<(), Stop> {
    // A second user first, so that finding the test user means picking it among several.
    create_user(
        cx,
        "create a second test user, which lookups must not return",
    )
    .await?;
    let (id, user_name, claim) = create_user(cx, "create the test user").await?;
    if cx.has("get-user-by-username") {
        cx.step(
            "get-user-by-username",
            "find the test user by userName",
            json!({"userName": user_name}),
            is_user(&id, &user_name),
        )
        .await?;
    }
    if cx.has("update-user") {
        let mut changed = new_user(&user_name);
        changed["id"] = json!(id);
        changed["name"]["givenName"] = json!("Changed");
        cx.step(
            "update-user",
            "change the test user's given name",
            json!({"user": changed}),
            |o| given_name(o, "Changed"),
        )
        .await?;
        let read = cx
            .step(
                "get-user",
                "read the change back",
                json!({"userId": id}),
                is_user(&id, &user_name),
            )
            .await?;
        let kept = given_name(&read, "Changed");
        cx.expect(
            "update-user",
            "the change is kept",
            kept.is_ok(),
            format!(
                "get-user after update-user does not show the new given name: {}",
                shown(&read["user"]["name"])
            ),
        )?;
    }
    // Before any deactivation: an app whose deactivation removes the user has no user left to
    // change the password of.
    if cx.has("update-user-password") {
        let password = format!("Iv-{}-{}!", cx.unique(), "9xQ");
        cx.step(
            "update-user-password",
            "set a new password on the test user",
            json!({"userId": id, "password": password}),
            ok,
        )
        .await?;
    }
    if cx.has("deactivate-user") {
        if cx.traits.removes {
            removed(cx, &id, claim).await?;
        } else {
            set_active(cx, &id, &user_name, false).await?;
            if cx.has("activate-user") {
                set_active(cx, &id, &user_name, true).await?;
            }
        }
    }
    Ok(())
}

/// `deactivation "removes"`: after deactivate-user, get-user ends RESOURCE_NOT_FOUND and
/// list-users (when the project has it) no longer lists the user.
async fn removed(cx: &mut Cx<'_>, id: &str, claim: Option<ClaimId>) -> Result<(), Stop> {
    cx.step(
        "deactivate-user",
        "deactivate the test user (deactivation \"removes\")",
        json!({"userId": id}),
        ok,
    )
    .await?;
    cx.step_fails(
        "get-user",
        "after deactivate-user, get-user ends RESOURCE_NOT_FOUND (the user is removed)",
        json!({"userId": id}),
        "RESOURCE_NOT_FOUND",
    )
    .await?;
    if cx.has("list-users") {
        let users = page_through(cx, "list-users", json!({})).await?;
        cx.expect(
            "deactivate-user",
            "after deactivate-user, list-users no longer lists the user",
            !ids(&users).contains(&id),
            format!(
                "after deactivate-user (deactivation \"removes\"), list-users still lists `{id}`"
            ),
        )?;
    }
    cx.undone(claim);
    Ok(())
}

/// deactivate-user (`active` false) or activate-user (true) on the test user, and get-user must
/// show the change.
async fn set_active(cx: &mut Cx<'_>, id: &str, user_name: &str, active: bool) -> Result<(), Stop> {
    let (contract, what, shows) = if active {
        (
            "activate-user",
            "activate the test user again",
            "get-user shows it active",
        )
    } else {
        (
            "deactivate-user",
            "deactivate the test user",
            "get-user shows it inactive",
        )
    };
    cx.step(contract, what, json!({"userId": id}), ok).await?;
    let read = cx
        .step(
            "get-user",
            &format!("read it back: after {contract}, get-user must show `active` {active}"),
            json!({"userId": id}),
            is_user(id, user_name),
        )
        .await?;
    cx.expect(
        contract,
        shows,
        read["user"]["active"] == json!(active),
        format!(
            "after {contract}, get-user shows `active`: {}",
            shown(&read["user"]["active"])
        ),
    )
}

fn given_name(o: &J, want: &str) -> Result<(), String> {
    match o["user"]["name"]["givenName"].as_str() {
        Some(g) if g == want => Ok(()),
        other => Err(format!(
            "the user's given name is {}, not `{want}`",
            other.map_or("missing".into(), |g| format!("`{g}`"))
        )),
    }
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

fn is_group<'a>(id: &'a str, name: &'a str) -> impl FnOnce(&J) -> Result<(), String> + 'a {
    move |o: &J| {
        let (got_id, got_name) = (
            o["group"]["id"].as_str().unwrap_or(""),
            o["group"]["displayName"].as_str().unwrap_or(""),
        );
        if !id.is_empty() && got_id != id {
            return Err(format!(
                "it returned the group `{got_id}`, not the test group `{id}`"
            ));
        }
        if got_name != name {
            return Err(format!(
                "the group's displayName is `{got_name}`, not `{name}`"
            ));
        }
        Ok(())
    }
}

async fn groups(cx: &mut Cx<'_>) -> Result<(), Stop> {
    let name = cx.unique();
    let claim = cx.claim(Kind::Group, &name);
    let out = cx
        .create(
            "create-group",
            "create the test group",
            json!({"group": {"schemas": [GROUP_SCHEMA], "displayName": name}}),
            is_group("", &name),
            Some((claim, "group")),
        )
        .await?;
    let id = out["group"]["id"].as_str().unwrap_or("").to_string();
    cx.step(
        "get-group",
        "read the test group",
        json!({"groupId": id}),
        is_group(&id, &name),
    )
    .await?;
    if cx.has("list-groups-by-display-name") {
        let out = cx
            .step(
                "list-groups-by-display-name",
                "find the test group by displayName",
                json!({"displayName": name}),
                ok,
            )
            .await?;
        let found = out["resources"].as_array().cloned().unwrap_or_default();
        cx.expect(
            "list-groups-by-display-name",
            "the test group is found",
            ids(&found).contains(&id.as_str()),
            format!(
                "the groups found, {}, do not include the test group",
                shown(&out["resources"])
            ),
        )?;
    } else if cx.has("list-groups") {
        let all = page_through(cx, "list-groups", json!({})).await?;
        cx.expect(
            "list-groups",
            "the test group is listed",
            ids(&all).contains(&id.as_str()),
            format!(
                "the {} group(s) listed do not include the test group",
                all.len()
            ),
        )?;
    }
    if cx.has("update-group") {
        let renamed = format!("{name} renamed");
        cx.also_named(claim, &renamed);
        cx.step(
            "update-group",
            "rename the test group",
            json!({"group": {"schemas": [GROUP_SCHEMA], "id": id, "displayName": renamed}}),
            is_group(&id, &renamed),
        )
        .await?;
        let read = cx
            .step(
                "get-group",
                "read the new name back",
                json!({"groupId": id}),
                ok,
            )
            .await?;
        cx.expect(
            "update-group",
            "the new name is kept",
            is_group(&id, &renamed)(&read).is_ok(),
            format!(
                "get-group after update-group shows the displayName {}",
                shown(&read["group"]["displayName"])
            ),
        )?;
    }
    if cx.has("add-group-members") && cx.has("list-group-members") && cx.can_create_users() {
        let (member, ..) = create_user(cx, "create a test user to be a member").await?;
        let members = json!({"groupId": id, "groupMembers": [{"value": member}]});
        cx.step(
            "add-group-members",
            "add the test user to the test group",
            members.clone(),
            ok,
        )
        .await?;
        let listed = page_through(cx, "list-group-members", json!({"groupId": id})).await?;
        let values = |l: &[J]| -> Vec<String> {
            l.iter()
                .filter_map(|m| m["value"].as_str().map(str::to_string))
                .collect()
        };
        cx.expect(
            "add-group-members",
            "list-group-members shows the member",
            values(&listed).contains(&member),
            format!(
                "after add-group-members, list-group-members lists {}",
                shown(&J::Array(listed.clone()))
            ),
        )?;
        if cx.has("remove-group-members") {
            cx.step(
                "remove-group-members",
                "remove the test user from the test group",
                members,
                ok,
            )
            .await?;
            let listed = page_through(cx, "list-group-members", json!({"groupId": id})).await?;
            cx.expect(
                "remove-group-members",
                "list-group-members no longer shows the member",
                !values(&listed).contains(&member),
                format!("after remove-group-members, list-group-members still lists {member}"),
            )?;
        }
    }
    cx.step(
        "remove-group",
        "remove the test group",
        json!({"groupId": id}),
        ok,
    )
    .await?;
    cx.step_fails(
        "get-group",
        "the removed group is gone",
        json!({"groupId": id}),
        "RESOURCE_NOT_FOUND",
    )
    .await?;
    cx.undone(claim);
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
