//! What requests read: the open documents, each project's latest snapshot, and for one request
//! the snapshot and the place it asks about (`At`), with the translations of places back to LSP
//! locations and edits.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use intact_model::{Analysis, FileInput, SourceFile, project};
use line_index::LineIndex;
use tower_lsp_server::ls_types as lsp;

use crate::protocol::{self, Encoding};

/// An open document.
#[derive(Clone)]
pub(crate) struct Document {
    pub(crate) version: i32,
    pub(crate) text: Arc<str>,
}

/// Open documents, by absolute path.
#[derive(Default)]
pub(crate) struct Documents {
    pub(crate) open: HashMap<PathBuf, Document>,
    pub(crate) encoding: Option<Encoding>,
    /// The client expands completion snippets (`completionItem.snippetSupport`).
    pub(crate) snippets: bool,
}

/// The latest analysis of each project (by root), for requests between two analyses.
pub(crate) type Snapshots = Arc<Mutex<HashMap<PathBuf, intact_ide::Snapshot>>>;

/// What requests read, shared with the threads that answer them.
pub(crate) struct State {
    pub(crate) docs: Arc<Mutex<Documents>>,
    pub(crate) snapshots: Snapshots,
    /// The snapshot the last request built (and its project's root), reused while the texts stay
    /// the same.
    pub(crate) last_request: Mutex<Option<(PathBuf, intact_ide::Snapshot)>>,
    /// What the analysis thread keeps, as it last counted it.
    pub(crate) kept: Mutex<Kept>,
}

/// What the analysis thread keeps, for the `intact/retained` request: all of it belongs to
/// projects with an open document, or to files that still show diagnostics.
#[derive(Clone, Copy, Default)]
pub(crate) struct Kept {
    /// Projects with what an analysis keeps for the next (parses, OpenAPI documents).
    pub(crate) projects: usize,
    /// Parses kept for the next analysis, over all projects.
    pub(crate) parses: usize,
    /// OpenAPI documents kept (`intact_ide::DocumentCache`), over all projects.
    pub(crate) openapi_documents: usize,
    /// Projects some of whose files show diagnostics, or that are open.
    pub(crate) diagnosed: usize,
}

impl State {
    /// What a request at a position needs.
    pub(crate) fn request_at(&self, at: &lsp::TextDocumentPositionParams) -> Option<At> {
        let path = protocol::path_of(&at.text_document.uri)?;
        let mut r = self.request_in(&path)?;
        r.pos.offset = protocol::offset(
            &r.index,
            r.analysis.file(r.pos.file).text(),
            r.enc,
            at.position,
        ) as u32;
        Some(r)
    }

    /// What a request on a whole open document needs (the offset is 0).
    pub(crate) fn request_doc(&self, doc: &lsp::TextDocumentIdentifier) -> Option<At> {
        self.request_in(&protocol::path_of(&doc.uri)?)
    }

    /// [`Backend::request_doc`] by the document's path.
    pub(crate) fn request_in(&self, path: &Path) -> Option<At> {
        let root = project::find_root(path)?;
        let (analysis, file, index) = self.analysis_at(&root, path)?;
        Some(At {
            root,
            analysis,
            pos: intact_ide::FilePosition { file, offset: 0 },
            index,
            enc: self.encoding(),
        })
    }

    /// The snapshot for a request on the open document `path`, its file id and line index: the
    /// project's latest snapshot when it holds this document as the editor has it now; else that
    /// snapshot with this document parsed anew (a keystroke may be newer than the analysis), kept
    /// for the next request on the same text.
    pub(crate) fn analysis_at(
        &self,
        root: &Path,
        path: &Path,
    ) -> Option<(intact_ide::Snapshot, intact_model::FileId, LineIndex)> {
        let text = self.docs.lock().unwrap().open.get(path)?.text.clone();
        let rel = project::relative(root, path);
        let current = |snap: &intact_ide::Snapshot| {
            snap.file_id(&rel)
                .filter(|&f| snap.file(f).input.text == text)
                .map(|f| (snap.clone(), f, LineIndex::new(&text)))
        };
        let latest = self.snapshots.lock().unwrap().get(root).cloned();
        if let Some(found) = latest.as_ref().and_then(current) {
            return Some(found);
        }
        if let Some(found) = self
            .last_request
            .lock()
            .unwrap()
            .as_ref()
            .filter(|(r, _)| r == root)
            .and_then(|(_, snap)| current(snap))
        {
            return Some(found);
        }
        let mut files: Vec<Arc<SourceFile>> = match &latest {
            Some(a) => a
                .files
                .iter()
                .filter(|f| f.input.path != rel)
                .cloned()
                .collect(),
            // Asked before the first analysis finished (right after opening): the files on disk.
            None => project::files(root)
                .unwrap_or_default()
                .iter()
                .filter_map(|p| project::read_file(root, p).ok())
                .filter(|f| f.path != rel)
                .map(|f| Arc::new(SourceFile::new(f)))
                .collect(),
        };
        files.push(Arc::new(SourceFile::new(FileInput::new(
            rel.clone(),
            text.clone(),
        ))));
        // The project's OpenAPI documents, as the analysis thread keeps them; before the first
        // analysis, read for this snapshot (from the digest on disk when there is one).
        let documents = latest
            .as_ref()
            .map(|s| s.documents().clone())
            .unwrap_or_else(intact_ide::DocumentCache::on_disk);
        let snap = match &latest {
            Some(before) => intact_ide::Snapshot::after(
                before,
                Arc::new(Analysis::after(before, files)),
                documents,
            ),
            None => intact_ide::Snapshot::in_host(Arc::new(Analysis::from_files(files)), documents),
        };
        *self.last_request.lock().unwrap() = Some((root.to_path_buf(), snap.clone()));
        current(&snap)
    }

    pub(crate) fn encoding(&self) -> Encoding {
        self.docs
            .lock()
            .unwrap()
            .encoding
            .unwrap_or(Encoding::Utf16)
    }
}

/// A request's analysis and where in it the request is.
pub(crate) struct At {
    pub(crate) root: PathBuf,
    pub(crate) analysis: intact_ide::Snapshot,
    pub(crate) pos: intact_ide::FilePosition,
    /// The line index of the requesting document.
    pub(crate) index: LineIndex,
    pub(crate) enc: Encoding,
}

impl At {
    /// Edits of the analysis's files as one workspace edit.
    pub(crate) fn workspace_edit(
        &self,
        edits: Vec<(intact_model::Loc, String)>,
    ) -> lsp::WorkspaceEdit {
        let (locs, texts): (Vec<_>, Vec<_>) = edits.into_iter().unzip();
        let mut changes: HashMap<lsp::Uri, Vec<lsp::TextEdit>> = HashMap::new();
        for (l, text) in self.locations(locs).into_iter().zip(texts) {
            if let Some(l) = l {
                changes.entry(l.uri).or_default().push(lsp::TextEdit {
                    range: l.range,
                    new_text: text,
                });
            }
        }
        lsp::WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }
    }

    /// A location of the analysis as an LSP location (any file of the project).
    pub(crate) fn location(&self, loc: intact_model::Loc) -> Option<lsp::Location> {
        self.locations([loc]).pop().flatten()
    }

    /// Locations of the analysis as LSP locations, in order; each file's line index is built once.
    pub(crate) fn locations(
        &self,
        locs: impl IntoIterator<Item = intact_model::Loc>,
    ) -> Vec<Option<lsp::Location>> {
        let mut indexes: HashMap<intact_model::FileId, LineIndex> = HashMap::new();
        locs.into_iter()
            .map(|loc| {
                let f = self.analysis.file(loc.file);
                let index = indexes
                    .entry(loc.file)
                    .or_insert_with(|| LineIndex::new(f.text()));
                Some(lsp::Location {
                    uri: protocol::uri_for(&self.root.join(f.path()))?,
                    range: protocol::range(index, self.enc, loc.span.start, loc.span.end),
                })
            })
            .collect()
    }
}
