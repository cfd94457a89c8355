//! The executor against a real HTTP server on 127.0.0.1 (axum): requests, authentication, mappings,
//! error types, retries with Retry-After, timeouts, and secrets kept out of every output.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use intact_model::{Analysis, FileInput};
use intact_run::Runtime;
use intact_run::env::{ConnectionEnv, Environment};
use intact_run::mask::Masker;
use serde_json::{Value, json};

const TOKEN: &str = "tok-very-secret-42";

#[derive(Clone, Default)]
struct Server {
    seen_auth: Arc<Mutex<Vec<String>>>,
    flaky: Arc<AtomicUsize>,
}

async fn get_user(
    State(s): State<Server>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> impl IntoResponse {
    s.seen_auth.lock().unwrap().push(
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
    );
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {TOKEN}"))
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"detail": "bad token"})),
        )
            .into_response();
    }
    match id.as_str() {
        "u1" => Json(json!({"id": "u1", "email": "jane@example.com", "first_name": "Jane", "status": "active"})).into_response(),
        "a b" => Json(json!({"id": "a b", "email": "ab@example.com", "first_name": "A", "status": "active"})).into_response(),
        _ => (StatusCode::NOT_FOUND, Json(json!({"detail": format!("no user {id}")}))).into_response(),
    }
}

async fn list(Query(q): Query<std::collections::HashMap<String, String>>) -> Json<Value> {
    let n: usize = q.get("count").and_then(|c| c.parse().ok()).unwrap_or(2);
    Json(
        json!({"items": (0..n).map(|i| json!({"id": format!("u{i}"), "email": format!("u{i}@example.com"), "first_name": "U", "status": "active"})).collect::<Vec<_>>()}),
    )
}

async fn flaky(State(s): State<Server>) -> impl IntoResponse {
    if s.flaky.fetch_add(1, Ordering::SeqCst) < 2 {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            "slow down",
        )
            .into_response();
    }
    Json(json!({"ok": true})).into_response()
}

async fn slowish(Path(i): Path<u64>) -> Json<Value> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    Json(json!({"i": i}))
}

async fn unavailable(State(s): State<Server>) -> impl IntoResponse {
    // Two 503s, then success: a GET is retried, a POST is not.
    if s.flaky.fetch_add(1, Ordering::SeqCst) % 3 < 2 {
        return (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response();
    }
    Json(json!({"ok": true})).into_response()
}

async fn malformed() -> impl IntoResponse {
    ([("content-type", "application/json")], "{\"not\": json")
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "late"
}

async fn echo(headers: HeaderMap, Json(body): Json<Value>) -> Json<Value> {
    Json(json!({"got": body, "auth": headers.get("authorization").and_then(|v| v.to_str().ok())}))
}

/// Answers with the form fields it received.
async fn form_echo(
    axum::Form(fields): axum::Form<std::collections::BTreeMap<String, String>>,
) -> Json<Value> {
    Json(json!(fields))
}

async fn start() -> (String, Server) {
    let state = Server::default();
    let app = Router::new()
        .route("/users/{id}", get(get_user))
        .route("/users", get(list))
        .route("/flaky", get(flaky))
        .route("/slow", get(slow))
        .route("/slowish/{i}", get(slowish))
        .route("/unavailable", get(unavailable).post(unavailable))
        .route("/malformed", get(malformed))
        .route("/echo", post(echo))
        .route("/form", post(form_echo))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), state)
}

const PROJECT: &str = r#"
project "p" {
    display-name "P"
    capability "provisioning"
}
connection "api" {
    base-url "https://api.example.com"
    auth "bearer" {
        token "${auth.token}"
    }
    param "token" {
        type "password"
    }
    timeout "1s"
    retry max=3 on=429 on=503
}
mapping "scim_user" {
    (array)schemas "urn:ietf:params:scim:schemas:core:2.0:User"
    id "${it.id}"
    userName "${it.email}"
    name {
        givenName "${it.first_name}"
    }
    active "${it.status == 'active'}"
}
action "get_user" contract="get-user" {
    log "looking up ${input.userId} with ${auth.token}"
    request "get" "GET" "/users/${input.userId}"
    return {
        user "${scim_user(steps.get.body)}"
    }
}
action "list_users" contract="list-users" {
    request "list" "GET" "/users" {
        query "count" "${default(input.pagination.limit, 3)}"
    }
    for-each "users" in="${steps.list.body.items}" {
        yield "${scim_user(item)}"
    }
    return {
        resources "${steps.users}"
        pagination {
            nextCursor ""
        }
    }
}
flow "flaky" {
    request "r" "GET" "/flaky"
    return "${steps.r.body.ok}"
}
flow "slow" {
    request "r" "GET" "/slow"
    return "${steps.r.body}"
}
flow "echo" {
    input "value" type="string" required=#true
    try {
        request "r" "POST" "/echo" {
            json {
                value "${input.value}"
                n 1
            }
        }
        return "${steps.r.body}"
    }
    catch {
        return "${error.message}"
    }
}
flow "fan_out" {
    input "concurrency" type="integer" required=#true
    for-each "each" in="${[3, 1, 2, 0]}" concurrency="${input.concurrency}" {
        request "r" "GET" "/slowish/${item}"
        yield "${steps.r.body.i * 10 + index}"
    }
    return "${steps.each}"
}
flow "unavailable_get" {
    request "r" "GET" "/unavailable"
    return "${steps.r.body.ok}"
}
flow "unavailable_post" {
    request "r" "POST" "/unavailable"
    return "${steps.r.body.ok}"
}
flow "malformed" {
    request "r" "GET" "/malformed"
    return "${steps.r.body}"
}
flow "missing" {
    try {
        request "r" "GET" "/users/nobody"
    }
    catch {
        return "${error.type + ' ' + string(error.status)}"
    }
}
flow "form" {
    input "name" type="string" required=#true
    input "ttl" type="integer"
    request "r" "POST" "/form" {
        form {
            name "${input.name}"
            ttl "${input.ttl}"
        }
    }
    return "${steps.r.body}"
}
flow "segment" {
    input "id"
    request "r" "GET" "/users/${input.id}"
    return "${steps.r.body}"
}
flow "guarded" {
    input "id" type="string" required=#true
    try {
        request "found" "GET" "/users/${input.id}"
    }
    catch {
        fail "no user ${input.id}: ${error.message}"
    }
    return "${steps.found.body.email}"
}
flow "leaky" connection="api" {
    fail "the token was ${auth.token}" status=401
}
flow "branch" connection="api" {
    input "kind" type="string" required=#true
    if "${input.kind == 'user'}" {
        request "one" "GET" "/users/u1"
        return "${'user ' + steps.one.body.email}"
    }
    else-if "${input.kind == 'list'}" {
        request "all" "GET" "/users" {
            query "count" "3"
        }
        return "${'list ' + string(steps.all.body.items.size())}"
    }
    else-if "${input.kind.size() == 0}" {
        fail "an empty kind" status=400
    }
    else {
        return "other ${input.kind}"
    }
}
"#;

fn runtime(base: &str, traces: Arc<Mutex<Vec<String>>>) -> Runtime {
    let analysis = Arc::new(Analysis::new(vec![FileInput::new("intact.kdl", PROJECT)]));
    assert!(
        intact_check_free(&analysis),
        "the test project must check clean"
    );
    let mut env = Environment::default();
    env.connections.insert(
        "api".into(),
        ConnectionEnv {
            params: [("token".to_string(), TOKEN.to_string())]
                .into_iter()
                .collect(),
            base_url: Some(base.to_string()),
            ..Default::default()
        },
    );
    let masker = Arc::new(Masker::new());
    Runtime::new(analysis, env, masker).with_trace(Arc::new(move |l: &str| {
        traces.lock().unwrap().push(l.to_string())
    }))
}

/// Only syntax errors matter here (the executor crate does not depend on the checker).
fn intact_check_free(a: &Analysis) -> bool {
    a.files.iter().all(|f| f.parse.errors.is_empty())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_actions_with_auth_mappings_and_contract_checks() {
    let (base, server) = start().await;
    let traces = Arc::new(Mutex::new(Vec::new()));
    let rt = runtime(&base, traces.clone());
    let out = rt
        .run_action("get_user", json!({"userId": "u1"}))
        .await
        .unwrap();
    assert!(out.succeeded, "{}", out.output);
    assert_eq!(out.output["user"]["userName"], "jane@example.com");
    assert_eq!(out.output["user"]["active"], true);
    assert_eq!(out.output["executionStatus"]["status"], "SUCCEEDED");
    assert_eq!(
        server.seen_auth.lock().unwrap()[0],
        format!("Bearer {TOKEN}")
    );
    // A path value is one encoded segment.
    let out = rt
        .run_action("get_user", json!({"userId": "a b"}))
        .await
        .unwrap();
    assert_eq!(out.output["user"]["id"], "a b");
    // 404 → FAILED with RESOURCE_NOT_FOUND and the status.
    let out = rt
        .run_action("get_user", json!({"userId": "zz"}))
        .await
        .unwrap();
    assert!(!out.succeeded);
    let err = &out.output["executionStatus"]["errors"][0];
    assert_eq!(err["type"], "RESOURCE_NOT_FOUND");
    assert_eq!(err["httpStatusCode"], 404);
    // Input validated before any request.
    let err = rt
        .run_action("get_user", json!({"userid": "u1"}))
        .await
        .unwrap_err();
    assert!(
        err.is_before_any_request() && err.message.contains("userId"),
        "{}",
        err.message
    );
    // default(), for-each and yield.
    let out = rt.run_action("list_users", json!({})).await.unwrap();
    assert_eq!(
        out.output["resources"].as_array().unwrap().len(),
        3,
        "{}",
        out.output
    );
    // The secret never appears: not in the trace, not in outputs.
    let all = traces.lock().unwrap().join("\n");
    assert!(all.contains("looking up u1 with ••••"), "{all}");
    assert!(!all.contains(TOKEN), "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_timeouts_and_catch() {
    let (base, _server) = start().await;
    let rt = runtime(&base, Arc::new(Mutex::new(Vec::new())));
    // Two 429s with Retry-After: 1, then success.
    let started = std::time::Instant::now();
    assert_eq!(rt.run_flow("flaky", json!({})).await.unwrap(), json!(true));
    assert!(started.elapsed() >= Duration::from_secs(2));
    // The connection's 1 s timeout ends a 5 s response.
    let err = rt.run_flow("slow", json!({})).await.unwrap_err();
    assert!(err.message.contains("timed out"), "{}", err.message);
    // JSON bodies, and the token sent but masked in what comes back.
    let v = rt.run_flow("echo", json!({"value": "hi"})).await.unwrap();
    assert_eq!(v["got"], json!({"value": "hi", "n": 1}));
    // try/catch sees the error's type and status.
    assert_eq!(
        rt.run_flow("missing", json!({})).await.unwrap(),
        json!("RESOURCE_NOT_FOUND 404")
    );
    // A form field whose value is null (an optional input not given) is not sent.
    assert_eq!(
        rt.run_flow("form", json!({"name": "n1"})).await.unwrap(),
        json!({"name": "n1"})
    );
    assert_eq!(
        rt.run_flow("form", json!({"name": "n1", "ttl": 60}))
            .await
            .unwrap(),
        json!({"name": "n1", "ttl": "60"})
    );
    // An input of the wrong type is refused before any request; an object is no path segment.
    let err = rt.run_flow("form", json!({"name": 5})).await.unwrap_err();
    assert!(
        err.is_before_any_request()
            && err
                .message
                .contains("is an integer, but it is declared a string"),
        "{}",
        err.message
    );
    let err = rt
        .run_flow("segment", json!({"id": {"a": 1}}))
        .await
        .unwrap_err();
    assert!(
        err.message
            .contains("is an object: a path segment takes text, a number or a list"),
        "{}",
        err.message
    );
    // Past a try whose catch ends the run, the steps of the try are there.
    assert_eq!(
        rt.run_flow("guarded", json!({"id": "u1"})).await.unwrap(),
        json!("jane@example.com")
    );
    let err = rt
        .run_flow("guarded", json!({"id": "nobody"}))
        .await
        .unwrap_err();
    assert!(err.message.starts_with("no user nobody"), "{}", err.message);
    // A missing required input is refused.
    assert!(
        rt.run_flow("echo", json!({}))
            .await
            .unwrap_err()
            .is_before_any_request()
    );
}

/// A failure leaves the runtime masked, whoever prints it: the CLI, the test runner, verify.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_leave_the_runtime_masked() {
    let (base, _server) = start().await;
    let rt = runtime(&base, Arc::new(Mutex::new(Vec::new())));
    let err = rt.run_flow("leaky", json!({})).await.unwrap_err();
    assert_eq!(err.message, "the token was ••••");
    let out = rt
        .run_action("get_user", json!({"userId": "u1"}))
        .await
        .unwrap();
    assert!(!out.output.to_string().contains(TOKEN));
}

/// An `if` chain runs the first branch whose condition holds, and no other (the branches send
/// different requests), else the `else`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_if_chain_runs_one_branch() {
    let (base, _server) = start().await;
    let traces = Arc::new(Mutex::new(Vec::new()));
    let rt = runtime(&base, traces.clone());
    let run = |kind: &'static str| rt.run_flow("branch", json!({ "kind": kind }));
    assert_eq!(run("user").await.unwrap(), json!("user jane@example.com"));
    assert_eq!(run("list").await.unwrap(), json!("list 3"));
    assert_eq!(run("group").await.unwrap(), json!("other group"));
    let err = run("").await.unwrap_err();
    assert_eq!(
        (err.message.as_str(), err.status),
        ("an empty kind", Some(400))
    );
    let requests: Vec<String> = traces
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("GET "))
        .cloned()
        .collect();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert!(
        requests[0].contains("/users/u1") && requests[1].contains("/users -> 200"),
        "{requests:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn for_each_runs_bodies_concurrently_and_keeps_order() {
    let (base, _server) = start().await;
    let rt = runtime(&base, Arc::new(Mutex::new(Vec::new())));
    let started = std::time::Instant::now();
    assert_eq!(
        rt.run_flow("fan_out", json!({"concurrency": 4}))
            .await
            .unwrap(),
        json!([30, 11, 22, 3])
    );
    let parallel = started.elapsed();
    let started = std::time::Instant::now();
    assert_eq!(
        rt.run_flow("fan_out", json!({"concurrency": 1}))
            .await
            .unwrap(),
        json!([30, 11, 22, 3])
    );
    let serial = started.elapsed();
    // Four 300 ms responses: about 0.3 s at once, about 1.2 s one by one.
    assert!(serial >= Duration::from_millis(1200), "{serial:?}");
    assert!(parallel < serial, "{parallel:?} vs {serial:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_end_in_clear_failures() {
    let (base, server) = start().await;
    let rt = runtime(&base, Arc::new(Mutex::new(Vec::new())));
    // 503 twice, then 200: an idempotent GET is retried until it succeeds.
    assert_eq!(
        rt.run_flow("unavailable_get", json!({})).await.unwrap(),
        json!(true)
    );
    // A POST is not retried on 503 (it may have been applied): it fails with the status.
    server.flaky.store(0, Ordering::SeqCst);
    let err = rt
        .run_flow("unavailable_post", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.status, Some(503), "{}", err.message);
    // A body that says it is JSON but is not.
    let err = rt.run_flow("malformed", json!({})).await.unwrap_err();
    assert!(
        err.message.contains("says it is JSON but is not"),
        "{}",
        err.message
    );
    // A connection that is reset before any answer.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let reset_base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for s in listener.incoming().take(8) {
            // Dropping the stream with unread data makes the kernel send RST.
            drop(s);
        }
    });
    let rt = runtime(&reset_base, Arc::new(Mutex::new(Vec::new())));
    let err = rt.run_flow("malformed", json!({})).await.unwrap_err();
    assert!(err.message.contains("could not be sent"), "{}", err.message);
}
