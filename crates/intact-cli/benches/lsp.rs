//! The language server end to end: time from sending `didChange` to receiving the
//! `publishDiagnostics` it causes, over stdio with the real `intact lsp` process.
//!
//! `cargo bench -p intact-cli --bench lsp`; figures are recorded in docs/performance.md.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use divan::Bencher;
use serde_json::{Value, json};

fn main() {
    divan::main();
}

struct Server {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_intact"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("intact lsp starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = 0;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if line.trim().is_empty() {
                        break;
                    }
                    if let Some(v) = line.trim().strip_prefix("Content-Length: ") {
                        len = v.parse().unwrap();
                    }
                }
                let mut body = vec![0; len];
                r.read_exact(&mut body).unwrap();
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        Server { child, stdin, rx }
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn wait(&self, pred: impl Fn(&Value) -> bool) -> Value {
        loop {
            let m = self
                .rx
                .recv_timeout(Duration::from_secs(30))
                .expect("the server answers");
            if pred(&m) {
                return m;
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
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
    let uri = format!("file://{}", file.display());
    let good = std::fs::read_to_string(&file).unwrap();
    // The same file with one unknown property: every change flips between the two.
    let bad = good.replacen(
        "input \"limit\" type=\"integer\"",
        "input \"limit\" typ=\"integer\"",
        1,
    );
    assert_ne!(good, bad);
    let mut s = Server::start();
    let root_uri = format!("file://{}", root.display());
    s.send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": root_uri, "capabilities": {}}}));
    s.wait(|m| m["id"] == 1);
    s.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    let open =
        json!({"textDocument": {"uri": uri, "languageId": "kdl", "version": 1, "text": good}});
    s.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": open}));
    s.wait(|m| m["method"] == "textDocument/publishDiagnostics");
    let mut version = 1;
    b.bench_local(|| {
        version += 1;
        let text = if version % 2 == 0 { &bad } else { &good };
        let change = json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]});
        s.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": change}));
        s.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri && m["params"]["version"] == version
        })
    });
}
