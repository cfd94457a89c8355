//! `intact auth login|logout`: an OAuth 2.0 login through the browser, and forgetting its tokens.

use std::path::PathBuf;

use super::*;
use crate::cli::Live;
use crate::error::{CliError, CommandResult, Exit};

pub(crate) fn login(
    connection: String,
    live: Live,
    port: u16,
    timeout: u64,
    no_browser: bool,
) -> CommandResult {
    let runtime = runtime_for(&live)?;
    let options = intact_run::login::LoginOptions {
        port,
        timeout: std::time::Duration::from_secs(timeout),
    };
    let show = |url: &str| {
        eprintln!("Open this URL in a browser to log in (waiting up to {timeout} s):\n\n  {url}\n");
        if !no_browser && open::that_detached(url).is_err() {
            eprintln!("(no browser could be opened here; open the URL yourself)");
        }
    };
    match block_on(intact_run::login::login(
        &runtime,
        &connection,
        &options,
        &show,
    ))? {
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
            Ok(Exit::Success)
        }
        Err(f) => Err(CliError::new(failure_code(&f), f.message)),
    }
}

pub(crate) fn logout(connection: String, env: String, project: Option<PathBuf>) -> CommandResult {
    let root = project_root(project.as_deref())?;
    // A typo must not read as "nothing to log out": the environment and connection must exist.
    if !intact_run::env::available(&root).contains(&env) {
        return Err(CliError::usage(format!(
            "there is no environment `{env}` (env/{env}.toml); {}",
            intact_run::env::listing(&root)
        )));
    }
    let analysis = load(&root)?;
    if analysis.model.connection(Some(&connection)).is_none() {
        let names: Vec<&str> = analysis
            .model
            .connections
            .iter()
            .map(|c| c.name.name.as_str())
            .collect();
        return Err(CliError::usage(format!(
            "there is no connection `{connection}`; connections: {}",
            names.join(", ")
        )));
    }
    let store = intact_run::oauth::TokenStore::user(&root, &env).map_err(CliError::usage)?;
    let path = store.path(&connection);
    match std::fs::remove_file(&path) {
        Ok(()) => {
            write_stdout(&format!(
                "logged out: the tokens of `{connection}` (environment {env}) are deleted\n"
            ))?;
            Ok(Exit::Success)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            write_stdout(&format!(
                "`{connection}` has no stored tokens for environment {env}\n"
            ))?;
            Ok(Exit::Success)
        }
        Err(e) => Err(CliError::usage(format!(
            "cannot delete {}: {e}",
            path.display()
        ))),
    }
}
