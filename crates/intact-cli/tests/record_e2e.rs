//! `intact run --record DIR` against a real SCIM 2.0 server (scim2-server): each run written as a
//! mock test; the server stopped, `intact test` replays them offline and they pass; no secret in
//! any recorded file; recording again updates a file in place, keeps one edited by hand unless
//! `--force`, and writes nothing when the API cannot be reached.
//!
//! `bash tests/run.sh` installs the server into target/test-venv and sets INTACT_SCIM2_SERVER.

use std::process::Command;

use support::scim::{TOKEN, example_project, intact, start_server};

mod support;

fn example(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_intact"))
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn recorded_runs_replay_offline_and_hold_no_secret() {
    let server = start_server();
    let dir = example_project(server.port, |_| {});
    let root = dir.path();
    std::fs::write(
        root.join("create.json"),
        example(&["contracts", "create-user", "--example", "--input"]),
    )
    .unwrap();
    std::fs::write(root.join("list.json"), r#"{"pagination": {"limit": 10}}"#).unwrap();
    let record = |name: &str, input: &str, more: &[&str]| {
        let mut args = vec![
            "run",
            name,
            "--input",
            input,
            "--env",
            "e2e",
            "--record",
            "tests/recorded",
        ];
        args.extend(more);
        intact(root, &args)
    };

    let (code, _, err) = record("create_user", "create.json", &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("recorded tests/recorded/create_user.kdl"),
        "{err}"
    );
    let (code, _, err) = record("list_users", "list.json", &[]);
    assert_eq!(code, 0, "{err}");

    // Again, nothing changed on the server: the file is the same.
    let listed = root.join("tests/recorded/list_users.kdl");
    let first = std::fs::read_to_string(&listed).unwrap();
    let (code, _, err) = record("list_users", "list.json", &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("unchanged"), "{err}");

    // Edited by hand: kept, unless --force.
    std::fs::write(&listed, format!("// my note\n{first}")).unwrap();
    let (code, _, err) = record("list_users", "list.json", &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("was edited since it was recorded"), "{err}");
    assert!(
        std::fs::read_to_string(&listed)
            .unwrap()
            .starts_with("// my note")
    );
    let (code, _, err) = record("list_users", "list.json", &["--force"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&listed).unwrap(), first);

    for f in ["create_user.kdl", "list_users.kdl"] {
        let text = std::fs::read_to_string(root.join("tests/recorded").join(f)).unwrap();
        assert!(!text.contains(TOKEN), "{f} holds the token");
        assert!(text.contains("token=\"recorded\""), "{f}:\n{text}");
    }

    // Offline: the server is gone; the recorded tests replay against their mocks.
    drop(server);
    let (code, out, err) = intact(root, &["test", "--filter", "recorded_"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("2 passed, 0 failed"), "{out}");
    let (code, _, _) = intact(root, &["check"]);
    assert_eq!(code, 0);

    // The action changed: it no longer sends what was recorded, so its recorded test fails.
    let users = root.join("actions/users.kdl");
    let text = std::fs::read_to_string(&users).unwrap();
    std::fs::write(&users, text.replacen("\"startIndex\"", "\"start\"", 1)).unwrap();
    let (code, out, _) = intact(root, &["test", "--filter", "recorded_list_users"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAILED recorded_list_users"), "{out}");
    std::fs::write(&users, text).unwrap();

    // Nothing reachable: nothing recorded, the file kept.
    let (code, _, err) = record("list_users", "list.json", &[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("nothing recorded"), "{err}");
    assert_eq!(std::fs::read_to_string(&listed).unwrap(), first);
}

/// `intact verify --record DIR`: a file per scenario, a test per step whose action answered; the
/// server stopped, they all pass offline; no token in them.
#[test]
fn a_verify_run_recorded_replays_offline() {
    let server = start_server();
    let dir = example_project(server.port, |_| {});
    let root = dir.path();
    let (code, out, err) = intact(
        root,
        &[
            "verify",
            "--env",
            "e2e",
            "--only",
            "users",
            "--only",
            "lookups",
            "--record",
            "tests/recorded",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    drop(server);
    for f in ["verify_users.kdl", "verify_lookups.kdl"] {
        let text = std::fs::read_to_string(root.join("tests/recorded").join(f))
            .unwrap_or_else(|e| panic!("{f}: {e}\n{err}"));
        assert!(!text.contains(TOKEN), "{f} holds the token");
    }
    let (code, out, err) = intact(root, &["test", "--filter", "verify_"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains(" passed, 0 failed"), "{out}");
    assert!(out.contains("verify_users_1_create_user"), "{out}");
}
