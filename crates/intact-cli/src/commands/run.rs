//! `intact run`: one action or flow against a real environment.

use intact_model::Analysis;

use super::*;
use crate::cli::*;
use crate::error::{CliError, Exit, Outcome};

pub(crate) fn run(name: String, input: Option<String>, live: Live) -> Outcome {
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
                Exit::Success
            } else if unreachable {
                Exit::Unreachable
            } else {
                Exit::Findings
            })
        }
        Err(f) => Err(CliError::new(failure_code(&f), masker.mask(&f.message))),
    }
}

/// Whether `name` is an action (else a flow), or a usage error naming the closest one.
pub(crate) fn is_action(analysis: &Analysis, name: &str) -> Result<bool, CliError> {
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
    Err(CliError::usage(format!(
        "no action or flow named `{name}`{hint}"
    )))
}
