//! `intact plan`: the requests of each action and flow for its tests' inputs (`intact-plan`),
//! and with `--against REV` what changed since the project at a git revision. Exits as
//! `terraform plan -detailed-exitcode`: 0 no change, 2 changes, 1 an error (of any kind).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::*;
use crate::cli::PlanFormat;

pub(crate) fn run(
    path: Option<PathBuf>,
    against: Option<String>,
    format: Option<PlanFormat>,
    jobs: Option<usize>,
) -> CommandResult {
    planned(path, against, format, jobs).map_err(|e| CliError::new(Exit::Findings, e.message))
}

fn planned(
    path: Option<PathBuf>,
    against: Option<String>,
    format: Option<PlanFormat>,
    jobs: Option<usize>,
) -> CommandResult {
    let root = project_root(path.as_deref())?;
    let jobs = jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from))
        .max(1);
    let now = plan_of(&root, jobs)?;
    let Some(rev) = against else {
        let text = match format.unwrap_or(PlanFormat::Text) {
            PlanFormat::Json => intact_plan::plan_json(&now),
            PlanFormat::Text => intact_plan::plan_text(&now),
            PlanFormat::Markdown => {
                return Err(CliError::usage(
                    "--format markdown shows changes: use it with --against REV",
                ));
            }
        };
        write_stdout(&text)?;
        return Ok(Exit::Success);
    };
    let old = intact_plan::at_revision(&root, &rev).map_err(CliError::usage)?;
    let before = plan_of(old.path(), jobs)
        .map_err(|e| CliError::usage(format!("the project at `{rev}`: {}", e.message)))?;
    let changes = intact_plan::diff(&before, &now);
    let text = match format.unwrap_or(PlanFormat::Markdown) {
        PlanFormat::Json => intact_plan::changes_json(&changes),
        PlanFormat::Markdown => intact_plan::changes_markdown(&changes),
        PlanFormat::Text => {
            return Err(CliError::usage(
                "--against prints changes as markdown or json",
            ));
        }
    };
    write_stdout(&text)?;
    Ok(if changes.is_empty() {
        Exit::Success
    } else {
        Exit::Changes
    })
}

/// The project's tests run against their mocks, their requests kept.
fn plan_of(root: &Path, jobs: usize) -> Result<intact_plan::Plan, CliError> {
    let analysis = Arc::new(load_checked(root)?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(jobs.clamp(1, 8))
        .enable_all()
        .build()
        .map_err(|e| CliError::usage(e.to_string()))?;
    let results = rt
        .block_on(intact_run::testing::run_tests(
            analysis.clone(),
            root.to_path_buf(),
            intact_run::testing::Selection::All,
            jobs,
            intact_run::testing::Mode::Mocks,
        ))
        .map_err(CliError::usage)?;
    Ok(intact_plan::from_results(&analysis, &results))
}
