//! What changed between two plans: per action or flow, per test, each request added, removed or
//! changed (its method, URL, a query parameter, a header, a body field). Requests are matched by their step's name
//! in order (a sequence diff), so a request whose URL changed is one changed request, not one
//! removed and one added.

use std::collections::BTreeMap;

use serde_json::Value as J;
use similar::{Algorithm, DiffOp, capture_diff_slices};

use crate::{Kind, Plan, Request, Target, TestPlan};

/// An action or flow whose requests changed.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetChange {
    pub kind: Kind,
    pub name: String,
    /// Only tests whose requests changed.
    pub tests: Vec<(String, Vec<RequestChange>)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RequestChange {
    Added(Request),
    Removed(Request),
    Changed {
        before: Request,
        after: Request,
        what: Vec<Change>,
    },
}

/// One difference within a request.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Method(String, String),
    /// The URL without its query (the path, or the host too).
    Url(String, String),
    /// A query parameter's value before and after (`None`: not sent), as encoded.
    Query(String, Option<String>, Option<String>),
    /// A header's value before and after (`None`: not sent).
    Header(String, Option<String>, Option<String>),
    /// A JSON body's field, by its path (`user.emails[0].value`), before and after.
    BodyField(String, Option<String>, Option<String>),
    /// A body that is not JSON (or sent on one side only), before and after.
    Body(Option<String>, Option<String>),
}

/// What changed from `before` to `after`; actions and flows whose requests are the same are left
/// out.
pub fn diff(before: &Plan, after: &Plan) -> Vec<TargetChange> {
    let mut keys: Vec<(Kind, &str)> = before
        .targets
        .iter()
        .chain(&after.targets)
        .map(|t| (t.kind, t.name.as_str()))
        .collect();
    keys.sort();
    keys.dedup();
    let find = |p: &'_ Plan, (k, n): (Kind, &str)| -> Option<Target> {
        p.targets
            .iter()
            .find(|t| t.kind == k && t.name == n)
            .cloned()
    };
    keys.into_iter()
        .filter_map(|key| {
            let (old, new) = (find(before, key), find(after, key));
            let tests = tests_changed(old.map(|t| t.tests), new.map(|t| t.tests));
            (!tests.is_empty()).then(|| TargetChange {
                kind: key.0,
                name: key.1.to_string(),
                tests,
            })
        })
        .collect()
}

fn tests_changed(
    old: Option<Vec<TestPlan>>,
    new: Option<Vec<TestPlan>>,
) -> Vec<(String, Vec<RequestChange>)> {
    let (old, new) = (old.unwrap_or_default(), new.unwrap_or_default());
    let mut names: Vec<&str> = old.iter().chain(&new).map(|t| t.test.as_str()).collect();
    let mut seen = Vec::new();
    names.retain(|n| {
        let first = !seen.contains(n);
        seen.push(n);
        first
    });
    names
        .into_iter()
        .filter_map(|name| {
            let of = |l: &[TestPlan]| {
                l.iter()
                    .find(|t| t.test == name)
                    .map(|t| t.requests.clone())
                    .unwrap_or_default()
            };
            let changes = requests_changed(&of(&old), &of(&new));
            (!changes.is_empty()).then(|| (name.to_string(), changes))
        })
        .collect()
}

fn requests_changed(old: &[Request], new: &[Request]) -> Vec<RequestChange> {
    let keys = |l: &[Request]| l.iter().map(|r| r.step.clone()).collect::<Vec<_>>();
    let mut out = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, &keys(old), &keys(new)) {
        match op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => {
                for i in 0..len {
                    let (b, a) = (&old[old_index + i], &new[new_index + i]);
                    let what = request(b, a);
                    if !what.is_empty() {
                        out.push(RequestChange::Changed {
                            before: b.clone(),
                            after: a.clone(),
                            what,
                        });
                    }
                }
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => out.extend(
                old[old_index..old_index + old_len]
                    .iter()
                    .cloned()
                    .map(RequestChange::Removed),
            ),
            DiffOp::Insert {
                new_index, new_len, ..
            } => out.extend(
                new[new_index..new_index + new_len]
                    .iter()
                    .cloned()
                    .map(RequestChange::Added),
            ),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                out.extend(
                    old[old_index..old_index + old_len]
                        .iter()
                        .cloned()
                        .map(RequestChange::Removed),
                );
                out.extend(
                    new[new_index..new_index + new_len]
                        .iter()
                        .cloned()
                        .map(RequestChange::Added),
                );
            }
        }
    }
    out
}

/// How two sends of the same step differ.
fn request(b: &Request, a: &Request) -> Vec<Change> {
    let mut out = Vec::new();
    if b.method != a.method {
        out.push(Change::Method(b.method.clone(), a.method.clone()));
    }
    let (bp, bq) = split_query(&b.url);
    let (ap, aq) = split_query(&a.url);
    if bp != ap {
        out.push(Change::Url(bp.to_string(), ap.to_string()));
    }
    let mut names: Vec<&String> = bq.keys().chain(aq.keys()).collect();
    names.sort();
    names.dedup();
    for n in names {
        if bq.get(n) != aq.get(n) {
            out.push(Change::Query(
                n.clone(),
                bq.get(n).cloned(),
                aq.get(n).cloned(),
            ));
        }
    }
    let headers = |r: &Request| -> BTreeMap<String, String> {
        r.headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect()
    };
    let (hb, ha) = (headers(b), headers(a));
    let mut names: Vec<&String> = hb.keys().chain(ha.keys()).collect();
    names.sort();
    names.dedup();
    for n in names {
        if hb.get(n) != ha.get(n) {
            out.push(Change::Header(
                n.clone(),
                hb.get(n).cloned(),
                ha.get(n).cloned(),
            ));
        }
    }
    let json = |s: &Option<String>| s.as_deref().and_then(|t| serde_json::from_str::<J>(t).ok());
    match (json(&b.body), json(&a.body)) {
        (Some(x), Some(y)) => {
            let (fx, fy) = (fields(&x), fields(&y));
            let mut paths: Vec<&String> = fx.keys().chain(fy.keys()).collect();
            paths.sort();
            paths.dedup();
            for p in paths {
                if fx.get(p) != fy.get(p) {
                    out.push(Change::BodyField(
                        p.clone(),
                        fx.get(p).cloned(),
                        fy.get(p).cloned(),
                    ));
                }
            }
        }
        _ if b.body != a.body => out.push(Change::Body(b.body.clone(), a.body.clone())),
        _ => {}
    }
    out
}

/// A URL's part before `?`, and its query parameters (a repeated one's values joined by `,`).
fn split_query(url: &str) -> (&str, BTreeMap<String, String>) {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let mut params: BTreeMap<String, String> = BTreeMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        params
            .entry(k.to_string())
            .and_modify(|all| {
                all.push(',');
                all.push_str(v);
            })
            .or_insert_with(|| v.to_string());
    }
    (path, params)
}

/// Every leaf of a JSON value by its path, as compact JSON.
fn fields(v: &J) -> BTreeMap<String, String> {
    fn walk(v: &J, path: String, out: &mut BTreeMap<String, String>) {
        match v {
            J::Object(m) if !m.is_empty() => {
                for (k, x) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(x, p, out);
                }
            }
            J::Array(items) if !items.is_empty() => {
                for (i, x) in items.iter().enumerate() {
                    walk(x, format!("{path}[{i}]"), out);
                }
            }
            leaf => {
                out.insert(path, leaf.to_string());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(v, String::new(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(step: &str, url: &str, body: Option<&str>) -> Request {
        Request {
            step: step.into(),
            method: "GET".into(),
            url: url.into(),
            headers: vec![("Accept".into(), "application/json".into())],
            body: body.map(str::to_string),
        }
    }

    fn plan(requests: Vec<Request>) -> Plan {
        Plan {
            targets: vec![Target {
                kind: Kind::Action,
                name: "a".into(),
                tests: vec![TestPlan {
                    test: "t".into(),
                    requests,
                }],
            }],
        }
    }

    #[test]
    fn a_step_sent_elsewhere_is_changed_a_new_step_added_a_gone_one_removed() {
        let before = plan(vec![
            req("get", "mock://api/users/1", None),
            req("old", "mock://api/x", None),
        ]);
        let after = plan(vec![
            req("get", "mock://api/v2/users/1", None),
            req("new", "mock://api/y", None),
        ]);
        let changes = diff(&before, &after);
        let (_, requests) = &changes[0].tests[0];
        assert!(matches!(&requests[0], RequestChange::Changed { what, .. }
            if what == &[Change::Url("mock://api/users/1".into(), "mock://api/v2/users/1".into())]));
        assert!(matches!(&requests[1], RequestChange::Removed(r) if r.step == "old"));
        assert!(matches!(&requests[2], RequestChange::Added(r) if r.step == "new"));
    }

    #[test]
    fn query_parameters_are_compared_one_by_one() {
        let before = plan(vec![req("s", "mock://api/Users?filter=a&count=1", None)]);
        let after = plan(vec![req(
            "s",
            "mock://api/Users?count=2&filter=a&x=y",
            None,
        )]);
        let RequestChange::Changed { what, .. } = &diff(&before, &after)[0].tests[0].1[0] else {
            panic!();
        };
        assert_eq!(
            what,
            &[
                Change::Query("count".into(), Some("1".into()), Some("2".into())),
                Change::Query("x".into(), None, Some("y".into())),
            ]
        );
    }

    #[test]
    fn body_fields_are_compared_by_path_and_the_same_plan_has_no_change() {
        let before = plan(vec![req(
            "p",
            "u",
            Some(r#"{"a": {"b": [1, 2]}, "c": "x"}"#),
        )]);
        let after = plan(vec![req(
            "p",
            "u",
            Some(r#"{"c": "x", "a": {"b": [1, 3]}}"#),
        )]);
        let changes = diff(&before, &after);
        let RequestChange::Changed { what, .. } = &changes[0].tests[0].1[0] else {
            panic!("{changes:?}");
        };
        assert_eq!(
            what,
            &[Change::BodyField(
                "a.b[1]".into(),
                Some("2".into()),
                Some("3".into())
            )]
        );
        assert!(diff(&after, &after).is_empty());
    }
}
