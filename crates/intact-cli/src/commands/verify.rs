//! `intact verify`: the project's actions proved against a live environment
//! (crates/intact-verify runs the scenarios; this file reads the options and prints the report).

use super::*;
use crate::cli::{TestFormat, VerifyArgs};
use crate::error::{CliError, CommandResult, Exit};

pub(crate) fn run(asked: VerifyArgs) -> CommandResult {
    let format = asked.format;
    // A project that cannot be verified (errors in it, no environment, no scenario that applies)
    // is a configuration problem, exit 2, never a failed proof (1); and a report reader in CI
    // still gets a report that says so.
    verify(asked).map_err(|e| {
        let e = match e.exit {
            Exit::Findings => CliError::usage(e.message),
            _ => e,
        };
        let error = intact_verify::ErrorReport {
            exit: e.exit.code(),
            message: &e.message,
        };
        let report = match format {
            TestFormat::Human => None,
            TestFormat::Json => Some(error.json()),
            TestFormat::Junit => Some(error.junit()),
        };
        if let Some(r) = report {
            let _ = write_stdout(&r);
        }
        e
    })
}

fn verify(asked: VerifyArgs) -> CommandResult {
    let VerifyArgs {
        only,
        format,
        report,
        record,
        force,
        keep,
        dry_run,
        timeout,
        strict,
        live,
    } = asked;
    let report_file = report.map(|r| Report::parse(&r)).transpose()?;
    intact_verify::check_only(&only).map_err(CliError::usage)?;
    if timeout == 0 {
        return Err(CliError::usage("--timeout must be at least 1 second"));
    }
    // A spinner saying which step runs, on a terminal (a live API can take seconds a step).
    let spinner = if dry_run {
        indicatif::ProgressBar::hidden()
    } else {
        crate::progress::spinner("verifying")
    };
    let tell = spinner.clone();
    let options = intact_verify::Options {
        only,
        keep,
        timeout: std::time::Duration::from_secs(timeout),
        log: intact_verify::Log::telling(std::sync::Arc::new(move |what: &str| {
            tell.set_message(what.to_string());
        })),
    };
    // The plan sends nothing, so it needs no environment: a new project can see what verify
    // would run before it has credentials.
    let report = if dry_run {
        let root = project_root(live.project.as_deref())?;
        let analysis = load_checked(&root)?;
        block_on(intact_verify::dry_run(&analysis.model, &options))?
    } else {
        let runtime = runtime_for(&live)?
            .with_conformance(conformance(strict))
            .with_recorder(options.log.recorder());
        let report = block_on(async {
            let interrupts = interrupts();
            intact_verify::verify(&runtime, &options, interrupts).await
        });
        spinner.finish_and_clear();
        let report = report?;
        if let Some(file) = &report_file {
            file.write(&intact_report::verify(runtime.analysis(), &report))?;
        }
        if let Some(dir) = record {
            let r = super::run::Record { dir, force };
            record_scenarios(&runtime, &report, &r, &live.env)?;
        }
        report
    };
    let text = match format {
        TestFormat::Human => report.human(),
        TestFormat::Json => report.json(),
        TestFormat::Junit => report.junit(),
    };
    if !report.interrupted && report.scenarios.iter().all(|s| s.skipped.is_some()) {
        // A person reads why each was skipped; a JSON or JUnit reader gets the error report.
        if format == TestFormat::Human {
            write_stdout(&text)?;
        }
        return Err(CliError::usage(
            "no scenario applies to this project: none has the actions it needs (each scenario's reason is in `intact verify --dry-run`)",
        ));
    }
    write_stdout(&text)?;
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

/// Each scenario's action runs as tests that replay them: `DIR/verify_SCENARIO.kdl`, a test per
/// step whose action answered (named `verify_SCENARIO_N_CONTRACT`).
fn record_scenarios(
    runtime: &intact_run::Runtime,
    report: &intact_verify::Report,
    r: &super::run::Record,
    env: &str,
) -> Result<(), CliError> {
    for s in report.scenarios.iter().filter(|s| s.skipped.is_none()) {
        // The test names first: the recordings borrow them.
        let ran: Vec<(usize, &intact_verify::StepResult)> = s
            .steps
            .iter()
            .enumerate()
            .filter(|(_, st)| st.action.is_some() && st.ran.is_some())
            .collect();
        if ran.is_empty() {
            continue;
        }
        let tests: Vec<String> = ran
            .iter()
            .map(|(i, st)| {
                format!(
                    "verify_{}_{}_{}",
                    s.name,
                    i + 1,
                    st.contract.replace('-', "_")
                )
            })
            .collect();
        let recordings: Vec<intact_run::recording::Recording> = ran
            .iter()
            .zip(&tests)
            .filter_map(|((_, st), test)| {
                let (input, output) = st.ran.as_ref()?;
                Some(intact_run::recording::Recording {
                    test,
                    action: true,
                    name: st.action.as_deref()?,
                    input,
                    output,
                    exchanges: &st.exchanges,
                })
            })
            .collect();
        let command = format!("intact verify --env {env} --only {}", s.name);
        let text = runtime.recorded_tests(&command, &recordings);
        super::run::write_recording(r, &format!("verify_{}", s.name), &text)?;
    }
    Ok(())
}
