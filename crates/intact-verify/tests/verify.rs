//! `intact_verify::verify` against real HTTP servers on 127.0.0.1 (axum), for what the SCIM
//! example cannot show: an interrupt (what Ctrl-C is to the command) that arrives while a read
//! waits still deactivates every user the run created, and nothing else; test data that cannot be
//! undone fails the run; universal logout answers SUCCESS or FAILURE, never anything else.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use intact_model::{Analysis, FileInput};
use intact_run::Runtime;
use intact_run::env::Environment;
use intact_run::mask::Masker;
use serde_json::{Value, json};

/// Serves `app` on a free port of 127.0.0.1; answers the port.
async fn serve(app: Router) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    port
}

/// Serves `app`, and a runtime for `project` (its `PORT` replaced by the server's port) with an
/// empty environment.
async fn start(app: Router, project: &str) -> Runtime {
    let port = serve(app).await;
    let text = project.replace("PORT", &port.to_string());
    let analysis = Arc::new(Analysis::new(vec![FileInput::new("intact.kdl", text)]));
    Runtime::new(analysis, Environment::default(), Arc::new(Masker::new()))
}

/// The options of a run of one scenario.
fn only(scenario: &str) -> intact_verify::Options {
    intact_verify::Options {
        only: vec![scenario.into()],
        ..Default::default()
    }
}

#[derive(Clone, Default)]
struct Server {
    created: Arc<Mutex<Vec<String>>>,
    deactivated: Arc<Mutex<Vec<String>>>,
    reading: Arc<tokio::sync::Notify>,
}

async fn create(
    State(s): State<Server>,
    Json(user): Json<Value>,
) -> (axum::http::StatusCode, Json<Value>) {
    let mut created = s.created.lock().unwrap();
    let id = format!("u{}", created.len() + 1);
    created.push(id.clone());
    (
        axum::http::StatusCode::CREATED,
        Json(json!({"id": id, "userName": user["userName"]})),
    )
}

/// A read that never answers, after telling the test it has begun.
async fn read(State(s): State<Server>, Path(_): Path<String>) -> Json<Value> {
    s.reading.notify_one();
    std::future::pending::<()>().await;
    unreachable!()
}

async fn deactivate(State(s): State<Server>, Path(id): Path<String>) -> Json<Value> {
    s.deactivated.lock().unwrap().push(id.clone());
    Json(json!({"id": id, "active": false}))
}

const PROJECT: &str = include_str!("fixtures/minimal.kdl");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_deactivates_every_user_it_created() {
    let server = Server::default();
    let app = Router::new()
        .route("/users", post(create))
        .route("/users/{id}", get(read).patch(deactivate))
        .with_state(server.clone());
    let rt = start(app, PROJECT).await;
    let options = only("users");
    let reading = server.reading.clone();
    let report = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        intact_verify::verify(&rt, &options, async move { reading.notified().await }),
    )
    .await
    .expect("the interrupt stops the run");

    assert!(report.interrupted, "{report:?}");
    assert!(!report.passed());
    let created = server.created.lock().unwrap().clone();
    assert_eq!(
        created,
        ["u1", "u2"],
        "the scenario creates a second user, then the test user"
    );
    let mut deactivated = server.deactivated.lock().unwrap().clone();
    deactivated.sort();
    assert_eq!(
        deactivated, created,
        "the cleanup deactivates what the run created, and only that"
    );
    assert!(
        report.cleanup.iter().all(|s| s.passed),
        "{:?}",
        report.cleanup
    );
    assert!(report.human().contains("interrupted"), "{}", report.human());
}

async fn found(Path(id): Path<String>) -> Json<Value> {
    Json(json!({"id": id, "userName": "someone@example.com"}))
}

/// Without a deactivate-user action, the test users cannot be undone: they are listed as left
/// behind and the run fails, though its scenario passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_data_that_cannot_be_undone_fails_the_run() {
    let server = Server::default();
    let app = Router::new()
        .route("/users", post(create))
        .route("/users/{id}", get(found))
        .with_state(server.clone());
    let deactivate = PROJECT.find("action \"deactivate_user\"").unwrap();
    let rt = start(app, &PROJECT[..deactivate]).await;
    let report = intact_verify::verify(&rt, &only("users"), std::future::pending()).await;
    assert!(report.scenarios[0].passed(), "{:?}", report.scenarios[0]);
    assert!(!report.passed(), "test data was left, yet the run passed");
    assert_eq!(report.left.len(), 2, "{:?}", report.left);
    assert!(
        report.left[0].contains("no deactivate-user action"),
        "{:?}",
        report.left
    );
    assert!(
        report.human().contains("left behind: u1"),
        "{}",
        report.human()
    );
}

/// The logout scenario against a server whose sign-out answers `answer`: SUCCESS and FAILURE pass;
/// anything else does not fit the contract and fails at universal-logout. Without `with_create`, the
/// project is a logout-only integration (no create-user action).
async fn logout_with(answer: &'static str, with_create: bool) -> intact_verify::Report {
    let server = Server::default();
    let app = Router::new()
        .route("/users", post(create))
        .route("/users/{id}", axum::routing::patch(deactivate))
        .route(
            "/sessions/{id}",
            axum::routing::delete(move || async move { Json(json!({"result": answer})) }),
        )
        .with_state(server.clone());
    let project = if with_create {
        PROJECT
    } else {
        &PROJECT[..PROJECT.find("action \"create_user\"").unwrap()]
    };
    let project = project.to_string()
        + r#"
action "logout" contract="universal-logout" {
    request "end" "DELETE" "/sessions/${input.externalUserId}"
    return {
        logoutStatus "${steps.end.body.result}"
    }
}
"#;
    let rt = start(app, &project).await;
    intact_verify::verify(&rt, &only("logout"), std::future::pending()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_answers_success_or_failure_never_anything_else() {
    for ok in ["SUCCESS", "FAILURE"] {
        let report = logout_with(ok, true).await;
        assert!(report.passed(), "{ok}: {}", report.human());
        let steps: Vec<&str> = report.scenarios[0]
            .steps
            .iter()
            .map(|s| s.contract.as_str())
            .collect();
        // The test user, then a user the app does not know.
        assert_eq!(
            steps,
            ["create-user", "universal-logout", "universal-logout"]
        );
        // The test user it signed out is deactivated at the end.
        assert_eq!(report.cleanup.len(), 1, "{:?}", report.cleanup);
    }
    let report = logout_with("MAYBE", true).await;
    assert!(!report.passed());
    let failed = report.scenarios[0]
        .steps
        .iter()
        .find(|s| !s.passed)
        .unwrap();
    assert_eq!(failed.contract, "universal-logout");
    assert!(failed.message.contains("MAYBE"), "{}", failed.message);
}

/// `--keep` leaves the test data and lists it; nothing is deactivated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_leaves_the_test_data_and_lists_it() {
    let server = Server::default();
    let app = Router::new()
        .route("/users", post(create))
        .route("/users/{id}", get(found).patch(deactivate))
        .with_state(server.clone());
    let rt = start(app, PROJECT).await;
    let options = intact_verify::Options {
        keep: true,
        ..only("users")
    };
    let report = intact_verify::verify(&rt, &options, std::future::pending()).await;
    assert!(report.cleanup.is_empty(), "{:?}", report.cleanup);
    assert_eq!(
        report.left,
        ["test user u1 (--keep)", "test user u2 (--keep)"],
        "{}",
        report.human()
    );
    // Only the scenario's own deactivate-user step (of the test user, u2) reached the server: no
    // cleanup ran.
    assert_eq!(*server.deactivated.lock().unwrap(), ["u2"]);
}

/// A logout-only integration (no create-user) is verified too: it signs out a user it does not know.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_only_integration_signs_out_an_unknown_user() {
    let report = logout_with("FAILURE", false).await;
    assert!(report.passed(), "{}", report.human());
    let steps = &report.scenarios[0].steps;
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(steps[0].contract, "universal-logout");
    assert!(steps[0].what.contains("does not know"), "{steps:?}");
    assert!(report.cleanup.is_empty());
}
