//! What the data-driven tests share (`fixtures.rs`, `rules.rs`): loading a fixture project, the
//! one-line form of findings, and comparing with (or, under `UPDATE_EXPECT=1`, rewriting) an
//! expected file.

use std::path::{Path, PathBuf};

use intact_check::Diagnostic;
use intact_check::render;
use intact_model::{Analysis, project};

/// `tests/fixtures/NAME` at the repository root.
pub fn fixtures(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

/// A path under `tests/fixtures/` as a message shows it: `tests/fixtures/rules/syntax/_`.
pub fn shown(path: &Path) -> String {
    let rel = path.strip_prefix(fixtures("")).unwrap_or(path);
    format!("tests/fixtures/{}", rel.display())
}

pub fn analyze(dir: &Path) -> (Analysis, Vec<Diagnostic>) {
    let a = Analysis::new(project::load(dir).unwrap());
    let d = intact_check::check(&a);
    (a, d)
}

/// One line per finding: `file:line:col: severity[code]: message`.
pub fn compact(a: &Analysis, diags: &[Diagnostic]) -> String {
    let names = render::FileNames::root_relative();
    let mut pos = render::Positions::new(a, &names);
    let mut out = String::new();
    for d in diags {
        let p = pos.at(d.loc.file, d.loc.span.start);
        out.push_str(&format!(
            "{}:{}:{}: {}[{}]: {}\n",
            pos.path(d.loc.file),
            p.line,
            p.column,
            d.severity.as_str(),
            d.code,
            d.message
        ));
    }
    out
}

/// Compares `actual` with the file, or rewrites the file under UPDATE_EXPECT=1.
pub fn expect_file(path: &Path, actual: &str) -> Result<(), String> {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(path, actual).unwrap();
        return Ok(());
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{} differs (run `UPDATE_EXPECT=1 cargo test -p intact-check --test {}` and review the diff)\n--- expected\n{expected}\n--- actual\n{actual}",
            shown(path),
            env!("CARGO_CRATE_NAME")
        ))
    }
}
