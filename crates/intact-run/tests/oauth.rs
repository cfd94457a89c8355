//! OAuth 2.0 client credentials: against a token endpoint of our own on 127.0.0.1 (to control
//! expiry and refusals) and against a real `oauth2-mock-server` (npm).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use intact_model::{Analysis, FileInput};
use intact_run::Runtime;
use intact_run::env::{ConnectionEnv, Environment};
use intact_run::mask::Masker;
use serde_json::{Value, json};

const SECRET: &str = "client-secret-9d8e";

#[derive(Clone, Default)]
struct Api {
    issued: Arc<AtomicUsize>,
    forms: Arc<Mutex<Vec<std::collections::HashMap<String, String>>>>,
    /// Tokens the API refuses (to force a refresh).
    revoked: Arc<Mutex<Vec<String>>>,
    expires_in: Arc<AtomicUsize>,
    /// The bearer tokens `/me` was called with (a run's output masks them).
    seen: Arc<Mutex<Vec<String>>>,
}

async fn token(
    State(api): State<Api>,
    headers: HeaderMap,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> impl IntoResponse {
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let post_secret = form.get("client_secret").map(String::as_str);
    let ok = basic.starts_with("Basic ") || post_secret == Some(SECRET);
    api.forms.lock().unwrap().push(form);
    if !ok {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let n = api.issued.fetch_add(1, Ordering::SeqCst);
    Json(json!({"access_token": format!("at-{n}"), "token_type": "Bearer", "expires_in": api.expires_in.load(Ordering::SeqCst)})).into_response()
}

async fn me(State(api): State<Api>, headers: HeaderMap) -> impl IntoResponse {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let token = auth.trim_start_matches("Bearer ").to_string();
    api.seen.lock().unwrap().push(token.clone());
    if !auth.starts_with("Bearer ") || api.revoked.lock().unwrap().contains(&token) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"detail": "token refused"})),
        )
            .into_response();
    }
    // The token's serial tells the test which token came; the token itself comes back masked.
    let serial = token.trim_start_matches("at-").to_string();
    Json(json!({"token": token, "serial": serial})).into_response()
}

async fn start(api: Api) -> String {
    let app = Router::new()
        .route("/token", post(token))
        .route("/me", get(me))
        .with_state(api);
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    format!("http://{addr}")
}

fn project(client_auth: &str) -> String {
    format!(
        r#"
project "p" {{
    display-name "P"
}}
connection "api" {{
    base-url "https://api.example.com"
    auth "oauth2" {{
        grant "client-credentials"
        token-url "https://login.example.com/token"
        scope "users:read" "users:write"
        client-auth "{client_auth}"
        token-param "audience" "https://api.example.com"
    }}
}}
flow "me" {{
    request "me" "GET" "/me"
    return {{
        serial "${{steps.me.body.serial}}"
        token "${{steps.me.body.token}}"
    }}
}}
"#
    )
}

fn runtime(text: &str, base: &str, token_url: &str, traces: Arc<Mutex<Vec<String>>>) -> Runtime {
    let analysis = Arc::new(Analysis::new(vec![FileInput::new("intact.kdl", text)]));
    assert!(analysis.files[0].parse.errors.is_empty());
    let mut env = Environment::default();
    env.connections.insert(
        "api".into(),
        ConnectionEnv {
            params: [
                ("client_id".to_string(), "cid".to_string()),
                ("client_secret".to_string(), SECRET.to_string()),
            ]
            .into_iter()
            .collect(),
            base_url: Some(base.to_string()),
            token_url: Some(token_url.to_string()),
            ..Default::default()
        },
    );
    let masker = Arc::new(Masker::new());
    masker.add(SECRET);
    Runtime::new(analysis, env, masker).with_trace(Arc::new(move |l: &str| {
        traces.lock().unwrap().push(l.to_string())
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_cache_refresh_and_401_retry() {
    let api = Api::default();
    api.expires_in.store(3600, Ordering::SeqCst);
    let base = start(api.clone()).await;
    let traces = Arc::new(Mutex::new(Vec::new()));
    let rt = runtime(
        &project("basic"),
        &base,
        &format!("{base}/token"),
        traces.clone(),
    );
    // Cached: two calls, one token.
    assert_eq!(
        rt.run_flow("me", json!({})).await.unwrap(),
        json!({"serial": "0", "token": "••••"})
    );
    assert_eq!(
        rt.run_flow("me", json!({})).await.unwrap(),
        json!({"serial": "0", "token": "••••"})
    );
    assert_eq!(api.issued.load(Ordering::SeqCst), 1);
    let form = api.forms.lock().unwrap()[0].clone();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["scope"], "users:read users:write");
    assert_eq!(form["audience"], "https://api.example.com");
    assert!(
        !form.contains_key("client_secret"),
        "client_secret_basic sends the secret in the header"
    );
    // The API refuses the token: one refresh and retry.
    api.revoked.lock().unwrap().push("at-0".into());
    assert_eq!(
        rt.run_flow("me", json!({})).await.unwrap(),
        json!({"serial": "1", "token": "••••"})
    );
    // Refused again after the refresh: TOKEN_EXPIRED.
    api.revoked.lock().unwrap().push("at-1".into());
    api.revoked.lock().unwrap().push("at-2".into());
    let err = rt.run_flow("me", json!({})).await.unwrap_err();
    assert_eq!(err.error_type.as_str(), "TOKEN_EXPIRED", "{}", err.message);
    // Tokens never appear in the trace.
    let all = traces.lock().unwrap().join("\n");
    assert!(!all.contains("at-0") && !all.contains(SECRET), "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_about_to_expire_are_refreshed_and_post_auth_sends_the_secret() {
    let api = Api::default();
    api.expires_in.store(10, Ordering::SeqCst); // under the 30 s margin: never reused
    let base = start(api.clone()).await;
    let rt = runtime(
        &project("post"),
        &base,
        &format!("{base}/token"),
        Arc::new(Mutex::new(Vec::new())),
    );
    assert_eq!(
        rt.run_flow("me", json!({})).await.unwrap(),
        json!({"serial": "0", "token": "••••"})
    );
    assert_eq!(
        rt.run_flow("me", json!({})).await.unwrap(),
        json!({"serial": "1", "token": "••••"})
    );
    let form = api.forms.lock().unwrap()[0].clone();
    assert_eq!(form["client_id"], "cid");
    assert_eq!(form["client_secret"], SECRET);
}

/// The real oauth2-mock-server (npm): `bash tests/run.sh` installs it into target/test-node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_against_oauth2_mock_server() {
    let bin = std::env::var("INTACT_OAUTH2_MOCK_SERVER").unwrap_or_else(|_| {
        panic!(
            "this test needs a real OAuth 2.0 server: run `bash tests/run.sh`, which installs oauth2-mock-server \
             into target/test-node and sets INTACT_OAUTH2_MOCK_SERVER, or `npm install oauth2-mock-server@8.2.3` \
             and set INTACT_OAUTH2_MOCK_SERVER to node_modules/.bin/oauth2-mock-server"
        )
    });
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(&bin)
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "oauth2-mock-server did not start"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let api = Api::default();
    let base = start(api.clone()).await;
    let rt = runtime(
        &project("basic"),
        &base,
        &format!("http://127.0.0.1:{port}/token"),
        Arc::new(Mutex::new(Vec::new())),
    );
    let out: Value = rt.run_flow("me", json!({})).await.unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(out["token"], "••••", "the token is masked in the output");
    let token = api.seen.lock().unwrap()[0].clone();
    // A signed JWT whose claims carry the scopes asked for.
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    use base64::Engine;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["scope"], "users:read users:write", "{claims}");
}
