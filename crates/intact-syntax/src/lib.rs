//! intact's KDL v2 front end: a lossless lexer, an error-tolerant parser and a formatter.
//!
//! [`parse`] never fails: it returns the tokens (covering every byte), a tree of everything it could
//! read, and every error with its span. See `docs/decisions/0001-own-kdl-parser.md` for why intact
//! has its own parser rather than using the `kdl` crate.

pub mod ast;
pub mod build;
pub mod cursor;
mod decode;
pub mod encode;
pub mod error;
pub mod format;
pub mod lexer;
mod parser;
pub mod span;

pub use ast::{Annotation, Block, Document, Entry, Literal, Name, Node, Value};
pub use decode::parse_number;
pub use encode::quote;
pub use error::{ErrorKind, SyntaxError};
pub use parser::{MAX_DEPTH, Parse, parse};
pub use span::Span;
