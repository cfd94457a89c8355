//! The executor against hostile servers on 127.0.0.1, written as raw TCP so that they can lie:
//! a body shorter than its `Content-Length`, a body larger than intact reads, a `Retry-After` of
//! eleven days, a body cut off by the timeout. Each run must end in a clear failure, quickly.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use intact_model::{Analysis, FileInput};
use intact_run::Runtime;
use intact_run::env::{ConnectionEnv, Environment};
use intact_run::mask::Masker;
use serde_json::json;

const PROJECT: &str = r#"project "p" {
    display-name "P"
}
connection "api" {
    base-url "https://api.example.com"
    retry max=2 on=429
}
flow "get" {
    request "r" "GET" "/x" {
        timeout "1s"
    }
    return "${steps.r.body}"
}
"#;

/// A server that answers every connection with `answer` (after reading the request), then
/// `hold` before closing.
fn server(answer: impl Fn(&mut std::net::TcpStream) + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let answer = Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut stream) = stream else { return };
            let answer = answer.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let _ = stream.read(&mut buf);
                answer(&mut stream);
            });
        }
    });
    base
}

async fn run(base: &str) -> Result<serde_json::Value, intact_run::Failure> {
    let analysis = Arc::new(Analysis::new(vec![FileInput::new("intact.kdl", PROJECT)]));
    let mut env = Environment::default();
    env.connections.insert(
        "api".into(),
        ConnectionEnv {
            base_url: Some(base.to_string()),
            ..Default::default()
        },
    );
    Runtime::new(analysis, env, Arc::new(Masker::new()))
        .run_flow("get", json!({}))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_shorter_than_its_length_fails_the_step() {
    let base = server(|s| {
        let _ = s.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[1, 2",
        );
    });
    let f = run(&base)
        .await
        .expect_err("a cut-off body is not a success");
    assert!(
        f.message.contains("was cut off after 5 byte(s)"),
        "{}",
        f.message
    );
    assert_eq!(f.status, Some(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_cut_off_by_the_timeout_fails_the_step() {
    let base = server(|s| {
        let _ = s.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[1, 2",
        );
        std::thread::sleep(Duration::from_secs(3));
    });
    let started = Instant::now();
    let f = run(&base)
        .await
        .expect_err("a cut-off body is not a success");
    assert!(
        f.message.contains("cut off by the timeout"),
        "{}",
        f.message
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_larger_than_the_limit_are_refused() {
    // Announced: refused before reading.
    let base = server(|s| {
        let _ = s.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1073741824\r\n\r\nxxxx",
        );
    });
    let f = run(&base).await.expect_err("a 1 GiB body is refused");
    assert!(
        f.message.contains("larger than the 32 MiB"),
        "{}",
        f.message
    );
    // Streamed without a length: refused once past the limit.
    let base = server(|s| {
        let _ = s.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n",
        );
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..40 {
            let head = format!("{:x}\r\n", chunk.len());
            if s.write_all(head.as_bytes()).is_err()
                || s.write_all(&chunk).is_err()
                || s.write_all(b"\r\n").is_err()
            {
                return;
            }
        }
        let _ = s.write_all(b"0\r\n\r\n");
    });
    let f = run(&base).await.expect_err("a 40 MiB stream is refused");
    assert!(
        f.message.contains("larger than the 32 MiB"),
        "{}",
        f.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_of_days_is_not_waited_for() {
    for header in ["999999", "Fri, 31 Dec 2100 23:59:59 GMT"] {
        let answer = format!(
            "HTTP/1.1 429 Too Many Requests\r\nRetry-After: {header}\r\nContent-Length: 0\r\n\r\n"
        );
        let base = server(move |s| {
            let _ = s.write_all(answer.as_bytes());
        });
        let started = Instant::now();
        let f = run(&base).await.expect_err("rate limited");
        assert_eq!(
            f.error_type.as_str(),
            "RATE_LIMIT_EXCEEDED",
            "{}",
            f.message
        );
        assert!(
            f.message.contains("more than the 30 s intact waits"),
            "{}",
            f.message
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{header}: it waited"
        );
    }
}
