//! Requests tied to an imported OpenAPI operation with `operation=`: `openapi::unknown-operation`,
//! `openapi::drift`, and the type of the response body (used by `exprs.rs`).
//!
//! The documents are the project's own copies under `openapi/` (what `intact import openapi`
//! writes): the files directly in that folder are the entry documents, the files below it are what
//! their `$ref`s name. They are read from the analysis, so the check stays a pure function of the
//! file texts; the lowered documents are memoised by their texts, because a language server checks
//! the same multi-megabyte document on every keystroke.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use intact_expr::Type;
use intact_model::{Analysis, FileId, Loc, Request, Step, StepKind, Tree};
use intact_openapi::model::{Location, Operation};
use intact_openapi::refs::normalize;
use intact_openapi::{Described, describe};

use crate::{Diagnostic, suggest};

/// The project's OpenAPI documents.
pub(crate) struct Documents {
    /// Entry documents that could be read, by their file in the analysis.
    pub described: Vec<(FileId, Arc<Described>)>,
    /// Entry documents that could not be read: the file and why.
    pub broken: Vec<(FileId, intact_openapi::Error)>,
    /// Response types by operation id: many requests may name one operation.
    types: Mutex<HashMap<String, Type>>,
}

/// The files of one document, for the `$ref`s of its schemas.
struct Files<'a>(&'a Described);

impl intact_expr::SchemaSource for Files<'_> {
    fn document(&self, name: &str) -> Option<&serde_json::Value> {
        self.0
            .docs
            .files
            .iter()
            .find(|f| normalize(&f.path) == Path::new(name))
            .map(|f| &f.value)
    }
}

impl Documents {
    pub fn is_empty(&self) -> bool {
        self.described.is_empty() && self.broken.is_empty()
    }

    pub fn operation(&self, id: &str) -> Option<(&Described, &Operation)> {
        self.described
            .iter()
            .find_map(|(_, d)| d.operation(id).map(|op| (&**d, op)))
    }

    fn ids(&self) -> impl Iterator<Item = &str> {
        self.described
            .iter()
            .flat_map(|(_, d)| d.api.operations.iter().filter_map(|o| o.id.as_deref()))
    }

    /// The type of the success response's body of the operation `id`, `Dyn` when unknown.
    pub fn response_type(&self, id: &str) -> Type {
        let mut types = self.types.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = types.get(id) {
            return t.clone();
        }
        let t = self.convert_response(id);
        types.insert(id.to_string(), t.clone());
        t
    }

    fn convert_response(&self, id: &str) -> Type {
        let Some((d, op)) = self.operation(id) else {
            return Type::Dyn;
        };
        let Some(at) = op.success().and_then(|r| r.schema.as_ref()) else {
            return Type::Dyn;
        };
        let Some(schema) = d.schema(at) else {
            return Type::Dyn;
        };
        let file = d
            .file_of(at)
            .map(|p| normalize(p).to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let name = format!("the response of {id}");
        intact_expr::SchemaConverter::new(&Files(d)).convert(&file, schema, &name)
    }
}

fn is_document(path: &Path) -> bool {
    path.extension()
        .is_some_and(|x| x == "json" || x == "yaml" || x == "yml")
}

/// The entry documents: `openapi/NAME.{json,yaml,yml}`.
fn is_entry(path: &Path) -> bool {
    path.parent() == Some(Path::new("openapi")) && is_document(path)
}

type Memo = HashMap<PathBuf, (u64, Arc<Result<Arc<Described>, intact_openapi::Error>>)>;

static MEMO: Mutex<Option<Memo>> = Mutex::new(None);

/// The project's documents, lowered (memoised by the texts of every file under `openapi/`).
pub(crate) fn documents(a: &Analysis) -> Documents {
    let under: Vec<(FileId, &intact_model::SourceFile)> = a
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.path().starts_with("openapi") && is_document(f.path()))
        .map(|(i, f)| (i as FileId, &**f))
        .collect();
    let mut docs = Documents {
        described: Vec::new(),
        broken: Vec::new(),
        types: Mutex::new(HashMap::new()),
    };
    if under.is_empty() {
        return docs;
    }
    // One key for all of them: an entry document may read any file below it.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for (_, f) in &under {
        f.path().hash(&mut h);
        f.text().hash(&mut h);
    }
    let key = h.finish();
    let texts: HashMap<PathBuf, &str> = under
        .iter()
        .map(|(_, f)| (f.path().to_path_buf(), f.text()))
        .collect();
    let read = |p: &Path| -> std::io::Result<Vec<u8>> {
        texts
            .get(&normalize(p))
            .map(|t| t.as_bytes().to_vec())
            .ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such file under openapi/ in the project",
                )
            })
    };
    let mut memo = MEMO.lock().unwrap_or_else(|e| e.into_inner());
    let memo = memo.get_or_insert_with(HashMap::new);
    for (id, f) in under.iter().filter(|(_, f)| is_entry(f.path())) {
        let path = f.path().to_path_buf();
        let result = match memo.get(&path) {
            Some((k, r)) if *k == key => r.clone(),
            _ => {
                let r =
                    Arc::new(describe(&path, f.text().as_bytes().to_vec(), &read).map(Arc::new));
                memo.insert(path, (key, r.clone()));
                r
            }
        };
        match &*result {
            Ok(d) => docs.described.push((*id, d.clone())),
            Err(e) => docs.broken.push((*id, e.clone())),
        }
    }
    docs
}

/// `openapi::unknown-operation` and `openapi::drift` for every request with `operation=`.
pub(crate) fn check(a: &Analysis, docs: &Documents, out: &mut Vec<Diagnostic>) {
    let m = &a.model;
    let owners = m
        .actions
        .iter()
        .map(|x| &x.steps)
        .chain(m.flows.iter().map(|f| &f.steps))
        .chain(m.connections.iter().filter_map(|c| c.ping.as_ref()));
    for (file, e) in &docs.broken {
        let code = match e.code {
            Some("openapi::unsupported-version") => "openapi::unsupported-version",
            _ => "openapi::invalid-document",
        };
        let mut d = Diagnostic::new(
            code,
            Loc::new(*file, intact_syntax::Span::empty(0)),
            e.message.clone(),
        )
        .label("this document");
        if let Some(h) = &e.help {
            d = d.help(h.clone());
        }
        out.push(d);
    }
    for steps in owners {
        crate::walk_steps(steps, &mut |s| {
            let StepKind::Request(req) = &s.kind else {
                return;
            };
            let Some((id, loc)) = &req.operation else {
                return;
            };
            if docs.is_empty() {
                out.push(
                    Diagnostic::new(
                        "openapi::unknown-operation",
                        *loc,
                        format!("no operation `{id}`: the project has no OpenAPI document under openapi/"),
                    )
                    .label("no document to find it in")
                    .help("run `intact import openapi SPEC` to copy the document into openapi/, or remove `operation=`"),
                );
                return;
            }
            match docs.operation(id) {
                Some((_, op)) => drift(s, req, op, out),
                None => {
                    let hint = suggest(id, docs.ids());
                    let mut d = Diagnostic::new(
                        "openapi::unknown-operation",
                        *loc,
                        format!("no operation `{id}` in the OpenAPI document"),
                    )
                    .label("unknown operation");
                    d = match hint {
                        Some(h) => d
                            .help(format!("did you mean `{h}`?"))
                            .fix(format!("use `{h}`"), *loc, format!("\"{h}\"")),
                        None => d.help("re-import the document if the vendor renamed it, or remove `operation=`"),
                    };
                    if let Some((file, _)) = docs.broken.first() {
                        d = d.related(
                            *loc,
                            format!(
                                "{} cannot be read; the operation may be there",
                                a.file(*file).path().display()
                            ),
                        );
                    }
                    out.push(d);
                }
            }
        });
    }
}

/// The path with each `${…}` and each `{param}` as `{}`.
fn shape(path: &str, template: bool) -> String {
    let mut out = String::new();
    let mut rest = path;
    let open = if template { "${" } else { "{" };
    while let Some(i) = rest.find(open) {
        out.push_str(&rest[..i]);
        let after = &rest[i + open.len()..];
        match after.find('}') {
            Some(j) => {
                out.push_str("{}");
                rest = &after[j + 1..];
            }
            None => {
                rest = after;
                break;
            }
        }
    }
    out.push_str(rest);
    // The query is not part of the operation's path.
    match out.find('?') {
        Some(q) => out[..q].to_string(),
        None => out,
    }
}

fn literal(t: &Tree) -> Option<(String, Loc)> {
    match t {
        Tree::Template(t) if !intact_model::template::has_expressions(&t.text) => {
            Some((t.text.clone(), t.loc))
        }
        Tree::Scalar(intact_syntax::Value::String(s), loc) => Some((s.to_string(), *loc)),
        _ => None,
    }
}

fn drift(s: &Step, req: &Request, op: &Operation, out: &mut Vec<Diagnostic>) {
    let id = op.id.as_deref().unwrap_or("");
    let declared = format!("{} {}", op.method, op.path);
    if let Some((method, loc)) = s.exec.args.first().and_then(literal)
        && !method.eq_ignore_ascii_case(&op.method)
    {
        out.push(
            Diagnostic::new(
                "openapi::drift",
                loc,
                format!(
                    "operation `{id}` is {declared}, not {}",
                    method.to_uppercase()
                ),
            )
            .label("method differs")
            .help(format!(
                "use \"{}\", or re-import the document if the API changed",
                op.method
            ))
            .fix(
                format!("use {}", op.method),
                loc,
                format!("\"{}\"", op.method),
            ),
        );
    }
    if let Some(path) = &req.path
        && shape(&path.text, true) != shape(&op.path, false)
    {
        out.push(
            Diagnostic::new(
                "openapi::drift",
                path.loc,
                format!("operation `{id}` is {declared}; this path does not match it"),
            )
            .label("path differs")
            .help(format!(
                "write the path as {} with a `${{…}}` for each `{{param}}`",
                op.path
            )),
        );
    }
    let sent = |list: &[(String, Tree)], name: &str| {
        list.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
    };
    for p in op.params.iter().filter(|p| p.required) {
        let missing = match p.location {
            Location::Query => !sent(&s.exec.query, &p.name),
            Location::Header => {
                !sent(&s.exec.headers, &p.name) && !p.name.eq_ignore_ascii_case("authorization")
            }
            Location::Path | Location::Cookie => false,
        };
        if missing {
            let kind = p.location.as_str();
            out.push(
                Diagnostic::new(
                    "openapi::drift",
                    s.keyword,
                    format!("operation `{id}` requires the {kind} parameter `{}`, which this request does not send", p.name),
                )
                .label(format!("no {kind} `{}`", p.name))
                .help(format!("add `{kind} \"{}\" \"${{…}}\"` to the request", p.name)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_compare_by_shape() {
        assert_eq!(shape("/users/${input.id}/roles", true), "/users/{}/roles");
        assert_eq!(shape("/users/{userId}/roles", false), "/users/{}/roles");
        assert_eq!(shape("/users?limit=${input.n}", true), "/users");
        assert_eq!(shape("/a/${x", true), "/a/x");
    }

    #[test]
    fn relative_references_are_normalised() {
        assert_eq!(
            normalize(Path::new("openapi/./docs/../docs/openapi/users.yaml")),
            PathBuf::from("openapi/docs/openapi/users.yaml")
        );
    }
}
