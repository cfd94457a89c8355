//! The analysis thread: takes project roots from a channel (latest wins), analyses a snapshot of
//! the texts, publishes diagnostics for every file of the project, and keeps the snapshot for
//! requests while the project has an open document.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};

use intact_model::{Analysis, FileInput, SourceFile, project};
use line_index::LineIndex;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types as lsp;

use crate::protocol::{self, Encoding};
use crate::state::{Kept, State};

/// The analysis worker: one thread, one project analysis at a time.
///
/// Everything it keeps is per project and dropped when the project's last open document is
/// closed (an editor that has opened hundreds of projects in a session has not closed the
/// server): the snapshot, the parses, the OpenAPI documents. Only the names of files that still
/// show diagnostics outlive it, to clear them if the project is opened again.
pub(crate) struct Worker {
    client: Client,
    state: Arc<State>,
    rx: mpsc::Receiver<PathBuf>,
    handle: tokio::runtime::Handle,
    /// Files of each project that currently show diagnostics, so they can be cleared.
    published: HashMap<PathBuf, HashSet<PathBuf>>,
    /// By root.
    projects: HashMap<PathBuf, Project>,
}

/// What the analysis thread keeps for a project between two analyses.
struct Project {
    /// The files of the previous analysis, reused when the text is unchanged.
    parses: HashMap<PathBuf, Arc<SourceFile>>,
    /// The OpenAPI documents read, shared with the snapshots requests run on. One per project:
    /// it knows documents by their path in the project (`openapi/api.json`). Their digests are
    /// also kept in the user's cache folder, for the next start.
    documents: intact_ide::DocumentCache,
}

impl Default for Project {
    fn default() -> Project {
        Project {
            parses: HashMap::new(),
            documents: intact_ide::DocumentCache::on_disk(),
        }
    }
}

impl Worker {
    /// Starts the analysis thread; the sender takes the project roots to analyse.
    pub(crate) fn spawn(client: Client, state: Arc<State>) -> mpsc::Sender<PathBuf> {
        let (tx, rx) = mpsc::channel();
        let worker = Worker {
            client,
            state,
            rx,
            handle: tokio::runtime::Handle::current(),
            published: HashMap::new(),
            projects: HashMap::new(),
        };
        std::thread::Builder::new()
            .name("intact-analysis".into())
            .spawn(move || worker.run())
            .expect("the analysis thread starts");
        tx
    }

    fn run(mut self) {
        while let Ok(first) = self.rx.recv() {
            // Latest wins: fold every queued request into one analysis per project.
            let mut roots = vec![first];
            while let Ok(more) = self.rx.try_recv() {
                if !roots.contains(&more) {
                    roots.push(more);
                }
            }
            for root in roots {
                let result =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.analyze(&root)));
                if let Err(panic) = result {
                    let what = crate::panic_message(panic.as_ref());
                    let client = self.client.clone();
                    let message = format!(
                        "intact: analysis of {} failed: {what}; please report this",
                        root.display()
                    );
                    self.handle.block_on(async move {
                        client.log_message(lsp::MessageType::ERROR, message).await;
                    });
                }
                self.release_if_closed(&root);
            }
            *self.state.kept.lock().unwrap() = Kept {
                projects: self.projects.len(),
                parses: self.projects.values().map(|p| p.parses.len()).sum(),
                openapi_documents: self.projects.values().map(|p| p.documents.count()).sum(),
                diagnosed: self.published.len(),
            };
        }
    }

    /// Drops what is kept for a project none of whose documents is open. The analysis that
    /// closing the last one started has published its diagnostics (from the files on disk) by now;
    /// they stay, as LSP lets them for closed files.
    fn release_if_closed(&mut self, root: &Path) {
        let candidates: Vec<PathBuf> = {
            let docs = self.state.docs.lock().unwrap();
            docs.open
                .keys()
                .filter(|p| p.starts_with(root))
                .cloned()
                .collect()
        };
        // A document under the root may belong to a project nested in it.
        if candidates
            .iter()
            .any(|p| project::find_root(p).as_deref() == Some(root))
        {
            return;
        }
        self.state.snapshots.lock().unwrap().remove(root);
        {
            let mut last = self.state.last_request.lock().unwrap();
            if last.as_ref().is_some_and(|(r, _)| r == root) {
                *last = None;
            }
        }
        self.projects.remove(root);
        if self.published.get(root).is_some_and(HashSet::is_empty) {
            self.published.remove(root);
        }
    }

    /// The project's files as the editor has them (open documents) or as the disk has them,
    /// reusing the parses of the analysis before when the text is the same; their paths; the
    /// versions of the open ones.
    fn read(
        &mut self,
        root: &Path,
        open: &HashMap<PathBuf, crate::state::Document>,
    ) -> (Vec<Arc<SourceFile>>, Vec<PathBuf>, HashMap<PathBuf, i32>) {
        let mut paths = project::files(root).unwrap_or_default();
        for p in open.keys() {
            if p.starts_with(root)
                && project::is_project_file(&project::relative(root, p))
                && !paths.contains(p)
                && !in_skipped_dir(root, p)
            {
                paths.push(p.clone());
            }
        }
        let mut files = Vec::with_capacity(paths.len());
        let mut versions = HashMap::new();
        let project = self.projects.entry(root.to_path_buf()).or_default();
        // Only this analysis's parses are kept: a file gone from the project goes from here too.
        let previous = std::mem::take(&mut project.parses);
        let mut parses = HashMap::with_capacity(paths.len());
        for path in &paths {
            let input = match open.get(path) {
                Some(doc) => {
                    versions.insert(path.clone(), doc.version);
                    FileInput::new(project::relative(root, path), doc.text.clone())
                }
                None => match project::read_file(root, path) {
                    Ok(f) => f,
                    Err(_) => continue,
                },
            };
            let reused = previous
                .get(path)
                .filter(|f| f.input.text == input.text && f.input.path == input.path);
            let file = match reused {
                Some(f) => f.clone(),
                None => Arc::new(SourceFile::new(input)),
            };
            parses.insert(path.clone(), file.clone());
            files.push(file);
        }
        // The cache keeps a document by its path for as long as it lives: when a file under
        // `openapi/` goes (renamed, deleted), a new one reads the rest again (from their digests).
        let openapi = root.join("openapi");
        if previous
            .keys()
            .any(|p| p.starts_with(&openapi) && !parses.contains_key(p))
        {
            project.documents = intact_ide::DocumentCache::on_disk();
        }
        // Parses not reused are freed before the check needs its memory, not after.
        drop(previous);
        project.parses = parses;
        (files, paths, versions)
    }

    fn analyze(&mut self, root: &Path) {
        let (open, enc) = {
            let docs = self.state.docs.lock().unwrap();
            (docs.open.clone(), docs.encoding.unwrap_or(Encoding::Utf16))
        };
        let (files, paths, versions) = self.read(root, &open);
        let documents = self
            .projects
            .entry(root.to_path_buf())
            .or_default()
            .documents
            .clone();
        let previous = self.state.snapshots.lock().unwrap().get(root).cloned();
        let analysis = Arc::new(match &previous {
            Some(before) => Analysis::after(before, files),
            None => Analysis::from_files(files),
        });
        // The findings go through the snapshot that requests then read: its semantics (step
        // types for hints, scopes) and findings (hovers, quick fixes) are computed once.
        let snapshot = match &previous {
            Some(before) => intact_ide::Snapshot::after(before, analysis.clone(), documents),
            None => intact_ide::Snapshot::in_host(analysis.clone(), documents),
        };
        let diags = snapshot.findings().to_vec();
        // The snapshot it replaces is freed after the diagnostics are out (a large project's
        // takes milliseconds), and outside the lock requests take.
        let replaced = self
            .state
            .snapshots
            .lock()
            .unwrap()
            .insert(root.to_path_buf(), snapshot);
        let indexes: Vec<LineIndex> = analysis
            .files
            .iter()
            .map(|f| LineIndex::new(f.text()))
            .collect();
        let mut by_file: HashMap<PathBuf, Vec<lsp::Diagnostic>> = HashMap::new();
        for f in &analysis.files {
            by_file.insert(root.join(f.path()), Vec::new());
        }
        for d in &diags {
            let path = root.join(analysis.file(d.loc.file).path());
            by_file
                .entry(path)
                .or_default()
                .push(protocol::diagnostic(&analysis, root, &indexes, enc, d));
        }
        let previously = self.published.remove(root).unwrap_or_default();
        let mut now = HashSet::new();
        let mut batch = Vec::new();
        for (path, list) in by_file {
            // Open documents always get their (possibly empty) list with its version, so the
            // editor knows the text it shows has been checked; other files only when it changed.
            if list.is_empty() && !previously.contains(&path) && !versions.contains_key(&path) {
                continue;
            }
            if !list.is_empty() {
                now.insert(path.clone());
            }
            if let Some(uri) = protocol::uri_for(&path) {
                batch.push((uri, list, versions.get(&path).copied()));
            }
        }
        // Files that vanished from the project lose their diagnostics too.
        for gone in previously.iter().filter(|p| !paths.contains(p)) {
            if let Some(uri) = protocol::uri_for(gone) {
                batch.push((uri, Vec::new(), None));
            }
        }
        self.published.insert(root.to_path_buf(), now);
        let client = self.client.clone();
        self.handle.block_on(async move {
            for (uri, list, version) in batch {
                client.publish_diagnostics(uri, list, version).await;
            }
        });
        drop((replaced, previous));
    }
}

fn in_skipped_dir(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root)
        .map(|rel| {
            rel.parent()
                .into_iter()
                .flat_map(|p| p.components())
                .any(|c| project::is_skipped_dir(&c.as_os_str().to_string_lossy()))
        })
        .unwrap_or(false)
}
