//! `intact test`: every test block runs its action or flow against its mocks, served by a real
//! HTTP server on 127.0.0.1 (one server per run; each test has its own path prefix, so tests are
//! isolated and may run in parallel). This file runs the tests and checks their results;
//! `mocks.rs` is the mock server (routes, the built-in OAuth 2.0 token endpoint, request
//! checks), `report.rs` the JUnit and JSON reports.

mod mocks;
mod report;

pub use mocks::subset;
use mocks::*;
pub use report::{json_report, junit};

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use intact_expr::eval::{NoMappings, json_text as text};
use intact_model::eval::{Programs, eval_tree};
use intact_model::{Analysis, TestDef, Tree};
use serde_json::{Map, Value as J, json};

use crate::described::{Conformance, Descriptions};
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
    /// Each request and its answer, masked, in the order sent.
    pub exchanges: Vec<crate::Exchange>,
    /// The step the run failed in (innermost), when it failed in one.
    pub failed_at: Option<intact_model::Loc>,
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

/// Which tests a run takes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Selection {
    #[default]
    All,
    /// Those whose name contains this text (`--filter`).
    Containing(String),
    /// The one with exactly this name (`--filter NAME --exact`: an editor's "run this test").
    Named(String),
}

impl Selection {
    pub fn matches(&self, name: &str) -> bool {
        match self {
            Selection::All => true,
            Selection::Containing(part) => name.contains(part.as_str()),
            Selection::Named(whole) => name == whole,
        }
    }

    /// Why nothing ran, when a filter took no test: a run that checks nothing must not pass
    /// quietly in CI because of a typo.
    fn nothing_selected(&self, analysis: &Analysis) -> Option<String> {
        let (what, text) = match self {
            Selection::All => return None,
            Selection::Containing(part) => (format!("no test's name contains \"{part}\""), part),
            Selection::Named(whole) => (format!("no test is named \"{whole}\""), whole),
        };
        let names: Vec<&str> = analysis
            .model
            .tests
            .iter()
            .map(|t| t.name.name.as_str())
            .collect();
        if names.is_empty() {
            return Some(format!("{what}: the project has no tests"));
        }
        // The names a typo or a part most likely meant come first.
        let lower = text.to_lowercase();
        let near: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| n.to_lowercase().contains(&lower))
            .collect();
        let (label, shown) = if near.is_empty() {
            ("the project's tests", names)
        } else {
            ("tests whose name contains it", near)
        };
        const AT_MOST: usize = 12;
        let more = if shown.len() > AT_MOST {
            format!(" and {} more", shown.len() - AT_MOST)
        } else {
            String::new()
        };
        let listed = shown[..shown.len().min(AT_MOST)].join(", ");
        Some(format!("{what}; {label}: {listed}{more}"))
    }
}

/// Runs the project's tests that `selection` takes, at most `jobs` at once. A filter that takes no
/// test is an error that lists the tests there are.
pub async fn run_tests(
    analysis: Arc<Analysis>,
    root: PathBuf,
    selection: Selection,
    jobs: usize,
    mode: Mode,
) -> Result<Vec<TestResult>, String> {
    run_tests_telling(analysis, root, selection, jobs, mode, None).await
}

/// Told as each test ends (a progress bar), from the task that ran it.
pub type OnDone = Arc<dyn Fn(&TestResult) + Send + Sync>;

/// [`run_tests`], telling `on_done` as each test ends.
pub async fn run_tests_telling(
    analysis: Arc<Analysis>,
    root: PathBuf,
    selection: Selection,
    jobs: usize,
    mode: Mode,
    on_done: Option<OnDone>,
) -> Result<Vec<TestResult>, String> {
    crate::init_tls();
    if let Mode::Live { env, .. } = &mode {
        // Fail once, before any test, when the environment cannot be loaded.
        crate::env::load(&root, env, &Masker::new(), &|v| std::env::var(v).ok())
            .map_err(|e| e.0)?;
    }
    let selected: Vec<usize> = analysis
        .model
        .tests
        .iter()
        .enumerate()
        .filter(|(_, t)| selection.matches(&t.name.name))
        .map(|(i, _)| i)
        .collect();
    if selected.is_empty()
        && let Some(why) = selection.nothing_selected(&analysis)
    {
        return Err(why);
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
    let semaphore = Arc::new(tokio::sync::Semaphore::new(jobs.max(1)));
    let descriptions = Arc::new(Descriptions::new());
    // One HTTP client and one cache of compiled expressions for the whole run: each test's
    // runtime keeps only what is its own (environment, secrets, tokens, trace).
    let shared = crate::Shared::new();
    let mut handles = Vec::new();
    for i in selected {
        let (analysis, root, base, state, semaphore, mode, descriptions, shared) = (
            analysis.clone(),
            root.clone(),
            base.clone(),
            state.clone(),
            semaphore.clone(),
            mode.clone(),
            descriptions.clone(),
            shared.clone(),
        );
        let on_done = on_done.clone();
        handles.push(tokio::spawn(async move {
            let _permit = semaphore
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            let run = Run {
                analysis: &analysis,
                root: &root,
                base: &base,
                state: &state,
                mode: &mode,
                shared: &shared,
            };
            let result = run_one(&run, i, descriptions).await;
            if let Some(tell) = &on_done {
                tell(&result);
            }
            result
        }));
    }
    let mut results = Vec::new();
    for h in handles {
        results.push(h.await.map_err(|e| format!("a test task failed: {e}"))?);
    }
    server.abort();
    Ok(results)
}

/// What every test of a run shares.
struct Run<'a> {
    analysis: &'a Arc<Analysis>,
    root: &'a std::path::Path,
    /// The mock server's address.
    base: &'a str,
    state: &'a MockState,
    mode: &'a Mode,
    shared: &'a crate::Shared,
}

async fn run_one(run: &Run<'_>, index: usize, descriptions: Arc<Descriptions>) -> TestResult {
    let Run {
        analysis,
        root,
        base,
        state,
        mode,
        shared,
    } = *run;
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
    let exchanges: Arc<std::sync::Mutex<Vec<crate::Exchange>>> = Arc::default();
    let mut failed_at = None;
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
            let recorded = exchanges.clone();
            // Against mocks, their answers are held against the description too: a mock that
            // answers what the API never would makes a test pass that proves nothing.
            let conformance = Conformance::Collect {
                responses: matches!(mode, Mode::Mocks),
            };
            let mut rt = Runtime::sharing(shared, analysis.clone(), env, masker.clone())
                .with_trace(Arc::new(move |l: &str| {
                    lines.lock().unwrap().push(l.to_string())
                }))
                .with_recorder(Arc::new(move |e| recorded.lock().unwrap().push(e)))
                .with_descriptions(descriptions)
                .with_conformance(conformance);
            if let Mode::Live {
                tokens: Some(store),
                ..
            } = mode
            {
                rt = rt.with_token_store(store.clone());
            }
            let result = match (&t.action, &t.flow) {
                (Some(a), _) => rt.run_action(&a.name, input).await.map(|o| {
                    failed_at = o.at;
                    (o.output, o.succeeded)
                }),
                (None, Some(f)) => rt.run_flow(&f.name, input).await.map(|v| (v, true)),
                (None, None) => Err(crate::runtime::Failure::before_any_request(
                    "the test names no action or flow",
                )),
            };
            if let Err(f) = &result {
                failed_at = failed_at.or(f.at);
            }
            failures.extend(rt.take_violations());
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
    let exchanges = std::mem::take(&mut *exchanges.lock().unwrap());
    TestResult {
        name: t.name.name.clone(),
        file,
        outcome,
        duration: started.elapsed(),
        failures,
        trace,
        exchanges,
        failed_at,
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
        env.app.insert(k.name.clone(), text(&v));
    }
    for c in &analysis.model.connections {
        let ce = env
            .connections
            .entry(c.name.name.clone())
            .or_insert_with(ConnectionEnv::default);
        // Every connection points at the mock server: a request nobody mocked fails, it never
        // reaches the real API.
        ce.base_url = Some(format!("{base}/t/{index}/{}", c.name.name));
        if c.is_oauth2() {
            ce.token_url = Some(format!("{base}/t/{index}/{}{TOKEN_PATH}", c.name.name));
            // An authorization-code connection starts from a refresh token, as after a login.
            ce.params
                .entry("refresh_token".into())
                .or_insert_with(|| mock_refresh_token(index));
        }
    }
    for (conn, values) in &t.run.params {
        let ce = env.connections.entry(conn.name.clone()).or_default();
        for (k, v) in values {
            let v = text(&scalar(v, &[])?);
            ce.params.insert(k.name.clone(), v);
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
