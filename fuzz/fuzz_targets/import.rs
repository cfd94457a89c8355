//! The OpenAPI importer on arbitrary documents (JSON or YAML text): no panic, and what it
//! generates parses as KDL without errors. `$ref`s to other files read nothing.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let read = |_: &Path| -> std::io::Result<Vec<u8>> {
        Err(std::io::Error::other("the fuzzer reads no other file"))
    };
    let opts = intact_import::Options {
        write_project_file: true,
        base_url: Some("https://api.example.com".into()),
        ..Default::default()
    };
    let Ok(plan) = intact_import::plan(Path::new("fuzz.yaml"), data.to_vec(), &read, &opts) else {
        return;
    };
    for f in plan.files.iter().filter(|f| f.path.extension().is_some_and(|e| e == "kdl")) {
        let text = String::from_utf8(f.bytes.clone()).expect("generated files are UTF-8");
        let parsed = intact_syntax::parse(&text);
        assert!(parsed.errors.is_empty(), "{}: {:?}\n{text}", f.path.display(), parsed.errors);
    }
});
