//! Definition, references, highlights and rename: every named thing, across files and inside
//! `${…}`, through the model's one symbol index.

use intact_model::Loc;
use intact_model::catalogue;
use intact_model::symbols::{Form, Occurrence, Symbol, SymbolIndex};
use intact_syntax::{Span, quote};

use crate::{FilePosition, Snapshot};

/// Where something is defined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// In a file of the project.
    Loc(Loc),
    /// A contract of the registry: its JSON Schemas are bundled with intact, not in the project.
    Contract(intact_model::contracts::ContractId),
}

/// Where the thing at `pos` is defined.
pub fn definition(analysis: &Snapshot, pos: FilePosition) -> Option<Target> {
    let index = analysis.symbols();
    let at = index.at(pos.file, pos.offset)?;
    if let Symbol::Contract(id) = &at.symbol {
        return intact_model::contracts::ContractId::parse(id).map(Target::Contract);
    }
    Some(Target::Loc(index.definition(&at.symbol)?.loc))
}

/// Every place that names the thing at `pos`, its definition first when `with_definition`.
pub fn references(analysis: &Snapshot, pos: FilePosition, with_definition: bool) -> Vec<Loc> {
    same_symbol(analysis, pos)
        .into_iter()
        .filter(|o| with_definition || !o.is_definition())
        .map(|o| o.loc)
        .collect()
}

/// The occurrences of the thing at `pos` in its own file, and whether each is its definition.
pub fn highlights(analysis: &Snapshot, pos: FilePosition) -> Vec<(Span, bool)> {
    same_symbol(analysis, pos)
        .into_iter()
        .filter(|o| o.loc.file == pos.file)
        .map(|o| (o.loc.span, o.is_definition()))
        .collect()
}

/// Every occurrence of the thing at `pos`, its definition first.
fn same_symbol(analysis: &Snapshot, pos: FilePosition) -> Vec<&Occurrence> {
    let index = analysis.symbols();
    match index.at(pos.file, pos.offset) {
        Some(at) => index.occurrences(&at.symbol),
        None => Vec::new(),
    }
}

/// The name at `pos` that a rename would change (without quotes), or why it cannot be renamed.
pub fn prepare_rename(analysis: &Snapshot, pos: FilePosition) -> Result<Span, String> {
    let index = analysis.symbols();
    let at = index
        .at(pos.file, pos.offset)
        .ok_or("there is no name to rename here")?;
    renameable(index, at)?;
    Ok(name_span(analysis, at))
}

/// The edits that rename the thing at `pos` to `new_name` everywhere, or why not.
pub fn rename(
    analysis: &Snapshot,
    pos: FilePosition,
    new_name: &str,
) -> Result<Vec<(Loc, String)>, String> {
    let index = analysis.symbols();
    let at = index
        .at(pos.file, pos.offset)
        .ok_or("there is no name to rename here")?;
    renameable(index, at)?;
    let symbol = &at.symbol;
    if !catalogue::is_valid_name(new_name) {
        return Err(format!(
            "`{new_name}` is not a valid name: lowercase letters, digits and `_`, starting with a letter (`{}`)",
            catalogue::to_snake_case(new_name)
        ));
    }
    if matches!(symbol, Symbol::Step { .. }) && catalogue::RESERVED_NAMES.contains(&new_name) {
        return Err(format!("`{new_name}` is reserved and cannot name a step"));
    }
    if new_name != symbol.name() && index.definition(&symbol.renamed(new_name)).is_some() {
        return Err(format!(
            "a {} named `{new_name}` already exists here",
            symbol.what()
        ));
    }
    Ok(index
        .occurrences(symbol)
        .into_iter()
        .map(|o| {
            let text = match o.form {
                Form::Literal => quote(new_name),
                Form::Bare => new_name.to_string(),
                Form::Prefixed(p) => quote(&format!("{p}{new_name}")),
                // A valid name is a bare TOML key: letters, digits and `_`.
                Form::TomlKey => new_name.to_string(),
            };
            (o.loc, text)
        })
        .collect())
}

fn renameable(index: &SymbolIndex, at: &Occurrence) -> Result<(), String> {
    match &at.symbol {
        Symbol::Contract(id) => Err(format!(
            "`{id}` is a contract id of the identity provider; it cannot be renamed"
        )),
        s if index.definition(s).is_none() => Err(format!(
            "{} `{}` is not defined in the project (an auth form's implicit param, or a name that does not resolve); declare it to rename it",
            s.what(),
            s.name()
        )),
        _ => Ok(()),
    }
}

/// The span of the name itself: inside the quotes of a string, after a `from=` prefix.
fn name_span(analysis: &Snapshot, o: &Occurrence) -> Span {
    let span = o.loc.span;
    let text = &analysis.file(o.loc.file).text()[span.range()];
    let quoted = text.starts_with('"') && text.ends_with('"') && text.len() >= 2;
    let (start, end) = if quoted {
        (span.start + 1, span.end - 1)
    } else {
        (span.start, span.end)
    };
    match o.form {
        Form::Prefixed(p) => Span::new(start + p.len() as u32, end),
        _ => Span::new(start, end),
    }
}
