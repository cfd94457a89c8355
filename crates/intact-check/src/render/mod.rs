//! Output formats of `intact check`: human (miette), JSON, SARIF 2.1.0, GitHub annotations, JUnit,
//! a file each; this one has what they share: how files are named and positions are counted.

mod github;
mod human;
mod json;
mod junit;
mod sarif;

pub use github::github;
pub use human::{HumanOptions, human};
pub use json::json;
pub use junit::junit;
pub use sarif::sarif;

use intact_model::{Analysis, FileId, Loc};
use line_index::{LineIndex, TextSize, WideEncoding};

/// 1-based line and column (in Unicode scalar values) and the byte offset of a position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    pub byte: u32,
}

/// How reports name files. The analysis knows paths relative to the project root; a report names
/// them as seen from where intact runs, so that `intact check sub` from a repository's root writes
/// `sub/intact.kdl`, the path GitHub, SARIF viewers and editors resolve.
#[derive(Clone, Debug, Default)]
pub struct FileNames {
    /// Put before each root-relative path: "" when intact runs in the root, else the root as seen
    /// from the working directory, ending in `/`.
    prefix: String,
    /// The working directory as a `file:` URI ending in `/`: SARIF's `%SRCROOT%`.
    base_uri: Option<String>,
}

impl FileNames {
    /// Paths relative to the project root, as the analysis has them (golden tests).
    pub fn root_relative() -> FileNames {
        FileNames::default()
    }

    /// Paths as seen from `cwd`: relative when the project is inside it, else absolute.
    pub fn from_working_dir(root: &std::path::Path, cwd: &std::path::Path) -> FileNames {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let cwd = cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf());
        let prefix = match root.strip_prefix(&cwd) {
            Ok(rel) => slashed(rel),
            Err(_) => slashed(&root),
        };
        let prefix = if prefix.is_empty() || prefix.ends_with('/') {
            prefix
        } else {
            prefix + "/"
        };
        FileNames {
            prefix,
            base_uri: url::Url::from_directory_path(&cwd)
                .ok()
                .map(|u| u.to_string()),
        }
    }

    /// The name of a root-relative path.
    pub fn name(&self, path: &std::path::Path) -> String {
        format!("{}{}", self.prefix, slashed(path))
    }
}

/// A path with `/` between its parts on every platform (the form of GitHub's and SARIF's paths).
fn slashed(p: &std::path::Path) -> String {
    let parts: Vec<String> = p
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    match parts.first().map(String::as_str) {
        Some("/") => format!("/{}", parts[1..].join("/")),
        _ => parts.join("/"),
    }
}

/// Positions of byte offsets in the project's files; builds each file's line index once.
pub struct Positions<'a> {
    a: &'a Analysis,
    names: &'a FileNames,
    indexes: Vec<Option<LineIndex>>,
}

impl<'a> Positions<'a> {
    pub fn new(a: &'a Analysis, names: &'a FileNames) -> Self {
        Positions {
            a,
            names,
            indexes: (0..a.files.len()).map(|_| None).collect(),
        }
    }

    pub fn at(&mut self, file: FileId, byte: u32) -> Position {
        let text = self.a.file(file).text();
        // A span that ends inside a character (it never should) still gets a position, not a panic.
        let mut byte = byte.min(text.len() as u32);
        while !text.is_char_boundary(byte as usize) {
            byte -= 1;
        }
        let index = self.indexes[file.index()].get_or_insert_with(|| LineIndex::new(text));
        let lc = index.line_col(TextSize::from(byte));
        let col = index
            .to_wide(WideEncoding::Utf32, lc)
            .map_or(lc.col, |w| w.col);
        Position {
            line: lc.line + 1,
            column: col + 1,
            byte,
        }
    }

    /// The byte offset where 0-based `line` starts (the end of the file past the last line).
    pub fn line_start(&mut self, file: FileId, line: u32) -> u32 {
        let text = self.a.file(file).text();
        let index = self.indexes[file.index()].get_or_insert_with(|| LineIndex::new(text));
        index
            .offset(line_index::LineCol { line, col: 0 })
            .map_or(text.len() as u32, u32::from)
    }

    pub fn range(&mut self, loc: Loc) -> (Position, Position) {
        (
            self.at(loc.file, loc.span.start),
            self.at(loc.file, loc.span.end),
        )
    }

    /// The file's name in reports (see [`FileNames`]).
    pub fn path(&self, file: FileId) -> String {
        self.names.name(self.a.file(file).path())
    }
}
