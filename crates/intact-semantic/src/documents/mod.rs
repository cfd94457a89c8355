//! The project's OpenAPI documents as typing and the `openapi::*` rules need them: each
//! operation's method, path and required parameters, and the types of response and request
//! bodies.
//!
//! The documents are the project's own copies under `openapi/` (what `intact import openapi`
//! writes): the files directly in that folder are the entry documents, the files below it are what
//! their `$ref`s name. They are read from the analysis, so the check stays a pure function of the
//! file texts.
//!
//! Reading a multi-megabyte document costs ten times the rest of a check, and the checker needs
//! little of it: each operation's method, path and required parameters, and the types of the
//! response bodies that requests use. That [`Digest`] is kept twice, both keyed by a hash of every
//! file under `openapi/` (and intact's version), so a changed file is never read from a stale copy:
//! in memory for the language server, which checks the same document on every keystroke, and, when
//! the host hands a [`DigestStore`] (the CLI and the language server give [`CacheFolder`]: the
//! user's cache folder, `openapi/<key>.json`), on disk for the next `intact check`. A response type
//! the digest does not hold yet is converted from the document, read then, and the digest is
//! written again. A store that cannot be read or written is only slower.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use intact_expr::Type;
use intact_jsonref::normalize;
use intact_model::{Analysis, FileId, SourceFile};
use intact_openapi::Described;
use intact_openapi::files::{declares_version, is_document, is_entry};
use intact_openapi::model::Location;
use serde::{Deserialize, Serialize};

mod store;
pub use store::{CacheFolder, DigestStore};
use store::{read_digest, write_digest};

/// Bumped when [`Digest`] changes shape or meaning, so that older files are not read (2: types of
/// `schema=` pointers, under `schema:POINTER`; 3: a key and a checksum around it; 4: the
/// component schemas' names; 5: `POINTER` percent-decoded, as `intact-jsonref` reads a reference).
const DIGEST_FORMAT: u32 = 5;

/// What the checker needs of an operation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OperationSummary {
    pub id: Option<String>,
    /// Upper case.
    pub method: String,
    pub path: String,
    pub required_query: Vec<String>,
    pub required_headers: Vec<String>,
}

/// A schema under the entry document's `components/schemas`, for completing `schema=`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SchemaSummary {
    pub name: String,
    /// The first line of its description.
    pub description: Option<String>,
}

/// What the checker needs of one entry document.
#[derive(Debug, Serialize, Deserialize)]
struct Digest {
    format: u32,
    operations: Vec<OperationSummary>,
    schemas: Vec<SchemaSummary>,
    /// The success response body's type, by operation id, for the operations converted so far.
    responses: BTreeMap<String, Type>,
}

/// One readable entry document: its digest, and the document itself once something needs it.
struct Entry {
    path: PathBuf,
    /// The key of the digest on disk.
    key: u64,
    operations: Vec<OperationSummary>,
    schemas: Vec<SchemaSummary>,
    responses: Mutex<BTreeMap<String, Type>>,
    /// Whether `responses` holds types the file on disk does not.
    dirty: Mutex<bool>,
    /// The files under `openapi/`, to read the document from when a type is missing.
    sources: Vec<Arc<SourceFile>>,
    described: OnceLock<Option<Arc<Described>>>,
}

/// The project's OpenAPI documents.
pub struct Documents {
    entries: Vec<(FileId, Arc<Entry>)>,
    /// Where digests are written, if anywhere.
    store: Option<Arc<dyn DigestStore>>,
    /// Entry documents that could not be read: the file and why.
    pub broken: Vec<(FileId, intact_openapi::Error)>,
}

/// [`Documents::identity`].
#[derive(Clone)]
pub(crate) struct Identity {
    entries: Vec<(FileId, Arc<Entry>)>,
    broken: Vec<FileId>,
}

impl PartialEq for Identity {
    fn eq(&self, other: &Identity) -> bool {
        self.broken == other.broken
            && self.entries.len() == other.entries.len()
            && self
                .entries
                .iter()
                .zip(&other.entries)
                .all(|((f, a), (g, b))| f == g && Arc::ptr_eq(a, b))
    }
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
    /// Which documents these are, by identity: two `Documents` with the same identity type
    /// every request alike (the typing memo's context).
    pub(crate) fn identity(&self) -> Identity {
        Identity {
            entries: self.entries.clone(),
            broken: self.broken.iter().map(|(f, _)| *f).collect(),
        }
    }

    /// Each readable entry document's path and its component schemas.
    pub fn component_schemas(&self) -> impl Iterator<Item = (&Path, &[SchemaSummary])> {
        self.entries
            .iter()
            .map(|(_, e)| (e.path.as_path(), e.schemas.as_slice()))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.broken.is_empty()
    }

    pub fn operation(&self, id: &str) -> Option<&OperationSummary> {
        self.entries
            .iter()
            .find_map(|(_, e)| e.operations.iter().find(|o| o.id.as_deref() == Some(id)))
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .flat_map(|(_, e)| e.operations.iter().filter_map(|o| o.id.as_deref()))
    }

    /// The type of the success response's body of the operation `id`, `Dyn` when unknown.
    pub fn response_type(&self, id: &str) -> Type {
        self.operation_type(id, id.to_string(), convert_response)
    }

    /// The type of the JSON request body of the operation `id`, `Dyn` when unknown or not JSON.
    pub fn request_body_type(&self, id: &str) -> Type {
        self.operation_type(id, format!("body:{id}"), convert_body)
    }

    /// A type of the operation `id`, from the digest under `key`, else converted from the document
    /// and remembered there.
    fn operation_type(&self, id: &str, key: String, convert: fn(&Described, &str) -> Type) -> Type {
        let Some((_, e)) = self
            .entries
            .iter()
            .find(|(_, e)| e.operations.iter().any(|o| o.id.as_deref() == Some(id)))
        else {
            return Type::Dyn;
        };
        if let Some(t) = lock(&e.responses).get(&key) {
            return t.clone();
        }
        let t = e.described().map_or(Type::Dyn, |d| convert(d, id));
        lock(&e.responses).insert(key, t.clone());
        *lock(&e.dirty) = true;
        t
    }

    /// The type of the schema at `pointer` (`/components/schemas/User`, decoded from a reference
    /// by `intact_jsonref::Reference`) in the entry document `path` (`openapi/acme.yaml`), or in
    /// the project's only one when `path` is `None`; remembered in the digest like response types.
    pub fn schema_type(
        &self,
        path: Option<&str>,
        pointer: &str,
        name: &str,
    ) -> Result<Type, String> {
        let entry = match path {
            Some(p) => self
                .entries
                .iter()
                .find(|(_, e)| e.path == Path::new(p))
                .ok_or_else(|| {
                    format!("the project has no OpenAPI document `{p}` under `openapi/`")
                })?,
            None => match self.entries.as_slice() {
                [only] => only,
                [] => return Err("the project has no OpenAPI document under `openapi/`".into()),
                _ => {
                    return Err(
                        "the project has several OpenAPI documents: name one, `openapi/NAME.yaml#/…`"
                            .into(),
                    );
                }
            },
        };
        let e = &entry.1;
        let key = format!("schema:{pointer}");
        if let Some(t) = lock(&e.responses).get(&key) {
            return Ok(t.clone());
        }
        let d = e
            .described()
            .ok_or_else(|| format!("`{}` cannot be read", e.path.display()))?;
        let file = d.docs.files.first().ok_or("the document is empty")?;
        let schema = intact_jsonref::get(&file.value, pointer)
            .ok_or_else(|| format!("nothing at `#{pointer}` in `{}`", e.path.display()))?;
        let doc = normalize(&file.path).to_string_lossy().replace('\\', "/");
        let t = intact_expr::SchemaConverter::new(&Files(d)).convert(&doc, schema, name);
        lock(&e.responses).insert(key, t.clone());
        *lock(&e.dirty) = true;
        Ok(t)
    }

    /// Writes the digests that learned new response types to the host's store.
    pub(crate) fn save(&self) {
        for (_, e) in &self.entries {
            let mut dirty = lock(&e.dirty);
            if *dirty {
                *dirty = false;
                let digest = Digest {
                    format: DIGEST_FORMAT,
                    operations: e.operations.clone(),
                    schemas: e.schemas.clone(),
                    responses: lock(&e.responses).clone(),
                };
                if let Some(store) = &self.store {
                    write_digest(store.as_ref(), e.key, &digest);
                }
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Entry {
    /// The document, read from the project's files the first time it is needed.
    fn described(&self) -> Option<&Arc<Described>> {
        self.described
            .get_or_init(|| read_document(&self.path, &self.sources).ok())
            .as_ref()
    }
}

fn read_document(
    path: &Path,
    sources: &[Arc<SourceFile>],
) -> Result<Arc<Described>, intact_openapi::Error> {
    intact_openapi::describe_among(path, |p| {
        sources
            .iter()
            .find(|f| f.path() == p)
            .map(|f| f.text().as_bytes().to_vec())
    })
    .map(Arc::new)
}

fn convert_response(d: &Described, id: &str) -> Type {
    let Some(op) = d.operation(id) else {
        return Type::Dyn;
    };
    match op.success().and_then(|r| r.schema.as_ref()) {
        Some(at) => convert_at(d, at, &format!("the response of {id}")),
        None => Type::Dyn,
    }
}

/// The type of the schema at `at` in the document, `Dyn` when there is none.
fn convert_at(d: &Described, at: &intact_openapi::At, name: &str) -> Type {
    let Some(schema) = d.schema(at) else {
        return Type::Dyn;
    };
    let file = d
        .file_of(at)
        .map(|p| normalize(p).to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    intact_expr::SchemaConverter::new(&Files(d)).convert(&file, schema, name)
}

fn convert_body(d: &Described, id: &str) -> Type {
    let Some(body) = d.operation(id).and_then(|op| op.body.as_ref()) else {
        return Type::Dyn;
    };
    let media = body.media_type.split(';').next().unwrap_or("").trim();
    if !(media == "application/json" || media.ends_with("+json")) {
        return Type::Dyn;
    }
    match body.schema.as_ref() {
        Some(at) => convert_at(d, at, &format!("the request body of {id}")),
        None => Type::Dyn,
    }
}

fn component_schemas(d: &Described) -> Vec<SchemaSummary> {
    let Some(schemas) = d
        .docs
        .files
        .first()
        .and_then(|f| f.value.pointer("/components/schemas"))
        .and_then(serde_json::Value::as_object)
    else {
        return Vec::new();
    };
    schemas
        .iter()
        .map(|(name, schema)| SchemaSummary {
            name: name.clone(),
            description: schema
                .get("description")
                .and_then(serde_json::Value::as_str)
                .map(|d| d.lines().next().unwrap_or("").to_string()),
        })
        .collect()
}

fn summarize(d: &Described) -> Vec<OperationSummary> {
    d.api
        .operations
        .iter()
        .map(|op| {
            let required = |loc: Location| {
                op.params
                    .iter()
                    .filter(|p| p.required && p.location == loc)
                    .map(|p| p.name.clone())
                    .collect()
            };
            OperationSummary {
                id: op.id.clone(),
                method: op.method.clone(),
                path: op.path.clone(),
                required_query: required(Location::Query),
                required_headers: required(Location::Header),
            }
        })
        .collect()
}

type Memo = HashMap<PathBuf, (u64, Result<Arc<Entry>, intact_openapi::Error>)>;

/// The OpenAPI documents a host has read (the language server per open project, the CLI for one
/// run), by entry path and the hash of the files under `openapi/`: an unchanged document is not
/// read again, not even its digest. Owned by the host and handed to each analysis, so that nothing
/// is kept per process behind the host's back; the default keeps digests in memory only. Cheap to
/// clone: clones share the documents.
#[derive(Clone, Default)]
pub struct DocumentCache {
    memo: Arc<Mutex<Memo>>,
    store: Option<Arc<dyn DigestStore>>,
}

impl DocumentCache {
    /// A cache that also reads and writes digests through `store`.
    pub fn with_store(store: Arc<dyn DigestStore>) -> DocumentCache {
        DocumentCache {
            memo: Default::default(),
            store: Some(store),
        }
    }

    /// A cache over the user's cache folder ([`CacheFolder`]): what `intact check` and the
    /// language server use.
    pub fn on_disk() -> DocumentCache {
        DocumentCache::with_store(Arc::new(CacheFolder))
    }

    /// How many entry documents it keeps (the language server reports it).
    pub fn count(&self) -> usize {
        lock(&self.memo).len()
    }

    /// Reads the OpenAPI documents among a project's files into the cache (or their digests from
    /// its store), so that the analysis of the same files finds them here: a host that has the
    /// files before their analysis (`intact check`) reads the documents on another thread while
    /// the KDL files are parsed and checked.
    pub fn prefetch(&self, files: &[intact_model::FileInput]) {
        let mut under: Vec<Arc<SourceFile>> = files
            .iter()
            .filter(|f| is_openapi(&f.path))
            .map(|f| Arc::new(SourceFile::new(f.clone())))
            .collect();
        // In the analysis's order, so that the documents' key is the same.
        under.sort_by(|a, b| a.path().cmp(b.path()));
        Documents::read_among(&under, self);
    }
}

/// A document under `openapi/`.
fn is_openapi(path: &Path) -> bool {
    path.starts_with("openapi") && is_document(path)
}

impl Documents {
    /// The project's documents: from the host's cache, from the digest on its store, or read.
    pub fn read(a: &Analysis, cache: &DocumentCache) -> Documents {
        Documents::read_among(&a.files, cache)
    }

    /// [`Documents::read`] of the analysis of `files` (its ids are their places in `files`).
    fn read_among(files: &[Arc<SourceFile>], cache: &DocumentCache) -> Documents {
        let store = cache.store.clone();
        let under: Vec<(FileId, &Arc<SourceFile>)> = files
            .iter()
            .enumerate()
            .filter(|(_, f)| is_openapi(f.path()))
            .map(|(i, f)| (FileId::from_index(i), f))
            .collect();
        let mut docs = Documents {
            entries: Vec::new(),
            store: store.clone(),
            broken: Vec::new(),
        };
        if under.is_empty() {
            return docs;
        }
        // One key for all of them: an entry document may read any file below it. SipHash with fixed
        // keys: 64 bits, so a changed file is read from a stale digest with a chance of 2^-64.
        let mut h = std::collections::hash_map::DefaultHasher::new();
        env!("CARGO_PKG_VERSION").hash(&mut h);
        DIGEST_FORMAT.hash(&mut h);
        for (_, f) in &under {
            f.path().hash(&mut h);
            f.text().hash(&mut h);
        }
        let all = h.finish();
        let sources: Vec<Arc<SourceFile>> = under.iter().map(|(_, f)| Arc::clone(f)).collect();
        let mut memo = lock(&cache.memo);
        for (id, f) in under
            .iter()
            .filter(|(_, f)| is_entry(f.path()) && declares_version(f.text()))
        {
            let path = f.path().to_path_buf();
            let result = match memo.get(&path) {
                Some((k, r)) if *k == all => r.clone(),
                _ => {
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    all.hash(&mut h);
                    path.hash(&mut h);
                    let key = h.finish();
                    let r = open_entry(&path, key, &sources, store.as_deref());
                    memo.insert(path, (all, r.clone()));
                    r
                }
            };
            match result {
                Ok(e) => docs.entries.push((*id, e)),
                Err(e) => docs.broken.push((*id, e)),
            }
        }
        docs
    }
}

fn open_entry(
    path: &Path,
    key: u64,
    sources: &[Arc<SourceFile>],
    store: Option<&dyn DigestStore>,
) -> Result<Arc<Entry>, intact_openapi::Error> {
    let entry = |(operations, schemas), responses, dirty, described: OnceLock<_>| Entry {
        path: path.to_path_buf(),
        key,
        operations,
        schemas,
        responses: Mutex::new(responses),
        dirty: Mutex::new(dirty),
        sources: sources.to_vec(),
        described,
    };
    if let Some(d) = store.and_then(|s| read_digest(s, key)) {
        return Ok(Arc::new(entry(
            (d.operations, d.schemas),
            d.responses,
            false,
            OnceLock::new(),
        )));
    }
    let described = read_document(path, sources)?;
    let summary = (summarize(&described), component_schemas(&described));
    let cell = OnceLock::new();
    let _ = cell.set(Some(described));
    // Dirty: the digest is written at the end of the check, with the types it needed.
    Ok(Arc::new(entry(summary, BTreeMap::new(), true, cell)))
}
