//! Rules over the whole project model: the project node, names and their resolution, variables,
//! auth, connections, contracts, flows, HTTP requests and tests. `check_model` runs them in
//! order; each file holds one group (`definitions`, `connections`, `actions`, `flows`, `testing`),
//! and this one what they share.

mod actions;
mod connections;
mod definitions;
mod flows;
mod secrets;
mod testing;

use std::collections::HashMap;

use intact_model::catalogue::AuthKind;
use intact_model::symbols::SymbolIndex;
use intact_model::{Analysis, ConnectionDef, FlowDef, Ident, Loc, Model, ProjectDef, project};

use crate::registry::Rule;
use crate::{Diagnostic, suggest};

pub(crate) fn check_model(
    a: &Analysis,
    mapping_calls: &intact_semantic::calls::CallGraph,
    out: &mut Vec<Diagnostic>,
) {
    let m = &a.model;
    let cx = ModelRules {
        a,
        m,
        index: a.symbols(),
    };
    cx.project(out);
    cx.duplicates(out);
    cx.variables(out);
    cx.connections(out);
    cx.contracts(out);
    cx.flows(out);
    cx.tests(out);
    cx.cycles(mapping_calls, out);
    cx.secrets(out);
}

struct ModelRules<'a> {
    a: &'a Analysis,
    m: &'a Model,
    /// Every name's definition and references: whether a name resolves is read here, once.
    index: &'a SymbolIndex,
}

/// Where a step list lives, for resolving its requests' connection.
struct Owner<'a> {
    connection: Option<&'a Ident>,
    /// The connection a ping belongs to.
    fixed: Option<&'a ConnectionDef>,
    what: &'static str,
    name: &'a str,
}

impl<'a> ModelRules<'a> {
    /// The project node that counts: the one in the root intact.kdl, else the first.
    fn project_def(&self) -> Option<&'a ProjectDef> {
        self.a.project()
    }

    fn connection(&self, name: &str) -> Option<&'a ConnectionDef> {
        self.m
            .connections
            .iter()
            .find(|c| c.name.name == name)
            .map(|c| &**c)
    }

    fn flow(&self, name: &str) -> Option<&'a FlowDef> {
        self.m
            .flows
            .iter()
            .find(|f| f.name.name == name)
            .map(|f| &**f)
    }

    fn unresolved(&self, what: &str, id: &Ident, candidates: Vec<&str>) -> Diagnostic {
        let mut d = Diagnostic::new(
            Rule::NameUnresolved,
            id.loc,
            format!("no {what} named `{}`", id.name),
        )
        .label(format!("unknown {what}"));
        d = match suggest(&id.name, candidates.iter().copied()) {
            Some(best) => d.help(format!("did you mean `{best}`?")).fix(
                format!("Replace with `{best}`"),
                id.loc,
                intact_syntax::quote(best),
            ),
            None if candidates.is_empty() => d.help(format!("the project defines no {what}")),
            None => d.help(format!("defined {what}s: {}", candidates.join(", "))),
        };
        d
    }

    /// `app.NAME` in an expression where the project declares no `NAME`: did-you-mean, or declare
    /// it in the root file beside the project.
    fn unknown_variable(&self, field: &str, loc: Loc, names: &[&str]) -> Diagnostic {
        let id = Ident {
            name: field.to_string(),
            loc,
        };
        let mut d = self.unresolved("tenant variable", &id, names.to_vec());
        unquote_fixes(&mut d);
        let root = self
            .a
            .file_id(std::path::Path::new(project::ROOT_FILE))
            .unwrap_or(loc.file);
        let mut decl = intact_syntax::build::Doc::new();
        decl.blank();
        decl.push(
            intact_syntax::build::Node::new("variable")
                .arg(field)
                .child(intact_syntax::build::Node::new("label").arg(field)),
        );
        d.suggestion(
            format!("Declare tenant variable `{field}`"),
            self.end_of_file(root),
            format!("\n{}", decl.print()),
        )
    }
}

/// A did-you-mean inside `${…}` replaces the bare name, not a quoted one.
fn unquote_fixes(d: &mut Diagnostic) {
    d.fixes.iter_mut().for_each(|f| {
        f.edits
            .iter_mut()
            .for_each(|e| e.1 = e.1.trim_matches('"').to_string())
    });
}
