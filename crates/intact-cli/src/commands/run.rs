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

/// What `intact run` was asked.
pub(crate) struct Asked {
    pub(crate) name: String,
    pub(crate) kind: Option<Kind>,
    pub(crate) input: Option<String>,
    pub(crate) strict: bool,
    pub(crate) record: Option<Record>,
}

/// `--record DIR [--force]`.
pub(crate) struct Record {
    pub(crate) dir: std::path::PathBuf,
    pub(crate) force: bool,
}

pub(crate) fn run(asked: Asked, live: Live) -> CommandResult {
    let Asked {
        name,
        kind,
        input,
        strict,
        record,
    } = asked;
    let input = match input.as_deref() {
        None => serde_json::json!({}),
        Some(arg) => read_json_arg(arg, "the input")?,
    };
    let exchanges: std::sync::Arc<std::sync::Mutex<Vec<intact_run::Exchange>>> = Default::default();
    let kept = exchanges.clone();
    let runtime = runtime_for(&live)?
        .with_conformance(conformance(strict))
        .with_recorder(std::sync::Arc::new(move |e| kept.lock().unwrap().push(e)));
    let is_action = resolve(runtime.analysis(), &name, kind, "run")? == Kind::Action;
    let given = input.clone();
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
            let reached = failure != Some(intact_run::FailureKind::Unreachable);
            if let Some(r) = record.as_ref().filter(|_| !reached) {
                eprintln!(
                    "nothing recorded in {}: the API could not be reached",
                    r.dir.display()
                );
            }
            if let Some(r) = record.as_ref().filter(|_| reached) {
                let exchanges = std::mem::take(&mut *exchanges.lock().unwrap());
                let command = format!("intact run {name} --env {}", live.env);
                let text = runtime.recorded_tests(
                    &command,
                    &[intact_run::recording::Recording {
                        test: &format!("recorded_{name}"),
                        action: is_action,
                        name: &name,
                        input: &runtime.masker().mask_json(&given),
                        output: &output,
                        exchanges: &exchanges,
                    }],
                );
                write_recording(r, &name, &text)?;
            }
            write_stdout(&(serde_json::to_string_pretty(&output).unwrap_or_default() + "\n"))?;
            Ok(failure.map_or(Exit::Success, exit_for))
        }
        Err(f) => Err(CliError::new(failure_code(&f), f.message)),
    }
}

/// Writes a recorded test as `DIR/NAME.kdl`: a new file; or over one intact recorded, saying
/// what changed; a file edited since is kept unless `--force`.
pub(crate) fn write_recording(r: &Record, name: &str, text: &str) -> Result<(), CliError> {
    let path = r.dir.join(format!("{name}.kdl"));
    let usage =
        |e: std::io::Error| CliError::usage(format!("cannot write {}: {e}", path.display()));
    match std::fs::read_to_string(&path) {
        Ok(old) if old == text => {
            eprintln!("recorded {}: unchanged", path.display());
        }
        Ok(old) => {
            if intact_run::recording::edited(&old) && !r.force {
                return Err(CliError::usage(format!(
                    "{} was edited since it was recorded (or is not a recording): it is kept; record with --force to replace it",
                    path.display()
                )));
            }
            let shown = path.display().to_string();
            let diff = similar::TextDiff::from_lines(&old, text)
                .unified_diff()
                .context_radius(2)
                .header(&shown, &shown)
                .to_string();
            std::fs::write(&path, text).map_err(usage)?;
            eprintln!("recorded {} again; what changed:\n{diff}", path.display());
        }
        Err(_) => {
            std::fs::create_dir_all(&r.dir).map_err(usage)?;
            std::fs::write(&path, text).map_err(usage)?;
            eprintln!("recorded {}", path.display());
        }
    }
    Ok(())
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
