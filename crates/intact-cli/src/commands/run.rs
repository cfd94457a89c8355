//! `intact run`: one action or flow against a real environment.

use intact_model::Analysis;

use super::*;
use crate::cli::Live;
use crate::error::{CliError, CommandResult, Exit};

/// What `intact run` was told NAME is (`--action`, `--flow`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Action,
    Flow,
}

impl Kind {
    /// What `--action` / `--flow` ask for (clap lets only one be given), if either.
    pub(crate) fn asked(action: bool, flow: bool) -> Option<Kind> {
        match (action, flow) {
            (true, _) => Some(Kind::Action),
            (_, true) => Some(Kind::Flow),
            _ => None,
        }
    }
}

pub(crate) fn run(
    name: String,
    kind: Option<Kind>,
    input: Option<String>,
    strict: bool,
    live: Live,
) -> CommandResult {
    let input = match input.as_deref() {
        None => serde_json::json!({}),
        Some(arg) => read_json_arg(arg, "the input")?,
    };
    let runtime = runtime_for(&live)?;
    let runtime = runtime.with_conformance(conformance(strict));
    let is_action = resolve(runtime.analysis(), &name, kind, "run")? == Kind::Action;
    let result = block_on(async {
        if is_action {
            runtime
                .run_action(&name, input)
                .await
                .map(|o| (o.output, o.failure))
        } else {
            runtime.run_flow(&name, input).await.map(|v| (v, None))
        }
    })?;
    match result {
        Ok((output, failure)) => {
            write_stdout(&(serde_json::to_string_pretty(&output).unwrap_or_default() + "\n"))?;
            Ok(failure.map_or(Exit::Success, exit_for))
        }
        Err(f) => Err(CliError::new(failure_code(&f), f.message)),
    }
}

/// Whether `name` is an action or a flow. A name that is both is a usage error unless `kind`
/// says which: running one silently would hide the other (the importer names its flows as the
/// actions that usually call them).
pub(crate) fn resolve(
    analysis: &Analysis,
    name: &str,
    kind: Option<Kind>,
    command: &str,
) -> Result<Kind, CliError> {
    let m = &analysis.model;
    let action = m.actions.iter().find(|a| a.name.name == name);
    let flow = m.flows.iter().find(|f| f.name.name == name);
    match (action, flow, kind) {
        (Some(_), _, Some(Kind::Action)) | (Some(_), None, None) => return Ok(Kind::Action),
        (_, Some(_), Some(Kind::Flow)) | (None, Some(_), None) => return Ok(Kind::Flow),
        (Some(a), Some(f), None) => {
            return Err(CliError::usage(format!(
                "`{name}` is both an action ({}) and a flow ({}): say which with `intact {command} {name} --action` or `intact {command} {name} --flow`",
                analysis.place(a.name.loc),
                analysis.place(f.name.loc)
            )));
        }
        _ => {}
    }
    let (what, names): (&str, Vec<&str>) = match kind {
        Some(Kind::Action) => (
            "action",
            m.actions.iter().map(|a| a.name.name.as_str()).collect(),
        ),
        Some(Kind::Flow) => (
            "flow",
            m.flows.iter().map(|f| f.name.name.as_str()).collect(),
        ),
        None => (
            "action or flow",
            m.actions
                .iter()
                .map(|a| a.name.name.as_str())
                .chain(m.flows.iter().map(|f| f.name.name.as_str()))
                .collect(),
        ),
    };
    let hint = intact_check::suggest(name, names)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default();
    Err(CliError::usage(format!("no {what} named `{name}`{hint}")))
}
