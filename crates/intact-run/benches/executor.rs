//! Executor overhead: a flow of 10 requests against a local HTTP server, side by side with the same
//! 10 requests made with plain reqwest; a `for-each` of 1,000 requests, side by side with 1,000
//! plain reqwest requests; and `intact test` on 200 mock tests with 2 jobs.
//!
//! `cargo bench -p intact-run --bench executor`; figures are recorded in docs/performance.md.

use std::sync::Arc;

use axum::Json;
use axum::routing::get;
use divan::Bencher;
use intact_model::{Analysis, FileInput};
use intact_run::Runtime;
use intact_run::env::{ConnectionEnv, Environment};
use intact_run::mask::Masker;
use serde_json::json;

fn main() {
    divan::main();
}

fn server(rt: &tokio::runtime::Runtime) -> String {
    rt.block_on(async {
        let app = axum::Router::new().route(
            "/items/{i}",
            get(|| async { Json(json!({"id": "x", "ok": true})) }),
        );
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
        format!("http://{addr}")
    })
}

const FLOW: &str = r#"
project "p" {
    display-name "P"
}
connection "api" {
    base-url "https://api.example.com"
    auth "bearer" {
        token "${auth.token}"
    }
}
flow "ten" {
    request "r0" "GET" "/items/0"
    request "r1" "GET" "/items/1"
    request "r2" "GET" "/items/2"
    request "r3" "GET" "/items/3"
    request "r4" "GET" "/items/4"
    request "r5" "GET" "/items/5"
    request "r6" "GET" "/items/6"
    request "r7" "GET" "/items/7"
    request "r8" "GET" "/items/8"
    request "r9" "GET" "/items/9"
    return "${steps.r9.body.ok}"
}
"#;

const EACH: &str = r#"
flow "each" connection="api" {
    input "ids" type="array" required=#true
    for-each "got" in="${input.ids}" {
        request "get" "GET" "/items/${item}" {
            expect 200
        }
        yield "${steps.get.body.id}"
    }
    return "${steps.got.size()}"
}
"#;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The project of `FLOW` (and `more`) with the connection pointed at `base`.
fn executor(base: String, more: &str) -> Runtime {
    let analysis = Arc::new(Analysis::new(vec![
        FileInput::new("intact.kdl", FLOW),
        FileInput::new("flows/more.kdl", more),
    ]));
    let mut env = Environment::default();
    env.connections.insert(
        "api".into(),
        ConnectionEnv {
            params: [("token".to_string(), "t".to_string())]
                .into_iter()
                .collect(),
            base_url: Some(base),
            ..Default::default()
        },
    );
    Runtime::new(analysis, env, Arc::new(Masker::new()))
}

#[divan::bench]
fn flow_of_10_requests(b: Bencher) {
    let rt = runtime();
    let runtime = executor(server(&rt), "");
    b.bench_local(|| rt.block_on(runtime.run_flow("ten", json!({}))).unwrap());
}

/// A `for-each` of 1,000 authenticated requests, one at a time (budget: at most 1.1 times
/// `plain_reqwest_1000_requests`).
#[divan::bench(sample_count = 20)]
fn for_each_of_1000_requests(b: Bencher) {
    let rt = runtime();
    let runtime = executor(server(&rt), EACH);
    let ids: Vec<usize> = (0..1000).collect();
    b.bench_local(|| {
        let out = rt
            .block_on(runtime.run_flow("each", json!({ "ids": ids })))
            .unwrap();
        assert_eq!(out, json!(1000));
    });
}

#[divan::bench(sample_count = 20)]
fn plain_reqwest_1000_requests(b: Bencher) {
    plain_requests(b, 1000);
}

#[divan::bench]
fn plain_reqwest_10_requests(b: Bencher) {
    plain_requests(b, 10);
}

/// `n` authenticated GETs with reqwest alone, one after the other, each body read as JSON.
fn plain_requests(b: Bencher, n: usize) {
    intact_run::init_tls();
    let rt = runtime();
    let base = server(&rt);
    let client = reqwest::Client::new();
    b.bench_local(|| {
        rt.block_on(async {
            let mut got = Vec::with_capacity(n);
            for i in 0..n {
                let v: serde_json::Value = client
                    .get(format!("{base}/items/{i}"))
                    .bearer_auth("t")
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                got.push(v["id"].clone());
            }
            got
        })
    });
}

/// N tests, each with its own mock route (budget: 1,000 in under 1 s, each under 1 ms).
#[divan::bench(args = [200, 1000], sample_count = 10, sample_size = 1)]
fn mock_tests_jobs_2(b: Bencher, n: usize) {
    let mut text = String::from(FLOW);
    for i in 0..n {
        text.push_str(&format!(
            "test \"t{i}\" flow=\"one\" {{\n    params \"api\" token=\"t\"\n    mock \"api\" {{\n        on \"GET\" \"/items/{i}\" {{\n            respond 200 {{\n                json {{\n                    ok #true\n                }}\n            }}\n        }}\n    }}\n    expect \"${{true}}\"\n}}\n"
        ));
    }
    let text = text.replace("flow \"ten\"", "flow \"one\" {\n    request \"r\" \"GET\" \"/items/${input.i}\"\n    return \"${steps.r.body.ok}\"\n}\nflow \"ten\"");
    // Each test gives its own index as input.
    let text = (0..n).fold(text, |t, i| {
        t.replacen(
            &format!("test \"t{i}\" flow=\"one\" {{\n"),
            &format!("test \"t{i}\" flow=\"one\" {{\n    input {{\n        i {i}\n    }}\n"),
            1,
        )
    });
    let analysis = Arc::new(Analysis::new(vec![FileInput::new("intact.kdl", text)]));
    assert!(analysis.files[0].parse.errors.is_empty());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let root = std::env::temp_dir();
    b.bench_local(|| {
        let results = rt
            .block_on(intact_run::testing::run_tests(
                analysis.clone(),
                root.clone(),
                intact_run::testing::Selection::All,
                2,
                intact_run::testing::Mode::Mocks,
            ))
            .unwrap();
        assert!(
            results.iter().all(|r| !r.failed()),
            "{:?}",
            results.iter().find(|r| r.failed())
        );
        results.len()
    });
}
