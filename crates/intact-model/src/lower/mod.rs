//! Lowering: syntax trees to the typed definitions of `crate::defs`.
//!
//! Lowering never reports anything: it takes what is there and leaves out what is not, so that a
//! half-written file still yields every definition it can. Structural problems are the checker's
//! (driven by the catalogue); this module only needs the shapes the rest of intact reads.
//!
//! A child node is recognised by its catalogue kind under its parent (`children`), the lookup the
//! checker's schema rules use too: a node the catalogue does not allow in a place is not lowered
//! there (the checker reports it). `connection.rs` lowers connections and their auth, `steps.rs`
//! the steps of actions, flows, pings and blocks, `test.rs` tests and `test-defaults`.

mod connection;
mod steps;
mod test;

use std::sync::Arc;

use intact_syntax::{Literal, Node, Span, Value};

use crate::catalogue::{self, Kind};
use crate::defs::{
    ActionDef, CapabilityDef, Catalog, FlowDef, FlowInputDef, Ident, MappingDef, Model, ProjectDef,
    Role, Template, TestDef, Tree, VariableDef,
};
use crate::template;
use crate::{FileId, Loc, SourceFile};

struct Lowerer<'a> {
    file: FileId,
    text: &'a str,
}

/// Lowers every file; definitions keep the order of files and of nodes within them. A file
/// lowered before at the same place among the files is not lowered again
/// (`SourceFile::lowered`).
pub fn lower(files: &[std::sync::Arc<SourceFile>]) -> Model {
    let mut model = Model::default();
    for (i, f) in files.iter().enumerate() {
        model.extend(&f.lowered(FileId::from_index(i)));
    }
    apply_test_defaults(files, &mut model);
    model
}

/// One file's definitions, its locations naming it `file`, before `test-defaults` are merged
/// (they may come from another file).
pub(crate) fn lower_file(file: FileId, f: &SourceFile) -> Model {
    let mut model = Model::default();
    let l = Lowerer {
        file,
        text: f.text(),
    };
    for node in f.parse.document.live_nodes() {
        l.top(node, &mut model);
    }
    model
}

/// Each test extends the `test-defaults` of the root `intact.kdl` (every test of the project),
/// then those of its own file; what the test writes itself wins.
fn apply_test_defaults(files: &[std::sync::Arc<SourceFile>], model: &mut Model) {
    if model.test_defaults.is_empty() {
        return;
    }
    let root = files
        .iter()
        .position(|f| f.path() == std::path::Path::new(crate::project::ROOT_FILE))
        .map(FileId::from_index);
    for t in &mut model.tests {
        let file = t.loc.file;
        // Outermost first: later layers win for app values and params.
        let layers: Vec<&TestDef> = model
            .test_defaults
            .iter()
            .filter(|d| Some(d.loc.file) == root && file != d.loc.file)
            .chain(model.test_defaults.iter().filter(|d| d.loc.file == file))
            .map(|d| &**d)
            .collect();
        if layers.is_empty() {
            continue;
        }
        // The file's own lowering stays as written; this test becomes its merged copy.
        let t = std::sync::Arc::make_mut(t);
        for d in layers.into_iter().rev() {
            t.run.mocks.extend(d.run.mocks.iter().cloned());
            t.templates.extend(d.templates.iter().cloned());
            t.run.app.splice(0..0, d.run.app.iter().cloned());
            t.run.params.splice(0..0, d.run.params.iter().cloned());
            // The test's own routes match first; shared ones need not be used by every test.
            t.run
                .routes
                .extend(d.run.routes.iter().cloned().map(|mut r| {
                    r.optional.get_or_insert(true);
                    r
                }));
            if t.run.env.is_none() {
                t.run.env.clone_from(&d.run.env);
            }
        }
    }
}

fn str_arg(node: &Node, i: usize) -> Option<&Literal> {
    node.arg(i).filter(|l| matches!(l.value, Value::String(_)))
}

/// `node`'s children with their catalogue kinds under `parent`, in order; a child the catalogue
/// does not allow there is left out.
fn children(node: &Node, parent: Kind) -> impl Iterator<Item = (Kind, &Node)> {
    let spec = catalogue::spec(parent);
    node.children()
        .filter_map(move |c| Some((spec.child(c.name())?.kind, c)))
}

/// The first string argument of `node`'s first child of kind `kind`.
fn child_str(node: &Node, parent: Kind, kind: Kind) -> Option<String> {
    children(node, parent)
        .find(|(k, _)| *k == kind)
        .and_then(|(_, c)| c.arg(0))
        .and_then(|l| l.value.as_str())
        .map(str::to_string)
}

impl Lowerer<'_> {
    fn loc(&self, span: Span) -> Loc {
        Loc::new(self.file, span)
    }

    fn ident(&self, lit: &Literal) -> Option<Ident> {
        lit.value.as_str().map(|s| Ident {
            name: s.to_string(),
            loc: self.loc(lit.span),
        })
    }

    fn name_arg(&self, node: &Node, i: usize) -> Option<Ident> {
        str_arg(node, i).and_then(|l| self.ident(l))
    }

    fn prop_ident(&self, node: &Node, key: &str) -> Option<Ident> {
        node.prop(key).and_then(|l| self.ident(l))
    }

    fn template(&self, lit: &Literal) -> Option<Template> {
        lit.value.as_str().map(|s| Template {
            text: s.to_string(),
            loc: self.loc(lit.span),
            raw: self.text[lit.span.range()].to_string(),
            role: Role::Value,
        })
    }

    /// A value sent as text (a header, a query parameter, a token-request field, a setting): a
    /// string as a template; a number or a boolean as written (`5`, `1.5`, `true`).
    fn text_value(&self, lit: &Literal) -> Option<Template> {
        let text = match &lit.value {
            Value::String(_) => return self.template(lit),
            Value::Integer(_) | Value::Float(_) => self.text[lit.span.range()].to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null | Value::Invalid => return None,
        };
        Some(Template {
            text,
            loc: self.loc(lit.span),
            raw: self.text[lit.span.range()].to_string(),
            role: Role::Value,
        })
    }

    /// A top-level node: one definition, by its catalogue kind.
    fn top(&self, node: &Node, model: &mut Model) {
        let Some(kind) = catalogue::spec(Kind::File)
            .child(node.name())
            .map(|c| c.kind)
        else {
            return;
        };
        let loc = self.loc(node.span);
        match kind {
            Kind::Project => model.projects.push(Arc::new(ProjectDef {
                name: self.name_arg(node, 0),
                loc,
                capabilities: self.capabilities(node),
                catalog: self.catalog(node),
            })),
            Kind::Variable => {
                if let Some(name) = self.name_arg(node, 0) {
                    model.variables.push(Arc::new(VariableDef {
                        name,
                        label: child_str(node, Kind::Variable, Kind::Label),
                        description: child_str(node, Kind::Variable, Kind::Description),
                        loc,
                    }));
                }
            }
            Kind::Connection => {
                if let Some(name) = self.name_arg(node, 0) {
                    model
                        .connections
                        .push(Arc::new(self.connection(node, name, loc)));
                }
            }
            Kind::Mapping => {
                if let Some(name) = self.name_arg(node, 0) {
                    model.mappings.push(Arc::new(MappingDef {
                        name,
                        loc,
                        tree: self.tree(node, 1),
                        schema: self.string_prop(node, "schema"),
                    }));
                }
            }
            Kind::Action => {
                if let Some(name) = self.name_arg(node, 0) {
                    let contract = node
                        .prop("contract")
                        .and_then(|l| l.value.as_str().map(|s| (s.to_string(), self.loc(l.span))));
                    let enabled = !children(node, Kind::Action).any(|(k, c)| {
                        k == Kind::Enabled
                            && c.arg(0).is_some_and(|a| a.value == Value::Bool(false))
                    });
                    model.actions.push(Arc::new(ActionDef {
                        name,
                        loc,
                        contract,
                        connection: self.prop_ident(node, "connection"),
                        enabled,
                        steps: self.steps(node, Kind::Action),
                    }));
                }
            }
            Kind::Flow => {
                if let Some(name) = self.name_arg(node, 0) {
                    let inputs = children(node, Kind::Flow)
                        .filter(|(k, _)| *k == Kind::FlowInput)
                        .filter_map(|(_, c)| {
                            Some(FlowInputDef {
                                name: self.name_arg(c, 0)?,
                                ty: c
                                    .prop("type")
                                    .and_then(|l| l.value.as_str())
                                    .map(str::to_string),
                                required: c
                                    .prop("required")
                                    .is_some_and(|l| l.value == Value::Bool(true)),
                                default: c
                                    .prop("default")
                                    .map(|l| Tree::Scalar(l.value.clone(), self.loc(l.span))),
                                schema: self.string_prop(c, "schema"),
                            })
                        })
                        .collect();
                    model.flows.push(Arc::new(FlowDef {
                        name,
                        loc,
                        connection: self.prop_ident(node, "connection"),
                        inputs,
                        steps: self.steps(node, Kind::Flow),
                    }));
                }
            }
            Kind::Test => {
                if let Some(name) = self.name_arg(node, 0) {
                    model
                        .tests
                        .push(Arc::new(self.test(node, name, loc, Kind::Test)));
                }
            }
            Kind::TestDefaults => {
                let name = Ident {
                    name: "test-defaults".into(),
                    loc: self.loc(node.name.span),
                };
                model
                    .test_defaults
                    .push(Arc::new(self.test(node, name, loc, Kind::TestDefaults)));
            }
            _ => {}
        }
    }

    /// A project's catalog details: each first string argument, where it is written.
    fn catalog(&self, node: &Node) -> Catalog {
        let mut c = Catalog::default();
        for (kind, child) in children(node, Kind::Project) {
            let Some(lit) = str_arg(child, 0) else {
                continue;
            };
            let value = (
                lit.value.as_str().unwrap_or_default().to_string(),
                self.loc(lit.span),
            );
            match kind {
                Kind::DisplayName => c.display_name = c.display_name.or(Some(value)),
                Kind::Description => c.description = c.description.or(Some(value)),
                Kind::SupportEmail => c.support_email = c.support_email.or(Some(value)),
                Kind::UseCase => c.use_cases.push(value),
                _ => {}
            }
        }
        c
    }

    /// A project's `capability` blocks.
    fn capabilities(&self, node: &Node) -> Vec<CapabilityDef> {
        children(node, Kind::Project)
            .filter(|(k, _)| *k == Kind::Capability)
            .filter_map(|(_, c)| {
                let lit = str_arg(c, 0)?;
                let mut cap = CapabilityDef {
                    name: lit.value.as_str()?.to_string(),
                    loc: self.loc(lit.span),
                    features: Vec::new(),
                    group_operations: false,
                    group_membership: false,
                    deactivation_removes: false,
                };
                let on = |ch: &Node| ch.arg(0).is_some_and(|a| a.value == Value::Bool(true));
                for (k, ch) in children(c, Kind::Capability) {
                    match k {
                        Kind::Features => cap.features.extend(ch.args().filter_map(|a| {
                            a.value.as_str().map(|s| (s.to_string(), self.loc(a.span)))
                        })),
                        Kind::GroupOperations => cap.group_operations = on(ch),
                        Kind::GroupMembership => cap.group_membership = on(ch),
                        Kind::Deactivation => {
                            cap.deactivation_removes =
                                ch.arg(0).and_then(|a| a.value.as_str()) == Some("removes");
                        }
                        _ => {}
                    }
                }
                Some(cap)
            })
            .collect()
    }

    /// A string property's text and where it is written.
    fn string_prop(&self, node: &Node, key: &str) -> Option<(String, Loc)> {
        let l = node.prop(key)?;
        Some((l.value.as_str()?.to_string(), self.loc(l.span)))
    }

    fn scalar_tree(&self, l: &Literal) -> Tree {
        match self.template(l) {
            Some(t) if template::has_expressions(&t.text) => Tree::Template(t),
            _ => Tree::Scalar(l.value.clone(), self.loc(l.span)),
        }
    }

    /// The value tree of `node`, whose own arguments from `first_arg` on are its value.
    pub fn tree(&self, node: &Node, first_arg: usize) -> Tree {
        let loc = self.loc(node.span);
        let args: Vec<&Literal> = node.args().skip(first_arg).collect();
        let forced = node.ty.as_ref().map(|t| t.name.as_str());
        let value = |l: &Literal| -> Tree {
            match self.template(l) {
                Some(t) if template::has_expressions(&t.text) => Tree::Template(t),
                _ => Tree::Scalar(l.value.clone(), self.loc(l.span)),
            }
        };
        if node.children_block().is_some() {
            let children: Vec<&Node> = node.children().collect();
            if !children.is_empty() && children.iter().all(|c| c.name() == "-")
                || forced == Some("array")
            {
                return Tree::Array(children.iter().map(|c| self.tree(c, 0)).collect(), loc);
            }
            let fields = children
                .iter()
                .map(|c| {
                    (
                        Ident {
                            name: c.name().to_string(),
                            loc: self.loc(c.name.span),
                        },
                        self.tree(c, 0),
                    )
                })
                .collect();
            return Tree::Object(fields, loc);
        }
        match (forced, args.len()) {
            (Some("array"), _) => Tree::Array(args.iter().map(|l| value(l)).collect(), loc),
            (Some("object"), 0) => Tree::Object(Vec::new(), loc),
            (_, 0) => Tree::Scalar(Value::Null, loc),
            (_, 1) => value(args[0]),
            _ => Tree::Array(args.iter().map(|l| value(l)).collect(), loc),
        }
    }

    /// The templates of `node` (a `kind` node, or a value tree's field when `None`) and of its
    /// children: the entries the catalogue types as able to hold `${…}`. A header's or query's
    /// name, a step's name and `operation=` are text as written, so `${` in them is no
    /// expression, at check time as at run time.
    pub(super) fn collect_templates(
        &self,
        node: &Node,
        kind: Option<Kind>,
        out: &mut Vec<Template>,
    ) {
        self.entry_templates(node, kind, out);
        self.collect_child_templates(node, kind, out);
    }

    pub(super) fn collect_child_templates(
        &self,
        node: &Node,
        kind: Option<Kind>,
        out: &mut Vec<Template>,
    ) {
        let spec = kind.map(catalogue::spec);
        for c in node.children() {
            let child = spec.and_then(|s| s.child(c.name())).map(|ch| ch.kind);
            self.collect_templates(c, child, out);
        }
    }

    /// The templates among `node`'s own entries (see [`Self::collect_templates`]).
    pub(super) fn entry_templates(&self, node: &Node, kind: Option<Kind>, out: &mut Vec<Template>) {
        let spec = kind.map(catalogue::spec);
        let mut index = 0;
        for e in node.live_entries() {
            let ty = match (&e.key, spec) {
                (_, None) => None,
                (Some(k), Some(s)) => s.prop(&k.text).map(|p| p.ty),
                (None, Some(s)) => {
                    index += 1;
                    s.arg_ty(index - 1)
                }
            };
            // A type the catalogue does not give (an unknown property, an extra argument) is
            // still read as a template: its expressions are checked all the same.
            if ty.is_none_or(|t| t.may_hold_expressions())
                && let Some(t) = self.template(&e.value)
            {
                out.push(t);
            }
        }
    }
}
