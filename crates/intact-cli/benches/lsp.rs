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
