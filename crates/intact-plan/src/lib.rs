//! `intact plan`: for each action (and flow) with tests, the requests it sends for the inputs
//! of those tests, run against the tests' own mocks (nothing is sent elsewhere); and with
//! `--against REV`, what changed in them since the project at git revision REV, for a
//! pull-request comment (`diff.rs`, `render.rs`; the old project is read from git by
//! `snapshot.rs`).

mod diff;
mod render;
mod snapshot;

pub use diff::{Change, RequestChange, TargetChange, diff};
pub use render::{changes_json, changes_markdown, plan_json, plan_text};
pub use snapshot::at_revision;

use intact_model::Analysis;
use intact_run::testing::TestResult;

/// The requests of every action and flow that has tests.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// Sorted by kind, then name.
    pub targets: Vec<Target>,
}

/// An action or a flow, and what its tests make it send.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub kind: Kind,
    pub name: String,
    /// In the order of the project's tests.
    pub tests: Vec<TestPlan>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Action,
    Flow,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Action => "action",
            Kind::Flow => "flow",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TestPlan {
    pub test: String,
    pub requests: Vec<Request>,
}

/// One request as sent: masked, and its mock address written `mock://CONNECTION/…` (the mock
/// server's port and the test's number change from run to run).
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The request step's name.
    pub step: String,
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// The plan of a test run (`intact_run::testing::run_tests` against mocks).
pub fn from_results(a: &Analysis, results: &[TestResult]) -> Plan {
    let mut targets: Vec<Target> = Vec::new();
    for r in results {
        let Some(t) = a.model.tests.iter().find(|t| t.name.name == r.name) else {
            continue;
        };
        let (kind, name) = match (&t.action, &t.flow) {
            (Some(ac), _) => (Kind::Action, ac.name.clone()),
            (None, Some(f)) => (Kind::Flow, f.name.clone()),
            _ => continue,
        };
        let requests = r
            .exchanges
            .iter()
            .map(|e| Request {
                step: e.step.clone(),
                method: e.method.clone(),
                url: unmocked(&e.url),
                headers: e
                    .request_headers
                    .iter()
                    .map(|(k, v)| (k.clone(), unmocked(v)))
                    .collect(),
                body: e.request_body.as_deref().map(unmocked),
            })
            .collect();
        let test = TestPlan {
            test: r.name.clone(),
            requests,
        };
        match targets
            .iter_mut()
            .find(|x| x.kind == kind && x.name == name)
        {
            Some(x) => x.tests.push(test),
            None => targets.push(Target {
                kind,
                name,
                tests: vec![test],
            }),
        }
    }
    targets.sort_by(|x, y| (x.kind, &x.name).cmp(&(y.kind, &y.name)));
    Plan { targets }
}

/// `text` with every mock address (`http://127.0.0.1:PORT/t/N/`) written `mock://`.
fn unmocked(text: &str) -> String {
    const HOST: &str = "http://127.0.0.1:";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(HOST) {
        out.push_str(&rest[..i]);
        let after = &rest[i + HOST.len()..];
        let port = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let tail = &after[port..];
        let index = tail
            .strip_prefix("/t/")
            .map(|t| t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len());
        match index {
            Some(n) if port > 0 && n > 0 && tail[3 + n..].starts_with('/') => {
                out.push_str("mock://");
                rest = &tail[3 + n + 1..];
            }
            _ => {
                out.push_str(HOST);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn mock_addresses_lose_their_port_and_test_number() {
        assert_eq!(
            super::unmocked("http://127.0.0.1:40123/t/7/acme/users?x=http://127.0.0.1:5/other"),
            "mock://acme/users?x=http://127.0.0.1:5/other"
        );
        assert_eq!(super::unmocked("no address"), "no address");
    }
}
