//! intact's editor features, in editor terms: byte offsets into a file of an
//! [`intact_model::Analysis`], labels and Markdown; no LSP types. `intact-lsp` translates these
//! into the protocol (positions, capabilities) and nothing more, as rust-analyzer's `ide` crate and
//! its LSP crate split the work.
//!
//! - [`completion`]: node and property names allowed at the cursor, enum values, names by kind.
//! - [`hover`]: the catalogue's doc for a node or property, what a reference names.
//!
//! Every feature answers on any text the parser returns, broken files included.

mod completion;
mod hover;
mod resolve;

pub use completion::{CompletionItem, CompletionKind, completions};
pub use hover::{Hover, hover};

use intact_model::FileId;

/// A place in a file of the analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FilePosition {
    pub file: FileId,
    /// A byte offset into the file's text.
    pub offset: u32,
}
