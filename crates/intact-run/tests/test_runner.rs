//! The test runner as a library: tests run against the runner's own mock server on 127.0.0.1,
//! each with its own routes (two tests answer the same path differently and both pass), and a
//! test fails for what its mocks saw, a route never called, or an output that differs.

use std::sync::Arc;

use intact_model::{Analysis, FileInput};
use intact_run::testing::{Mode, Selection, TestOutcome, TestResult, run_tests};

const PROJECT: &str = r#"
project "p" {
    display-name "P"
}
connection "api" {
    base-url "https://api.example.com"
}
flow "name_of" {
    input "id" type="string" required=#true
    request "get" "GET" "/people/${input.id}"
    return "${steps.get.body.name}"
}
flow "create" {
    input "name" type="string" required=#true
    request "post" "POST" "/people" {
        json { name "${input.name}" }
    }
    return "${steps.post.body.id}"
}

test "ada" flow="name_of" {
    input { id "1" }
    mock "api" {
        on "GET" "/people/1" {
            respond 200 { json { name "Ada" } }
        }
    }
    expect "Ada"
}

test "grace_on_the_same_path" flow="name_of" {
    input { id "1" }
    mock "api" {
        on "GET" "/people/1" {
            respond 200 { json { name "Grace" } }
        }
    }
    expect "Grace"
}

test "a_body_the_mock_does_not_expect" flow="create" {
    input { name "Ada" }
    mock "api" {
        on "POST" "/people" {
            expect-json { name "Grace" }
            respond 201 { json { id "p1" } }
        }
    }
    expect "p1"
}

test "a_route_never_called" flow="name_of" {
    input { id "1" }
    mock "api" {
        on "GET" "/people/1" {
            respond 200 { json { name "Ada" } }
        }
        on "GET" "/people/2" {
            respond 200 { json { name "Bob" } }
        }
    }
    expect "Ada"
}

test "an_output_that_differs" flow="name_of" {
    input { id "1" }
    mock "api" {
        on "GET" "/people/1" {
            respond 200 { json { name "Ada" } }
        }
    }
    expect "Lovelace"
}
"#;

async fn run(selection: Selection) -> Result<Vec<TestResult>, String> {
    let analysis = Arc::new(Analysis::new(vec![FileInput::new("intact.kdl", PROJECT)]));
    let root = std::env::temp_dir();
    run_tests(analysis, root, selection, 2, Mode::Mocks).await
}

fn result<'a>(results: &'a [TestResult], name: &str) -> &'a TestResult {
    results.iter().find(|r| r.name == name).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_test_has_its_own_mocks_and_fails_for_its_own_reasons() {
    let results = run(Selection::All).await.unwrap();
    assert_eq!(results.len(), 5);
    for passing in ["ada", "grace_on_the_same_path"] {
        let r = result(&results, passing);
        assert_eq!(
            r.outcome,
            TestOutcome::Passed,
            "{passing}: {:?}",
            r.failures
        );
    }
    let body = result(&results, "a_body_the_mock_does_not_expect");
    assert_eq!(body.outcome, TestOutcome::Failed);
    assert!(
        body.failures.iter().any(|f| f.contains("Grace")),
        "{:?}",
        body.failures
    );
    let unused = result(&results, "a_route_never_called");
    assert_eq!(unused.outcome, TestOutcome::Failed);
    assert!(
        unused
            .failures
            .iter()
            .any(|f| f.contains("/people/2") && f.contains("was called 0 time(s), expected 1")),
        "{:?}",
        unused.failures
    );
    let differs = result(&results, "an_output_that_differs");
    assert_eq!(differs.outcome, TestOutcome::Failed);
    assert!(
        differs.failures.iter().any(|f| f.contains("Lovelace")),
        "{:?}",
        differs.failures
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_that_takes_no_test_lists_the_tests_there_are() {
    let only = run(Selection::Named("ada".into())).await.unwrap();
    assert_eq!(only.len(), 1);
    let err = run(Selection::Containing("grce".into())).await.unwrap_err();
    assert!(
        err.starts_with("no test's name contains \"grce\"; the project's tests: ada, "),
        "{err}"
    );
}

/// The runtimes of a run share one HTTP client: two runtimes built from one `Shared` reuse one
/// kept-alive connection to a server, two built apart open two (and each would load the system's
/// root certificates again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtimes_that_share_reuse_one_connection() {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            counted.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                // Keep-alive: answer every request on the connection.
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        return;
                    }
                    let body = "{\"name\":\"Ada\"}";
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if stream.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    let analysis = Arc::new(Analysis::new(vec![FileInput::new("intact.kdl", PROJECT)]));
    let runtime = |shared: &intact_run::Shared| {
        let mut env = intact_run::env::Environment::default();
        env.connections.insert(
            "api".into(),
            intact_run::env::ConnectionEnv {
                base_url: Some(base.clone()),
                ..Default::default()
            },
        );
        let masker = Arc::new(intact_run::mask::Masker::new());
        intact_run::Runtime::sharing(shared, analysis.clone(), env, masker)
    };
    let run = |rt: intact_run::Runtime| async move {
        rt.run_flow("name_of", serde_json::json!({"id": "1"}))
            .await
            .unwrap()
    };
    let shared = intact_run::Shared::new();
    assert_eq!(run(runtime(&shared)).await, "Ada");
    assert_eq!(run(runtime(&shared)).await, "Ada");
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1,
        "shared: one connection"
    );
    assert_eq!(run(runtime(&intact_run::Shared::new())).await, "Ada");
    assert_eq!(run(runtime(&intact_run::Shared::new())).await, "Ada");
    assert_eq!(connections.load(Ordering::SeqCst), 3, "apart: one each");
}
