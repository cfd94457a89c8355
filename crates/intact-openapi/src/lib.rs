//! The OpenAPI reader: an OpenAPI 3.x description (JSON or YAML, one file or several joined by
//! relative `$ref`s) read and lowered into a small model of operations and schemas.
//!
//! Reading (decision 0005): the text becomes a `serde_json::Value`; the `openapi` field chooses
//! the typed crate (`openapiv3` for 3.0, `oas3` for 3.1 and 3.2); both are lowered into one small
//! model ([`model::Api`]). [`describe`] is all the checker's `openapi::*` rules need; the importer
//! (`intact-import`) generates KDL from the same description.

pub mod files;
pub mod lower;
pub mod model;
pub mod read;
pub mod refs;
pub mod yaml;

use std::path::Path;

pub use model::{Api, Location, Operation, Param};
pub use read::Version;
pub use refs::{At, Docs, Reader};

/// The code of a document whose version intact does not read.
pub const UNSUPPORTED_VERSION: &str = "openapi::unsupported-version";

/// Why an import could not be done: a message that names the place, and how to fix it. Only
/// `openapi::unsupported-version` has a code (and a page under docs/rules/); the rest are usage
/// and input errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: Option<&'static str>,
    pub message: String,
    pub help: Option<String>,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Error {
        Error {
            code: None,
            message: message.into(),
            help: None,
        }
    }

    /// Whether this is `openapi::unsupported-version` (a document of a version intact does not
    /// read), the one error with a rule of its own.
    pub fn is_unsupported_version(&self) -> bool {
        self.code == Some(UNSUPPORTED_VERSION)
    }

    pub fn code(mut self, code: &'static str) -> Error {
        self.code = Some(code);
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Error {
        self.help = Some(help.into());
        self
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(code) = self.code {
            write!(f, "{code}: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// A document read and lowered: every file, and the model. Cheap enough for the checker to call
/// on every run (no generation, no schema deserialized).
#[derive(Debug)]
pub struct Described {
    pub docs: Docs,
    pub api: Api,
    pub version: Version,
}

impl Described {
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.api
            .operations
            .iter()
            .find(|o| o.id.as_deref() == Some(id))
    }

    /// The JSON Schema at `at` (a response or body schema), following `$ref`s to `$ref`s; its
    /// inner `$ref`s are left as they are (relative to [`Described::file_of`]).
    pub fn schema(&self, at: &At) -> Option<&serde_json::Value> {
        self.docs.deref(at).ok().map(|(_, v)| v)
    }

    /// The path of the file that holds `at`.
    pub fn file_of(&self, at: &At) -> Option<&Path> {
        self.docs.files.get(at.file).map(|f| f.path.as_path())
    }
}

/// [`describe`] over files already in memory (a project's `openapi/` folder in an analysis):
/// `text` finds a file's bytes by its path, and a `$ref` to a file it does not know is an error
/// that names the folder. The checker and the executor both read documents this way.
pub fn describe_among(
    path: &Path,
    text: impl Fn(&Path) -> Option<Vec<u8>>,
) -> Result<Described, Error> {
    let read = |p: &Path| -> std::io::Result<Vec<u8>> {
        text(&intact_jsonref::normalize(p)).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file under openapi/ in the project",
            )
        })
    };
    describe(path, text(path).unwrap_or_default(), &read)
}

/// Reads the document at `path` (its text is `bytes`) and every file its `$ref`s name, through
/// `read`, and lowers it. Relative `$ref`s are resolved against the folder of the file they are
/// written in.
pub fn describe(path: &Path, bytes: Vec<u8>, read: Reader) -> Result<Described, Error> {
    let shown = path.display().to_string();
    let value = read::parse(&bytes, &shown)?;
    let (version, openapi) = read::version(&value, &shown)?;
    let docs = Docs::load(
        refs::File {
            path: path.to_path_buf(),
            bytes,
            value,
        },
        read,
    )?;
    let api = lower::lower(&docs, version, openapi)?;
    Ok(Described { docs, api, version })
}
