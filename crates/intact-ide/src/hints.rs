//! Inlay hints: the type each named step gives `steps.NAME`, after its name, where the checker
//! knows it (a typed request's response, a `let`, a `for-each`'s list).

use intact_expr::Type;
use intact_model::FileId;

use crate::Snapshot;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlayHint {
    /// Where the hint stands: just after the step's name.
    pub offset: u32,
    pub label: String,
}

/// The hints of `file`, in order.
pub fn inlay_hints(analysis: &Snapshot, file: FileId) -> Vec<InlayHint> {
    let mut out: Vec<InlayHint> = analysis
        .semantics()
        .step_types(file)
        .filter(|(_, t)| !matches!(t, Type::Dyn))
        .map(|(loc, t)| InlayHint {
            offset: loc.span.end,
            label: format!(": {}", t.describe()),
        })
        .collect();
    out.sort_by_key(|h| h.offset);
    out
}
