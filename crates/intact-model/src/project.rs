//! Finding a project's root and reading its files.

use std::io;
use std::path::{Path, PathBuf};

use crate::FileInput;

/// The file that marks a project's root.
pub const ROOT_FILE: &str = "intact.kdl";

/// Files larger than this are refused rather than parsed (a generated or binary file by mistake).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The nearest folder at or above `start` that holds `intact.kdl`.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    let start = if start.is_file() {
        start.parent()?
    } else {
        start
    };
    let mut dir = Some(start);
    while let Some(d) = dir {
        if d.join(ROOT_FILE).is_file() {
            return Some(d.to_path_buf());
        }
        dir = d.parent();
    }
    None
}

/// Whether a folder below the root is skipped: hidden folders, build output, dependencies.
pub fn is_skipped_dir(name: &str) -> bool {
    name.starts_with('.') || name == "target" || name == "node_modules"
}

/// A problem reading a project.
#[derive(Debug)]
pub struct LoadError {
    pub path: PathBuf,
    pub error: io::Error,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read {}: {}", self.path.display(), self.error)
    }
}

impl std::error::Error for LoadError {}

/// The paths of every `*.kdl` file of the project at `root`, sorted.
pub fn kdl_files(root: &Path) -> Result<Vec<PathBuf>, LoadError> {
    walk(root, &|rel| rel.extension().is_some_and(|x| x == "kdl"))
}

/// Whether a path relative to the root is a file of the project: `*.kdl` anywhere, the
/// environments `env/*.toml`, and the OpenAPI documents under `openapi/` (`*.json`, `*.yaml`,
/// `*.yml`, which `operation=` links refer to).
pub fn is_project_file(rel: &Path) -> bool {
    let ext = rel.extension().and_then(|x| x.to_str()).unwrap_or("");
    ext == "kdl"
        || (ext == "toml" && rel.parent() == Some(Path::new("env")))
        || (matches!(ext, "json" | "yaml" | "yml") && rel.starts_with("openapi"))
}

/// The paths of every file of the project at `root` ([`is_project_file`]), sorted.
pub fn files(root: &Path) -> Result<Vec<PathBuf>, LoadError> {
    walk(root, &|rel| is_project_file(rel))
}

fn walk(root: &Path, keep: &dyn Fn(&Path) -> bool) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    let walker = walker.filter_entry(|e| {
        e.depth() == 0
            || !(e.file_type().is_dir() && is_skipped_dir(&e.file_name().to_string_lossy()))
    });
    for entry in walker {
        let entry = entry.map_err(|e| LoadError {
            path: e
                .path()
                .map_or_else(|| root.to_path_buf(), Path::to_path_buf),
            error: e
                .into_io_error()
                .unwrap_or_else(|| io::Error::other("file system loop")),
        })?;
        if entry.file_type().is_file()
            && keep(entry.path().strip_prefix(root).unwrap_or(entry.path()))
        {
            out.push(entry.into_path());
        }
    }
    Ok(out)
}

/// Reads every file of the project at `root` ([`files`]).
pub fn load(root: &Path) -> Result<Vec<FileInput>, LoadError> {
    files(root)?
        .into_iter()
        .map(|path| read_file(root, &path))
        .collect()
}

/// Reads one file of the project, keyed by its path relative to `root`.
pub fn read_file(root: &Path, path: &Path) -> Result<FileInput, LoadError> {
    let err = |error| LoadError {
        path: path.to_path_buf(),
        error,
    };
    let meta = std::fs::metadata(path).map_err(err)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(LoadError {
            path: path.to_path_buf(),
            error: io::Error::other(format!(
                "the file is {} MiB; project files are limited to {} MiB",
                meta.len() / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            )),
        });
    }
    let bytes = std::fs::read(path).map_err(err)?;
    Ok(FileInput::from_bytes(relative(root, path), &bytes))
}

/// `path` relative to `root` with `/` separators, as diagnostics show it.
pub fn relative(root: &Path, path: &Path) -> PathBuf {
    let rel = path.strip_prefix(root).unwrap_or(path);
    PathBuf::from(rel.to_string_lossy().replace('\\', "/"))
}

/// Whether the relative path `relative` inside `root` leads out of the project once symbolic links
/// are followed (`secrets/key` where `secrets` links to `/home/me/.ssh`). A path that does not
/// exist leads nowhere yet: false.
pub fn links_out_of(root: &Path, relative: &str) -> bool {
    match (root.join(relative).canonicalize(), root.canonicalize()) {
        (Ok(real), Ok(real_root)) => !real.starts_with(real_root),
        _ => false,
    }
}

/// Whether a relative path climbs out of the folder it is relative to (`../x`, `a/../../x`),
/// read lexically. An environment's `{ file = … }` may not (docs/security.md): a file outside the
/// project is named by an absolute path, so that reading it is plain to a reviewer.
pub fn climbs_out(relative: &str) -> bool {
    let mut depth: i64 = 0;
    for c in std::path::Path::new(relative).components() {
        match c {
            std::path::Component::ParentDir => depth -= 1,
            std::path::Component::Normal(_) => depth += 1,
            std::path::Component::CurDir => {}
            // An absolute path does not climb: it says where it goes.
            std::path::Component::RootDir | std::path::Component::Prefix(_) => return false,
        }
        if depth < 0 {
            return true;
        }
    }
    false
}

/// Keys of an environment's `[connection.NAME]` that are settings of the run rather than params
/// (the checker's env rules, editor completion).
pub const ENV_CONNECTION_SETTINGS: &[&str] = &[
    "base-url",
    "token-url",
    "authorize-url",
    "refresh-url",
    "refresh_token",
];

/// Whether `path` (project-relative) is an environment file, `env/NAME.toml`.
pub fn is_env_file(path: &Path) -> bool {
    path.parent() == Some(Path::new("env")) && path.extension().is_some_and(|x| x == "toml")
}

/// intact's folder in the user's cache: `$INTACT_CACHE_DIR`, else the platform's cache folder
/// (`$XDG_CACHE_HOME`, `~/.cache`, `~/Library/Caches`, `%LOCALAPPDATA%`) then `intact`. Tokens,
/// OpenAPI digests and the contract schemas an editor opens live under it.
pub fn cache_root() -> Option<PathBuf> {
    match std::env::var_os("INTACT_CACHE_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => Some(dirs::cache_dir()?.join("intact")),
    }
}

/// Files intact keeps under [`cache_root`] (OpenAPI digests, the contract schemas an editor
/// opens): read only when they are regular files of a bounded size, written only as new files
/// renamed into place, in a folder that is not a symbolic link. The cache is the user's, but a
/// link planted in it (to `/dev/zero`, a FIFO, or a file elsewhere) must neither hang a check nor
/// let intact overwrite the file it points to.
pub mod cache_files {
    use std::io::Read;
    use std::path::Path;

    /// The bytes of `path` when it is a regular file (not a link, a FIFO or a device) of at most
    /// `max` bytes.
    pub fn read(path: &Path, max: u64) -> Option<Vec<u8>> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        if !meta.file_type().is_file() || meta.len() > max {
            return None;
        }
        let file = std::fs::File::open(path).ok()?;
        // The file may have been swapped since it was looked at: what is read is bounded anyway.
        if !file.metadata().ok()?.is_file() {
            return None;
        }
        let mut bytes = Vec::new();
        file.take(max + 1).read_to_end(&mut bytes).ok()?;
        (bytes.len() as u64 <= max).then_some(bytes)
    }

    /// Creates `dir` (and its parents) and answers whether it is a real folder, not a link to one.
    pub fn folder(dir: &Path) -> bool {
        std::fs::create_dir_all(dir).is_ok()
            && std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_dir())
    }

    /// [`write`], unless `dir/name` is a regular file with exactly `bytes` already (the language
    /// server's rule pages and contract schemas, written once per content).
    pub fn write_if_changed(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        let limit = bytes.len() as u64 + 1;
        if read(&dir.join(name), limit).as_deref() == Some(bytes) {
            return Ok(());
        }
        write(dir, name, bytes)
    }

    /// Writes `bytes` as `dir/name`: a new file of its own (never through an existing one or a
    /// link), renamed over `name` (a link there is replaced, not followed).
    pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        if !folder(dir) {
            return Err(std::io::Error::other(format!(
                "{} is not a folder of its own (a symbolic link?)",
                dir.display()
            )));
        }
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .and_then(|mut f| f.write_all(bytes))
            .and_then(|()| std::fs::rename(&tmp, dir.join(name)));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written
    }

    /// Keeps at most `keep` files ending in `suffix` in `dir`, and at most `max_bytes` of them,
    /// the most recently used first (reading one marks it used); removes the rest.
    pub fn prune(dir: &Path, suffix: &str, keep: usize, max_bytes: u64) {
        let Ok(list) = std::fs::read_dir(dir) else {
            return;
        };
        let mut files: Vec<_> = list
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(suffix))
            .filter_map(|e| {
                let meta = std::fs::symlink_metadata(e.path()).ok()?;
                Some((meta.modified().ok()?, meta.len(), e.path()))
            })
            .collect();
        files.sort_by_key(|f| std::cmp::Reverse(f.0));
        let mut total = 0u64;
        for (i, (_, len, path)) in files.into_iter().enumerate() {
            total += len;
            if i >= keep || total > max_bytes {
                let _ = std::fs::remove_file(path);
            }
        }
    }

    /// Marks `path` as used now, for [`prune`].
    pub fn touch(path: &Path) {
        if let Ok(f) = std::fs::OpenOptions::new().append(true).open(path) {
            let _ = f.set_modified(std::time::SystemTime::now());
        }
    }
}
