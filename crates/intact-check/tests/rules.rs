//! One fixture per rule code, as Ruff has one per rule: `tests/fixtures/rules/<group>/<name>/` is a
//! small project that makes the mistake of `<group>::<name>` as a user would (`syntax`, the one code
//! without a group, is `rules/syntax/_/`). Its `expected.txt` holds the findings and, when the
//! code's findings carry fixes, the fixes, each changed file after applying them and the findings
//! that remain (format: tests/fixtures/rules/README.md). Every code of the registry has a folder
//! and every folder names a code. `UPDATE_EXPECT=1 cargo test -p intact-check --test rules`
//! rewrites the expected files; review the diff.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{analyze, compact, expect_file};
use intact_check::{Diagnostic, Severity, registry};
use intact_model::{Analysis, FileInput, Loc, project};
use intact_syntax::Span;

/// Codes that cannot have a fixture, and why. Empty: every code has one.
const EXCEPTIONS: &[(&str, &str)] = &[];

/// Codes whose fix is a skeleton with `${…}` placeholders for the writer to fill in: `expr::syntax`
/// says "`…` is a placeholder" until they do, which is not a new mistake.
const FIXES_WITH_PLACEHOLDERS: &[&str] = &["contract::missing-action"];

/// The folder of a code: `schema::unknown-node` → `schema/unknown-node`, `syntax` → `syntax/_`.
fn folder(code: &str) -> PathBuf {
    let rules = common::fixtures("rules");
    match code.split_once("::") {
        Some((group, name)) => rules.join(group).join(name),
        None => rules.join(code).join("_"),
    }
}

/// Every folder two levels below `rules/`, with the code its path names.
fn folders() -> Vec<(String, PathBuf)> {
    let dirs = |dir: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        v.sort();
        v
    };
    let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
    let mut out = Vec::new();
    for group in dirs(&common::fixtures("rules")) {
        for dir in dirs(&group) {
            let code = match name(&dir).as_str() {
                "_" => name(&group),
                rule => format!("{}::{rule}", name(&group)),
            };
            out.push((code, dir));
        }
    }
    out
}

#[test]
fn every_code_has_a_fixture_and_every_fixture_a_code() {
    let mut problems = Vec::new();
    for rule in registry::RULES {
        let excepted = EXCEPTIONS.iter().any(|(c, _)| *c == rule.code);
        let has = folder(rule.code).join(project::ROOT_FILE).is_file();
        if !has && !excepted {
            problems.push(format!(
                "`{}` has no fixture: add {}/intact.kdl",
                rule.code,
                common::shown(&folder(rule.code))
            ));
        } else if has && excepted {
            problems.push(format!("`{}` has a fixture: drop its exception", rule.code));
        }
    }
    for (code, dir) in folders() {
        if registry::rule(&code).is_none() {
            problems.push(format!("{} names no code (`{code}`)", common::shown(&dir)));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_rule_fixture_reports_its_code_and_its_fixes_clear_it() {
    let mut failures = Vec::new();
    for (code, dir) in folders() {
        if let Err(e) = check_fixture(&code, &dir) {
            failures.push(format!("{}: {e}", common::shown(&dir)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn check_fixture(code: &str, dir: &Path) -> Result<(), String> {
    let (a, diags) = analyze(dir);
    let mut problems = Vec::new();
    let own: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == code).collect();
    if own.is_empty() {
        let reports = match compact(&a, &diags) {
            none if none.is_empty() => "nothing".to_string(),
            some => format!(":\n{some}"),
        };
        problems.push(format!(
            "the fixture no longer reports `{code}`; it reports {reports}"
        ));
    }
    let mut text = compact(&a, &diags);
    if own.iter().any(|d| !d.fixes.is_empty()) {
        text.push_str(&apply_fixes(&a, &diags, code, &mut problems));
    }
    if let Err(e) = expect_file(&dir.join("expected.txt"), &text) {
        problems.push(e);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Applies the first fix of each finding of `code` (left out when it overlaps one taken before),
/// checks that none of those findings is reported again and that no new error appears, and
/// returns the section of `expected.txt` that shows it.
fn apply_fixes(
    a: &Analysis,
    diags: &[Diagnostic],
    code: &str,
    problems: &mut Vec<String>,
) -> String {
    let names = intact_check::render::FileNames::root_relative();
    let mut pos = intact_check::render::Positions::new(a, &names);
    let mut out = format!("\n== fixes of {code} (each finding's first is applied)\n");
    let mut taken: Vec<(Loc, String)> = Vec::new();
    let mut fixed: Vec<Loc> = Vec::new();
    for d in diags.iter().filter(|d| d.code == code) {
        let p = pos.at(d.loc.file, d.loc.span.start);
        let place = format!("{}:{}:{}", pos.path(d.loc.file), p.line, p.column);
        for (i, f) in d.fixes.iter().enumerate() {
            let clash = f.edits.iter().any(|(l, _)| {
                taken
                    .iter()
                    .any(|(t, _)| t.file == l.file && overlaps(t.span, l.span))
            });
            let status = match (i, clash) {
                (0, false) => "applied",
                (0, true) => "left out (overlaps an earlier fix)",
                _ => "alternative",
            };
            let kind = if f.safe { "fix" } else { "suggestion" };
            out.push_str(&format!("{place}: {status} {kind}: {}\n", f.title));
            if status == "applied" {
                taken.extend(f.edits.iter().cloned());
                fixed.push(d.loc);
            }
        }
    }
    let mut inputs = Vec::new();
    for (id, file) in a.files.iter().enumerate() {
        let mut edits: Vec<&(Loc, String)> =
            taken.iter().filter(|(l, _)| l.file.index() == id).collect();
        if edits.is_empty() {
            inputs.push(file.input.clone());
            continue;
        }
        edits.sort_by_key(|(l, _)| std::cmp::Reverse(l.span.start));
        let mut text = file.text().to_string();
        for (l, new) in edits {
            text.replace_range(l.span.range(), new);
        }
        out.push_str(&format!(
            "\n== {} after the fixes\n{text}",
            file.path().display()
        ));
        inputs.push(FileInput::new(file.path(), text.as_str()));
    }
    let b = Analysis::new(inputs);
    let after = intact_check::check(&b);
    out.push_str("\n== findings after the fixes\n");
    out.push_str(&compact(&b, &after));
    if after.is_empty() {
        out.push_str("(none)\n");
    }
    // File ids are the same: the files keep their paths, and the analysis sorts them by path.
    for loc in fixed {
        let mut edits: Vec<&(Loc, String)> =
            taken.iter().filter(|(l, _)| l.file == loc.file).collect();
        edits.sort_by_key(|(l, _)| l.span.start);
        let span = Span::new(
            shift(loc.span.start, &edits, false),
            shift(loc.span.end, &edits, true),
        );
        if let Some(d) = after
            .iter()
            .find(|d| d.code == code && d.loc.file == loc.file && overlaps(d.loc.span, span))
        {
            problems.push(format!(
                "the fix did not clear `{code}`: still `{}`",
                d.message
            ));
        }
    }
    let errors = |a: &Analysis, diags: &[Diagnostic]| {
        let mut m: BTreeMap<String, i32> = BTreeMap::new();
        let placeholder = |d: &Diagnostic| {
            FIXES_WITH_PLACEHOLDERS.contains(&code) && d.message.contains("is a placeholder")
        };
        for d in diags
            .iter()
            .filter(|d| d.severity == Severity::Error && !placeholder(d))
        {
            let key = format!(
                "{}: [{}] {}",
                a.file(d.loc.file).path().display(),
                d.code,
                d.message
            );
            *m.entry(key).or_default() += 1;
        }
        m
    };
    let before = errors(a, diags);
    for (error, n) in errors(&b, &after) {
        if n > before.get(&error).copied().unwrap_or(0) {
            problems.push(format!("the fixes of `{code}` bring a new error: {error}"));
        }
    }
    out
}

/// Where a byte offset of the original text is after the edits, sorted by start (a position inside
/// a replaced range goes to the replacement's start, or its end for the end of a span).
fn shift(at: u32, edits: &[&(Loc, String)], end: bool) -> u32 {
    let mut delta: i64 = 0;
    for (l, new) in edits {
        let (start, len) = (i64::from(l.span.start), new.len() as i64);
        if l.span.start >= at {
            break;
        } else if l.span.end <= at {
            delta += len - i64::from(l.span.len());
        } else {
            return (start + delta + if end { len } else { 0 }) as u32;
        }
    }
    (i64::from(at) + delta) as u32
}

/// Whether two spans share a byte, or an empty one stands inside or at the edge of the other.
fn overlaps(a: Span, b: Span) -> bool {
    if a.start == a.end || b.start == b.end {
        a.start <= b.end && b.start <= a.end
    } else {
        a.start < b.end && b.start < a.end
    }
}
