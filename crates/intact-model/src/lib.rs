//! The intact project model.
//!
//! - [`catalogue`]: the one description of the language (node kinds, values, docs).
//! - [`contracts`]: the 22 action contracts and what makes each mandatory.
//! - [`project`]: finding and loading a project's files.
//! - [`defs`]: the typed definitions of a project (connections, actions, flows, steps, tests);
//!   [`lower`]: from syntax trees to those definitions with spans, tolerant of every error.
//! - [`template`]: `${…}` parts of strings.
//!
//! The whole analysis is a pure function of the files' texts: [`Analysis::new`] takes the texts and
//! returns parses and the model, which the checker, the language server, the executor and the
//! importer all read.

pub mod catalogue;
pub mod contracts;
pub mod defs;
pub mod eval;
pub mod json_tree;
pub mod junit;
pub mod lower;
pub mod project;
pub mod reach;
pub mod run_values;
pub mod serialize;
pub mod symbols;
pub mod template;
pub mod urls;

use std::path::PathBuf;
use std::sync::Arc;

use intact_syntax::{Parse, Span};

pub use defs::*;
pub use lower::lower;

/// A file of an [`Analysis`]: its index in [`Analysis::files`], never confused with a byte
/// offset or a line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(u32);

impl FileId {
    /// The file at `index` of [`Analysis::files`].
    pub const fn from_index(index: usize) -> FileId {
        FileId(index as u32)
    }

    /// Its index in [`Analysis::files`].
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// A place in the project: a file and a byte range in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    pub file: FileId,
    pub span: Span,
}

impl Loc {
    pub fn new(file: FileId, span: Span) -> Loc {
        Loc { file, span }
    }
}

/// One file's input to the analysis.
#[derive(Clone, Debug)]
pub struct FileInput {
    /// Path relative to the project root, with `/` separators.
    pub path: PathBuf,
    pub text: Arc<str>,
    /// Where the file's bytes were not valid UTF-8 (they were replaced before parsing).
    pub invalid_utf8_at: Option<u32>,
}

impl FileInput {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> FileInput {
        FileInput {
            path: path.into(),
            text: text.into(),
            invalid_utf8_at: None,
        }
    }

    /// A file from raw bytes: invalid UTF-8 is replaced and remembered, a BOM is kept.
    pub fn from_bytes(path: impl Into<PathBuf>, bytes: &[u8]) -> FileInput {
        match std::str::from_utf8(bytes) {
            Ok(s) => FileInput::new(path, s),
            Err(e) => FileInput {
                path: path.into(),
                text: String::from_utf8_lossy(bytes).into(),
                invalid_utf8_at: Some(e.valid_up_to() as u32),
            },
        }
    }
}

impl FileInput {
    /// Whether the file is KDL (parsed and lowered); the other project files (environments
    /// under `env/`) are read as text for the rules that look at them.
    pub fn is_kdl(&self) -> bool {
        self.path.extension().is_some_and(|x| x == "kdl")
    }
}

/// The largest KDL file parsed unless the project's `max-file-size` says otherwise: well above
/// any written or imported file, well below what a parse of a runaway file would cost.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 4 * 1024 * 1024;

/// A parsed file.
#[derive(Debug)]
pub struct SourceFile {
    pub input: FileInput,
    /// Empty for files that are not KDL, and for a KDL file over the size limit.
    pub parse: Parse,
    /// The limit a KDL file is over: it was not parsed (`limit::file-size`).
    pub too_large: Option<u64>,
    /// The file's definitions, lowered for the place it last had among the project's files: the
    /// next analysis that shares this file at the same place shares them (decision 0013).
    lowered: std::sync::Mutex<Option<(FileId, Arc<Model>)>>,
}

impl SourceFile {
    /// Parses a KDL file within the default size limit; other files get an empty parse.
    pub fn new(input: FileInput) -> SourceFile {
        SourceFile::within(input, DEFAULT_MAX_FILE_SIZE)
    }

    /// Parses a KDL file of at most `limit` bytes; a larger one, and other files, get an empty
    /// parse.
    pub fn within(input: FileInput, limit: u64) -> SourceFile {
        let too_large = (input.is_kdl() && input.text.len() as u64 > limit).then_some(limit);
        let parse = if input.is_kdl() && too_large.is_none() {
            intact_syntax::parse(&input.text)
        } else {
            Parse::default()
        };
        SourceFile {
            input,
            parse,
            too_large,
            lowered: Default::default(),
        }
    }

    /// A KDL file parsed by the caller (the formatter, which has the parse already).
    pub fn parsed(input: FileInput, parse: Parse) -> SourceFile {
        SourceFile {
            input,
            parse,
            too_large: None,
            lowered: Default::default(),
        }
    }

    /// This file's definitions, its locations naming it `id`: lowered on first use at that
    /// place, then shared.
    pub(crate) fn lowered(&self, id: FileId) -> Arc<Model> {
        let mut kept = self.lowered.lock().unwrap_or_else(|e| e.into_inner());
        match &*kept {
            Some((at, model)) if *at == id => model.clone(),
            _ => {
                let model = Arc::new(lower::lower_file(id, self));
                *kept = Some((id, model.clone()));
                model
            }
        }
    }

    /// Whether the file was parsed as `limit` says it should be.
    fn fits(&self, limit: u64) -> bool {
        let over = self.input.is_kdl() && self.input.text.len() as u64 > limit;
        match self.too_large {
            Some(l) => over && l == limit,
            None => !over,
        }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.input.path
    }
    pub fn text(&self) -> &str {
        &self.input.text
    }
}

/// The `max-file-size` of the root file's `project` node, if it gives one that reads.
fn max_file_size(root: &intact_syntax::Document) -> Option<u64> {
    root.nodes
        .iter()
        .filter(|n| n.name() == "project")
        .flat_map(|n| n.children())
        .find(|c| c.name() == "max-file-size")
        .and_then(|c| {
            c.arg(0)?
                .value
                .as_str()
                .and_then(catalogue::parse_size_bytes)
        })
}

/// Parses and lowering of a whole project: a pure function of the file texts.
#[derive(Debug)]
pub struct Analysis {
    /// Sorted by path. Shared, so that an editor's next analysis reuses unchanged files' parses.
    pub files: Vec<Arc<SourceFile>>,
    pub model: Model,
    /// Built on first use and shared by the checker's name rules and every editor feature.
    symbols: std::sync::OnceLock<symbols::SymbolIndex>,
    /// The parse of each distinct expression text, shared by the symbol index and the checker's
    /// typing: a project repeats its expressions (`${steps.get.body}`) and each is parsed once.
    expressions: std::sync::Mutex<Expressions>,
    /// The parses the analysis before this one made (`Analysis::after`): an edit changes few
    /// expressions, and the rest are not parsed again. Only what this analysis uses is handed on.
    inherited: Expressions,
}

type Expressions = std::collections::HashMap<Arc<str>, Arc<ParsedExpression>>;

/// An expression's parse: its tree, or its syntax errors.
pub type ParsedExpression = Result<intact_expr::Parsed, Vec<intact_expr::SyntaxError>>;

impl Analysis {
    pub fn new(inputs: Vec<FileInput>) -> Analysis {
        let files = inputs
            .into_iter()
            .map(|input| Arc::new(SourceFile::new(input)))
            .collect();
        Analysis::from_files(files)
    }

    /// Builds the analysis from files already parsed (the language server reparses only what
    /// changed and reuses the rest).
    pub fn from_files(files: Vec<Arc<SourceFile>>) -> Analysis {
        Analysis::with_parses(files, Expressions::new())
    }

    /// The analysis of `files` after `previous` (the language server's next snapshot): files
    /// shared with it keep their definitions (when at the same place among the files) and
    /// expressions already parsed are not parsed again.
    pub fn after(previous: &Analysis, files: Vec<Arc<SourceFile>>) -> Analysis {
        let inherited = previous
            .expressions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        Analysis::with_parses(files, inherited)
    }

    fn with_parses(mut files: Vec<Arc<SourceFile>>, inherited: Expressions) -> Analysis {
        files.sort_by(|a, b| a.input.path.cmp(&b.input.path));
        // The project's `max-file-size`: a file parsed (or not) under another limit is read
        // again under this one.
        let limit = files
            .iter()
            .find(|f| f.input.path == std::path::Path::new(project::ROOT_FILE))
            .and_then(|root| max_file_size(&root.parse.document))
            .unwrap_or(DEFAULT_MAX_FILE_SIZE);
        for f in files.iter_mut().filter(|f| !f.fits(limit)) {
            *f = Arc::new(SourceFile::within(f.input.clone(), limit));
        }
        let model = lower::lower(&files);
        Analysis {
            files,
            model,
            symbols: std::sync::OnceLock::new(),
            expressions: Default::default(),
            inherited,
        }
    }

    /// The parse of an expression's text (the part inside `${…}`), parsed once per analysis.
    pub fn expression(&self, text: &str) -> Arc<ParsedExpression> {
        if let Some(p) = self.expressions.lock().unwrap().get(text) {
            return p.clone();
        }
        if let Some((key, p)) = self.inherited.get_key_value(text) {
            self.expressions
                .lock()
                .unwrap()
                .insert(key.clone(), p.clone());
            return p.clone();
        }
        // Parsed outside the lock: another thread may parse the same text meanwhile, which
        // costs time, never correctness.
        let parsed = Arc::new(intact_expr::parse(text));
        self.expressions
            .lock()
            .unwrap()
            .entry(text.into())
            .or_insert(parsed)
            .clone()
    }

    /// Every definition and reference of the project: one resolution of names for the checker
    /// and the editor alike.
    pub fn symbols(&self) -> &symbols::SymbolIndex {
        self.symbols.get_or_init(|| symbols::SymbolIndex::new(self))
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.index()]
    }

    /// The project node that counts: the one in the root `intact.kdl`, else the first.
    pub fn project(&self) -> Option<&ProjectDef> {
        let root = self.file_id(std::path::Path::new(project::ROOT_FILE));
        self.model
            .projects
            .iter()
            .find(|p| Some(p.loc.file) == root)
            .or(self.model.projects.first())
            .map(Arc::as_ref)
    }

    pub fn file_id(&self, path: &std::path::Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.input.path == path)
            .map(FileId::from_index)
    }

    /// The text a location covers.
    pub fn text_at(&self, loc: Loc) -> &str {
        &self.file(loc.file).text()[loc.span.range()]
    }

    /// `file:line:col` of a location's start (1-based; columns in characters), as messages of a
    /// run name it. Reports of `intact check` use `intact_check::render::Positions` instead.
    pub fn place(&self, loc: Loc) -> String {
        let file = self.file(loc.file);
        let text = file.text();
        let mut at = (loc.span.start as usize).min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let before = &text[..at];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        format!("{}:{line}:{col}", file.path().display())
    }
}
