//! intact's parser against the official KDL v2 test cases and against the `kdl` crate as an oracle.

use std::collections::BTreeMap;
use std::path::Path;

use intact_syntax::{Node, Value, parse};

/// Prints a parsed document by the rules of the test suite's `expected_kdl` files: no comments,
/// props sorted and de-duplicated (rightmost wins), strings as plain quoted strings unless they are
/// valid bare identifiers, empty children omitted, 4-space indents.
fn canonical(nodes: &[&Node], indent: usize, out: &mut String) {
    for node in nodes {
        out.push_str(&"    ".repeat(indent));
        if let Some(ty) = &node.ty {
            out.push_str(&format!("({})", ident(&ty.name.text)));
        }
        out.push_str(&ident(node.name()));
        for arg in node.args() {
            out.push(' ');
            if let Some(ty) = &arg.ty {
                out.push_str(&format!("({})", ident(&ty.name.text)));
            }
            out.push_str(&value(&arg.value));
        }
        let mut props = BTreeMap::new();
        for (k, v) in node.props() {
            props.insert(k.text.to_string(), v);
        }
        for (k, v) in props {
            out.push(' ');
            out.push_str(&ident(&k));
            out.push('=');
            if let Some(ty) = &v.ty {
                out.push_str(&format!("({})", ident(&ty.name.text)));
            }
            out.push_str(&value(&v.value));
        }
        let children: Vec<&Node> = node.children().collect();
        if !children.is_empty() {
            out.push_str(" {\n");
            canonical(&children, indent + 1, out);
            out.push_str(&"    ".repeat(indent));
            out.push('}');
        }
        out.push('\n');
    }
}

fn value(v: &Value) -> String {
    match v {
        Value::String(s) => ident(s),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) if f.is_nan() => "#nan".into(),
        Value::Float(f) if f.is_infinite() => if *f > 0.0 { "#inf" } else { "#-inf" }.into(),
        Value::Float(f) => format!("{f:?}"),
        Value::Bool(b) => format!("#{b}"),
        Value::Null => "#null".into(),
        Value::Invalid => "<invalid>".into(),
    }
}

fn ident(s: &str) -> String {
    let bare = !s.is_empty()
        && s.chars().all(intact_syntax::lexer::is_identifier_char)
        && !matches!(s, "true" | "false" | "null" | "inf" | "-inf" | "nan")
        && {
            let rest = s.strip_prefix(['+', '-']).unwrap_or(s);
            let digit = |s: &str| s.starts_with(|c: char| c.is_ascii_digit());
            !(digit(rest) || rest.starts_with('.') && digit(&rest[1..]))
        };
    if bare {
        return s.to_string();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn print(text: &str) -> Result<String, String> {
    let p = parse(text);
    if !p.errors.is_empty() {
        return Err(format!("{:?}", p.errors));
    }
    let mut out = String::new();
    let nodes: Vec<&Node> = p.document.live_nodes().collect();
    canonical(&nodes, 0, &mut out);
    Ok(out)
}

#[test]
fn official_test_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kdl-spec");
    let mut failures = Vec::new();
    let mut count = 0;
    let mut entries: Vec<_> = std::fs::read_dir(dir.join("input"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        count += 1;
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("\r\n", "\n");
        let expected = std::fs::read_to_string(dir.join("expected_kdl").join(&name)).ok();
        match (print(&text), expected) {
            (Ok(got), Some(want)) => {
                let want = if want.trim().is_empty() {
                    String::new()
                } else {
                    want
                };
                if got.trim_end() != want.trim_end() {
                    failures.push(format!("{name}: printed\n{got}\nexpected\n{want}"));
                }
            }
            (Err(e), Some(_)) => failures.push(format!("{name}: rejected a valid document: {e}")),
            (Ok(got), None) => {
                failures.push(format!("{name}: accepted an invalid document as\n{got}"))
            }
            (Err(_), None) => {}
        }
    }
    assert!(count > 300, "the test cases are missing");
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Values of a `kdl` crate document in the same canonical text, so that the two parsers can be compared.
fn kdl_canonical(doc: &kdl::KdlDocument, indent: usize, out: &mut String) {
    for node in doc.nodes() {
        out.push_str(&"    ".repeat(indent));
        if let Some(ty) = node.ty() {
            out.push_str(&format!("({})", ident(ty.value())));
        }
        out.push_str(&ident(node.name().value()));
        let mut props = BTreeMap::new();
        for e in node.entries() {
            let v = kdl_value(e.value());
            let v = match e.ty() {
                Some(t) => format!("({}){v}", ident(t.value())),
                None => v,
            };
            match e.name() {
                None => {
                    out.push(' ');
                    out.push_str(&v);
                }
                Some(k) => {
                    props.insert(k.value().to_string(), v);
                }
            }
        }
        for (k, v) in props {
            out.push_str(&format!(" {}={v}", ident(&k)));
        }
        if let Some(children) = node.children().filter(|c| !c.nodes().is_empty()) {
            out.push_str(" {\n");
            kdl_canonical(children, indent + 1, out);
            out.push_str(&"    ".repeat(indent));
            out.push('}');
        }
        out.push('\n');
    }
}

fn kdl_value(v: &kdl::KdlValue) -> String {
    match v {
        kdl::KdlValue::String(s) => value(&Value::String(s.as_str().into())),
        kdl::KdlValue::Integer(i) => i.to_string(),
        kdl::KdlValue::Float(f) => value(&Value::Float(*f)),
        kdl::KdlValue::Bool(b) => format!("#{b}"),
        kdl::KdlValue::Null => "#null".into(),
    }
}

/// A tiny deterministic generator (xorshift) so the differential test needs no extra crate and
/// reproduces exactly.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const NAMES: &[&str] = &[
    "node",
    "a",
    "-",
    "base-url",
    "\"quoted name\"",
    "#\"raw\"#",
    "x.y",
    "+z",
    "ünï",
    "(t)typed",
];
const VALUES: &[&str] = &[
    "1",
    "-2",
    "0x1F",
    "0o17",
    "0b101",
    "1_000",
    "1.5",
    "1e3",
    "-1.5E-3",
    "#true",
    "#false",
    "#null",
    "#inf",
    "#-inf",
    "\"s\"",
    "\"esc \\n \\t \\\" \\u{1F600}\"",
    "#\"raw \\n\"#",
    "##\"a\"#b\"##",
    "bare",
    "\"\"",
    "\"\"\"\n    multi\n      line\n    \"\"\"",
    "(u8)7",
    "\"${expr.x}\"",
    // Invalid ones, so that both parsers must also agree on rejection.
    "true",
    "1.",
    "0x",
    "\"unterminated",
    "#bad",
    "[x]",
    "1__",
    ".5",
    "\"\\q\"",
    "r\"v1\"",
];
const SEPS: &[&str] = &[" ", "  ", "\t", " /* c */ ", " \\\n  ", " /-"];

fn gen_node(g: &mut Gen, depth: usize, out: &mut String) {
    out.push_str(&"  ".repeat(depth));
    let dashed = g.chance(5);
    if dashed {
        out.push_str("/-");
    }
    out.push_str(g.pick(NAMES));
    for _ in 0..(g.next() % 4) {
        out.push_str(g.pick(SEPS));
        if g.chance(30) {
            out.push_str(g.pick(&["k", "key", "\"q k\"", "k2"]));
            out.push_str(g.pick(&["=", " = "]));
        }
        out.push_str(g.pick(VALUES));
    }
    if depth < 4 && g.chance(30) {
        out.push_str(" {\n");
        for _ in 0..(g.next() % 3) {
            gen_node(g, depth + 1, out);
        }
        out.push_str(&"  ".repeat(depth));
        out.push('}');
    }
    // The `kdl` crate rejects a slashdashed node ended by `;`, which the grammar allows; keep the
    // generator off that path so that every disagreement is a real one.
    let ends: &[&str] = if dashed {
        &["\n", " // c\n", "\n\n"]
    } else {
        &["\n", ";\n", " // c\n", "\n\n"]
    };
    out.push_str(g.pick(ends));
}

#[test]
fn differential_against_kdl_crate() {
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    let mut disagreements = Vec::new();
    let mut accepted = 0;
    for _ in 0..3000 {
        let mut doc = String::new();
        for _ in 0..(1 + g.next() % 4) {
            gen_node(&mut g, 0, &mut doc);
        }
        let ours = print(&doc);
        let theirs = doc.parse::<kdl::KdlDocument>().map(|d| {
            let mut s = String::new();
            kdl_canonical(&d, 0, &mut s);
            s
        });
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) if a == b => accepted += 1,
            (Err(_), Err(_)) => {}
            _ => disagreements.push(format!(
                "document:\n{doc}\nintact: {:?}\nkdl: {:?}",
                ours,
                theirs.as_ref().map_err(|e| e.to_string())
            )),
        }
    }
    assert!(
        accepted > 300,
        "the generator should produce many valid documents, got {accepted}"
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements; first:\n{}",
        disagreements.len(),
        disagreements[0]
    );
}

/// Both parsers on a prefix of every conformance input: each must agree on acceptance.
#[test]
fn truncated_conformance_inputs_agree_on_acceptance() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kdl-spec/input");
    let mut disagreements = Vec::new();
    let mut oracle_bugs = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        for cut in (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .step_by(7)
        {
            let part = &text[..cut];
            let ours = parse(part).errors.is_empty();
            let theirs = part.parse::<kdl::KdlDocument>().is_ok();
            if ours != theirs && known_kdl_crate_bug(part) {
                oracle_bugs += 1;
            } else if ours != theirs {
                disagreements.push(format!("{part:?}: intact ok={ours}, kdl ok={theirs}"));
            }
        }
    }
    assert!(
        oracle_bugs < 10,
        "more oracle bugs than the known few: {oracle_bugs}"
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Inputs on which the `kdl` crate 6.7.1 departs from the KDL v2 specification, so that the oracle
/// is wrong and intact is right. Each was checked against the grammar in the specification.
fn known_kdl_crate_bug(doc: &str) -> bool {
    // It accepts U+007F (DELETE) in bare identifiers; the spec lists it as disallowed.
    doc.contains('\u{7f}')
        // It accepts `#"""text"""#` on one line at the end of a file (the full test case, with a
        // newline after it, is rejected by both).
        || doc.trim_end().ends_with("\"\"\"#") && !doc.contains("#\"\"\"\n")
}
