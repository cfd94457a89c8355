//! `Semantics::after` (an edit's semantics, taking the typing of what the edit did not touch from
//! the semantics before it) finds exactly what `Semantics::new` finds on the same texts, for
//! edits to every file of the bundled examples and for edits whose effect crosses files (a
//! callee's return type, a connection, a variable).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use intact_model::{Analysis, FileId, FileInput, SourceFile};
use intact_semantic::{DocumentCache, Semantics};

fn project(dir: &Path) -> Vec<Arc<SourceFile>> {
    intact_model::project::load(dir)
        .unwrap()
        .into_iter()
        .map(|f| Arc::new(SourceFile::new(f)))
        .collect()
}

/// A file's text after an edit, or `None` when the edit deletes it.
type Edit = fn(&str) -> Option<String>;

fn texts(pairs: &[(&str, &str)]) -> Vec<Arc<SourceFile>> {
    pairs
        .iter()
        .map(|(p, t)| Arc::new(SourceFile::new(FileInput::new(*p, *t))))
        .collect()
}

/// The findings (sorted) and every file's step types, printed: what two semantics must agree on.
fn seen(a: &Analysis, s: &Semantics) -> String {
    let mut findings: Vec<String> = s.findings().iter().map(|d| format!("{d:?}")).collect();
    findings.sort();
    let mut out = findings.join("\n");
    for i in 0..a.files.len() {
        for (loc, ty) in s.step_types(FileId::from_index(i)) {
            out.push_str(&format!("\n{loc:?} {ty:?}"));
        }
    }
    out
}

/// The files of `before` with `path` replaced by `text` (or gone when `None`), the others shared.
fn edited(before: &[Arc<SourceFile>], path: &Path, text: Option<&str>) -> Vec<Arc<SourceFile>> {
    let mut files: Vec<Arc<SourceFile>> = before
        .iter()
        .filter(|f| f.path() != path)
        .cloned()
        .collect();
    if let Some(t) = text {
        files.push(Arc::new(SourceFile::new(FileInput::new(path, t))));
    }
    files
}

/// Types `before`, then `after` both ways, asserts they agree and returns how many flows and
/// actions `Semantics::after` took from before.
fn agree(before: Vec<Arc<SourceFile>>, after: Vec<Arc<SourceFile>>, what: &str) -> usize {
    let cache = DocumentCache::default();
    let a0 = Analysis::from_files(before);
    let s0 = Semantics::new(&a0, &cache);
    let a1 = Analysis::after(&a0, after);
    let fresh = Semantics::new(&a1, &cache);
    let incremental = Semantics::after(&s0, &a1, &cache);
    assert_eq!(seen(&a1, &incremental), seen(&a1, &fresh), "{what}");
    assert_eq!(
        incremental.typed_and_taken().0,
        fresh.typed_and_taken().0,
        "{what}"
    );
    incremental.typed_and_taken().1
}

#[test]
fn every_edit_to_the_examples_types_as_a_fresh_analysis_would() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut taken = 0;
    for example in ["scim-provisioning", "universal-logout"] {
        let files = project(&root.join(example));
        let edits: [(&str, Edit); 6] = [
            ("a newline at the end", |t| Some(format!("{t}\n"))),
            ("a comment first: every place moves", |t| {
                Some(format!("// moved\n{t}"))
            }),
            ("an input that does not exist", |t| {
                Some(t.replacen("${input.", "${input.nope_", 1))
            }),
            ("bodies renamed", |t| Some(t.replace(".body", ".bdy"))),
            ("returns emptied", |t| {
                Some(t.replace("return \"${", "return \"${1 + "))
            }),
            ("the file deleted", |_| None),
        ];
        for f in &files {
            for (name, edit) in &edits {
                let text = edit(f.text());
                let after = edited(&files, f.path(), text.as_deref());
                let what = format!("{example}: {} in {}", name, f.path().display());
                taken += agree(files.clone(), after, &what);
            }
        }
    }
    assert!(taken > 0, "no typing was ever taken from before the edit");
}

const CALLER: &str = r#"flow "caller" {
    call "inner" "inner"
    return "${steps.inner.email}"
}
action "get_user" contract="user.get" {
    call "inner" "inner"
    return {
        id "${steps.inner.email}"
        email "${steps.inner.email}"
    }
}
"#;

const INNER: &str = r#"flow "inner" {
    return {
        email "a@example.com"
    }
}
"#;

const ROOT: &str = r#"project "p"
variable "region" {
    label "Region"
}
connection "api" {
    base-url "https://${app.region}.example.com"
}
"#;

const OTHER: &str = r#"flow "other" {
    return "${shape({'id': 'x'}).id}"
}
"#;

const MAPPINGS: &str = r#"mapping "shape" {
    id "${it.id}"
}
"#;

#[test]
fn an_edit_retypes_what_depends_on_it_in_other_files() {
    let files = texts(&[
        ("intact.kdl", ROOT),
        ("flows/a_caller.kdl", CALLER),
        ("flows/b_inner.kdl", INNER),
        ("flows/c_other.kdl", OTHER),
        ("mappings.kdl", MAPPINGS),
    ]);
    let cases: [(&str, &str, String); 7] = [
        (
            "the callee returns another field",
            "flows/b_inner.kdl",
            INNER.replace("email", "mail"),
        ),
        (
            "the callers' file",
            "flows/a_caller.kdl",
            format!("{CALLER}\n"),
        ),
        (
            "a file nothing else reads",
            "flows/c_other.kdl",
            OTHER.replace(".id", ".id + ''"),
        ),
        (
            "the mappings' file, their types unchanged",
            "mappings.kdl",
            format!("// shapes\n{MAPPINGS}"),
        ),
        (
            "a mapping returns another field",
            "mappings.kdl",
            MAPPINGS.replace("id \"", "key \""),
        ),
        (
            "a variable goes",
            "intact.kdl",
            ROOT.replace("variable \"region\"", "variable \"zone\""),
        ),
        (
            "a connection goes",
            "intact.kdl",
            ROOT.replace("connection \"api\"", "connection \"api2\""),
        ),
    ];
    let mut taken = Vec::new();
    for (what, path, text) in &cases {
        let after = edited(&files, Path::new(path), Some(text));
        taken.push(agree(files.clone(), after, what));
    }
    // Of the four flows and actions: a callee's edit retypes it and its callers (a caller's
    // findings may point into the callee), leaving `other`; the callers' edit leaves `inner` and
    // `other`; an edit to `other` leaves the three others; moving the mappings without changing
    // their types leaves all four, changing a type retypes all (the memo compares every
    // mapping's type, not who calls it); what every definition reads retypes them all.
    assert_eq!(taken, vec![1, 2, 3, 4, 0, 0, 0]);
}

#[test]
fn a_file_added_before_the_others_moves_their_places_and_they_are_typed_again() {
    let files = texts(&[("intact.kdl", ROOT), ("flows/b_inner.kdl", INNER)]);
    let mut after = files.clone();
    after.push(Arc::new(SourceFile::new(FileInput::new(
        PathBuf::from("flows/a_caller.kdl"),
        CALLER,
    ))));
    assert_eq!(agree(files, after, "a file added"), 0);
}
