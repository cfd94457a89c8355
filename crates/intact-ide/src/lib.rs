//! intact's editor features, in editor terms: byte offsets into a file of an
//! [`intact_model::Analysis`], labels and Markdown; no LSP types. `intact-lsp` translates these
//! into the protocol (positions, capabilities) and nothing more, as rust-analyzer's `ide` crate and
//! its LSP crate split the work.
//!
//! - [`completion`]: node and property names allowed at the cursor, enum values, names by kind.
//! - [`hover`]: the catalogue's doc for a node or property, what a reference names.
//! - [`definition`], [`references`], [`highlights`], [`rename`]: every named thing, across files
//!   and inside `${…}`, through the model's symbol index.
//! - [`outline`], [`project_symbols`]: the symbols of a file and of the project.
//! - [`fixes`], [`fix_all`]: the checker's fixes as quick fixes.
//! - [`format`]: a file in the canonical layout, or why not.
//! - [`Snapshot::findings`]: the findings the language server publishes.
//! - [`signature_help`]: a function's signature while its arguments are typed.
//! - [`folding`], [`selection`]: blocks to fold, and ranges a selection grows through.
//! - [`tokens`]: semantic tokens, names by kind in KDL and inside `${…}`.
//! - [`inlay_hints`]: the type each named step gives `steps.NAME`.
//! - [`runnables`]: the tests a file holds, for an editor's "Run test".
//!
//! Every feature answers on any text the parser returns, broken files included.

mod completion;
mod env;
mod expression;
mod fixes;
mod format;
mod hints;
mod hover;
mod item;
mod navigation;
mod outline;
mod resolve;
mod runnables;
mod structure;
mod tokens;

pub use completion::completions;
pub use expression::{Signature, signature_help};
pub use fixes::{QuickFix, fix_all, fixes};
pub use format::{Formatted, format};
pub use hints::{InlayHint, inlay_hints};
pub use hover::{Hover, hover};
/// What the language server shows of findings and OpenAPI documents, in its terms.
pub use intact_check::{Diagnostic, Rule, Severity, registry};
pub use intact_semantic::DocumentCache;
pub use item::{CompletionItem, CompletionKind};
pub use navigation::{Target, definition, highlights, prepare_rename, references, rename};
pub use outline::{OutlineItem, OutlineKind, outline, project_symbols};
pub use runnables::{Runnable, runnables};
pub use structure::{folding, selection};
pub use tokens::{Token, TokenKind, tokens};

use std::sync::{Arc, Mutex, OnceLock};

use intact_model::symbols::SymbolIndex;
use intact_model::{Analysis, FileId};
use intact_semantic::Semantics;

/// One state of a project, as features see it: the analysis of the file texts, and what is derived
/// from it once and shared by every request on the same texts (the semantics, the findings).
/// Cheap to clone; immutable. It derefs to the [`Analysis`].
#[derive(Clone)]
pub struct Snapshot {
    analysis: Arc<Analysis>,
    /// The OpenAPI documents the host has read (typing a request's response needs them).
    documents: DocumentCache,
    semantics: Arc<OnceLock<Arc<Semantics>>>,
    /// What the snapshot this one follows had computed (`Snapshot::after`), until this one's
    /// semantics and findings are computed from it.
    earlier: Arc<Mutex<Earlier>>,
    findings: Arc<OnceLock<Findings>>,
}

/// [`Snapshot::earlier`].
#[derive(Default)]
struct Earlier {
    semantics: Option<Arc<Semantics>>,
    files: Option<Arc<intact_check::FileFindings>>,
}

/// The findings of a snapshot, and each file's own (for the snapshot after an edit).
struct Findings {
    all: Vec<Diagnostic>,
    files: Arc<intact_check::FileFindings>,
}

impl Snapshot {
    /// A snapshot on its own: its OpenAPI documents are read when first needed, and kept in
    /// memory only.
    pub fn new(analysis: Arc<Analysis>) -> Snapshot {
        Snapshot::in_host(analysis, DocumentCache::default())
    }

    /// A snapshot of a host (the language server) that keeps the OpenAPI documents it has read.
    pub fn in_host(analysis: Arc<Analysis>, documents: DocumentCache) -> Snapshot {
        Snapshot {
            analysis,
            documents,
            semantics: Arc::default(),
            earlier: Arc::default(),
            findings: Arc::default(),
        }
    }

    /// The snapshot of the texts after an edit to `earlier`'s (the language server's next): the
    /// flows and actions the edit did not touch keep their typing from `earlier` (decision 0013).
    pub fn after(
        earlier: &Snapshot,
        analysis: Arc<Analysis>,
        documents: DocumentCache,
    ) -> Snapshot {
        let before = earlier.earlier.lock().unwrap();
        let kept = Earlier {
            semantics: earlier
                .semantics
                .get()
                .cloned()
                .or_else(|| before.semantics.clone()),
            files: earlier
                .findings
                .get()
                .map(|f| f.files.clone())
                .or_else(|| before.files.clone()),
        };
        drop(before);
        let s = Snapshot::in_host(analysis, documents);
        *s.earlier.lock().unwrap() = kept;
        s
    }

    /// What the project's expressions mean, typed once per snapshot on first use.
    pub fn semantics(&self) -> &Semantics {
        self.semantics.get_or_init(|| {
            let earlier = self.earlier.lock().unwrap().semantics.take();
            Arc::new(match earlier {
                Some(e) => Semantics::after(&e, &self.analysis, &self.documents),
                None => Semantics::new(&self.analysis, &self.documents),
            })
        })
    }

    /// Every finding of `intact check` on this snapshot (the language server publishes these),
    /// computed on first use from the snapshot's semantics.
    pub fn findings(&self) -> &[Diagnostic] {
        &self
            .findings
            .get_or_init(|| {
                let semantics = self.semantics();
                let earlier = self.earlier.lock().unwrap().files.take();
                let (all, files) = intact_check::check_semantics_after(
                    &self.analysis,
                    semantics,
                    &intact_check::TextsOnly,
                    earlier.as_deref(),
                );
                Findings {
                    all,
                    files: Arc::new(files),
                }
            })
            .all
    }

    /// The findings if they are known already, else none: for hovers, which must not check the
    /// whole project on every keystroke's snapshot.
    pub fn known_findings(&self) -> &[Diagnostic] {
        self.findings.get().map_or(&[], |f| f.all.as_slice())
    }

    /// What is in scope at a place inside `${…}`: from the semantics when they are computed,
    /// else by typing only the definition that holds the place (a keystroke's snapshot), with
    /// the mappings' types of the snapshot before when the keystroke left them alone.
    pub fn scope_at(&self, pos: FilePosition) -> Option<intact_semantic::Env> {
        match self.semantics.get() {
            Some(s) => s.scope_at(&self.analysis, pos.file, pos.offset),
            None => {
                let earlier = self.earlier.lock().unwrap().semantics.clone();
                match earlier {
                    Some(e) => intact_semantic::scope_after(
                        &e,
                        &self.analysis,
                        &self.documents,
                        pos.file,
                        pos.offset,
                    ),
                    None => intact_semantic::scope_at(
                        &self.analysis,
                        &self.documents,
                        pos.file,
                        pos.offset,
                    ),
                }
            }
        }
    }

    /// Every definition and reference of the project, built on first use (and shared with the
    /// checker's run on the same analysis).
    pub fn symbols(&self) -> &SymbolIndex {
        self.analysis.symbols()
    }

    pub fn analysis(&self) -> &Arc<Analysis> {
        &self.analysis
    }

    /// The OpenAPI documents of the host this snapshot belongs to.
    pub fn documents(&self) -> &DocumentCache {
        &self.documents
    }
}

impl std::ops::Deref for Snapshot {
    type Target = Analysis;

    fn deref(&self) -> &Analysis {
        &self.analysis
    }
}

/// A place in a file of the analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FilePosition {
    pub file: FileId,
    /// A byte offset into the file's text.
    pub offset: u32,
}
