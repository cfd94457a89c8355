//! The intact language server.
//!
//! Architecture (see docs/architecture.md):
//! - Handlers apply every text change to [`Documents`] before their first `.await`, so edits are
//!   stored in arrival order even though tower-lsp runs handlers concurrently.
//! - Analysis runs on one worker thread fed by a channel. It drains the channel before starting,
//!   so a burst of keystrokes costs one analysis (latest wins), and works on a snapshot of the
//!   texts, never on shared mutable state.
//! - Diagnostics are published for every file of the project (cross-file findings included), with
//!   the version of the open document they were computed from, and cleared when they go away.
//! - The analysis is `intact_ide::check_semantics` (through `intact_ide::Snapshot::findings`), the same rules as `intact check`'s; a panic in it is caught
//!   and logged to the client, and the server keeps serving.
//! - Requests are answered on blocking threads ([`Backend::answer`]), on the project's latest
//!   snapshot: the server keeps reading while one computes, so a `$/cancelRequest` takes effect,
//!   and a panic in a feature is logged to the client and answered as "nothing here".
//!
//! Long file: this is the `LanguageServer` implementation, one handler per LSP method, which Rust
//! keeps in one `impl` block; each handler is a short translation to one `intact-ide` call.
//! What they share lives in `state.rs` (documents, snapshots, `At`) and `protocol.rs`.

mod protocol;
mod snippets;
mod state;
pub mod transport;
mod worker;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use intact_model::project;
use line_index::LineIndex;
use protocol::Encoding;
use state::{Document, Documents, State};
use tower_lsp_server::jsonrpc::Result as RpcResult;
use tower_lsp_server::ls_types as lsp;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

/// Serves LSP over standard input and output until the client says `exit`.
pub fn run_stdio() -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let (service, socket) = LspService::build(Backend::new)
            .custom_method("intact/retained", Backend::retained)
            .finish();
        // The server reads and writes through pipes; `transport` guards what reaches it.
        let (to_server, server_in) = tokio::io::duplex(1 << 20);
        let (server_out, from_server) = tokio::io::duplex(1 << 20);
        let (answers, answers_rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(transport::guard_input(
            tokio::io::stdin(),
            to_server,
            answers,
        ));
        let writer = tokio::spawn(transport::merge_output(
            from_server,
            answers_rx,
            tokio::io::stdout(),
        ));
        Server::new(server_in, server_out, socket)
            .serve(service)
            .await;
        // The server has stopped (`exit`, or the editor closed its end): flush what it wrote.
        let _ = writer.await;
    });
    // A read of standard input may still be pending (the editor said `exit` but keeps the pipe
    // open); it must not keep the process alive.
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
    Ok(())
}

pub struct Backend {
    client: Client,
    state: Arc<State>,
    worker: mpsc::Sender<PathBuf>,
}

impl Backend {
    fn new(client: Client) -> Backend {
        let state = Arc::new(State {
            docs: Arc::new(Mutex::new(Documents::default())),
            snapshots: Default::default(),
            last_request: Mutex::new(None),
            kept: Default::default(),
        });
        let worker = worker::Worker::spawn(client.clone(), state.clone());
        Backend {
            client,
            state,
            worker,
        }
    }

    /// `intact/retained`: what the server keeps for the projects it has analysed, counted, so
    /// that tests (and a user who suspects a leak) can see it drop when projects are closed.
    async fn retained(&self) -> RpcResult<serde_json::Value> {
        let kept = *self.state.kept.lock().unwrap();
        Ok(serde_json::json!({
            "openDocuments": self.state.docs.lock().unwrap().open.len(),
            "snapshots": self.state.snapshots.lock().unwrap().len(),
            "requestSnapshots": usize::from(self.state.last_request.lock().unwrap().is_some()),
            "projects": kept.projects,
            "parses": kept.parses,
            "openapiDocuments": kept.openapi_documents,
            "diagnosedProjects": kept.diagnosed,
        }))
    }

    /// Answers a request on a blocking thread. While it computes, the server goes on reading
    /// messages, so a `$/cancelRequest` for it is answered at once (tower-lsp-server drops this
    /// future and replies "request cancelled"; the thread's result is discarded). A panic in the
    /// feature is caught, logged to the client, and answered as "nothing here".
    async fn answer<T: Send + 'static>(
        &self,
        feature: &'static str,
        f: impl FnOnce(&State) -> Option<T> + Send + 'static,
    ) -> Option<T> {
        let state = self.state.clone();
        let done = tokio::task::spawn_blocking(move || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&state)))
        })
        .await;
        match done {
            Ok(Ok(answer)) => answer,
            Ok(Err(panic)) => {
                let what = panic_message(panic.as_ref());
                self.client
                    .log_message(
                        lsp::MessageType::ERROR,
                        format!("intact: {feature} failed: {what}; please report this"),
                    )
                    .await;
                None
            }
            Err(_) => None,
        }
    }

    fn encoding(&self) -> Encoding {
        self.state.encoding()
    }

    /// Queues the project around `path` for analysis.
    fn schedule(&self, path: &Path) {
        if let Some(root) = project::find_root(path) {
            let _ = self.worker.send(root);
        }
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: lsp::InitializeParams) -> RpcResult<lsp::InitializeResult> {
        let enc = Encoding::negotiate(&params);
        let snippets = params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref())
            .and_then(|i| i.snippet_support)
            .unwrap_or(false);
        {
            let mut docs = self.state.docs.lock().unwrap();
            docs.encoding = Some(enc);
            docs.snippets = snippets;
        }
        Ok(lsp::InitializeResult {
            capabilities: protocol::capabilities(enc),
            server_info: Some(lsp::ServerInfo {
                name: "intact".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            ..Default::default()
        })
    }

    async fn initialized(&self, _: lsp::InitializedParams) {}

    async fn shutdown(&self) -> RpcResult<()> {
        Ok(())
    }

    async fn did_open(&self, params: lsp::DidOpenTextDocumentParams) {
        let Some(path) = protocol::path_of(&params.text_document.uri) else {
            return;
        };
        let doc = Document {
            version: params.text_document.version,
            text: params.text_document.text.into(),
        };
        self.state
            .docs
            .lock()
            .unwrap()
            .open
            .insert(path.clone(), doc);
        self.schedule(&path);
    }

    async fn did_change(&self, params: lsp::DidChangeTextDocumentParams) {
        let Some(path) = protocol::path_of(&params.text_document.uri) else {
            return;
        };
        let enc = self.encoding();
        let mut strays = Vec::new();
        {
            let mut docs = self.state.docs.lock().unwrap();
            let Some(doc) = docs.open.get_mut(&path) else {
                return;
            };
            let mut text = doc.text.to_string();
            for change in params.content_changes {
                match change.range {
                    None => text = change.text,
                    Some(range) => {
                        let index = LineIndex::new(&text);
                        // The change is kept, at the nearest place in the text, and the user is
                        // told: the editor and the server no longer agree on the text.
                        let last = index.line_col(index.len()).line;
                        if range.start.line > last
                            || range.end.line > last
                            || range.end < range.start
                        {
                            strays.push(range);
                        }
                        let start = protocol::offset(&index, &text, enc, range.start);
                        let end = protocol::offset(&index, &text, enc, range.end).max(start);
                        text.replace_range(start..end, &change.text);
                    }
                }
            }
            doc.text = text.into();
            doc.version = params.text_document.version;
        }
        self.schedule(&path);
        for r in strays {
            self.client
                .log_message(
                    lsp::MessageType::WARNING,
                    format!(
                        "intact: an edit of {} (version {}) at {}:{}-{}:{} lies outside the document; it was applied at the nearest place, and the server's copy may differ from the editor's: close and reopen the file",
                        path.display(),
                        params.text_document.version,
                        r.start.line + 1,
                        r.start.character + 1,
                        r.end.line + 1,
                        r.end.character + 1
                    ),
                )
                .await;
        }
    }

    async fn did_save(&self, params: lsp::DidSaveTextDocumentParams) {
        if let Some(path) = protocol::path_of(&params.text_document.uri) {
            self.schedule(&path);
        }
    }

    async fn did_close(&self, params: lsp::DidCloseTextDocumentParams) {
        let Some(path) = protocol::path_of(&params.text_document.uri) else {
            return;
        };
        self.state.docs.lock().unwrap().open.remove(&path);
        self.schedule(&path);
    }

    async fn did_change_watched_files(&self, params: lsp::DidChangeWatchedFilesParams) {
        for change in params.changes {
            if let Some(path) = protocol::path_of(&change.uri) {
                self.schedule(&path);
            }
        }
    }

    async fn formatting(
        &self,
        params: lsp::DocumentFormattingParams,
    ) -> RpcResult<Option<Vec<lsp::TextEdit>>> {
        let Some(path) = protocol::path_of(&params.text_document.uri) else {
            return Ok(None);
        };
        // Environments (TOML) are the user's layout; only KDL has a canonical one.
        if path.extension().is_none_or(|x| x != "kdl") {
            return Ok(None);
        }
        let enc = self.encoding();
        let text = match self.state.docs.lock().unwrap().open.get(&path) {
            Some(d) => d.text.clone(),
            None => return Ok(None),
        };
        match intact_ide::format(&text) {
            intact_ide::Formatted::Unchanged => Ok(Some(Vec::new())),
            intact_ide::Formatted::Changed(formatted) => {
                let index = LineIndex::new(&text);
                Ok(Some(vec![protocol::text_edit(
                    &index,
                    enc,
                    0,
                    text.len() as u32,
                    formatted,
                )]))
            }
            // A format request that silently does nothing looks broken: say why, and where.
            intact_ide::Formatted::Refused { errors, first_line } => {
                let name = path
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                self.client
                    .show_message(
                        lsp::MessageType::WARNING,
                        format!(
                            "intact: {name} was not formatted: it has {errors} syntax error(s), the first on line {first_line}"
                        ),
                    )
                    .await;
                Ok(None)
            }
        }
    }

    async fn completion(
        &self,
        params: lsp::CompletionParams,
    ) -> RpcResult<Option<lsp::CompletionResponse>> {
        Ok(self
            .answer("completion", move |s| {
                let at = s.request_at(&params.text_document_position)?;
                let items = intact_ide::completions(&at.analysis, at.pos);
                let snippets = s.docs.lock().unwrap().snippets;
                Some(lsp::CompletionResponse::Array(
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(rank, i)| {
                            protocol::completion_item(&at.index, at.enc, snippets, rank, i)
                        })
                        .collect(),
                ))
            })
            .await)
    }

    async fn hover(&self, params: lsp::HoverParams) -> RpcResult<Option<lsp::Hover>> {
        Ok(self
            .answer("hover", move |s| {
                let at = s.request_at(&params.text_document_position_params)?;
                let found = intact_ide::hover(&at.analysis, at.pos)?;
                Some(protocol::hover(&at.index, at.enc, found, rule_page_uri))
            })
            .await)
    }

    async fn goto_definition(
        &self,
        params: lsp::GotoDefinitionParams,
    ) -> RpcResult<Option<lsp::GotoDefinitionResponse>> {
        Ok(self
            .answer("definition", move |s| {
                let at = s.request_at(&params.text_document_position_params)?;
                match intact_ide::definition(&at.analysis, at.pos)? {
                    intact_ide::Target::Loc(loc) => {
                        at.location(loc).map(lsp::GotoDefinitionResponse::Scalar)
                    }
                    // A contract's input schema, where a jump lands at once; its output schema
                    // is the type definition (a second target here made clients ask which).
                    intact_ide::Target::Contract(id) => contract_schema_files(id)
                        .first()
                        .and_then(|p| protocol::uri_for(p))
                        .map(|uri| {
                            lsp::GotoDefinitionResponse::Scalar(lsp::Location {
                                uri,
                                range: lsp::Range::default(),
                            })
                        }),
                }
            })
            .await)
    }

    async fn goto_type_definition(
        &self,
        params: lsp::request::GotoTypeDefinitionParams,
    ) -> RpcResult<Option<lsp::request::GotoTypeDefinitionResponse>> {
        Ok(self
            .answer("type definition", move |s| {
                let at = s.request_at(&params.text_document_position_params)?;
                match intact_ide::definition(&at.analysis, at.pos)? {
                    intact_ide::Target::Contract(id) => contract_schema_files(id)
                        .get(1)
                        .and_then(|p| protocol::uri_for(p))
                        .map(|uri| {
                            lsp::GotoDefinitionResponse::Scalar(lsp::Location {
                                uri,
                                range: lsp::Range::default(),
                            })
                        }),
                    intact_ide::Target::Loc(_) => None,
                }
            })
            .await)
    }

    async fn references(
        &self,
        params: lsp::ReferenceParams,
    ) -> RpcResult<Option<Vec<lsp::Location>>> {
        Ok(self
            .answer("references", move |s| {
                let at = s.request_at(&params.text_document_position)?;
                let with_definition = params.context.include_declaration;
                let locs = intact_ide::references(&at.analysis, at.pos, with_definition);
                Some(at.locations(locs).into_iter().flatten().collect())
            })
            .await)
    }

    async fn document_highlight(
        &self,
        params: lsp::DocumentHighlightParams,
    ) -> RpcResult<Option<Vec<lsp::DocumentHighlight>>> {
        Ok(self
            .answer("document highlight", move |s| {
                let at = s.request_at(&params.text_document_position_params)?;
                let found = intact_ide::highlights(&at.analysis, at.pos);
                Some(
                    found
                        .into_iter()
                        .map(|(span, definition)| {
                            protocol::highlight(&at.index, at.enc, span, definition)
                        })
                        .collect(),
                )
            })
            .await)
    }

    async fn prepare_rename(
        &self,
        params: lsp::TextDocumentPositionParams,
    ) -> RpcResult<Option<lsp::PrepareRenameResponse>> {
        let found = self
            .answer("rename", move |s| {
                let at = s.request_at(&params)?;
                Some(
                    intact_ide::prepare_rename(&at.analysis, at.pos).map(|span| {
                        lsp::PrepareRenameResponse::Range(protocol::range(
                            &at.index, at.enc, span.start, span.end,
                        ))
                    }),
                )
            })
            .await;
        found.transpose().map_err(refused)
    }

    async fn rename(&self, params: lsp::RenameParams) -> RpcResult<Option<lsp::WorkspaceEdit>> {
        let found = self
            .answer("rename", move |s| {
                let at = s.request_at(&params.text_document_position)?;
                Some(
                    intact_ide::rename(&at.analysis, at.pos, &params.new_name)
                        .map(|edits| at.workspace_edit(edits)),
                )
            })
            .await;
        found.transpose().map_err(refused)
    }

    async fn code_action(
        &self,
        params: lsp::CodeActionParams,
    ) -> RpcResult<Option<lsp::CodeActionResponse>> {
        Ok(self
            .answer("code actions", move |s| {
                let at = s.request_doc(&params.text_document)?;
                let file = at.pos.file;
                let text = at.analysis.file(file).text();
                let span = intact_syntax::Span::new(
                    protocol::offset(&at.index, text, at.enc, params.range.start) as u32,
                    protocol::offset(&at.index, text, at.enc, params.range.end) as u32,
                );
                let only = params.context.only.unwrap_or_default();
                let wants = |kind: &lsp::CodeActionKind| {
                    only.is_empty() || only.iter().any(|k| kind.as_str().starts_with(k.as_str()))
                };
                let mut actions = Vec::new();
                if wants(&lsp::CodeActionKind::QUICKFIX) {
                    let found = intact_ide::fixes(&at.analysis, file, span);
                    let single = found.len() == 1;
                    for fix in found {
                        actions.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                            title: fix.title,
                            kind: Some(lsp::CodeActionKind::QUICKFIX),
                            edit: Some(at.workspace_edit(fix.edits)),
                            is_preferred: Some(single),
                            ..Default::default()
                        }));
                    }
                }
                if wants(&lsp::CodeActionKind::SOURCE_FIX_ALL) {
                    let edits = intact_ide::fix_all(&at.analysis, file);
                    if !edits.is_empty() {
                        actions.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                            title: "Fix all intact findings that have one fix".into(),
                            kind: Some(lsp::CodeActionKind::SOURCE_FIX_ALL),
                            edit: Some(at.workspace_edit(edits)),
                            ..Default::default()
                        }));
                    }
                }
                Some(actions)
            })
            .await)
    }

    async fn signature_help(
        &self,
        params: lsp::SignatureHelpParams,
    ) -> RpcResult<Option<lsp::SignatureHelp>> {
        Ok(self
            .answer("signature help", move |s| {
                let at = s.request_at(&params.text_document_position_params)?;
                intact_ide::signature_help(&at.analysis, at.pos).map(protocol::signature_help)
            })
            .await)
    }

    async fn folding_range(
        &self,
        params: lsp::FoldingRangeParams,
    ) -> RpcResult<Option<Vec<lsp::FoldingRange>>> {
        Ok(self
            .answer("folding", move |s| {
                let at = s.request_doc(&params.text_document)?;
                let spans = intact_ide::folding(&at.analysis, at.pos.file);
                Some(
                    spans
                        .into_iter()
                        .map(|s| protocol::folding_range(&at.index, at.enc, s))
                        .collect(),
                )
            })
            .await)
    }

    async fn selection_range(
        &self,
        params: lsp::SelectionRangeParams,
    ) -> RpcResult<Option<Vec<lsp::SelectionRange>>> {
        Ok(self
            .answer("selection range", move |s| {
                let at = s.request_doc(&params.text_document)?;
                let text = at.analysis.file(at.pos.file).text();
                let mut out = Vec::new();
                for p in params.positions {
                    let offset = protocol::offset(&at.index, text, at.enc, p) as u32;
                    let pos = intact_ide::FilePosition {
                        file: at.pos.file,
                        offset,
                    };
                    let spans = intact_ide::selection(&at.analysis, pos);
                    out.push(protocol::selection_range(&at.index, at.enc, &spans, p));
                }
                Some(out)
            })
            .await)
    }

    async fn symbol(
        &self,
        params: lsp::WorkspaceSymbolParams,
    ) -> RpcResult<Option<lsp::WorkspaceSymbolResponse>> {
        Ok(self
            .answer("workspace symbols", move |s| {
                let mut snapshots: Vec<(PathBuf, intact_ide::Snapshot)> = s
                    .snapshots
                    .lock()
                    .unwrap()
                    .iter()
                    .map(|(r, a)| (r.clone(), a.clone()))
                    .collect();
                // A project whose first analysis has not finished yet (just opened) is searched
                // too, on a snapshot built for this request.
                let open: Vec<PathBuf> = s.docs.lock().unwrap().open.keys().cloned().collect();
                for path in open {
                    if let Some(root) = project::find_root(&path)
                        && !snapshots.iter().any(|(r, _)| *r == root)
                        && let Some(at) = s.request_in(&path)
                    {
                        snapshots.push((root, at.analysis));
                    }
                }
                let enc = s.encoding();
                let mut out = Vec::new();
                for (root, analysis) in snapshots {
                    let found = intact_ide::project_symbols(&analysis, &params.query);
                    let mut indexes: HashMap<intact_model::FileId, LineIndex> = HashMap::new();
                    for (file, item) in found {
                        let f = analysis.file(file);
                        let index = indexes
                            .entry(file)
                            .or_insert_with(|| LineIndex::new(f.text()));
                        if let Some(uri) = protocol::uri_for(&root.join(f.path())) {
                            out.push(protocol::workspace_symbol(index, enc, uri, item));
                        }
                    }
                }
                Some(lsp::WorkspaceSymbolResponse::Nested(out))
            })
            .await)
    }

    async fn semantic_tokens_full(
        &self,
        params: lsp::SemanticTokensParams,
    ) -> RpcResult<Option<lsp::SemanticTokensResult>> {
        Ok(self
            .answer("semantic tokens", move |s| {
                let at = s.request_doc(&params.text_document)?;
                let tokens = intact_ide::tokens(&at.analysis, at.pos.file);
                Some(lsp::SemanticTokensResult::Tokens(
                    protocol::semantic_tokens(&at.index, at.enc, &tokens),
                ))
            })
            .await)
    }

    async fn inlay_hint(
        &self,
        params: lsp::InlayHintParams,
    ) -> RpcResult<Option<Vec<lsp::InlayHint>>> {
        Ok(self
            .answer("inlay hints", move |s| {
                let at = s.request_doc(&params.text_document)?;
                let text = at.analysis.file(at.pos.file).text();
                let (from, to) = (
                    protocol::offset(&at.index, text, at.enc, params.range.start) as u32,
                    protocol::offset(&at.index, text, at.enc, params.range.end) as u32,
                );
                let hints = intact_ide::inlay_hints(&at.analysis, at.pos.file);
                Some(
                    hints
                        .into_iter()
                        .filter(|h| from <= h.offset && h.offset <= to)
                        .map(|h| protocol::inlay_hint(&at.index, at.enc, h))
                        .collect(),
                )
            })
            .await)
    }

    async fn code_lens(
        &self,
        params: lsp::CodeLensParams,
    ) -> RpcResult<Option<Vec<lsp::CodeLens>>> {
        Ok(self
            .answer("code lenses", move |s| {
                let at = s.request_doc(&params.text_document)?;
                let lenses = intact_ide::runnables(&at.analysis, at.pos.file)
                    .into_iter()
                    .map(|r| protocol::run_test_lens(&at.index, at.enc, &at.root, r))
                    .collect();
                Some(lenses)
            })
            .await)
    }

    async fn document_symbol(
        &self,
        params: lsp::DocumentSymbolParams,
    ) -> RpcResult<Option<lsp::DocumentSymbolResponse>> {
        Ok(self
            .answer("document symbols", move |s| {
                let at = s.request_doc(&params.text_document)?;
                let items = intact_ide::outline(&at.analysis, at.pos.file);
                Some(lsp::DocumentSymbolResponse::Nested(
                    items
                        .into_iter()
                        .map(|i| protocol::document_symbol(&at.index, at.enc, i))
                        .collect(),
                ))
            })
            .await)
    }
}

/// A contract's bundled input and output schemas as files an editor can open: written under
/// intact's cache folder (`contracts/<id>.input.json`, `.output.json`) when missing or different.
fn contract_schema_files(id: intact_model::contracts::ContractId) -> Vec<PathBuf> {
    use intact_model::contracts::{Side, bundled_schema_text};
    let Some(dir) = project::cache_root().map(|d| d.join("contracts")) else {
        return Vec::new();
    };
    use intact_model::project::cache_files;
    if !cache_files::folder(&dir) {
        return Vec::new();
    }
    [(Side::Input, "input"), (Side::Output, "output")]
        .into_iter()
        .filter_map(|(side, name)| {
            let text = bundled_schema_text(id, side)?;
            let file = format!("{id}.{name}.json");
            let path = dir.join(&file);
            // Read only a regular file, and write a new one renamed into place: a link planted
            // in the folder is replaced, never written through.
            cache_files::write_if_changed(&dir, &file, text.as_bytes()).ok()?;
            Some(path)
        })
        .collect()
}

/// The page of a diagnostic code as a file an editor can open: `intact explain`'s text, written
/// under intact's cache folder (`rules/<group>/<name>.md`) the first time this server links it.
/// intact has no hosted documentation, and a page relative to the repository opens nothing on a
/// user's machine.
pub(crate) fn rule_page_uri(code: intact_ide::Rule) -> Option<lsp::Uri> {
    use intact_model::project::cache_files;
    static PAGES: std::sync::Mutex<Vec<(intact_ide::Rule, Option<lsp::Uri>)>> =
        std::sync::Mutex::new(Vec::new());
    let mut pages = PAGES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, uri)) = pages.iter().find(|(c, _)| *c == code) {
        return uri.clone();
    }
    let uri = (|| {
        let rule = code.info();
        let (group, name) = code.as_str().split_once("::")?;
        let dir = project::cache_root()?.join("rules").join(group);
        let file = format!("{name}.md");
        let path = dir.join(&file);
        cache_files::write_if_changed(&dir, &file, rule.page.as_bytes()).ok()?;
        protocol::uri_for(&path)
    })();
    pages.push((code, uri.clone()));
    uri
}

/// The message a panic carries.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}

/// A request that was well formed but cannot be done here (renaming a keyword, a name that is
/// taken). LSP 3.17 gives this its own code, RequestFailed, so that a client does not report it
/// as the editor having sent bad parameters; the message is the whole explanation.
fn refused(message: String) -> tower_lsp_server::jsonrpc::Error {
    tower_lsp_server::jsonrpc::Error {
        code: tower_lsp_server::jsonrpc::ErrorCode::ServerError(-32803),
        message: message.into(),
        data: None,
    }
}
