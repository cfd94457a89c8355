//! The findings of one file that read nothing but the file: its size, encoding and syntax
//! errors and the catalogue's schema rules. Kept per file, by identity as lowering keeps a file's
//! definitions, for the check after an edit (decision 0013): a file the edit did not touch, at
//! the same place among the files, is not checked again.

use std::collections::HashMap;
use std::sync::Arc;

use intact_diagnostics::Diagnostic;
use intact_model::{FileId, SourceFile};

use crate::{LeftOut, SCHEMA_BUDGET, schema, syntax_of};

/// Each file's own findings, from one check.
#[derive(Default)]
pub struct FileFindings {
    kept: HashMap<usize, Arc<Kept>>,
}

pub(crate) struct Kept {
    /// Held so that the key (its address) names this file for as long as the findings live.
    file: Arc<SourceFile>,
    id: FileId,
    pub(crate) findings: Vec<Diagnostic>,
    pub(crate) left_out: LeftOut,
}

impl FileFindings {
    /// Every file's own findings.
    pub(crate) fn of_files(a: &intact_model::Analysis) -> FileFindings {
        let mut all = FileFindings::default();
        for (i, f) in a.files.iter().enumerate() {
            all.of(None, FileId::from_index(i), f);
        }
        all
    }

    /// The findings of `f` at place `id`: taken from `earlier` when it checked the same file at
    /// the same place, else checked now; kept here either way.
    pub(crate) fn of(
        &mut self,
        earlier: Option<&FileFindings>,
        id: FileId,
        f: &Arc<SourceFile>,
    ) -> Arc<Kept> {
        let key = Arc::as_ptr(f) as usize;
        let taken = earlier
            .and_then(|e| e.kept.get(&key))
            .filter(|k| k.id == id && Arc::ptr_eq(&k.file, f))
            .cloned();
        let kept = taken.unwrap_or_else(|| Arc::new(check(id, f)));
        self.kept.insert(key, kept.clone());
        kept
    }
}

fn check(id: FileId, f: &Arc<SourceFile>) -> Kept {
    let mut findings = Vec::new();
    syntax_of(id, f, &mut findings);
    let mut schema = schema::SchemaCheck {
        file: id,
        out: &mut findings,
        budget: (!f.text().contains("intact-ignore")).then_some(SCHEMA_BUDGET),
        left_out: LeftOut::default(),
    };
    schema.file(&f.parse.document.nodes);
    let left_out = schema.left_out;
    Kept {
        file: f.clone(),
        id,
        findings,
        left_out,
    }
}
