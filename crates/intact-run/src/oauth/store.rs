//! The token store: a connection's OAuth 2.0 tokens kept between runs, one owner-only JSON file
//! per connection under the user's cache folder. It is the only place tokens are written.
//!
//! The store's folder and its files are never followed as symbolic links: a link planted there
//! would have intact make its target owner-only, read it as tokens, or write tokens through it.
//! Such an entry is refused with an error that names it; permissions are changed on the entry
//! intact opened, never by name.

use std::fs::{File, Metadata};
use std::io::Read;
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
    /// (a damaged cache is a reason to log in again, not to stop). An error when the store's
    /// folder or the file is a symbolic link or not a real folder or file: someone else may have
    /// put it there, and it is for the user to look at and remove.
    pub fn load(&self, connection: &str) -> Result<Option<StoredTokens>, String> {
        let path = self.path(connection);
        // A file written by an older intact, or copied in, may be readable by others: it holds
        // tokens, so it is made owner-only before it is read.
        open_private(&self.dir, Kind::Folder)?;
        let Some(mut file) = open_private(&path, Kind::File)? else {
            return Ok(None);
        };
        let mut text = String::new();
        if file.read_to_string(&mut text).is_err() {
            return Ok(None);
        }
        Ok(parse(&text))
    }

    /// Writes a connection's tokens: folders 0700 and the file 0600 on Unix, written to a
    /// temporary file and renamed so a reader never sees half a file. The rename replaces the
    /// name: it never writes through a link, and one at the file's name is refused first.
    pub fn save(&self, connection: &str, tokens: &StoredTokens) -> Result<PathBuf, String> {
        let path = self.path(connection);
        // Before creating: a link at the folder's name would be taken for the folder.
        entry(&self.dir, Kind::Folder)?;
        create_private_dir(&self.dir)
            .map_err(|e| format!("cannot create {}: {e}", self.dir.display()))?;
        open_private(&self.dir, Kind::Folder)?;
        entry(&path, Kind::File)?;
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

/// The tokens in a store file's text; `None` when it is damaged.
fn parse(text: &str) -> Option<StoredTokens> {
    let v: J = serde_json::from_str(text).ok()?;
    Some(StoredTokens {
        access_token: v.get("access_token")?.as_str()?.to_string(),
        refresh_token: v
            .get("refresh_token")
            .and_then(J::as_str)
            .map(str::to_string),
        expires_at: v.get("expires_at").and_then(J::as_u64).unwrap_or(0),
    })
}

/// What an entry of the store must be.
#[derive(Clone, Copy)]
enum Kind {
    Folder,
    File,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Folder => "folder",
            Kind::File => "file",
        }
    }

    #[cfg(unix)]
    fn mode(self) -> u32 {
        match self {
            Kind::Folder => 0o700,
            Kind::File => 0o600,
        }
    }
}

/// What is at `path`, looked at without following a link; `None` when nothing is. An error when
/// it is a symbolic link or not a real `kind`.
fn entry(path: &Path, kind: Kind) -> Result<Option<Metadata>, String> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let what = kind.name();
    if meta.file_type().is_symlink() {
        return Err(format!(
            "the token store's {what} {} is a symbolic link; intact does not follow links in its token store: remove the link (intact writes a {what} of its own there)",
            path.display()
        ));
    }
    let fits = match kind {
        Kind::Folder => meta.is_dir(),
        Kind::File => meta.is_file(),
    };
    if !fits {
        return Err(format!(
            "the token store's {what} {} is not a regular {what}; remove it",
            path.display()
        ));
    }
    Ok(Some(meta))
}

/// Opens the store's folder or file at `path` when it is a real one, made owner-only when it is
/// looser; `None` when there is none or it cannot be opened (an unreadable file is no tokens, as a
/// damaged one is).
#[cfg(unix)]
fn open_private(path: &Path, kind: Kind) -> Result<Option<File>, String> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let Some(seen) = entry(path, kind)? else {
        return Ok(None);
    };
    let Ok(file) = File::open(path) else {
        return Ok(None);
    };
    let opened = file
        .metadata()
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    // Opening goes by name: a link put there since the look above would have been followed.
    if (opened.dev(), opened.ino()) != (seen.dev(), seen.ino()) {
        return Err(format!(
            "the token store's {} {} changed while intact opened it; remove it",
            kind.name(),
            path.display()
        ));
    }
    if opened.mode() & 0o777 != kind.mode() {
        // On the open entry (fchmod), so that it is this one that changes and nothing else.
        let _ = file.set_permissions(std::fs::Permissions::from_mode(kind.mode()));
    }
    Ok(Some(file))
}

#[cfg(not(unix))]
fn open_private(path: &Path, kind: Kind) -> Result<Option<File>, String> {
    match (entry(path, kind)?, kind) {
        (Some(_), Kind::File) => Ok(File::open(path).ok()),
        _ => Ok(None),
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    // An existing folder is left as it is here; `open_private` tightens it.
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    // The user's cache folder is already private to the user on Windows.
    std::fs::create_dir_all(dir)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let _ = std::fs::remove_file(path);
    // `create_new` fails on a link put at the name since instead of writing through it.
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
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
        assert_eq!(store.load("api"), Ok(None));
        let t = StoredTokens {
            access_token: "at".into(),
            refresh_token: Some("rt".into()),
            expires_at: 42,
        };
        let path = store.save("api", &t).unwrap();
        assert_eq!(store.load("api"), Ok(Some(t)));
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
        assert!(store.load("api").unwrap().is_some());
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
        std::fs::write(&path, "not json").unwrap();
        assert_eq!(
            store.load("api"),
            Ok(None),
            "a damaged file reads as no tokens"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_planted_in_the_store_is_refused_not_followed() {
        use std::os::unix::fs::{PermissionsExt, symlink};
        let tmp = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777;
        let loose = |p: &Path, m: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
        };
        let t = StoredTokens {
            access_token: "at".into(),
            refresh_token: None,
            expires_at: 42,
        };
        let tokens = r#"{"access_token": "planted", "expires_at": 42}"#;
        let refused = |e: String, path: &Path| {
            assert!(
                e.contains(&path.display().to_string())
                    && e.contains("is a symbolic link")
                    && e.contains("remove the link"),
                "{e}"
            );
        };

        // A token file that is a link to a file of the user's, readable by others as it should
        // stay.
        let target = tmp.path().join("notes.json");
        std::fs::write(&target, tokens).unwrap();
        loose(&target, 0o644);
        let store = TokenStore::at(tmp.path().join("store"));
        store.save("other", &t).unwrap();
        symlink(&target, store.path("api")).unwrap();
        let (loaded, saved) = (store.load("api"), store.save("api", &t));
        assert_eq!(mode(&target), 0o644);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), tokens);
        refused(loaded.unwrap_err(), &store.path("api"));
        refused(saved.unwrap_err(), &store.path("api"));
        assert!(
            std::fs::symlink_metadata(store.path("api"))
                .unwrap()
                .is_symlink()
        );

        // The store's folder a link to a folder elsewhere.
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("api.json"), tokens).unwrap();
        loose(&elsewhere, 0o755);
        loose(&elsewhere.join("api.json"), 0o644);
        let linked = tmp.path().join("linked");
        symlink(&elsewhere, &linked).unwrap();
        let store = TokenStore::at(&linked);
        let loaded = store.load("api");
        let saved = [store.save("api", &t), store.save("new", &t)];
        assert_eq!(mode(&elsewhere), 0o755);
        assert_eq!(mode(&elsewhere.join("api.json")), 0o644);
        assert_eq!(
            std::fs::read_to_string(elsewhere.join("api.json")).unwrap(),
            tokens
        );
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 1);
        refused(loaded.unwrap_err(), &linked);
        for e in saved {
            refused(e.unwrap_err(), &linked);
        }

        // A link that leads nowhere yet, and an entry that is not a regular file.
        let dangling = TokenStore::at(tmp.path().join("dangling"));
        symlink(tmp.path().join("nowhere"), tmp.path().join("dangling")).unwrap();
        refused(
            dangling.save("api", &t).unwrap_err(),
            &tmp.path().join("dangling"),
        );
        assert!(!tmp.path().join("nowhere").exists());
        let store = TokenStore::at(tmp.path().join("store"));
        std::fs::create_dir(store.path("folder")).unwrap();
        let e = store.load("folder").unwrap_err();
        assert!(e.contains("is not a regular file"), "{e}");
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
