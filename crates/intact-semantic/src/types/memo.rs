//! What typing found for each flow and action, kept for the analysis after an edit (decision
//! 0013): a definition the edit did not touch, whose surroundings are the same, is not typed
//! again.
//!
//! "The same" is decided by identity, not by comparing contents: lowering shares a definition
//! (`Arc`) between two analyses only when its file's text and place among the files are
//! unchanged, so an unchanged `Arc` is an unchanged definition with unchanged locations. What
//! a flow's or action's typing reads outside itself is the [`Context`] (the files' paths, the
//! variables and connections, the mappings' result types, the OpenAPI documents) and the flows it calls (their
//! inputs, for `flow::call-arguments`, and their return types, for `steps.NAME` of a `call`).
//! A kept result is taken when the context is identical and every callee is the same definition
//! returning the same type, typed (or taken) just before in this pass. Tests are always typed
//! again: their expectations read every action and flow they run.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use intact_diagnostics::Diagnostic;
use intact_expr::Type;
use intact_model::{ActionDef, Analysis, ConnectionDef, FlowDef, Loc, VariableDef};

use crate::documents::Documents;

/// What typing found for every flow and action of one analysis, and what it read.
#[derive(Default)]
pub(crate) struct Memo {
    context: Option<Context>,
    flows: HashMap<usize, Arc<Kept<FlowDef>>>,
    actions: HashMap<usize, Arc<Kept<ActionDef>>>,
    /// How many of them this pass took from the pass before.
    taken: usize,
}

/// What a definition's typing reads from outside itself and its callees.
#[derive(Clone)]
struct Context {
    /// Every location names a file by its place in this list.
    paths: Vec<PathBuf>,
    variables: Vec<Arc<VariableDef>>,
    connections: Vec<Arc<ConnectionDef>>,
    /// What each mapping returns: a call of a mapping reads its type, nothing else of it (an
    /// edit to a file of mappings retypes the flows only when a type changed).
    mappings: super::Mappings,
    documents: crate::documents::Identity,
}

impl Context {
    fn of(a: &Analysis, docs: &Documents, mappings: &super::Mappings) -> Context {
        Context {
            paths: a.files.iter().map(|f| f.path().to_path_buf()).collect(),
            variables: a.model.variables.clone(),
            connections: a.model.connections.clone(),
            mappings: mappings.clone(),
            documents: docs.identity(),
        }
    }

    fn same(&self, other: &Context) -> bool {
        fn all_shared<T>(x: &[Arc<T>], y: &[Arc<T>]) -> bool {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| Arc::ptr_eq(a, b))
        }
        self.paths == other.paths
            && self.documents == other.documents
            && all_shared(&self.variables, &other.variables)
            && all_shared(&self.connections, &other.connections)
            && (Arc::ptr_eq(&self.mappings, &other.mappings) || self.mappings == other.mappings)
    }
}

/// One definition's typing: what it reported, the types of its named steps, what it returns
/// (a flow) and the callees it saw.
pub(crate) struct Kept<T> {
    /// Held so that the key (its address) names this definition for as long as the memo lives.
    def: Arc<T>,
    pub(crate) findings: Vec<Diagnostic>,
    pub(crate) steps: Vec<(Loc, Type)>,
    pub(crate) returns: Option<Type>,
    callees: Vec<Callee>,
}

/// A flow a definition calls, as its typing saw it.
#[derive(Clone)]
pub(crate) struct Callee {
    pub(crate) name: String,
    /// The flow the name resolved to.
    pub(crate) def: Option<Arc<FlowDef>>,
    /// Its return type then (`None` inside a cycle: not typed yet).
    pub(crate) returns: Option<Type>,
}

impl PartialEq for Callee {
    fn eq(&self, other: &Callee) -> bool {
        let same_def = match (&self.def, &other.def) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        self.name == other.name && same_def && self.returns == other.returns
    }
}

fn key<T>(def: &Arc<T>) -> usize {
    Arc::as_ptr(def) as usize
}

impl Memo {
    /// An empty memo for the pass over `a`, recording what it reads.
    pub(crate) fn for_pass(a: &Analysis, docs: &Documents, mappings: &super::Mappings) -> Memo {
        Memo {
            context: Some(Context::of(a, docs, mappings)),
            ..Memo::default()
        }
    }

    /// Whether `earlier`'s results may be taken by this pass: the same context.
    pub(crate) fn can_take_from(&self, earlier: &Memo) -> bool {
        match (&self.context, &earlier.context) {
            (Some(now), Some(then)) => now.same(then),
            _ => false,
        }
    }

    /// The kept typing of `f`, when it called the same flows returning the same types.
    pub(crate) fn flow(&self, f: &Arc<FlowDef>, callees: &[Callee]) -> Option<&Arc<Kept<FlowDef>>> {
        self.flows
            .get(&key(f))
            .filter(|k| Arc::ptr_eq(&k.def, f) && k.callees == callees)
    }

    pub(crate) fn action(
        &self,
        ac: &Arc<ActionDef>,
        callees: &[Callee],
    ) -> Option<&Arc<Kept<ActionDef>>> {
        self.actions
            .get(&key(ac))
            .filter(|k| Arc::ptr_eq(&k.def, ac) && k.callees == callees)
    }

    pub(crate) fn keep_flow(&mut self, f: &Arc<FlowDef>, found: Found) {
        self.flows.insert(key(f), Arc::new(found.of(f.clone())));
    }

    pub(crate) fn keep_action(&mut self, ac: &Arc<ActionDef>, found: Found) {
        self.actions.insert(key(ac), Arc::new(found.of(ac.clone())));
    }

    /// A typing taken from the pass before, kept for the next.
    pub(crate) fn keep_flow_again(&mut self, kept: &Arc<Kept<FlowDef>>) {
        self.taken += 1;
        self.flows.insert(key(&kept.def), kept.clone());
    }

    pub(crate) fn keep_action_again(&mut self, kept: &Arc<Kept<ActionDef>>) {
        self.taken += 1;
        self.actions.insert(key(&kept.def), kept.clone());
    }

    /// How many flows and actions this pass typed, and how many of them it took from the pass
    /// before.
    pub(crate) fn counts(&self) -> (usize, usize) {
        (self.flows.len() + self.actions.len(), self.taken)
    }
}

/// One definition's typing before it is kept.
pub(crate) struct Found {
    pub(crate) findings: Vec<Diagnostic>,
    pub(crate) steps: Vec<(Loc, Type)>,
    pub(crate) returns: Option<Type>,
    pub(crate) callees: Vec<Callee>,
}

impl Found {
    fn of<T>(self, def: Arc<T>) -> Kept<T> {
        Kept {
            def,
            findings: self.findings,
            steps: self.steps,
            returns: self.returns,
            callees: self.callees,
        }
    }
}
