//! Credentials never leave in clear, on the wire (issue 23): every spelling that a URL parser reads
//! as `http://HOST` but that is not written as such (`http:HOST`, `HTTP:HOST`, `http:/HOST`,
//! `http:\\HOST`, a space or tab before `http://`) is refused before any request, whether it
//! comes from the project, an environment's `base-url`, a tenant variable, or an OAuth 2.0
//! `token-url`. A real server on 127.0.0.1 counts what reaches it: nothing may. The same URLs
//! written plainly (`http://127.0.0.1:PORT`) do reach it, so the server would have seen the key.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use intact_model::{Analysis, FileInput};
use intact_run::Runtime;
use intact_run::env::{ConnectionEnv, Environment};
use intact_run::mask::Masker;
use serde_json::json;

const KEY: &str = "sk_test_4f9a2c1e7b";
const SECRET: &str = "client-secret-9d8e7f";

/// A server that answers `200 {"access_token": …}` to anything, and keeps every request it read.
struct Server {
    port: u16,
    hits: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<String>>>,
}

fn server() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (h, s) = (hits.clone(), seen.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            h.fetch_add(1, Ordering::SeqCst);
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 8192];
            let n = stream.read(&mut buf).unwrap_or(0);
            s.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            let body = r#"{"access_token":"tok","token_type":"Bearer","expires_in":300,"ok":true}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    Server { port, hits, seen }
}

/// The spellings of the review, each pointing at the local server: a URL parser reads every one
/// as `http://127.0.0.1:PORT`.
fn spellings(port: u16) -> Vec<String> {
    vec![
        format!("http:127.0.0.1:{port}"),
        format!("HTTP:127.0.0.1:{port}"),
        format!("http:/127.0.0.1:{port}"),
        format!("http:\\\\127.0.0.1:{port}"),
        format!("http:\\127.0.0.1:{port}"),
        format!(" http://127.0.0.1:{port}"),
        format!("\thttp://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{port}\t"),
        format!("http:2130706433:{port}"),
    ]
}

fn project(base_url: &str, auth: &str) -> Arc<Analysis> {
    let kdl = format!(
        r#"project "p" {{
    display-name "P"
}}
variable "base" {{
    label "Base URL"
}}
connection "api" {{
    base-url "{base_url}"
    {auth}
}}
flow "get" {{
    request "r" "GET" "/x"
    return "${{steps.r.body}}"
}}
"#
    );
    Arc::new(Analysis::new(vec![FileInput::new("intact.kdl", kdl)]))
}

const HEADER_KEY: &str = r#"auth "api-key" {
        header "X-Api-Key" "${auth.api_key}"
    }"#;
const QUERY_KEY: &str = r#"auth "api-key" {
        query "api_key" "${auth.api_key}"
    }"#;
const OAUTH: &str = r#"auth "oauth2" {
        grant "client-credentials"
        token-url "https://auth.example.com/token"
    }"#;

fn env(app_base: &str, conn: ConnectionEnv) -> Environment {
    let mut env = Environment::default();
    env.app.insert("base".into(), app_base.into());
    env.connections.insert("api".into(), conn);
    env
}

fn params(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn run(
    analysis: Arc<Analysis>,
    env: Environment,
) -> Result<serde_json::Value, intact_run::Failure> {
    let masker = Arc::new(Masker::new());
    masker.add(KEY);
    masker.add(SECRET);
    Runtime::new(analysis, env, masker)
        .run_flow("get", json!({}))
        .await
}

/// Every way a URL reaches the runtime, with the URL `url`.
fn cases(url: &str, port: u16) -> Vec<(&'static str, Arc<Analysis>, Environment)> {
    let key = params(&[("api_key", KEY)]);
    let oauth = params(&[("client_id", "id"), ("client_secret", SECRET)]);
    let plain = format!("http://127.0.0.1:{port}");
    vec![
        (
            "an environment's base-url, the key in a header",
            project("https://api.example.com", HEADER_KEY),
            env(
                "",
                ConnectionEnv {
                    base_url: Some(url.into()),
                    params: key.clone(),
                    ..Default::default()
                },
            ),
        ),
        (
            "an environment's base-url, the key in the query",
            project("https://api.example.com", QUERY_KEY),
            env(
                "",
                ConnectionEnv {
                    base_url: Some(url.into()),
                    params: key.clone(),
                    ..Default::default()
                },
            ),
        ),
        (
            "a tenant variable that is the whole base-url",
            project("${app.base}", HEADER_KEY),
            env(
                url,
                ConnectionEnv {
                    params: key.clone(),
                    ..Default::default()
                },
            ),
        ),
        (
            "an environment's token-url (the client secret in Basic auth)",
            project("https://api.example.com", OAUTH),
            env(
                "",
                ConnectionEnv {
                    base_url: Some(plain),
                    token_url: Some(url.into()),
                    params: oauth,
                    ..Default::default()
                },
            ),
        ),
    ]
}

#[tokio::test]
async fn no_spelling_of_plain_http_carries_a_credential() {
    let srv = server();
    for url in spellings(srv.port) {
        for (what, analysis, env) in cases(&url, srv.port) {
            let failure = run(analysis, env)
                .await
                .expect_err(&format!("{what}: `{url}` was accepted"));
            assert!(
                failure.is_before_any_request(),
                "{what}: `{url}`: {}",
                failure.message
            );
            assert!(
                failure.message.contains("https://HOST/PATH"),
                "{what}: `{url}`: the failure should say how to write it: {}",
                failure.message
            );
            assert!(!failure.message.contains(KEY) && !failure.message.contains(SECRET));
            assert_eq!(
                srv.hits.load(Ordering::SeqCst),
                0,
                "{what}: `{url}` reached the server: {:?}",
                srv.seen.lock().unwrap()
            );
        }
    }
}

/// The control: the same server, written plainly, does receive the key, so the test above would
/// see a request that got through.
#[tokio::test]
async fn the_loopback_url_written_plainly_reaches_the_server() {
    let srv = server();
    let url = format!("http://127.0.0.1:{}", srv.port);
    for (what, analysis, env) in cases(&url, srv.port) {
        let before = srv.hits.load(Ordering::SeqCst);
        run(analysis, env)
            .await
            .unwrap_or_else(|f| panic!("{what}: {}", f.message));
        assert!(srv.hits.load(Ordering::SeqCst) > before, "{what}");
    }
    let seen = srv.seen.lock().unwrap().join("\n");
    assert!(seen.contains(&format!("x-api-key: {KEY}")), "{seen}");
    assert!(seen.contains(&format!("api_key={KEY}")), "{seen}");
    assert!(
        seen.to_ascii_lowercase().contains("authorization: basic "),
        "{seen}"
    );
}
