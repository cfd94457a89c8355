//! `intact package --out DIR` as a user runs it: the build sheet of an example written, a file
//! there that intact did not write kept, a project with errors refused.

#[path = "support/binary.rs"]
mod binary;

use std::path::Path;

use binary::{assert_exit, intact, project, stderr};

#[test]
fn the_build_sheet_is_written_and_a_foreign_file_is_kept() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scim-provisioning");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("submission");
    let o = intact(
        &[
            "package",
            &example.display().to_string(),
            "--out",
            &out.display().to_string(),
        ],
        dir.path(),
    );
    assert_exit(&o, 0);
    let sheet = std::fs::read_to_string(out.join("build.md")).unwrap();
    assert!(
        sheet.starts_with("# Build sheet: scim_provisioning"),
        "{sheet}"
    );
    assert!(
        sheet.contains("### Action `list_users` — List Users (`list-users`)"),
        "{sheet}"
    );
    assert!(
        sheet.contains("| `token` | none: the customer enters it (a secret) |"),
        "{sheet}"
    );

    // Again: its own sheet is replaced; someone else's file is not.
    assert_exit(
        &intact(
            &[
                "package",
                &example.display().to_string(),
                "--out",
                &out.display().to_string(),
            ],
            dir.path(),
        ),
        0,
    );
    std::fs::write(out.join("build.md"), "my notes\n").unwrap();
    let o = intact(
        &[
            "package",
            &example.display().to_string(),
            "--out",
            &out.display().to_string(),
        ],
        dir.path(),
    );
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("is not one intact wrote"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(out.join("build.md")).unwrap(),
        "my notes\n"
    );
}

#[test]
fn a_project_with_errors_is_not_packaged() {
    let p = project(&[(
        "intact.kdl",
        "project \"p\" {\n    display-name \"P\"\n}\nflow \"f\" {\n    nonsense 1\n}\n",
    )]);
    let o = intact(&["package", "--out", "out"], p.path());
    assert_exit(&o, 1);
    assert!(!p.path().join("out/build.md").exists());
}
