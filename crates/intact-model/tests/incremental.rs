//! An analysis after an edit lowers the edited file and shares every other file's definitions
//! with the analysis before it (decision 0013), and what it shares reads the same as a fresh
//! lowering would.

use std::path::Path;
use std::sync::Arc;

use intact_model::{Analysis, FileInput, SourceFile};

const ROOT: &str = r#"project "p"
test-defaults {
    app region="eu"
}
"#;

const USERS: &str = r#"flow "get_user" {
    input "id" type="string"
    return "${input.id}"
}
test "gets" flow="get_user" {
    input { id "1" }
}
"#;

fn parsed(path: &str, text: &str) -> Arc<SourceFile> {
    Arc::new(SourceFile::new(FileInput::new(path, text)))
}

fn flow<'a>(a: &'a Analysis, name: &str) -> &'a Arc<intact_model::FlowDef> {
    a.model
        .flows
        .iter()
        .find(|f| f.name.name == name)
        .expect("the flow")
}

#[test]
fn an_edit_shares_the_definitions_of_the_files_it_did_not_touch() {
    let users = parsed("flows/users.kdl", USERS);
    let before = Analysis::from_files(vec![parsed("intact.kdl", ROOT), users.clone()]);
    let edited = ROOT.replace("\"p\"", "\"q\"");
    let after = Analysis::from_files(vec![parsed("intact.kdl", &edited), users]);
    assert!(Arc::ptr_eq(
        flow(&before, "get_user"),
        flow(&after, "get_user")
    ));
    assert_eq!(after.project().unwrap().name.as_ref().unwrap().name, "q");
}

#[test]
fn a_file_at_a_new_place_is_lowered_again_with_locations_naming_it() {
    let users = parsed("flows/users.kdl", USERS);
    let before = Analysis::from_files(vec![parsed("intact.kdl", ROOT), users.clone()]);
    // A file sorted before it moves it one place on.
    let after = Analysis::from_files(vec![
        parsed("intact.kdl", ROOT),
        parsed("flows/a.kdl", "flow \"other\" {\n}\n"),
        users,
    ]);
    let (old, new) = (flow(&before, "get_user"), flow(&after, "get_user"));
    assert!(!Arc::ptr_eq(old, new));
    assert_eq!(
        after.file(new.loc.file).path(),
        Path::new("flows/users.kdl")
    );
    assert_eq!(after.text_at(new.name.loc), "\"get_user\"");
}

#[test]
fn tests_take_the_defaults_of_the_analysis_they_are_in() {
    let users = parsed("flows/users.kdl", USERS);
    let region = |a: &Analysis| {
        let t = a
            .model
            .tests
            .iter()
            .find(|t| t.name.name == "gets")
            .unwrap();
        let (_, value) = t.run.app.iter().find(|(k, _)| k.name == "region").unwrap();
        format!("{value:?}")
    };
    let eu = Analysis::from_files(vec![parsed("intact.kdl", ROOT), users.clone()]);
    let us = Analysis::from_files(vec![
        parsed("intact.kdl", &ROOT.replace("eu", "us")),
        users.clone(),
    ]);
    let none = Analysis::from_files(vec![parsed("intact.kdl", "project \"p\"\n"), users]);
    assert!(region(&eu).contains("\"eu\""), "{}", region(&eu));
    assert!(region(&us).contains("\"us\""), "{}", region(&us));
    assert!(
        none.model.tests[0].run.app.is_empty(),
        "the shared lowering stays as written"
    );
}
