//! `intact test`: the project's tests, against mocks or an environment.

use std::path::{Path, PathBuf};

use super::*;
use crate::cli::TestFormat;
use crate::error::{CliError, CommandResult, Exit};

pub(crate) fn run(
    path: Option<PathBuf>,
    selection: intact_run::testing::Selection,
    format: TestFormat,
    report: Option<Report>,
    jobs: Option<usize>,
    live_env: Option<String>,
) -> CommandResult {
    // As many tests at once as the machine has cores, unless told.
    let jobs = jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from))
        .max(1);
    let root = project_root(path.as_deref())?;
    let analysis = std::sync::Arc::new(load_checked(&root)?);
    let mode = match live_env {
        None => intact_run::testing::Mode::Mocks,
        Some(env) => intact_run::testing::Mode::Live {
            tokens: Some(
                intact_run::oauth::TokenStore::user(&root, &env).map_err(CliError::usage)?,
            ),
            env,
        },
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(jobs.clamp(1, 8))
        .enable_all()
        .build()
        .map_err(|e| CliError::usage(e.to_string()))?;
    let started = std::time::Instant::now();
    let names = report_names(&root);
    // A bar when the run is long enough to watch: many tests.
    let count = analysis
        .model
        .tests
        .iter()
        .filter(|t| selection.matches(&t.name.name))
        .count();
    let bar = if count >= 20 {
        crate::progress::bar(count as u64, "testing")
    } else {
        indicatif::ProgressBar::hidden()
    };
    let tick = bar.clone();
    let mut results = rt
        .block_on(intact_run::testing::run_tests_telling(
            analysis.clone(),
            root,
            selection,
            jobs,
            mode,
            Some(std::sync::Arc::new(move |r| {
                tick.inc(1);
                if r.failed() {
                    tick.set_message(format!("{} failed", r.name));
                }
            })),
        ))
        .map_err(CliError::usage)?;
    bar.finish_and_clear();
    for r in &mut results {
        r.file = names.name(Path::new(&r.file));
    }
    let failed = results.iter().filter(|r| r.failed()).count();
    let skipped = results.iter().filter(|r| r.skipped().is_some()).count();
    let out = match format {
        TestFormat::Junit => intact_run::testing::junit(&results),
        TestFormat::Json => intact_run::testing::json_report(&results),
        TestFormat::Human => {
            let mut out = String::new();
            for r in &results {
                if let Some(why) = r.skipped() {
                    out.push_str(&format!("skip   {} ({}): {why}\n", r.name, r.file));
                    continue;
                }
                let mark = if r.failed() { "FAILED" } else { "ok" };
                out.push_str(&format!(
                    "{mark:<6} {} ({}, {} ms)\n",
                    r.name,
                    r.file,
                    r.duration.as_millis()
                ));
                for f in &r.failures {
                    out.push_str(&format!("         {f}\n"));
                }
                // What the run did, for a failed test: its requests and `log` lines.
                if r.failed() && !r.trace.is_empty() {
                    out.push_str("         trace:\n");
                    for l in &r.trace {
                        out.push_str(&format!("           {l}\n"));
                    }
                }
            }
            let skips = if skipped > 0 {
                format!(", {skipped} skipped")
            } else {
                String::new()
            };
            out.push_str(&format!(
                "\n{} passed, {failed} failed{skips} in {:.2} s\n",
                results.len() - failed - skipped,
                started.elapsed().as_secs_f64()
            ));
            out
        }
    };
    if let Some(r) = &report {
        r.write(&intact_report::tests(&analysis, &results))?;
    }
    write_stdout(&out)?;
    Ok(if failed > 0 {
        Exit::Findings
    } else {
        Exit::Success
    })
}
