//! Progress is drawn for people only: on a terminal (a pseudo-terminal from util-linux's
//! `script`) `intact test` with many tests shows a bar and the import of a large description a
//! spinner; with standard error captured, or with `CI` set, nothing extra is printed.

#[path = "support/binary.rs"]
mod binary;

use std::path::Path;
use std::process::Command;

use binary::{assert_exit, intact_with, project};

/// Runs `intact ARGS` in `dir` on a pseudo-terminal; everything it drew, and its exit code.
fn on_a_terminal(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> (String, i32) {
    let line = std::iter::once(env!("CARGO_BIN_EXE_intact").to_string())
        .chain(args.iter().map(|a| format!("'{a}'")))
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"])
        .current_dir(dir)
        .env_remove("CI");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd
        .output()
        .expect("util-linux's `script` runs (apt-get install -y util-linux)");
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        o.status.code().unwrap_or(-1),
    )
}

/// A project with 30 tests of one flow.
fn many_tests() -> tempfile::TempDir {
    let mut tests = String::new();
    for i in 0..30 {
        tests.push_str(&format!(
            "test \"echo_{i}\" flow=\"echo\" {{\n    input {{ v \"{i}\" }}\n    expect \"{i}\"\n}}\n"
        ));
    }
    project(&[
        (
            "intact.kdl",
            "project \"p\" {\n    display-name \"P\"\n}\nflow \"echo\" {\n    input \"v\" type=\"string\"\n    return \"${input.v}\"\n}\n",
        ),
        ("tests/echo.kdl", &tests),
    ])
}

#[test]
fn a_long_test_run_shows_a_bar_on_a_terminal_and_nothing_elsewhere() {
    let dir = many_tests();
    let (drawn, code) = on_a_terminal(&["test"], dir.path(), &[]);
    assert_eq!(code, 0, "{drawn}");
    assert!(
        drawn.contains("testing ["),
        "no progress bar on a terminal:\n{drawn}"
    );
    assert!(drawn.contains("30 passed, 0 failed"), "{drawn}");

    let (drawn, _) = on_a_terminal(&["test"], dir.path(), &[("CI", "true")]);
    assert!(!drawn.contains("testing ["), "a bar in CI:\n{drawn}");

    let o = intact_with(&["test"], dir.path(), &[]);
    assert_exit(&o, 0);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.is_empty(),
        "standard error is not a terminal, yet: {err}"
    );
}

#[test]
fn importing_a_large_description_shows_a_spinner_on_a_terminal_only() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/corpus/openapi/okta-management-3.0.yaml")
        .canonicalize()
        .unwrap();
    let spec = spec.display().to_string();
    let dir = tempfile::tempdir().unwrap();
    let (drawn, code) = on_a_terminal(
        &["import", "openapi", &spec, "--out", "okta", "--dry-run"],
        dir.path(),
        &[],
    );
    assert_eq!(code, 0, "{drawn}");
    assert!(
        drawn.contains("reading ") || drawn.contains("generating flows"),
        "no spinner on a terminal:\n{drawn}"
    );
    let o = intact_with(
        &["import", "openapi", &spec, "--out", "okta", "--dry-run"],
        dir.path(),
        &[],
    );
    assert_exit(&o, 0);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !err.contains("reading ") && !err.contains("generating flows"),
        "{err}"
    );
}
