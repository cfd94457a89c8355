//! `intact verify` stopped with Ctrl-C (SIGINT) or SIGTERM while a step waits: the command still
//! undoes what the run created, reports the interruption and exits 1; a second signal cuts the
//! cleanup short. The API is a real HTTP server on
//! 127.0.0.1 (std only) that creates users, never answers a read, and records deactivations; and
//! a step that never answers fails after `--timeout`; an API nobody listens on makes verify exit 3
//! (unreachable).
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PROJECT: &str = include_str!("../../intact-verify/tests/fixtures/minimal.kdl");

fn project(port: u16) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("intact.kdl"),
        PROJECT.replace("PORT", &port.to_string()),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("env")).unwrap();
    std::fs::write(dir.path().join("env/t.toml"), "").unwrap();
    dir
}

/// `intact verify --env t ARGS` in the project `p`, to its end.
fn verify(p: &tempfile::TempDir, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_intact"))
        .args(["verify", "--env", "t"])
        .args(args)
        .current_dir(p.path())
        .output()
        .unwrap()
}

/// Keeps users (`u1`, `u2`…), records each PATCH (a deactivation), and answers reads; `held`
/// reads (the first ones) are held open after telling `reading`, so that a step waits.
fn server(deactivated: Arc<Mutex<Vec<String>>>, reading: mpsc::Sender<()>, held: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut users: Vec<(String, serde_json::Value, bool)> = Vec::new();
        let mut reads = 0;
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                head.push_str(&line);
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let request_line = head.lines().next().unwrap_or("").to_string();
            let mut stream = stream;
            let answer = |stream: &mut std::net::TcpStream, status: &str, json: String| {
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
                    json.len()
                );
            };
            let id_of = |rest: &str| rest.split(' ').next().unwrap_or("").to_string();
            if request_line.starts_with("POST /users") {
                let user: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                let id = format!("u{}", users.len() + 1);
                users.push((id.clone(), user["userName"].clone(), true));
                let json = serde_json::json!({"id": id, "userName": user["userName"]});
                answer(&mut stream, "201 Created", json.to_string());
            } else if let Some(rest) = request_line.strip_prefix("PATCH /users/") {
                let id = id_of(rest);
                if let Some(u) = users.iter_mut().find(|u| u.0 == id) {
                    u.2 = false;
                }
                deactivated.lock().unwrap().push(id);
                answer(&mut stream, "200 OK", "{}".into());
            } else if reads < held {
                reads += 1;
                let _ = reading.send(());
                // Held open: this read never answers.
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_secs(120));
                    drop(stream);
                });
            } else if let Some(rest) = request_line.strip_prefix("GET /users/") {
                let id = id_of(rest);
                match users.iter().find(|u| u.0 == id) {
                    Some(u) => {
                        let json = serde_json::json!({"id": u.0, "userName": u.1, "active": u.2});
                        answer(&mut stream, "200 OK", json.to_string());
                    }
                    None => answer(&mut stream, "404 Not Found", "{}".into()),
                }
            } else {
                answer(&mut stream, "404 Not Found", "{}".into());
            }
        }
    });
    port
}

/// `intact verify --only users --format json` stopped by `signals` (one sent after each held read
/// began): its exit code, its report, and the users it deactivated.
fn interrupted(signals: &[&str], held: usize) -> (Option<i32>, serde_json::Value, Vec<String>) {
    let deactivated = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = mpsc::channel();
    let port = server(deactivated.clone(), tx, held);
    let p = project(port);
    let child = Command::new(env!("CARGO_BIN_EXE_intact"))
        .args([
            "verify", "--env", "t", "--only", "users", "--format", "json",
        ])
        .current_dir(p.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for signal in signals {
        rx.recv_timeout(Duration::from_secs(30))
            .expect("verify never reached the read that hangs");
        let status = Command::new("kill")
            .args([*signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    let mut undone = deactivated.lock().unwrap().clone();
    undone.sort();
    (out.status.code(), report, undone)
}

#[test]
fn ctrl_c_stops_the_scenarios_and_the_cleanup_still_runs() {
    // The first read is the new user's read-back: only that user exists.
    let (code, report, undone) = interrupted(&["-INT"], 1);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(report["interrupted"], true, "{report:#}");
    assert_eq!(undone, ["u1"], "{report:#}");
    assert!(report["left"].as_array().unwrap().is_empty(), "{report:#}");
}

/// SIGTERM (CI cancelling a job, `timeout`, `docker stop`) is an interrupt like Ctrl-C: the
/// cleanup runs and the report is written.
#[test]
fn sigterm_is_an_interrupt_like_ctrl_c() {
    let (code, report, undone) = interrupted(&["-TERM"], 1);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(report["interrupted"], true, "{report:#}");
    assert_eq!(undone, ["u1"], "{report:#}");
}

/// A second signal while the cleanup waits on a hung API ends the run at once, listing what is
/// left behind.
#[test]
fn a_second_signal_cuts_the_cleanup_short() {
    let started = std::time::Instant::now();
    let (code, report, undone) = interrupted(&["-INT", "-TERM"], 2);
    assert!(started.elapsed() < Duration::from_secs(30), "{report:#}");
    assert_eq!(code, Some(1), "{report:#}");
    assert!(undone.is_empty(), "{report:#}");
    let left = report["left"].as_array().unwrap();
    assert_eq!(left.len(), 1, "{report:#}");
    assert!(
        left[0]
            .as_str()
            .unwrap()
            .contains("cut short by a second interrupt"),
        "{report:#}"
    );
}

#[test]
fn an_api_nobody_listens_on_is_unreachable() {
    // A port that was free a moment ago: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let p = project(port);
    let out = verify(&p, &["--format", "junit"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    // The JUnit report: a suite per scenario and one for the cleanup, the failure's text escaped.
    assert!(stdout.starts_with("<?xml"), "{stdout}");
    assert!(stdout.contains("<testsuite name=\"users\""), "{stdout}");
    assert!(
        stdout.contains("<testsuite name=\"paging\" tests=\"1\" failures=\"0\" skipped=\"1\""),
        "{stdout}"
    );
    assert!(stdout.contains("could not be sent"), "{stdout}");
    assert!(stdout.contains("<testsuite name=\"cleanup\""), "{stdout}");
}

#[test]
fn a_step_that_never_answers_fails_after_the_timeout() {
    let deactivated = Arc::new(Mutex::new(Vec::new()));
    let (tx, _rx) = mpsc::channel();
    let port = server(deactivated.clone(), tx, 1);
    let p = project(port);
    let out = verify(&p, &["--only", "users", "--timeout", "1"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("no answer within 1 s"), "{stdout}");
    // The read that timed out is the new user's read-back; the user is read again and undone.
    assert!(stdout.contains("2. get-user"), "{stdout}");
    assert_eq!(*deactivated.lock().unwrap(), ["u1"]);
}

#[test]
fn an_unknown_scenario_is_a_usage_error() {
    let p = project(9);
    let out = verify(&p, &["--only", "user"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--only user: there is no such scenario; the scenarios are users, lookups"),
        "{stderr}"
    );
}

/// A project with errors cannot be verified: exit 2 (a configuration problem, not a failed proof),
/// also with --dry-run, and a JSON or JUnit reader still gets a report that says why
/// (issue 24.4.3).
#[test]
fn a_project_with_errors_exits_2_with_a_report_that_says_why() {
    let p = project(9);
    let path = p.path().join("intact.kdl");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("contract=\"get-user\"", "contract=\"get-usr\""),
    )
    .unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../schemas/verify-report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let schema = jsonschema::validator_for(&schema).unwrap();
    for dry in [&[][..], &["--dry-run"][..]] {
        let out = verify(&p, &[&["--format", "json"][..], dry].concat());
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["passed"], false, "{report:#}");
        assert!(
            report["error"]["message"]
                .as_str()
                .unwrap()
                .contains("error(s)"),
            "{report:#}"
        );
        assert!(schema.is_valid(&report), "{report:#}");
    }
    let out = verify(&p, &["--format", "junit"]);
    assert_eq!(out.status.code(), Some(2));
    let junit = String::from_utf8_lossy(&out.stdout);
    assert!(
        junit.contains("<testsuite name=\"configuration\""),
        "{junit}"
    );
}

/// `--dry-run` sends nothing, so it needs no environment: a new project sees the plan before it
/// has credentials (a new user's first try failed on the missing env file).
#[test]
fn the_plan_needs_no_environment() {
    let p = project(9);
    std::fs::remove_dir_all(p.path().join("env")).unwrap();
    let out = verify(&p, &["--dry-run", "--only", "users"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("The plan"), "{stdout}");
    // Without --dry-run the environment is needed, and the message says how to write one.
    let out = verify(&p, &["--only", "users"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("write env/NAME.toml"), "{stderr}");
}
