//! Editor features on the generated project: completion inside `${…}`, hover, definition, and
//! rebuilding the analysis for a request (what the language server does with the newest text).
//!
//! `cargo bench -p intact-ide --bench ide`; figures are recorded in docs/performance.md.

use std::path::Path;
use std::sync::Arc;

use divan::{Bencher, black_box};
use intact_ide::{FilePosition, Snapshot};
use intact_model::{Analysis, FileInput, SourceFile};

fn main() {
    divan::main();
}

/// The generated project and a position just after `marker` in its first flow file.
fn setup(lines: usize, marker: &str) -> (Snapshot, FilePosition) {
    let files: Vec<FileInput> = intact_testgen::project(lines, 40)
        .into_iter()
        .map(|(p, t)| FileInput::new(p, t))
        .collect();
    let a = Analysis::new(files);
    let file = a.file_id(Path::new("flows/generated_000.kdl")).unwrap();
    let offset = a.file(file).text().find(marker).expect("the marker") + marker.len();
    (
        Snapshot::new(Arc::new(a)),
        FilePosition {
            file,
            offset: offset as u32,
        },
    )
}

/// `${input.` in a flow: the flow's inputs (budget: 5 ms median).
#[divan::bench(args = [2_000, 20_000])]
fn completion_in_expression(b: Bencher, lines: usize) {
    let (a, pos) = setup(lines, "\"/users/${input.");
    assert!(!intact_ide::completions(&a, pos).is_empty());
    b.bench(|| intact_ide::completions(black_box(&a), pos));
}

/// Node names in a `try` block: the steps.
#[divan::bench(args = [20_000])]
fn completion_of_node_names(b: Bencher, lines: usize) {
    let (a, pos) = setup(lines, "    try {\n");
    assert!(!intact_ide::completions(&a, pos).is_empty());
    b.bench(|| intact_ide::completions(black_box(&a), pos));
}

/// Hover on a path inside `${…}` (budget: 5 ms median).
#[divan::bench(args = [20_000])]
fn hover_in_expression(b: Bencher, lines: usize) {
    let (a, pos) = setup(lines, "\"/users/${input.i");
    assert!(intact_ide::hover(&a, pos).is_some());
    b.bench(|| intact_ide::hover(black_box(&a), pos));
}

/// Definition of a called flow on a snapshot whose symbol index is built (budget: 5 ms median).
#[divan::bench(args = [20_000])]
fn definition_of_a_call(b: Bencher, lines: usize) {
    let (a, pos) = setup(lines, "call \"found\" \"find_f");
    assert!(intact_ide::definition(&a, pos).is_some());
    b.bench(|| intact_ide::definition(black_box(&a), pos));
}

/// Building the symbol index of an analysis, expression parses included: once per analysis (the
/// checker builds it; requests on the same texts reuse it).
#[divan::bench(args = [20_000])]
fn symbol_index(b: Bencher, lines: usize) {
    let (a, _) = setup(lines, "call");
    let files = a.files.clone();
    b.with_inputs(|| Analysis::from_files(files.clone()))
        .bench_refs(|a| intact_model::symbols::SymbolIndex::new(black_box(a)));
}

/// The analysis a request runs on: the snapshot's files with the requesting one parsed anew.
#[divan::bench(args = [20_000])]
fn analysis_for_a_request(b: Bencher, lines: usize) {
    let (a, pos) = setup(lines, "call");
    let edited = a.file(pos.file).input.clone();
    b.bench(|| {
        let mut files: Vec<Arc<SourceFile>> = a
            .files
            .iter()
            .filter(|f| f.input.path != edited.path)
            .cloned()
            .collect();
        files.push(Arc::new(SourceFile::new(edited.clone())));
        Analysis::from_files(black_box(files))
    });
}

/// The project `intact import openapi` makes of Okta's management API (732 flows, a 3.5 MB copy
/// under openapi/): completion and hover at `${steps.call.body` of a request typed by the
/// document (budget: 5 ms median).
mod okta {
    use super::*;

    fn snapshot() -> Option<(Snapshot, FilePosition)> {
        let spec = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/corpus/openapi/okta-management-3.0.yaml");
        let bytes = std::fs::read(&spec).ok()?;
        let read = |p: &Path| std::fs::read(p);
        let opts = intact_import::Options::default();
        let plan = intact_import::plan(&spec, bytes, &read, &opts).ok()?;
        let files: Vec<FileInput> = plan
            .files
            .into_iter()
            .map(|f| FileInput::new(f.path, String::from_utf8(f.bytes).unwrap()))
            .collect();
        let a = Analysis::new(files);
        let file = a.file_id(Path::new("flows/authorization_server_clients.kdl"))?;
        let marker = "return \"${steps.call.body";
        let offset = a.file(file).text().find(marker)? + marker.len();
        Some((
            Snapshot::new(Arc::new(a)),
            FilePosition {
                file,
                offset: offset as u32,
            },
        ))
    }

    #[divan::bench(sample_count = 20)]
    fn completion_of_a_response_field(b: Bencher) {
        let (a, pos) = snapshot().expect("the corpus is in the repository (tests/corpus/openapi)");
        assert!(!intact_ide::completions(&a, pos).is_empty());
        b.bench(|| intact_ide::completions(black_box(&a), pos));
    }

    /// The same on a snapshot the language server has analysed (its semantics computed once):
    /// the scope reuses the mapping types and documents.
    #[divan::bench(sample_count = 20)]
    fn completion_on_an_analysed_snapshot(b: Bencher) {
        let (a, pos) = snapshot().expect("the corpus is in the repository (tests/corpus/openapi)");
        a.semantics();
        assert!(!intact_ide::completions(&a, pos).is_empty());
        b.bench(|| intact_ide::completions(black_box(&a), pos));
    }

    /// Inlay hints of the file on a keystroke's snapshot: the first request types the project
    /// (the snapshot's semantics), as the analysis would.
    #[divan::bench(sample_count = 10)]
    fn hints_on_a_fresh_snapshot(b: Bencher) {
        let (a, pos) = snapshot().expect("the corpus is in the repository (tests/corpus/openapi)");
        // The host's documents, read once, as the language server keeps them per project.
        a.semantics();
        let (analysis, documents) = (a.analysis().clone(), a.documents().clone());
        b.with_inputs(|| Snapshot::in_host(analysis.clone(), documents.clone()))
            .bench_values(|s| intact_ide::inlay_hints(black_box(&s), pos.file).len());
    }

    #[divan::bench(sample_count = 20)]
    fn hover_on_a_response(b: Bencher) {
        let (a, pos) = snapshot().expect("the corpus is in the repository (tests/corpus/openapi)");
        assert!(intact_ide::hover(&a, pos).is_some());
        b.bench(|| intact_ide::hover(black_box(&a), pos));
    }
}
