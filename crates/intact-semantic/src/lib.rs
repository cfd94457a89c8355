//! What a project's expressions mean, as rust-analyzer's `hir` is to its `ide`: every `${…}` typed
//! in the scope where it stands (the inputs of its action or flow, the steps run before it, the
//! mappings, the contract's schemas, the response types of the OpenAPI operations its requests
//! name). [`Semantics`] is computed once per analysis and read by the checker (its findings) and
//! the editor features (the type of each step, the scope at a place).
//!
//! Typing reports what typing finds, with the codes of docs/rules: `expr::*`, returns against
//! their contract (`contract::output-*`, `flow::missing-return`), `flow::call-arguments`, a test's
//! input and expectations (`test::input`, `test::expect`), a JSON body against its operation
//! (`openapi::body-*`), and `schema=` references (`name::unresolved`).
//!
//! Like the analysis, it is a pure function of the texts and of what the host hands over: the
//! OpenAPI documents' digests come from the host's [`DocumentCache`], whose optional
//! [`DigestStore`] is the only way a digest reaches a disk.

pub mod calls;
pub mod documents;
mod types;

use intact_diagnostics::Diagnostic;
use std::sync::Arc;

use intact_model::{Analysis, FileId, Loc, MappingDef, VariableDef};

pub use documents::{DigestStore, DocumentCache, Documents};
pub use intact_expr::{Env, Type};

/// What is in scope at `offset` of `file`, typing only the definition that holds the place (and
/// the mappings): for an editor's snapshot whose [`Semantics`] are not computed yet.
pub fn scope_at(a: &Analysis, cache: &DocumentCache, file: FileId, offset: u32) -> Option<Env> {
    types::scope_at(a, &Documents::read(a, cache), None, (file, offset))
}

/// [`scope_at`] on an analysis after an edit to the one `earlier` are the semantics of: the
/// mappings' types are taken from `earlier` when the edit left the mappings and what they read
/// alone, so only the definition at the place is typed (without them, which mapping calls
/// which needs the whole project's symbol index).
pub fn scope_after(
    earlier: &Semantics,
    a: &Analysis,
    cache: &DocumentCache,
    file: FileId,
    offset: u32,
) -> Option<Env> {
    let documents = Documents::read(a, cache);
    let known = earlier
        .mappings_still_hold(a, &documents)
        .then_some(&earlier.mappings);
    types::scope_at(a, &documents, known, (file, offset))
}

/// The semantics of one analysis.
pub struct Semantics {
    documents: Documents,
    findings: Vec<Diagnostic>,
    /// The result type of every named step, by where its name is written, in location order.
    step_types: Vec<(Loc, Type)>,
    /// Which mapping calls which (`flow::cycle` reads it too).
    mapping_calls: calls::CallGraph,
    mappings: types::Mappings,
    /// Each flow's and action's typing, which the semantics after an edit take when the edit did
    /// not touch them (`Semantics::after`).
    memo: types::Memo,
    /// What the mappings' types were computed from (besides the documents).
    mapping_inputs: (Vec<Arc<MappingDef>>, Vec<Arc<VariableDef>>),
}

impl Semantics {
    /// Types every definition of `a`; the OpenAPI documents come from `cache` (read once per
    /// host, then kept as digests).
    pub fn new(a: &Analysis, cache: &DocumentCache) -> Semantics {
        Semantics::typed(a, cache, None)
    }

    /// The semantics of `a`, an edit after the analysis `earlier` are the semantics of: the flows
    /// and actions the edit did not touch (nor what they read) are not typed again (decision
    /// 0013). The same findings and types as [`Semantics::new`], sooner.
    pub fn after(earlier: &Semantics, a: &Analysis, cache: &DocumentCache) -> Semantics {
        Semantics::typed(a, cache, Some(&earlier.memo))
    }

    fn typed(a: &Analysis, cache: &DocumentCache, earlier: Option<&types::Memo>) -> Semantics {
        // The symbol index before the documents: a host reading them on another thread
        // (`DocumentCache::prefetch`) has this long to finish.
        let mapping_calls = calls::mapping_calls(&a.model, a.symbols());
        let documents = Documents::read(a, cache);
        let mut typed = types::all(a, &documents, &mapping_calls, earlier);
        types::test_inputs(a, &mut typed.findings);
        documents.save();
        Semantics {
            documents,
            findings: typed.findings,
            step_types: typed.steps,
            mapping_calls,
            mappings: typed.mappings,
            memo: typed.memo,
            mapping_inputs: (a.model.mappings.clone(), a.model.variables.clone()),
        }
    }

    /// What typing found, unsorted (the checker sorts, filters and caps all findings together).
    pub fn findings(&self) -> &[Diagnostic] {
        &self.findings
    }

    /// The project's OpenAPI documents (operations, response and body types).
    pub fn documents(&self) -> &Documents {
        &self.documents
    }

    /// The result type of each named step of `file`, where its name is written: what a request,
    /// a `call`, a `let` or a `for-each` gives `steps.NAME`.
    pub fn step_types(&self, file: FileId) -> impl Iterator<Item = &(Loc, Type)> {
        self.step_types.iter().filter(move |(l, _)| l.file == file)
    }

    /// What is in scope for the expressions of the template at `offset` of `file`: the names,
    /// their types, the mappings; the same scopes the findings were computed in. Only the
    /// definition holding the place is typed again.
    pub fn scope_at(&self, a: &Analysis, file: FileId, offset: u32) -> Option<Env> {
        types::scope_at(a, &self.documents, Some(&self.mappings), (file, offset))
    }

    /// How many flows and actions were typed, and how many of those typings were taken from the
    /// semantics before an edit (`Semantics::after`) rather than typed again.
    pub fn typed_and_taken(&self) -> (usize, usize) {
        self.memo.counts()
    }

    /// Whether the mappings' types hold for `a` with `documents`: the same mappings and variables
    /// (by identity) and the same documents.
    fn mappings_still_hold(&self, a: &Analysis, documents: &Documents) -> bool {
        fn shared<T>(x: &[Arc<T>], y: &[Arc<T>]) -> bool {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| Arc::ptr_eq(a, b))
        }
        shared(&self.mapping_inputs.0, &a.model.mappings)
            && shared(&self.mapping_inputs.1, &a.model.variables)
            && self.documents.identity() == documents.identity()
    }

    /// Which mapping calls which, in the order of the model's mappings.
    pub fn mapping_calls(&self) -> &calls::CallGraph {
        &self.mapping_calls
    }
}
