//! Where digests live between runs: the `DigestStore` a host hands over, and `CacheFolder`, the
//! user's cache folder (bounded, checksummed, keyed by the build).

use super::*;

/// Where a host keeps digests between runs: bytes by key. Reading may fail (then the document is
/// read); writing may fail (then the next run reads it again).
pub trait DigestStore: Send + Sync {
    fn load(&self, key: u64) -> Option<Vec<u8>>;
    fn store(&self, key: u64, bytes: &[u8]);
}

/// Digests under the user's cache folder (`$INTACT_CACHE_DIR/openapi` or the platform's), kept
/// per build of intact: at most [`KEEP_DIGESTS`] files and [`KEEP_DIGEST_BYTES`], least recently
/// used first out.
pub struct CacheFolder;

/// The most digests kept on disk, and their most bytes: the least recently used go first.
const KEEP_DIGESTS: usize = 64;
const KEEP_DIGEST_BYTES: u64 = 64 << 20;
/// A digest larger than this is not one intact wrote.
const MAX_DIGEST_BYTES: u64 = 64 << 20;

impl CacheFolder {
    fn dir() -> Option<PathBuf> {
        Some(intact_model::project::cache_root()?.join("openapi"))
    }

    /// A digest holds types as this build converts them, and a development build keeps its
    /// version number while the conversion changes: the file name says which build wrote it.
    fn file(key: u64) -> String {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        build_id().hash(&mut h);
        format!("{:016x}.json", h.finish())
    }
}

impl DigestStore for CacheFolder {
    fn load(&self, key: u64) -> Option<Vec<u8>> {
        let path = Self::dir()?.join(Self::file(key));
        let bytes = intact_model::project::cache_files::read(&path, MAX_DIGEST_BYTES)?;
        intact_model::project::cache_files::touch(&path);
        Some(bytes)
    }

    fn store(&self, key: u64, bytes: &[u8]) {
        use intact_model::project::cache_files;
        let Some(dir) = Self::dir() else { return };
        if cache_files::write(&dir, &Self::file(key), bytes).is_ok() {
            cache_files::prune(&dir, ".json", KEEP_DIGESTS, KEEP_DIGEST_BYTES);
        }
    }
}

/// A digest file: its key and a checksum of the digest, then the digest. A file whose key is not
/// the one asked for, or whose checksum does not match (an edited or truncated file), is not
/// read: the document is read instead. The checksum finds edits and damage; it is no signature
/// (whoever can write the user's cache can write intact's binary too).
#[derive(Serialize, Deserialize)]
struct DigestFile {
    key: String,
    checksum: String,
    /// The digest's JSON text, checksummed as written.
    digest: String,
}

fn checksum(bytes: &[u8]) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    format!("{:016x}", h.finish())
}

pub(super) fn read_digest(store: &dyn DigestStore, key: u64) -> Option<Digest> {
    let bytes = store.load(key)?;
    let file: DigestFile = serde_json::from_slice(&bytes).ok()?;
    let body = file.digest.as_str();
    if file.key != format!("{key:016x}") || file.checksum != checksum(body.as_bytes()) {
        return None;
    }
    let d: Digest = serde_json::from_str(body).ok()?;
    (d.format == DIGEST_FORMAT).then_some(d)
}

pub(super) fn write_digest(store: &dyn DigestStore, key: u64, digest: &Digest) {
    let Ok(body) = serde_json::to_string(digest) else {
        return;
    };
    let file = DigestFile {
        key: format!("{key:016x}"),
        checksum: checksum(body.as_bytes()),
        digest: body,
    };
    if let Ok(bytes) = serde_json::to_vec(&file) {
        store.store(key, &bytes);
    }
}

/// Which build of intact this is: its executable's size and modification time.
fn build_id() -> u64 {
    static ID: OnceLock<u64> = OnceLock::new();
    *ID.get_or_init(|| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        if let Ok(meta) = std::env::current_exe().and_then(std::fs::metadata) {
            meta.len().hash(&mut h);
            if let Ok(t) = meta.modified() {
                t.hash(&mut h);
            }
        }
        h.finish()
    })
}
