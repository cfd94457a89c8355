//! The files of one document and its `$ref`s: local (`#/components/...`), relative files
//! (`./users.yaml#/paths/~1Users`), JSON-pointer escapes and cycles.
//!
//! Every file a `$ref` names is loaded up front and every `$ref` is checked once, so a broken
//! reference is an error that names the file and pointer where it stands, before anything is
//! generated. References are never expanded in place: a schema stays a pointer, so a cyclic
//! schema costs nothing and cannot loop; only chains of `$ref` to `$ref` are followed, with a
//! visited set.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

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
        push_escaped(&mut pointer, key);
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
        let mut by_path: BTreeMap<PathBuf, usize> = BTreeMap::new();
        by_path.insert(normalize(&root.path), 0);
        let mut docs = Docs {
            files: vec![root],
            by_path: BTreeMap::new(),
        };
        let mut refs: Vec<(usize, String, String)> = Vec::new();
        let mut next = 0;
        while next < docs.files.len() {
            let found = collect_refs(&docs.files[next].value, None);
            for (_, target) in found {
                if let Some((file_part, _)) = split_ref(&target)
                    && !file_part.is_empty()
                {
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
                    let path = normalize(&dir_of(&docs.files[next].path).join(file_part));
                    // Only the document's own folder is read: not `/dev/zero`, not `../../etc`.
                    let home = normalize(&dir_of(&docs.files[0].path));
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
                    if !by_path.contains_key(&path) {
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
                        by_path.insert(path.clone(), docs.files.len());
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
            if let Err(e) = docs.resolve_with(*file, target, &by_path) {
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
        if let Some((file, pointer, _, e)) = broken {
            return Err(Error::new(format!(
                "broken `$ref` at {}#{pointer}: {e}",
                docs.files[file].path.display()
            ))
            .help("fix the `$ref` (pointers start at the file's root, `/` inside a key is written `~1`, `~` is `~0`)"));
        }
        docs.by_path = by_path;
        Ok(docs)
    }

    pub fn get(&self, at: &At) -> Option<&Value> {
        pointer(&self.files.get(at.file)?.value, &at.pointer)
    }

    /// The place a `$ref` written in `file` points at.
    pub fn resolve(&self, file: usize, target: &str) -> Result<At, Error> {
        self.resolve_with(file, target, &self.by_path)
    }

    fn resolve_with(
        &self,
        file: usize,
        target: &str,
        by_path: &BTreeMap<PathBuf, usize>,
    ) -> Result<At, Error> {
        let Some((file_part, fragment)) = split_ref(target) else {
            return Err(Error::new(format!("`{target}` is not a reference")));
        };
        let file = if file_part.is_empty() {
            file
        } else {
            let from = self
                .files
                .get(file)
                .map(|f| dir_of(&f.path))
                .unwrap_or_default();
            let path = normalize(&from.join(file_part));
            *by_path
                .get(&path)
                .ok_or_else(|| Error::new(format!("{} is not loaded", path.display())))?
        };
        let pointer = decode_fragment(fragment)?;
        let at = At { file, pointer };
        if self.get(&at).is_none() {
            return Err(Error::new(format!(
                "{} has nothing at `#{}`",
                self.files[at.file].path.display(),
                at.pointer
            )));
        }
        Ok(at)
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
        let mut seen = vec![at.clone()];
        let mut first = Some(value);
        loop {
            let value = match first.take() {
                Some(v) => v,
                None => self
                    .get(&at)
                    .ok_or_else(|| Error::new(format!("nothing at {}", self.describe(&at))))?,
            };
            let Some(target) = value.get("$ref").and_then(Value::as_str) else {
                return Ok((at, value));
            };
            let next = self.resolve(at.file, target)?;
            if seen.contains(&next) || seen.len() > MAX_HOPS {
                return Err(Error::new(format!(
                    "the `$ref` at {} leads back to itself (a cycle of references with nothing in between)",
                    self.describe(&seen[0])
                ))
                .help("one of the objects in the chain must be written out instead of referenced"));
            }
            seen.push(next.clone());
            at = next;
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

/// The value at an RFC 6901 pointer. Unlike `Value::pointer`, a token allocates only when it
/// holds an escape (`~0`, `~1`): documents are walked thousands of times per import.
pub fn pointer<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(root);
    }
    let rest = pointer.strip_prefix('/')?;
    let mut v = root;
    for token in rest.split('/') {
        let unescaped;
        let key = if token.contains('~') {
            unescaped = token.replace("~1", "/").replace("~0", "~");
            unescaped.as_str()
        } else {
            token
        };
        v = match v {
            Value::Object(m) => m.get(key)?,
            Value::Array(a) => {
                if key.len() > 1 && key.starts_with('0') {
                    return None;
                }
                a.get(key.parse::<usize>().ok()?)?
            }
            _ => return None,
        };
    }
    Some(v)
}

/// `file#fragment` split, or None when the text is not a reference we read.
fn split_ref(target: &str) -> Option<(&str, &str)> {
    match target.split_once('#') {
        Some((file, fragment)) => Some((file, fragment)),
        // A whole-file reference.
        None if !target.is_empty() => Some((target, "")),
        None => None,
    }
}

/// A URI fragment to an RFC 6901 pointer: percent-decoding first (`%7B`), the `~1`/`~0` escapes
/// stay, since `Value::pointer` reads them.
fn decode_fragment(fragment: &str) -> Result<String, Error> {
    if !fragment.is_empty() && !fragment.starts_with('/') {
        return Err(Error::new(format!(
            "`#{fragment}` is not a JSON pointer (it must start with `/`); named anchors are not supported"
        )));
    }
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out)
        .map_err(|_| Error::new(format!("`#{fragment}` is not UTF-8 once decoded")))
}

/// A key as one pointer token.
pub fn escape(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    push_escaped(&mut out, key);
    out
}

/// `key` as one RFC 6901 token: `~` is `~0`, `/` is `~1`.
fn push_escaped(out: &mut String, key: &str) {
    if !key.contains(['~', '/']) {
        out.push_str(key);
        return;
    }
    for c in key.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

fn dir_of(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// `a/./b/../c` → `a/c`, without touching the file system (the files may not be on disk).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    out.iter().collect()
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
                                pointer.push_str(&escape(n));
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

    #[test]
    fn normalizes_paths() {
        assert_eq!(
            normalize(Path::new("a/./b/../c.yaml")),
            PathBuf::from("a/c.yaml")
        );
        assert_eq!(
            normalize(Path::new("../x.yaml")),
            PathBuf::from("../x.yaml")
        );
    }
}
