//! `intact contracts`: the action contracts and their schemas and examples.

use super::*;
use crate::error::{CliError, CommandResult, Exit};

pub(crate) fn run(id: Option<String>, input: bool, output: bool, example: bool) -> CommandResult {
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
        return Ok(Exit::Success);
    };
    let Some(contract) = contracts::ContractId::parse(&id) else {
        let hint = if id == "common" || id == "common.json" {
            "; the shared definitions of common.json are bundled into each contract's schema (`intact contracts create-user --input`)".to_string()
        } else {
            intact_check::suggest(&id, CONTRACTS.iter().map(|c| c.id.as_str()))
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_else(|| "; run `intact contracts` to list them".into())
        };
        return Err(CliError::usage(format!("`{id}` is not a contract{hint}")));
    };
    let first = |side| {
        contracts::examples(contract, side)
            .first()
            .cloned()
            .unwrap_or_default()
    };
    let side = if output { Side::Output } else { Side::Input };
    if !example {
        let text = contracts::bundled_schema_text(contract, side).unwrap_or_default();
        return write_stdout(&text).map(|()| Exit::Success);
    }
    let value = if input || output {
        first(side)
    } else {
        serde_json::json!({"input": first(Side::Input), "output": first(Side::Output)})
    };
    let text = serde_json::to_string_pretty(&value).map_err(|e| CliError::usage(e.to_string()))?;
    write_stdout(&(text + "\n")).map(|()| Exit::Success)
}
