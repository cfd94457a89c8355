//! The project node and its capabilities, duplicate definitions, tenant variables.

use intact_model::catalogue::MAX_VARIABLES;
use intact_model::symbols::{Site, Symbol};
use intact_model::{Ident, Loc, Step, project};

use super::*;
use crate::registry::Rule;
use crate::{Diagnostic, suggest};

/// The longest `display-name` the submission wizard takes.
const DISPLAY_NAME_MAX: usize = 64;
/// How many `use-case`s the submission wizard takes.
const USE_CASES_MAX: usize = 3;

impl<'a> ModelRules<'a> {
    /// The submission wizard's limits on the catalog details.
    fn catalog(&self, p: &intact_model::ProjectDef, out: &mut Vec<Diagnostic>) {
        if let Some((name, loc)) = &p.catalog.display_name {
            let n = name.chars().count();
            if n > DISPLAY_NAME_MAX {
                out.push(
                    Diagnostic::new(
                        Rule::ProjectDisplayNameTooLong,
                        *loc,
                        format!("the display name is {n} characters; the submission wizard takes at most {DISPLAY_NAME_MAX}"),
                    )
                    .label(format!("{n} characters"))
                    .help("shorten it; what does not fit belongs in the `description`"),
                );
            }
        }
        for (_, loc) in p.catalog.use_cases.iter().skip(USE_CASES_MAX) {
            out.push(
                Diagnostic::new(
                    Rule::ProjectTooManyUseCases,
                    *loc,
                    format!("more than {USE_CASES_MAX} use cases; the submission wizard takes up to {USE_CASES_MAX}"),
                )
                .label("one too many")
                .help("keep the three that describe the integration best"),
            );
        }
    }

    pub(super) fn project(&self, out: &mut Vec<Diagnostic>) {
        let root_file = self.a.file_id(std::path::Path::new(project::ROOT_FILE));
        let main = self.project_def();
        match self.m.projects.as_slice() {
            [] => {
                let loc = Loc::new(root_file.unwrap_or_default(), intact_syntax::Span::empty(0));
                if !self.a.files.is_empty() {
                    out.push(
                        Diagnostic::new(
                            Rule::ProjectMissing,
                            loc,
                            "the project has no `project` node",
                        )
                        .label("expected here")
                        .help("add `project \"my_app\" { display-name \"My App\" }` to intact.kdl"),
                    );
                }
            }
            all => {
                let first = main.expect("a project exists");
                for p in all.iter().filter(|p| !std::ptr::eq(&***p, first)) {
                    out.push(
                        Diagnostic::new(
                            Rule::ProjectDuplicate,
                            p.loc,
                            "a project has exactly one `project` node",
                        )
                        .label("another project node")
                        .related(first.loc, "the project is defined here")
                        .help("merge them into the one in intact.kdl"),
                    );
                }
            }
        }
        for p in &self.m.projects {
            if Some(p.loc.file) != root_file {
                out.push(
                    Diagnostic::new(
                        Rule::ProjectMisplaced,
                        p.loc,
                        "the `project` node must be in the root intact.kdl",
                    )
                    .label(format!("in {}", self.a.file(p.loc.file).path().display()))
                    .help("move it to intact.kdl at the project root"),
                );
            }
            self.catalog(p, out);
            let caps: Vec<&str> = p.capabilities.iter().map(|c| c.name.as_str()).collect();
            if let Some(em) = p
                .capabilities
                .iter()
                .find(|c| c.name == "entitlement-management")
                && !caps.contains(&"provisioning")
            {
                out.push(
                    Diagnostic::new(
                        Rule::ProjectCapabilityDependency,
                        em.loc,
                        "entitlement management needs the provisioning capability",
                    )
                    .label("declared without provisioning")
                    .help("add `capability \"provisioning\"` to the project"),
                );
            }
            let mut seen: Vec<(&str, Loc)> = Vec::new();
            for c in &p.capabilities {
                if let Some((_, first)) = seen.iter().find(|(n, _)| *n == c.name) {
                    out.push(
                        Diagnostic::new(
                            Rule::NameDuplicate,
                            c.loc,
                            format!("capability \"{}\" is declared twice", c.name),
                        )
                        .label("declared again")
                        .related(*first, "first declared here")
                        .help("merge the two blocks"),
                    );
                } else {
                    seen.push((&c.name, c.loc));
                }
            }
        }
    }

    pub(super) fn duplicates(&self, out: &mut Vec<Diagnostic>) {
        let m = self.m;
        dup(out, "variable", m.variables.iter().map(|d| &d.name));
        dup(out, "connection", m.connections.iter().map(|d| &d.name));
        dup(out, "mapping", m.mappings.iter().map(|d| &d.name));
        dup(out, "action", m.actions.iter().map(|d| &d.name));
        dup(out, "flow", m.flows.iter().map(|d| &d.name));
        dup(out, "test", m.tests.iter().map(|d| &d.name));
        for c in &m.connections {
            dup(out, "param", c.params.iter().map(|p| &p.name));
            if let Some(ping) = &c.ping {
                step_dups(out, ping);
            }
        }
        for f in &m.flows {
            dup(out, "flow input", f.inputs.iter().map(|i| &i.name));
            step_dups(out, &f.steps);
        }
        for ac in &m.actions {
            step_dups(out, &ac.steps);
        }
    }

    pub(super) fn variables(&self, out: &mut Vec<Diagnostic>) {
        let vars = &self.m.variables;
        if vars.len() > MAX_VARIABLES {
            for (i, v) in vars.iter().enumerate().skip(MAX_VARIABLES) {
                out.push(
                    Diagnostic::new(
                        Rule::VariableTooMany,
                        v.name.loc,
                        format!("a project has at most {MAX_VARIABLES} tenant variables"),
                    )
                    .label(format!("variable {} of {}", i + 1, vars.len()))
                    .help("derive values in expressions, or move settings into connection params"),
                );
            }
        }
        let names: Vec<&str> = vars.iter().map(|v| v.name.name.as_str()).collect();
        let mut used: HashMap<&str, bool> = names.iter().map(|n| (*n, false)).collect();
        // The names `${…}` reads, from the project's one symbol index.
        for o in self
            .index
            .occurrences
            .iter()
            .filter(|o| o.site == Site::Expression)
        {
            match &o.symbol {
                Symbol::Variable(field) => match used.get_mut(field.as_str()) {
                    Some(u) => *u = true,
                    None => out.push(self.unknown_variable(field, o.loc, &names)),
                },
                Symbol::Param { connection, name } => {
                    let Some(c) = self.connection(connection) else {
                        continue;
                    };
                    let params = c.all_params();
                    let oauth = c.is_oauth2();
                    let known =
                        params.iter().any(|p| p.name == *name) || (oauth && name == "access_token");
                    if !known {
                        let id = Ident {
                            name: name.clone(),
                            loc: o.loc,
                        };
                        let mut d = self.unresolved(
                            &format!("param of connection `{}`", c.name.name),
                            &id,
                            params.iter().map(|p| p.name.as_str()).collect(),
                        );
                        unquote_fixes(&mut d);
                        out.push(d);
                    }
                }
                _ => {}
            }
        }
        for c in &self.m.connections {
            for p in &c.params {
                if let Some((from, loc)) = &p.from {
                    match from.strip_prefix("app.") {
                        Some(v) => {
                            if let Some(u) = used.get_mut(v) {
                                *u = true;
                            } else {
                                let mut d = Diagnostic::new(Rule::AuthMappingUnknownVariable, *loc, format!("`{from}` names no tenant variable"))
                                    .label("unknown variable");
                                d = match suggest(v, names.iter().copied()) {
                                    Some(best) => d.help(format!("did you mean `app.{best}`?")).fix(format!("Replace with `app.{best}`"), *loc, format!("\"app.{best}\"")),
                                    None => d.help(format!("declare it: `variable \"{v}\" {{ label \"…\" }}`")),
                                };
                                out.push(d);
                            }
                        }
                        None => out.push(
                            Diagnostic::new(Rule::SchemaInvalidValue, *loc, format!("`from=` must name a tenant variable as `app.NAME`, not `{from}`"))
                                .label("not app.NAME")
                                .help("write `from=\"app.subdomain\"`"),
                        ),
                    }
                }
            }
        }
        for t in &self.m.tests {
            for (id, _) in &t.run.app {
                if let Some(u) = used.get_mut(id.name.as_str()) {
                    // A test setting a variable does not make it used.
                    let _ = u;
                } else {
                    out.push(self.unresolved("tenant variable", id, names.clone()));
                }
            }
        }
        for v in vars {
            if used.get(v.name.name.as_str()) == Some(&false) {
                out.push(
                    Diagnostic::new(Rule::VariableUnused, v.name.loc, format!("tenant variable `{}` is never used", v.name.name))
                        .label("declared here, never referenced")
                        .help(format!("use it as `${{app.{}}}`, or remove it so administrators are not asked for it", v.name.name))
                        .suggestion(format!("Remove the unused variable `{}`", v.name.name), self.whole_lines(v.loc), ""),
                );
            }
        }
    }
}

fn dup<'a>(out: &mut Vec<Diagnostic>, what: &str, ids: impl Iterator<Item = &'a Ident>) {
    let mut seen: HashMap<&str, Loc> = HashMap::new();
    for id in ids {
        match seen.get(id.name.as_str()) {
            Some(first) => out.push(
                Diagnostic::new(
                    Rule::NameDuplicate,
                    id.loc,
                    format!("{what} `{}` is defined twice", id.name),
                )
                .label("defined again")
                .related(*first, "first defined here")
                .help(format!(
                    "{what} names are unique across the project; rename or remove one"
                )),
            ),
            None => {
                seen.insert(&id.name, id.loc);
            }
        }
    }
}

fn step_dups(out: &mut Vec<Diagnostic>, steps: &[Step]) {
    let mut names = Vec::new();
    intact_model::walk_steps(steps, &mut |s| names.extend(s.name.iter()));
    dup(out, "step", names.into_iter());
}
