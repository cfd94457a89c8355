//! JSON references as intact reads them: a `$ref` in an OpenAPI document or a JSON Schema
//! (`./users.yaml#/paths/~1users`) and a `schema=` in KDL (`#/components/schemas/User`). One
//! reader for every place that follows one (decision 0011): the OpenAPI reader
//! (`intact-openapi`), the conversion of JSON Schemas into types (`intact-expr`) and the checker's
//! `schema=`, so that a reference means the same thing wherever it is written.
//!
//! A reference is a document and a fragment, split at the first `#` ([`split`]). The fragment is
//! percent-decoded (RFC 3986: OpenAPI's references are URIs, so `%7B` is `{` and `%25` is `%`; a
//! `%` not followed by two hex digits stays as written, as the `percent-encoding` crate reads it)
//! and is then an RFC 6901 JSON pointer (`~1` is a `/` inside a key, `~0` a `~`), validated and
//! walked by the `jsonptr` crate ([`get`]). The document is a path relative to the file the
//! reference is written in ([`join`]), taken as written (not percent-decoded).

use std::borrow::Cow;
use std::fmt;
use std::path::{Component, Path, PathBuf};

use jsonptr::resolve::Resolve;
use jsonptr::{ParseError, Pointer, Token};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use serde_json::Value;

/// A reference's document and fragment, split at the first `#`: `("other.yaml", "/x")` for
/// `other.yaml#/x`, `("", "/x")` for `#/x`, `("other.yaml", "")` for `other.yaml`.
pub fn split(reference: &str) -> (&str, &str) {
    reference.split_once('#').unwrap_or((reference, ""))
}

/// A reference read: the document it names and the JSON pointer its fragment decodes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference<'a> {
    /// The document as written before `#` (`./users.yaml`); empty for the document the reference
    /// is written in.
    pub document: &'a str,
    /// The fragment as an RFC 6901 pointer: percent-decoded, its `~0`/`~1` escapes kept (so a `/`
    /// inside a key stays inside it); `""` for the whole document.
    pub pointer: String,
}

impl<'a> Reference<'a> {
    pub fn parse(reference: &'a str) -> Result<Reference<'a>, Error> {
        let fail = |problem| Error {
            reference: reference.to_string(),
            problem,
        };
        if reference.is_empty() {
            return Err(fail(Problem::Empty));
        }
        let (document, fragment) = split(reference);
        let pointer = decode(fragment).map_err(fail)?;
        Ok(Reference { document, pointer })
    }

    /// What the pointer names, for messages: its last key unescaped (`a/b` for
    /// `#/components/schemas/a~1b`); `None` for a whole document or an empty last key.
    pub fn name(&self) -> Option<String> {
        let last = Pointer::parse(&self.pointer).ok()?.last()?;
        Some(last.decoded().into_owned()).filter(|n| !n.is_empty())
    }
}

/// A fragment to a pointer: percent-decoded, then validated as RFC 6901.
fn decode(fragment: &str) -> Result<String, Problem> {
    let decoded = percent_decode_str(fragment)
        .decode_utf8()
        .map_err(|_| Problem::NotUtf8 {
            fragment: fragment.to_string(),
        })?;
    match Pointer::parse(decoded.as_ref()) {
        Ok(_) => Ok(decoded.into_owned()),
        Err(ParseError::NoLeadingSlash) => Err(Problem::NotAPointer {
            fragment: fragment.to_string(),
        }),
        Err(_) => Err(Problem::BadEscape {
            fragment: fragment.to_string(),
        }),
    }
}

/// The value at an RFC 6901 pointer (`""` is the whole of `root`); `None` when there is nothing
/// there or the pointer is malformed. A key allocates only when it holds an escape: documents are
/// walked thousands of times per import.
pub fn get<'v>(root: &'v Value, pointer: &str) -> Option<&'v Value> {
    root.resolve(Pointer::parse(pointer).ok()?).ok()
}

/// `key` as one token of a pointer: `~` is `~0`, `/` is `~1`; borrowed when it holds neither.
pub fn escape(key: &str) -> Cow<'_, str> {
    Token::new(key).into_encoded()
}

/// What a `%` or a control character is written as in a fragment; the rest stays readable, since
/// the decoder reads `{` as it reads `%7B`.
const FRAGMENT: &AsciiSet = &CONTROLS.add(b'%');

/// `key` as one token of a reference's fragment, which [`Reference::parse`] reads back as `key`:
/// escaped as in a pointer, and a `%` written `%25`.
pub fn fragment_token(key: &str) -> Cow<'_, str> {
    let escaped = escape(key);
    if !escaped.bytes().any(|b| b == b'%' || b.is_ascii_control()) {
        return escaped;
    }
    Cow::Owned(utf8_percent_encode(&escaped, FRAGMENT).to_string())
}

/// `a/./b/../c` → `a/c`, without touching the file system (the files may not be on disk). A `..`
/// that climbs above the start is kept (`../x.yaml`), so a caller can tell a path that leaves its
/// folder. (`Path::normalize_lexically` will do this once it is stable.)
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

/// The path of `document` (as a reference writes it) from the folder of `referrer`, the file the
/// reference is written in, normalized.
pub fn join(referrer: &Path, document: &str) -> PathBuf {
    normalize(&referrer.parent().unwrap_or(Path::new("")).join(document))
}

/// The documents a reference may name, as their holder keeps them.
pub trait Documents {
    /// How the holder names one of its documents.
    type Id: Clone;
    /// The document at `path`, a path [`join`] made.
    fn find(&self, path: &Path) -> Option<Self::Id>;
    /// The path of a document: the relative references written in it start from its folder.
    fn path<'s>(&'s self, id: &'s Self::Id) -> Option<&'s Path>;
    fn value(&self, id: &Self::Id) -> Option<&Value>;
}

/// Where a reference points: the document, the pointer in it and the value there.
#[derive(Debug)]
pub struct Target<'d, Id> {
    pub document: Id,
    pub pointer: String,
    pub value: &'d Value,
}

/// The place `reference`, written in document `from`, points at.
pub fn resolve<'d, D: Documents + ?Sized>(
    docs: &'d D,
    from: &D::Id,
    reference: &str,
) -> Result<Target<'d, D::Id>, Error> {
    let r = Reference::parse(reference)?;
    let fail = |problem| Error {
        reference: reference.to_string(),
        problem,
    };
    let document = if r.document.is_empty() {
        from.clone()
    } else {
        let path = join(docs.path(from).unwrap_or(Path::new("")), r.document);
        docs.find(&path)
            .ok_or_else(|| fail(Problem::NoDocument { path }))?
    };
    match docs.value(&document).and_then(|v| get(v, &r.pointer)) {
        Some(value) => Ok(Target {
            document,
            pointer: r.pointer,
            value,
        }),
        None => {
            let path = docs.path(&document).unwrap_or(Path::new("")).to_path_buf();
            Err(fail(Problem::Nothing {
                path,
                pointer: r.pointer,
            }))
        }
    }
}

/// A reference that cannot be followed: the reference as written, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub reference: String,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Empty,
    /// The fragment does not start with `/` (a named anchor, `#User`, is not read).
    NotAPointer {
        fragment: String,
    },
    /// A `~` in the pointer not followed by `0` or `1`.
    BadEscape {
        fragment: String,
    },
    /// The fragment's `%` escapes decode to bytes that are not UTF-8 (`%FF`).
    NotUtf8 {
        fragment: String,
    },
    /// The document is not among those held.
    NoDocument {
        path: PathBuf,
    },
    /// The document holds nothing at the pointer.
    Nothing {
        path: PathBuf,
        pointer: String,
    },
}

/// Why, naming the fragment or the place; the caller names the whole reference (`self.reference`)
/// where it stands.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            Problem::Empty => write!(f, "an empty reference names nothing"),
            Problem::NotAPointer { fragment } => write!(
                f,
                "`#{fragment}` is not a JSON pointer: it starts with `/`, as in `#/components/schemas/User`"
            ),
            Problem::BadEscape { fragment } => write!(
                f,
                "`#{fragment}` is not a JSON pointer: a `~` in it is `~0` (for `~`) or `~1` (for `/`)"
            ),
            Problem::NotUtf8 { fragment } => {
                write!(
                    f,
                    "`#{fragment}` is not UTF-8 once its `%` escapes are decoded"
                )
            }
            Problem::NoDocument { path } => write!(f, "{} is not loaded", path.display()),
            Problem::Nothing { path, pointer } => {
                write!(f, "{} has nothing at `#{pointer}`", path.display())
            }
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Documents by their path, as a test holds them.
    struct Files(Vec<(PathBuf, Value)>);

    impl Documents for Files {
        type Id = usize;
        fn find(&self, path: &Path) -> Option<usize> {
            self.0.iter().position(|(p, _)| p == path)
        }
        fn path<'s>(&'s self, id: &'s usize) -> Option<&'s Path> {
            self.0.get(*id).map(|(p, _)| p.as_path())
        }
        fn value(&self, id: &usize) -> Option<&Value> {
            self.0.get(*id).map(|(_, v)| v)
        }
    }

    #[test]
    fn references_split_and_decode() {
        fn read(r: &str) -> Result<(&str, String), Error> {
            Reference::parse(r).map(|r| (r.document, r.pointer))
        }
        let ok = |d: &'static str, p: &str| Ok((d, p.to_string()));
        assert_eq!(
            read("#/components/schemas/a~1b"),
            ok("", "/components/schemas/a~1b")
        );
        assert_eq!(read("#/paths/~1u~1%7Bid%7D"), ok("", "/paths/~1u~1{id}"));
        assert_eq!(read("#/x/100%25"), ok("", "/x/100%"));
        assert_eq!(read("#/x/~0y"), ok("", "/x/~0y"));
        // `%7E1` is `~1` once decoded: a `/` inside the key, as RFC 6901 §6 reads it.
        assert_eq!(read("#/a%7E1b"), ok("", "/a~1b"));
        assert_eq!(read("other.yaml#/x"), ok("other.yaml", "/x"));
        assert_eq!(read("other.yaml#"), ok("other.yaml", ""));
        assert_eq!(read("other.yaml"), ok("other.yaml", ""));
        assert_eq!(read("#"), ok("", ""));
        // A `%` without two hex digits after it stays as written.
        assert_eq!(read("#/a%zz/b%4"), ok("", "/a%zz/b%4"));
        let problem = |r: &str| Reference::parse(r).unwrap_err().problem;
        assert_eq!(problem(""), Problem::Empty);
        assert!(matches!(problem("#User"), Problem::NotAPointer { .. }));
        assert!(matches!(problem("#/a~2b"), Problem::BadEscape { .. }));
        assert!(matches!(problem("#/a~"), Problem::BadEscape { .. }));
        assert!(matches!(problem("#/a%FF"), Problem::NotUtf8 { .. }));
    }

    #[test]
    fn errors_name_the_reference() {
        for r in ["#User", "#/a~2b", "x.yaml#/a%FF"] {
            let e = Reference::parse(r).unwrap_err();
            assert_eq!(e.reference, r);
            let (_, fragment) = split(r);
            assert!(e.to_string().contains(&format!("`#{fragment}`")), "{e}");
        }
    }

    #[test]
    fn names_are_the_last_key_unescaped() {
        let name = |r: &str| Reference::parse(r).unwrap().name();
        assert_eq!(name("#/components/schemas/a~1b").as_deref(), Some("a/b"));
        assert_eq!(name("#/x/~0y").as_deref(), Some("~y"));
        assert_eq!(name("#/x/%7Bid%7D").as_deref(), Some("{id}"));
        assert_eq!(name("other.yaml"), None);
        assert_eq!(name("#/x/"), None);
    }

    #[test]
    fn pointers_are_walked() {
        let v = json!({"a/b": {"~c": [10, 11]}, "": 1});
        assert_eq!(get(&v, ""), Some(&v));
        assert_eq!(get(&v, "/a~1b/~0c/1"), Some(&json!(11)));
        assert_eq!(get(&v, "/"), Some(&json!(1)));
        for nothing in [
            "/a~1b/~0c/01",
            "/a~1b/~0c/-",
            "/a~1b/~0c/2",
            "/a/b",
            "x",
            "/a~2",
        ] {
            assert_eq!(get(&v, nothing), None, "{nothing}");
        }
    }

    #[test]
    fn fragment_tokens_read_back_as_their_key() {
        for key in ["plain", "a/b", "~x", "100%", "{id}", "a%7Bb", "tab\there"] {
            let r = format!("#/components/schemas/{}", fragment_token(key));
            assert_eq!(
                Reference::parse(&r).unwrap().name().as_deref(),
                Some(key),
                "{r}"
            );
        }
        assert!(matches!(fragment_token("plain"), Cow::Borrowed(_)));
        assert_eq!(escape("a/b~c"), "a~1b~0c");
    }

    #[test]
    fn documents_resolve_against_the_referring_file() {
        let files = Files(vec![
            (
                "d/api.yaml".into(),
                json!({"a": {"$ref": "docs/u.yaml#/u"}}),
            ),
            (
                "d/docs/u.yaml".into(),
                json!({"u": {"type": "object"}, "v": 1}),
            ),
            ("d/common.yaml".into(), json!({"c": true})),
        ]);
        let t = resolve(&files, &0, "docs/u.yaml#/u").unwrap();
        assert_eq!((t.document, t.value), (1, &json!({"type": "object"})));
        // From the file it is written in, not from the entry document.
        let t = resolve(&files, &1, "../common.yaml#/c").unwrap();
        assert_eq!((t.document, t.pointer.as_str()), (2, "/c"));
        let t = resolve(&files, &1, "#/v").unwrap();
        assert_eq!(t.document, 1);
        assert_eq!(resolve(&files, &0, "./common.yaml").unwrap().document, 2);
        let e = resolve(&files, &0, "docs/missing.yaml#/u").unwrap_err();
        assert_eq!(
            e.problem,
            Problem::NoDocument {
                path: "d/docs/missing.yaml".into()
            }
        );
        let e = resolve(&files, &0, "#/nope").unwrap_err();
        assert_eq!(e.reference, "#/nope");
        assert_eq!(e.to_string(), "d/api.yaml has nothing at `#/nope`");
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
        assert_eq!(
            join(Path::new("openapi/docs/users.yaml"), "../common.yaml"),
            PathBuf::from("openapi/common.yaml")
        );
        assert_eq!(
            join(Path::new("x.json"), "common.json"),
            PathBuf::from("common.json")
        );
    }
}
