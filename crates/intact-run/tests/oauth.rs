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
    /// Which token endpoint answered each token request: `token` or `refresh`.
    endpoints: Arc<Mutex<Vec<&'static str>>>,
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
    if form.get("grant_type").map(String::as_str) != Some("refresh_token") {
        api.endpoints.lock().unwrap().push("token");
    }
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
    // Whether an `X-Token` header carried the same token (`auth.access_token` in a header).
    let x_token = headers.get("x-token").and_then(|v| v.to_str().ok()) == Some(token.as_str());
    Json(json!({"token": token, "serial": serial, "x_token": x_token})).into_response()
}

async fn refresh(
    State(api): State<Api>,
    headers: HeaderMap,
    form: Form<std::collections::HashMap<String, String>>,
) -> impl IntoResponse {
    api.endpoints.lock().unwrap().push("refresh");
    token(State(api), headers, form).await.into_response()
}

async fn start(api: Api) -> String {
    let app = Router::new()
        .route("/token", post(token))
        .route("/refresh", post(refresh))
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

/// An authorization-code connection: `pkce #false`, token-params of every type, a `refresh-url`
/// in the project while the environment overrides only `token-url`, and `auth.access_token` in a
/// header.
fn code_project(base: &str) -> String {
    format!(
        r#"project "p" {{
    display-name "P"
}}
connection "api" {{
    base-url "https://api.example.com"
    header "X-Token" "${{auth.access_token}}"
    auth "oauth2" {{
        grant "authorization-code"
        authorize-url "https://login.example.com/authorize"
        token-url "https://login.example.com/token"
        refresh-url "{base}/refresh"
        pkce #false
        token-param "audience" "https://api.example.com"
        token-param "max_age" 3600
        token-param "offline" #true
    }}
}}
flow "me" {{
    request "me" "GET" "/me"
    return {{
        serial "${{steps.me.body.serial}}"
        x_token "${{steps.me.body.x_token}}"
    }}
}}
"#
    )
}

fn code_runtime(base: &str, store: &std::path::Path) -> Runtime {
    runtime(
        &code_project(base),
        base,
        &format!("{base}/token"),
        Arc::new(Mutex::new(Vec::new())),
    )
    .with_token_store(intact_run::oauth::TokenStore::at(store))
}

/// A GET of `url` on 127.0.0.1; the body of the answer.
fn get_page(url: &str) -> String {
    use std::io::{Read, Write};
    let u = reqwest::Url::parse(url).unwrap();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", u.port().unwrap())).unwrap();
    let target = match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    };
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// The browser's part of a login: follows the authorize URL's redirect_uri with `state`.
fn browser(state_of: fn(&str) -> String) -> (impl Fn(&str) + Sync, Arc<Mutex<Vec<String>>>) {
    let pages = Arc::new(Mutex::new(Vec::new()));
    let (urls, sink) = (Arc::new(Mutex::new(Vec::<String>::new())), pages.clone());
    let show = move |url: &str| {
        urls.lock().unwrap().push(url.to_string());
        let u = reqwest::Url::parse(url).unwrap();
        let q: std::collections::HashMap<String, String> = u.query_pairs().into_owned().collect();
        let redirect = format!(
            "{}?code=the-code&state={}",
            q["redirect_uri"],
            state_of(&q["state"])
        );
        let sink = sink.clone();
        let url = url.to_string();
        std::thread::spawn(move || {
            let page = get_page(&redirect);
            sink.lock().unwrap().push(format!("{url}\n{page}"));
        });
    };
    (show, pages)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_state_fails_in_the_browser_too() {
    let api = Api::default();
    let base = start(api.clone()).await;
    let store = tempfile::tempdir().unwrap();
    let rt = code_runtime(&base, store.path());
    let (show, pages) = browser(|_| "forged".to_string());
    let options = intact_run::login::LoginOptions {
        port: 0,
        timeout: std::time::Duration::from_secs(20),
    };
    let err = intact_run::login::login(&rt, "api", &options, &show)
        .await
        .unwrap_err();
    assert!(
        err.message.contains("state does not match"),
        "{}",
        err.message
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    let page = pages.lock().unwrap().join("\n");
    assert!(
        page.contains("The login failed") && !page.contains("Logged in"),
        "{page}"
    );
    assert!(
        api.forms.lock().unwrap().is_empty(),
        "no code was exchanged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pkce_off_token_params_refresh_url_and_access_token_in_a_header() {
    let api = Api::default();
    api.expires_in.store(3600, Ordering::SeqCst);
    let base = start(api.clone()).await;
    let store = tempfile::tempdir().unwrap();
    let rt = code_runtime(&base, store.path());
    let (show, pages) = browser(|state| state.to_string());
    let options = intact_run::login::LoginOptions {
        port: 0,
        timeout: std::time::Duration::from_secs(20),
    };
    intact_run::login::login(&rt, "api", &options, &show)
        .await
        .expect("the login succeeds");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let page = pages.lock().unwrap().join("\n");
    assert!(page.contains("Logged in"), "{page}");
    assert!(!page.contains("code_challenge"), "pkce #false: {page}");
    let exchange = api.forms.lock().unwrap()[0].clone();
    assert_eq!(exchange["grant_type"], "authorization_code");
    assert!(!exchange.contains_key("code_verifier"), "{exchange:?}");
    for (k, v) in [
        ("audience", "https://api.example.com"),
        ("max_age", "3600"),
        ("offline", "true"),
    ] {
        assert_eq!(exchange.get(k).map(String::as_str), Some(v), "{exchange:?}");
    }
    // The stored token has expired: the refresh goes to the project's refresh-url, with the
    // token-params, and the new token reaches the header that reads `auth.access_token`.
    let path = store.path().join("api.json");
    let mut stored: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    stored["expires_at"] = 0.into();
    stored["refresh_token"] = "rt-1".into();
    std::fs::write(&path, stored.to_string()).unwrap();
    let rt = code_runtime(&base, store.path());
    let out = rt.run_flow("me", json!({})).await.unwrap();
    assert_eq!(out, json!({"serial": "1", "x_token": true}));
    assert_eq!(*api.endpoints.lock().unwrap(), vec!["token", "refresh"]);
    let refresh = api.forms.lock().unwrap()[1].clone();
    assert_eq!(refresh["grant_type"], "refresh_token");
    assert_eq!(refresh["max_age"], "3600");
    assert_eq!(refresh["audience"], "https://api.example.com");
}

/// A token file that is a link (planted to have intact read, or change, a file elsewhere) fails
/// the run, naming the link, before any request; the file it points at is left as it was.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_in_the_token_store_fails_the_run_and_is_not_followed() {
    use std::os::unix::fs::PermissionsExt;
    let api = Api::default();
    let base = start(api.clone()).await;
    let store = tempfile::tempdir().unwrap();
    let target = tempfile::NamedTempFile::new().unwrap();
    let planted = r#"{"access_token": "planted", "expires_at": 99999999999}"#;
    std::fs::write(target.path(), planted).unwrap();
    std::fs::set_permissions(target.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = store.path().join("api.json");
    std::os::unix::fs::symlink(target.path(), &link).unwrap();
    let run = code_runtime(&base, store.path())
        .run_flow("me", json!({}))
        .await;
    let mode = std::fs::metadata(target.path())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o644, "the target keeps its mode");
    assert!(api.endpoints.lock().unwrap().is_empty(), "nothing was sent");
    let err = run.unwrap_err();
    assert!(
        err.message.contains(&link.display().to_string())
            && err.message.contains("symbolic link")
            && err.message.contains("remove the link"),
        "{}",
        err.message
    );
}
