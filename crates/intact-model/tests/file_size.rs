//! A KDL file over the project's size limit is not parsed: the default, the project's own
//! `max-file-size`, and files an editor parsed before the limit changed.

use std::sync::Arc;

use intact_model::{Analysis, DEFAULT_MAX_FILE_SIZE, FileInput, SourceFile};

fn root(limit: Option<&str>) -> FileInput {
    let limit = limit.map_or(String::new(), |l| format!("    max-file-size \"{l}\"\n"));
    FileInput::new(
        "intact.kdl",
        format!("project \"p\" {{\n    display-name \"P\"\n{limit}}}\n"),
    )
}

fn flows(bytes: usize) -> FileInput {
    let one = "flow \"f\" {\n    return \"x\"\n}\n";
    FileInput::new("flows.kdl", one.repeat(bytes / one.len() + 1))
}

fn too_large(a: &Analysis) -> Option<u64> {
    a.files
        .iter()
        .find(|f| f.path().ends_with("flows.kdl"))
        .unwrap()
        .too_large
}

#[test]
fn a_file_over_the_limit_is_not_parsed() {
    let small = Analysis::new(vec![root(None), flows(1000)]);
    assert_eq!(too_large(&small), None);
    assert!(!small.model.flows.is_empty());

    let limited = Analysis::new(vec![root(Some("512B")), flows(1000)]);
    assert_eq!(too_large(&limited), Some(512));
    assert!(limited.model.flows.is_empty(), "nothing of it is read");

    let default = Analysis::new(vec![root(None), flows(DEFAULT_MAX_FILE_SIZE as usize + 1)]);
    assert_eq!(too_large(&default), Some(DEFAULT_MAX_FILE_SIZE));
    let raised = Analysis::new(vec![
        root(Some("8MiB")),
        flows(DEFAULT_MAX_FILE_SIZE as usize + 1),
    ]);
    assert_eq!(too_large(&raised), None);
}

#[test]
fn files_parsed_under_another_limit_are_read_again() {
    // As the language server does: files parsed on their own, then put together.
    let files = vec![
        Arc::new(SourceFile::new(root(Some("512B")))),
        Arc::new(SourceFile::new(flows(1000))),
    ];
    assert_eq!(files[1].too_large, None);
    let a = Analysis::from_files(files);
    assert_eq!(too_large(&a), Some(512));
}
