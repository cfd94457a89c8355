//! The outline of a file (project, variables, connections with their params, mappings, actions
//! with their contract and steps, flows with their inputs and steps, tests) and the project's
//! symbols by name, for an editor's "go to symbol".

use crate::Snapshot;
use intact_model::{FileId, Ident, Loc, Step};
use intact_syntax::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutlineKind {
    Project,
    Variable,
    Connection,
    Param,
    Mapping,
    Action,
    Flow,
    Input,
    Step,
    Test,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutlineItem {
    pub name: String,
    pub kind: OutlineKind,
    /// A contract, an auth form: what tells items apart at a glance.
    pub detail: Option<String>,
    /// The whole node.
    pub span: Span,
    /// The name, where the editor puts the cursor.
    pub name_span: Span,
    pub children: Vec<OutlineItem>,
}

/// The outline of `file`, in file order.
pub fn outline(analysis: &Snapshot, file: FileId) -> Vec<OutlineItem> {
    let m = &analysis.model;
    let mut out = Vec::new();
    let item = |id: &Ident, loc: Loc, kind, detail: Option<String>, children| OutlineItem {
        name: id.name.clone(),
        kind,
        detail,
        span: loc.span.cover(id.loc.span),
        name_span: id.loc.span,
        children,
    };
    for p in m.projects.iter().filter(|p| p.loc.file == file) {
        if let Some(name) = &p.name {
            out.push(item(name, p.loc, OutlineKind::Project, None, Vec::new()));
        }
    }
    for v in m.variables.iter().filter(|v| v.loc.file == file) {
        out.push(item(
            &v.name,
            v.loc,
            OutlineKind::Variable,
            v.label.clone(),
            Vec::new(),
        ));
    }
    for c in m.connections.iter().filter(|c| c.loc.file == file) {
        let params = c
            .params
            .iter()
            .map(|p| item(&p.name, p.loc, OutlineKind::Param, None, Vec::new()))
            .collect();
        let detail = c.auth.as_ref().map(|a| format!("auth \"{}\"", a.form));
        out.push(item(
            &c.name,
            c.loc,
            OutlineKind::Connection,
            detail,
            params,
        ));
    }
    for mp in m.mappings.iter().filter(|x| x.loc.file == file) {
        out.push(item(
            &mp.name,
            mp.loc,
            OutlineKind::Mapping,
            None,
            Vec::new(),
        ));
    }
    for a in m.actions.iter().filter(|x| x.loc.file == file) {
        let detail = a.contract.as_ref().map(|(id, _)| id.clone());
        out.push(item(
            &a.name,
            a.loc,
            OutlineKind::Action,
            detail,
            steps(&a.steps),
        ));
    }
    for f in m.flows.iter().filter(|x| x.loc.file == file) {
        let mut children: Vec<OutlineItem> = f
            .inputs
            .iter()
            .map(|i| {
                item(
                    &i.name,
                    i.name.loc,
                    OutlineKind::Input,
                    i.ty.clone(),
                    Vec::new(),
                )
            })
            .collect();
        children.extend(steps(&f.steps));
        out.push(item(&f.name, f.loc, OutlineKind::Flow, None, children));
    }
    for t in m.tests.iter().filter(|x| x.loc.file == file) {
        let detail = t
            .action
            .as_ref()
            .map(|a| format!("action {}", a.name))
            .or_else(|| t.flow.as_ref().map(|f| format!("flow {}", f.name)));
        out.push(item(&t.name, t.loc, OutlineKind::Test, detail, Vec::new()));
    }
    out.sort_by_key(|i| i.span.start);
    out
}

/// The named steps of a body, nested ones under their block's named steps or flattened.
fn steps(steps: &[Step]) -> Vec<OutlineItem> {
    let mut out = Vec::new();
    for s in steps {
        let mut inner = self::steps(&s.body);
        for b in s.branches() {
            inner.extend(self::steps(std::slice::from_ref(b)));
        }
        match &s.name {
            Some(n) => out.push(OutlineItem {
                name: n.name.clone(),
                kind: OutlineKind::Step,
                detail: None,
                span: s.loc.span.cover(n.loc.span),
                name_span: n.loc.span,
                children: inner,
            }),
            None => out.extend(inner),
        }
    }
    out
}

/// The project's top-level symbols whose names contain `query` (any case), with their files.
pub fn project_symbols(analysis: &Snapshot, query: &str) -> Vec<(FileId, OutlineItem)> {
    let q = query.to_lowercase();
    let mut out = Vec::new();
    for file in (0..analysis.files.len()).map(FileId::from_index) {
        for item in outline(analysis, file) {
            if item.name.to_lowercase().contains(&q) {
                out.push((
                    file,
                    OutlineItem {
                        children: Vec::new(),
                        ..item
                    },
                ));
            }
        }
    }
    out
}
