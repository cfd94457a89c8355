//! `intact plan` on a temporary git repository with two commits: the plan of the project, what
//! changed since the first commit (a body field, a header, a request added) as Markdown and
//! JSON, exit codes as `terraform plan -detailed-exitcode` (0 no change, 2 changes, 1 an error),
//! and a revision that does not exist or holds no project.

#[path = "support/binary.rs"]
mod binary;

use std::path::Path;
use std::process::Command;

use binary::{assert_exit, intact, stderr, stdout};

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args([
            "-c",
            "user.name=intact",
            "-c",
            "user.email=intact@example.com",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs (the tests need git: apt-get install -y git)");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The universal-logout example in a repository's `integration/` folder: committed, then changed
/// and committed again.
fn repository() -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/universal-logout");
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("integration");
    for f in intact_model::project::files(&src).unwrap() {
        let to = project.join(f.strip_prefix(&src).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&f, &to).unwrap();
    }
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "first"]);
    let action = project.join("actions/universal_logout.kdl");
    let text = std::fs::read_to_string(&action).unwrap().replace(
        "                reason \"universal_logout\"\n",
        "                reason \"logout\"\n",
    );
    std::fs::write(&action, text).unwrap();
    let conn = project.join("connections/acme.kdl");
    let text = std::fs::read_to_string(&conn).unwrap();
    assert!(text.contains("connection \"acme\""), "{text}");
    std::fs::write(
        &conn,
        text.replacen(
            "connection \"acme\" {\n",
            "connection \"acme\" {\n    header \"X-Client\" \"intact\"\n",
            1,
        ),
    )
    .unwrap();
    git(dir.path(), &["commit", "-q", "-am", "second"]);
    dir
}

#[test]
fn the_plan_lists_each_action_s_requests_with_mock_addresses_that_do_not_change() {
    let dir = repository();
    let p = dir.path().join("integration");
    let o = intact(&["plan"], &p);
    assert_exit(&o, 0);
    let text = stdout(&o);
    assert!(text.contains("action universal_logout"), "{text}");
    assert!(
        text.contains("revoke: POST mock://acme/users/u-123/sessions/revoke"),
        "{text}"
    );
    assert!(!text.contains("127.0.0.1"), "{text}");
    assert!(!text.contains("test-key"), "the API key is masked:\n{text}");
    let o = intact(&["plan", "--format", "json"], &p);
    assert_exit(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["targets"][0]["name"], "universal_logout");
}

#[test]
fn against_a_revision_the_changes_are_listed_and_the_exit_code_says_so() {
    let dir = repository();
    let p = dir.path().join("integration");
    let o = intact(&["plan", "--against", "HEAD~1"], &p);
    assert_exit(&o, 2);
    let md = stdout(&o);
    assert!(
        md.starts_with("### intact plan: 1 action(s) or flow(s) send different requests"),
        "{md}"
    );
    assert!(md.contains("**action `universal_logout`**"), "{md}");
    assert!(
        md.contains("- changed `POST mock://acme/users/u-123/sessions/revoke` (step `revoke`)"),
        "{md}"
    );
    assert!(
        md.contains("body `reason`: `\"universal_logout\"` → `\"logout\"`"),
        "{md}"
    );
    assert!(md.contains("header `x-client`: (none) → `intact`"), "{md}");

    let o = intact(&["plan", "--against", "HEAD~1", "--format", "json"], &p);
    assert_exit(&o, 2);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["changed"], 1);
    let change = &v["targets"][0]["tests"][0]["requests"][0];
    assert_eq!(change["change"], "changed");

    // Unchanged since the last commit: nothing listed, exit 0.
    let o = intact(&["plan", "--against", "HEAD"], &p);
    assert_exit(&o, 0);
    assert_eq!(stdout(&o), "### intact plan: no request changes\n");
}

#[test]
fn a_revision_that_does_not_exist_or_holds_no_project_is_an_error() {
    let dir = repository();
    let p = dir.path().join("integration");
    let o = intact(&["plan", "--against", "no-such-branch"], &p);
    assert_exit(&o, 1);
    assert!(
        stderr(&o).contains("`no-such-branch` is not a revision"),
        "{}",
        stderr(&o)
    );
    // A project added in the last commit: the one before has none in its folder.
    std::fs::create_dir_all(dir.path().join("other")).unwrap();
    std::fs::write(
        dir.path().join("other/intact.kdl"),
        "project \"other\" {\n    display-name \"Other\"\n}\n",
    )
    .unwrap();
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "another project"]);
    let o = intact(&["plan", "--against", "HEAD~1"], &dir.path().join("other"));
    assert_exit(&o, 1);
    assert!(
        stderr(&o).contains("there is no intact.kdl in other"),
        "{}",
        stderr(&o)
    );
}
