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
    divan::main();
}

/// Budgets: 30 ms median at 2,000 lines, 150 ms at 20,000 lines (40 files each).
#[divan::bench(args = [2_000, 20_000], sample_count = 40, sample_size = 1)]
fn did_change_publish(b: Bencher, lines: usize) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for (rel, text) in intact_testgen::project(lines, 40) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
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
