//! The OpenAPI importer: a document described by `intact-openapi` to intact KDL — a connection
//! with its auth and ping, tenant variables, the custom API action, one flow per operation — and
//! the document copied under `openapi/`.
//!
//! [`plan`] generates every file in memory (as KDL trees printed by `intact_syntax::build`, so
//! quoting and layout are the formatter's); [`plan_described`] fits them into an existing project
//! ([`Destination`]); [`write`] writes a plan, or nothing.

mod generate;
pub mod names;
mod placement;
mod update;

pub use placement::{Destination, Placement, Taken};
pub use update::{FileAction, FileChange, OperationChanges, Update, apply, plan_update};

/// The project folder an import keeps its copy of the description in.
pub const DESCRIPTION_DIR: &str = "openapi";

use std::path::{Path, PathBuf};

use intact_openapi::{Described, Error, Reader, Version, describe};

/// What `intact import openapi` was asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The connection's name (default: from the API's title).
    pub connection: Option<String>,
    /// Security schemes to generate, a connection each (default: the first supported one).
    pub schemes: Vec<String>,
    /// Only these operationIds.
    pub operations: Vec<String>,
    /// Only operations whose first tag is one of these.
    pub tags: Vec<String>,
    /// The operationId of the auth ping.
    pub ping: Option<String>,
    /// How an API key is written into its header or query value, `{key}` standing for the key
    /// (`Token token={key}`); without it, the format the scheme's description shows, if any.
    pub key_format: Option<String>,
    /// Which of the document's servers (from 0).
    pub server: usize,
    /// The API's address when the document's server is relative or missing.
    pub base_url: Option<String>,
}

/// Every file an import writes, relative to the output folder, what it says about them, and
/// where it decided they go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub files: Vec<PlannedFile>,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
    pub placement: Placement,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    /// What the file holds, for `--dry-run` and the summary.
    pub summary: String,
}

/// The whole import in memory, into a new project.
pub fn plan(path: &Path, bytes: Vec<u8>, read: Reader, opts: &Options) -> Result<Plan, Error> {
    plan_described(
        &describe(path, bytes, read)?,
        path,
        opts,
        Destination::NewProject,
    )
}

/// The import of a document already read (`path` is where it was read from, for messages) into
/// `into`: names the project defines are not defined again, and flows that would share a file
/// with another connection's go to a folder of their own (`Plan::placement` says what was
/// decided).
pub fn plan_described(
    d: &Described,
    path: &Path,
    opts: &Options,
    into: Destination,
) -> Result<Plan, Error> {
    let warning = (d.version == Version::V32).then(|| {
        format!(
            "{} is OpenAPI {}: it is read on a best-effort basis with the 3.1 reader; fields new in 3.2 are ignored, check the result",
            path.display(),
            d.api.openapi
        )
    });
    placement::place(into, |placement| {
        generate::generate(&d.docs, &d.api, opts, placement, warning.clone())
    })
}

/// Writes `plan` under `out`. Refuses, before writing anything, when a file exists and `force`
/// is not set. Each file is written to a temporary name first and renamed into place once all of
/// them are written, so a failure part-way leaves the project as it was.
pub fn write(plan: &Plan, out: &Path, force: bool) -> Result<Vec<PathBuf>, Error> {
    if !force {
        let existing: Vec<String> = plan
            .files
            .iter()
            // A file that already holds exactly these bytes (the document's copy, imported
            // before) is not overwritten by writing it again.
            .filter(|f| {
                let p = out.join(&f.path);
                p.exists() && std::fs::read(&p).ok().as_deref() != Some(f.bytes.as_slice())
            })
            .map(|f| out.join(&f.path).display().to_string())
            .collect();
        if !existing.is_empty() {
            return Err(Error::new(format!(
                "{} already exist(s): {}; nothing was written",
                if existing.len() == 1 { "a file" } else { "files" },
                existing.join(", ")
            ))
            .help("import again with --force to overwrite them, or choose another --out folder or --connection name"));
        }
    }
    let mut temps: Vec<(PathBuf, PathBuf)> = Vec::new();
    let undo = |temps: &[(PathBuf, PathBuf)]| {
        for (tmp, _) in temps {
            let _ = std::fs::remove_file(tmp);
        }
    };
    for f in &plan.files {
        let target = out.join(&f.path);
        if let Some(parent) = target.parent()
            && let Err(e) = std::fs::create_dir_all(parent)
        {
            undo(&temps);
            return Err(Error::new(format!(
                "cannot create {}: {e}; nothing was written",
                parent.display()
            )));
        }
        let mut name = target.file_name().unwrap_or_default().to_os_string();
        name.push(".intact-import.tmp");
        let tmp = target.with_file_name(name);
        if let Err(e) = std::fs::write(&tmp, &f.bytes) {
            undo(&temps);
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::new(format!(
                "cannot write {}: {e}; nothing was written",
                tmp.display()
            )));
        }
        temps.push((tmp, target));
    }
    let mut written = Vec::new();
    for (tmp, target) in &temps {
        if let Err(e) = std::fs::rename(tmp, target) {
            undo(&temps);
            return Err(Error::new(format!(
                "cannot write {}: {e}",
                target.display()
            )));
        }
        written.push(target.clone());
    }
    Ok(written)
}
