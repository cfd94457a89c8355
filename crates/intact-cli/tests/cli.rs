//! The `intact` binary as users and CI run it: exit codes, output formats, and bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/binary.rs"]
mod binary;
#[path = "support/http.rs"]
mod http;
use binary::{assert_exit, intact, stderr, stdout};
use http::{answering_server, answering_server_with};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("intact.kdl").is_file())
        .collect();
    v.sort();
    assert!(v.len() >= 2, "the examples are missing");
    v
}

#[test]
fn every_example_checks_clean() {
    for ex in examples() {
        let o = intact(&["check", "--deny-warnings"], &ex);
        assert_exit(&o, 0);
        assert!(
            stdout(&o).contains("0 error(s), 0 warning(s)"),
            "{}",
            stdout(&o)
        );
    }
}

#[test]
fn check_finds_the_project_from_a_subfolder_and_a_file() {
    let ex = &examples()[0];
    let sub = std::fs::read_dir(ex)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .expect("an example has a subfolder");
    assert_exit(&intact(&["check"], &sub), 0);
    assert_exit(
        &intact(&["check", ex.join("intact.kdl").to_str().unwrap()], &repo()),
        0,
    );
}

#[test]
fn findings_exit_1_in_every_format() {
    let fx = repo().join("tests/fixtures/check/every-mistake");
    for format in ["human", "json", "sarif", "github", "junit"] {
        let o = intact(
            &["check", fx.to_str().unwrap(), "--format", format],
            &repo(),
        );
        assert_exit(&o, 1);
        assert!(
            stdout(&o).contains("http::path") || stdout(&o).contains("http%3A%3Apath"),
            "{format}: {}",
            stdout(&o)
        );
    }
}

#[test]
fn json_output_has_codes_files_and_lines() {
    let fx = repo().join("tests/fixtures/check/every-mistake");
    // From inside the project, files are named from its root.
    let o = intact(&["check", "--format", "json"], &fx);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["valid"], false);
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(
        v["error_count"].as_u64().unwrap() as usize,
        diags.iter().filter(|d| d["severity"] == "error").count()
    );
    let find = |code: &str| {
        diags
            .iter()
            .find(|d| d["code"] == code)
            .unwrap_or_else(|| panic!("{code} not reported"))
    };
    let path = find("http::path");
    assert_eq!(path["file"], "actions/users.kdl");
    assert_eq!(path["range"]["start"]["line"], 2);
    assert_eq!(path["range"]["start"]["column"], 26);
    let dup = find("name::duplicate");
    assert_eq!(dup["file"], "flows/helpers.kdl");
    assert_eq!(dup["labels"][0]["message"], "first defined here");
    assert_eq!(dup["labels"][0]["range"]["start"]["line"], 1);
    // A syntax error early in a file does not hide the later, unrelated mistake.
    let later = diags
        .iter()
        .find(|d| d["code"] == "test::unknown-target" && d["file"] == "tests/broken.kdl")
        .expect("later finding reported");
    assert_eq!(later["range"]["start"]["line"], 7);
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    // The published schema (copied unchanged from the npm package @microsoft/jest-sarif) has one
    // pattern with a stray `]` that Rust's regex engine rejects; it only constrains `run.language`,
    // which intact does not write, so the pattern is corrected in memory.
    let text = std::fs::read_to_string(repo().join("tests/fixtures/sarif-2.1.0-rtm.5.json"))
        .unwrap()
        .replace(
            r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
            r#""^[a-zA-Z]{2}$|^[a-zA-Z]{2}-[a-zA-Z]{2}$""#,
        );
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::draft4::new(&schema).expect("the SARIF schema compiles");
    for project in [
        "tests/fixtures/check/every-mistake",
        "tests/fixtures/check/no-project",
        "examples/universal-logout",
    ] {
        let o = intact(
            &[
                "check",
                repo().join(project).to_str().unwrap(),
                "--format",
                "sarif",
            ],
            &repo(),
        );
        let sarif: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("SARIF is JSON");
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{project}: SARIF does not validate:\n{}",
            errors.join("\n")
        );
        assert_eq!(sarif["version"], "2.1.0");
    }
}

#[test]
fn sarif_fingerprints_are_stable_across_runs() {
    let fx = repo().join("tests/fixtures/check/every-mistake");
    let a = stdout(&intact(
        &["check", fx.to_str().unwrap(), "--format", "sarif"],
        &repo(),
    ));
    let b = stdout(&intact(
        &["check", fx.to_str().unwrap(), "--format", "sarif"],
        &repo(),
    ));
    assert_eq!(a, b);
}

#[test]
fn github_annotations_are_one_line_each() {
    let fx = repo().join("tests/fixtures/check/every-mistake");
    let out = stdout(&intact(
        &["check", fx.to_str().unwrap(), "--format", "github"],
        &repo(),
    ));
    for line in out.lines() {
        assert!(
            line.starts_with("::error ")
                || line.starts_with("::warning ")
                || line.starts_with("::notice "),
            "{line}"
        );
        assert!(line.contains(",title=") && line.contains("file="), "{line}");
    }
    assert!(out.lines().count() > 40);
}

/// Every format names files as seen from where intact runs: CI annotates `sub/intact.kdl`, which
/// exists in the checkout, not `intact.kdl`, which does not.
#[test]
fn reports_name_files_from_the_working_directory() {
    let fx = "tests/fixtures/check/every-mistake";
    let root = repo();
    let github = stdout(&intact(&["check", fx, "--format", "github"], &root));
    let json = stdout(&intact(&["check", fx, "--format", "json"], &root));
    let sarif = stdout(&intact(&["check", fx, "--format", "sarif"], &root));
    let junit = stdout(&intact(&["check", fx, "--format", "junit"], &root));
    let human = stdout(&intact(&["check", fx], &root));
    for line in github.lines() {
        let file = line
            .split("file=")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap();
        assert!(file.starts_with(&format!("{fx}/")), "{line}");
        assert!(root.join(file).is_file(), "{file} does not exist: {line}");
    }
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    for d in v["diagnostics"].as_array().unwrap() {
        let file = d["file"].as_str().unwrap();
        assert!(root.join(file).is_file(), "{file}");
    }
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let base = v["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    let base = url::Url::parse(base).unwrap().to_file_path().unwrap();
    assert_eq!(base, root);
    for r in v["runs"][0]["results"].as_array().unwrap() {
        let loc = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(loc["uriBaseId"], "%SRCROOT%");
        assert!(base.join(loc["uri"].as_str().unwrap()).is_file(), "{loc}");
    }
    assert!(
        junit.contains(&format!("<testcase name=\"{fx}/intact.kdl\"")),
        "{junit}"
    );
    assert!(human.contains(&format!("[{fx}/intact.kdl:")), "{human}");
    // Run from inside the project, the names are the project's own.
    let inside = stdout(&intact(&["check", "--format", "github"], &root.join(fx)));
    assert!(inside.contains("file=intact.kdl,"), "{inside}");
}

/// Findings are bounded whatever a file holds: at most 200 per file and one `limit::findings` for
/// the rest (an error when an error was left out), and a long line is shown cropped around each
/// finding, with the file's own column in the header.
/// A name of 100,000 characters is echoed shortened in the message, in every report format.
#[test]
fn long_tokens_are_shortened_in_messages() {
    let dir = tempfile::tempdir().unwrap();
    let name = "n".repeat(100_000);
    std::fs::write(
        dir.path().join("intact.kdl"),
        format!("project \"p\" {{\n    display-name \"P\"\n}}\n{name}z 1\n"),
    )
    .unwrap();
    let o = intact(&["check", "--format", "json"], dir.path());
    assert_exit(&o, 1);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "schema::unknown-node", "{d}");
    let message = d["message"].as_str().unwrap();
    assert!(
        message.len() < 200 && message.contains("nnn…nnn") && message.contains("nnz`"),
        "{message}"
    );
    let o = intact(&["check"], dir.path());
    assert!(stdout(&o).len() < 4_000, "{} bytes", stdout(&o).len());
}

#[test]
fn findings_and_long_lines_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let line: String = (0..1600).map(|i| format!("bad{i} 1; ")).collect();
    std::fs::write(
        dir.path().join("intact.kdl"),
        format!("project \"p\" {{\n    display-name \"P\"\n}}\n{line}\n"),
    )
    .unwrap();
    let o = intact(&["check"], dir.path());
    assert_exit(&o, 1);
    let out = stdout(&o);
    assert!(out.len() < 200_000, "{} bytes of output", out.len());
    assert_eq!(out.matches("schema::unknown-node").count(), 200);
    assert!(
        out.contains("1400 more finding(s) in this file are not shown (1400 error(s))"),
        "{}",
        &out[out.len() - 2000..]
    );
    // `bad200` starts at byte 1890 of its line: column 1891, cropped around it.
    assert!(
        out.contains(",-[intact.kdl:4:1891]"),
        "{}",
        &out[out.len() - 2000..]
    );
    assert!(
        out.contains("│ …bad19") || out.contains("| …bad19"),
        "{}",
        &out[out.len() - 2000..]
    );
    let o = intact(&["check", "--format", "json"], dir.path());
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 201);
    let limit = diags
        .iter()
        .find(|d| d["code"] == "limit::findings")
        .unwrap();
    assert_eq!(limit["severity"], "error");
    assert_eq!(limit["range"]["start"]["column"], 1891);
}

#[test]
fn junit_has_one_case_per_file() {
    let fx = repo().join("tests/fixtures/check/every-mistake");
    let out = stdout(&intact(
        &["check", fx.to_str().unwrap(), "--format", "junit"],
        &repo(),
    ));
    let files = std::fs::read_dir(&fx).unwrap().count();
    assert!(out.starts_with("<?xml"));
    assert!(out.matches("<testcase ").count() >= files - 6, "{out}");
    assert!(out.contains("<failure "));
}

#[test]
fn deny_warnings_fails_on_warnings_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("intact.kdl"),
        "project \"p\" {\n    display-name \"P\"\n}\nvariable \"unused\" {\n    label \"U\"\n}\n",
    )
    .unwrap();
    assert_exit(&intact(&["check"], dir.path()), 0);
    assert_exit(&intact(&["check", "--deny-warnings"], dir.path()), 1);
}

#[test]
fn no_project_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = intact(&["check"], dir.path());
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("intact init"), "{}", stderr(&o));
    assert_exit(&intact(&["check", "/definitely/not/here"], dir.path()), 2);
    assert_exit(&intact(&["check", "--format", "yaml"], dir.path()), 2);
}

#[test]
fn explain_prints_pages_and_refuses_unknown_codes() {
    let o = intact(&["explain", "schema::unknown-node"], &repo());
    assert_exit(&o, 0);
    assert!(stdout(&o).starts_with("# `schema::unknown-node`"));
    let o = intact(&["explain", "schema::unknown-nod"], &repo());
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("did you mean `schema::unknown-node`"),
        "{}",
        stderr(&o)
    );
    let o = intact(&["explain"], &repo());
    assert_exit(&o, 0);
    assert!(stdout(&o).lines().count() > 50);
    let o = intact(&["explain", "openapi::drift"], &repo());
    assert!(stdout(&o).starts_with("# `openapi::drift`"));
    // A code's last part is enough when it is unique, and named choices when it is not.
    let o = intact(&["explain", "unknown-field"], &repo());
    assert_exit(&o, 0);
    assert!(stdout(&o).starts_with("# `expr::unknown-field`"));
    let o = intact(&["explain", "unused"], &repo());
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("ignore::unused, variable::unused"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn init_writes_a_clean_project_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("acme-hr");
    assert_exit(&intact(&["init", target.to_str().unwrap()], dir.path()), 0);
    let o = intact(&["check", "--deny-warnings"], &target);
    assert_exit(&o, 0);
    let before = std::fs::read_to_string(target.join("intact.kdl")).unwrap();
    assert!(before.contains("project \"acme_hr\""));
    let o = intact(&["init", target.to_str().unwrap()], dir.path());
    assert_exit(&o, 2);
    assert_eq!(
        std::fs::read_to_string(target.join("intact.kdl")).unwrap(),
        before
    );
    // The generated files are already in canonical layout.
    assert_exit(&intact(&["fmt", "--check"], &target), 0);
}

#[test]
fn fmt_check_lists_files_and_fmt_rewrites_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("intact.kdl");
    std::fs::write(
        &file,
        "project   \"p\"{\ndisplay-name \"P\" // keep me\n}\n",
    )
    .unwrap();
    let o = intact(&["fmt", "--check"], dir.path());
    assert_exit(&o, 1);
    // A unified diff of what would change.
    let diff = stdout(&o);
    assert!(diff.contains("--- "), "{diff}");
    assert!(
        diff.contains("+++ ") && diff.contains("intact.kdl"),
        "{diff}"
    );
    assert!(diff.contains("@@ -1,3 +1,3 @@"), "{diff}");
    assert!(diff.contains("-project   \"p\"{\n"), "{diff}");
    assert!(diff.contains("+project \"p\" {\n"), "{diff}");
    assert!(
        diff.contains("+    display-name \"P\" // keep me\n"),
        "{diff}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "project   \"p\"{\ndisplay-name \"P\" // keep me\n}\n",
        "--check must not write"
    );
    assert_exit(&intact(&["fmt"], dir.path()), 0);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "project \"p\" {\n    display-name \"P\" // keep me\n}\n"
    );
    assert_exit(&intact(&["fmt", "--check"], dir.path()), 0);
}

#[test]
fn fmt_refuses_files_with_syntax_errors_and_leaves_them_alone() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("intact.kdl");
    let broken = "project \"p\" {\n  display-name \"unterminated\n}\n";
    std::fs::write(&file, broken).unwrap();
    let o = intact(&["fmt"], dir.path());
    assert_exit(&o, 1);
    assert!(stderr(&o).contains("not formatted"), "{}", stderr(&o));
    // The syntax finding itself, and nothing of the project check (a project with no capability).
    assert!(
        stderr(&o).contains("this string is not closed on its line")
            && stderr(&o).contains("1 error(s), 0 warning(s)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), broken);
}

#[test]
fn fmt_stdin_writes_stdout() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_intact"))
        .args(["fmt", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"a   1{b}").unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8(o.stdout).unwrap(), "a 1 { b }\n");
    // Text that is not UTF-8 is a finding, as for a file: exit 1 both ways.
    let bad = b"project \"caf\xe9\"\n";
    let mut child = Command::new(env!("CARGO_BIN_EXE_intact"))
        .args(["fmt", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bad).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("not valid UTF-8"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.kdl"), bad).unwrap();
    let o = intact(&["fmt", "x.kdl"], dir.path());
    assert_exit(&o, 1);
}

/// Whatever a file holds, `check` answers with findings and exit 1: never a panic, a hang or 101.
#[test]
fn bad_input_gives_findings_not_crashes() {
    let long_sum = format!(
        "project \"p\" {{\n    display-name \"P\"\n}}\nflow \"f\" {{\n    return \"${{1{}}}\"\n}}\n",
        "+1".repeat(20_000)
    );
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("a 20,000-term expression", long_sum.into_bytes()),
        (
            "garbage",
            (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
        ),
        (
            "invalid utf-8",
            b"project \"p\" {\n display-name \"caf\xe9\"\n}\n\xff\xfe".to_vec(),
        ),
        (
            "deep nesting",
            format!(
                "project \"p\" {}{}",
                "a {".repeat(10_000),
                "}".repeat(10_000)
            )
            .into_bytes(),
        ),
        ("unclosed deep nesting", "a {\n".repeat(10_000).into_bytes()),
        (
            "bom and crlf",
            b"\xef\xbb\xbfproject \"p\" {\r\n    display-name 1\r\n}\r\n".to_vec(),
        ),
        ("only braces", b"}}}}{{{{".to_vec()),
        ("nul bytes", b"project \0 \"p\"\n".to_vec()),
    ];
    // About 10 MB of mostly valid nodes with a mistake at the end.
    let mut big = String::from("project \"p\" {\n    display-name \"P\"\n}\n");
    while big.len() < 10 * 1024 * 1024 {
        big.push_str("variable \"v\" {\n    label \"a label that is long enough to fill the file quickly\"\n}\n");
    }
    big.push_str("oops =\n");
    cases.push(("10 MB", big.into_bytes()));
    for (name, bytes) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("intact.kdl"), &bytes).unwrap();
        let o = intact(&["check", "--format", "json"], dir.path());
        assert!(
            !stderr(&o).contains("panicked"),
            "{name}: panicked:\n{}",
            stderr(&o)
        );
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        let v: serde_json::Value =
            serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(v["error_count"].as_u64().unwrap() > 0, "{name}");
    }
}

#[test]
fn contracts_lists_and_prints_schemas() {
    let o = intact(&["contracts"], &repo());
    assert_exit(&o, 0);
    assert_eq!(
        stdout(&o).lines().filter(|l| l.starts_with("  ")).count(),
        22
    );
    assert!(stdout(&o).contains("create-user") && stdout(&o).contains("features \"create\""));
    let o = intact(&["contracts", "create-user", "--input"], &repo());
    assert_exit(&o, 0);
    let schema: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let o = intact(&["contracts", "create-user", "--output"], &repo());
    assert!(stdout(&o).contains("create-user.output.json"));
    let o = intact(&["contracts", "create-usr"], &repo());
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("did you mean `create-user`"));
    // Self-contained: the shared definitions come along, and `common` says where they went.
    assert!(
        !stdout(&intact(&["contracts", "create-user", "--input"], &repo())).contains("common.json")
    );
    assert!(schema["$defs"]["userInput"].is_object(), "{schema}");
    let o = intact(&["contracts", "common"], &repo());
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("bundled into each contract's schema"),
        "{}",
        stderr(&o)
    );
    // Examples: both sides, or one.
    let o = intact(&["contracts", "create-user", "--example"], &repo());
    assert_exit(&o, 0);
    let both: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(both["input"]["user"]["userName"].is_string(), "{both}");
    assert!(both["output"]["user"]["id"].is_string(), "{both}");
    let o = intact(
        &["contracts", "create-user", "--example", "--output"],
        &repo(),
    );
    let output: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(output, both["output"]);
}

/// A one-shot HTTP server on 127.0.0.1: answers every request with `body` and hands back what it
/// received, so a test can see what `intact run` sent.
fn run_project(base_url: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("env")).unwrap();
    std::fs::write(
        dir.path().join("intact.kdl"),
        r#"project "p" {
    display-name "P"
    capability "universal-logout"
}
connection "api" {
    base-url "https://api.example.com"
    auth "bearer" {
        token "${auth.token}"
    }
}
action "logout" contract="universal-logout" {
    request "revoke" "POST" "/users/${input.externalUserId}/logout"
    return {
        logoutStatus "${steps.revoke.body.ok ? 'SUCCESS' : 'FAILURE'}"
    }
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("env/dev.toml"),
        format!("[connection.api]\ntoken = {{ env = \"INTACT_TEST_TOKEN\" }}\nbase-url = \"{base_url}\"\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("input.json"),
        r#"{"externalUserId": "u 1"}"#,
    )
    .unwrap();
    dir
}

#[test]
fn run_calls_the_real_api_and_never_prints_the_secret() {
    let (base, requests) = answering_server(r#"{"ok": true}"#);
    let dir = run_project(&base);
    let secret = "s3cr3t-token-value";
    let o = Command::new(env!("CARGO_BIN_EXE_intact"))
        .args([
            "run",
            "logout",
            "--input",
            "input.json",
            "--env",
            "dev",
            "--trace",
        ])
        .current_dir(dir.path())
        .env("INTACT_TEST_TOKEN", secret)
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let out: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(out["logoutStatus"], "SUCCESS");
    assert_eq!(out["executionStatus"]["status"], "SUCCEEDED");
    let request = requests
        .recv_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    assert!(
        request.starts_with("POST /users/u%201/logout "),
        "{request}"
    );
    assert!(
        request
            .to_lowercase()
            .contains(&format!("authorization: bearer {secret}")),
        "{request}"
    );
    assert!(
        !stdout(&o).contains(secret) && !stderr(&o).contains(secret),
        "the secret leaked:\n{}\n{}",
        stdout(&o),
        stderr(&o)
    );
    assert!(stderr(&o).contains("trace: POST"), "{}", stderr(&o));
}

/// A tenant variable that a later step reads, missing from the environment, stops the run before
/// its first request (a POST must not go out and leave the API half changed).
#[test]
fn a_missing_tenant_variable_stops_the_run_before_any_request() {
    let (base, requests) = answering_server(r#"{"ok": true}"#);
    let dir = run_project(&base);
    let kdl = std::fs::read_to_string(dir.path().join("intact.kdl")).unwrap();
    let kdl = kdl
        .replace(
            "    capability \"universal-logout\"\n}",
            "    capability \"universal-logout\"\n}\nvariable \"subdomain\" {\n    label \"Subdomain\"\n}",
        )
        .replace(
            "    return {",
            "    log \"done at ${app.subdomain}\"\n    return {",
        );
    std::fs::write(dir.path().join("intact.kdl"), kdl).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_intact"))
        .args(["run", "logout", "--input", "input.json", "--env", "dev"])
        .current_dir(dir.path())
        .env("INTACT_TEST_TOKEN", "t0ken-t0ken")
        .output()
        .unwrap();
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("`subdomain`") && stderr(&o).contains("env/dev.toml"),
        "{}",
        stderr(&o)
    );
    assert!(
        requests
            .recv_timeout(std::time::Duration::from_millis(500))
            .is_err(),
        "a request went out"
    );
}

#[test]
fn run_exit_codes() {
    // A missing secret fails before any request, naming the variable and the file.
    let dir = run_project("http://127.0.0.1:9");
    let o = Command::new(env!("CARGO_BIN_EXE_intact"))
        .args(["run", "logout", "--input", "input.json", "--env", "dev"])
        .current_dir(dir.path())
        .env_remove("INTACT_TEST_TOKEN")
        .output()
        .unwrap();
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("INTACT_TEST_TOKEN") && stderr(&o).contains("env/dev.toml"),
        "{}",
        stderr(&o)
    );
    // Nothing listens on port 9: the remote side cannot be reached.
    let o = Command::new(env!("CARGO_BIN_EXE_intact"))
        .args(["run", "logout", "--input", "input.json", "--env", "dev"])
        .current_dir(dir.path())
        .env("INTACT_TEST_TOKEN", "x-secret-x")
        .output()
        .unwrap();
    assert_exit(&o, 3);
    assert!(!stdout(&o).contains("x-secret-x") && !stderr(&o).contains("x-secret-x"));
    let out: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(out["executionStatus"]["status"], "FAILED");
    // Unknown environment and unknown action are usage errors.
    assert_exit(&intact(&["run", "logout", "--env", "prod"], dir.path()), 2);
    assert_exit(&intact(&["run", "logotu", "--env", "dev"], dir.path()), 2);
    // Input nested deeper than serde_json reads is named so, not "not JSON".
    std::fs::write(
        dir.path().join("deep.json"),
        format!("{}{}", "[".repeat(200), "]".repeat(200)),
    )
    .unwrap();
    let o = intact(
        &["run", "logout", "--input", "deep.json", "--env", "dev"],
        dir.path(),
    );
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("nests deeper than the 128 levels intact reads"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn every_example_passes_its_tests() {
    for ex in examples() {
        let o = intact(&["test", "--jobs", "2"], &ex);
        assert_exit(&o, 0);
        assert!(stdout(&o).contains(" passed, 0 failed"), "{}", stdout(&o));
    }
}

#[test]
fn test_failures_are_reported_with_the_request_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("intact.kdl"),
        r#"project "p" {
    display-name "P"
    capability "universal-logout"
}
connection "api" {
    base-url "https://api.example.com"
    auth "bearer" {
        token "${auth.token}"
    }
}
action "logout" contract="universal-logout" {
    log "revoking the sessions of ${input.externalUserId}"
    request "revoke" "POST" "/users/${input.externalUserId}/logout"
    return {
        logoutStatus "SUCCESS"
    }
}
test "mock_mismatch" action="logout" {
    params "api" token="fixture-secret-token"
    input {
        externalUserId "u1"
    }
    mock "api" {
        on "POST" "/users/u2/logout" {
            respond 204
        }
    }
    expect {
        logoutStatus "SUCCESS"
    }
}
test "passes" action="logout" {
    params "api" token="fixture-secret-token"
    input {
        externalUserId "u1"
    }
    mock "api" {
        on "POST" "/users/u1/logout" {
            expect-header "Authorization" "Bearer fixture-secret-token"
            respond 204
        }
    }
    expect {
        logoutStatus "SUCCESS"
        executionStatus {
            status "SUCCEEDED"
        }
    }
}
"#,
    )
    .unwrap();
    let o = intact(&["test"], dir.path());
    assert_exit(&o, 1);
    let out = stdout(&o);
    assert!(
        out.contains("FAILED mock_mismatch") && out.contains("ok     passes"),
        "{out}"
    );
    assert!(
        out.contains("no mock route for POST /users/u1/logout"),
        "{out}"
    );
    assert!(
        !out.contains("fixture-secret-token"),
        "the secret leaked: {out}"
    );
    assert!(out.contains("1 passed, 1 failed"), "{out}");
    // A failed test shows what its run did: the `log` lines and the requests.
    assert!(
        out.contains("trace:") && out.contains("log: revoking the sessions of u1"),
        "{out}"
    );
    let o = intact(&["test", "--format", "junit"], dir.path());
    assert_exit(&o, 1);
    assert!(stdout(&o).contains("<failure") && !stdout(&o).contains("fixture-secret-token"));
    assert!(
        stdout(&o).contains("<system-out>log: revoking the sessions of u1"),
        "{}",
        stdout(&o)
    );
    let o = intact(&["test", "--format", "json"], dir.path());
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let failed = v["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["outcome"] == "failed")
        .unwrap();
    assert!(
        failed["trace"][0]
            .as_str()
            .unwrap()
            .starts_with("log: revoking"),
        "{failed}"
    );
    let o = intact(
        &["test", "--format", "json", "--filter", "passes"],
        dir.path(),
    );
    assert_exit(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["passed"], 1);
    assert_eq!(v["failed"], 0);
}

#[test]
fn ping_and_call_go_through_the_connection() {
    let (base, requests) = answering_server(r#"{"me": "ok"}"#);
    let dir = run_project(&base);
    let kdl = std::fs::read_to_string(dir.path().join("intact.kdl")).unwrap().replace(
        "auth \"bearer\" {\n        token \"${auth.token}\"\n    }\n}",
        "auth \"bearer\" {\n        token \"${auth.token}\"\n    }\n    ping {\n        request \"me\" \"GET\" \"/me\"\n    }\n}",
    );
    std::fs::write(dir.path().join("intact.kdl"), kdl).unwrap();
    let secret = "ping-secret-77";
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_intact"))
            .args(args)
            .current_dir(dir.path())
            .env("INTACT_TEST_TOKEN", secret)
            .output()
            .unwrap()
    };
    let o = run(&["ping", "--env", "dev"]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("connection `api` is working"),
        "{}",
        stdout(&o)
    );
    assert!(
        requests
            .recv_timeout(std::time::Duration::from_secs(5))
            .unwrap()
            .starts_with("GET /me ")
    );
    let o = run(&[
        "call",
        "api",
        "GET",
        "/things",
        "--query",
        "x=1",
        "--header",
        "X-Trace=t1",
        "--env",
        "dev",
    ]);
    assert_exit(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["status"], 200);
    assert_eq!(v["body"]["me"], "ok");
    let request = requests
        .recv_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    assert!(request.starts_with("GET /things?x=1 "), "{request}");
    assert!(
        request.to_lowercase().contains("x-trace: t1")
            && request.to_lowercase().contains(&format!("bearer {secret}")),
        "{request}"
    );
    assert!(!stdout(&o).contains(secret) && !stderr(&o).contains(secret));
    // Nobody listens on port 9: the ping says why, exit 3.
    let dir = run_project("http://127.0.0.1:9");
    std::fs::write(
        dir.path().join("intact.kdl"),
        std::fs::read_to_string(dir.path().join("intact.kdl")).unwrap().replace(
            "auth \"bearer\" {\n        token \"${auth.token}\"\n    }\n}",
            "auth \"bearer\" {\n        token \"${auth.token}\"\n    }\n    ping {\n        request \"me\" \"GET\" \"/me\"\n    }\n}",
        ),
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_intact"))
        .args(["ping", "--env", "dev"])
        .current_dir(dir.path())
        .env("INTACT_TEST_TOKEN", secret)
        .output()
        .unwrap();
    assert_exit(&o, 3);
    assert!(stderr(&o).contains("not working"), "{}", stderr(&o));
    assert_exit(
        &intact(
            &["call", "api", "GET", "relative", "--env", "dev"],
            dir.path(),
        ),
        2,
    );
}

#[test]
fn test_live_runs_against_the_environment_and_skips_mock_only_tests() {
    let (base, requests) = answering_server(r#"{"name": "Real"}"#);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("env")).unwrap();
    std::fs::write(
        dir.path().join("intact.kdl"),
        r#"project "p" {
    display-name "P"
}
connection "api" {
    base-url "https://api.example.com"
    auth "bearer" {
        token "${auth.token}"
    }
}
flow "me" {
    input "prefix" type="string"
    request "me" "GET" "/me"
    return {
        name "${steps.me.body.name}"
    }
}
test "name_is_read" flow="me" {
    params "api" token="mock-token"
    mock "api" {
        on "GET" "/me" {
            respond 200 {
                json { name "Real" }
            }
        }
    }
    expect {
        name "Real"
    }
}
test "name_differs_live" flow="me" {
    params "api" token="mock-token"
    mock "api" {
        on "GET" "/me" {
            respond 200 {
                json { name "Mocked" }
            }
        }
    }
    expect {
        name "Mocked"
    }
}
test "needs_the_mock" flow="me" {
    params "api" token="mock-token"
    input {
        prefix "${mock.url}"
    }
    mock "api" {
        on "GET" "/me" {
            respond 200 {
                json { name "Real" }
            }
        }
    }
    expect {
        name "Real"
    }
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("env/live.toml"),
        format!(
            "[connection.api]\nbase-url = \"{base}\"\ntoken = {{ env = \"INTACT_LIVE_TOKEN\" }}\n"
        ),
    )
    .unwrap();
    // Against the mocks every test passes and the server sees nothing.
    let o = intact(&["test"], dir.path());
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("3 passed, 0 failed"), "{}", stdout(&o));
    assert!(requests.try_recv().is_err());
    // Live: the real server answers; the mock-only test is skipped and says why.
    let secret = "live-token-77f1";
    let live = |format: &str| {
        Command::new(env!("CARGO_BIN_EXE_intact"))
            .args(["test", "--env", "live", "--live", "--format", format])
            .current_dir(dir.path())
            .env("INTACT_LIVE_TOKEN", secret)
            .env("INTACT_CACHE_DIR", dir.path().join("cache"))
            .output()
            .unwrap()
    };
    let o = live("human");
    assert_exit(&o, 1);
    let out = stdout(&o);
    assert!(out.contains("1 passed, 1 failed, 1 skipped"), "{out}");
    assert!(out.contains("ok     name_is_read"), "{out}");
    assert!(
        out.contains("FAILED name_differs_live")
            && out.contains("`name` is \"Real\", expected \"Mocked\""),
        "{out}"
    );
    assert!(
        out.contains("skip   needs_the_mock") && out.contains("`mock` values"),
        "{out}"
    );
    let request = requests
        .recv_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    assert!(request.starts_with("GET /me "), "{request}");
    assert!(
        request
            .to_lowercase()
            .contains(&format!("authorization: bearer {secret}")),
        "the environment's token, not the test's params: {request}"
    );
    let o = live("junit");
    assert!(stdout(&o).contains("skipped=\"1\"") && stdout(&o).contains("<skipped message="));
    let o = live("json");
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        (&report["passed"], &report["failed"], &report["skipped"]),
        (&1.into(), &1.into(), &1.into())
    );
    // A skipped test is neither passed nor failed.
    let outcomes: Vec<&str> = report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["outcome"].as_str().unwrap())
        .collect();
    assert!(outcomes.contains(&"skipped"), "{report}");
    assert!(
        report["tests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("passed").is_none())
    );
    for o in [live("human"), live("junit"), live("json")] {
        assert!(!stdout(&o).contains(secret) && !stderr(&o).contains(secret));
    }
    // --live needs --env, and a missing environment is a usage error before any test.
    assert_exit(&intact(&["test", "--live"], dir.path()), 2);
    let o = intact(&["test", "--live", "--env", "prod"], dir.path());
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("environments: live"), "{}", stderr(&o));
}

/// A secret written into an environment file is reported where it is, and never shown: not in
/// its own finding's snippet, nor in the snippet of another finding on a nearby line (issue 23.12),
/// in any format.
#[test]
fn a_literal_secret_is_never_shown_in_a_report() {
    let project = repo().join("tests/fixtures/check/environments");
    for format in ["human", "json", "sarif", "github", "junit"] {
        let o = intact(&["check", "--format", format], &project);
        assert_exit(&o, 1);
        let out = stdout(&o);
        assert!(out.contains("literal"), "{format}: {out}");
        assert!(!out.contains("sk_live_abc123"), "{format}: {out}");
    }
    let human = stdout(&intact(&["check"], &project));
    assert!(human.contains("token = \"**************\""), "{human}");
}

/// `intact init` never writes through a link: a dangling `intact.kdl` link pointing out of the
/// folder is an existing entry, and nothing is written (issue 23.12).
#[cfg(unix)]
#[test]
fn init_never_writes_through_a_dangling_link() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("p");
    std::fs::create_dir(&dir).unwrap();
    let outside = tmp.path().join("outside.kdl");
    std::os::unix::fs::symlink(&outside, dir.join("intact.kdl")).unwrap();
    let o = intact(&["init", dir.to_str().unwrap()], tmp.path());
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("already holds a project"),
        "{}",
        stderr(&o)
    );
    assert!(!outside.exists(), "init wrote through the link");
    std::fs::remove_file(dir.join("intact.kdl")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("env")).unwrap();
    let o = intact(&["init", dir.to_str().unwrap()], tmp.path());
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("is not a folder"), "{}", stderr(&o));
    assert!(!outside.exists());
    assert!(
        !dir.join("intact.kdl").exists(),
        "a failed init leaves nothing"
    );
}

/// An environment's `{ file = … }` that leaves the project through a symbolic link is
/// `env::invalid` at check time, as the run refuses it (issue 24.4.6).
#[cfg(unix)]
#[test]
fn an_env_file_reference_through_a_link_out_of_the_project_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("key"), "sk_live_outside\n").unwrap();
    let p = tmp.path().join("p");
    std::fs::create_dir_all(p.join("env")).unwrap();
    std::fs::write(
        p.join("intact.kdl"),
        "project \"p\" {\n    display-name \"P\"\n}\nconnection \"api\" {\n    base-url \"https://api.example.com\"\n    auth \"bearer\" {\n        token \"${auth.token}\"\n    }\n}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&outside, p.join("secrets")).unwrap();
    std::fs::write(
        p.join("env/dev.toml"),
        "[connection.api]\ntoken = { file = \"secrets/key\" }\n",
    )
    .unwrap();
    let o = intact(&["check", "--format", "json"], &p);
    assert_exit(&o, 1);
    let out = stdout(&o);
    assert!(out.contains("env::invalid"), "{out}");
    assert!(
        out.contains("leaves the project through a symbolic link"),
        "{out}"
    );
    assert!(!out.contains("sk_live_outside"), "{out}");
}

/// An action and a flow of the same name: `intact run NAME` does not pick one silently; it names
/// both and says how to choose, and `--flow` / `--action` choose (issue 24.3).
#[test]
fn run_asks_which_when_an_action_and_a_flow_share_a_name() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    std::fs::create_dir_all(p.join("env")).unwrap();
    std::fs::write(p.join("env/dev.toml"), "").unwrap();
    std::fs::write(
        p.join("intact.kdl"),
        "project \"p\" {\n    display-name \"P\"\n}\nflow \"ping_me\" {\n    return \"the flow\"\n}\naction \"ping_me\" contract=\"universal-logout\" {\n    return {\n        logoutStatus \"SUCCESS\"\n    }\n}\n",
    )
    .unwrap();
    let o = intact(&["run", "ping_me", "--env", "dev"], p);
    assert_exit(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains("both an action (intact.kdl:7:8) and a flow (intact.kdl:4:6)"),
        "{err}"
    );
    assert!(err.contains("--flow"), "{err}");
    let o = intact(&["run", "ping_me", "--flow", "--env", "dev"], p);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("the flow"), "{}", stdout(&o));
    let o = intact(&["run", "ping_me", "--action", "--env", "dev"], p);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("SUCCESS"), "{}", stdout(&o));
}

/// A refused request says what the API said (masked, on one line, shortened), not only
/// `HTTP 401`; a call to a host nobody listens on names the request, not an unrelated file
/// (issue 24.3).
#[test]
fn a_failed_request_quotes_the_api_and_blames_the_right_place() {
    let (base, _requests) = answering_server_with(
        "401 Unauthorized",
        r#"{"errorCode": "E0000011", "errorSummary": "Invalid token provided: ping-secret-77"}"#,
    );
    let dir = run_project(&base);
    let kdl = std::fs::read_to_string(dir.path().join("intact.kdl")).unwrap().replace(
        "auth \"bearer\" {\n        token \"${auth.token}\"\n    }\n}",
        "auth \"bearer\" {\n        token \"${auth.token}\"\n    }\n    ping {\n        request \"me\" \"GET\" \"/me\"\n    }\n}",
    );
    std::fs::write(dir.path().join("intact.kdl"), kdl).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_intact"))
            .args(args)
            .current_dir(dir.path())
            .env("INTACT_TEST_TOKEN", "ping-secret-77")
            .output()
            .unwrap()
    };
    let o = run(&["ping", "--env", "dev"]);
    assert_exit(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("got 401: Invalid token provided: ••••"),
        "{err}"
    );
    assert!(!err.contains("ping-secret-77"), "{err}");
    // Nobody listens on a port that was free a moment ago.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let env = std::fs::read_to_string(dir.path().join("env/dev.toml")).unwrap();
    std::fs::write(
        dir.path().join("env/dev.toml"),
        env.replace(&base, &format!("http://127.0.0.1:{port}")),
    )
    .unwrap();
    let o = run(&["call", "api", "GET", "/things", "--env", "dev"]);
    assert_exit(&o, 3);
    let err = stderr(&o);
    assert!(err.contains("could not be sent"), "{err}");
    assert!(
        err.contains("request `call` at intact.kdl:5:12"),
        "names the connection it went through: {err}"
    );
}

/// A command refused because the project has errors lists them one line each (file:line:col, the
/// code, the message), not the whole report of `intact check` (issue 26: `:IntactTest` printed it
/// all in place of the test's output).
#[test]
fn a_refused_run_lists_the_errors_in_one_line_each() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    std::fs::create_dir_all(p.join("env")).unwrap();
    std::fs::write(p.join("env/dev.toml"), "").unwrap();
    std::fs::write(
        p.join("intact.kdl"),
        "project \"p\" {\n    display-name \"P\"\n}\nflow \"f\" {\n    return \"${input.x\"\n}\n",
    )
    .unwrap();
    let o = intact(&["test"], p);
    assert_exit(&o, 1);
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with("intact.kdl:5:"), "{err}");
    assert!(lines[0].contains("error[expr::syntax]"), "{err}");
    assert!(lines[1].contains("fix them first"), "{err}");
}

/// A relative folder inside the project finds the project around it (its parent was read as ""
/// and the command failed with "cannot read : No such file").
#[test]
fn a_relative_subfolder_finds_its_project() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/universal-logout");
    let o = intact(&["check", "flows"], &root);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("0 error(s)"), "{}", stdout(&o));
}
