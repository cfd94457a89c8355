//! A live run written as a mock test that replays it (`intact run --record`): the input, each
//! request as a mock route (method, path, query, the headers and JSON body it must carry) that
//! answers what the API answered, and the output as the expectation. Built as a KDL tree
//! (`intact_syntax::build`), so it is formatted as `intact fmt` would.
//!
//! Nothing secret is written: the connection's secret params are `"recorded"` in the test, a
//! credential header is not expected, and a value the run masked (`••••`) stays masked, with a
//! comment that says so. A digest closes the file, so a later recording can tell whether a
//! person edited it (`Recorded::edited`).

use intact_model::json_tree;
use intact_syntax::build::{Doc, Node};
use serde_json::Value as J;

use crate::Exchange;
use crate::mask::MASK;
use crate::runtime::Runtime;

/// A secret param's value in a recorded test.
pub const SECRET: &str = "recorded";

/// The line that closes a recorded file: the digest of everything above it.
const DIGEST: &str = "// intact-record digest: ";

/// What ran, to write as a test.
pub struct Recording<'a> {
    /// The test's name.
    pub test: &'a str,
    /// `true` for an action, `false` for a flow.
    pub action: bool,
    pub name: &'a str,
    pub input: &'a J,
    /// The output (masked).
    pub output: &'a J,
    pub exchanges: &'a [Exchange],
}

impl Runtime {
    /// The recorded tests as a file's text; `command` (`intact run get_user --env dev`) is how
    /// they were recorded, for its first line.
    pub fn recorded_tests(&self, command: &str, recordings: &[Recording<'_>]) -> String {
        let mut body = Doc::new();
        for (i, r) in recordings.iter().enumerate() {
            if i > 0 {
                body.blank();
            }
            body.push(self.test_node(r));
        }
        let body = body.print();
        let mut doc = Doc::new();
        doc.comment(&format!(
            "Recorded by `{command}`: `intact test` replays it offline against these mocks."
        ));
        doc.comment(
            "Recording again updates this file; once edited, it is kept unless recorded with --force.",
        );
        if body.contains(MASK) {
            doc.comment(&format!(
                "{MASK} stands for a secret of the run, which is not written: fill it in where the test needs it."
            ));
        }
        let mut text = doc.print();
        text.push_str(&body);
        let digest = digest(&text);
        text.push_str(&format!("{DIGEST}{digest}\n"));
        text
    }

    /// One recorded run as a `test` node.
    fn test_node(&self, r: &Recording<'_>) -> Node {
        let mut test = Node::new("test")
            .arg(r.test)
            .prop(if r.action { "action" } else { "flow" }, r.name);
        if !self.env().app.is_empty() {
            let mut app = Node::new("app");
            for (k, v) in &self.env().app {
                app.push_prop(k, v.as_str());
            }
            test.push(app);
        }
        let mut connections: Vec<&str> = Vec::new();
        for e in r.exchanges {
            if !connections.contains(&e.replay.connection.as_str()) {
                connections.push(&e.replay.connection);
            }
        }
        for c in &connections {
            if let Some(params) = self.params_node(c) {
                test.push(params);
            }
        }
        test.push(value_node("input", r.input));
        for c in &connections {
            let mut mock = Node::new("mock").arg(*c);
            for e in r.exchanges.iter().filter(|e| e.replay.connection == *c) {
                mock.push(route(e));
            }
            test.push(mock);
        }
        test.push(value_node("expect", r.output));
        test
    }

    /// `params CONNECTION …`: each param the environment gives, a secret one as [`SECRET`].
    fn params_node(&self, connection: &str) -> Option<Node> {
        let given = self.env().connections.get(connection)?;
        let secrets = self
            .analysis()
            .model
            .connection(Some(connection))
            .map(|c| c.secret_params())
            .unwrap_or_default();
        let mut params = Node::new("params").arg(connection);
        let mut any = false;
        for (k, v) in &given.params {
            any = true;
            if secrets.iter().any(|s| s == k) {
                params.push_prop(k, SECRET);
            } else {
                params.push_prop(k, self.masker().mask(v));
            }
        }
        any.then_some(params)
    }
}

/// `name VALUE` or `name { … }`: a value as a tree node.
fn value_node(name: &str, v: &J) -> Node {
    match v {
        J::Object(m) if !m.is_empty() => {
            let mut n = Node::new(name);
            for f in json_tree::fields(m) {
                n.push(f);
            }
            n
        }
        other => json_tree::node(name, other),
    }
}

/// One exchange as a mock route.
fn route(e: &Exchange) -> Node {
    let r = &e.replay;
    let mut on = Node::new("on").arg(e.method.as_str()).arg(r.path.as_str());
    for (k, v) in &r.query {
        on.push(Node::new("query").arg(k.as_str()).arg(v.as_str()));
    }
    for (k, v) in &e.request_headers {
        // Credentials are the environment's, not the test's; a masked value cannot be matched.
        if crate::exchange::hides(k) || v.contains(MASK) {
            continue;
        }
        on.push(Node::new("expect-header").arg(k.as_str()).arg(v.as_str()));
    }
    if let Some(body) = &r.request_json {
        on.push(value_node("expect-json", body));
    }
    let mut respond = Node::new("respond").arg(i64::from(e.status));
    if let Some(ct) = &r.response_content_type {
        respond.push(Node::new("header").arg("Content-Type").arg(ct.as_str()));
    }
    match (&r.response_json, &r.response_text) {
        (Some(v), _) => respond.push(value_node("json", v)),
        (None, Some(t)) => respond.push(Node::new("body").arg(t.replace("${", "$${"))),
        (None, None) => {}
    }
    on.push(respond);
    on
}

fn digest(text: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    d.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether a recorded file was changed since intact wrote it (its digest no longer matches), or
/// is not a recording at all.
pub fn edited(text: &str) -> bool {
    let Some(at) = text.rfind(DIGEST) else {
        return true;
    };
    let written = text[at + DIGEST.len()..].trim();
    digest(&text[..at]) != written
}
