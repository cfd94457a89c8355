//! Parameters on the wire (issue 25.2): a real server on 127.0.0.1 records the request line and
//! headers, and each `query` style, a header list, a path list and a `queries` object with a list
//! arrive exactly as the OpenAPI specification's table lays them out
//! (tests/fixtures/serialization/style-examples.md, checked by
//! crates/intact-model/tests/serialization.rs). Before, a list went out as its JSON text:
//! `?team_ids=["PA","PB"]`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use intact_model::{Analysis, FileInput};
use intact_run::Runtime;
use intact_run::env::{ConnectionEnv, Environment};
use intact_run::mask::Masker;
use serde_json::json;

/// A server that answers `{}` and keeps each request's head.
fn server() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut buf = [0u8; 16384];
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let n = stream.read(&mut buf).unwrap_or(0);
            log.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
            );
        }
    });
    (base, seen)
}

const PROJECT: &str = r#"project "p" {
    display-name "P"
}
connection "api" {
    base-url "https://api.example.com"
}
flow "search" {
    input "ids" type="array"
    input "color" type="object"
    input "extra" type="object"
    request "r" "GET" "/teams/${input.ids}/members" {
        query "team_ids[]" "${input.ids}"
        query "joined" "${input.ids}" explode=#false
        query "spaced" "${input.ids}" style="spaceDelimited" explode=#false
        query "piped" "${input.ids}" style="pipeDelimited" explode=#false
        query "color" "${input.color}" style="deepObject"
        query "next" "/a?b=c&d" allow-reserved=#true
        query "missing" "${null}"
        queries "${input.extra}"
        header "X-Ids" "${input.ids}"
        header "X-Color" "${input.color}" explode=#true
    }
    return "${steps.r.body}"
}
"#;

#[tokio::test]
async fn each_style_goes_out_as_the_specification_says() {
    let (base, seen) = server();
    let analysis = Arc::new(Analysis::new(vec![FileInput::new("intact.kdl", PROJECT)]));
    let mut env = Environment::default();
    env.connections.insert(
        "api".into(),
        ConnectionEnv {
            base_url: Some(base),
            ..Default::default()
        },
    );
    let rt = Runtime::new(analysis, env, Arc::new(Masker::new()));
    rt.run_flow(
        "search",
        json!({
            "ids": ["PA", "P B"],
            "color": {"R": 100, "G": 200},
            "extra": {"tag": ["x", "y"], "q": "a&b"}
        }),
    )
    .await
    .unwrap_or_else(|f| panic!("{}", f.message));
    let head = seen.lock().unwrap()[0].clone();
    let line = head.lines().next().unwrap();
    assert_eq!(
        line,
        "GET /teams/PA,P%20B/members?team_ids%5B%5D=PA&team_ids%5B%5D=P%20B&joined=PA,P%20B&spaced=PA%20P%20B&piped=PA%7CP%20B&color[G]=200&color[R]=100&next=/a?b=c&d&q=a%26b&tag=x&tag=y HTTP/1.1",
        "{head}"
    );
    let lower = head.to_ascii_lowercase();
    assert!(lower.contains("\r\nx-ids: pa,p b\r\n"), "{head}");
    assert!(lower.contains("\r\nx-color: g=200,r=100\r\n"), "{head}");
}
