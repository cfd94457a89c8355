//! `intact check`: parse, resolve and check a project; report in the chosen format.

use std::io::IsTerminal;
use std::path::PathBuf;

use intact_check::render::{self, HumanOptions};
use intact_check::summarize;

use super::*;
use crate::cli::{Color, Format};
use crate::error::{CommandResult, Exit};

pub(crate) fn run(
    path: Option<PathBuf>,
    format: Format,
    deny_warnings: bool,
    color: Color,
) -> CommandResult {
    let root = project_root(path.as_deref())?;
    let (analysis, diags) = load_and_check(&root)?;
    let names = report_names(&root);
    let out = match format {
        Format::Human => {
            let tty = std::io::stdout().is_terminal();
            let color = match color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            };
            let width = std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.parse().ok())
                .unwrap_or(100);
            render::human(
                &analysis,
                &diags,
                &names,
                HumanOptions {
                    color,
                    unicode: tty,
                    width,
                },
            )
        }
        Format::Json => render::json(&analysis, &diags, &names),
        Format::Sarif => render::sarif(&analysis, &diags, &names),
        Format::Github => render::github(&analysis, &diags, &names),
        Format::Junit => render::junit(&analysis, &diags, &names, deny_warnings),
    };
    write_stdout(&out)?;
    let s = summarize(&diags);
    let failed = s.errors > 0 || (deny_warnings && s.warnings > 0);
    Ok(if failed {
        Exit::Findings
    } else {
        Exit::Success
    })
}
