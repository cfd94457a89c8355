//! `intact import openapi SPEC`: an OpenAPI 3.x description to a connection and flows
//! (crates/intact-openapi reads the document, crates/intact-import writes the KDL; this file
//! reads the options and the files).

use std::path::Path;

use intact_model::project;

use crate::cli::ImportCommand;
use crate::error::{CliError, Exit, Outcome};

pub fn run(cmd: ImportCommand) -> Outcome {
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
    let mut opts = intact_import::Options {
        connection,
        schemes,
        operations,
        tags: tag,
        ping,
        key_format,
        server,
        base_url,
        write_project_file: !out.join(project::ROOT_FILE).exists(),
        taken: Default::default(),
        flows_folder: None,
    };
    let read = |p: &Path| read_document_file(p);
    let described = intact_openapi::describe(&spec, bytes, &read).map_err(failure)?;
    let mut plan = intact_import::plan_described(&described, &spec, &opts).map_err(failure)?;
    // Into an existing project: the names its other files define are not defined again (a flow
    // or connection gets another name, a tenant variable of the same name is shared). The files
    // the import writes are its own, so their names do not count.
    if !opts.write_project_file {
        let files = project::load(&out).map_err(|e| CliError::usage(e.to_string()))?;
        let analysis = intact_model::Analysis::new(files);
        if force {
            // The files the import writes are its own to overwrite: first where the flows go,
            // since that decides which files are its own, then the names the others define.
            if let Some(folder) = flows_folder(&analysis, &plan) {
                opts.flows_folder = Some(folder);
                plan = intact_import::plan_described(&described, &spec, &opts).map_err(failure)?;
            }
            let taken = taken_names(&analysis, &plan, true);
            if !taken.is_empty() {
                opts.taken = taken;
                plan = intact_import::plan_described(&described, &spec, &opts).map_err(failure)?;
            }
        } else {
            // Nothing is overwritten: every name the project defines is taken (a second import
            // of `acme` writes `acme_2`), then flows go to a folder of their own if a flow file
            // of the plan already holds another connection's flows.
            let taken = taken_names(&analysis, &plan, false);
            if !taken.is_empty() {
                opts.taken = taken;
                plan = intact_import::plan_described(&described, &spec, &opts).map_err(failure)?;
            }
            if let Some(folder) = flows_folder(&analysis, &plan) {
                opts.flows_folder = Some(folder);
                plan = intact_import::plan_described(&described, &spec, &opts).map_err(failure)?;
            }
        }
    }
    for w in &plan.warnings {
        eprintln!("warning: {w}");
    }
    for n in &plan.notes {
        eprintln!("note: {n}");
    }
    if dry_run {
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
        super::write_stdout(&text)?;
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

/// When a flow file of the plan already holds another connection's flows (a second document,
/// whose tags match the first's), the folder under `flows/` where this import's flows go instead:
/// its connection's name.
pub(crate) fn flows_folder(
    analysis: &intact_model::Analysis,
    plan: &intact_import::Plan,
) -> Option<String> {
    let written: Vec<&Path> = plan.files.iter().map(|f| f.path.as_path()).collect();
    let connections: Vec<String> = plan
        .files
        .iter()
        .filter(|f| f.path.starts_with("connections"))
        .filter_map(|f| f.path.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    let someone_elses = analysis.model.flows.iter().any(|f| {
        let path = analysis.file(f.loc.file).path();
        path.starts_with("flows")
            && written.contains(&path)
            && !f
                .connection
                .as_ref()
                .is_some_and(|c| connections.contains(&c.name))
    });
    someone_elses
        .then(|| connections.first().cloned())
        .flatten()
}

/// The flows, connections and tenant variables of the project: with `own_files` (`--force`),
/// only those defined in files that `plan` does not write (it overwrites the others).
pub(crate) fn taken_names(
    analysis: &intact_model::Analysis,
    plan: &intact_import::Plan,
    own_files: bool,
) -> intact_import::Taken {
    let written: Vec<&Path> = plan.files.iter().map(|f| f.path.as_path()).collect();
    let elsewhere =
        |loc: intact_model::Loc| !own_files || !written.contains(&analysis.file(loc.file).path());
    let m = &analysis.model;
    intact_import::Taken {
        flows: m
            .flows
            .iter()
            .filter(|f| elsewhere(f.loc))
            .map(|f| f.name.name.clone())
            .collect(),
        connections: m
            .connections
            .iter()
            .filter(|c| elsewhere(c.loc))
            .map(|c| c.name.name.clone())
            .collect(),
        variables: m
            .variables
            .iter()
            .filter(|v| elsewhere(v.loc))
            .map(|v| v.name.name.clone())
            .collect(),
    }
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
