//! Actions against the contract registry: unknown and duplicate contracts, mandatory contracts with no action, switches.

use intact_model::contracts::{self, CONTRACTS, Switch};
use intact_model::{ActionDef, FileId, Loc, ProjectDef};

use super::*;
use crate::registry::Rule;
use crate::{Diagnostic, suggest};

impl<'a> ModelRules<'a> {
    pub(super) fn contracts(&self, out: &mut Vec<Diagnostic>) {
        let ids: Vec<&str> = CONTRACTS.iter().map(|c| c.id.as_str()).collect();
        let project = self.project_def();
        let provisioning =
            project.and_then(|p| p.capabilities.iter().find(|c| c.name == "provisioning"));
        let is_on = |sw: Switch| project.is_some_and(|p| p.switched_on(sw));
        let mut implemented: HashMap<contracts::ContractId, Vec<&ActionDef>> = HashMap::new();
        for ac in &self.m.actions {
            let Some((id, loc)) = &ac.contract else {
                continue;
            };
            let Some(contract) = contracts::contract(id) else {
                let mut d = Diagnostic::new(
                    Rule::ContractUnknown,
                    *loc,
                    format!("`{id}` is not a contract"),
                )
                .label("unknown contract id");
                d = match suggest(id, ids.iter().copied()) {
                    Some(best) => d.help(format!("did you mean \"{best}\"?")).fix(
                        format!("Replace with \"{best}\""),
                        *loc,
                        intact_syntax::quote(best),
                    ),
                    None => d.help("run `intact contracts` for the 22 contract ids"),
                };
                out.push(d);
                continue;
            };
            if !ac.enabled {
                continue;
            }
            implemented.entry(contract.id).or_default().push(ac);
            if !is_on(contract.mandatory_with) {
                if contracts::is_user_operation(contract.id) && provisioning.is_some() {
                    out.push(
                        Diagnostic::new(
                            Rule::ContractFeatureSuggested,
                            *loc,
                            format!(
                                "`{}` is implemented but its feature is not declared",
                                contract.id
                            ),
                        )
                        .label("the provider calls it anyway")
                        .help(format!(
                            "declare it so the catalog lists it: {}",
                            contract.mandatory_with.describe()
                        )),
                    );
                } else if !contracts::is_user_operation(contract.id) {
                    out.push(
                        Diagnostic::new(
                            Rule::ContractNotCalled,
                            *loc,
                            format!("no declared capability calls `{}`", contract.id),
                        )
                        .label("the provider would never call this action")
                        .help(format!(
                            "declare {} in intact.kdl, or remove the action",
                            contract.mandatory_with.describe()
                        )),
                    );
                }
            }
        }
        for (id, actions) in &implemented {
            if let [first, rest @ ..] = actions.as_slice() {
                for ac in rest {
                    out.push(
                        Diagnostic::new(
                            Rule::ContractDuplicate,
                            ac.contract.as_ref().unwrap().1,
                            format!("`{id}` is implemented twice"),
                        )
                        .label(format!("action `{}`", ac.name.name))
                        .related(
                            first.contract.as_ref().unwrap().1,
                            format!("also implemented by action `{}`", first.name.name),
                        )
                        .help("keep one, or switch one off with `enabled #false`"),
                    );
                }
            }
        }
        if let Some(project) = project {
            self.missing_actions(project, &implemented, out);
        }
    }

    /// `contract::missing-action` for each contract the project's switches make mandatory and
    /// no enabled action implements, with the action to add as a suggestion. The new action goes
    /// where the project keeps its actions: the file holding those of the same capability, else
    /// the file holding the most; intact.kdl only when the project has none yet.
    fn missing_actions(
        &self,
        project: &ProjectDef,
        implemented: &HashMap<contracts::ContractId, Vec<&ActionDef>>,
        out: &mut Vec<Diagnostic>,
    ) {
        // Per file: how many actions, and how many of each capability (counted once).
        let mut files: std::collections::BTreeMap<FileId, (HashMap<&str, usize>, usize)> =
            Default::default();
        for a in &self.m.actions {
            let e = files.entry(a.loc.file).or_default();
            e.1 += 1;
            if let Some(c) = a.contract_id() {
                *e.0.entry(c.mandatory_with().capability()).or_default() += 1;
            }
        }
        for contract in CONTRACTS {
            if !project.switched_on(contract.mandatory_with)
                || implemented.contains_key(&contract.id)
            {
                continue;
            }
            let at = switch_loc(project, contract.mandatory_with).unwrap_or(project.loc);
            let capability = contract.mandatory_with.capability();
            let home = files
                .iter()
                .max_by_key(|(file, (same, all))| {
                    let same = same.get(capability).copied().unwrap_or(0);
                    (same, *all, std::cmp::Reverse(**file))
                })
                .map_or(at.file, |(file, _)| *file);
            let skeleton = contracts::skeleton(contract);
            out.push(
                Diagnostic::new(
                    Rule::ContractMissingAction,
                    at,
                    format!(
                        "`{}` is mandatory but no enabled action implements it",
                        contract.id
                    ),
                )
                .label(format!(
                    "{} requires {}",
                    contract.mandatory_with.describe(),
                    contract.id
                ))
                .help(format!("add an action:\n{skeleton}"))
                .suggestion(
                    format!("Add an action for `{}`", contract.id),
                    self.end_of_file(home),
                    format!("\n{skeleton}\n"),
                ),
            );
        }
    }

    /// `loc` widened to whole lines: from the start of its first line (when only indentation
    /// stands before it) to after the newline that ends its last; what removing a node removes.
    pub(super) fn whole_lines(&self, loc: Loc) -> Loc {
        let text = self.a.file(loc.file).text();
        let (start, end) = (loc.span.start as usize, loc.span.end as usize);
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let from = if text[line_start..start].trim().is_empty() {
            line_start
        } else {
            start
        };
        let mut to = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
        // Between two blank lines, one of them goes too.
        let blank_before = from == 0 || text[..from].ends_with("\n\n");
        if blank_before && text[to..].starts_with('\n') {
            to += 1;
        }
        Loc::new(loc.file, intact_syntax::Span::new(from as u32, to as u32))
    }

    /// Where text appended to a file goes, after its last newline (a file without one gets it).
    pub(super) fn end_of_file(&self, file: intact_model::FileId) -> Loc {
        let text = self.a.file(file).text();
        Loc::new(file, intact_syntax::Span::empty(text.len() as u32))
    }
}

fn switch_loc(p: &ProjectDef, sw: Switch) -> Option<Loc> {
    let prov = || p.capabilities.iter().find(|c| c.name == "provisioning");
    match sw {
        Switch::Capability(name) => p
            .capabilities
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.loc),
        Switch::Feature(f) => {
            prov().and_then(|c| c.features.iter().find(|(x, _)| x == f).map(|(_, l)| *l))
        }
        Switch::GroupOperations | Switch::GroupMembership => prov().map(|c| c.loc),
    }
}
