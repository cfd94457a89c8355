//! Each `tests/cases/NAME.kdl` (a project of one file) drawn: every flow's and action's Mermaid,
//! compared with `tests/cases/NAME.md` beside it. `UPDATE_EXPECT=1 cargo test -p intact-graph
//! --test cases` rewrites them.

use std::path::Path;

use intact_model::{Analysis, FileInput};

#[test]
fn every_case_is_drawn_as_expected() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut cases = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "kdl") {
            continue;
        }
        cases += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let a = Analysis::new(vec![FileInput::new("intact.kdl", text)]);
        let mut page = String::new();
        let graphs = a
            .model
            .actions
            .iter()
            .map(|ac| intact_graph::action(&a, ac))
            .chain(a.model.flows.iter().map(|f| intact_graph::flow(&a, f)));
        for g in graphs {
            page.push_str(&format!(
                "## {}\n\n```mermaid\n{}```\n\n",
                g.title,
                intact_graph::mermaid(&g)
            ));
        }
        let expected_path = path.with_extension("md");
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&expected_path, &page).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        assert!(
            expected == page,
            "{} differs; `UPDATE_EXPECT=1 cargo test -p intact-graph --test cases` rewrites it \
             after a reviewed change:\n{page}",
            expected_path.display()
        );
    }
    assert!(cases > 0);
}
