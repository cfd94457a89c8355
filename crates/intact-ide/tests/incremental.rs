//! A snapshot after an edit (`Snapshot::after`: the files, definitions, typings and per-file
//! findings the edit did not touch taken from the snapshot before) has exactly the findings and
//! step types a fresh snapshot of the same texts has, for edits to every file of the bundled
//! examples.

use std::path::Path;
use std::sync::Arc;

use intact_ide::{DocumentCache, Snapshot};
use intact_model::{Analysis, FileId, FileInput, SourceFile};

fn project(dir: &Path) -> Vec<Arc<SourceFile>> {
    intact_model::project::load(dir)
        .unwrap()
        .into_iter()
        .map(|f| Arc::new(SourceFile::new(f)))
        .collect()
}

/// Findings and step types, printed: what two snapshots of the same texts must agree on.
fn seen(s: &Snapshot) -> String {
    let mut out: Vec<String> = s.findings().iter().map(|d| format!("{d:?}")).collect();
    for i in 0..s.files.len() {
        for (loc, ty) in s.semantics().step_types(FileId::from_index(i)) {
            out.push(format!("{loc:?} {ty:?}"));
        }
    }
    out.join("\n")
}

/// A scope, printed with its mappings in name order.
fn scope(env: Option<intact_semantic::Env>) -> String {
    env.map_or("none".into(), |e| {
        let mappings: std::collections::BTreeMap<_, _> = e.mappings.iter().collect();
        format!(
            "{:?} {:?} {:?} {mappings:?}",
            e.vars, e.later_steps, e.present
        )
    })
}

/// Places just inside the first few `${` of every file.
fn places_in_templates(s: &Snapshot) -> Vec<intact_ide::FilePosition> {
    let mut out = Vec::new();
    for (i, f) in s.files.iter().enumerate() {
        for (at, _) in f.text().match_indices("${").take(3) {
            out.push(intact_ide::FilePosition {
                file: FileId::from_index(i),
                offset: (at + 2) as u32,
            });
        }
    }
    out
}

#[test]
fn a_snapshot_after_an_edit_finds_what_a_fresh_one_finds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let edits: [fn(&str) -> Option<String>; 5] = [
        |t| Some(format!("// moved\n{t}")),
        |t| Some(t.replacen("${input.", "${input.nope_", 1)),
        |t| Some(t.replacen("{\n", "{\n    nonsense 1\n", 1)),
        |t| Some(t.replace(".body", ".bdy")),
        |_| None,
    ];
    for example in ["scim-provisioning", "universal-logout"] {
        let files = project(&root.join(example));
        let cache = DocumentCache::default();
        let before =
            Snapshot::in_host(Arc::new(Analysis::from_files(files.clone())), cache.clone());
        seen(&before);
        for f in &files {
            for edit in &edits {
                let mut next: Vec<Arc<SourceFile>> = files
                    .iter()
                    .filter(|g| g.path() != f.path())
                    .cloned()
                    .collect();
                if let Some(text) = edit(f.text()) {
                    next.push(Arc::new(SourceFile::new(FileInput::new(f.path(), text))));
                }
                let a = Arc::new(Analysis::after(&before, next.clone()));
                let after = Snapshot::after(&before, a, cache.clone());
                let fresh = Snapshot::in_host(Arc::new(Analysis::from_files(next)), cache.clone());
                // A keystroke's snapshot answers completion before its own semantics exist.
                for pos in places_in_templates(&after) {
                    assert_eq!(
                        scope(after.scope_at(pos)),
                        scope(fresh.scope_at(pos)),
                        "{example}: {} at {}",
                        f.path().display(),
                        pos.offset
                    );
                }
                assert_eq!(
                    seen(&after),
                    seen(&fresh),
                    "{example}: {}",
                    f.path().display()
                );
            }
        }
    }
}
