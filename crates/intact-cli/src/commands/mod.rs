//! One file per command; what several share is here.

pub(crate) mod auth;
pub(crate) mod call;
pub(crate) mod check;
pub(crate) mod contracts;
pub(crate) mod explain;
pub(crate) mod fmt;
pub(crate) mod graph;
pub(crate) mod import;
pub(crate) mod init;
pub(crate) mod package;
pub(crate) mod ping;
pub(crate) mod plan;
pub(crate) mod run;
pub(crate) mod test;
pub(crate) mod verify;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use intact_check::Severity;
use intact_check::render;
use intact_model::{Analysis, project};

use crate::cli::{AuthCommand, Command, Live};
use crate::error::{CliError, CommandResult, Exit};

/// Runs one command.
pub(crate) fn dispatch(command: Command) -> CommandResult {
    match command {
        Command::Check {
            path,
            format,
            deny_warnings,
            color,
        } => check::run(path, format, deny_warnings, color),
        Command::Fmt {
            paths,
            check,
            stdin,
        } => fmt::run(paths, check, stdin),
        Command::Explain { code } => explain::run(code),
        Command::Init { dir, name } => init::run(dir, name),
        Command::Contracts {
            id,
            input,
            output,
            example,
        } => contracts::run(id, input, output, example),
        Command::Run {
            name,
            action,
            flow,
            input,
            strict,
            record,
            force,
            live,
        } => run::run(
            run::Asked {
                name,
                kind: run::Kind::asked(action, flow),
                input,
                strict,
                record: record.map(|dir| run::Record { dir, force }),
            },
            live,
        ),
        Command::Ping { connection, live } => ping::run(connection, live),
        Command::Call {
            connection,
            method,
            path,
            query,
            header,
            json,
            live,
        } => call::run(connection, method, path, query, header, json, live),
        Command::Test {
            path,
            filter,
            exact,
            format,
            report,
            jobs,
            env,
            live: _,
        } => {
            use intact_run::testing::Selection;
            let selection = match filter {
                None => Selection::All,
                Some(name) if exact => Selection::Named(name),
                Some(part) => Selection::Containing(part),
            };
            let report = report.map(|r| Report::parse(&r)).transpose()?;
            test::run(path, selection, format, report, jobs, env)
        }
        Command::Auth { what } => match what {
            AuthCommand::Login {
                connection,
                live,
                port,
                timeout,
                no_browser,
            } => auth::login(connection, live, port, timeout, no_browser),
            AuthCommand::Logout {
                connection,
                env,
                project,
            } => auth::logout(connection, env, project),
        },
        Command::Plan {
            path,
            against,
            format,
            jobs,
        } => plan::run(path, against, format, jobs),
        Command::Package {
            path,
            out,
            verify_report,
            against,
        } => match (out, against) {
            (_, Some(held)) => package::against(path, held),
            (Some(out), None) => package::run(path, out, verify_report),
            (None, None) => Err(CliError::usage(
                "intact package needs --out DIR or --against FILE",
            )),
        },
        Command::Graph {
            name,
            action,
            flow,
            format,
            project,
        } => graph::run(name, run::Kind::asked(action, flow), format, project),
        Command::Import { what } => import::run(what),
        Command::Verify(args) => verify::run(args),
        Command::Lsp => match intact_lsp::run_stdio() {
            Ok(()) => Ok(Exit::Success),
            Err(e) => Err(CliError::usage(format!("the language server stopped: {e}"))),
        },
    }
}

/// `--report FORMAT FILE`: a report written besides the command's output.
pub(crate) struct Report {
    pub(crate) file: PathBuf,
}

impl Report {
    pub(crate) fn parse(args: &[String]) -> Result<Report, CliError> {
        match args {
            [format, file] if format == "html" => Ok(Report {
                file: PathBuf::from(file),
            }),
            [format, _] => Err(CliError::usage(format!(
                "`--report {format}`: the report formats are: html (`--report html report.html`)"
            ))),
            _ => Err(CliError::usage(
                "`--report` takes a format and a file: `--report html report.html`",
            )),
        }
    }

    /// Writes the report, saying where on standard error.
    pub(crate) fn write(&self, text: &str) -> Result<(), CliError> {
        std::fs::write(&self.file, text).map_err(|e| {
            CliError::usage(format!(
                "cannot write the report to {}: {e}",
                self.file.display()
            ))
        })?;
        eprintln!("report: {}", self.file.display());
        Ok(())
    }
}

/// The project root for `path` (a folder or file inside a project), or the current folder.
pub(crate) fn project_root(path: Option<&Path>) -> Result<PathBuf, CliError> {
    let start = match path {
        Some(p) => {
            if !p.exists() {
                return Err(CliError::usage(format!("{} does not exist", p.display())));
            }
            // Absolute, so that the search upwards from `flows` reaches the folder above it
            // (a relative path's parent is "" and was read as the project).
            std::path::absolute(p)
                .map_err(|e| CliError::usage(format!("cannot resolve {}: {e}", p.display())))?
        }
        None => std::env::current_dir()
            .map_err(|e| CliError::usage(format!("cannot read the current folder: {e}")))?,
    };
    project::find_root(&start).ok_or_else(|| {
        CliError::usage(format!(
            "no {} found in {} or any folder above it; run `intact init` to start a project",
            project::ROOT_FILE,
            start.display()
        ))
    })
}

pub(crate) fn load(root: &Path) -> Result<Analysis, CliError> {
    let files = project::load(root).map_err(|e| CliError::usage(e.to_string()))?;
    Ok(Analysis::new(files))
}

/// Reports name files as seen from the working directory, so that CI annotations and editors find
/// them when the project is a subfolder.
pub(crate) fn report_names(root: &Path) -> render::FileNames {
    match std::env::current_dir() {
        Ok(cwd) => render::FileNames::from_working_dir(root, &cwd),
        Err(_) => render::FileNames::root_relative(),
    }
}

pub(crate) fn write_stdout(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        // A closed pipe (`intact check | head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::usage(format!("cannot write the output: {e}"))),
    }
}

/// A JSON argument: a file, or `-` for standard input.
pub(crate) fn read_json_arg(arg: &str, what: &str) -> Result<serde_json::Value, CliError> {
    let text = if arg == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::usage(format!("cannot read standard input: {e}")))?;
        text
    } else {
        std::fs::read_to_string(arg)
            .map_err(|e| CliError::usage(format!("cannot read {arg}: {e}")))?
    };
    serde_json::from_str(&text).map_err(|e| {
        CliError::usage(format!(
            "{what} ({arg}) {}",
            intact_expr::eval::json_error(&e)
        ))
    })
}

/// Every finding of the project at `root`, the checker asking the folder what the texts cannot say
/// (where an environment's file leads).
/// The project and its findings. Its OpenAPI documents are read on another thread while the KDL
/// files are parsed, lowered and checked (a large document's first read is most of a check).
pub(crate) fn load_and_check(
    root: &Path,
) -> Result<(Analysis, Vec<intact_check::Diagnostic>), CliError> {
    let files = project::load(root).map_err(|e| CliError::usage(e.to_string()))?;
    let cache = intact_check::DocumentCache::on_disk();
    let openapi: Vec<_> = files
        .iter()
        .filter(|f| f.path.starts_with("openapi"))
        .cloned()
        .collect();
    std::thread::scope(|s| {
        if !openapi.is_empty() {
            s.spawn(|| cache.prefetch(&openapi));
        }
        let analysis = Analysis::new(files);
        let diags = intact_check::check_in(
            &analysis,
            &cache,
            &intact_check::ProjectFolder(root.to_path_buf()),
        );
        Ok((analysis, diags))
    })
    .inspect(|_| {
        // The documents' trees are not freed: a command ends soon after its check, and freeing
        // the tree of a large description took 8% of a first check (17 ms of 0.22 s).
        std::mem::forget(cache);
    })
}

/// The project, refused while `intact check` reports errors in it.
pub(crate) fn load_checked(root: &Path) -> Result<Analysis, CliError> {
    let (analysis, diags) = load_and_check(root)?;
    let errors: Vec<_> = diags
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    if !errors.is_empty() {
        // The errors, one line each (at most ten): enough to see why nothing ran, without the
        // whole report of `intact check` in the way of the command's own output.
        const SHOWN: usize = 10;
        for d in errors.iter().take(SHOWN) {
            eprintln!(
                "{}: error[{}]: {}",
                analysis.place(d.loc),
                d.code,
                d.message
            );
        }
        let more = errors.len().saturating_sub(SHOWN);
        let rest = if more > 0 {
            format!(" ({more} more not listed)")
        } else {
            String::new()
        };
        return Err(CliError::new(
            Exit::Findings,
            format!(
                "the project has {} error(s){rest}; fix them first (`intact check` explains each)",
                errors.len()
            ),
        ));
    }
    Ok(analysis)
}

/// The runtime of a live command (`run`, `ping`, `call`, `auth login`, `verify`): the project
/// checked, the environment loaded (its secrets registered with the runtime's masker, which
/// masks everything the runtime hands out).
pub(crate) fn runtime_for(live: &Live) -> Result<intact_run::Runtime, CliError> {
    let root = project_root(live.project.as_deref())?;
    let analysis = load_checked(&root)?;
    let (env_name, trace) = (live.env.as_str(), live.trace);
    let masker = std::sync::Arc::new(intact_run::mask::Masker::new());
    let env = intact_run::env::load(&root, env_name, &masker, &|v| std::env::var(v).ok())
        .map_err(|e| CliError::usage(e.0))?;
    let store = intact_run::oauth::TokenStore::user(&root, env_name).map_err(CliError::usage)?;
    let mut runtime = intact_run::Runtime::new(std::sync::Arc::new(analysis), env, masker)
        .with_token_store(store);
    if trace {
        runtime = runtime.with_trace(std::sync::Arc::new(|line: &str| eprintln!("trace: {line}")));
    }
    Ok(runtime)
}

/// What `run` and `verify` do about a request that does not fit its OpenAPI operation: fail it
/// (`--strict`), or warn on standard error (masked, as every line the runtime hands out).
pub(crate) fn conformance(strict: bool) -> intact_run::Conformance {
    if strict {
        intact_run::Conformance::Strict
    } else {
        intact_run::Conformance::Warn(std::sync::Arc::new(|line: &str| {
            eprintln!("warning: {line}")
        }))
    }
}

pub(crate) fn failure_code(f: &intact_run::Failure) -> Exit {
    exit_for(f.kind)
}

/// The exit code of a failure of `kind` (docs/cli.md, "Exit codes").
pub(crate) fn exit_for(kind: intact_run::FailureKind) -> Exit {
    match kind {
        intact_run::FailureKind::BeforeAnyRequest => Exit::Usage,
        intact_run::FailureKind::Unreachable => Exit::Unreachable,
        intact_run::FailureKind::Run => Exit::Findings,
    }
}

pub(crate) fn block_on<T>(f: impl std::future::Future<Output = T>) -> Result<T, CliError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::usage(e.to_string()))?;
    Ok(rt.block_on(f))
}
