//! The `intact` command.

mod import;
mod init;

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use intact_check::render::{self, HumanOptions};
use intact_check::{Severity, registry, summarize};
use intact_model::{Analysis, project};

/// Exit codes (docs/cli.md).
const FINDINGS: u8 = 1;
const USAGE: u8 = 2;

#[derive(Parser)]
#[command(name = "intact", version, about = "Identity-provider API integration actions as config as code", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse, resolve and check a project.
    ///
    /// Example: intact check examples/scim-provisioning --format github
    Check {
        /// The project folder, or any folder or file inside it (default: the current folder).
        path: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Exit 1 on warnings too.
        #[arg(long)]
        deny_warnings: bool,
        /// Colour in the human format: auto (on a terminal unless NO_COLOR is set), always, never.
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
    },
    /// Format .kdl files in the canonical layout (keeps every comment).
    ///
    /// Example: intact fmt --check
    Fmt {
        /// Files or folders (default: the project around the current folder).
        paths: Vec<PathBuf>,
        /// Only list the files that would change; exit 1 if any.
        #[arg(long)]
        check: bool,
        /// Format standard input to standard output.
        #[arg(long, conflicts_with_all = ["paths", "check"])]
        stdin: bool,
    },
    /// Print the page of a diagnostic code, or list every code.
    ///
    /// Example: intact explain schema::unknown-node
    Explain {
        /// A code such as `name::unresolved`.
        code: Option<String>,
    },
    /// Write a new project that checks clean.
    ///
    /// Example: intact init my-integration
    Init {
        /// Where to create it (default: the current folder).
        dir: Option<PathBuf>,
        /// The project's name (default: from the folder name).
        #[arg(long)]
        name: Option<String>,
    },
    /// List the action contracts, or print one's JSON Schema.
    ///
    /// Example: intact contracts create-user --input
    Contracts {
        /// A contract id such as `create-user`.
        id: Option<String>,
        /// Print the input schema (the default with an id).
        #[arg(long, conflicts_with = "output")]
        input: bool,
        /// Print the output schema.
        #[arg(long)]
        output: bool,
        /// Print a valid example instead of the schema: input and output, or the one asked for.
        #[arg(long)]
        example: bool,
    },
    /// Run one action or flow against the real API of an environment; prints its output JSON.
    ///
    /// Example: intact run get_user --input user.json --env dev --trace
    Run {
        /// The action or flow.
        name: String,
        /// The input JSON: a file, or - for standard input (default: {}).
        #[arg(long)]
        input: Option<String>,
        #[command(flatten)]
        live: Live,
    },
    /// Run a connection's auth ping: says whether its credentials work, and why not.
    ///
    /// Example: intact ping scim --env dev
    Ping {
        /// The connection (default: the project's only one).
        connection: Option<String>,
        #[command(flatten)]
        live: Live,
    },
    /// The custom API action: one authenticated request through a connection; prints
    /// {status, headers, body} (secrets masked).
    ///
    /// Example: intact call scim GET /Users --query count=1 --env dev
    Call {
        connection: String,
        method: String,
        path: String,
        /// A query parameter, `K=V`; repeatable.
        #[arg(long = "query", value_name = "K=V")]
        query: Vec<String>,
        /// A header, `K=V`; repeatable.
        #[arg(long = "header", value_name = "K=V")]
        header: Vec<String>,
        /// A JSON body: a file, or - for standard input.
        #[arg(long)]
        json: Option<String>,
        #[command(flatten)]
        live: Live,
    },
    /// Run the project's tests against their mocks (a real HTTP server on 127.0.0.1).
    ///
    /// Example: intact test --filter create_user --format junit
    Test {
        /// The project folder, or any folder or file inside it (default: the current folder).
        path: Option<PathBuf>,
        /// Run only tests whose name contains this text.
        #[arg(long)]
        filter: Option<String>,
        #[arg(long, value_enum, default_value_t = TestFormat::Human)]
        format: TestFormat,
        /// How many tests run at once.
        #[arg(long, default_value_t = 2)]
        jobs: usize,
        /// With --live: the environment whose real API the tests run against (env/NAME.toml).
        #[arg(long, requires = "live")]
        env: Option<String>,
        /// Run against the real API of --env instead of the mocks: the tests' `app`, `params`
        /// and `mock` blocks are left out; `expect` and `expect-error` are checked.
        #[arg(long, requires = "env")]
        live: bool,
    },
    /// OAuth 2.0 authorization-code login for a connection, and logout.
    ///
    /// Example: intact auth login acme --env dev
    Auth {
        #[command(subcommand)]
        what: AuthCommand,
    },
    /// Generate a connection and flows from an API description.
    ///
    /// Example: intact import openapi okta.yaml --tag User
    Import {
        #[command(subcommand)]
        what: import::ImportCommand,
    },
    /// Run the language server over standard input and output.
    Lsp,
}

#[derive(Subcommand)]
enum AuthCommand {
    /// Log in with the authorization-code grant (PKCE): opens the authorize URL, receives the
    /// redirect on 127.0.0.1, and stores the tokens owner-only in the user's cache folder.
    ///
    /// Example: intact auth login acme --env dev --port 8765
    Login {
        /// The connection (its auth is `oauth2` with `grant "authorization-code"`).
        connection: String,
        #[command(flatten)]
        live: Live,
        /// The port on 127.0.0.1 for the redirect (http://127.0.0.1:PORT/callback); register
        /// that URL with the provider. 0 takes a free port.
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Seconds to wait for the browser to come back.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
        /// Only print the URL; do not open a browser.
        #[arg(long)]
        no_browser: bool,
    },
    /// Forget a connection's stored tokens for an environment.
    ///
    /// Example: intact auth logout acme --env dev
    Logout {
        connection: String,
        /// The environment: env/NAME.toml.
        #[arg(long)]
        env: String,
        /// The project folder (default: around the current folder).
        #[arg(long)]
        project: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Human,
    Json,
    Sarif,
    Github,
    Junit,
}

/// What `run`, `ping` and `call` share: the environment to run against.
#[derive(clap::Args)]
struct Live {
    /// The environment: env/NAME.toml.
    #[arg(long)]
    env: String,
    /// Print each request (status, duration) and `log` line, secrets masked, to standard error.
    #[arg(long)]
    trace: bool,
    /// The project folder (default: around the current folder).
    #[arg(long)]
    project: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum TestFormat {
    Human,
    Junit,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Color {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check {
            path,
            format,
            deny_warnings,
            color,
        } => check(path, format, deny_warnings, color),
        Command::Fmt {
            paths,
            check,
            stdin,
        } => fmt(paths, check, stdin),
        Command::Explain { code } => explain(code),
        Command::Init { dir, name } => init::run(dir, name),
        Command::Contracts {
            id,
            input,
            output,
            example,
        } => contracts(id, input, output, example),
        Command::Run { name, input, live } => run(name, input, live),
        Command::Ping { connection, live } => ping(connection, live),
        Command::Call {
            connection,
            method,
            path,
            query,
            header,
            json,
            live,
        } => call(connection, method, path, query, header, json, live),
        Command::Test {
            path,
            filter,
            format,
            jobs,
            env,
            live: _,
        } => test(path, filter, format, jobs, env),
        Command::Auth { what } => match what {
            AuthCommand::Login {
                connection,
                live,
                port,
                timeout,
                no_browser,
            } => login(connection, live, port, timeout, no_browser),
            AuthCommand::Logout {
                connection,
                env,
                project,
            } => logout(connection, env, project),
        },
        Command::Import { what } => import::run(what),
        Command::Lsp => match intact_lsp::run_stdio() {
            Ok(()) => Ok(0),
            Err(e) => Err(Failure(USAGE, format!("the language server stopped: {e}"))),
        },
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Failure(code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

/// A run that could not do its job: the exit code and what to tell the user.
struct Failure(u8, String);

type Outcome = Result<u8, Failure>;

/// The project root for `path` (a folder or file inside a project), or the current folder.
fn project_root(path: Option<&Path>) -> Result<PathBuf, Failure> {
    let start = match path {
        Some(p) => {
            if !p.exists() {
                return Err(Failure(USAGE, format!("{} does not exist", p.display())));
            }
            p.to_path_buf()
        }
        None => std::env::current_dir()
            .map_err(|e| Failure(USAGE, format!("cannot read the current folder: {e}")))?,
    };
    project::find_root(&start).ok_or_else(|| {
        Failure(
            USAGE,
            format!(
                "no {} found in {} or any folder above it; run `intact init` to start a project",
                project::ROOT_FILE,
                start.display()
            ),
        )
    })
}

fn load(root: &Path) -> Result<Analysis, Failure> {
    let files = project::load(root).map_err(|e| Failure(USAGE, e.to_string()))?;
    Ok(Analysis::new(files))
}

fn check(path: Option<PathBuf>, format: Format, deny_warnings: bool, color: Color) -> Outcome {
    let root = project_root(path.as_deref())?;
    let analysis = load(&root)?;
    let diags = intact_check::check(&analysis);
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
    Ok(if failed { FINDINGS } else { 0 })
}

/// Reports name files as seen from the working directory, so that CI annotations and editors find
/// them when the project is a subfolder.
fn report_names(root: &Path) -> render::FileNames {
    match std::env::current_dir() {
        Ok(cwd) => render::FileNames::from_working_dir(root, &cwd),
        Err(_) => render::FileNames::root_relative(),
    }
}

fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        // A closed pipe (`intact check | head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure(USAGE, format!("cannot write the output: {e}"))),
    }
}

fn fmt(paths: Vec<PathBuf>, check_only: bool, stdin: bool) -> Outcome {
    if stdin {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| Failure(USAGE, format!("cannot read standard input: {e}")))?;
        // As for a file: text that is not UTF-8 is not formatted, and that is a finding (exit 1).
        let Ok(text) = String::from_utf8(bytes) else {
            eprintln!("<stdin>: not valid UTF-8; not formatted");
            return Ok(FINDINGS);
        };
        let parse = intact_syntax::parse(&text);
        return match intact_syntax::format::format(&text, &parse) {
            Ok(out) => write_stdout(&out).map(|()| 0),
            Err(_) => {
                report_syntax_errors(Path::new("<stdin>"), &text, &parse);
                Ok(FINDINGS)
            }
        };
    }
    let mut files = Vec::new();
    if paths.is_empty() {
        let root = project_root(None)?;
        files = project::kdl_files(&root).map_err(|e| Failure(USAGE, e.to_string()))?;
    }
    for p in &paths {
        if p.is_dir() {
            files.extend(project::kdl_files(p).map_err(|e| Failure(USAGE, e.to_string()))?);
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            return Err(Failure(USAGE, format!("{} does not exist", p.display())));
        }
    }
    let mut changed = 0;
    let mut broken = 0;
    for file in &files {
        let bytes = std::fs::read(file)
            .map_err(|e| Failure(USAGE, format!("cannot read {}: {e}", file.display())))?;
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
                .map_err(|e| Failure(USAGE, format!("cannot write {}: {e}", file.display())))?;
            eprintln!("formatted {}", file.display());
        }
    }
    if check_only && changed > 0 {
        eprintln!("{changed} file(s) would be reformatted; run `intact fmt`");
    }
    Ok(if broken > 0 || (check_only && changed > 0) {
        FINDINGS
    } else {
        0
    })
}

fn report_syntax_errors(path: &Path, text: &str, parse: &intact_syntax::Parse) {
    let analysis = Analysis::from_files(vec![std::sync::Arc::new(intact_model::SourceFile {
        input: intact_model::FileInput::new(path, text),
        parse: parse.clone(),
    })]);
    let diags: Vec<_> = intact_check::check(&analysis)
        .into_iter()
        .filter(|d| d.code.starts_with("syntax"))
        .collect();
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

const UNREACHABLE: u8 = 3;

fn run(name: String, input: Option<String>, live: Live) -> Outcome {
    let input = match input.as_deref() {
        None => serde_json::json!({}),
        Some(arg) => read_json_arg(arg, "the input")?,
    };
    let (runtime, masker) = runtime_for(&live)?;
    let is_action = is_action(runtime.analysis(), &name)?;
    let result = block_on(async {
        if is_action {
            runtime
                .run_action(&name, input)
                .await
                .map(|o| (o.output, o.succeeded))
        } else {
            runtime
                .run_flow(&name, input)
                .await
                .map(|v| (masker.mask_json(&v), true))
        }
    })?;
    match result {
        Ok((output, succeeded)) => {
            write_stdout(&(serde_json::to_string_pretty(&output).unwrap_or_default() + "\n"))?;
            let unreachable = output["executionStatus"]["errors"][0]["summary"]
                .as_str()
                .is_some_and(|s| s.contains("could not be sent"));
            Ok(if succeeded {
                0
            } else if unreachable {
                UNREACHABLE
            } else {
                FINDINGS
            })
        }
        Err(f) => Err(Failure(failure_code(&f), masker.mask(&f.message))),
    }
}

/// A JSON argument: a file, or `-` for standard input.
fn read_json_arg(arg: &str, what: &str) -> Result<serde_json::Value, Failure> {
    let text = if arg == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure(USAGE, format!("cannot read standard input: {e}")))?;
        text
    } else {
        std::fs::read_to_string(arg)
            .map_err(|e| Failure(USAGE, format!("cannot read {arg}: {e}")))?
    };
    serde_json::from_str(&text).map_err(|e| {
        Failure(
            USAGE,
            format!("{what} ({arg}) {}", intact_expr::eval::json_error(&e)),
        )
    })
}

/// The project, refused while `intact check` reports errors in it.
fn load_checked(root: &Path) -> Result<Analysis, Failure> {
    let analysis = load(root)?;
    let errors: Vec<_> = intact_check::check(&analysis)
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    if !errors.is_empty() {
        // The errors themselves, so that nobody has to run `intact check` to see them.
        let tty = std::io::stderr().is_terminal();
        eprint!(
            "{}",
            render::human(
                &analysis,
                &errors,
                &report_names(root),
                HumanOptions {
                    color: false,
                    unicode: tty,
                    width: 100
                }
            )
        );
        return Err(Failure(
            FINDINGS,
            format!(
                "the project has {} error(s), shown above; fix them first",
                errors.len()
            ),
        ));
    }
    Ok(analysis)
}

fn test(
    path: Option<PathBuf>,
    filter: Option<String>,
    format: TestFormat,
    jobs: usize,
    live_env: Option<String>,
) -> Outcome {
    let root = project_root(path.as_deref())?;
    let analysis = load_checked(&root)?;
    let mode = match live_env {
        None => intact_run::testing::Mode::Mocks,
        Some(env) => intact_run::testing::Mode::Live {
            tokens: Some(
                intact_run::oauth::TokenStore::user(&root, &env).map_err(|e| Failure(USAGE, e))?,
            ),
            env,
        },
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(jobs.clamp(1, 8))
        .enable_all()
        .build()
        .map_err(|e| Failure(USAGE, e.to_string()))?;
    let started = std::time::Instant::now();
    let names = report_names(&root);
    let mut results = rt
        .block_on(intact_run::testing::run_tests(
            std::sync::Arc::new(analysis),
            root,
            filter,
            jobs,
            mode,
        ))
        .map_err(|e| Failure(USAGE, e))?;
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
    write_stdout(&out)?;
    Ok(if failed > 0 { FINDINGS } else { 0 })
}

/// The project, its environment and a runtime, for `run`, `ping` and `call`.
fn runtime_for(
    live: &Live,
) -> Result<
    (
        intact_run::Runtime,
        std::sync::Arc<intact_run::mask::Masker>,
    ),
    Failure,
> {
    let root = project_root(live.project.as_deref())?;
    let analysis = load_checked(&root)?;
    let (env_name, trace) = (live.env.as_str(), live.trace);
    let masker = std::sync::Arc::new(intact_run::mask::Masker::new());
    let env = intact_run::env::load(&root, env_name, &masker, &|v| std::env::var(v).ok())
        .map_err(|e| Failure(USAGE, e.0))?;
    let store =
        intact_run::oauth::TokenStore::user(&root, env_name).map_err(|e| Failure(USAGE, e))?;
    let mut runtime = intact_run::Runtime::new(std::sync::Arc::new(analysis), env, masker.clone())
        .with_token_store(store);
    if trace {
        runtime = runtime.with_trace(std::sync::Arc::new(|line: &str| eprintln!("trace: {line}")));
    }
    Ok((runtime, masker))
}

fn failure_code(f: &intact_run::Failure) -> u8 {
    if f.before_any_request {
        USAGE
    } else if f.message.contains("could not be sent") {
        UNREACHABLE
    } else {
        FINDINGS
    }
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> Result<T, Failure> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure(USAGE, e.to_string()))?;
    Ok(rt.block_on(f))
}

fn ping(connection: Option<String>, live: Live) -> Outcome {
    let (runtime, masker) = runtime_for(&live)?;
    let env = &live.env;
    match block_on(runtime.ping(connection.as_deref()))? {
        Ok(name) => {
            write_stdout(&format!(
                "connection `{name}` is working (environment {env})\n"
            ))?;
            Ok(0)
        }
        Err(f) => Err(Failure(
            failure_code(&f),
            format!("the ping is not working: {}", masker.mask(&f.message)),
        )),
    }
}

fn login(connection: String, live: Live, port: u16, timeout: u64, no_browser: bool) -> Outcome {
    let (runtime, masker) = runtime_for(&live)?;
    let options = intact_run::oauth::LoginOptions {
        port,
        timeout: std::time::Duration::from_secs(timeout),
    };
    let show = |url: &str| {
        eprintln!("Open this URL in a browser to log in (waiting up to {timeout} s):\n\n  {url}\n");
        if !no_browser && open::that_detached(url).is_err() {
            eprintln!("(no browser could be opened here; open the URL yourself)");
        }
    };
    match block_on(runtime.login(&connection, &options, &show))? {
        Ok(done) => {
            let refresh = if done.has_refresh_token {
                "with a refresh token, so later runs renew it themselves"
            } else {
                "without a refresh token: log in again when it expires"
            };
            write_stdout(&format!(
                "logged in: connection `{}` (environment {}); the access token lasts {} s, {refresh}\ntokens stored owner-only in {}\n",
                done.connection,
                live.env,
                done.expires_in,
                done.stored_at.display()
            ))?;
            Ok(0)
        }
        Err(f) => Err(Failure(failure_code(&f), masker.mask(&f.message))),
    }
}

fn logout(connection: String, env: String, project: Option<PathBuf>) -> Outcome {
    let root = project_root(project.as_deref())?;
    // A typo must not read as "nothing to log out": the environment and connection must exist.
    if !intact_run::env::available(&root).contains(&env) {
        return Err(Failure(
            USAGE,
            format!(
                "there is no environment `{env}` (env/{env}.toml); {}",
                intact_run::env::listing(&root)
            ),
        ));
    }
    let analysis = load(&root)?;
    if analysis.model.connection(Some(&connection)).is_none() {
        let names: Vec<&str> = analysis
            .model
            .connections
            .iter()
            .map(|c| c.name.name.as_str())
            .collect();
        return Err(Failure(
            USAGE,
            format!(
                "there is no connection `{connection}`; connections: {}",
                names.join(", ")
            ),
        ));
    }
    let store = intact_run::oauth::TokenStore::user(&root, &env).map_err(|e| Failure(USAGE, e))?;
    let path = store.path(&connection);
    match std::fs::remove_file(&path) {
        Ok(()) => {
            write_stdout(&format!(
                "logged out: the tokens of `{connection}` (environment {env}) are deleted\n"
            ))?;
            Ok(0)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            write_stdout(&format!(
                "`{connection}` has no stored tokens for environment {env}\n"
            ))?;
            Ok(0)
        }
        Err(e) => Err(Failure(
            USAGE,
            format!("cannot delete {}: {e}", path.display()),
        )),
    }
}

fn call(
    connection: String,
    method: String,
    path: String,
    query: Vec<String>,
    header: Vec<String>,
    json: Option<String>,
    live: Live,
) -> Outcome {
    let pairs = |list: Vec<String>, what: &str| -> Result<Vec<(String, String)>, Failure> {
        list.into_iter()
            .map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .ok_or_else(|| Failure(USAGE, format!("--{what} takes K=V, not `{kv}`")))
            })
            .collect()
    };
    let (query, headers) = (pairs(query, "query")?, pairs(header, "header")?);
    let body = match json.as_deref() {
        None => None,
        Some(arg) => Some(read_json_arg(arg, "the body")?),
    };
    let (runtime, masker) = runtime_for(&live)?;
    match block_on(runtime.call(&connection, &method, &path, query, headers, body))? {
        Ok(v) => {
            write_stdout(&(serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"))?;
            let status = v["status"].as_u64().unwrap_or(0);
            Ok(if (200..300).contains(&status) {
                0
            } else {
                FINDINGS
            })
        }
        Err(f) => Err(Failure(failure_code(&f), masker.mask(&f.message))),
    }
}

/// Whether `name` is an action (else a flow), or a usage error naming the closest one.
fn is_action(analysis: &Analysis, name: &str) -> Result<bool, Failure> {
    if analysis.model.actions.iter().any(|a| a.name.name == name) {
        return Ok(true);
    }
    if analysis.model.flows.iter().any(|f| f.name.name == name) {
        return Ok(false);
    }
    let names = analysis
        .model
        .actions
        .iter()
        .map(|a| a.name.name.as_str())
        .chain(analysis.model.flows.iter().map(|f| f.name.name.as_str()));
    let hint = intact_check::suggest(name, names)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default();
    Err(Failure(
        USAGE,
        format!("no action or flow named `{name}`{hint}"),
    ))
}

fn contracts(id: Option<String>, input: bool, output: bool, example: bool) -> Outcome {
    use intact_model::contracts::{self, CONTRACTS, Side};
    let Some(id) = id else {
        let mut out = String::from(
            "The action contracts (intact contracts ID --input|--output prints a schema):\n\n",
        );
        for c in CONTRACTS {
            out.push_str(&format!(
                "  {:<42} {:<40} mandatory with {}\n",
                c.id,
                c.title,
                c.mandatory_with.describe()
            ));
        }
        write_stdout(&out)?;
        return Ok(0);
    };
    if contracts::contract(&id).is_none() {
        let hint = if id == "common" || id == "common.json" {
            "; the shared definitions of common.json are bundled into each contract's schema (`intact contracts create-user --input`)".to_string()
        } else {
            intact_check::suggest(&id, CONTRACTS.iter().map(|c| c.id))
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_else(|| "; run `intact contracts` to list them".into())
        };
        return Err(Failure(USAGE, format!("`{id}` is not a contract{hint}")));
    }
    let first = |side| {
        contracts::examples(&id, side)
            .first()
            .cloned()
            .unwrap_or_default()
    };
    let side = if output { Side::Output } else { Side::Input };
    if !example {
        let text = contracts::bundled_schema_text(&id, side).unwrap_or_default();
        return write_stdout(&text).map(|()| 0);
    }
    let value = if input || output {
        first(side)
    } else {
        serde_json::json!({"input": first(Side::Input), "output": first(Side::Output)})
    };
    let text = serde_json::to_string_pretty(&value).map_err(|e| Failure(USAGE, e.to_string()))?;
    write_stdout(&(text + "\n")).map(|()| 0)
}

fn explain(code: Option<String>) -> Outcome {
    let Some(code) = code else {
        let mut out = String::from("Diagnostic codes (intact explain CODE for a page):\n\n");
        for r in registry::RULES {
            let sev = match r.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "info",
            };
            out.push_str(&format!("  {:<42} {:<8} {}\n", r.code, sev, r.summary));
        }
        write_stdout(&out)?;
        return Ok(0);
    };
    // A code's last part is enough when only one code ends with it (`unknown-field`).
    let by_suffix: Vec<&registry::Rule> = registry::RULES
        .iter()
        .filter(|r| r.code.rsplit("::").next() == Some(code.as_str()))
        .collect();
    let rule = match (registry::rule(&code), by_suffix.as_slice()) {
        (Some(r), _) => Some(r),
        (None, [one]) => Some(*one),
        (None, [_, _, ..]) => {
            let codes: Vec<&str> = by_suffix.iter().map(|r| r.code).collect();
            return Err(Failure(
                USAGE,
                format!(
                    "`{code}` ends several codes: {}; name one",
                    codes.join(", ")
                ),
            ));
        }
        (None, []) => None,
    };
    match rule {
        Some(r) => {
            let mut page = r.page.to_string();
            if registry::NOT_YET_CHECKED.contains(&r.code) {
                page.push_str(
                    "\nNote: this rule is specified but `intact check` does not report it yet.\n",
                );
            }
            write_stdout(&page)?;
            Ok(0)
        }
        None => {
            let hint = intact_check::suggest(&code, registry::RULES.iter().map(|r| r.code))
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_else(|| "; run `intact explain` to list them".into());
            Err(Failure(
                USAGE,
                format!("`{code}` is not a diagnostic code{hint}"),
            ))
        }
    }
}
