//! The token store: a connection's OAuth 2.0 tokens kept between runs, one owner-only JSON file
//! per connection under the user's cache folder. It is the only place tokens are written.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value as J, json};

/// Tokens of one project and environment, one owner-only JSON file per connection.
#[derive(Clone, Debug)]
pub struct TokenStore {
    dir: PathBuf,
}

/// What the store keeps of a connection's tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredTokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// Seconds since the Unix epoch.
    pub expires_at: u64,
}

impl TokenStore {
    /// A store in `dir` (tests, or a folder the caller chose).
    pub fn at(dir: impl Into<PathBuf>) -> TokenStore {
        TokenStore { dir: dir.into() }
    }

    /// The user's store for the project at `root` and environment `env`:
    /// `$INTACT_CACHE_DIR` or the platform's cache folder (`$XDG_CACHE_HOME`, `~/.cache`,
    /// `~/Library/Caches`, `%LOCALAPPDATA%`), then `intact/tokens/<project>-<hash>/<env>`.
    pub fn user(root: &Path, env: &str) -> Result<TokenStore, String> {
        let base = intact_model::project::cache_root()
            .ok_or("cannot find the user's cache folder; set INTACT_CACHE_DIR")?;
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let stem: String = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        // Two checkouts of one project are different projects: their tokens may be for
        // different tenants. The hash keeps the folder name short and stable.
        let project = format!("{stem}-{:016x}", fnv1a(root.to_string_lossy().as_bytes()));
        Ok(TokenStore {
            dir: base.join("tokens").join(project).join(env),
        })
    }

    /// The file that holds a connection's tokens.
    pub fn path(&self, connection: &str) -> PathBuf {
        self.dir.join(format!("{connection}.json"))
    }

    /// The stored tokens of a connection; `None` when there are none or the file is unreadable
    /// (a damaged cache is a reason to log in again, not to stop).
    pub fn load(&self, connection: &str) -> Option<StoredTokens> {
        let path = self.path(connection);
        // A file written by an older intact, or copied in, may be readable by others: it holds
        // tokens, so it is made owner-only before it is read.
        tighten(&self.dir, &path);
        let text = std::fs::read_to_string(&path).ok()?;
        let v: J = serde_json::from_str(&text).ok()?;
        Some(StoredTokens {
            access_token: v.get("access_token")?.as_str()?.to_string(),
            refresh_token: v
                .get("refresh_token")
                .and_then(J::as_str)
                .map(str::to_string),
            expires_at: v.get("expires_at").and_then(J::as_u64).unwrap_or(0),
        })
    }

    /// Writes a connection's tokens: folders 0700 and the file 0600 on Unix, written to a
    /// temporary file and renamed so a reader never sees half a file.
    pub fn save(&self, connection: &str, tokens: &StoredTokens) -> Result<PathBuf, String> {
        let path = self.path(connection);
        create_private_dir(&self.dir)
            .map_err(|e| format!("cannot create {}: {e}", self.dir.display()))?;
        let text = serde_json::to_string_pretty(&json!({
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expires_at": tokens.expires_at,
        }))
        .unwrap_or_default();
        // A name of its own per write: tests running live in parallel may refresh at once.
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = self
            .dir
            .join(format!(".{connection}.{}.{n}.tmp", std::process::id()));
        write_private(&tmp, text.as_bytes())
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path)
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    // `recursive` leaves an existing folder as it was; the leaf holds tokens, so tighten it.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// Makes an existing token file `0600` and its folder `0700` when they are looser.
#[cfg(unix)]
fn tighten(dir: &Path, file: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for (p, mode) in [(dir, 0o700), (file, 0o600)] {
        if let Ok(meta) = std::fs::metadata(p)
            && meta.permissions().mode() & 0o777 != mode
        {
            let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
        }
    }
}

#[cfg(not(unix))]
fn tighten(_: &Path, _: &Path) {}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    // The user's cache folder is already private to the user on Windows.
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// FNV-1a, 64 bits: a hash that stays the same across Rust versions (std's does not promise to).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_store_is_owner_only_and_round_trips() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::at(dir.path().join("a/b"));
        assert_eq!(store.load("api"), None);
        let t = StoredTokens {
            access_token: "at".into(),
            refresh_token: Some("rt".into()),
            expires_at: 42,
        };
        let path = store.save("api", &t).unwrap();
        assert_eq!(store.load("api"), Some(t));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
        // A loose file left by someone else is tightened when it is read.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(
            dir.path().join("a/b"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        assert!(store.load("api").is_some());
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
        std::fs::write(&path, "not json").unwrap();
        assert_eq!(store.load("api"), None, "a damaged file reads as no tokens");
    }

    #[test]
    fn user_stores_differ_by_project_and_environment() {
        let a = TokenStore::user(Path::new("/work/a/acme"), "dev").unwrap();
        let b = TokenStore::user(Path::new("/work/b/acme"), "dev").unwrap();
        let c = TokenStore::user(Path::new("/work/a/acme"), "prod").unwrap();
        assert_ne!(a.path("x"), b.path("x"));
        assert_ne!(a.path("x"), c.path("x"));
        assert!(a.path("x").to_string_lossy().contains("acme-"));
    }
}
