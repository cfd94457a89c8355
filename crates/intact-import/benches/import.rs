//! The importer against merely parsing: okta-management-3.0.yaml (3.5 MB YAML) and
//! github-api-3.0.json (3 MB JSON) from the shared corpus, all operations, generation and
//! formatting included, nothing written to disk. The target is at most 3× the parse.
//!
//! `cargo bench -p intact-import --bench import`; figures are recorded in docs/performance.md.

use std::path::{Path, PathBuf};

use divan::Bencher;

fn main() {
    divan::main();
}

fn corpus(name: &str) -> (PathBuf, Vec<u8>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/corpus/openapi")
        .join(name);
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("the corpus file {} is missing: {e}", path.display()));
    (path, bytes)
}

const DOCS: &[&str] = &["okta-management-3.0.yaml", "github-api-3.0.json"];

/// The baseline: the text into a `serde_json::Value`, as any importer must do first.
#[divan::bench(args = DOCS, sample_count = 10)]
fn parse_only(b: Bencher, name: &str) {
    let (path, bytes) = corpus(name);
    b.bench(|| intact_openapi::read::parse(&bytes, &path.display().to_string()).unwrap());
}

/// The whole import in memory: parse, references, lowering, KDL generation and formatting.
#[divan::bench(args = DOCS, sample_count = 10)]
fn import(b: Bencher, name: &str) {
    let (path, bytes) = corpus(name);
    let read = |p: &Path| std::fs::read(p);
    let opts = intact_import::Options::default();
    // The document is returned with the plan so that, as for `parse_only`, dropping the parsed
    // tree (a tenth of the time for GitHub) falls outside the measurement.
    b.bench(|| {
        let d = intact_openapi::describe(&path, bytes.clone(), &read).unwrap();
        let plan =
            intact_import::plan_described(&d, &path, &opts, intact_import::Destination::NewProject)
                .unwrap();
        (d, plan)
    });
}
