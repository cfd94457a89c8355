//! `intact package --out DIR`: the hand-over to the provider's submission (`intact-package`):
//! the build sheet and the test plan with evidence; a file it finds there that it did not write
//! is kept.

use std::path::PathBuf;

use super::*;

pub(crate) fn run(
    path: Option<PathBuf>,
    out: PathBuf,
    verify_report: Option<PathBuf>,
) -> CommandResult {
    let root = project_root(path.as_deref())?;
    let analysis = load_checked(&root)?;
    let report = match &verify_report {
        None => None,
        Some(f) => Some(read_json_arg(
            &f.display().to_string(),
            "the verify report",
        )?),
    };
    if let Some(r) = &report
        && r["scenarios"].as_array().is_none()
    {
        return Err(CliError::usage(format!(
            "{} is not a report of `intact verify --format json` (it has no `scenarios`)",
            verify_report.unwrap_or_default().display()
        )));
    }
    let (plan_md, plan_json) = intact_package::test_plan(report.as_ref());
    let (wizard_md, wizard_json) = intact_package::wizard_sheet(&analysis);
    let files = [
        ("wizard.md", wizard_md, "# Wizard sheet:"),
        ("wizard.json", wizard_json, "{"),
        (
            "build.md",
            intact_package::build_sheet(&analysis),
            "# Build sheet:",
        ),
        ("test-plan.md", plan_md, "# Test plan with evidence"),
        ("test-plan.json", plan_json, "{"),
    ];
    // Nothing is written when one of them would replace a file intact did not write.
    for (name, _, ours) in &files {
        let file = out.join(name);
        if let Ok(old) = std::fs::read_to_string(&file)
            && !old.starts_with(ours)
        {
            return Err(CliError::usage(format!(
                "{} exists and is not one intact wrote: it is kept, and nothing was written; choose another --out",
                file.display()
            )));
        }
    }
    let mut said = String::new();
    for (name, text, _) in &files {
        let file = out.join(name);
        std::fs::create_dir_all(&out)
            .and_then(|()| std::fs::write(&file, text))
            .map_err(|e| CliError::usage(format!("cannot write {}: {e}", file.display())))?;
        said.push_str(&format!("wrote {}\n", file.display()));
    }
    write_stdout(&said)?;
    Ok(Exit::Success)
}

/// `--against FILE`: each field where the project differs from a wizard sheet.
pub(crate) fn against(path: Option<PathBuf>, held: PathBuf) -> CommandResult {
    let root = project_root(path.as_deref())?;
    let analysis = load_checked(&root)?;
    let sheet = read_json_arg(&held.display().to_string(), "the wizard sheet")?;
    if sheet["sections"].as_array().is_none() {
        return Err(CliError::usage(format!(
            "{} is not a wizard sheet of `intact package` (it has no `sections`)",
            held.display()
        )));
    }
    let (_, current) = intact_package::wizard_sheet(&analysis);
    let current: serde_json::Value =
        serde_json::from_str(&current).map_err(|e| CliError::usage(e.to_string()))?;
    let found = intact_package::differences(&current, &sheet);
    let mut text = String::new();
    for d in &found {
        text.push_str(&format!("{}: {d}\n", held.display()));
    }
    if found.is_empty() {
        text.push_str(&format!("the project matches {}\n", held.display()));
    } else {
        text.push_str(&format!("{} difference(s)\n", found.len()));
    }
    write_stdout(&text)?;
    Ok(if found.is_empty() {
        Exit::Success
    } else {
        Exit::Findings
    })
}
