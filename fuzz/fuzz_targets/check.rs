//! The whole checker on arbitrary projects: the input is split into files at NUL bytes (the first
//! is intact.kdl). No panic, and every finding points inside its file on character boundaries.
#![no_main]

use intact_model::{Analysis, FileInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let files: Vec<FileInput> = data
        .split(|&b| b == 0)
        .take(8)
        .enumerate()
        .map(|(i, part)| {
            let path = if i == 0 { "intact.kdl".to_string() } else { format!("f{i}.kdl") };
            FileInput::from_bytes(path, part)
        })
        .collect();
    let analysis = Analysis::new(files);
    for d in intact_check::check(&analysis) {
        let text = analysis.file(d.loc.file).text();
        let r = d.loc.span.range();
        assert!(r.start <= r.end && r.end <= text.len());
        assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
    }
    // The renderers must cope with whatever the rules found.
    let diags = intact_check::check(&analysis);
    let names = intact_check::render::FileNames::root_relative();
    let _ = intact_check::render::json(&analysis, &diags, &names);
    let _ = intact_check::render::sarif(&analysis, &diags, &names);
});
