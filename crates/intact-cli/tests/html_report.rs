//! `intact test --report html FILE` opened in a real browser: headless Chromium, with every
//! request it would make sent to a closed port (the page must need none), renders the page; the
//! test reads the rendered DOM: failures first, the failing step marked in its flow's graph, the
//! API's answer shown as text (its markup never run), and no secret anywhere in the file. On a
//! failure it keeps a screenshot under target/.

#[path = "support/binary.rs"]
mod binary;
#[path = "support/browser.rs"]
mod browser;

use std::path::Path;

use binary::{assert_exit, intact, stderr};
use browser::{browser, sections};

/// The universal-logout example with its first test answered by a 500 whose body holds markup
/// and echoes the API key.
fn failing_project() -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/universal-logout");
    let dir = tempfile::tempdir().unwrap();
    for f in intact_model::project::files(&src).unwrap() {
        let rel = f.strip_prefix(&src).unwrap();
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&f, &to).unwrap();
    }
    let tests = dir.path().join("tests/universal_logout.kdl");
    let text = std::fs::read_to_string(&tests).unwrap().replacen(
        "            respond 204",
        "            respond 500 {\n                json { message \"<script>document.title='ran'</script><img src=https://example.com/x> key test-key refused\" }\n            }",
        1,
    );
    std::fs::write(tests, text).unwrap();
    dir
}

#[test]
fn the_html_report_renders_offline_failures_first_with_the_failing_step_marked() {
    let dir = failing_project();
    let report = dir.path().join("report.html");
    let o = intact(
        &["test", "--report", "html", &report.display().to_string()],
        dir.path(),
    );
    assert_exit(&o, 1);
    assert!(stderr(&o).contains("report: "), "{}", stderr(&o));
    let html = std::fs::read_to_string(&report).unwrap();
    // The API key is the test's secret param: masked everywhere, as in the terminal.
    assert!(!html.contains("test-key"), "a secret reached the report");
    assert!(
        !html.contains("<script>") && !html.contains("<img"),
        "markup from the API reached the page unescaped"
    );

    let url = format!("file://{}", report.display());
    let o = browser(&["--dump-dom", &url]);
    let dom = String::from_utf8_lossy(&o.stdout).into_owned();
    let keep = |why: &str| -> String {
        let shot =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/html-report-failure.png");
        browser(&[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,2000",
            &url,
        ]);
        format!("{why}; a screenshot is at {}\nDOM:\n{dom}", shot.display())
    };
    // The failed test before the passed ones.
    let sections = match sections(&dom) {
        Ok(s) => s,
        Err(e) => panic!("{}", keep(&e)),
    };
    if sections.first().map(|(o, _)| o.as_str()) != Some("failed") {
        panic!("{}", keep("the failed test is not first"));
    }
    if sections.iter().filter(|(o, _)| o == "passed").count() != 4 {
        panic!("{}", keep("four passed tests are not listed"));
    }
    let failed = &sections[0].1;
    if !failed.contains("class=\"step fail marked\"") {
        panic!(
            "{}",
            keep("the failing step (the catch's fail) is not marked in the graph")
        );
    }
    if !failed.contains("&lt;script&gt;document.title='ran'&lt;/script&gt;") {
        panic!("{}", keep("the API's answer is not shown as text"));
    }
    if !dom.contains("<title>intact test: 1 failed</title>") {
        panic!(
            "{}",
            keep("the page's title is not the summary (or the API's script ran)")
        );
    }
    if !dom.contains("1 failed") || !dom.contains("4 passed") {
        panic!("{}", keep("the summary does not count the tests"));
    }
}
