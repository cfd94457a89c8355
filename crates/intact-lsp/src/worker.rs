//! The analysis thread: takes project roots from a channel (latest wins), analyses a snapshot of
//! the texts, publishes diagnostics for every file of the project, and keeps the snapshot for
//! requests.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use intact_model::{Analysis, FileInput, SourceFile, project};
use line_index::LineIndex;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types as lsp;

use crate::protocol::{self, Encoding};
use crate::state::{Documents, Snapshots};

/// The analysis worker: one thread, one project analysis at a time.
pub(crate) struct Worker {
    client: Client,
    docs: Arc<Mutex<Documents>>,
    snapshots: Snapshots,
    rx: mpsc::Receiver<PathBuf>,
    handle: tokio::runtime::Handle,
    /// Files of each project that currently show diagnostics, so they can be cleared.
    published: HashMap<PathBuf, HashSet<PathBuf>>,
    /// Parses of file texts from the previous analysis, reused when the text is unchanged.
    cache: HashMap<PathBuf, Arc<SourceFile>>,
    /// The OpenAPI documents read so far, shared with the snapshots requests run on.
    documents: intact_check::DocumentCache,
}

impl Worker {
    /// Starts the analysis thread; the sender takes the project roots to analyse.
    pub(crate) fn spawn(
        client: Client,
        docs: Arc<Mutex<Documents>>,
        snapshots: Snapshots,
        documents: intact_check::DocumentCache,
    ) -> mpsc::Sender<PathBuf> {
        let (tx, rx) = mpsc::channel();
        let worker = Worker {
            client,
            docs,
            snapshots,
            rx,
            handle: tokio::runtime::Handle::current(),
            published: HashMap::new(),
            cache: HashMap::new(),
            documents,
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
                    self.handle.block_on(async move {
                        client
                            .log_message(
                                lsp::MessageType::ERROR,
                                format!(
                                    "intact: analysis of {} failed: {what}; please report this",
                                    root.display()
                                ),
                            )
                            .await;
                    });
                }
            }
        }
    }

    fn analyze(&mut self, root: &Path) {
        let (open, enc) = {
            let docs = self.docs.lock().unwrap();
            (docs.open.clone(), docs.encoding.unwrap_or(Encoding::Utf16))
        };
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
            let reused = self
                .cache
                .get(path)
                .filter(|f| f.input.text == input.text && f.input.path == input.path);
            let file = match reused {
                Some(f) => f.clone(),
                None => Arc::new(SourceFile::new(input)),
            };
            self.cache.insert(path.clone(), file.clone());
            files.push(file);
        }
        let analysis = Arc::new(Analysis::from_files(files));
        let diags = intact_check::check_with(&analysis, &self.documents);
        // Requests read the findings from the snapshot (hovers, quick fixes) instead of checking
        // again.
        self.snapshots.lock().unwrap().insert(
            root.to_path_buf(),
            intact_ide::Snapshot::with_findings(
                analysis.clone(),
                self.documents.clone(),
                diags.clone(),
            ),
        );
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
