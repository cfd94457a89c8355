//! Which files of a project's `openapi/` folder are documents: the one rule the checker, the
//! executor and the editor's completion share.

use std::path::Path;

/// A file that may hold a document or a fragment: `.json`, `.yaml`, `.yml`.
pub fn is_document(path: &Path) -> bool {
    path.extension()
        .is_some_and(|x| x == "json" || x == "yaml" || x == "yml")
}

/// A file directly under `openapi/` (`openapi/NAME.{json,yaml,yml}`), where entry documents are.
pub fn is_entry(path: &Path) -> bool {
    path.parent() == Some(Path::new("openapi")) && is_document(path)
}

/// Whether a file directly under `openapi/` is a document (it names its `openapi` or `swagger`
/// version at the top) rather than a fragment a document's `$ref` names (split documents keep
/// some beside their entry: a `description.yml`). Only documents are read, and reported on.
pub fn declares_version(text: &str) -> bool {
    let json = text.trim_start().starts_with('{');
    if json {
        return text.contains("\"openapi\"") || text.contains("\"swagger\"");
    }
    text.lines().any(|l| {
        let key = l.trim_start_matches(['"', '\'']);
        l == l.trim_start()
            && (key.starts_with("openapi") || key.starts_with("swagger"))
            && key
                .trim_start_matches("openapi")
                .trim_start_matches("swagger")
                .trim_start_matches(['"', '\''])
                .starts_with(':')
    })
}
