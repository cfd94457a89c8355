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

/// intact's folder in the user's cache: `$INTACT_CACHE_DIR`, else the platform's cache folder
/// (`$XDG_CACHE_HOME`, `~/.cache`, `~/Library/Caches`, `%LOCALAPPDATA%`) then `intact`. Tokens,
/// OpenAPI digests and the contract schemas an editor opens live under it.
pub fn cache_root() -> Option<PathBuf> {
    match std::env::var_os("INTACT_CACHE_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => Some(dirs::cache_dir()?.join("intact")),
    }
}
