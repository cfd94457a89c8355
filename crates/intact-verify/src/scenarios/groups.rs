//! The `groups` scenario: a test group created, read, found, renamed, given a member and emptied,
//! then removed and seen gone.

use serde_json::{Value as J, json};

use super::users::create_user;
use super::{GROUP_SCHEMA, ids, ok, page_through};
use crate::scenario_run::{ClaimId, Kind, ScenarioRun, Stop, shown};
use intact_model::contracts::ContractId;

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

pub(super) async fn groups(run: &mut ScenarioRun<'_>) -> Result<(), Stop> {
    let name = run.unique();
    let claim = run.claim(Kind::Group, &name);
    let out = run
        .create(
            ContractId::CreateGroup,
            "create the test group",
            json!({"group": {"schemas": [GROUP_SCHEMA], "displayName": name}}),
            is_group("", &name),
            Some((claim, "group")),
        )
        .await?;
    let id = out["group"]["id"].as_str().unwrap_or("").to_string();
    run.step(
        ContractId::GetGroup,
        "read the test group",
        json!({"groupId": id}),
        is_group(&id, &name),
    )
    .await?;
    find(run, &id, &name).await?;
    if run.has(ContractId::UpdateGroup) {
        rename(run, claim, &id, &name).await?;
    }
    if run.has(ContractId::AddGroupMembers)
        && run.has(ContractId::ListGroupMembers)
        && run.can_create_users()
    {
        members(run, &id).await?;
    }
    run.step(
        ContractId::RemoveGroup,
        "remove the test group",
        json!({"groupId": id}),
        ok,
    )
    .await?;
    run.step_fails(
        ContractId::GetGroup,
        "the removed group is gone",
        json!({"groupId": id}),
        "RESOURCE_NOT_FOUND",
    )
    .await?;
    run.undone(claim);
    Ok(())
}

/// The test group is found by its displayName, or else listed (when the project can do either).
async fn find(run: &mut ScenarioRun<'_>, id: &str, name: &str) -> Result<(), Stop> {
    if run.has(ContractId::ListGroupsByDisplayName) {
        let out = run
            .step(
                ContractId::ListGroupsByDisplayName,
                "find the test group by displayName",
                json!({"displayName": name}),
                ok,
            )
            .await?;
        let found = out["resources"].as_array().cloned().unwrap_or_default();
        run.expect(
            ContractId::ListGroupsByDisplayName,
            "the test group is found",
            ids(&found).contains(&id),
            format!(
                "the groups found, {}, do not include the test group",
                shown(&out["resources"])
            ),
        )?;
    } else if run.has(ContractId::ListGroups) {
        let all = page_through(run, ContractId::ListGroups, json!({})).await?;
        run.expect(
            ContractId::ListGroups,
            "the test group is listed",
            ids(&all).contains(&id),
            format!(
                "the {} group(s) listed do not include the test group",
                all.len()
            ),
        )?;
    }
    Ok(())
}

/// update-group renames the test group (a name the claim also answers to), and the new name
/// reads back.
async fn rename(
    run: &mut ScenarioRun<'_>,
    claim: Option<ClaimId>,
    id: &str,
    name: &str,
) -> Result<(), Stop> {
    let renamed = format!("{name} renamed");
    run.also_named(claim, &renamed);
    run.step(
        ContractId::UpdateGroup,
        "rename the test group",
        json!({"group": {"schemas": [GROUP_SCHEMA], "id": id, "displayName": renamed}}),
        is_group(id, &renamed),
    )
    .await?;
    let read = run
        .step(
            ContractId::GetGroup,
            "read the new name back",
            json!({"groupId": id}),
            ok,
        )
        .await?;
    run.expect(
        ContractId::UpdateGroup,
        "the new name is kept",
        is_group(id, &renamed)(&read).is_ok(),
        format!(
            "get-group after update-group shows the displayName {}",
            shown(&read["group"]["displayName"])
        ),
    )
}

/// A test user added to the test group is listed as its member, and (when the project can remove
/// members) removed and no longer listed.
async fn members(run: &mut ScenarioRun<'_>, id: &str) -> Result<(), Stop> {
    let (member, ..) = create_user(run, "create a test user to be a member").await?;
    let members = json!({"groupId": id, "groupMembers": [{"value": member}]});
    run.step(
        ContractId::AddGroupMembers,
        "add the test user to the test group",
        members.clone(),
        ok,
    )
    .await?;
    let listed = page_through(run, ContractId::ListGroupMembers, json!({"groupId": id})).await?;
    let values = |l: &[J]| -> Vec<String> {
        l.iter()
            .filter_map(|m| m["value"].as_str().map(str::to_string))
            .collect()
    };
    run.expect(
        ContractId::AddGroupMembers,
        "list-group-members shows the member",
        values(&listed).contains(&member),
        format!(
            "after add-group-members, list-group-members lists {}",
            shown(&J::Array(listed.clone()))
        ),
    )?;
    if run.has(ContractId::RemoveGroupMembers) {
        run.step(
            ContractId::RemoveGroupMembers,
            "remove the test user from the test group",
            members,
            ok,
        )
        .await?;
        let listed =
            page_through(run, ContractId::ListGroupMembers, json!({"groupId": id})).await?;
        run.expect(
            ContractId::RemoveGroupMembers,
            "list-group-members no longer shows the member",
            !values(&listed).contains(&member),
            format!("after remove-group-members, list-group-members still lists {member}"),
        )?;
    }
    Ok(())
}
