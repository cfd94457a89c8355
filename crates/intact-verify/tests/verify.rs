//! `intact_verify::verify` against a real HTTP server on 127.0.0.1 (axum) that keeps users and
//! groups and can misbehave on demand, for what the SCIM example cannot show: verify undoes only
//! what it provably created (a create that answers someone else's id never gets that id
//! deactivated or deleted), finds what a create left without an answer, sees a remove or a
//! deactivate that did nothing, and an interrupt (what Ctrl-C and SIGTERM are to the command)
//! still runs the cleanup while a second one cuts it short.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use intact_model::{Analysis, FileInput};
use intact_run::Runtime;
use intact_run::env::Environment;
use intact_run::mask::Masker;
use intact_verify::Interrupts;
use serde_json::{Value, json};

/// What the server gets wrong.
#[derive(Clone, Copy, Default, PartialEq)]
enum Fault {
    #[default]
    None,
    /// Stores the new user, but answers the first user it has (the customer's CEO), as an action
    /// that returns a listing's first entry would.
    CreateUserAnswersFirstUser,
    /// Answers an existing user's id with the userName it was sent.
    CreateUserAnswersExistingIdWithSentName,
    /// Stores the new group, but answers the customer's "Finance Admins".
    CreateGroupAnswersExisting,
    /// Stores the new user and answers it with a userName that is not the one sent.
    CreateUserAnswersWrongName,
    /// Stores the new user, then never answers.
    CreateUserHangs,
    /// Answers 204 to a remove, and keeps the group.
    RemoveGroupKeepsIt,
    /// Answers 200 to a deactivate, and keeps the user active.
    DeactivateDoesNothing,
    /// Every read of a user hangs after the first, until the test says otherwise.
    ReadsHang,
    /// Has no inactive state: a deactivation deletes the user.
    DeactivateDeletes,
}

#[derive(Default)]
struct Data {
    users: Vec<(String, String, bool)>,
    groups: Vec<(String, String)>,
    fault: Fault,
    deactivated: Vec<String>,
    removed: Vec<String>,
    reads: usize,
}

#[derive(Clone, Default)]
struct Api {
    data: Arc<Mutex<Data>>,
    /// Told when a read of a user begins (for interrupts).
    reading: Arc<tokio::sync::Notify>,
}

impl Api {
    /// The customer's own data, which verify must never change.
    fn with(fault: Fault) -> Api {
        let api = Api::default();
        {
            let mut d = api.data.lock().unwrap();
            d.fault = fault;
            d.users.push(("u0".into(), "ceo@example.com".into(), true));
            d.groups.push(("g0".into(), "Finance Admins".into()));
        }
        api
    }

    fn router(&self) -> Router {
        Router::new()
            .route("/users", post(create_user).get(find_user))
            .route("/users/{id}", get(read_user).patch(deactivate))
            .route("/groups", post(create_group).get(find_groups))
            .route("/groups/{id}", get(read_group).delete(remove_group))
            .with_state(self.clone())
    }

    fn ceo_active(&self) -> bool {
        self.data.lock().unwrap().users[0].2
    }

    fn finance_admins_kept(&self) -> bool {
        self.data.lock().unwrap().groups.iter().any(|g| g.0 == "g0")
    }

    /// Users this run created that are still active.
    fn active_test_users(&self) -> Vec<String> {
        let d = self.data.lock().unwrap();
        d.users
            .iter()
            .filter(|u| u.0 != "u0" && u.2)
            .map(|u| u.1.clone())
            .collect()
    }
}

fn user(u: &(String, String, bool)) -> Value {
    json!({"id": u.0, "userName": u.1, "active": u.2})
}

fn missing() -> (StatusCode, Json<Value>) {
    (StatusCode::NOT_FOUND, Json(json!({"detail": "not found"})))
}

async fn create_user(State(api): State<Api>, Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    let (fault, answer) = {
        let mut d = api.data.lock().unwrap();
        let id = format!("u{}", d.users.len());
        let name = body["userName"].as_str().unwrap_or("").to_string();
        d.users.push((id.clone(), name.clone(), true));
        let answer = match d.fault {
            Fault::CreateUserAnswersFirstUser => user(&d.users[0]),
            Fault::CreateUserAnswersExistingIdWithSentName => json!({"id": "u0", "userName": name}),
            Fault::CreateUserAnswersWrongName => {
                json!({"id": id, "userName": "someone@example.com"})
            }
            _ => json!({"id": id, "userName": name}),
        };
        (d.fault, answer)
    };
    if fault == Fault::CreateUserHangs {
        std::future::pending::<()>().await;
    }
    (StatusCode::CREATED, Json(answer))
}

async fn read_user(State(api): State<Api>, Path(id): Path<String>) -> (StatusCode, Json<Value>) {
    let hang = {
        let mut d = api.data.lock().unwrap();
        d.reads += 1;
        d.fault == Fault::ReadsHang && d.reads > 1
    };
    if hang {
        api.reading.notify_one();
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if api.data.lock().unwrap().fault != Fault::ReadsHang {
                break;
            }
        }
    }
    let d = api.data.lock().unwrap();
    match d.users.iter().find(|u| u.0 == id) {
        Some(u) => (StatusCode::OK, Json(user(u))),
        None => missing(),
    }
}

type ByName = std::collections::HashMap<String, String>;

async fn find_user(State(api): State<Api>, Query(q): Query<ByName>) -> (StatusCode, Json<Value>) {
    let d = api.data.lock().unwrap();
    if !q.contains_key("userName") {
        // A listing: `count` from `start`, and the next start while there are more.
        let start: usize = q.get("start").and_then(|s| s.parse().ok()).unwrap_or(0);
        let count: usize = q.get("count").and_then(|s| s.parse().ok()).unwrap_or(100);
        let page: Vec<Value> = d.users.iter().skip(start).take(count).map(user).collect();
        let next = if start + count < d.users.len() {
            json!((start + count).to_string())
        } else {
            json!("")
        };
        return (
            StatusCode::OK,
            Json(json!({"resources": page, "next": next})),
        );
    }
    let wanted = q.get("userName").cloned().unwrap_or_default();
    match d.users.iter().find(|u| u.1.eq_ignore_ascii_case(&wanted)) {
        Some(u) => (StatusCode::OK, Json(user(u))),
        None => missing(),
    }
}

async fn deactivate(State(api): State<Api>, Path(id): Path<String>) -> (StatusCode, Json<Value>) {
    let mut d = api.data.lock().unwrap();
    d.deactivated.push(id.clone());
    if d.fault == Fault::DeactivateDeletes {
        let before = d.users.len();
        d.users.retain(|u| u.0 != id);
        return if d.users.len() < before {
            (StatusCode::OK, Json(json!({})))
        } else {
            missing()
        };
    }
    let keep = d.fault == Fault::DeactivateDoesNothing;
    match d.users.iter_mut().find(|u| u.0 == id) {
        Some(u) => {
            if !keep {
                u.2 = false;
            }
            (StatusCode::OK, Json(json!({})))
        }
        None => missing(),
    }
}

async fn create_group(
    State(api): State<Api>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let mut d = api.data.lock().unwrap();
    let id = format!("g{}", d.groups.len());
    let name = body["displayName"].as_str().unwrap_or("").to_string();
    d.groups.push((id.clone(), name.clone()));
    let answer = if d.fault == Fault::CreateGroupAnswersExisting {
        json!({"id": "g0", "displayName": "Finance Admins"})
    } else {
        json!({"id": id, "displayName": name})
    };
    (StatusCode::CREATED, Json(answer))
}

async fn read_group(State(api): State<Api>, Path(id): Path<String>) -> (StatusCode, Json<Value>) {
    let d = api.data.lock().unwrap();
    match d.groups.iter().find(|g| g.0 == id) {
        Some(g) => (StatusCode::OK, Json(json!({"id": g.0, "displayName": g.1}))),
        None => missing(),
    }
}

async fn find_groups(State(api): State<Api>, Query(q): Query<ByName>) -> Json<Value> {
    let d = api.data.lock().unwrap();
    let wanted = q.get("displayName").cloned().unwrap_or_default();
    let found: Vec<Value> = d
        .groups
        .iter()
        .filter(|g| g.1 == wanted)
        .map(|g| json!({"id": g.0, "displayName": g.1}))
        .collect();
    Json(json!({"resources": found}))
}

async fn remove_group(State(api): State<Api>, Path(id): Path<String>) -> StatusCode {
    let mut d = api.data.lock().unwrap();
    d.removed.push(id.clone());
    if d.fault != Fault::RemoveGroupKeepsIt {
        d.groups.retain(|g| g.0 != id);
    }
    StatusCode::NO_CONTENT
}

/// Serves `app` on a free port of 127.0.0.1, and a runtime for `project` (its `PORT` replaced).
async fn start(app: Router, project: &str) -> Runtime {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let text = project.replace("PORT", &port.to_string());
    let analysis = Arc::new(Analysis::new(vec![FileInput::new("intact.kdl", text)]));
    Runtime::new(analysis, Environment::default(), Arc::new(Masker::new()))
}

const API: &str = include_str!("fixtures/api.kdl");
const MINIMAL: &str = include_str!("fixtures/minimal.kdl");

fn only(scenario: &str) -> intact_verify::Options {
    intact_verify::Options {
        only: vec![scenario.into()],
        timeout: Duration::from_secs(5),
        ..Default::default()
    }
}

/// `scenario` against the API with `fault`, nothing interrupting.
async fn run(fault: Fault, scenario: &str) -> (Api, intact_verify::Report) {
    let api = Api::with(fault);
    let rt = start(api.router(), API).await;
    let report = intact_verify::verify(&rt, &only(scenario), Interrupts::none()).await;
    (api, report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_honest_api_passes_and_nothing_is_left() {
    for scenario in ["users", "groups"] {
        let (api, report) = run(Fault::None, scenario).await;
        assert!(report.passed(), "{}", report.human());
        assert!(report.left.is_empty(), "{:?}", report.left);
        assert!(
            api.active_test_users().is_empty(),
            "{:?}",
            api.active_test_users()
        );
        assert!(api.ceo_active() && api.finance_admins_kept());
    }
}

/// Issue 23.2: a create that answers the customer's first user. The scenario fails at the create,
/// the CEO is never touched, and the user the create really made is found by its userName and
/// deactivated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_answering_another_user_never_gets_that_user_deactivated() {
    for fault in [
        Fault::CreateUserAnswersFirstUser,
        Fault::CreateUserAnswersExistingIdWithSentName,
    ] {
        let (api, report) = run(fault, "users").await;
        let human = report.human();
        assert!(!report.passed(), "{human}");
        assert!(api.ceo_active(), "the CEO was deactivated: {human}");
        assert!(
            !api.data
                .lock()
                .unwrap()
                .deactivated
                .contains(&"u0".to_string()),
            "{human}"
        );
        assert!(
            api.active_test_users().is_empty(),
            "the test user that was really created is left active: {human}"
        );
    }
    // When the create echoes the name it was sent with the CEO's id, the read-back is what
    // catches it, before any update or deactivation.
    let (_, report) = run(Fault::CreateUserAnswersExistingIdWithSentName, "users").await;
    let failed = report.scenarios[0]
        .steps
        .iter()
        .find(|s| !s.passed)
        .unwrap();
    assert_eq!(failed.contract, "get-user", "{}", report.human());
    assert!(
        failed.message.contains("belongs to another user"),
        "{}",
        failed.message
    );
    assert!(
        report
            .left
            .iter()
            .any(|l| l.contains("u0") && l.contains("not touched")),
        "{:?}",
        report.left
    );
}

/// Issue 23.2: a create-group that answers "Finance Admins". It is never removed; the run fails
/// and says so; the test group the API really made is found by name and removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_answering_another_group_never_gets_that_group_removed() {
    let (api, report) = run(Fault::CreateGroupAnswersExisting, "groups").await;
    let human = report.human();
    assert!(!report.passed(), "{human}");
    assert!(
        api.finance_admins_kept(),
        "Finance Admins was deleted: {human}"
    );
    assert!(!api.data.lock().unwrap().removed.contains(&"g0".to_string()));
    assert!(
        !human.contains("ok     remove the test group g0"),
        "{human}"
    );
    let d = api.data.lock().unwrap();
    assert_eq!(
        d.groups.len(),
        1,
        "the real test group is removed: {:?}",
        d.groups
    );
}

/// Issue 23.3: a create whose answer failed verify's check still created something; it is
/// undone, not forgotten.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_answer_failed_the_check_is_still_undone() {
    let (api, report) = run(Fault::CreateUserAnswersWrongName, "users").await;
    assert!(!report.passed());
    assert!(api.active_test_users().is_empty(), "{}", report.human());
    assert!(report.left.is_empty(), "{:?}", report.left);
}

/// Issue 23.3: a create that never answered (past `--timeout`) is looked up by the userName it
/// was sent, and deactivated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_that_timed_out_is_found_by_name_and_undone() {
    let api = Api::with(Fault::CreateUserHangs);
    let rt = start(api.router(), API).await;
    let options = intact_verify::Options {
        timeout: Duration::from_secs(1),
        ..only("users")
    };
    let report = intact_verify::verify(&rt, &options, Interrupts::none()).await;
    assert!(!report.passed());
    assert_eq!(
        api.data.lock().unwrap().users.len(),
        2,
        "one create reached the API"
    );
    assert!(api.active_test_users().is_empty(), "{}", report.human());
    assert!(api.ceo_active());
}

/// Issue 23.3: a remove-group that answers 204 while the group stays, and a deactivate-user that
/// answers 200 while the user stays active, are left behind, not "ok".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undo_that_did_nothing_is_left_behind() {
    let (_, report) = run(Fault::RemoveGroupKeepsIt, "groups").await;
    assert!(!report.passed(), "{}", report.human());
    assert!(
        report
            .left
            .iter()
            .any(|l| l.contains("still there after remove-group")),
        "{:?}",
        report.left
    );
    let (api, report) = run(Fault::DeactivateDoesNothing, "users").await;
    assert!(!report.passed(), "{}", report.human());
    assert_eq!(report.left.len(), 2, "{:?}", report.left);
    assert!(
        report
            .left
            .iter()
            .all(|l| l.contains("still there after deactivate-user")),
        "{:?}",
        report.left
    );
    assert_eq!(api.active_test_users().len(), 2);
}

/// An interrupt while a read waits stops the scenario; the cleanup still deactivates the users
/// the run created, and only those.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_deactivates_every_user_it_created() {
    let api = Api::with(Fault::ReadsHang);
    let rt = start(api.router(), API).await;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let reading = api.reading.clone();
    let data = api.data.clone();
    tokio::spawn(async move {
        reading.notified().await;
        tx.send(()).unwrap();
        // The API recovers, so that the cleanup can read the users back.
        data.lock().unwrap().fault = Fault::None;
        std::future::pending::<()>().await;
    });
    let report = tokio::time::timeout(
        Duration::from_secs(20),
        intact_verify::verify(&rt, &only("users"), Interrupts::from(rx)),
    )
    .await
    .expect("the interrupt stops the run");
    assert!(report.interrupted, "{report:?}");
    assert!(!report.passed());
    let d = api.data.lock().unwrap();
    assert_eq!(
        d.users.len(),
        3,
        "the second user, then the test user: {:?}",
        d.users
    );
    let mut deactivated = d.deactivated.clone();
    deactivated.sort();
    assert_eq!(deactivated, ["u1", "u2"], "only what the run created");
    assert!(
        report.cleanup.iter().all(|s| s.passed),
        "{:?}",
        report.cleanup
    );
    assert!(report.human().contains("interrupted"), "{}", report.human());
}

/// Issue 23.4: a second interrupt cuts a cleanup that waits on a hung API short, and lists what
/// is left behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_interrupt_cuts_the_cleanup_short_and_lists_what_is_left() {
    let api = Api::with(Fault::ReadsHang);
    let rt = start(api.router(), API).await;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let reading = api.reading.clone();
    tokio::spawn(async move {
        reading.notified().await;
        tx.send(()).unwrap();
        // The cleanup's first read hangs too: the second interrupt ends it.
        reading.notified().await;
        tx.send(()).unwrap();
        std::future::pending::<()>().await;
    });
    let options = intact_verify::Options {
        timeout: Duration::from_secs(60),
        ..only("users")
    };
    let started = std::time::Instant::now();
    let report = intact_verify::verify(&rt, &options, Interrupts::from(rx)).await;
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the cleanup waited on the API"
    );
    assert!(!report.passed());
    assert_eq!(report.left.len(), 2, "{:?}", report.left);
    assert!(
        report
            .left
            .iter()
            .all(|l| l.contains("cut short by a second interrupt")),
        "{:?}",
        report.left
    );
}

/// The logout scenario against a server whose sign-out answers `answer`: SUCCESS and FAILURE pass;
/// anything else does not fit the contract and fails at universal-logout. Without `with_create`, the
/// project is a logout-only integration (no create-user action).
async fn logout_with(answer: &'static str, with_create: bool) -> intact_verify::Report {
    let api = Api::with(Fault::None);
    let app = api.router().route(
        "/sessions/{id}",
        axum::routing::delete(move || async move { Json(json!({"result": answer})) }),
    );
    let project = if with_create {
        MINIMAL
    } else {
        &MINIMAL[..MINIMAL.find("action \"create_user\"").unwrap()]
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
    intact_verify::verify(&rt, &only("logout"), Interrupts::none()).await
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
        // The test user (read back before it is used), then a user the app does not know.
        assert_eq!(
            steps,
            [
                "create-user",
                "get-user",
                "universal-logout",
                "universal-logout"
            ]
        );
        // The test user it signed out is read back, deactivated and read again at the end.
        let cleanup: Vec<&str> = report.cleanup.iter().map(|s| s.contract.as_str()).collect();
        assert_eq!(
            cleanup,
            ["get-user", "deactivate-user", "get-user"],
            "{:?}",
            report.cleanup
        );
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
    let api = Api::with(Fault::None);
    let rt = start(api.router(), MINIMAL).await;
    let options = intact_verify::Options {
        keep: true,
        ..only("users")
    };
    let report = intact_verify::verify(&rt, &options, Interrupts::none()).await;
    assert!(report.cleanup.is_empty(), "{:?}", report.cleanup);
    assert_eq!(report.left.len(), 2, "{}", report.human());
    assert!(
        report.left[0].starts_with("test user u1 (intact-verify-"),
        "{:?}",
        report.left
    );
    assert!(report.left.iter().all(|l| l.ends_with("(--keep)")));
    // Only the scenario's own deactivate-user step (of the test user, u2) reached the server: no
    // cleanup ran.
    assert_eq!(api.data.lock().unwrap().deactivated, ["u2"]);
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

/// The project `API` declaring that its app has no inactive state.
fn removing(project: &str) -> String {
    project.replacen(
        "project \"p\" {\n    display-name \"P\"\n}",
        "project \"p\" {\n    display-name \"P\"\n    capability \"provisioning\" {\n        deactivation \"removes\"\n    }\n}",
        1,
    )
}

/// Issue 24.2: an app without an inactive state, declared with `deactivation "removes"`. Verify
/// proves that deactivate-user removes the user (get-user ends RESOURCE_NOT_FOUND, list-users no
/// longer lists it), does not try to reactivate it, and the cleanup counts a user that is gone as
/// undone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_whose_deactivation_removes_the_user_is_verified() {
    let api = Api::with(Fault::DeactivateDeletes);
    let rt = start(api.router(), &removing(API)).await;
    let report = intact_verify::verify(&rt, &only("users"), Interrupts::none()).await;
    let human = report.human();
    assert!(report.passed(), "{human}");
    assert!(report.left.is_empty(), "{human}");
    let users = &report.scenarios[0];
    assert!(
        users.summary.contains("deactivate it, which removes it"),
        "{}",
        users.summary
    );
    assert!(!users.summary.contains("reactivate"), "{}", users.summary);
    let steps: Vec<&str> = users.steps.iter().map(|s| s.what.as_str()).collect();
    assert!(
        steps
            .iter()
            .any(|s| s.contains("get-user ends RESOURCE_NOT_FOUND")),
        "{human}"
    );
    assert!(
        human.contains("list-users no longer lists")
            || users.steps.iter().any(|s| s.contract == "list-users"),
        "{human}"
    );
    // Only the second test user was still there at the end; the test user was removed by the
    // scenario itself.
    let d = api.data.lock().unwrap();
    assert_eq!(d.users.len(), 1, "{:?}", d.users);
    assert_eq!(d.users[0].0, "u0");
}

/// The same API without the declaration: the failure states what was asserted, and the cleanup
/// treats the deleted user as undone instead of "left behind".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undeclared_removal_fails_with_the_assertion_and_leaves_nothing() {
    let (_, report) = run(Fault::DeactivateDeletes, "users").await;
    let human = report.human();
    assert!(!report.passed(), "{human}");
    let failed = report.scenarios[0]
        .steps
        .iter()
        .find(|s| !s.passed)
        .unwrap();
    assert!(
        failed
            .what
            .contains("after deactivate-user, get-user must show `active` false"),
        "{human}"
    );
    assert!(report.left.is_empty(), "{human}");
}

/// Without deactivate-user nothing is created that cannot be undone: the user scenarios are
/// skipped and say why; with --keep they run and the closing line counts what was kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_that_cannot_undo_users_creates_none() {
    let api = Api::with(Fault::None);
    let deactivate = API.find("action \"deactivate_user\"").unwrap();
    let end = API[deactivate..].find("}\n").unwrap() + deactivate + 2;
    let project = format!("{}{}", &API[..deactivate], &API[end..]);
    let rt = start(api.router(), &project).await;
    let report = intact_verify::verify(
        &rt,
        &intact_verify::Options {
            only: vec!["users".into(), "paging".into()],
            ..only("users")
        },
        Interrupts::none(),
    )
    .await;
    for s in &report.scenarios {
        let why = s.skipped.as_deref().unwrap_or_default();
        assert!(
            why.contains("no deactivate-user action"),
            "{}",
            report.human()
        );
    }
    assert_eq!(
        api.data.lock().unwrap().users.len(),
        1,
        "no test user was created"
    );
    let keep = intact_verify::Options {
        keep: true,
        ..only("users")
    };
    let report = intact_verify::verify(&rt, &keep, Interrupts::none()).await;
    assert!(report.scenarios[0].skipped.is_none(), "{}", report.human());
    assert!(
        report.human().contains("2 test resource(s) kept (--keep)"),
        "{}",
        report.human()
    );
}

/// A run that leaves data behind says so on its closing line; a skipped scenario's JUnit time is
/// `0.000`, never `-0.000`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_closing_line_counts_what_was_left_and_junit_times_are_not_negative() {
    let (_, report) = run(Fault::DeactivateDoesNothing, "users").await;
    assert!(
        report.human().contains("2 test resource(s) left behind"),
        "{}",
        report.human()
    );
    let api = Api::with(Fault::None);
    let rt = start(api.router(), API).await;
    let report = intact_verify::verify(&rt, &only("logout"), Interrupts::none()).await;
    let junit = report.junit();
    assert!(junit.contains("skipped=\"1\" time=\"0.000\""), "{junit}");
    assert!(!junit.contains("-0.000"), "{junit}");
}
