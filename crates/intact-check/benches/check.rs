//! The whole analysis (parse, lower, resolve, every rule) of generated projects.
//!
//! `cargo bench -p intact-check --bench check`; figures are recorded in docs/performance.md.

use divan::{Bencher, black_box};
use intact_model::{Analysis, FileInput};

fn main() {
    divan::main();
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
    let a = Analysis::new(inputs(lines, 40));
    b.bench(|| intact_check::check(black_box(&a)));
}
