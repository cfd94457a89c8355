//! `intact import openapi DOC --update`: the project brought up to a new version of its
//! description (`intact_import::plan_update` decides; this prints and writes).

use std::path::{Path, PathBuf};

use serde_json::json;

use super::{failure, read_document_file};
use crate::cli::UpdateFormat;
use crate::commands::write_stdout;
use crate::error::{CliError, CommandResult, Exit};
use intact_import::{FileAction, Update};

pub(super) fn run(
    spec: &Path,
    bytes: Vec<u8>,
    out: &Path,
    opts: &intact_import::Options,
    dry_run: bool,
    format: UpdateFormat,
) -> CommandResult {
    if !out.join(intact_model::project::ROOT_FILE).exists() {
        return Err(CliError::usage(format!(
            "--update updates a project an import made, and {} has no intact.kdl; import without --update first",
            out.display()
        )));
    }
    let old_path = project_copy(spec, out)?;
    let read = |p: &Path| read_document_file(p);
    let old_bytes = read_document_file(&old_path)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", old_path.display())))?;
    let old = intact_openapi::describe(&old_path, old_bytes, &read).map_err(failure)?;
    let new = intact_openapi::describe(spec, bytes, &read).map_err(failure)?;
    let on_disk = |p: &Path| std::fs::read(out.join(p)).ok();
    let update =
        intact_import::plan_update(&old, &old_path, &new, spec, opts, &on_disk).map_err(failure)?;
    for w in &update.warnings {
        eprintln!("warning: {w}");
    }
    if !dry_run {
        intact_import::apply(&update, out).map_err(failure)?;
    }
    let text = match format {
        UpdateFormat::Human => human(&update, out, dry_run),
        UpdateFormat::Json => json_summary(&update, dry_run),
    };
    write_stdout(&text)?;
    Ok(Exit::Success)
}

/// The project's copy of the description: `openapi/NAME` of the new document's NAME, else the
/// only document under `openapi/`.
fn project_copy(spec: &Path, out: &Path) -> Result<PathBuf, CliError> {
    let dir = out.join(intact_import::DESCRIPTION_DIR);
    if let Some(name) = spec.file_name()
        && dir.join(name).is_file()
    {
        return Ok(dir.join(name));
    }
    let docs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| intact_openapi::files::is_document(p))
                .collect()
        })
        .unwrap_or_default();
    match docs.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(CliError::usage(format!(
            "{} has no copy of a description under openapi/ to update from",
            out.display()
        ))),
        _ => Err(CliError::usage(format!(
            "{} has several descriptions under openapi/; name the new one as the copy it replaces",
            out.display()
        ))),
    }
}

fn human(u: &Update, out: &Path, dry_run: bool) -> String {
    let ops = &u.operations;
    let mut text = format!(
        "operations: {} added, {} removed, {} changed\n",
        ops.added.len(),
        ops.removed.len(),
        ops.changed.len()
    );
    for a in &ops.added {
        text.push_str(&format!("  added    {a}\n"));
    }
    for r in &ops.removed {
        text.push_str(&format!("  removed  {r}\n"));
    }
    for (c, what) in &ops.changed {
        text.push_str(&format!("  changed  {c}: {}\n", what.join("; ")));
    }
    text.push_str("files:\n");
    let mut kept = Vec::new();
    for f in u.files.iter().filter(|f| f.action != FileAction::Unchanged) {
        text.push_str(&format!(
            "  {:<12} {}\n",
            f.action.as_str(),
            f.path.display()
        ));
        if f.action == FileAction::Edited {
            kept.push(f);
        }
    }
    if u.files.iter().all(|f| f.action == FileAction::Unchanged) {
        text.push_str("  nothing changed: the project already matches this description\n");
    }
    for f in kept {
        let path = out.join(&f.path);
        let now = std::fs::read_to_string(&path).unwrap_or_default();
        let generated = String::from_utf8_lossy(&f.generated);
        let shown = f.path.display().to_string();
        text.push_str(&format!(
            "\n{shown} was edited, so it is kept; the new description would write:\n{}",
            similar::TextDiff::from_lines(now.as_str(), generated.as_ref())
                .unified_diff()
                .context_radius(2)
                .header(&format!("{shown} (yours)"), &format!("{shown} (generated)"))
        ));
    }
    if dry_run {
        text.push_str("\nnothing was written (--dry-run)\n");
    } else {
        text.push_str(&format!("\nnext: intact check {}\n", out.display()));
    }
    text
}

fn json_summary(u: &Update, dry_run: bool) -> String {
    let ops = &u.operations;
    let v = json!({
        "format_version": 1,
        "dry_run": dry_run,
        "operations": {
            "added": ops.added,
            "removed": ops.removed,
            "changed": ops.changed.iter().map(|(o, w)| json!({"operation": o, "changes": w})).collect::<Vec<_>>(),
        },
        "files": u.files.iter().map(|f| json!({"path": f.path, "action": f.action.as_str()})).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}
