//! Quick fixes: every fix a finding of the checker carries (did-you-mean, snake_case renames, a
//! missing action's skeleton, a mock path's query), offered where the finding is; and "fix all" for
//! a file.

use crate::Snapshot;
use intact_model::{FileId, Loc};
use intact_syntax::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuickFix {
    pub title: String,
    /// The rule code of the finding the fix answers.
    pub code: intact_check::Rule,
    /// Where the finding is.
    pub finding: Span,
    /// Edits in any file of the project; they do not overlap.
    pub edits: Vec<(Loc, String)>,
}

/// The fixes of the findings of `file` that overlap `span`.
pub fn fixes(analysis: &Snapshot, file: FileId, span: Span) -> Vec<QuickFix> {
    analysis
        .findings()
        .iter()
        .filter(|d| d.loc.file == file && overlaps(d.loc.span, span))
        .flat_map(|d| {
            let (code, finding) = (d.code, d.loc.span);
            d.fixes.iter().map(move |f| QuickFix {
                title: f.title.clone(),
                code,
                finding,
                edits: f.edits.clone(),
            })
        })
        .collect()
}

/// The edits of every finding of `file` that has exactly one fix, a safe one (it corrects what is
/// written; it adds or removes no definition), leaving out any that would overlap an earlier one:
/// what "fix all" applies without asking.
pub fn fix_all(analysis: &Snapshot, file: FileId) -> Vec<(Loc, String)> {
    let mut out: Vec<(Loc, String)> = Vec::new();
    for d in analysis.findings() {
        let safe: Vec<_> = d.fixes.iter().filter(|f| f.safe).collect();
        if d.loc.file != file || safe.len() != 1 || d.fixes.len() != 1 {
            continue;
        }
        let edits = &safe[0].edits;
        let clash = edits.iter().any(|(l, _)| {
            out.iter()
                .any(|(o, _)| o.file == l.file && overlaps(o.span, l.span))
        });
        if !clash {
            out.extend(edits.iter().cloned());
        }
    }
    out
}

/// Whether two spans share a byte, or an empty one stands inside or at the edge of the other.
fn overlaps(a: Span, b: Span) -> bool {
    a.start <= b.end && b.start <= a.end
}
