//! Checks over the whole source tree that keep it a place a newcomer can find their way in
//! (as rust-analyzer's tidy tests do): no module of a crate depends, through `crate::` paths, on
//! a module that depends back on it; and a source file with more than [`MAX_LINES`] lines of code
//! (its test module not counted) says at its top why it is that long (`//! Long file: …`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 600;

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The text before the file's `#[cfg(test)] mod tests`.
fn code_of(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests")
        .map_or(text, |i| &text[..i])
}

/// The top-level module a file of `src/` belongs to (`runtime` for `src/runtime/request.rs`),
/// `None` for the crate root.
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel
        .components()
        .next()?
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    let name = first.trim_end_matches(".rs").to_string();
    (!matches!(name.as_str(), "lib" | "main")).then_some(name)
}

/// The `crate::NAME` paths of code, comments and strings left out.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or("");
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
                out.insert(name);
            }
            rest = after;
        }
    }
    out
}

#[test]
fn no_module_depends_on_a_module_that_depends_back_on_it() {
    let mut problems = Vec::new();
    let mut crates: Vec<PathBuf> = std::fs::read_dir(crates_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path().join("src"))
        .filter(|p| p.is_dir())
        .collect();
    crates.sort();
    assert!(crates.len() >= 10, "the crates were not found");
    for src in crates {
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let modules: BTreeSet<String> = files.iter().filter_map(|f| top_module(&src, f)).collect();
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in &files {
            let Some(from) = top_module(&src, f) else {
                continue;
            };
            let text = std::fs::read_to_string(f).unwrap();
            for to in crate_paths(code_of(&text)) {
                if to != from && modules.contains(&to) {
                    graph.entry(from.clone()).or_default().insert(to);
                }
            }
        }
        let reaches = |from: &str, to: &str| {
            let mut seen = BTreeSet::new();
            let mut stack = vec![from.to_string()];
            while let Some(m) = stack.pop() {
                if m == to {
                    return true;
                }
                if seen.insert(m.clone()) {
                    stack.extend(graph.get(&m).into_iter().flatten().cloned());
                }
            }
            false
        };
        for (from, tos) in &graph {
            for to in tos {
                if from < to && reaches(to, from) {
                    problems.push(format!(
                        "{}: `{from}` and `{to}` depend on each other",
                        src.parent().unwrap().file_name().unwrap().to_string_lossy()
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "module cycles (move what both need into a third module, or invert one use):\n{}",
        problems.join("\n")
    );
}

#[test]
fn long_files_say_why() {
    let mut files = Vec::new();
    for e in std::fs::read_dir(crates_dir()).unwrap().flatten() {
        rust_files(&e.path().join("src"), &mut files);
    }
    assert!(files.len() > 50, "the sources were not found");
    files.sort();
    let mut problems = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines = code_of(&text).lines().count();
        let says_why = text
            .lines()
            .take_while(|l| l.starts_with("//!") || l.trim().is_empty())
            .any(|l| l.starts_with("//! Long file:"));
        if lines > MAX_LINES && !says_why {
            problems.push(format!(
                "{} has {lines} lines of code",
                f.strip_prefix(crates_dir()).unwrap_or(&f).display()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "files over {MAX_LINES} lines of code (tests not counted): split them by job, or say at \
         the top why not, in a `//! Long file: …` line:\n{}",
        problems.join("\n")
    );
}
