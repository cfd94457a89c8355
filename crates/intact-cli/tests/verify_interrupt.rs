//! `intact verify` stopped with Ctrl-C (SIGINT) while a step waits: the command still undoes what
//! the run created, reports the interruption and exits 1. The API is a real HTTP server on
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

/// Creates users (`u1`, `u2`…), records each PATCH, and holds every GET open after telling
/// `reading`.
fn server(deactivated: Arc<Mutex<Vec<String>>>, reading: mpsc::Sender<()>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut created = 0;
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
            if request_line.starts_with("POST /users") {
                created += 1;
                let user: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                let json =
                    serde_json::json!({"id": format!("u{created}"), "userName": user["userName"]});
                answer(&mut stream, "201 Created", json.to_string());
            } else if let Some(rest) = request_line.strip_prefix("PATCH /users/") {
                let id = rest.split(' ').next().unwrap_or("").to_string();
                deactivated.lock().unwrap().push(id);
                answer(&mut stream, "200 OK", "{}".into());
            } else {
                let _ = reading.send(());
                // Held open: the read never answers.
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_secs(120));
                    drop(stream);
                });
            }
        }
    });
    port
}

#[test]
fn ctrl_c_stops_the_scenarios_and_the_cleanup_still_runs() {
    let deactivated = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = mpsc::channel();
    let port = server(deactivated.clone(), tx);
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
    rx.recv_timeout(Duration::from_secs(30))
        .expect("verify never reached the read that hangs");
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["interrupted"], true, "{report:#}");
    let mut undone = deactivated.lock().unwrap().clone();
    undone.sort();
    assert_eq!(undone, ["u1", "u2"], "{report:#}");
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
    let port = server(deactivated.clone(), tx);
    let p = project(port);
    let out = verify(&p, &["--only", "users", "--timeout", "1"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("no answer within 1 s"), "{stdout}");
    // The read that timed out is get-user's; the two users created before it are undone.
    assert!(stdout.contains("3. get-user"), "{stdout}");
    let mut undone = deactivated.lock().unwrap().clone();
    undone.sort();
    assert_eq!(undone, ["u1", "u2"]);
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
