//! `intact import openapi SPEC`: an OpenAPI 3.x description to a connection and flows
//! (crates/intact-openapi reads the document, crates/intact-import writes the KDL; this file
//! reads the options and the files).

use std::path::Path;

use intact_model::project;

use crate::cli::ImportCommand;
use crate::error::{CliError, CommandResult, Exit};

mod update;

pub fn run(cmd: ImportCommand) -> CommandResult {
    let ImportCommand::Openapi {
        spec,
        out,
        connection,
        schemes,
        operations,
        tag,
        ping,
        key_format,
        server,
        base_url,
        dry_run,
        print,
        force,
        update,
        format,
    } = cmd;
    let bytes = read_document_file(&spec)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", spec.display())))?;
    let out = match out {
        Some(o) => o,
        None => {
            let cwd = std::env::current_dir()
                .map_err(|e| CliError::usage(format!("cannot read the current folder: {e}")))?;
            project::find_root(&cwd).unwrap_or(cwd)
        }
    };
    if out.exists() && !out.is_dir() {
        return Err(CliError::usage(format!(
            "--out {} is not a folder",
            out.display()
        )));
    }
    let opts = intact_import::Options {
        connection,
        schemes,
        operations,
        tags: tag,
        ping,
        key_format,
        server,
        base_url,
    };
    let read = |p: &Path| read_document_file(p);
    if update {
        return update::run(&spec, bytes, &out, &opts, dry_run, format);
    }
    // A spinner while a large description is read and turned into flows (a second or more).
    let large = bytes.len() > 512 * 1024;
    let spinner = if large {
        crate::progress::spinner(&format!("reading {}", spec.display()))
    } else {
        indicatif::ProgressBar::hidden()
    };
    let described = intact_openapi::describe(&spec, bytes, &read).map_err(failure)?;
    spinner.set_message(format!(
        "generating flows for {} operation(s)",
        described.api.operations.len()
    ));
    // An existing project is read so that the import fits into it (intact-import decides which
    // names are taken and where the flows go).
    let existing = if out.join(project::ROOT_FILE).exists() {
        let files = project::load(&out).map_err(|e| CliError::usage(e.to_string()))?;
        Some(intact_model::Analysis::new(files))
    } else {
        None
    };
    let into = match &existing {
        Some(analysis) => intact_import::Destination::Project {
            analysis,
            overwrite: force,
        },
        None => intact_import::Destination::NewProject,
    };
    let plan = intact_import::plan_described(&described, &spec, &opts, into).map_err(failure)?;
    spinner.finish_and_clear();
    for w in &plan.warnings {
        eprintln!("warning: {w}");
    }
    for n in &plan.notes {
        eprintln!("note: {n}");
    }
    if dry_run {
        super::write_stdout(&dry_run_text(&plan, &out, print))?;
        return Ok(Exit::Success);
    }
    let written = intact_import::write(&plan, &out, force).map_err(failure)?;
    let mut text = String::new();
    for (path, f) in written.iter().zip(&plan.files) {
        text.push_str(&format!("wrote {}  {}\n", path.display(), f.summary));
    }
    text.push_str(&format!("\nnext: intact check {}\n", out.display()));
    super::write_stdout(&text)?;
    Ok(Exit::Success)
}

/// A document's file, refused unless it is a regular file that `intact check` will read too (a
/// FIFO would hang the import, a device never end it, a file over the checker's limit would import
/// and then be refused).
pub(crate) fn read_document_file(path: &Path) -> std::io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::other(
            "it is not a regular file (a device, a pipe or a folder)",
        ));
    }
    if meta.len() > project::MAX_FILE_BYTES {
        return Err(std::io::Error::other(format!(
            "it is larger than the {} MiB a project file may be",
            project::MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    std::fs::read(path)
}

/// Every import failure is bad input or a refusal to overwrite: exit 2, with the code (when the
/// error has one) and the help on its own line, as `intact check` prints them.
pub(crate) fn failure(e: intact_openapi::Error) -> CliError {
    CliError::usage(e.to_string())
}

/// What `--dry-run` prints: each file it would write (and whether it exists), with `--print`
/// the KDL itself.
fn dry_run_text(plan: &intact_import::Plan, out: &Path, print: bool) -> String {
    let mut text = format!(
        "would write {} file(s) under {}:\n",
        plan.files.len(),
        out.display()
    );
    for f in &plan.files {
        let exists = out.join(&f.path).exists();
        text.push_str(&format!(
            "  {}{}  ({} bytes) {}\n",
            f.path.display(),
            if exists {
                " (exists: needs --force)"
            } else {
                ""
            },
            f.bytes.len(),
            f.summary
        ));
    }
    if print {
        for f in plan
            .files
            .iter()
            .filter(|f| f.path.extension().is_some_and(|e| e == "kdl"))
        {
            text.push_str(&format!("\n--- {}\n", f.path.display()));
            text.push_str(&String::from_utf8_lossy(&f.bytes));
        }
        text.push('\n');
    }
    text.push_str("nothing was written (--dry-run)\n");
    text
}
