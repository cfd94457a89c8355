//! `intact test`: every test block runs its action or flow against its mocks, served by a real
//! HTTP server on 127.0.0.1 (one server per run; each test has its own path prefix, so tests are
//! isolated and may run in parallel).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use intact_expr::eval::{NoMappings, json_text as text};
use intact_model::eval::{Programs, eval_tree};
use intact_model::{Analysis, TestDef, Tree};
use serde_json::{Map, Value as J, json};

use crate::env::{ConnectionEnv, Environment};
use crate::mask::Masker;
use crate::runtime::Runtime;

#[derive(Clone, Debug)]
pub struct TestResult {
    pub name: String,
    pub file: String,
    pub outcome: TestOutcome,
    pub duration: Duration,
    pub failures: Vec<String>,
    /// The run's `log` lines and requests, as `--trace` prints them (secrets masked): what a
    /// failed test's report shows besides its failures.
    pub trace: Vec<String>,
}

/// How a test ended: a skipped test neither passed nor failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestOutcome {
    Passed,
    Failed,
    /// Why the test did not run (only with `--live`: it needs its mocks).
    Skipped(String),
}

impl TestOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            TestOutcome::Passed => "passed",
            TestOutcome::Failed => "failed",
            TestOutcome::Skipped(_) => "skipped",
        }
    }
}

impl TestResult {
    pub fn failed(&self) -> bool {
        self.outcome == TestOutcome::Failed
    }

    pub fn skipped(&self) -> Option<&str> {
        match &self.outcome {
            TestOutcome::Skipped(why) => Some(why),
            _ => None,
        }
    }
}

/// What the tests run against.
#[derive(Clone, Debug, Default)]
pub enum Mode {
    /// Each test's `mock` blocks, served on 127.0.0.1.
    #[default]
    Mocks,
    /// The real API of an environment (`--env NAME --live`): values from `env/NAME.toml`, the
    /// tests' `app`, `params` and `mock` blocks left out, `expect` and `expect-error` checked.
    Live {
        env: String,
        tokens: Option<crate::oauth::TokenStore>,
    },
}

/// A mocked route, evaluated for one test.
#[derive(Clone, Debug)]
struct Route {
    connection: String,
    method: String,
    path: String,
    /// Where the route is written (`tests/users.kdl:12:9`), for failures that name it.
    place: String,
    /// Only requests with these query parameters match.
    query: Vec<(String, String)>,
    times: i64,
    remaining: i64,
    optional: bool,
    expect_headers: Vec<(String, String)>,
    expect_json: Option<J>,
    expect_absent: Vec<String>,
    status: u16,
    headers: Vec<(String, String)>,
    body: Option<J>,
}

#[derive(Default)]
struct TestMocks {
    routes: Vec<Route>,
    problems: Vec<String>,
}

#[derive(Clone, Default)]
struct MockState {
    tests: Arc<Mutex<HashMap<usize, TestMocks>>>,
}

async fn serve_mock(
    State(state): State<MockState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // /t/{test}/{connection}/{path…}
    let path = uri.path();
    let mut parts = path.trim_start_matches('/').splitn(4, '/');
    let (Some("t"), Some(test), Some(conn)) = (parts.next(), parts.next(), parts.next()) else {
        return (StatusCode::NOT_FOUND, "not a mock path").into_response();
    };
    let rest = format!("/{}", parts.next().unwrap_or(""));
    let rest = percent_encoding::percent_decode_str(&rest)
        .decode_utf8_lossy()
        .into_owned();
    let Ok(test) = test.parse::<usize>() else {
        return (StatusCode::NOT_FOUND, "not a mock path").into_response();
    };
    let mut tests = state.tests.lock().unwrap();
    let Some(mocks) = tests.get_mut(&test) else {
        return (StatusCode::NOT_FOUND, "no such test").into_response();
    };
    let sent_query: Vec<(String, String)> = uri
        .query()
        .map(|q| serde_urlencoded::from_str(q).unwrap_or_default())
        .unwrap_or_default();
    let same_route =
        |r: &Route| r.connection == conn && r.method == method.as_str() && r.path == rest;
    let found = mocks
        .routes
        .iter_mut()
        .find(|r| same_route(r) && r.remaining > 0 && query_matches(&r.query, &sent_query));
    if found.is_none() && rest == TOKEN_PATH && method == Method::POST {
        return token_endpoint(test, &body);
    }
    let Some(route) = found else {
        let sent = describe_query(&sent_query);
        // A route for this path that wanted another query: say what was sent and what it wanted.
        let wanted: Vec<String> = mocks
            .routes
            .iter()
            .filter(|r| same_route(r) && r.remaining > 0 && !r.query.is_empty())
            .map(|r| format!("{} ({})", describe_query(&r.query), r.place))
            .collect();
        if !wanted.is_empty() {
            mocks.problems.push(format!(
                "{method} {rest} on connection `{conn}` was sent with the query {sent}, but its mock route expects {}",
                wanted.join(" or ")
            ));
        } else {
            let header_list: Vec<String> = headers
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("")))
                .collect();
            mocks.problems.push(format!(
                "no mock route for {method} {rest} on connection `{conn}` (query: {sent}; headers: {}; body: {})",
                header_list.join(", "),
                String::from_utf8_lossy(&body)
            ));
        }
        return (
            StatusCode::NOT_IMPLEMENTED,
            "intact: no mock route matches this request",
        )
            .into_response();
    };
    route.remaining -= 1;
    let route = route.clone();
    for (k, v) in &route.expect_headers {
        let got = headers
            .get(k.as_str())
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if got != v {
            mocks.problems.push(format!(
                "{method} {rest}: header `{k}` was `{got}`, expected `{v}`"
            ));
        }
    }
    // The body is read as JSON once, when something is asserted of it.
    let json_body = (!route.expect_absent.is_empty() || route.expect_json.is_some())
        .then(|| serde_json::from_slice::<J>(&body));
    if let Some(Err(_)) = &json_body {
        mocks
            .problems
            .push(format!("{method} {rest}: the request body is not JSON"));
    }
    if let Some(Ok(actual)) = &json_body {
        for field in &route.expect_absent {
            if let Some(v) = field_at(actual, field) {
                mocks.problems.push(format!(
                    "{method} {rest}: the request body has `{field}` ({v}), expected no such field"
                ));
            }
        }
    }
    if let (Some(expected), Some(Ok(actual))) = (&route.expect_json, &json_body)
        && let Err(why) = subset(expected, actual, "")
    {
        mocks
            .problems
            .push(format!("{method} {rest}: the request body {why}"));
    }
    let mut resp = match &route.body {
        Some(J::String(text)) => text.clone().into_response(),
        Some(v) => axum::Json(v.clone()).into_response(),
        None => ().into_response(),
    };
    *resp.status_mut() = StatusCode::from_u16(route.status).unwrap_or(StatusCode::OK);
    for (k, v) in &route.headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::try_from(k.as_str()),
            axum::http::HeaderValue::try_from(v.as_str()),
        ) {
            resp.headers_mut().insert(name, value);
        }
    }
    resp
}

/// Where the mock server's built-in OAuth 2.0 token endpoint answers, under a connection's prefix.
const TOKEN_PATH: &str = "/__token";

/// The access token the built-in token endpoint issues in test `index`: `${mock.token}`.
fn mock_access_token(index: usize) -> String {
    format!("mock-token-{index}")
}

/// The refresh token a test's authorization-code connection starts with.
fn mock_refresh_token(index: usize) -> String {
    format!("mock-refresh-{index}")
}

/// The built-in token endpoint: client credentials and refresh tokens (RFC 6749 4.4 and 6), both
/// answered with `${mock.token}`. A test that mocks `POST /__token` itself is served by its route.
fn token_endpoint(test: usize, body: &[u8]) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let refused = |error: &str, description: String| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": error, "error_description": description})),
        )
            .into_response()
    };
    match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {}
        Some("refresh_token") => {
            let expected = mock_refresh_token(test);
            if form.get("refresh_token") != Some(&expected) {
                return refused(
                    "invalid_grant",
                    "the mock token endpoint issued another refresh token".into(),
                );
            }
        }
        other => {
            return refused(
                "unsupported_grant_type",
                format!(
                    "the mock token endpoint serves client_credentials and refresh_token, not {}",
                    other.unwrap_or("a request without grant_type")
                ),
            );
        }
    }
    axum::Json(json!({
        "access_token": mock_access_token(test),
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": mock_refresh_token(test),
    }))
    .into_response()
}

/// Whether every expected parameter was sent with its value (others may be sent too).
fn query_matches(expected: &[(String, String)], sent: &[(String, String)]) -> bool {
    expected.iter().all(|e| sent.contains(e))
}

/// A query as the user wrote it (decoded): `?email=jane@example.com&limit=2`, or "none".
fn describe_query(q: &[(String, String)]) -> String {
    if q.is_empty() {
        return "none".into();
    }
    let pairs: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("`?{}`", pairs.join("&"))
}

/// The value at a dotted path of a JSON value.
fn field_at<'j>(v: &'j J, path: &str) -> Option<&'j J> {
    path.split('.').try_fold(v, |v, k| v.as_object()?.get(k))
}

/// Whether `expected` is contained in `actual`: every field of an expected object is there and
/// matches; lists match element by element with the same length; scalars are equal.
pub fn subset(expected: &J, actual: &J, at: &str) -> Result<(), String> {
    match (expected, actual) {
        (J::Object(e), J::Object(a)) => {
            for (k, ev) in e {
                let p = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                match a.get(k) {
                    Some(av) => subset(ev, av, &p)?,
                    None => return Err(format!("has no `{p}`")),
                }
            }
            Ok(())
        }
        (J::Array(e), J::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "`{at}` has {} element(s), expected {}",
                    a.len(),
                    e.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                subset(ev, av, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        (J::Number(e), J::Number(a)) if e.as_f64() == a.as_f64() => Ok(()),
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("`{at}` is {a}, expected {e}")),
    }
}

/// Runs the project's tests whose name contains `filter`, at most `jobs` at once.
pub async fn run_tests(
    analysis: Arc<Analysis>,
    root: PathBuf,
    filter: Option<String>,
    jobs: usize,
    mode: Mode,
) -> Result<Vec<TestResult>, String> {
    crate::init_tls();
    if let Mode::Live { env, .. } = &mode {
        // Fail once, before any test, when the environment cannot be loaded.
        crate::env::load(&root, env, &Masker::new(), &|v| std::env::var(v).ok())
            .map_err(|e| e.0)?;
    }
    let state = MockState::default();
    let app = axum::Router::new()
        .fallback(serve_mock)
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot start the mock server: {e}"))?;
    let base = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let selected: Vec<usize> = analysis
        .model
        .tests
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            filter
                .as_ref()
                .is_none_or(|f| t.name.name.contains(f.as_str()))
        })
        .map(|(i, _)| i)
        .collect();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(jobs.max(1)));
    let mut handles = Vec::new();
    for i in selected {
        let (analysis, root, base, state, semaphore, mode) = (
            analysis.clone(),
            root.clone(),
            base.clone(),
            state.clone(),
            semaphore.clone(),
            mode.clone(),
        );
        handles.push(tokio::spawn(async move {
            let _permit = semaphore
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            run_one(&analysis, &root, i, &base, &state, &mode).await
        }));
    }
    let mut results = Vec::new();
    for h in handles {
        results.push(h.await.map_err(|e| format!("a test task failed: {e}"))?);
    }
    server.abort();
    Ok(results)
}

async fn run_one(
    analysis: &Arc<Analysis>,
    root: &std::path::Path,
    index: usize,
    base: &str,
    state: &MockState,
    mode: &Mode,
) -> TestResult {
    let t = &analysis.model.tests[index];
    let started = Instant::now();
    let file = analysis
        .file(t.loc.file)
        .path()
        .to_string_lossy()
        .into_owned();
    let masker = Arc::new(Masker::new());
    let mut failures = Vec::new();
    let mut skipped = None;
    let trace: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let prepared = match mode {
        Mode::Mocks => prepare(analysis, root, t, index, base, state, &masker).map(Some),
        Mode::Live { env, .. } => prepare_live(root, t, env, &masker).inspect(|p| {
            if p.is_none() {
                skipped = Some("it uses `mock` values, which only exist against mocks".into());
            }
        }),
    };
    match prepared {
        Err(e) => failures.push(e),
        Ok(None) => {}
        Ok(Some((env, input, scope))) => {
            let lines = trace.clone();
            let mut rt = Runtime::new(analysis.clone(), env, masker.clone()).with_trace(Arc::new(
                move |l: &str| lines.lock().unwrap().push(l.to_string()),
            ));
            if let Mode::Live {
                tokens: Some(store),
                ..
            } = mode
            {
                rt = rt.with_token_store(store.clone());
            }
            let result = match (&t.action, &t.flow) {
                (Some(a), _) => rt
                    .run_action(&a.name, input)
                    .await
                    .map(|o| (o.output, o.succeeded)),
                (None, Some(f)) => rt.run_flow(&f.name, input).await.map(|v| (v, true)),
                (None, None) => Err(crate::runtime::Failure::new_public(
                    "the test names no action or flow",
                )),
            };
            check_result(t, result, &scope, &mut failures);
        }
    }
    if let Some(m) = state.tests.lock().unwrap().remove(&index) {
        // What the mocks saw first: a request no route matched is usually why the run failed.
        failures.splice(0..0, m.problems);
        for r in m.routes.iter().filter(|r| r.remaining > 0 && !r.optional) {
            failures.push(format!(
                "the mock route {} {}{} ({}) was called {} time(s), expected {}; remove it, or mark it `optional=#true`",
                r.method,
                r.path,
                if r.query.is_empty() { String::new() } else { format!(" {}", describe_query(&r.query)) },
                r.place,
                r.times - r.remaining,
                r.times
            ));
        }
    }
    let failures = failures
        .into_iter()
        .map(|f| masker.mask(&f))
        .collect::<Vec<_>>();
    let outcome = match skipped {
        Some(why) => TestOutcome::Skipped(why),
        None if failures.is_empty() => TestOutcome::Passed,
        None => TestOutcome::Failed,
    };
    let trace = std::mem::take(&mut *trace.lock().unwrap());
    TestResult {
        name: t.name.name.clone(),
        file,
        outcome,
        duration: started.elapsed(),
        failures,
        trace,
    }
}

/// A test's environment and input for a live run; `None` when the test cannot run live.
fn prepare_live(
    root: &std::path::Path,
    t: &TestDef,
    env_name: &str,
    masker: &Masker,
) -> Result<Option<(Environment, J, J)>, String> {
    let env =
        crate::env::load(root, env_name, masker, &|v| std::env::var(v).ok()).map_err(|e| e.0)?;
    let app = env.app_json();
    let uses_mock = |tree: &Tree| {
        let mut templates = Vec::new();
        tree.templates(&mut templates);
        templates
            .iter()
            .any(|tpl| !intact_model::template::members(&tpl.text, "mock").is_empty())
    };
    if t.input.as_ref().is_some_and(|(tree, _)| uses_mock(tree))
        || t.run.expect.as_ref().is_some_and(uses_mock)
    {
        return Ok(None);
    }
    let input = match &t.input {
        Some((tree, _)) => eval_tree(
            tree,
            &[("app", &app)],
            &Programs::default(),
            Arc::new(NoMappings),
        )?,
        None => J::Object(Map::new()),
    };
    Ok(Some((env, input, json!({"app": app}))))
}

fn check_result(
    t: &TestDef,
    result: Result<(J, bool), crate::runtime::Failure>,
    scope: &J,
    failures: &mut Vec<String>,
) {
    match (&t.run.expect_error, result) {
        (Some((ty, status)), Ok((output, succeeded))) => {
            let es = &output["executionStatus"];
            if succeeded {
                failures.push(format!(
                    "expected a FAILED execution, but it succeeded with {output}"
                ));
                return;
            }
            let err = &es["errors"][0];
            if let Some(ty) = ty
                && err["type"] != J::String(ty.clone())
            {
                failures.push(format!(
                    "expected error type {ty}, got {} ({})",
                    err["type"], err["summary"]
                ));
            }
            if let Some(st) = status
                && err["httpStatusCode"] != *st
            {
                failures.push(format!(
                    "expected HTTP status {st}, got {}",
                    err["httpStatusCode"]
                ));
            }
        }
        (Some((ty, _)), Err(f)) => {
            if let Some(ty) = ty
                && f.error_type.as_str() != ty
            {
                failures.push(format!(
                    "expected error type {ty}, got {}: {}",
                    f.error_type.as_str(),
                    f.message
                ));
            }
        }
        (None, Ok((output, _))) => {
            if let Some(expected) = &t.run.expect {
                match expected_json(expected, scope) {
                    Ok(e) => {
                        if let Err(why) = subset(&e, &output, "") {
                            failures.push(format!("the output {why}; it was {output}"));
                        }
                    }
                    Err(e) => failures.push(e),
                }
            }
        }
        (None, Err(f)) => failures.push(format!("the run failed: {}", f.message)),
    }
}

/// The expected output; `scope` holds the values `expect` may use (`app`, and `mock` unless live).
fn expected_json(tree: &Tree, scope: &J) -> Result<J, String> {
    let vars: Vec<(&str, &J)> = scope
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    eval_tree(tree, &vars, &Programs::default(), Arc::new(NoMappings))
}

#[allow(clippy::too_many_arguments)]
fn prepare(
    analysis: &Analysis,
    root: &std::path::Path,
    t: &TestDef,
    index: usize,
    base: &str,
    state: &MockState,
    masker: &Masker,
) -> Result<(Environment, J, J), String> {
    let mut env = match &t.run.env {
        Some(name) => {
            crate::env::load(root, name, masker, &|v| std::env::var(v).ok()).map_err(|e| e.0)?
        }
        None => Environment::default(),
    };
    let programs = Programs::default();
    let scalar = |tree: &Tree, vars: &[(&str, &J)]| -> Result<J, String> {
        eval_tree(tree, vars, &programs, Arc::new(NoMappings))
    };
    for (k, v) in &t.run.app {
        let v = scalar(v, &[])?;
        env.app.insert(k.clone(), text(&v));
    }
    for c in &analysis.model.connections {
        let ce = env
            .connections
            .entry(c.name.name.clone())
            .or_insert_with(ConnectionEnv::default);
        // Every connection points at the mock server: a request nobody mocked fails, it never
        // reaches the real API.
        ce.base_url = Some(format!("{base}/t/{index}/{}", c.name.name));
        if c.auth
            .as_ref()
            .is_some_and(|a| a.form == intact_model::catalogue::AuthKind::OAuth2)
        {
            ce.token_url = Some(format!("{base}/t/{index}/{}{TOKEN_PATH}", c.name.name));
            // An authorization-code connection starts from a refresh token, as after a login.
            ce.params
                .entry("refresh_token".into())
                .or_insert_with(|| mock_refresh_token(index));
        }
    }
    for (conn, values) in &t.run.params {
        let ce = env.connections.entry(conn.clone()).or_default();
        for (k, v) in values {
            let v = text(&scalar(v, &[])?);
            ce.params.insert(k.clone(), v);
        }
    }
    let app = env.app_json();
    let token = mock_access_token(index);
    let mut routes = Vec::new();
    for r in &t.run.routes {
        let mock = json!({"url": format!("{base}/t/{index}/{}", r.connection), "token": token});
        let vars: [(&str, &J); 2] = [("mock", &mock), ("app", &app)];
        let mut headers = Vec::new();
        for (k, v) in &r.expect_headers {
            headers.push((k.to_lowercase(), text(&scalar(v, &vars)?)));
        }
        let mut resp_headers = Vec::new();
        for (k, v) in &r.headers {
            resp_headers.push((k.clone(), text(&scalar(v, &vars)?)));
        }
        let mut query = Vec::new();
        for (k, v) in &r.query {
            query.push((k.clone(), text(&scalar(v, &vars)?)));
        }
        let times = r.times.unwrap_or(1);
        routes.push(Route {
            connection: r.connection.clone(),
            method: r.method.clone(),
            path: r.path.clone(),
            place: analysis.place(r.loc),
            query,
            times,
            remaining: times,
            optional: r.optional.unwrap_or(false),
            expect_absent: r.expect_absent.clone(),
            expect_headers: headers,
            expect_json: r
                .expect_json
                .as_ref()
                .map(|j| scalar(j, &vars))
                .transpose()?,
            status: u16::try_from(r.status).unwrap_or(200),
            headers: resp_headers,
            body: r.body.as_ref().map(|(_, b)| scalar(b, &vars)).transpose()?,
        });
    }
    state.tests.lock().unwrap().insert(
        index,
        TestMocks {
            routes,
            problems: Vec::new(),
        },
    );
    // In `input` and `expect`, `mock` is that of the first mocked connection.
    let first = t
        .run
        .routes
        .first()
        .map(|r| r.connection.clone())
        .or_else(|| {
            analysis
                .model
                .connections
                .first()
                .map(|c| c.name.name.clone())
        })
        .unwrap_or_default();
    let mock = json!({"url": format!("{base}/t/{index}/{first}"), "token": token});
    let input = match &t.input {
        Some((tree, _)) => scalar(tree, &[("app", &app), ("mock", &mock)])?,
        None => J::Object(Map::new()),
    };
    Ok((env, input, json!({"app": app, "mock": mock})))
}

/// The results as JUnit XML.
pub fn junit(results: &[TestResult]) -> String {
    let failures = results.iter().filter(|r| r.failed()).count();
    let skipped = results.iter().filter(|r| r.skipped().is_some()).count();
    let total: f64 = results.iter().map(|r| r.duration.as_secs_f64()).sum();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"intact test\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{total:.3}\">\n  <testsuite name=\"intact test\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{total:.3}\">\n",
        results.len(),
        results.len()
    );
    for r in results {
        out.push_str(&format!(
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
            xml(&r.name),
            xml(&r.file),
            r.duration.as_secs_f64()
        ));
        match &r.outcome {
            TestOutcome::Skipped(why) => out.push_str(&format!(
                ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                xml(why)
            )),
            TestOutcome::Passed => out.push_str("/>\n"),
            TestOutcome::Failed => out.push_str(&format!(
                ">\n      <failure message=\"{}\">{}</failure>\n      <system-out>{}</system-out>\n    </testcase>\n",
                xml(r.failures.first().map_or("", String::as_str)),
                xml(&r.failures.join("\n")),
                xml(&r.trace.join("\n"))
            )),
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// The results as JSON.
pub fn json_report(results: &[TestResult]) -> String {
    let tests: Vec<J> = results
        .iter()
        .map(|r| json!({"name": r.name, "file": r.file, "outcome": r.outcome.as_str(), "skipped": r.skipped(), "duration_ms": r.duration.as_millis() as u64, "failures": r.failures, "trace": r.trace}))
        .collect();
    let count = |o: &str| results.iter().filter(|r| r.outcome.as_str() == o).count();
    serde_json::to_string_pretty(&json!({"format_version": 2, "passed": count("passed"), "failed": count("failed"), "skipped": count("skipped"), "tests": tests})).unwrap_or_default() + "\n"
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
