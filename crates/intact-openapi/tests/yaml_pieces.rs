//! A large YAML description read in pieces on two threads (`intact_openapi::yaml`) is the same
//! value, keys in the same order, as the description read whole; what cannot be cut cleanly is
//! read whole.

use std::path::Path;

use intact_openapi::yaml;

fn whole(text: &str) -> String {
    serde_json::to_string(&yaml::read(text, usize::MAX).unwrap()).unwrap()
}

#[test]
fn every_yaml_description_of_the_corpus_reads_the_same_in_pieces() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/openapi");
    let mut cut = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let expected = whole(&text);
        assert_eq!(
            serde_json::to_string(&yaml::read(&text, 0).unwrap()).unwrap(),
            expected,
            "{}",
            p.display()
        );
        if let Some(v) = yaml::in_pieces(&text) {
            assert_eq!(
                serde_json::to_string(&v).unwrap(),
                expected,
                "{}",
                p.display()
            );
            cut += 1;
        }
    }
    assert!(cut >= 5, "only {cut} descriptions were cut into pieces");
    let okta = std::fs::read_to_string(dir.join("okta-management-3.0.yaml")).unwrap();
    assert!(
        yaml::in_pieces(&okta).is_some(),
        "the largest one is read in pieces"
    );
}

const PATHS: &str = "openapi: 3.0.3\ninfo:\n  title: t\n  version: '1'\npaths:\n  /a:\n    get:\n      summary: a\n  /b:\n    get:\n      summary: b\n  /c:\n    get:\n      summary: c\ncomponents:\n  schemas: {}\n";

#[test]
fn what_does_not_cut_cleanly_is_read_whole() {
    let cases = [
        // An alias to an anchor in another piece.
        PATHS
            .replace("summary: a", "summary: &s a")
            .replace("summary: c", "summary: *s"),
        // A key in two pieces: the whole reading reports it.
        format!("{PATHS}info:\n  title: again\n"),
        // A flow mapping over several lines at the cut.
        PATHS.replace(
            "  /b:\n    get:\n      summary: b\n",
            "  /b: {get: {summary: b},\n  x: 1}\n",
        ),
        // Not a mapping at all.
        "- a\n- b\n".to_string(),
    ];
    for text in &cases {
        let split = yaml::read(text, 0).map(|v| serde_json::to_string(&v).unwrap());
        let one = yaml::read(text, usize::MAX).map(|v| serde_json::to_string(&v).unwrap());
        assert_eq!(split.as_ref().ok(), one.as_ref().ok(), "{text}");
        assert_eq!(split.is_err(), one.is_err(), "{text}");
    }
    let anchored = &cases[0];
    assert!(yaml::in_pieces(anchored).is_none());
    assert!(yaml::in_pieces(PATHS).is_some());
}
