//! `intact ping`: the auth ping of a connection against an environment.

use super::*;
use crate::cli::Live;
use crate::error::{CliError, CommandResult, Exit};

pub(crate) fn run(connection: Option<String>, live: Live) -> CommandResult {
    let runtime = runtime_for(&live)?;
    let env = &live.env;
    match block_on(runtime.ping(connection.as_deref()))? {
        Ok(name) => {
            write_stdout(&format!(
                "connection `{name}` is working (environment {env})\n"
            ))?;
            Ok(Exit::Success)
        }
        Err(f) => Err(CliError::new(
            failure_code(&f),
            format!("the ping is not working: {}", f.message),
        )),
    }
}
