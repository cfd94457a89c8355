//! intact's checker: every rule of `docs/rules/`, run over one [`Analysis`], and the output formats.
//!
//! [`check`] is a pure function of the analysis; the CLI and the language server both call it.

mod diagnostic;
mod envfiles;
mod exprs;
mod ignore;
mod openapi;
pub mod registry;
pub mod render;
mod rules;
mod schema;

pub use diagnostic::{Diagnostic, Fix, Label, Severity};
pub use intact_model::Analysis;
pub use openapi::forget_documents;
pub use rules::{skeleton, walk_steps};

use intact_model::{FileId, Loc};
use intact_syntax::Span;

/// Every finding of the project, sorted by file and position.
pub fn check(a: &Analysis) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, f) in a.files.iter().enumerate() {
        let file = i as FileId;
        if let Some(at) = f.input.invalid_utf8_at {
            out.push(
                // The invalid bytes were replaced by U+FFFD (3 bytes) before parsing.
                Diagnostic::new(
                    "syntax::encoding",
                    Loc::new(file, Span::new(at, at + 3)),
                    "the file is not valid UTF-8 text",
                )
                .label("first invalid byte")
                .help("save the file as UTF-8; intact project files are text"),
            );
        }
        for e in &f.parse.errors {
            let mut d = Diagnostic::new(e.kind.code(), Loc::new(file, e.span), e.message.clone())
                .label("here");
            if let Some(h) = &e.help {
                d = d.help(h.clone());
            }
            if let Some((span, text)) = &e.fix {
                d = d.fix(
                    e.help.clone().unwrap_or_default(),
                    Loc::new(file, *span),
                    text.clone(),
                );
            }
            out.push(d);
        }
        schema::SchemaCheck {
            file,
            out: &mut out,
        }
        .file(&f.parse.document.nodes);
    }
    rules::check_model(a, &mut out);
    let docs = openapi::documents(a);
    openapi::check(a, &docs, &mut out);
    exprs::check(a, &docs, &mut out);
    docs.save();
    envfiles::check(a, &mut out);
    let mut out = ignore::apply(a, out);
    out.sort_by(|x, y| (x.loc, x.code, &x.message).cmp(&(y.loc, y.code, &y.message)));
    out.dedup();
    out
}

pub use intact_expr::suggest;

/// Counts of a set of findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

pub fn summarize(diags: &[Diagnostic]) -> Summary {
    let mut s = Summary::default();
    for d in diags {
        match d.severity {
            Severity::Error => s.errors += 1,
            Severity::Warning => s.warnings += 1,
            Severity::Info => s.infos += 1,
        }
    }
    s
}
