//! Checks over the whole source tree that keep it a place a newcomer can find their way in
//! (as rust-analyzer's tidy tests do): no module of a crate depends, through `crate::` paths, on
//! a module that depends back on it; a source file with more than [`MAX_LINES`] lines of code
//! (its test module not counted) says at its top why it is that long (`//! Long file: …`); and no
//! function is longer than [`MAX_FUNCTION_LINES`] unless [`LONG_FUNCTIONS`] lists it with the
//! reason.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 600;

/// The most lines a function of `crates/*/src` may span, from its `fn` to its closing brace.
const MAX_FUNCTION_LINES: usize = 120;

/// The functions allowed over [`MAX_FUNCTION_LINES`], each with the reason: its file under
/// `crates/`, its name, why. An entry whose function is no longer that long fails the test too,
/// so that the list only shrinks.
const LONG_FUNCTIONS: &[(&str, &str, &str)] = &[
    (
        "intact-check/src/schema.rs",
        "value",
        "not yet split (issue 27)",
    ),
    (
        "intact-expr/src/eval.rs",
        "add_functions",
        "a table: one registration per built-in function, each a few lines",
    ),
    (
        "intact-semantic/src/types/test_trees.rs",
        "test_inputs",
        "not yet split (issue 27)",
    ),
];

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

/// Every Rust file under the crates' `src/` folders, sorted.
fn source_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(crates_dir()).unwrap().flatten() {
        rust_files(&e.path().join("src"), &mut files);
    }
    assert!(files.len() > 50, "the sources were not found");
    files.sort();
    files
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
    let files = source_files();
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

/// The text with comments and the insides of string and character literals blanked (newlines
/// kept), so that every `fn`, brace and semicolon left is code.
fn code_only(text: &str) -> Vec<char> {
    let c: Vec<char> = text.chars().collect();
    let mut out = c.clone();
    let ident = |i: usize| i < c.len() && (c[i].is_alphanumeric() || c[i] == '_');
    let mut i = 0;
    while i < c.len() {
        let start = i;
        if c[i..].starts_with(&['/', '/']) {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i..].starts_with(&['/', '*']) {
            // Block comments nest.
            let mut depth = 0;
            while i < c.len() {
                if c[i..].starts_with(&['/', '*']) {
                    depth += 1;
                    i += 2;
                } else if c[i..].starts_with(&['*', '/']) {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if let Some(hashes) = raw_string_at(&c, i).filter(|_| i == 0 || !ident(i - 1)) {
            // r"…", r#"…"#, br"…": ends at a quote followed by as many `#`.
            i += c[i..].iter().position(|&x| x == '"').unwrap() + 1;
            while i < c.len()
                && !(c[i] == '"' && c[i + 1..].iter().take_while(|&&x| x == '#').count() >= hashes)
            {
                i += 1;
            }
            i += 1 + hashes;
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c[i] == '\'' && c.get(i + 1) == Some(&'\\') {
            // '\n', '\'', '\u{…}': the escaped character, then up to the closing quote.
            i += 3;
            while i < c.len() && c[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if c[i] == '\'' && c.get(i + 2) == Some(&'\'') {
            i += 3;
        } else {
            // Code, or a lifetime's quote.
            i += 1;
            continue;
        }
        let end = i.min(c.len());
        for x in &mut out[start..end] {
            if *x != '\n' {
                *x = ' ';
            }
        }
        i = end;
    }
    out
}

/// How many `#` a raw string starting at `i` has (`r"` none), if one starts there.
fn raw_string_at(c: &[char], i: usize) -> Option<usize> {
    let r = match c.get(i) {
        Some('r') => i,
        Some('b') if c.get(i + 1) == Some(&'r') => i + 1,
        _ => return None,
    };
    let hashes = c[r + 1..].iter().take_while(|&&x| x == '#').count();
    (c.get(r + 1 + hashes) == Some(&'"')).then_some(hashes)
}

/// Each function with a body in `text`: its name, the line of its `fn`, and how many lines it
/// spans to its closing brace (nested functions are counted on their own too).
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let code = code_only(text);
    let mut line_of = Vec::with_capacity(code.len());
    let mut line = 1;
    for &ch in &code {
        line_of.push(line);
        if ch == '\n' {
            line += 1;
        }
    }
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut out = Vec::new();
    for i in 0..code.len().saturating_sub(2) {
        // `fn NAME`; `fn(…)` is a type.
        if !(code[i] == 'f' && code[i + 1] == 'n' && code[i + 2].is_whitespace())
            || (i > 0 && ident(code[i - 1]))
        {
            continue;
        }
        let at = i
            + 2
            + code[i + 2..]
                .iter()
                .take_while(|ch| ch.is_whitespace())
                .count();
        let name: String = code[at..].iter().take_while(|&&ch| ident(ch)).collect();
        if name.is_empty() {
            continue;
        }
        // The body's brace: the first `{` outside the signature's parentheses and brackets,
        // unless a `;` ends a declaration first.
        let mut depth = 0;
        let mut open = None;
        for (k, &ch) in code.iter().enumerate().skip(at) {
            match ch {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                ';' if depth == 0 => break,
                '{' if depth == 0 => {
                    open = Some(k);
                    break;
                }
                _ => {}
            }
        }
        let Some(open) = open else {
            continue;
        };
        let mut braces = 0;
        for (k, &ch) in code.iter().enumerate().skip(open) {
            match ch {
                '{' => braces += 1,
                '}' => braces -= 1,
                _ => {}
            }
            if braces == 0 {
                out.push((name, line_of[i], line_of[k] - line_of[i] + 1));
                break;
            }
        }
    }
    out
}

#[test]
fn functions_are_measured_from_fn_to_their_closing_brace() {
    let text = r##"
/// A doc comment is not counted.
fn one() {
    let a = '{';
    let b = "}}";
    let c = r#"}"#;
    // }
    /* } /* } */ } */
    let d = '\'';
    let e: &'static str = "\"}";
}

fn two() -> [u8; 2] where for<'a> fn(&'a u8): Copy { [0; 2] }
trait T { fn declared(&self); fn given(&self) {} }
"##;
    let found = functions(text);
    assert_eq!(
        found,
        vec![
            ("one".to_string(), 3, 9),
            ("two".to_string(), 13, 1),
            ("given".to_string(), 14, 1),
        ]
    );
}

#[test]
fn long_functions_are_split_or_listed_with_a_reason() {
    let files = source_files();
    let mut problems = Vec::new();
    let mut listed_and_long = BTreeSet::new();
    for f in files {
        let rel = f.strip_prefix(crates_dir()).unwrap_or(&f);
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let text = std::fs::read_to_string(&f).unwrap();
        for (name, line, lines) in functions(&text) {
            if lines <= MAX_FUNCTION_LINES {
                continue;
            }
            match LONG_FUNCTIONS
                .iter()
                .find(|(file, n, _)| *file == rel && *n == name)
            {
                Some(&(file, n, _)) => {
                    listed_and_long.insert((file, n));
                }
                None => problems.push(format!("{rel}:{line}: `{name}` spans {lines} lines")),
            }
        }
    }
    for &(file, name, why) in LONG_FUNCTIONS {
        assert!(
            !why.trim().is_empty(),
            "{file} `{name}`: say why it is long"
        );
        if !listed_and_long.contains(&(file, name)) {
            problems.push(format!(
                "{file}: `{name}` is in LONG_FUNCTIONS but no longer over {MAX_FUNCTION_LINES} \
                 lines (or gone): take it off the list"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "functions over {MAX_FUNCTION_LINES} lines (from `fn` to the closing brace): split them by \
         job, each piece one job with a name that says what, or list them in LONG_FUNCTIONS with \
         the reason:\n{}",
        problems.join("\n")
    );
}
