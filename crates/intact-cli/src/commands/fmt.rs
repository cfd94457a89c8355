//! `intact fmt`: format KDL files in the canonical layout (or show what would change).

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use intact_check::render::{self, HumanOptions};
use intact_model::{Analysis, project};

use super::*;
use crate::error::{CliError, CommandResult, Exit};

pub(crate) fn run(paths: Vec<PathBuf>, check_only: bool, stdin: bool) -> CommandResult {
    if stdin {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| CliError::usage(format!("cannot read standard input: {e}")))?;
        // As for a file: text that is not UTF-8 is not formatted, and that is a finding (exit 1).
        let Ok(text) = String::from_utf8(bytes) else {
            eprintln!("<stdin>: not valid UTF-8; not formatted");
            return Ok(Exit::Findings);
        };
        let parse = intact_syntax::parse(&text);
        return match intact_syntax::format::format(&text, &parse) {
            Ok(out) => write_stdout(&out).map(|()| Exit::Success),
            Err(_) => {
                report_syntax_errors(Path::new("<stdin>"), &text, &parse);
                Ok(Exit::Findings)
            }
        };
    }
    let mut files = Vec::new();
    if paths.is_empty() {
        let root = project_root(None)?;
        files = project::kdl_files(&root).map_err(|e| CliError::usage(e.to_string()))?;
    }
    for p in &paths {
        if p.is_dir() {
            files.extend(project::kdl_files(p).map_err(|e| CliError::usage(e.to_string()))?);
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            return Err(CliError::usage(format!("{} does not exist", p.display())));
        }
    }
    let mut changed = 0;
    let mut broken = 0;
    for file in &files {
        let bytes = std::fs::read(file)
            .map_err(|e| CliError::usage(format!("cannot read {}: {e}", file.display())))?;
        let Ok(text) = String::from_utf8(bytes) else {
            eprintln!("{}: not valid UTF-8; not formatted", file.display());
            broken += 1;
            continue;
        };
        let parse = intact_syntax::parse(&text);
        let Ok(out) = intact_syntax::format::format(&text, &parse) else {
            report_syntax_errors(file, &text, &parse);
            broken += 1;
            continue;
        };
        if out == text {
            continue;
        }
        changed += 1;
        if check_only {
            // What would change, as a unified diff a reviewer (or `patch`) can read.
            let name = file.display().to_string();
            let diff = similar::TextDiff::from_lines(&text, &out)
                .unified_diff()
                .context_radius(3)
                .header(&name, &name)
                .to_string();
            write_stdout(&diff)?;
        } else {
            std::fs::write(file, out)
                .map_err(|e| CliError::usage(format!("cannot write {}: {e}", file.display())))?;
            eprintln!("formatted {}", file.display());
        }
    }
    if check_only && changed > 0 {
        eprintln!("{changed} file(s) would be reformatted; run `intact fmt`");
    }
    Ok(if broken > 0 || (check_only && changed > 0) {
        Exit::Findings
    } else {
        Exit::Success
    })
}

pub(crate) fn report_syntax_errors(path: &Path, text: &str, parse: &intact_syntax::Parse) {
    let analysis = Analysis::from_files(vec![std::sync::Arc::new(
        intact_model::SourceFile::parsed(intact_model::FileInput::new(path, text), parse.clone()),
    )]);
    let diags = intact_check::syntax_findings(&analysis);
    let tty = std::io::stderr().is_terminal();
    eprint!(
        "{}",
        render::human(
            &analysis,
            &diags,
            // `path` is already the file as the user named it.
            &render::FileNames::root_relative(),
            HumanOptions {
                color: false,
                unicode: tty,
                width: 100
            }
        )
    );
    eprintln!(
        "{}: not formatted because of the syntax errors above",
        path.display()
    );
}
