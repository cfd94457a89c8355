//! The whole analysis (parse, lower, resolve, every rule) of generated projects.
//!
//! `cargo bench -p intact-check --bench check`; figures are recorded in docs/performance.md.

use divan::{Bencher, black_box};
use intact_model::{Analysis, FileInput};

fn main() {
    okta::isolate_cache();
    divan::main();
    let _ = std::fs::remove_dir_all(
        std::env::temp_dir().join(format!("intact-bench-cache-{}", std::process::id())),
    );
}

fn inputs(lines: usize, files: usize) -> Vec<FileInput> {
    intact_testgen::project(lines, files)
        .into_iter()
        .map(|(p, t)| FileInput::new(p, t))
        .collect()
}

/// Parse and check of a 20,000-line project in 40 files (budget: 50 ms).
#[divan::bench(args = [2_000, 20_000])]
fn parse_and_check(b: Bencher, lines: usize) {
    let files = inputs(lines, 40);
    let a = Analysis::new(files.clone());
    assert!(
        intact_check::check(&a).is_empty(),
        "the generated project must check clean"
    );
    b.bench(|| intact_check::check(&Analysis::new(black_box(files.clone()))));
}

/// Rules alone, on an analysis already built.
#[divan::bench(args = [20_000])]
fn check_only(b: Bencher, lines: usize) {
    // A new analysis each time, built outside the timing: an analysis keeps its expression
    // parses and symbol index, which a new text's check builds again.
    let files = inputs(lines, 40);
    b.with_inputs(|| Analysis::new(files.clone()))
        .bench_refs(|a| intact_check::check(black_box(a)));
}

/// The project `intact import openapi` makes of Okta's management API (732 flows), with its 3.5 MB
/// copy under openapi/: what `intact check` costs in a new process, with and without the digest
/// of the document on disk, and without the copy at all (the 2× budget is warm/without).
mod okta {
    use super::*;
    use std::path::Path;

    fn project() -> Vec<FileInput> {
        let spec = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/corpus/openapi/okta-management-3.0.yaml");
        let bytes =
            std::fs::read(&spec).expect("the corpus is in the repository (tests/corpus/openapi)");
        let read = |p: &Path| std::fs::read(p);
        let opts = intact_import::Options::default();
        let plan = intact_import::plan(&spec, bytes, &read, &opts).unwrap();
        plan.files
            .into_iter()
            .map(|f| FileInput::new(f.path, String::from_utf8(f.bytes).unwrap()))
            .collect()
    }

    fn cache() -> std::path::PathBuf {
        std::env::temp_dir().join(format!("intact-bench-cache-{}", std::process::id()))
    }

    #[divan::bench(sample_count = 10)]
    fn without_the_copy(b: Bencher) {
        let files: Vec<FileInput> = project()
            .into_iter()
            .filter(|f| !f.path.starts_with("openapi"))
            .collect();
        b.bench(|| intact_check::check(&Analysis::new(black_box(files.clone()))));
    }

    /// A new process, no digest on disk: the document is read, and the digest written.
    #[divan::bench(sample_count = 10)]
    fn cold(b: Bencher) {
        let files = project();
        // `check` starts with no documents in memory, as a new process does.
        b.with_inputs(|| {
            let _ = std::fs::remove_dir_all(cache());
        })
        .bench_values(|()| {
            intact_check::check_with(
                &Analysis::new(black_box(files.clone())),
                &intact_check::DocumentCache::on_disk(),
            )
        });
    }

    /// A new process, the digest on disk: the document is not read.
    #[divan::bench(sample_count = 10)]
    fn warm(b: Bencher) {
        let files = project();
        let on_disk = || intact_check::DocumentCache::on_disk();
        intact_check::check_with(&Analysis::new(files.clone()), &on_disk());
        b.bench(|| intact_check::check_with(&Analysis::new(black_box(files.clone())), &on_disk()));
    }

    /// The language server: the digest in memory.
    #[divan::bench(sample_count = 10)]
    fn in_memory(b: Bencher) {
        let files = project();
        let documents = intact_check::DocumentCache::default();
        intact_check::check_with(&Analysis::new(files.clone()), &documents);
        b.bench(|| intact_check::check_with(&Analysis::new(black_box(files.clone())), &documents));
    }

    pub fn isolate_cache() {
        // Before any thread starts: the benchmark's digests go to a folder of its own.
        unsafe { std::env::set_var("INTACT_CACHE_DIR", cache()) };
    }
}
