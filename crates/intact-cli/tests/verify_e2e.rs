//! `intact verify` end to end against a real SCIM 2.0 server (`scim2-server` from PyPI): the SCIM
//! example passes every scenario that applies and leaves no test group and no active test user
//! behind; broken copies of it are caught at the contract that broke; the JSON report fits its
//! schema (schemas/verify-report.schema.json).
//!
//! `bash tests/run.sh` installs the server into target/test-venv and sets INTACT_SCIM2_SERVER.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use support::scim::{TOKEN, start_server};

mod support;

/// A copy of the SCIM example pointed at the server on `port`, changed by `edit`.
fn project(port: u16, edit: impl FnOnce(&Path)) -> tempfile::TempDir {
    support::scim::example_project(port, edit)
}

/// Replaces `from` by `to` in a file of the project, which must hold it.
fn replace(root: &Path, file: &str, from: &str, to: &str) {
    let path = root.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} no longer holds {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// Runs `intact ARGS --env e2e` in the project; answers the exit code and standard output.
fn intact(root: &Path, args: &[&str]) -> (i32, String) {
    let args: Vec<&str> = args.iter().copied().chain(["--env", "e2e"]).collect();
    let (code, out, _) = support::scim::intact(root, &args);
    (code, out)
}

fn verify_json(root: &Path, only: &[&str]) -> (i32, Value) {
    let mut args = vec!["verify", "--format", "json"];
    for o in only {
        args.extend(["--only", o]);
    }
    let (code, out) = intact(root, &args);
    let report = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("the report is not JSON ({e}):\n{out}"));
    (code, report)
}

/// The server's resources of one type, read directly with `intact call`.
fn resources(root: &Path, path: &str) -> Vec<Value> {
    let (code, out) = intact(
        root,
        &["call", "scim", "GET", path, "--query", "count=1000"],
    );
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    v["body"]["Resources"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn report_schema() -> jsonschema::Validator {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/verify-report.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn the_scim_example_passes_every_scenario_and_leaves_nothing_behind() {
    let server = start_server();
    let p = project(server.port, |_| {});
    let (code, report) = verify_json(p.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    let errors: Vec<String> = report_schema()
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "the report does not fit its schema: {errors:?}"
    );
    let ran: Vec<&str> = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["skipped"].is_null())
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(ran, ["users", "lookups", "paging", "groups", "schema"]);
    // The example has no universal-logout action: that scenario says so instead of running.
    let logout = &report["scenarios"][5];
    assert_eq!(logout["name"], "logout");
    assert!(
        logout["skipped"]
            .as_str()
            .unwrap()
            .contains("universal-logout"),
        "{logout}"
    );
    let steps = report["scenarios"][0]["steps"].as_array().unwrap();
    let contracts: Vec<&str> = steps
        .iter()
        .map(|s| s["contract"].as_str().unwrap())
        .collect();
    for c in [
        "create-user",
        "get-user",
        "get-user-by-username",
        "update-user",
        "deactivate-user",
        "activate-user",
        "update-user-password",
    ] {
        assert!(
            contracts.contains(&c),
            "the users scenario never ran {c}: {contracts:?}"
        );
    }
    assert!(report["left"].as_array().unwrap().is_empty(), "{report:#}");

    // Nothing is left behind: every test user is inactive, no test group remains.
    let run = report["run"].as_str().unwrap();
    let mark = format!("intact-verify-{run}-");
    let users: Vec<Value> = resources(p.path(), "/Users")
        .into_iter()
        .filter(|u| u["userName"].as_str().is_some_and(|n| n.starts_with(&mark)))
        .collect();
    assert!(
        users.len() >= 4,
        "the run's test users are not on the server: {users:?}"
    );
    for u in &users {
        assert_eq!(
            u["active"],
            json!(false),
            "a test user is still active: {u}"
        );
    }
    let groups: Vec<Value> = resources(p.path(), "/Groups")
        .into_iter()
        .filter(|g| {
            g["displayName"]
                .as_str()
                .is_some_and(|n| n.starts_with(&mark))
        })
        .collect();
    assert!(groups.is_empty(), "test groups are left: {groups:?}");

    // The plan sends nothing: the server holds no test data of a dry run.
    let (code, out) = intact(p.path(), &["verify", "--dry-run", "--only", "groups"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("nothing is sent") && out.contains("create-group"),
        "{out}"
    );
    let dry_mark = out
        .split("named intact-verify-")
        .nth(1)
        .and_then(|r| r.split('-').next())
        .unwrap()
        .to_string();
    assert!(
        !resources(p.path(), "/Groups")
            .iter()
            .any(|g| g["displayName"]
                .as_str()
                .is_some_and(|n| n.contains(&dry_mark))),
        "a dry run created a group"
    );
}

/// A broken copy of the example, the scenario that must catch it, the contract it must blame and
/// what the failure must say.
struct Broken {
    what: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    scenario: &'static str,
    contract: &'static str,
    says: &'static str,
}

const BROKEN: &[Broken] = &[
    Broken {
        what: "a deactivate-user that does not deactivate",
        file: "actions/users.kdl",
        from: "        active #false\n",
        to: "        active #true\n",
        scenario: "users",
        contract: "deactivate-user",
        says: "after deactivate-user, get-user shows `active`: true",
    },
    Broken {
        what: "a list-users whose cursor never advances",
        file: "actions/users.kdl",
        from: "nextCursor \"${steps.next}\"",
        to: "nextCursor \"1\"",
        scenario: "paging",
        contract: "list-users",
        says: "gives the cursor `1` again",
    },
    Broken {
        // The wrong operator: any user but the one asked for (the scenario creates a second
        // user first, so there always is one).
        what: "a get-user-by-username that returns another user",
        file: "actions/users.kdl",
        from: "#\"userName eq \"",
        to: "#\"userName ne \"",
        scenario: "users",
        contract: "get-user-by-username",
        says: "not the test user",
    },
    Broken {
        // It answers the user it was given, which has no id yet: `intact check` cannot know.
        what: "a create-user whose output misses the required id",
        file: "actions/users.kdl",
        from: "        user \"${scim_user(steps.create.body)}\"\n",
        to: "        user \"${input.user}\"\n",
        scenario: "users",
        contract: "create-user",
        says: "\"id\" is a required property",
    },
];

#[test]
fn broken_copies_are_caught_at_the_contract_that_broke() {
    let server = start_server();
    for b in BROKEN {
        let p = project(server.port, |root| replace(root, b.file, b.from, b.to));
        let (code, report) = verify_json(p.path(), &[b.scenario]);
        assert_eq!(code, 1, "{}: verify passed:\n{report:#}", b.what);
        let scenario = &report["scenarios"][0];
        assert_eq!(scenario["passed"], false, "{}", b.what);
        let failed: Vec<&Value> = scenario["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["passed"] == false)
            .collect();
        assert_eq!(
            failed.len(),
            1,
            "{}: the scenario goes on after a failure: {scenario:#}",
            b.what
        );
        assert_eq!(
            failed[0]["contract"], b.contract,
            "{}: {scenario:#}",
            b.what
        );
        let message = failed[0]["message"].as_str().unwrap();
        assert!(
            message.contains(b.says),
            "{}: the failure says {message:?}",
            b.what
        );
        assert!(
            report["scenarios"][0]["steps"]
                .as_array()
                .unwrap()
                .last()
                .unwrap()["passed"]
                == false,
            "{}: steps ran after the failure",
            b.what
        );
    }
}

/// `--report html`: the broken lookup's page in headless Chromium, offline: the failed scenario
/// first, the failed step with its message, its action's graph and its requests; the token in
/// no corner of the file.
#[test]
fn the_html_report_of_a_failed_run_shows_the_step_that_failed() {
    let server = start_server();
    let b = &BROKEN[2];
    let p = project(server.port, |root| replace(root, b.file, b.from, b.to));
    let report = p.path().join("verify.html");
    let (code, _) = intact(
        p.path(),
        &[
            "verify",
            "--only",
            "users",
            "--only",
            "lookups",
            "--report",
            "html",
            &report.display().to_string(),
        ],
    );
    assert_eq!(code, 1);
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(!html.contains(TOKEN), "the token reached the report");
    let url = format!("file://{}", report.display());
    let dom = String::from_utf8_lossy(&support::browser::browser(&["--dump-dom", &url]).stdout)
        .into_owned();
    let sections = support::browser::sections(&dom).unwrap_or_else(|e| panic!("{e}:\n{dom}"));
    assert_eq!(
        sections[0].0, "failed",
        "the failed scenario is not first:\n{dom}"
    );
    let users = &sections[0].1;
    assert!(users.contains("data-name=\"users\""), "{users}");
    let step = users
        .split("<div class=\"step failed\"")
        .nth(1)
        .unwrap_or_else(|| panic!("no failed step:\n{users}"));
    assert!(
        step.contains("data-contract=\"get-user-by-username\""),
        "{step}"
    );
    assert!(step.contains("not the test user"), "{step}");
    assert!(
        step.contains("<figure class=\"graph\""),
        "no graph of the action:\n{step}"
    );
    assert!(
        step.contains("GET http://127.0.0.1:"),
        "no request of the step:\n{step}"
    );
    assert!(dom.contains("id=\"cleanup\""), "{dom}");
}

/// On a terminal (a pseudo-terminal from util-linux's `script`) a spinner says which step runs;
/// with standard error captured, nothing of it is printed.
#[test]
fn a_spinner_shows_the_running_step_on_a_terminal_only() {
    let server = start_server();
    let p = project(server.port, |_| {});
    let line = format!(
        "{} verify --env e2e --only lookups",
        env!("CARGO_BIN_EXE_intact")
    );
    let o = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(p.path())
        .env("SCIM_TOKEN", TOKEN)
        .env_remove("CI")
        .output()
        .expect("util-linux's `script` runs (apt-get install -y util-linux)");
    let drawn = String::from_utf8_lossy(&o.stdout);
    assert!(
        drawn.contains("verifying ("),
        "no spinner on a terminal:\n{drawn}"
    );
    assert!(!drawn.contains(TOKEN));
    let o = Command::new(env!("CARGO_BIN_EXE_intact"))
        .args(["verify", "--env", "e2e", "--only", "lookups"])
        .current_dir(p.path())
        .env("SCIM_TOKEN", TOKEN)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !err.contains("verifying ("),
        "a spinner without a terminal:\n{err}"
    );
}

/// `intact package --verify-report`: the provider's test plan filled from a real verify report of
/// the SCIM example: the cases behind the scenarios that ran show their steps passed; the ones no
/// scenario exercises are by hand only.
#[test]
fn the_test_plan_is_filled_from_a_real_verify_report() {
    let server = start_server();
    let p = project(server.port, |_| {});
    let (code, report) = verify_json(p.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    std::fs::write(p.path().join("verify.json"), report.to_string()).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_intact"))
        .args([
            "package",
            "--verify-report",
            "verify.json",
            "--out",
            "submission",
        ])
        .current_dir(p.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(p.path().join("submission/test-plan.md")).unwrap();
    let row = |id: &str| {
        md.lines()
            .find(|l| l.starts_with(&format!("| {id} |")))
            .unwrap_or_else(|| panic!("no row for {id}:\n{md}"))
            .to_string()
    };
    assert!(row("C9290").contains("| passed ("), "{}", row("C9290"));
    assert!(row("C9292").contains("deactivate-user"), "{}", row("C9292"));
    assert!(row("C9292").contains("| passed ("), "{}", row("C9292"));
    assert!(
        row("C9303").contains("| passed ("),
        "paging: {}",
        row("C9303")
    );
    assert!(row("C9370").contains("by hand only"), "{}", row("C9370"));
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(p.path().join("submission/test-plan.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(v["cases"].as_array().unwrap().len(), 69);
    assert!(md.contains("From the verify report: **"), "{md}");
}
