//! Parse throughput and memory, intact's parser side by side with the `kdl` crate on the same text.
//!
//! `cargo bench -p intact-syntax --bench parse`; figures are recorded in docs/performance.md.

use divan::counter::BytesCount;
use divan::{AllocProfiler, Bencher, black_box};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    divan::main();
}

/// The generated 20,000-line project as one text (about 700 KB).
fn project_text() -> String {
    intact_testgen::project(20_000, 40)
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join("\n")
}

#[divan::bench]
fn intact_parse(b: Bencher) {
    let text = project_text();
    b.counter(BytesCount::of_str(&text))
        .bench(|| intact_syntax::parse(black_box(&text)));
}

#[divan::bench]
fn kdl_crate_parse(b: Bencher) {
    let text = project_text();
    b.counter(BytesCount::of_str(&text)).bench(|| {
        black_box(&text)
            .parse::<kdl::KdlDocument>()
            .expect("valid KDL")
    });
}

#[divan::bench]
fn intact_format(b: Bencher) {
    let text = project_text();
    let parse = intact_syntax::parse(&text);
    b.counter(BytesCount::of_str(&text))
        .bench(|| intact_syntax::format::format(black_box(&text), &parse).unwrap());
}

/// 10,000 nested blocks: a diagnostic, not a stack overflow.
#[divan::bench]
fn deep_nesting_10k(b: Bencher) {
    let text = "a {".repeat(10_000) + &"}".repeat(10_000);
    b.bench(|| {
        let p = intact_syntax::parse(black_box(&text));
        assert!(!p.errors.is_empty());
        p
    });
}
