//! `intact import openapi DOC --update` on two real versions of Twilio's Organization Public API
//! (tests/corpus/openapi: June 2024 and today), with a generated file edited between the two
//! imports; and on a description that loses an operation and gains a required parameter, where
//! the kept, edited flows then show `openapi::unknown-operation` and `openapi::drift`.

#[path = "support/binary.rs"]
mod binary;

use std::path::{Path, PathBuf};

use binary::{assert_exit, intact, stdout};

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/corpus/openapi")
        .join(name)
}

/// `doc` copied as `DIR/NAME` (the project's copy keeps the name it was imported with).
fn as_named(doc: &Path, dir: &Path, name: &str) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let to = dir.join(name);
    std::fs::copy(doc, &to).unwrap();
    to.display().to_string()
}

#[test]
fn a_new_version_regenerates_what_nobody_edited_and_keeps_what_someone_did() {
    let work = tempfile::tempdir().unwrap();
    let project = work.path().join("project");
    let old = as_named(
        &corpus("twilio-iam-organizations-scim-3.0-2024-06.yaml"),
        &work.path().join("old"),
        "twilio.yaml",
    );
    let new_bytes = std::fs::read(corpus("twilio-iam-organizations-scim-3.0.yaml")).unwrap();
    let new = as_named(
        &corpus("twilio-iam-organizations-scim-3.0.yaml"),
        &work.path().join("new"),
        "twilio.yaml",
    );
    let out = project.display().to_string();
    assert_exit(
        &intact(&["import", "openapi", &old, "--out", &out], work.path()),
        0,
    );

    // An edit between the two imports.
    let edited = project.join("flows/role_assignments.kdl");
    let text = std::fs::read_to_string(&edited).unwrap();
    let mine = text.replacen("\nflow ", "\n// our own note: called hourly\nflow ", 1);
    assert_ne!(mine, text);
    std::fs::write(&edited, &mine).unwrap();

    // A dry run says what it would do and writes nothing.
    let o = intact(
        &[
            "import",
            "openapi",
            &new,
            "--out",
            &out,
            "--update",
            "--dry-run",
        ],
        work.path(),
    );
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("nothing was written (--dry-run)"),
        "{}",
        stdout(&o)
    );
    assert_ne!(
        std::fs::read(project.join("openapi/twilio.yaml")).unwrap(),
        new_bytes
    );

    let o = intact(
        &["import", "openapi", &new, "--out", &out, "--update"],
        work.path(),
    );
    assert_exit(&o, 0);
    let said = stdout(&o);
    assert!(said.contains("operations: 1 added, 0 removed"), "{said}");
    assert!(said.contains("added    PatchOrganizationUser"), "{said}");
    assert!(said.contains("regenerated  flows/scim.kdl"), "{said}");
    assert!(
        said.contains("kept (edited) flows/role_assignments.kdl"),
        "{said}"
    );
    assert!(
        said.contains("-// our own note: called hourly"),
        "the diff of what it would write:\n{said}"
    );
    // The edit is kept, the rest follows the new version, the copy is the new document.
    assert_eq!(std::fs::read_to_string(&edited).unwrap(), mine);
    assert!(
        std::fs::read_to_string(project.join("flows/scim.kdl"))
            .unwrap()
            .contains("operation=\"PatchOrganizationUser\"")
    );
    assert_eq!(
        std::fs::read(project.join("openapi/twilio.yaml")).unwrap(),
        new_bytes
    );
    let o = intact(&["check", &out], work.path());
    assert_exit(&o, 0);

    // Again with the same version: no operation changed, nothing regenerated.
    let o = intact(
        &[
            "import", "openapi", &new, "--out", &out, "--update", "--format", "json",
        ],
        work.path(),
    );
    assert_exit(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["operations"]["added"].as_array().unwrap().len(), 0);
    let actions: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["action"].as_str().unwrap())
        .collect();
    assert!(
        actions
            .iter()
            .all(|a| *a == "unchanged" || *a == "kept (edited)"),
        "{actions:?}"
    );
}

#[test]
fn kept_flows_of_a_removed_or_changed_operation_are_findings() {
    let work = tempfile::tempdir().unwrap();
    let project = work.path().join("project");
    let out = project.display().to_string();
    let old = as_named(
        &corpus("oai-petstore-expanded-3.0.json"),
        &work.path().join("old"),
        "pets.json",
    );
    // The next version: `deletePet` is gone, `findPets` requires `owner`.
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(corpus("oai-petstore-expanded-3.0.json")).unwrap())
            .unwrap();
    doc["paths"]["/pets/{id}"]
        .as_object_mut()
        .unwrap()
        .remove("delete");
    doc["paths"]["/pets"]["get"]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"name": "owner", "in": "query", "required": true, "schema": {"type": "string"}}));
    std::fs::create_dir_all(work.path().join("new")).unwrap();
    let new = work.path().join("new/pets.json");
    std::fs::write(&new, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let new = new.display().to_string();

    assert_exit(
        &intact(&["import", "openapi", &old, "--out", &out], work.path()),
        0,
    );
    let flows: Vec<PathBuf> = std::fs::read_dir(project.join("flows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .contains("operation=\"deletePet\"")
        })
        .collect();
    let pets = &flows[0];
    let text = std::fs::read_to_string(pets).unwrap();
    assert!(
        text.contains("operation=\"findPets\""),
        "findPets and deletePet share {}",
        pets.display()
    );
    std::fs::write(pets, format!("// reviewed by us\n{text}")).unwrap();

    let o = intact(
        &["import", "openapi", &new, "--out", &out, "--update"],
        work.path(),
    );
    assert_exit(&o, 0);
    let said = stdout(&o);
    assert!(said.contains("removed  deletePet"), "{said}");
    assert!(
        said.contains("changed  findPets: requires query owner"),
        "{said}"
    );
    assert!(said.contains("kept (edited)"), "{said}");

    let o = intact(&["check", &out, "--format", "json"], work.path());
    let report = stdout(&o);
    assert!(report.contains("openapi::unknown-operation"), "{report}");
    assert!(report.contains("openapi::drift"), "{report}");
}

#[test]
fn update_needs_a_project_with_its_description() {
    let work = tempfile::tempdir().unwrap();
    let doc = corpus("oai-petstore-3.0.yaml").display().to_string();
    let o = intact(
        &["import", "openapi", &doc, "--out", "empty", "--update"],
        work.path(),
    );
    assert_exit(&o, 2);
    assert!(
        binary::stderr(&o).contains("has no intact.kdl"),
        "{}",
        binary::stderr(&o)
    );
}
