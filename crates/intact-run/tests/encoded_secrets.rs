//! Secrets on the wire: an API that echoes back what intact sent, in the spellings other programs
//! give it (intact's own path-segment encoding, lower-case hex, a form encoder that keeps `~`,
//! JSON with `\u00e9` and `\/`, a number written as a float), never gets a secret into intact's
//! output: not the trace, not a `log` line, not a flow's result.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::Uri;
use axum::routing::{get, post};
use intact_model::{Analysis, FileInput};
use intact_run::Runtime;
use intact_run::env::{ConnectionEnv, Environment};
use intact_run::mask::{MASK, Masker};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::json;

const KEY: &str = "p@ss w/rd~é-9";
const PIN: &str = "987654321";

/// Pieces of every spelling of the two secrets: none may be printed.
const PIECES: &[&str] = &[
    "p@ss", "p%40ss", "ss w", "ss+w", "ss%20w", "rd~", "%C3%A9", "%c3%a9", r"\u00e9", "é", PIN,
];

/// What a form encoder that keeps `~` leaves as it is (Python's `urlencode`).
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b' ');

/// Answers, as text, the request line as it arrived and the key of its path in three other
/// spellings, then the body it received.
async fn echo(uri: Uri, body: String) -> ([(&'static str, &'static str); 1], String) {
    let sent = uri.to_string();
    let key = percent_decode_str(uri.path().trim_start_matches("/echo/"))
        .decode_utf8()
        .unwrap()
        .into_owned();
    let mut lower = String::new();
    let mut rest = sent.as_str();
    while let Some(at) = rest.find('%') {
        lower.push_str(&rest[..at]);
        lower.push_str(&rest[at..at + 3].to_lowercase());
        rest = &rest[at + 3..];
    }
    lower.push_str(rest);
    let form = utf8_percent_encode(&key, FORM)
        .to_string()
        .replace(' ', "+");
    let json: String = key
        .chars()
        .map(|c| match c {
            '/' => r"\/".to_string(),
            c if c.is_ascii() => c.to_string(),
            c => format!("\\u{:04x}", u32::from(c)),
        })
        .collect();
    (
        [("content-type", "text/plain")],
        format!("sent: {sent}\nlower: {lower}\nform: {form}\njson: {json}\nbody: {body}\n"),
    )
}

/// Answers the `pin` of the query as a JSON float.
async fn pin(uri: Uri) -> ([(&'static str, &'static str); 1], String) {
    let pin = uri
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("pin="))
        .unwrap_or("")
        .to_string();
    (
        [("content-type", "application/json")],
        format!(r#"{{"pin": {pin}.0}}"#),
    )
}

const PROJECT: &str = r#"
project "p" {
    display-name "P"
}
connection "api" {
    base-url "https://api.example.com"
    param "key" {
        type "password"
    }
    param "pin" {
        type "password"
    }
    auth "api-key" {
        query "api_key" "${auth.key}"
        query "pin" "${auth.pin}"
    }
}
flow "echo" {
    request "r" "POST" "/echo/${auth.key}" {
        json {
            key "${auth.key}"
        }
    }
    log "${steps.r.body}"
    request "n" "GET" "/pin"
    return "${{'echoed': steps.r.body, 'pin': steps.n.body}}"
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_echoed_in_any_spelling_is_never_printed() {
    let app = Router::new()
        .route("/echo/{key}", post(echo))
        .route("/pin", get(pin));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let analysis = Arc::new(Analysis::new(vec![FileInput::new("intact.kdl", PROJECT)]));
    assert!(analysis.files.iter().all(|f| f.parse.errors.is_empty()));
    let mut env = Environment::default();
    env.connections.insert(
        "api".into(),
        ConnectionEnv {
            params: [("key", KEY), ("pin", PIN)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            base_url: Some(base),
            ..Default::default()
        },
    );
    let traces = Arc::new(Mutex::new(Vec::<String>::new()));
    let lines = traces.clone();
    let rt = Runtime::new(analysis, env, Arc::new(Masker::new())).with_trace(Arc::new(
        move |l: &str| lines.lock().unwrap().push(l.into()),
    ));
    let out = rt.run_flow("echo", json!({})).await.unwrap();

    let echoed = out["echoed"].as_str().unwrap_or_default();
    let trace = traces.lock().unwrap().join("\n");
    // The server got the secrets and answered each spelling: each line is there, masked.
    for line in [
        format!("sent: /echo/{MASK}?api_key={MASK}&pin={MASK}"),
        format!("lower: /echo/{MASK}?api_key={MASK}&pin={MASK}"),
        format!("form: {MASK}"),
        format!("json: {MASK}"),
        format!(r#"body: {{"key":"{MASK}"}}"#),
    ] {
        assert!(echoed.contains(&line), "{line} in {echoed}");
        assert!(trace.contains(&line), "{line} in {trace}");
    }
    assert!(trace.contains(&format!("/echo/{MASK} -> 200")), "{trace}");
    assert_eq!(out["pin"], json!({ "pin": MASK }));
    let printed = format!("{trace}\n{out}");
    let leaks: Vec<&&str> = PIECES.iter().filter(|p| printed.contains(**p)).collect();
    assert!(leaks.is_empty(), "{leaks:?} printed in:\n{printed}");
}
