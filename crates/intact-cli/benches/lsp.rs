//! The language server end to end: time from sending `didChange` to receiving the
//! `publishDiagnostics` it causes, over stdio with the real `intact lsp` process.
//!
//! `cargo bench -p intact-cli --bench lsp`; figures are recorded in docs/performance.md.

#[path = "../tests/support/lsp_client.rs"]
mod lsp_client;

use divan::Bencher;
use lsp_client::{Client, uri};
use serde_json::json;

fn main() {
    resident_memory(20_000);
    divan::main();
}

/// The generated project of `lines` lines in 40 files, written to a temporary folder.
fn generated(lines: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for (rel, text) in intact_testgen::project(lines, 40) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    (dir, root)
}

/// The server's resident memory (Linux `VmRSS`, budget 150 MB) once it has analysed a 20,000-line
/// project and answered completion, hover and definition on it: printed, not timed.
fn resident_memory(lines: usize) {
    let (_dir, root) = generated(lines);
    let file = root.join("flows/generated_000.kdl");
    let furi = uri(&file);
    let text = std::fs::read_to_string(&file).unwrap();
    let mut c = Client::start();
    c.initialize(&root, &[]);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": furi, "languageId": "kdl", "version": 1, "text": text}}),
    );
    c.diagnostics(&furi, |_| true);
    let (line, character) = text
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find("${input.").map(|c| (i, c + 8)))
        .unwrap();
    let at =
        json!({"textDocument": {"uri": furi}, "position": {"line": line, "character": character}});
    for method in [
        "textDocument/completion",
        "textDocument/hover",
        "textDocument/definition",
    ] {
        c.request(method, at.clone());
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", c.pid())).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .map_or("unknown".to_string(), |v| v.trim().to_string());
    eprintln!("intact lsp resident memory after a {lines}-line project and three requests: {rss}");
    c.shutdown();
}

/// The project `intact import openapi` makes of Okta's management API (732 flows in 125 files, a
/// 3.5 MB copy under openapi/), written to a temporary folder, and its flow file holding
/// `return "${steps.call.body`.
fn okta() -> (tempfile::TempDir, std::path::PathBuf) {
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/corpus/openapi/okta-management-3.0.yaml");
    let bytes = std::fs::read(&spec).expect("the corpus is in the repository (tests/corpus)");
    let read = |p: &std::path::Path| std::fs::read(p);
    let plan = intact_import::plan(&spec, bytes, &read, &Default::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for f in plan.files {
        let path = root.join(&f.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, f.bytes).unwrap();
    }
    (dir, root)
}

/// A keystroke, then completion at once, as an editor asks while typing: `didChange` (the text
/// alternates between two versions, one space apart, so every change is new to the server) and
/// `completion` right after `${steps.call.body.` in the Okta project, timed from the change to
/// the completion's answer (budget: 5 ms median).
#[divan::bench(sample_count = 60, sample_size = 1)]
fn completion_after_a_keystroke(b: Bencher) {
    let (_dir, root) = okta();
    let file = root.join("flows/authorization_server_clients.kdl");
    let furi = uri(&file);
    let marker = "return \"${steps.call.body";
    let original = std::fs::read_to_string(&file).unwrap();
    let at = original.find(marker).expect("the marker") + marker.len();
    let typed = format!("{}.{}", &original[..at], &original[at..]);
    let other = format!("{typed} ");
    let (line, character) = {
        let before = &typed[..at + 1];
        let line = before.matches('\n').count();
        (line, before.len() - before.rfind('\n').map_or(0, |i| i + 1))
    };
    let mut c = Client::start();
    c.initialize(&root, &[]);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": furi, "languageId": "kdl", "version": 1, "text": typed}}),
    );
    c.diagnostics(&furi, |_| true);
    let position =
        json!({"textDocument": {"uri": furi}, "position": {"line": line, "character": character}});
    let answer = c.request("textDocument/completion", position.clone());
    assert!(
        answer.to_string().contains("\"label\""),
        "completion answered nothing: {answer}"
    );
    let mut version = 1;
    b.bench_local(|| {
        version += 1;
        let text = if version % 2 == 0 { &other } else { &typed };
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": furi, "version": version}, "contentChanges": [{"text": text}]}),
        );
        let answer = c.request("textDocument/completion", position.clone());
        assert!(answer.to_string().contains("\"label\""), "{answer}");
        answer
    });
    c.shutdown();
}

/// Budgets: 30 ms median at 2,000 lines, 150 ms at 20,000 lines (40 files each).
#[divan::bench(args = [2_000, 20_000], sample_count = 40, sample_size = 1)]
fn did_change_publish(b: Bencher, lines: usize) {
    let (_dir, root) = generated(lines);
    let file = root.join("flows/generated_000.kdl");
    let furi = uri(&file);
    let good = std::fs::read_to_string(&file).unwrap();
    // The same file with one unknown property: every change flips between the two.
    let bad = good.replacen(
        "input \"limit\" type=\"integer\"",
        "input \"limit\" typ=\"integer\"",
        1,
    );
    assert_ne!(good, bad);
    let mut c = Client::start();
    c.initialize(&root, &[]);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": furi, "languageId": "kdl", "version": 1, "text": good}}),
    );
    c.diagnostics(&furi, |_| true);
    let mut version = 1;
    b.bench_local(|| {
        version += 1;
        let text = if version % 2 == 0 { &bad } else { &good };
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": furi, "version": version}, "contentChanges": [{"text": text}]}),
        );
        c.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == furi
                && m["params"]["version"] == version
        })
    });
    c.shutdown();
}
