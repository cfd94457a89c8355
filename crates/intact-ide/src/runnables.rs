//! What an editor can run from a file: each test, by its exact name (`intact test --filter NAME
//! --exact`), as rust-analyzer's runnables are its tests and binaries.

use crate::Snapshot;
use intact_model::FileId;
use intact_syntax::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Runnable {
    /// The test's name: what `intact test --filter NAME --exact` takes.
    pub name: String,
    /// The whole `test` node: the cursor anywhere inside it means this test.
    pub span: Span,
    /// The name, where an editor puts its "Run" lens.
    pub name_span: Span,
}

/// The tests of `file`, in file order. A name given twice is one test to `intact test`'s filter
/// but two runnables here: each runs every test of that name, as the command line would.
pub fn runnables(analysis: &Snapshot, file: FileId) -> Vec<Runnable> {
    let mut out: Vec<Runnable> = analysis
        .model
        .tests
        .iter()
        .filter(|t| t.loc.file == file && !t.name.name.is_empty())
        .map(|t| Runnable {
            name: t.name.name.clone(),
            span: t.loc.span.cover(t.name.loc.span),
            name_span: t.name.loc.span,
        })
        .collect();
    out.sort_by_key(|r| r.span.start);
    out
}
