//! `intact package --out DIR`: the hand-over to the provider's submission (`intact-package`).
//! Today the build sheet; a file it finds there that it did not write is kept.

use std::path::PathBuf;

use super::*;

pub(crate) fn run(path: Option<PathBuf>, out: PathBuf) -> CommandResult {
    let root = project_root(path.as_deref())?;
    let analysis = load_checked(&root)?;
    let sheet = intact_package::build_sheet(&analysis);
    let file = out.join("build.md");
    if let Ok(old) = std::fs::read_to_string(&file)
        && !old.starts_with("# Build sheet:")
    {
        return Err(CliError::usage(format!(
            "{} exists and is not a build sheet intact wrote: it is kept; choose another --out",
            file.display()
        )));
    }
    std::fs::create_dir_all(&out)
        .and_then(|()| std::fs::write(&file, sheet))
        .map_err(|e| CliError::usage(format!("cannot write {}: {e}", file.display())))?;
    write_stdout(&format!("wrote {}\n", file.display()))?;
    Ok(Exit::Success)
}
