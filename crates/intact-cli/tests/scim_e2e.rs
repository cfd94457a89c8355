//! The SCIM example end to end against a real SCIM 2.0 server: `scim2-server` from PyPI, started
//! here on a free port with a bearer token. Every action runs through `intact run`, as a user would.
//!
//! `bash tests/run.sh` installs the server into target/test-venv and sets INTACT_SCIM2_SERVER.

use std::path::{Path, PathBuf};
use std::process::Command;

use support::scim::{TOKEN, copy_dir, start_server};

use serde_json::{Value, json};

mod support;

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new(port: u16) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let example =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scim-provisioning");
        copy_dir(&example, dir.path());
        std::fs::write(
            dir.path().join("env/e2e.toml"),
            format!("[app]\nhost = \"127.0.0.1:{port}\"\n\n[connection.scim]\ntoken = {{ env = \"SCIM_TOKEN\" }}\nbase-url = \"http://127.0.0.1:{port}/v2\"\n"),
        )
        .unwrap();
        Project { dir }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// Runs an action; returns (exit code, output JSON).
    fn run(&self, action: &str, input: Value) -> (i32, Value) {
        let input_file = self.dir.path().join("input.json");
        std::fs::write(&input_file, input.to_string()).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_intact"))
            .args([
                "run",
                action,
                "--input",
                input_file.to_str().unwrap(),
                "--env",
                "e2e",
                "--trace",
            ])
            .current_dir(self.path())
            .env("SCIM_TOKEN", TOKEN)
            .output()
            .unwrap();
        let (out, err) = (
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr),
        );
        assert!(
            !out.contains(TOKEN) && !err.contains(TOKEN),
            "{action}: the token leaked:\n{out}\n{err}"
        );
        assert!(!err.contains("panicked"), "{action}: {err}");
        let value = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("{action}: output is not JSON ({e}):\n{out}\n{err}"));
        (o.status.code().unwrap_or(-1), value)
    }

    fn ok(&self, action: &str, input: Value) -> Value {
        let (code, out) = self.run(action, input);
        assert_eq!(code, 0, "{action} failed: {out}");
        assert_eq!(
            out["executionStatus"]["status"], "SUCCEEDED",
            "{action}: {out}"
        );
        out
    }
}

fn user(name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"value": name, "type": "work", "primary": true}],
        "active": true
    })
}

#[test]
fn the_scim_example_runs_every_action_against_scim2_server() {
    let server = start_server();
    let p = Project::new(server.port);

    // Users: create, get, get by userName, update, deactivate and activate, password.
    let jane = p.ok("create_user", json!({"user": user("jane@example.com")}));
    let id = jane["user"]["id"]
        .as_str()
        .expect("the server assigns an id")
        .to_string();
    assert_eq!(jane["user"]["userName"], "jane@example.com");
    assert_eq!(
        p.ok("get_user", json!({"userId": id}))["user"]["name"]["givenName"],
        "Jane"
    );
    assert_eq!(
        p.ok(
            "get_user_by_username",
            json!({"userName": "jane@example.com"})
        )["user"]["id"],
        id.as_str()
    );
    let mut changed = user("jane@example.com");
    changed["id"] = json!(id);
    changed["title"] = json!("CTO");
    assert_eq!(
        p.ok("update_user", json!({"user": changed}))["user"]["title"],
        "CTO"
    );
    p.ok("deactivate_user", json!({"userId": id}));
    assert_eq!(
        p.ok("get_user", json!({"userId": id}))["user"]["active"],
        false
    );
    p.ok("activate_user", json!({"userId": id}));
    assert_eq!(
        p.ok("get_user", json!({"userId": id}))["user"]["active"],
        true
    );
    p.ok(
        "update_user_password",
        json!({"userId": id, "password": "N3w-passw0rd!"}),
    );

    // Listing pages through every user, one per page.
    for name in ["bob@example.com", "carol@example.com"] {
        p.ok("create_user", json!({"user": user(name)}));
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let mut input = json!({"pagination": {"limit": 1}});
        if let Some(c) = &cursor {
            input["pagination"]["cursor"] = json!(c);
        }
        let page = p.ok("list_users", input);
        for r in page["resources"].as_array().unwrap() {
            seen.push(r["userName"].as_str().unwrap().to_string());
        }
        match page["pagination"]["nextCursor"].as_str() {
            Some(c) if !c.is_empty() => cursor = Some(c.to_string()),
            _ => break,
        }
    }
    seen.sort();
    assert_eq!(
        seen,
        ["bob@example.com", "carol@example.com", "jane@example.com"]
    );

    // A missing user is RESOURCE_NOT_FOUND, exit 1.
    let (code, out) = p.run("get_user", json!({"userId": "does-not-exist"}));
    assert_eq!(code, 1);
    assert_eq!(
        out["executionStatus"]["errors"][0]["type"],
        "RESOURCE_NOT_FOUND"
    );
    assert_eq!(out["executionStatus"]["errors"][0]["httpStatusCode"], 404);

    // Groups and membership.
    let group = p.ok("create_group", json!({"group": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineering"}}));
    let gid = group["group"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        p.ok("get_group", json!({"groupId": gid}))["group"]["displayName"],
        "Engineering"
    );
    let found = p.ok(
        "list_groups_by_display_name",
        json!({"displayName": "Engineering"}),
    );
    assert_eq!(found["resources"][0]["id"], gid.as_str());
    assert!(
        !p.ok("list_groups", json!({}))["resources"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    p.ok(
        "add_group_members",
        json!({"groupId": gid, "groupMembers": [{"value": id}]}),
    );
    let members = p.ok("list_group_members", json!({"groupId": gid}));
    assert_eq!(members["resources"][0]["value"], id.as_str(), "{members}");
    p.ok(
        "remove_group_members",
        json!({"groupId": gid, "groupMembers": [{"value": id}]}),
    );
    assert_eq!(
        p.ok("list_group_members", json!({"groupId": gid}))["resources"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let renamed = p.ok("update_group", json!({"group": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": gid, "displayName": "Platform"}}));
    assert_eq!(renamed["group"]["displayName"], "Platform");
    p.ok("remove_group", json!({"groupId": gid}));
    let (code, out) = p.run("get_group", json!({"groupId": gid}));
    assert_eq!(
        (code, out["executionStatus"]["errors"][0]["type"].clone()),
        (1, json!("RESOURCE_NOT_FOUND"))
    );

    // Schema discovery.
    let schema = p.ok(
        "list_user_schema",
        json!({"scim": {"baseUri": format!("http://127.0.0.1:{}/v2", server.port), "authMode": "bearer", "entitlementTypes": []}}),
    );
    let names: Vec<&str> = schema["schemaProperties"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(names.contains(&"userName"), "{names:?}");
}
