//! The files of one document and its `$ref`s: local (`#/components/...`), relative files
//! (`./users.yaml#/paths/~1Users`), JSON-pointer escapes and cycles.
//!
//! Every file a `$ref` names is loaded up front and every `$ref` is checked once, so a broken
//! reference is an error that names the file and pointer where it stands, before anything is
//! generated. References are never expanded in place: a schema stays a pointer, so a cyclic
//! schema costs nothing and cannot loop; only chains of `$ref` to `$ref` are followed, with a
//! visited set.
//!
//! A reference is read by `intact-jsonref` (decision 0011), as the checker reads `schema=` and
//! the JSON Schema conversion reads a schema's `$ref`s: split at `#`, the fragment percent-decoded
//! into a JSON pointer, the file joined to the folder of the file the `$ref` is written in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use intact_jsonref::{join, normalize};
use serde_json::Value;

use crate::Error;

/// Reads a file the document names; the importer passes `std::fs::read`, a checker may pass a
/// reader over files it already holds.
pub type Reader<'a> = &'a dyn Fn(&Path) -> std::io::Result<Vec<u8>>;

/// One file of the document: its path as the reader knows it, its bytes (copied byte for byte
/// into the project) and its value.
#[derive(Debug)]
pub struct File {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub value: Value,
}

/// A place in the document: a file (an index into [`Docs::files`]) and a JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct At {
    pub file: usize,
    /// An RFC 6901 pointer, `""` for the whole file.
    pub pointer: String,
}

impl At {
    pub fn child(&self, key: &str) -> At {
        // Built by hand: the lowering makes a pointer for every operation, parameter and
        // response, and `format!` with an escaped copy of each key showed in profiles.
        let mut pointer = String::with_capacity(self.pointer.len() + key.len() + 1);
        pointer.push_str(&self.pointer);
        pointer.push('/');
        pointer.push_str(&intact_jsonref::escape(key));
        At {
            file: self.file,
            pointer,
        }
    }
}

#[derive(Debug)]
pub struct Docs {
    /// The entry document first, then the files it references, in the order they were found.
    pub files: Vec<File>,
    /// Each file's index by its normalized path.
    by_path: BTreeMap<PathBuf, usize>,
}

/// How many `$ref`s to `$ref`s are followed before giving up; real documents use one or two.
const MAX_HOPS: usize = 64;

impl Docs {
    /// Loads `root` (already read and parsed) and every file its `$ref`s name, transitively, and
    /// checks every `$ref`.
    pub fn load(root: File, read: Reader) -> Result<Docs, Error> {
        let by_path = BTreeMap::from([(normalize(&root.path), 0)]);
        let mut docs = Docs {
            files: vec![root],
            by_path,
        };
        let mut refs: Vec<(usize, String, String)> = Vec::new();
        let mut next = 0;
        while next < docs.files.len() {
            let found = collect_refs(&docs.files[next].value, None);
            for (_, target) in found {
                let (file_part, _) = intact_jsonref::split(&target);
                if !file_part.is_empty() {
                    let place = || {
                        let only: std::collections::BTreeSet<&str> = [target.as_str()].into();
                        collect_refs(&docs.files[next].value, Some(&only))
                            .into_iter()
                            .map(|(p, _)| p)
                            .next()
                            .unwrap_or_default()
                    };
                    if file_part.contains("://") {
                        return Err(Error::new(format!(
                            "{}#{}: `$ref: {target}` points at a remote file; intact does not fetch documents",
                            docs.files[next].path.display(),
                            place()
                        ))
                        .help("download that file next to the document, change the `$ref` to its relative path, and import again"));
                    }
                    let path = join(&docs.files[next].path, file_part);
                    // Only the document's own folder is read: not `/dev/zero`, not `../../etc`.
                    let home = normalize(docs.files[0].path.parent().unwrap_or(Path::new("")));
                    let inside = !Path::new(file_part).is_absolute()
                        && path.strip_prefix(&home).is_ok_and(|rest| {
                            !matches!(
                                rest.components().next(),
                                Some(std::path::Component::ParentDir)
                            )
                        });
                    if !inside {
                        return Err(Error::new(format!(
                            "{}#{}: `$ref: {target}` names {}, outside the document's folder; intact reads only files beside the document and below it",
                            docs.files[next].path.display(),
                            place(),
                            path.display()
                        ))
                        .help("copy that file next to the document (or into a folder below it), change the `$ref` to its relative path, and import again"));
                    }
                    if !docs.by_path.contains_key(&path) {
                        let bytes = read(&path).map_err(|e| {
                            Error::new(format!(
                                "{}#{}: `$ref: {target}` names {}, which cannot be read: {e}",
                                docs.files[next].path.display(),
                                place(),
                                path.display()
                            ))
                            .help("a relative `$ref` is resolved against the folder of the file it is written in")
                        })?;
                        let value = crate::read::parse(&bytes, &path.display().to_string())?;
                        docs.by_path.insert(path.clone(), docs.files.len());
                        docs.files.push(File { path, bytes, value });
                    }
                }
                refs.push((next, String::new(), target));
            }
            next += 1;
        }
        // Each distinct target once; the place of a broken one is looked up only then.
        refs.sort_by(|a, b| (a.0, &a.2).cmp(&(b.0, &b.2)));
        refs.dedup_by(|a, b| a.0 == b.0 && a.2 == b.2);
        let mut broken: Option<(usize, String, String, String)> = None;
        for (file, _, target) in &refs {
            if let Err(e) = docs.resolve(*file, target) {
                let only: std::collections::BTreeSet<&str> = [target.as_str()].into();
                let pointer = collect_refs(&docs.files[*file].value, Some(&only))
                    .into_iter()
                    .map(|(p, _)| p)
                    .next()
                    .unwrap_or_default();
                let candidate = (*file, pointer, target.clone(), e.message);
                // The first broken reference in document order, as a reader would meet it.
                if broken
                    .as_ref()
                    .is_none_or(|b| (candidate.0, &candidate.1) < (b.0, &b.1))
                {
                    broken = Some(candidate);
                }
            }
        }
        if let Some((file, pointer, target, e)) = broken {
            return Err(Error::new(format!(
                "broken `$ref: {target}` at {}#{pointer}: {e}",
                docs.files[file].path.display()
            ))
            .help("fix the `$ref` (pointers start at the file's root, `/` inside a key is written `~1`, `~` is `~0`, `%` is `%25`)"));
        }
        Ok(docs)
    }

    pub fn get(&self, at: &At) -> Option<&Value> {
        intact_jsonref::get(&self.files.get(at.file)?.value, &at.pointer)
    }

    /// The place a `$ref` written in `file` points at.
    pub fn resolve(&self, file: usize, target: &str) -> Result<At, Error> {
        self.follow(file, target).map(|(at, _)| at)
    }

    /// [`Docs::resolve`], and the value there.
    fn follow(&self, file: usize, target: &str) -> Result<(At, &Value), Error> {
        let t =
            intact_jsonref::resolve(self, &file, target).map_err(|e| Error::new(e.to_string()))?;
        let at = At {
            file: t.document,
            pointer: t.pointer,
        };
        Ok((at, t.value))
    }

    /// `at`, or what its `$ref` chain ends at; a cycle of `$ref`s is an error.
    pub fn deref(&self, at: &At) -> Result<(At, &Value), Error> {
        let value = self
            .get(at)
            .ok_or_else(|| Error::new(format!("nothing at {}", self.describe(at))))?;
        self.deref_from(at.clone(), value)
    }

    /// [`Docs::deref`] of `value`, which is what stands at `at`: only a `$ref` costs a lookup.
    pub fn deref_from<'a>(&'a self, at: At, value: &'a Value) -> Result<(At, &'a Value), Error> {
        if value.get("$ref").is_none() {
            return Ok((at, value));
        }
        let mut at = at;
        let mut value = value;
        let mut seen = vec![at.clone()];
        loop {
            let Some(target) = value.get("$ref").and_then(Value::as_str) else {
                return Ok((at, value));
            };
            let (next, found) = self.follow(at.file, target)?;
            if seen.contains(&next) || seen.len() > MAX_HOPS {
                return Err(Error::new(format!(
                    "the `$ref` at {} leads back to itself (a cycle of references with nothing in between)",
                    self.describe(&seen[0])
                ))
                .help("one of the objects in the chain must be written out instead of referenced"));
            }
            seen.push(next.clone());
            at = next;
            value = found;
        }
    }

    /// `FILE#/pointer`, for messages.
    pub fn describe(&self, at: &At) -> String {
        let file = self
            .files
            .get(at.file)
            .map(|f| f.path.display().to_string())
            .unwrap_or_default();
        format!("{file}#{}", at.pointer)
    }
}

impl intact_jsonref::Documents for Docs {
    type Id = usize;
    fn find(&self, path: &Path) -> Option<usize> {
        self.by_path.get(path).copied()
    }
    fn path<'s>(&'s self, id: &'s usize) -> Option<&'s Path> {
        self.files.get(*id).map(|f| f.path.as_path())
    }
    fn value(&self, id: &usize) -> Option<&Value> {
        self.files.get(*id).map(|f| &f.value)
    }
}

/// Every `$ref` string in `value` with the pointer of the object that holds it, walked with an
/// explicit stack so that no nesting depth can overflow ours. Literal data is skipped: `example`,
/// `enum`, `default`, `const`, extensions, and the `value` of Example objects may hold a `$ref`
/// key that is data, not a reference.
/// Every `$ref` in `value`: (pointer, target). With `only`, just those whose target is in it;
/// without, the pointers are left empty (they are needed only to report a broken reference,
/// and building one per `$ref` was most of the cost of loading a large document).
fn collect_refs(
    value: &Value,
    only: Option<&std::collections::BTreeSet<&str>>,
) -> Vec<(String, String)> {
    // Pointers are built only for the objects that hold a `$ref`: the path to the current node
    // is kept as a list of keys, cut back to each popped node's depth.
    enum Key<'a> {
        Root,
        Name(&'a str),
        Index(usize),
    }
    let mut out = Vec::new();
    let mut path: Vec<Key> = Vec::new();
    let mut stack: Vec<(&Value, usize, Key, bool)> = vec![(value, 0, Key::Root, false)];
    let track = only.is_some();
    while let Some((v, depth, key, in_examples)) = stack.pop() {
        // In a Responses object `default` is the default response, not a schema's literal
        // `default` value: its `$ref` is a reference like any other.
        let responses = matches!(key, Key::Name("responses"));
        if track {
            path.truncate(depth);
            path.push(key);
        }
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref")
                    && only.is_none_or(|o| o.contains(r.as_str()))
                {
                    let mut pointer = String::new();
                    for k in path.iter().skip(1) {
                        match k {
                            Key::Name(n) => {
                                pointer.push('/');
                                pointer.push_str(&intact_jsonref::escape(n));
                            }
                            Key::Index(i) => pointer.push_str(&format!("/{i}")),
                            Key::Root => {}
                        }
                    }
                    out.push((pointer, r.clone()));
                }
                for (k, child) in map {
                    let literal = matches!(k.as_str(), "example" | "enum" | "const")
                        || (k == "default" && !responses)
                        || k.starts_with("x-")
                        || (in_examples && k == "value");
                    if literal || !(child.is_object() || child.is_array()) {
                        continue;
                    }
                    if k == "examples" {
                        // The Example objects are one level down: mark their children.
                        if let Value::Object(examples) = child {
                            for (name, ex) in examples {
                                // Two levels: `examples`, then the example's name.
                                stack.push((ex, depth + 2, Key::Name(name), true));
                            }
                            stack.push((&Value::Null, depth + 1, Key::Name(k), false));
                            continue;
                        }
                    }
                    stack.push((child, depth + 1, Key::Name(k), false));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    if child.is_object() || child.is_array() {
                        stack.push((child, depth + 1, Key::Index(i), false));
                    }
                }
            }
            _ => {}
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn file(path: &str, value: Value) -> File {
        File {
            path: PathBuf::from(path),
            bytes: Vec::new(),
            value,
        }
    }

    fn reader(
        files: Vec<(&'static str, &'static str)>,
    ) -> impl Fn(&Path) -> std::io::Result<Vec<u8>> {
        move |p: &Path| {
            files
                .iter()
                .find(|(n, _)| Path::new(n) == p)
                .map(|(_, t)| t.as_bytes().to_vec())
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
        }
    }

    #[test]
    fn local_and_escaped_pointers() {
        let root = file(
            "d/api.yaml",
            json!({
                "paths": {"/users/{id}": {"get": {"responses": {"200": {"$ref": "#/components/responses/U"}}}}},
                "components": {"responses": {"U": {"description": "u"}}, "schemas": {"a/b": {"x~y": {"type": "string"}}}},
                "x": {"$ref": "#/paths/~1users~1%7Bid%7D/get"},
                "y": {"$ref": "#/components/schemas/a~1b/x~0y"}
            }),
        );
        let docs = Docs::load(root, &reader(vec![])).unwrap();
        let at = docs.resolve(0, "#/paths/~1users~1%7Bid%7D/get").unwrap();
        assert!(docs.get(&at).unwrap().get("responses").is_some());
        let at = docs.resolve(0, "#/components/schemas/a~1b/x~0y").unwrap();
        assert_eq!(docs.get(&at).unwrap()["type"], "string");
    }

    #[test]
    fn relative_files_resolve_against_the_referencing_file() {
        let root = file(
            "d/openapi.yaml",
            json!({"paths": {"/u": {"$ref": "./docs/users.yaml#/paths/~1u"}}}),
        );
        let read = reader(vec![
            (
                "d/docs/users.yaml",
                "paths:\n  /u:\n    get:\n      parameters:\n        - $ref: './common.yaml#/p'\n      responses:\n        '200':\n          $ref: '#/components/responses/R'\ncomponents:\n  responses:\n    R:\n      description: r\n",
            ),
            ("d/docs/common.yaml", "p:\n  name: filter\n  in: query\n"),
        ]);
        let docs = Docs::load(root, &read).unwrap();
        assert_eq!(docs.files.len(), 3);
        let (at, v) = docs
            .deref(&At {
                file: 0,
                pointer: "/paths/~1u".into(),
            })
            .unwrap();
        assert_eq!(docs.files[at.file].path, Path::new("d/docs/users.yaml"));
        assert!(v.get("get").is_some());
        // The local ref inside users.yaml resolves in users.yaml, not in the root.
        let r = docs.resolve(at.file, "#/components/responses/R").unwrap();
        assert_eq!(r.file, at.file);
    }

    #[test]
    fn broken_refs_name_the_file_and_pointer() {
        let root = file(
            "api.yaml",
            json!({"paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/Missing"}}}}}}),
        );
        let e = Docs::load(root, &reader(vec![])).unwrap_err();
        assert!(
            e.message.contains("api.yaml#/paths/~1a/get/responses/200"),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("#/components/responses/Missing"),
            "{}",
            e.message
        );

        let root = file("api.yaml", json!({"a": {"$ref": "other.yaml#/x"}}));
        let e = Docs::load(root, &reader(vec![])).unwrap_err();
        assert!(
            e.message.contains("api.yaml#/a") && e.message.contains("other.yaml"),
            "{}",
            e.message
        );
    }

    #[test]
    fn cycles_terminate() {
        let root = file(
            "api.yaml",
            json!({
                "components": {"schemas": {
                    "A": {"$ref": "#/components/schemas/B"},
                    "B": {"$ref": "#/components/schemas/A"},
                    "Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}
                }}
            }),
        );
        let docs = Docs::load(root, &reader(vec![])).unwrap();
        let e = docs
            .deref(&At {
                file: 0,
                pointer: "/components/schemas/A".into(),
            })
            .unwrap_err();
        assert!(e.message.contains("cycle"), "{}", e.message);
        let (_, node) = docs
            .deref(&At {
                file: 0,
                pointer: "/components/schemas/Node".into(),
            })
            .unwrap();
        assert_eq!(node["type"], "object");
    }

    #[test]
    fn literal_data_is_not_a_reference() {
        let v = json!({
            "example": {"$ref": "#/nope"},
            "examples": {"e": {"value": {"$ref": "#/nope"}}, "f": {"$ref": "#/components/examples/f"}},
            "x-thing": {"$ref": "#/nope"},
            "properties": {"$ref": {"type": "string"}}
        });
        let targets: Vec<String> = collect_refs(&v, None).into_iter().map(|(_, t)| t).collect();
        assert_eq!(targets, vec!["#/components/examples/f".to_string()]);
        // With the targets asked for, the pointers too.
        let only: std::collections::BTreeSet<&str> = ["#/components/examples/f"].into();
        assert_eq!(
            collect_refs(&v, Some(&only)),
            vec![(
                "/examples/f".to_string(),
                "#/components/examples/f".to_string()
            )]
        );
    }
}
