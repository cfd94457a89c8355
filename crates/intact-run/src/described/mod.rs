//! Requests checked against the OpenAPI operation they name (`operation=`), as Stoplight Prism's
//! validation proxy and Schemathesis check them: what is actually sent (the path, the query's
//! fragments, the headers, the JSON body, all after serialisation) is read back and validated
//! against the operation's parameters and request body, and in `intact test` a mock's answer
//! against the response the operation declares for its status.
//!
//! The documents are the project's copies under `openapi/`, read from the analysis' file texts
//! (never from the disk), the first time a request with `operation=` is checked, and kept for the
//! runtime's life (for `intact test`, for the run: its tests share one [`Descriptions`]).
//! `wire.rs` reads what was sent back into values; `schemas.rs` makes validators of the
//! document's schemas.

mod schemas;
mod wire;

use std::sync::{Arc, OnceLock};

use intact_model::{Analysis, BodyKind, SourceFile};
use intact_openapi::model::{Location, Operation};
use intact_openapi::{At, Described, files};
use serde_json::Value as J;

use crate::Trace;
use schemas::{Side, View};
use wire::Layout;

/// What is done about a request that does not fit its operation.
#[derive(Clone, Default)]
pub enum Conformance {
    /// Nothing is checked (`intact ping`, `intact call`).
    #[default]
    Off,
    /// Each mismatch is handed to the sink, masked, and the request is sent (`intact run`,
    /// `intact verify`).
    Warn(Trace),
    /// A mismatch fails its step before the request is sent (`--strict`).
    Strict,
    /// Mismatches are kept for [`crate::Runtime::take_violations`] (`intact test`); with
    /// `responses`, the answers to requests are checked too (they are the mocks').
    Collect { responses: bool },
}

/// The project's OpenAPI documents, read when first needed.
#[derive(Default)]
pub struct Descriptions {
    docs: OnceLock<Vec<Doc>>,
}

struct Doc {
    described: Described,
    request: OnceLock<Option<View>>,
    response: OnceLock<Option<View>>,
}

impl Doc {
    fn view(&self, side: Side) -> Option<&View> {
        let cell = match side {
            Side::Request => &self.request,
            Side::Response => &self.response,
        };
        cell.get_or_init(|| View::new(&self.described, side))
            .as_ref()
    }
}

/// Where a request does not fit its operation, and the rule it breaks:
/// ``query parameter `limit``` and `"ten" is not of type "integer"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Violation {
    pub place: String,
    pub rule: String,
}

/// What a request sent, as the executor built it.
pub(crate) struct Sent<'a> {
    /// Relative to the connection's base URL, percent-encoded; may hold a query of its own.
    pub path: &'a str,
    /// Serialised `name=value` fragments ([`intact_model::serialize::query`]).
    pub query: &'a [String],
    pub headers: &'a [(String, String)],
    pub body: Option<(BodyKind, &'a J)>,
}

/// The most mismatches reported of one request or answer: the first ones say what is wrong.
const MAX_VIOLATIONS: usize = 10;

impl Descriptions {
    pub fn new() -> Descriptions {
        Descriptions::default()
    }

    fn docs(&self, a: &Analysis) -> &[Doc] {
        self.docs.get_or_init(|| read_documents(a))
    }

    /// The operation `id` and its document: the first entry document that has it, as the checker
    /// finds it.
    fn find(&self, a: &Analysis, id: &str) -> Option<(&Doc, &Operation)> {
        self.docs(a)
            .iter()
            .find_map(|d| Some((d, d.described.operation(id)?)))
    }

    /// Whether a request to the operation `id` that sent `sent` fits it.
    pub(crate) fn check_request(&self, a: &Analysis, id: &str, sent: &Sent) -> Vec<Violation> {
        let Some((doc, op)) = self.find(a, id) else {
            return Vec::new();
        };
        let Some(view) = doc.view(Side::Request) else {
            return Vec::new();
        };
        let docs = &doc.described.docs;
        let mut out = Vec::new();
        let (path, path_query) = match sent.path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (sent.path, None),
        };
        let in_path = wire::path_params(&op.path, path);
        if in_path.is_none() {
            out.push(Violation {
                place: "the path".into(),
                rule: format!("`{path}` is not the operation's `{}`", op.path),
            });
        }
        let pairs = wire::query_pairs(sent.query.iter().map(String::as_str).chain(path_query));
        for p in &op.params {
            let Some(object) = docs.get(&p.at) else {
                continue;
            };
            let place = format!("{} parameter `{}`", p.location.as_str(), p.name);
            let Some((schema_at, file, schema, json_content)) = schema_of(doc, &p.at, object)
            else {
                continue;
            };
            let type_of = |s: &J| type_in(docs, file, s);
            let layout = Layout::of(object, p.location == Location::Query);
            let texts: Vec<String> = match p.location {
                Location::Path => match &in_path {
                    Some(found) => found
                        .iter()
                        .filter(|(n, _)| *n == p.name)
                        .flat_map(|(_, t)| wire::path_texts(t, &p.name, layout))
                        .collect(),
                    // The path was reported as a whole.
                    None => continue,
                },
                Location::Query => pairs
                    .iter()
                    .filter(|(n, _)| *n == p.name)
                    .map(|(_, v)| v.clone())
                    .collect(),
                Location::Header => sent
                    .headers
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case(&p.name))
                    .map(|(_, v)| v.clone())
                    .collect(),
                // intact sends no cookies of its own.
                Location::Cookie => continue,
            };
            let value = if json_content {
                texts
                    .first()
                    .map(|t| serde_json::from_str(t).unwrap_or_else(|_| J::String(t.clone())))
            } else if p.location == Location::Query
                && layout.style == intact_model::serialize::Style::DeepObject
            {
                wire::deep_object(&pairs, &p.name, schema, &type_of)
            } else if p.location == Location::Query
                && layout.explode
                && layout.style == intact_model::serialize::Style::Form
                && type_of(schema) == "object"
            {
                // An exploded object's keys are parameters of their own (`?role=a&active=1`):
                // nothing tells them from the operation's other parameters.
                continue;
            } else if texts.is_empty() {
                None
            } else {
                Some(wire::value(&texts, layout, schema, &type_of))
            };
            match value {
                None if p.required => out.push(Violation {
                    place,
                    rule: "the operation requires it; it is not sent".into(),
                }),
                None => {}
                Some(v) => validate(view, &schema_at, &v, &place, &mut out),
            }
        }
        if let Some(body) = &op.body {
            match sent.body {
                None if body.required => out.push(Violation {
                    place: "the body".into(),
                    rule: "the operation requires one; none is sent".into(),
                }),
                Some((BodyKind::Json, v)) if is_json(&body.media_type) => {
                    if let Some(at) = &body.schema {
                        validate(view, at, v, "the body", &mut out);
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// Whether an answer with `status` and the JSON `body` fits what the operation `id` declares
    /// for that status (the exact code, then its class `2XX`, then `default`); `whose` names
    /// who answered (`the mock's`). A status the operation does not declare is not reported:
    /// descriptions often leave out their errors, and tests mock them.
    pub(crate) fn check_response(
        &self,
        a: &Analysis,
        id: &str,
        (status, whose): (u16, &str),
        body: &J,
    ) -> Vec<Violation> {
        let Some((doc, op)) = self.find(a, id) else {
            return Vec::new();
        };
        let code = status.to_string();
        let class = format!("{}XX", status / 100);
        let declared = op
            .responses
            .iter()
            .find(|r| r.status == code)
            .or_else(|| {
                op.responses
                    .iter()
                    .find(|r| r.status.eq_ignore_ascii_case(&class))
            })
            .or_else(|| op.responses.iter().find(|r| r.status == "default"));
        let Some(r) = declared else {
            return Vec::new();
        };
        let (Some(at), Some(media)) = (&r.schema, &r.media_type) else {
            return Vec::new();
        };
        if !is_json(media) {
            return Vec::new();
        }
        let Some(view) = doc.view(Side::Response) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        validate(
            view,
            at,
            body,
            &format!("{whose} {status} response"),
            &mut out,
        );
        out
    }
}

/// The parameter's schema (its place, the file and value it leads to with `$ref`s followed) and
/// whether its value is JSON text (a parameter with `content` instead of `schema`).
fn schema_of<'d>(doc: &'d Doc, at: &At, object: &'d J) -> Option<(At, usize, &'d J, bool)> {
    let docs = &doc.described.docs;
    let (schema_at, json_content) = if object.get("schema").is_some() {
        (at.child("schema"), false)
    } else {
        let (media, m) = object.get("content")?.as_object()?.iter().next()?;
        m.get("schema")?;
        (
            at.child("content").child(media).child("schema"),
            is_json(media),
        )
    };
    let (found, schema) = docs.deref(&schema_at).ok()?;
    Some((schema_at, found.file, schema, json_content))
}

/// The type of a schema written in `file` (intact's: `string`, `integer`, …, `any`), its `$ref`
/// followed: it decides how a parameter's text is read.
fn type_in(docs: &intact_openapi::Docs, file: usize, s: &J) -> &'static str {
    let s = match s.get("$ref").and_then(J::as_str) {
        Some(target) => match docs
            .resolve(file, target)
            .ok()
            .and_then(|at| docs.deref(&at).ok())
        {
            Some((_, v)) => v,
            None => return "any",
        },
        None => s,
    };
    intact_openapi::lower::schema_type(s)
}

/// Each way `value` breaks the schema at `at`, named by `place` and the JSON pointer inside it.
fn validate(view: &View, at: &At, value: &J, place: &str, out: &mut Vec<Violation>) {
    let Some(v) = view.validator(at) else {
        return;
    };
    for e in v.iter_errors(value) {
        if out.len() >= MAX_VIOLATIONS {
            return;
        }
        let pointer = e.instance_path().to_string();
        out.push(Violation {
            place: if pointer.is_empty() {
                place.to_string()
            } else {
                format!("{place} at `{pointer}`")
            },
            rule: e.to_string(),
        });
    }
}

fn is_json(media: &str) -> bool {
    let base = media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    base == "application/json" || base.ends_with("+json")
}

/// The entry documents (`openapi/NAME.{json,yaml,yml}`), each with the files below `openapi/` its
/// `$ref`s name, from the analysis. A document that cannot be read is left out: `intact check`
/// reports it.
fn read_documents(a: &Analysis) -> Vec<Doc> {
    let under: Vec<&Arc<SourceFile>> = a
        .files
        .iter()
        .filter(|f| f.path().starts_with("openapi") && files::is_document(f.path()))
        .collect();
    // The entries as the checker finds them: a fragment beside them is no document.
    under
        .iter()
        .filter(|f| files::is_entry(f.path()) && files::declares_version(f.text()))
        .filter_map(|f| {
            intact_openapi::describe_among(f.path(), |p| {
                under
                    .iter()
                    .find(|f| f.path() == p)
                    .map(|f| f.text().as_bytes().to_vec())
            })
            .ok()
        })
        .map(|described| Doc {
            described,
            request: OnceLock::new(),
            response: OnceLock::new(),
        })
        .collect()
}
