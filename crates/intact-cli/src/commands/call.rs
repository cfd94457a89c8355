//! `intact call`: the custom API action, one authenticated request.

use super::*;
use crate::cli::Live;
use crate::error::{CliError, CommandResult, Exit};

pub(crate) fn run(
    connection: String,
    method: String,
    path: String,
    query: Vec<String>,
    header: Vec<String>,
    json: Option<String>,
    live: Live,
) -> CommandResult {
    let pairs = |list: Vec<String>, what: &str| -> Result<Vec<(String, String)>, CliError> {
        list.into_iter()
            .map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .ok_or_else(|| CliError::usage(format!("--{what} takes K=V, not `{kv}`")))
            })
            .collect()
    };
    let (query, headers) = (pairs(query, "query")?, pairs(header, "header")?);
    let body = match json.as_deref() {
        None => None,
        Some(arg) => Some(read_json_arg(arg, "the body")?),
    };
    let runtime = runtime_for(&live)?;
    let request = intact_run::CustomCall {
        connection: &connection,
        method: &method,
        path: &path,
        query,
        headers,
        json: body,
    };
    match block_on(runtime.call(request))? {
        Ok(v) => {
            write_stdout(&(serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"))?;
            let status = v["status"].as_u64().unwrap_or(0);
            Ok(if (200..300).contains(&status) {
                Exit::Success
            } else {
                Exit::Findings
            })
        }
        Err(f) => Err(CliError::new(failure_code(&f), f.message)),
    }
}
