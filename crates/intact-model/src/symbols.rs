//! One index of every definition and every reference of a project, from KDL (`connection="api"`,
//! a `call`'s flow, a test's `action=`) and from expressions (`app.subdomain`, `auth.token`,
//! `steps.created`, `input.id`, `scim_user(…)`). Navigation, references, highlights and rename
//! read it; each occurrence knows how it is written, so that a rename writes it back correctly.

use std::collections::HashMap;

use intact_expr::Reference;

use crate::template;

mod env;
use crate::{
    Analysis, ConnectionDef, FileId, Ident, Loc, Model, Step, StepKind, Template, TestRun, Tree,
};

/// What a name names, with the scope that makes it unique.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Symbol {
    Variable(String),
    Connection(String),
    Param {
        connection: String,
        name: String,
    },
    Mapping(String),
    Action(String),
    Flow(String),
    FlowInput {
        flow: String,
        name: String,
    },
    Step {
        owner: Owner,
        name: String,
    },
    Test(String),
    /// A contract of the registry: referenced, never defined in the project.
    Contract(String),
}

/// Where steps live: their names are unique per owner.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Owner {
    Action(String),
    Flow(String),
    /// A connection's `ping`.
    Ping(String),
}

impl Symbol {
    /// The name as written.
    pub fn name(&self) -> &str {
        match self {
            Symbol::Variable(n)
            | Symbol::Connection(n)
            | Symbol::Mapping(n)
            | Symbol::Action(n)
            | Symbol::Flow(n)
            | Symbol::Test(n)
            | Symbol::Contract(n) => n,
            Symbol::Param { name, .. }
            | Symbol::FlowInput { name, .. }
            | Symbol::Step { name, .. } => name,
        }
    }

    /// What kind of thing it is, for messages: "tenant variable", "step".
    pub fn what(&self) -> &'static str {
        match self {
            Symbol::Variable(_) => "tenant variable",
            Symbol::Connection(_) => "connection",
            Symbol::Param { .. } => "param",
            Symbol::Mapping(_) => "mapping",
            Symbol::Action(_) => "action",
            Symbol::Flow(_) => "flow",
            Symbol::FlowInput { .. } => "flow input",
            Symbol::Step { .. } => "step",
            Symbol::Test(_) => "test",
            Symbol::Contract(_) => "contract",
        }
    }

    /// The same kind of symbol, in the same scope, named `name`.
    pub fn renamed(&self, name: &str) -> Symbol {
        let n = name.to_string();
        match self {
            Symbol::Variable(_) => Symbol::Variable(n),
            Symbol::Connection(_) => Symbol::Connection(n),
            Symbol::Mapping(_) => Symbol::Mapping(n),
            Symbol::Action(_) => Symbol::Action(n),
            Symbol::Flow(_) => Symbol::Flow(n),
            Symbol::Test(_) => Symbol::Test(n),
            Symbol::Contract(_) => Symbol::Contract(n),
            Symbol::Param { connection, .. } => Symbol::Param {
                connection: connection.clone(),
                name: n,
            },
            Symbol::FlowInput { flow, .. } => Symbol::FlowInput {
                flow: flow.clone(),
                name: n,
            },
            Symbol::Step { owner, .. } => Symbol::Step {
                owner: owner.clone(),
                name: n,
            },
        }
    }
}

/// How an occurrence is written, so that a new name can be written in its place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// A KDL string, quotes included in the location: `"api"`.
    Literal,
    /// The bare name: inside an expression, or a property key.
    Bare,
    /// A KDL string holding the name after a prefix: `from="app.subdomain"`.
    Prefixed(&'static str),
    /// A key of an environment file (TOML): `subdomain = "acme"`, `[connection.api]`.
    TomlKey,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub symbol: Symbol,
    pub loc: Loc,
    pub form: Form,
    pub site: Site,
}

impl Occurrence {
    /// The definition, rather than a reference.
    pub fn is_definition(&self) -> bool {
        self.site == Site::Definition
    }
}

/// Where an occurrence is written, which the checker's rules tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    /// The definition.
    Definition,
    /// A name read inside `${…}`.
    Expression,
    /// The flow of a `call` step: `call "found" "lookup"`.
    Call,
    /// A test's `action=` or `flow=`.
    TestTarget,
    /// Any other name written in KDL: `connection="api"`, `from="app.x"`, a test's `app` key, a
    /// contract id.
    Kdl,
    /// A key of an environment file: a tenant variable under `[app]`, a connection's section
    /// `[connection.NAME]` and its params. Names the project does not define are the env file
    /// rules' (`env::unknown-name`), not the name rules'.
    Env,
}

/// Every occurrence of every symbol of a model.
#[derive(Debug, Default)]
pub struct SymbolIndex {
    pub occurrences: Vec<Occurrence>,
    by_symbol: HashMap<Symbol, Vec<usize>>,
}

impl SymbolIndex {
    /// The index of an analysis (see [`Analysis::symbols`], which builds it once).
    pub fn new(analysis: &Analysis) -> SymbolIndex {
        let mut b = Builder {
            analysis,
            model: &analysis.model,
            out: Vec::new(),
            refs: HashMap::new(),
        };
        b.model();
        // A `test-defaults` block is merged into every test it serves: its names are seen once
        // through the block and again through each test, at the same place. One occurrence each,
        // or a rename would edit the same text twice.
        let mut seen = std::collections::HashSet::new();
        b.out.retain(|o| seen.insert((o.loc, o.symbol.clone())));
        let mut by_symbol: HashMap<Symbol, Vec<usize>> = HashMap::new();
        for (i, o) in b.out.iter().enumerate() {
            by_symbol.entry(o.symbol.clone()).or_default().push(i);
        }
        SymbolIndex {
            occurrences: b.out,
            by_symbol,
        }
    }

    /// The occurrence at `offset` of `file` (an offset at the end of a name counts as on it).
    pub fn at(&self, file: FileId, offset: u32) -> Option<&Occurrence> {
        self.occurrences
            .iter()
            .filter(|o| o.loc.file == file && o.loc.span.touches(offset))
            .min_by_key(|o| o.loc.span.len())
    }

    /// Every occurrence of `symbol`, its definition first when it has one.
    pub fn occurrences(&self, symbol: &Symbol) -> Vec<&Occurrence> {
        let mut all: Vec<&Occurrence> = self
            .by_symbol
            .get(symbol)
            .into_iter()
            .flatten()
            .map(|&i| &self.occurrences[i])
            .collect();
        all.sort_by_key(|o| (!o.is_definition(), o.loc));
        all
    }

    pub fn definition(&self, symbol: &Symbol) -> Option<&Occurrence> {
        self.occurrences(symbol)
            .into_iter()
            .find(|o| o.is_definition())
    }
}

struct Builder<'a> {
    analysis: &'a Analysis,
    model: &'a Model,
    out: Vec<Occurrence>,
    /// The names each distinct expression text uses: a project repeats its expressions
    /// (`${steps.get.body}`).
    refs: HashMap<&'a str, Vec<Reference<'a>>>,
}

/// What an expression's names mean where it is written.
#[derive(Clone, Copy)]
struct Scope<'a> {
    /// The connection whose params `auth.X` reads.
    conn: Option<&'a str>,
    /// The owner of the steps `steps.X` reads.
    owner: Option<&'a Owner>,
    /// The flow whose inputs `input.X` reads.
    flow: Option<&'a str>,
}

impl<'a> Builder<'a> {
    fn push(&mut self, symbol: Symbol, loc: Loc, form: Form, site: Site) {
        self.out.push(Occurrence {
            symbol,
            loc,
            form,
            site,
        });
    }

    fn def(&mut self, symbol: Symbol, id: &Ident) {
        self.push(symbol, id.loc, Form::Literal, Site::Definition);
    }

    fn reference(&mut self, symbol: Symbol, id: &Ident) {
        self.push(symbol, id.loc, Form::Literal, Site::Kdl);
    }

    /// The connection a name (or the project's only connection) stands for.
    fn connection(&self, named: Option<&'a Ident>) -> Option<&'a ConnectionDef> {
        self.model.connection(named.map(|n| n.name.as_str()))
    }

    /// Every definition of the model and the references in it, kind by kind.
    fn model(&mut self) {
        self.env_files();
        for v in &self.model.variables {
            self.def(Symbol::Variable(v.name.name.clone()), &v.name);
        }
        self.connections();
        self.mappings();
        self.actions();
        self.flows();
        // `test-defaults` blocks name connections and variables like tests do.
        for t in &self.model.test_defaults {
            self.test_run(&t.run);
        }
        self.tests();
    }

    /// Connections with their params (and the tenant variables a param is `from`) and the names
    /// their templates use; then each ping's steps.
    fn connections(&mut self) {
        let m = self.model;
        for c in &m.connections {
            let name = c.name.name.as_str();
            self.def(Symbol::Connection(name.to_string()), &c.name);
            for p in &c.params {
                self.def(
                    Symbol::Param {
                        connection: name.to_string(),
                        name: p.name.name.clone(),
                    },
                    &p.name,
                );
                if let Some((from, loc)) = &p.from
                    && let Some(var) = from.strip_prefix("app.")
                {
                    self.push(
                        Symbol::Variable(var.to_string()),
                        *loc,
                        Form::Prefixed("app."),
                        Site::Kdl,
                    );
                }
            }
            let scope = Scope {
                conn: Some(name),
                owner: None,
                flow: None,
            };
            for t in c.templates() {
                self.template(t, scope);
            }
        }
        for c in &m.connections {
            if let Some(ping) = &c.ping {
                let owner = Owner::Ping(c.name.name.clone());
                self.steps(ping, &owner, Some(c.name.name.as_str()), None);
            }
        }
    }

    fn mappings(&mut self) {
        for mp in &self.model.mappings {
            self.def(Symbol::Mapping(mp.name.name.clone()), &mp.name);
            self.tree(
                &mp.tree,
                Scope {
                    conn: None,
                    owner: None,
                    flow: None,
                },
            );
        }
    }

    /// Actions with their contract, their connection and their steps.
    fn actions(&mut self) {
        for a in &self.model.actions {
            self.def(Symbol::Action(a.name.name.clone()), &a.name);
            if let Some((id, loc)) = &a.contract {
                self.push(Symbol::Contract(id.clone()), *loc, Form::Literal, Site::Kdl);
            }
            if let Some(c) = &a.connection {
                self.reference(Symbol::Connection(c.name.clone()), c);
            }
            let conn = self
                .connection(a.connection.as_ref())
                .map(|c| c.name.name.as_str());
            let owner = Owner::Action(a.name.name.clone());
            self.steps(&a.steps, &owner, conn, None);
        }
    }

    /// Flows with their connection, their inputs and their steps.
    fn flows(&mut self) {
        for f in &self.model.flows {
            let name = f.name.name.as_str();
            self.def(Symbol::Flow(name.to_string()), &f.name);
            if let Some(c) = &f.connection {
                self.reference(Symbol::Connection(c.name.clone()), c);
            }
            for i in &f.inputs {
                self.def(
                    Symbol::FlowInput {
                        flow: name.to_string(),
                        name: i.name.name.clone(),
                    },
                    &i.name,
                );
            }
            let conn = self
                .connection(f.connection.as_ref())
                .map(|c| c.name.name.as_str());
            let owner = Owner::Flow(name.to_string());
            self.steps(&f.steps, &owner, conn, Some(name));
        }
    }

    /// Tests with their target (an action or a flow), what they set and mock, and the names their
    /// templates use.
    fn tests(&mut self) {
        for t in &self.model.tests {
            self.def(Symbol::Test(t.name.name.clone()), &t.name);
            if let Some(a) = &t.action {
                self.push(
                    Symbol::Action(a.name.clone()),
                    a.loc,
                    Form::Literal,
                    Site::TestTarget,
                );
            }
            if let Some(f) = &t.flow {
                self.push(
                    Symbol::Flow(f.name.clone()),
                    f.loc,
                    Form::Literal,
                    Site::TestTarget,
                );
            }
            self.test_run(&t.run);
            let scope = Scope {
                conn: None,
                owner: None,
                flow: None,
            };
            for tpl in &t.templates {
                self.template(tpl, scope);
            }
        }
    }

    /// What a test (or a `test-defaults` block) names: the tenant variables it sets (`app` keys),
    /// the connections it gives params or mocks, and those params.
    fn test_run(&mut self, run: &'a TestRun) {
        for (v, _) in &run.app {
            self.push(
                Symbol::Variable(v.name.clone()),
                v.loc,
                Form::Bare,
                Site::Kdl,
            );
        }
        for c in run.params.iter().map(|(c, _)| c).chain(&run.mocks) {
            self.reference(Symbol::Connection(c.name.clone()), c);
        }
        self.test_params(&run.params);
    }

    /// `params "api" region="eu"`: each key is a param of that connection (a property key, bare).
    fn test_params(&mut self, params: &[(Ident, Vec<(Ident, Tree)>)]) {
        for (conn, values) in params {
            for (key, _) in values {
                let symbol = Symbol::Param {
                    connection: conn.name.clone(),
                    name: key.name.clone(),
                };
                self.push(symbol, key.loc, Form::Bare, Site::Kdl);
            }
        }
    }

    fn steps(
        &mut self,
        steps: &'a [Step],
        owner: &Owner,
        conn: Option<&'a str>,
        flow: Option<&'a str>,
    ) {
        for s in steps {
            if let Some(n) = &s.name {
                self.def(
                    Symbol::Step {
                        owner: owner.clone(),
                        name: n.name.clone(),
                    },
                    n,
                );
            }
            // A request through another connection reads that connection's params.
            let mut step_conn = conn;
            match &s.kind {
                StepKind::Request(r) => {
                    if let Some(c) = &r.connection {
                        self.reference(Symbol::Connection(c.name.clone()), c);
                        step_conn = Some(c.name.as_str());
                    }
                }
                StepKind::Call {
                    flow: Some(f),
                    args,
                } => {
                    self.push(
                        Symbol::Flow(f.name.clone()),
                        f.loc,
                        Form::Literal,
                        Site::Call,
                    );
                    // `call "found" "lookup" { user_name "…" }`: each child names an input of
                    // the flow called.
                    for a in args {
                        let symbol = Symbol::FlowInput {
                            flow: f.name.clone(),
                            name: a.name.clone(),
                        };
                        self.push(symbol, a.loc, Form::Bare, Site::Kdl);
                    }
                }
                _ => {}
            }
            let scope = Scope {
                conn: step_conn,
                owner: Some(owner),
                flow,
            };
            for t in &s.templates {
                self.template(t, scope);
            }
            self.steps(&s.body, owner, conn, flow);
            for b in s.branches() {
                self.steps(std::slice::from_ref(b), owner, conn, flow);
            }
        }
    }

    fn tree(&mut self, tree: &'a Tree, scope: Scope<'_>) {
        let mut ts = Vec::new();
        tree.templates(&mut ts);
        for t in ts {
            self.template(t, scope);
        }
    }

    fn template(&mut self, t: &'a Template, scope: Scope<'_>) {
        for seg in template::segments(&t.text) {
            let refs = self
                .refs
                .entry(seg.expr)
                .or_insert_with(|| match self.analysis.expression(seg.expr).as_ref() {
                    Ok(parsed) => parsed.references(seg.expr),
                    // A syntax error is reported on its own; its names are unknown.
                    Err(_) => Vec::new(),
                })
                .clone();
            for r in refs {
                let (symbol, offset, len) = match r {
                    Reference::Member {
                        root,
                        field,
                        offset,
                    } => {
                        let symbol = match root {
                            "app" => Symbol::Variable(field.to_string()),
                            "auth" => match scope.conn {
                                Some(c) => Symbol::Param {
                                    connection: c.to_string(),
                                    name: field.to_string(),
                                },
                                None => continue,
                            },
                            "steps" => match scope.owner {
                                Some(o) => Symbol::Step {
                                    owner: o.clone(),
                                    name: field.to_string(),
                                },
                                None => continue,
                            },
                            "input" => match scope.flow {
                                Some(f) => Symbol::FlowInput {
                                    flow: f.to_string(),
                                    name: field.to_string(),
                                },
                                None => continue,
                            },
                            _ => continue,
                        };
                        (symbol, offset, field.len())
                    }
                    Reference::Call { name, offset } => {
                        if !self.model.mappings.iter().any(|m| m.name.name == name) {
                            continue;
                        }
                        (Symbol::Mapping(name.to_string()), offset, name.len())
                    }
                };
                let loc = t.sub_loc(seg.offset + offset, len);
                self.out.push(Occurrence {
                    symbol,
                    loc,
                    form: Form::Bare,
                    site: Site::Expression,
                });
            }
        }
    }
}
