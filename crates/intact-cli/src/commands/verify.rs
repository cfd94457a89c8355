//! `intact verify`: the project's actions proved against a live environment
//! (crates/intact-verify runs the scenarios; this file reads the options and prints the report).

use super::*;
use crate::cli::*;
use crate::error::{CliError, Exit, Outcome};

pub(crate) fn run(
    only: Vec<String>,
    format: TestFormat,
    keep: bool,
    dry_run: bool,
    timeout: u64,
    live: Live,
) -> Outcome {
    intact_verify::check_only(&only).map_err(CliError::usage)?;
    if timeout == 0 {
        return Err(CliError::usage("--timeout must be at least 1 second"));
    }
    let options = intact_verify::Options {
        only,
        keep,
        timeout: std::time::Duration::from_secs(timeout),
    };
    let (runtime, _masker) = runtime_for(&live)?;
    let report = if dry_run {
        block_on(intact_verify::dry_run(&runtime.analysis().model, &options))?
    } else {
        block_on(async {
            let interrupts = interrupts();
            intact_verify::verify(&runtime, &options, interrupts).await
        })?
    };
    let text = match format {
        TestFormat::Human => report.human(),
        TestFormat::Json => report.json(),
        TestFormat::Junit => report.junit(),
    };
    write_stdout(&text)?;
    if !report.interrupted && report.scenarios.iter().all(|s| s.skipped.is_some()) {
        return Err(CliError::usage(
            "no scenario applies to this project: it has no enabled action for the contracts they run (see `intact verify --dry-run`)",
        ));
    }
    Ok(if dry_run || report.passed() {
        Exit::Success
    } else if report.unreachable() {
        Exit::Unreachable
    } else {
        Exit::Findings
    })
}

/// Ctrl-C and SIGTERM (CI cancelling a job, `timeout`, `docker stop`) alike, each one an interrupt:
/// the first stops the scenarios and runs the cleanup, the next cuts the cleanup short. Without
/// signal handling (an unusual platform) the run is simply not interruptible.
fn interrupts() -> intact_verify::Interrupts {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let int = tx.clone();
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            if int.send(()).is_err() {
                return;
            }
        }
    });
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            return;
        };
        while term.recv().await.is_some() {
            if tx.send(()).is_err() {
                return;
            }
        }
    });
    intact_verify::Interrupts::from(rx)
}
