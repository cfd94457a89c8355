//! Every file a user could write gives findings, never a panic; the formatter loses nothing.

use std::path::{Path, PathBuf};

use intact_model::{Analysis, FileInput, project};
use intact_syntax::lexer::TokenKind;
use intact_syntax::{Node, format, parse};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.kdl` file of the examples and the test fixtures (the KDL conformance inputs included).
fn all_kdl_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [
        "examples",
        "tests/fixtures",
        "crates/intact-syntax/tests/kdl-spec/input",
    ] {
        for entry in walk(&repo().join(dir)) {
            files.push(entry);
        }
    }
    assert!(files.len() > 300);
    files
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "kdl") {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn example_projects() -> Vec<PathBuf> {
    walk(&repo().join("examples"))
        .into_iter()
        .filter(|p| p.ends_with("intact.kdl"))
        .map(|p| p.parent().unwrap().to_path_buf())
        .collect()
}

/// The project's findings must point inside their files, on character boundaries.
fn check_is_sound(a: &Analysis) {
    for d in intact_check::check(a) {
        let text = a.file(d.loc.file).text();
        let r = d.loc.span.range();
        assert!(
            r.start <= r.end && r.end <= text.len(),
            "{} span {r:?} outside its file",
            d.code
        );
        assert!(
            text.is_char_boundary(r.start) && text.is_char_boundary(r.end),
            "{} span {r:?} splits a character",
            d.code
        );
    }
}

/// Truncating any file of a real project at any point still gives findings, never a panic.
#[test]
fn truncated_example_files_never_panic() {
    for root in example_projects() {
        let inputs = project::load(&root).unwrap();
        for (i, f) in inputs.iter().enumerate() {
            let text = f.text.to_string();
            let step = (text.len() / 150).max(1);
            for cut in (0..text.len())
                .step_by(step)
                .filter(|c| text.is_char_boundary(*c))
            {
                let mut files = inputs.clone();
                files[i] = FileInput::new(f.path.clone(), &text[..cut]);
                check_is_sound(&Analysis::new(files));
            }
        }
    }
}

/// Deleting one line of a real file anywhere, or doubling one, still gives sound findings.
#[test]
fn edited_example_files_never_panic() {
    for root in example_projects() {
        let inputs = project::load(&root).unwrap();
        for (i, f) in inputs.iter().enumerate() {
            let lines: Vec<&str> = f.text.lines().collect();
            for n in 0..lines.len() {
                let mut without = lines.clone();
                without.remove(n);
                let mut doubled = lines.clone();
                doubled.insert(n, lines[n]);
                for variant in [without.join("\n"), doubled.join("\n")] {
                    let mut files = inputs.clone();
                    files[i] = FileInput::new(f.path.clone(), variant);
                    check_is_sound(&Analysis::new(files));
                }
            }
        }
    }
}

#[test]
fn hostile_texts_never_panic() {
    let mut texts: Vec<String> = vec![
        "\u{feff}".into(),
        "\u{feff}\u{feff}x".into(),
        "a".repeat(100_000),
        "\"".repeat(10_001),
        "/*".repeat(5_000),
        "{".repeat(20_000),
        "}".repeat(20_000),
        "a {".repeat(10_000) + &"}".repeat(10_000),
        "(".repeat(10_000),
        "/-".repeat(10_000),
        "\\\n".repeat(10_000),
        "x \"${".repeat(1_000),
        "#\"\"\"\n".into(),
        "\"\"\"\n  x\n \"\"\"".into(),
        "n \"\\u{110000}\" \"\\u{d800}\" \"\\u{}\" \"\\u{1234567}\"".into(),
        "n 0x 0o 0b 1e 1.e5 --1 +.5 99999999999999999999999".into(),
        "\r\r\n\n\u{85}\u{2028}\u{2029}\u{b}\u{c}".into(),
        "é 👍 \u{200e} \u{202e}".into(),
    ];
    // Every byte value as a one-byte file, and random-ish binary data.
    texts.extend((0u8..=255).map(|b| String::from_utf8_lossy(&[b]).into_owned()));
    for (i, text) in texts.iter().enumerate() {
        let p = parse(text);
        let covered: usize = p.tokens.iter().map(|t| t.span.len() as usize).sum();
        assert_eq!(
            covered,
            text.len(),
            "case {i}: tokens must cover every byte"
        );
        check_is_sound(&Analysis::new(vec![FileInput::new(
            "intact.kdl",
            text.as_str(),
        )]));
        if let Ok(out) = format::format(text, &p) {
            assert_eq!(
                format::format_text(&out).as_deref(),
                Ok(out.as_str()),
                "case {i}: format is not idempotent"
            );
        }
    }
}

/// Inputs the fuzz targets once crashed on (`fuzz/`), replayed as the `check` target reads them:
/// split into files at NUL bytes, the first being intact.kdl.
#[test]
fn fuzz_regressions() {
    for path in walk_all(&repo().join("tests/fixtures/fuzz-regressions")) {
        let data = std::fs::read(&path).unwrap();
        let files: Vec<FileInput> = data
            .split(|&b| b == 0)
            .take(8)
            .enumerate()
            .map(|(i, part)| {
                FileInput::from_bytes(
                    if i == 0 {
                        "intact.kdl".to_string()
                    } else {
                        format!("f{i}.kdl")
                    },
                    part,
                )
            })
            .collect();
        let a = Analysis::new(files);
        check_is_sound(&a);
        let diags = intact_check::check(&a);
        let names = intact_check::render::FileNames::root_relative();
        let _ = intact_check::render::json(&a, &diags, &names);
        let _ = intact_check::render::sarif(&a, &diags, &names);
        let _ = intact_check::render::human(
            &a,
            &diags,
            &names,
            intact_check::render::HumanOptions {
                color: false,
                unicode: true,
                width: 80,
            },
        );
    }
}

fn walk_all(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    assert!(!v.is_empty());
    v
}

/// Nodes and values of a document, without spans or layout, to compare before and after formatting.
fn shape(nodes: &[Node], out: &mut String) {
    for n in nodes {
        out.push_str(&format!(
            "{}{:?}{:?}",
            if n.is_dashed() { "/-" } else { "" },
            n.ty.as_ref().map(|t| t.name.as_str()),
            n.name()
        ));
        for e in &n.entries {
            out.push_str(&format!(
                " {}{:?}={:?}{:?}",
                e.is_dashed(),
                e.key.as_ref().map(|k| k.as_str()),
                e.value.ty.as_ref().map(|t| t.name.as_str()),
                e.value.value
            ));
        }
        for b in &n.blocks {
            out.push_str(if b.slashdash.is_some() { " /-{" } else { " {" });
            shape(&b.nodes, out);
            out.push('}');
        }
        out.push(';');
    }
}

fn comments(text: &str) -> Vec<String> {
    let mut c: Vec<String> = parse(text)
        .tokens
        .iter()
        .filter(|t| matches!(t.kind, TokenKind::LineComment | TokenKind::BlockComment))
        .map(|t| text[t.span.range()].trim_end().to_string())
        .collect();
    c.sort();
    c
}

/// `intact fmt` on every example and fixture: idempotent, same values, every comment kept.
#[test]
fn formatter_is_idempotent_and_lossless() {
    let mut formatted = 0;
    for path in all_kdl_files() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let p = parse(&text);
        let Ok(once) = format::format(&text, &p) else {
            assert!(!p.errors.is_empty());
            continue;
        };
        formatted += 1;
        let twice = format::format_text(&once).unwrap_or_else(|e| {
            panic!(
                "{}: formatted output does not parse: {e}\n{once}",
                path.display()
            )
        });
        assert_eq!(once, twice, "{}: not idempotent", path.display());
        let (mut a, mut b) = (String::new(), String::new());
        shape(&p.document.nodes, &mut a);
        shape(&parse(&once).document.nodes, &mut b);
        assert_eq!(a, b, "{}: formatting changed the document", path.display());
        assert_eq!(
            comments(&text),
            comments(&once),
            "{}: formatting lost or changed a comment",
            path.display()
        );
    }
    assert!(formatted > 200, "only {formatted} files formatted");
}

/// The examples are kept in canonical layout.
#[test]
fn examples_are_formatted() {
    for path in walk(&repo().join("examples")) {
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            format::format_text(&text).as_deref(),
            Ok(text.as_str()),
            "{} is not formatted; run `intact fmt examples`",
            path.display()
        );
    }
}

/// Long expression chains are as deep a tree as they are long. Up to the limit, checking and
/// evaluating them fits in a 2 MiB stack (a language-server thread's); past it, they are one
/// `expr::syntax` finding, never a stack overflow.
#[test]
fn long_expression_chains_fit_a_small_stack() {
    let n = intact_expr::MAX_OPERATORS;
    let shapes: Vec<(String, String)> = vec![
        ("sum".into(), format!("1{}", "+1".repeat(n))),
        ("fields".into(), format!("input.a{}", ".a".repeat(n - 1))),
        ("indexes".into(), format!("input.l{}", "[0]".repeat(n - 1))),
        (
            "methods".into(),
            format!("'X'{}", ".lower()".repeat(n / 2 - 1)),
        ),
        (
            "maps".into(),
            format!("[1]{}", ".map(x, x)".repeat(n / 2 - 1)),
        ),
    ];
    let run = move || {
        for (name, expr) in &shapes {
            for (expr, within) in [
                (expr.clone(), true),
                (format!("{expr}{}", "+1".repeat(5)), false),
            ] {
                let text = format!(
                    "project \"p\" {{\n    display-name \"P\"\n}}\nflow \"f\" {{\n    input \"a\" type=\"object\"\n    input \"l\" type=\"object\"\n    let \"v\" \"${{{expr}}}\"\n    return \"${{steps.v}}\"\n}}\n"
                );
                let a = Analysis::new(vec![intact_model::FileInput::new(
                    "intact.kdl",
                    text.as_str(),
                )]);
                let diags = intact_check::check(&a);
                let too_long = diags
                    .iter()
                    .any(|d| d.code == "expr::syntax" && d.message.contains("operators"));
                assert_eq!(
                    too_long,
                    !within,
                    "{name} ({} bytes): {diags:#?}",
                    expr.len()
                );
                if within && name != "fields" && name != "indexes" {
                    let programs = intact_model::eval::Programs::default();
                    let v = intact_model::eval::eval_text(
                        &format!("${{{expr}}}"),
                        &[],
                        &programs,
                        std::sync::Arc::new(intact_expr::eval::NoMappings),
                    );
                    assert!(v.is_ok(), "{name}: {v:?}");
                }
            }
        }
    };
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .expect("no stack overflow on a 2 MiB stack");
}

/// The generated benchmark project checks clean: the benchmarks measure a project a user could
/// ship, and every new rule must leave it so (or the generator must learn to write it right).
#[test]
fn the_generated_project_checks_clean() {
    let files = intact_testgen::project(2_000, 10)
        .into_iter()
        .map(|(p, t)| intact_model::FileInput::new(p, t))
        .collect();
    let a = Analysis::new(files);
    let findings: Vec<String> = intact_check::check(&a)
        .iter()
        .map(|d| {
            let f = a.file(d.loc.file);
            format!(
                "{}:{}: {} {}",
                f.path().display(),
                d.loc.span.start,
                d.code,
                d.message
            )
        })
        .collect();
    assert!(findings.is_empty(), "{findings:#?}");
}

/// Flows and mappings where each calls the next twice, 60 levels deep (issue 23.6: 26 levels took
/// 9 s, 40 did not finish, since the loop search enumerated every path). Checking does work in
/// proportion to the calls, so this ends; and when the last calls the first, the loop is one
/// `flow::cycle` per kind, naming the whole chain once.
#[test]
fn call_chains_that_double_per_level_are_checked_once_per_definition() {
    const LEVELS: usize = 60;
    let mut text = String::from(
        "project \"p\" {\n    display-name \"P\"\n}\nconnection \"api\" {\n    base-url \"https://api.example.com\"\n}\n",
    );
    for i in 0..LEVELS {
        let next = (i + 1) % LEVELS;
        text += &format!(
            "mapping \"m{i}\" {{\n    a \"${{m{next}(it)}}\"\n    b \"${{m{next}(it)}}\"\n}}\n"
        );
        text += &format!(
            "flow \"f{i}\" {{\n    input \"x\" type=\"string\"\n    call \"a\" \"f{next}\" {{\n        x \"${{input.x}}\"\n    }}\n    call \"b\" \"f{next}\" {{\n        x \"${{input.x}}\"\n    }}\n    return \"${{steps.a}}\"\n}}\n"
        );
    }
    let a = Analysis::new(vec![FileInput::new("intact.kdl", text)]);
    let cycles: Vec<String> = intact_check::check(&a)
        .into_iter()
        .filter(|d| d.code == "flow::cycle")
        .map(|d| d.message)
        .collect();
    assert_eq!(cycles.len(), 2, "{cycles:#?}");
    for (kind, prefix) in [("flows", "f"), ("mappings", "m")] {
        let chain: Vec<String> = (0..LEVELS).map(|i| format!("{prefix}{i}")).collect();
        let want = format!(
            "{kind} call each other in a loop: {} → {prefix}0",
            chain.join(" → ")
        );
        assert!(cycles.contains(&want), "{cycles:#?}");
    }
}
