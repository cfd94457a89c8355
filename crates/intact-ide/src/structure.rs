//! The shape of a file for the editor: the blocks it can fold, and the ranges a selection grows
//! through from the cursor (a name or value, its entry, its node, the node around it…).

use intact_model::FileId;
use intact_syntax::cursor::{self, Part};
use intact_syntax::{Node, Span};

use crate::{FilePosition, Snapshot};

/// The `{ … }` blocks of `file` that span more than one line, outermost first, as the span from
/// the node's start to the block's `}`.
pub fn folding(analysis: &Snapshot, file: FileId) -> Vec<Span> {
    let f = analysis.file(file);
    let text = f.text();
    let mut out = Vec::new();
    fn walk(nodes: &[Node], text: &str, out: &mut Vec<Span>) {
        for n in nodes {
            for b in &n.blocks {
                if let Some(close) = b.close {
                    let span = Span::new(n.span.start, close.end);
                    if text[span.range()].contains('\n') {
                        out.push(span);
                    }
                }
                walk(&b.nodes, text, out);
            }
        }
    }
    walk(&f.parse.document.nodes, text, &mut out);
    out
}

/// From the smallest thing at `pos` outwards: a name, value or key; its entry; its node; each
/// node around it.
pub fn selection(analysis: &Snapshot, pos: FilePosition) -> Vec<Span> {
    let f = analysis.file(pos.file);
    let c = cursor::at(&f.parse.document, f.text(), pos.offset);
    let mut out: Vec<Span> = Vec::new();
    let mut push = |s: Span| {
        if out
            .last()
            .is_none_or(|l| *l != s && l.start >= s.start && l.end <= s.end)
        {
            out.push(s);
        }
    };
    if let Some(node) = c.node() {
        match &c.part {
            Part::NodeName => push(node.name.span),
            Part::Arg { literal, .. } => push(literal.full_span()),
            Part::PropKey { key } => {
                push(key.span);
                if let Some(e) = node.entries.iter().find(|e| e.key.as_ref() == Some(key)) {
                    push(e.span);
                }
            }
            Part::PropValue { key, literal } => {
                push(literal.full_span());
                if let Some(e) = node.entries.iter().find(|e| e.key.as_ref() == Some(key)) {
                    push(e.span);
                }
            }
            Part::Head { .. } | Part::NewNode => {}
        }
    }
    for n in c.ancestors.iter().rev() {
        push(n.head_span());
        push(n.span);
    }
    out
}
