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
    run_project(PROJECT, base, &[]).await
}

/// A runtime for the project `kdl` with connection `api` pointed at `base` and given `params`.
fn runtime(kdl: &str, base: &str, params: &[(&str, &str)]) -> Runtime {
    let analysis = Arc::new(Analysis::new(vec![FileInput::new("intact.kdl", kdl)]));
    let mut env = Environment::default();
    env.connections.insert(
        "api".into(),
        ConnectionEnv {
            base_url: Some(base.to_string()),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        },
    );
    Runtime::new(analysis, env, Arc::new(Masker::new()))
}

/// Runs the flow `get` of `kdl` with connection `api` pointed at `base`.
async fn run_project(
    kdl: &str,
    base: &str,
    params: &[(&str, &str)],
) -> Result<serde_json::Value, intact_run::Failure> {
    runtime(kdl, base, params).run_flow("get", json!({})).await
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
    let Err(f) = run(&streaming_server(40)).await else {
        panic!("a 40 MiB stream is refused");
    };
    assert!(
        f.message.contains("larger than the 32 MiB"),
        "{}",
        f.message
    );
}

/// A server that streams `mib` MiB of text without announcing a length.
fn streaming_server(mib: usize) -> String {
    server(move |s| {
        let _ = s.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n",
        );
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..mib {
            let head = format!("{:x}\r\n", chunk.len());
            if s.write_all(head.as_bytes()).is_err()
                || s.write_all(&chunk).is_err()
                || s.write_all(b"\r\n").is_err()
            {
                return;
            }
        }
        let _ = s.write_all(b"0\r\n\r\n");
    })
}

/// `max-response-size` on a connection lowers or raises the limit; the failure names the setting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_response_size_limit_is_set_per_connection() {
    let sized = |size: &str| {
        PROJECT.replace(
            "    retry max=2 on=429\n",
            &format!("    retry max=2 on=429\n    max-response-size \"{size}\"\n"),
        )
    };
    let Err(f) = run_project(&sized("512KiB"), &streaming_server(1), &[]).await else {
        panic!("1 MiB is over 512 KiB, and was read");
    };
    assert!(
        f.message.contains("larger than the 512 KiB intact reads")
            && f.message
                .contains("raise `max-response-size` on connection `api`"),
        "{}",
        f.message
    );
    let v = run_project(&sized("40MiB"), &streaming_server(33), &[])
        .await
        .expect("33 MiB is within 40 MiB");
    assert_eq!(v.as_str().map(str::len), Some(33 << 20));
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

/// A server that records each request's head (request line and headers) and answers by path.
fn recording_server(
    host: &str,
    answer: impl Fn(&str) -> String + Send + Sync + 'static,
) -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = TcpListener::bind((host, 0)).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (answer, log) = (Arc::new(answer), seen.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(16) {
            let Ok(mut stream) = stream else { return };
            let (answer, log) = (answer.clone(), log.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let n = stream.read(&mut buf).unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).into_owned();
                let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                log.lock().unwrap().push(head);
                // One request per connection: a client that kept it open for the next request
                // would race the thread's exit.
                let reply = answer(&path).replacen("\r\n", "\r\nConnection: close\r\n", 1);
                let _ = stream.write_all(reply.as_bytes());
            });
        }
    });
    (base, seen)
}

const KEYED: &str = r#"project "p" {
    display-name "P"
}
connection "api" {
    base-url "https://api.example.com"
    param "key" {
        label "Key"
        type "password"
    }
    header "X-Custom" "${auth.key}"
    auth "api-key" {
        header "X-Api-Key" "${auth.key}"
        query "api_key" "${auth.key}"
    }
}
flow "get" {
    request "r" "GET" "/x"
    return "${steps.r.body}"
}
"#;

async fn run_keyed(base: &str) -> Result<serde_json::Value, intact_run::Failure> {
    run_project(KEYED, base, &[("key", "sk-secret-key-123")]).await
}

/// No credential of a connection (auth header, a custom header, a key in the query, a Referer)
/// reaches another host through a redirect; redirects on the connection's own host are followed
/// with the credentials.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_never_follow_a_redirect_to_another_host() {
    let (thief, stolen) = recording_server("127.0.0.2", |_| {
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".into()
    });
    let target = format!("{thief}/steal");
    let (api, _) = recording_server("127.0.0.1", move |_| {
        format!("HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\n\r\n")
    });
    let f = run_keyed(&api)
        .await
        .expect_err("a cross-host redirect is not followed");
    assert!(
        f.message.contains("redirected (302) to another host"),
        "{}",
        f.message
    );
    assert!(
        stolen.lock().unwrap().is_empty(),
        "the other host was called: {:?}",
        stolen.lock().unwrap()
    );

    let (api, seen) = recording_server("127.0.0.1", |path| {
        if path.starts_with("/x") {
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: /y\r\nContent-Length: 0\r\n\r\n".into()
        } else {
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}".into()
        }
    });
    let v = run_keyed(&api)
        .await
        .expect("a same-host redirect is followed");
    assert_eq!(v, json!({"ok": true}));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let second = seen[1].to_lowercase();
    assert!(
        second.starts_with("get /y?api_key=sk-secret-key-123 "),
        "{second}"
    );
    assert!(second.contains("x-api-key: sk-secret-key-123"), "{second}");
    assert!(!second.contains("referer"), "{second}");
}

/// A value computed from a secret is a secret: a server that echoes the request back sees the
/// derived header, and neither the output nor the trace shows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_computed_from_a_secret_are_masked() {
    // Echoes the request's head back as a JSON list of lines.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(2) {
            let Ok(mut stream) = stream else { return };
            let mut buf = [0u8; 8192];
            let n = stream.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).into_owned();
            let mut lines: Vec<String> = head
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect();
            // And each header's value in base64, as a server might echo a credential.
            use base64::Engine;
            let encoded: Vec<String> = lines
                .iter()
                .filter_map(|l| l.split_once(": "))
                .map(|(k, v)| {
                    format!(
                        "{k}-b64: {}",
                        base64::engine::general_purpose::STANDARD.encode(v)
                    )
                })
                .collect();
            lines.extend(encoded);
            let body = serde_json::to_string(&lines).unwrap();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let kdl = r#"project "p" {
    display-name "P"
}
connection "api" {
    base-url "https://api.example.com"
    param "key" {
        label "Key"
        type "password"
    }
    header "X-Sig" "${upper(auth.key)}"
    header "X-Parts" "${split(auth.key, '-')}"
    header "X-Token" "Token ${auth.key}"
    header "X-Pair" "${base64_encode('user:' + auth.key)}"
    auth "api-key" {
        header "X-Api-Key" "${auth.key}"
    }
}
flow "get" {
    request "r" "GET" "/x"
    return "${steps.r.body}"
}
"#;
    let trace = Arc::new(std::sync::Mutex::new(String::new()));
    let sink = trace.clone();
    let v = runtime(kdl, &base, &[("key", "sk-secret-key-123")])
        .with_trace(Arc::new(move |l: &str| {
            sink.lock().unwrap().push_str(l);
            sink.lock().unwrap().push('\n');
        }))
        .run_flow("get", json!({}))
        .await
        .expect("the flow runs");
    let printed = format!("{v}\n{}", trace.lock().unwrap());
    assert!(printed.contains("x-sig"), "the echo came back: {printed}");
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    for leak in [
        "SK-SECRET-KEY-123".to_string(),
        "sk-secret-key-123".to_string(),
        "secret".to_string(),
        "key-123".to_string(),
        // The whole `Token …` header and a built `user:KEY` pair, in base64.
        b64("Token sk-secret-key-123"),
        b64("user:sk-secret-key-123"),
    ] {
        assert!(
            !printed.contains(leak.as_str()),
            "`{leak}` printed: {printed}"
        );
    }
}

/// Runs flow `remove` (a DELETE whose path holds two ids) with `user` against `base`, or with a
/// `url`, flow `custom` (the whole path chosen at run time).
async fn remove_member(base: &str, user: &str) -> Result<serde_json::Value, intact_run::Failure> {
    let kdl = r#"project "p" {
    display-name "P"
}
connection "api" {
    base-url "https://api.example.com"
}
flow "remove" {
    input "group" type="string" required=#true
    input "user" type="string" required=#true
    request "r" "DELETE" "/api/groups/${input.group}/members/${input.user}"
    return "${steps.r.status}"
}
flow "custom" {
    input "url" type="string" required=#true
    request "r" "GET" "${input.url}"
    return "${steps.r.status}"
}
"#;
    let (flow, input) = match user.strip_prefix("url:") {
        Some(url) => ("custom", json!({"url": url})),
        None => ("remove", json!({"group": "g1", "user": user})),
    };
    runtime(kdl, base, &[]).run_flow(flow, input).await
}

/// An id of `.` or `..` never reaches another resource: URL parsers resolve dot segments (also
/// percent-encoded ones), so the step fails before sending; what the server receives is checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_of_dot_dot_never_climbs_out_of_its_segment() {
    let (api, seen) = recording_server("127.0.0.1", |_| {
        "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n".into()
    });
    for id in [
        "..",
        ".",
        "url:/api/a/../admin",
        "url:/api/%2e%2E/admin",
        "url:/./x",
    ] {
        let f = remove_member(&api, id)
            .await
            .expect_err("a dot segment is refused");
        assert!(f.message.contains("`.` or `..` segment"), "{}", f.message);
    }
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
    // Ids with dots that are not dot segments go through, each one segment.
    for (id, path) in [
        ("a.b", "/api/groups/g1/members/a.b"),
        ("...", "/api/groups/g1/members/..."),
        ("../x", "/api/groups/g1/members/..%2Fx"),
        ("%2e%2E", "/api/groups/g1/members/%252e%252E"),
        ("url:/api/a..b/x?q=..", "/api/a..b/x?q=.."),
    ] {
        assert_eq!(remove_member(&api, id).await.unwrap(), json!(204));
        let head = seen.lock().unwrap().pop().unwrap();
        assert_eq!(head.split_whitespace().nth(1), Some(path), "{head}");
    }
}

/// An environment's `base-url` over plain http to another machine is refused before any request;
/// an upper-case scheme or a name that starts with `127.` is no exception.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_another_machine_is_refused() {
    for base in [
        "http://192.0.2.2/api",
        "HTTP://192.0.2.2/api",
        "http://127.0.0.1.nip.io/api",
    ] {
        let f = run_keyed(base).await.expect_err("plain http is refused");
        assert!(
            f.message.contains("plain http to") && f.message.contains(base),
            "{}",
            f.message
        );
    }
}

/// `--trace` writes one line per request sent, with what intact does about its answer: a 429
/// whose Retry-After is too long is one line, not two; a retried 429 says it is retried
/// (issue 24.3).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trace_has_one_line_per_request() {
    let answer =
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 999999\r\nContent-Length: 0\r\n\r\n";
    let base = server(move |s| {
        let _ = s.write_all(answer.as_bytes());
    });
    let lines = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let rt = runtime(PROJECT, &base, &[]).with_trace(Arc::new(move |l: &str| {
        sink.lock().unwrap().push(l.to_string())
    }));
    rt.run_flow("get", json!({}))
        .await
        .expect_err("rate limited");
    let seen = lines.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:#?}");
    assert!(
        seen[0].contains("-> 429 in") && seen[0].contains("not retried"),
        "{seen:#?}"
    );

    // Twice 429 with a short wait, then 200: three requests, three lines.
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let n = count.clone();
    let base = server(move |s| {
        let answer = if n.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 2 {
            "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n"
        } else {
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        };
        let _ = s.write_all(answer.as_bytes());
    });
    let lines = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let rt = runtime(PROJECT, &base, &[]).with_trace(Arc::new(move |l: &str| {
        sink.lock().unwrap().push(l.to_string())
    }));
    rt.run_flow("get", json!({}))
        .await
        .expect("the third answer is 200");
    let seen = lines.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "{seen:#?}");
    assert!(
        seen[0].contains("-> 429 in") && seen[0].contains("retrying in"),
        "{seen:#?}"
    );
    assert!(seen[2].contains("-> 200 in"), "{seen:#?}");
}

/// A request's header replaces the connection's header of the same name, whatever its case: the
/// API receives one value, the request's (issue 25.4).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_header_replaces_the_connections() {
    let (base, seen) = recording_server("127.0.0.1", |_| {
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".into()
    });
    let kdl = r#"project "p" {
    display-name "P"
}
connection "api" {
    base-url "https://api.example.com"
    header "Accept" "application/json"
    header "X-Tenant" "t1"
}
flow "get" {
    request "r" "GET" "/x" {
        header "accept" "text/csv"
    }
    return "${steps.r.body}"
}
"#;
    run_project(kdl, &base, &[]).await.expect("answered");
    let head = seen.lock().unwrap()[0].to_ascii_lowercase();
    let accepts: Vec<&str> = head.lines().filter(|l| l.starts_with("accept:")).collect();
    assert_eq!(accepts, ["accept: text/csv"], "{head}");
    assert!(head.contains("x-tenant: t1"), "{head}");
}
