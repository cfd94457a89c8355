//! Data-driven tests: every `*.kdl` under `tests/fixtures/ide/<feature>/` holds one `$0` cursor
//! marker; the feature's answer there is compared with the `.expected` file beside it.
//! `UPDATE_EXPECT=1 cargo test -p intact-ide` rewrites them; review the diff before committing.
//!
//! A fixture is one project file (`intact.kdl`) unless it splits itself with `//- PATH` lines, as
//! rust-analyzer's fixtures do; the cursor's file is the one holding `$0`.

use std::path::{Path, PathBuf};

use intact_ide::{FilePosition, Snapshot, completions, hover};
use intact_model::{Analysis, FileInput};

fn fixtures(feature: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/ide")
        .join(feature);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "kdl"))
        .collect();
    files.sort();
    files
}

/// The analysis of a fixture and the cursor's position.
fn load(path: &Path) -> (Analysis, FilePosition) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut files: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        match line.strip_prefix("//- ") {
            Some(name) => files.push((name.trim().to_string(), String::new())),
            None => {
                if files.is_empty() {
                    files.push(("intact.kdl".into(), String::new()));
                }
                files.last_mut().unwrap().1.push_str(line);
            }
        }
    }
    let mut cursor = None;
    let inputs: Vec<FileInput> = files
        .into_iter()
        .map(|(name, text)| {
            if let Some(at) = text.find("$0") {
                cursor = Some((name.clone(), at as u32));
            }
            FileInput::new(name, text.replacen("$0", "", 1))
        })
        .collect();
    let (name, offset) = cursor.unwrap_or_else(|| panic!("{}: no $0 marker", path.display()));
    let analysis = Analysis::new(inputs);
    let file = analysis.file_id(Path::new(&name)).unwrap();
    (analysis, FilePosition { file, offset })
}

fn check(feature: &str, answer: impl Fn(&Snapshot, FilePosition) -> String) {
    let mut failures = Vec::new();
    for path in fixtures(feature) {
        let (analysis, pos) = load(&path);
        // As the language server makes them: with the findings it published computed.
        let snapshot = Snapshot::new(std::sync::Arc::new(analysis));
        snapshot.findings();
        let actual = answer(&snapshot, pos);
        let expected_path = path.with_extension("expected");
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "{}:\n--- expected\n{expected}--- actual\n{actual}",
                path.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(UPDATE_EXPECT=1 cargo test -p intact-ide rewrites the expected files)",
        failures.join("\n")
    );
}

#[test]
fn completion_fixtures() {
    check("completion", |a, pos| {
        let text = a.file(pos.file).text();
        let mut out = String::new();
        for item in completions(a, pos) {
            out.push_str(&format!(
                "{:?} {} [{}] -> {}{}\n",
                item.kind,
                item.label,
                &text[item.replace.range()],
                item.insert.replace('\n', "⏎"),
                item.detail.map(|d| format!("  -- {d}")).unwrap_or_default()
            ));
        }
        if out.is_empty() {
            out.push_str("(nothing)\n");
        }
        out
    });
}

#[test]
fn hover_fixtures() {
    check("hover", |a, pos| match hover(a, pos) {
        Some(h) => format!(
            "[{}]\n{}\n",
            &a.file(pos.file).text()[h.span.range()],
            h.markdown
        ),
        None => "(nothing)\n".to_string(),
    });
}

/// `path:line:col` and the text at a location.
fn place(a: &Snapshot, loc: intact_model::Loc) -> String {
    let f = a.file(loc.file);
    let before = &f.text()[..loc.span.start as usize];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!(
        "{}:{line}:{col} {}",
        f.path().display(),
        &f.text()[loc.span.range()]
    )
}

#[test]
fn definition_fixtures() {
    check("definition", |a, pos| {
        match intact_ide::definition(a, pos) {
            Some(intact_ide::Target::Loc(loc)) => format!("{}\n", place(a, loc)),
            Some(intact_ide::Target::Contract(id)) => format!("the bundled schemas of {id}\n"),
            None => "(nothing)\n".to_string(),
        }
    });
}

#[test]
fn references_fixtures() {
    check("references", |a, pos| {
        let locs = intact_ide::references(a, pos, true);
        if locs.is_empty() {
            return "(nothing)\n".to_string();
        }
        locs.into_iter().map(|l| place(a, l) + "\n").collect()
    });
}

/// The new name is on the fixture's first line: `// rename to: NAME`. The answer is every file
/// the rename changes, as it reads after, or why it was refused.
#[test]
fn rename_fixtures() {
    check("rename", |a, pos| {
        let first = a
            .files
            .iter()
            .find_map(|f| {
                f.text()
                    .lines()
                    .next()
                    .and_then(|l| l.strip_prefix("// rename to: "))
            })
            .expect("a `// rename to: NAME` line")
            .trim()
            .to_string();
        let prepared = match intact_ide::prepare_rename(a, pos) {
            Ok(span) => format!("renames [{}]\n", &a.file(pos.file).text()[span.range()]),
            Err(why) => return format!("refused: {why}\n"),
        };
        let edits = match intact_ide::rename(a, pos, &first) {
            Ok(e) => e,
            Err(why) => return format!("{prepared}refused: {why}\n"),
        };
        prepared + &applied(a, &edits)
    });
}

/// Every file that `edits` change, as it reads after them.
fn applied(a: &Snapshot, edits: &[(intact_model::Loc, String)]) -> String {
    let mut out = String::new();
    for (id, f) in a.files.iter().enumerate() {
        let mut mine: Vec<_> = edits.iter().filter(|(l, _)| l.file.index() == id).collect();
        if mine.is_empty() {
            continue;
        }
        mine.sort_by_key(|(l, _)| std::cmp::Reverse(l.span.start));
        let mut text = f.text().to_string();
        for (l, new) in mine {
            text.replace_range(l.span.range(), new);
        }
        out.push_str(&format!("--- {}\n{text}", f.path().display()));
    }
    out
}

#[test]
fn outline_fixtures() {
    fn show(items: &[intact_ide::OutlineItem], depth: usize, out: &mut String) {
        for i in items {
            out.push_str(&format!(
                "{}{:?} {}{}\n",
                "  ".repeat(depth),
                i.kind,
                i.name,
                i.detail
                    .as_ref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            ));
            show(&i.children, depth + 1, out);
        }
    }
    check("outline", |a, pos| {
        let mut out = String::new();
        show(&intact_ide::outline(a, pos.file), 0, &mut out);
        out
    });
}

/// The tests of the cursor's file: each name, and the lines its runnable covers.
#[test]
fn runnable_fixtures() {
    check("runnables", |a, pos| {
        let text = a.file(pos.file).text();
        let line = |at: u32| text[..at as usize].matches('\n').count() + 1;
        let mut out = String::new();
        for r in intact_ide::runnables(a, pos.file) {
            out.push_str(&format!(
                "{} [{}] lines {}-{}\n",
                r.name,
                &text[r.name_span.range()],
                line(r.span.start),
                line(r.span.end)
            ));
        }
        if out.is_empty() {
            out.push_str("(nothing)\n");
        }
        out
    });
}

/// Each fix at the cursor, and every file it changes as it reads after.
#[test]
fn fix_fixtures() {
    check("fixes", |a, pos| {
        let mut out = String::new();
        let span = intact_syntax::Span::new(pos.offset, pos.offset);
        for fix in intact_ide::fixes(a, pos.file, span) {
            out.push_str(&format!("== {} [{}]\n", fix.title, fix.code));
            out.push_str(&applied(a, &fix.edits));
        }
        if out.is_empty() {
            out.push_str("(nothing)\n");
        }
        out
    });
}

#[test]
fn signature_fixtures() {
    check("signature", |a, pos| {
        match intact_ide::signature_help(a, pos) {
            Some(s) => format!(
                "{}\nparameters: {}\nactive: {}\n",
                s.label,
                s.parameters.join(" | "),
                s.active
            ),
            None => "(nothing)\n".to_string(),
        }
    });
}

/// The first line of each foldable block.
#[test]
fn folding_fixtures() {
    check("folding", |a, pos| {
        let text = a.file(pos.file).text();
        intact_ide::folding(a, pos.file)
            .into_iter()
            .map(|s| format!("{}\n", text[s.range()].lines().next().unwrap_or("")))
            .collect()
    });
}

/// Each range a selection grows through, on one line (newlines shown as `⏎`).
#[test]
fn selection_fixtures() {
    check("selection", |a, pos| {
        let text = a.file(pos.file).text();
        intact_ide::selection(a, pos)
            .into_iter()
            .map(|s| format!("{}\n", text[s.range()].replace('\n', "⏎")))
            .collect()
    });
}

/// Each token of the cursor's file: its text, kind and modifiers.
#[test]
fn token_fixtures() {
    check("tokens", |a, pos| {
        let text = a.file(pos.file).text();
        intact_ide::tokens(a, pos.file)
            .into_iter()
            .map(|t| {
                format!(
                    "{:?}{}{} {}\n",
                    t.kind,
                    if t.definition { " definition" } else { "" },
                    if t.library { " library" } else { "" },
                    &text[t.span.range()]
                )
            })
            .collect()
    });
}

/// The cursor's file with each hint written where it stands, in `⟨…⟩`.
#[test]
fn inlay_hint_fixtures() {
    check("hints", |a, pos| {
        let mut text = a.file(pos.file).text().to_string();
        for h in intact_ide::inlay_hints(a, pos.file).into_iter().rev() {
            text.insert_str(h.offset as usize, &format!("⟨{}⟩", h.label));
        }
        text
    });
}

/// "Fix all" corrects what is written and leaves definitions alone: an unused variable is not
/// removed, a missing one not declared, a missing action not added.
#[test]
fn fix_all_only_applies_safe_fixes() {
    let text = "project \"p\" {\n    display-name \"P\"\n    capability \"universal-logout\"\n}\nvariable \"unused\" {\n    label \"U\"\n}\nflow \"lookup\" {\n    return \"${app.region}\"\n}\nflow \"Main\" {\n    call \"x\" \"lookpu\"\n    return \"x\"\n}\n";
    let a = Analysis::new(vec![FileInput::new("intact.kdl", text)]);
    let snap = Snapshot::new(std::sync::Arc::new(a));
    let edits: Vec<String> = intact_ide::fix_all(&snap, intact_model::FileId::from_index(0))
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert_eq!(edits.len(), 2, "{edits:?}");
    assert!(edits.contains(&"\"lookup\"".to_string()) && edits.contains(&"\"main\"".to_string()));
}
