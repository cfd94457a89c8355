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
