//! The `users` scenario: create test users (each read back before anything touches it), find,
//! update, change the password, deactivate (or remove) and reactivate.

use serde_json::{Value as J, json};

use super::{ids, ok, page_through};
use crate::scenario_run::{ClaimId, Kind, ScenarioRun, Stop, shown};
use intact_model::contracts::ContractId;

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

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
pub(super) async fn create_user(
    run: &mut ScenarioRun<'_>,
    what: &str,
) -> Result<(String, String, Option<ClaimId>), Stop> {
    let user_name = format!("{}@example.com", run.unique());
    let claim = run.claim(Kind::User, &user_name);
    let wanted = user_name.clone();
    let out = run
        .create(
            ContractId::CreateUser,
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
    if run.has(ContractId::GetUser) {
        run.step(
            ContractId::GetUser,
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

pub(super) async fn users(run: &mut ScenarioRun<'_>) -> Result<(), Stop> {
    // A second user first, so that finding the test user means picking it among several.
    create_user(
        run,
        "create a second test user, which lookups must not return",
    )
    .await?;
    let (id, user_name, claim) = create_user(run, "create the test user").await?;
    if run.has(ContractId::GetUserByUsername) {
        run.step(
            ContractId::GetUserByUsername,
            "find the test user by userName",
            json!({"userName": user_name}),
            is_user(&id, &user_name),
        )
        .await?;
    }
    if run.has(ContractId::UpdateUser) {
        let mut changed = new_user(&user_name);
        changed["id"] = json!(id);
        changed["name"]["givenName"] = json!("Changed");
        run.step(
            ContractId::UpdateUser,
            "change the test user's given name",
            json!({"user": changed}),
            |o| given_name(o, "Changed"),
        )
        .await?;
        let read = run
            .step(
                ContractId::GetUser,
                "read the change back",
                json!({"userId": id}),
                is_user(&id, &user_name),
            )
            .await?;
        let kept = given_name(&read, "Changed");
        run.expect(
            ContractId::UpdateUser,
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
    if run.has(ContractId::UpdateUserPassword) {
        let password = format!("Iv-{}-{}!", run.unique(), "9xQ");
        run.step(
            ContractId::UpdateUserPassword,
            "set a new password on the test user",
            json!({"userId": id, "password": password}),
            ok,
        )
        .await?;
    }
    if run.has(ContractId::DeactivateUser) {
        if run.traits.removes {
            removed(run, &id, claim).await?;
        } else {
            set_active(run, &id, &user_name, false).await?;
            if run.has(ContractId::ActivateUser) {
                set_active(run, &id, &user_name, true).await?;
            }
        }
    }
    Ok(())
}

/// `deactivation "removes"`: after deactivate-user, get-user ends RESOURCE_NOT_FOUND and
/// list-users (when the project has it) no longer lists the user.
async fn removed(run: &mut ScenarioRun<'_>, id: &str, claim: Option<ClaimId>) -> Result<(), Stop> {
    run.step(
        ContractId::DeactivateUser,
        "deactivate the test user (deactivation \"removes\")",
        json!({"userId": id}),
        ok,
    )
    .await?;
    run.step_fails(
        ContractId::GetUser,
        "after deactivate-user, get-user ends RESOURCE_NOT_FOUND (the user is removed)",
        json!({"userId": id}),
        "RESOURCE_NOT_FOUND",
    )
    .await?;
    if run.has(ContractId::ListUsers) {
        let users = page_through(run, ContractId::ListUsers, json!({})).await?;
        run.expect(
            ContractId::DeactivateUser,
            "after deactivate-user, list-users no longer lists the user",
            !ids(&users).contains(&id),
            format!(
                "after deactivate-user (deactivation \"removes\"), list-users still lists `{id}`"
            ),
        )?;
    }
    run.undone(claim);
    Ok(())
}

/// deactivate-user (`active` false) or activate-user (true) on the test user, and get-user must
/// show the change.
async fn set_active(
    run: &mut ScenarioRun<'_>,
    id: &str,
    user_name: &str,
    active: bool,
) -> Result<(), Stop> {
    let (contract, what, shows) = if active {
        (
            ContractId::ActivateUser,
            "activate the test user again",
            "get-user shows it active",
        )
    } else {
        (
            ContractId::DeactivateUser,
            "deactivate the test user",
            "get-user shows it inactive",
        )
    };
    run.step(contract, what, json!({"userId": id}), ok).await?;
    let read = run
        .step(
            ContractId::GetUser,
            &format!("read it back: after {contract}, get-user must show `active` {active}"),
            json!({"userId": id}),
            is_user(id, user_name),
        )
        .await?;
    run.expect(
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
