//! Writing whole KDL documents: a small tree of nodes, comments and blank lines, printed in the
//! canonical layout of [`crate::format`] with every name and value through [`crate::encode`].
//!
//! Generated files (the OpenAPI importer's connections and flows, `intact init`'s project) are
//! built as this tree rather than as text, so quoting, escaping and layout are decided here once:
//! what [`Doc::print`] writes parses without errors and is left unchanged by `intact fmt` (the
//! tests below and the importer's corpus tests check both).

use std::fmt::Write as _;

use crate::encode::quote;
use crate::lexer::{is_disallowed, is_identifier_char, is_newline, is_unicode_space};

/// A value in a node's arguments or properties.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    String(String),
    Bool(bool),
    Integer(i64),
    Float(f64),
    Null,
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::String(s.clone())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Integer(n)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::Float(n)
    }
}

/// One line of a document or block: a node, a `//` comment or a blank line; or a node written
/// commented out, each of its lines behind `// ` (a suggestion the user is to finish).
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Node(Node),
    Comment(String),
    Blank,
    CommentedOut(Node),
}

/// A node: its name, arguments, properties (in the order they are written) and children.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// A type annotation: `(array)name`.
    annotation: Option<String>,
    name: String,
    args: Vec<Value>,
    props: Vec<(String, Value)>,
    children: Vec<Item>,
    /// Braces even without children: `return {}` is an empty object, `return` is nothing.
    block: bool,
}

impl Node {
    pub fn new(name: impl Into<String>) -> Node {
        Node {
            annotation: None,
            name: name.into(),
            args: Vec::new(),
            props: Vec::new(),
            children: Vec::new(),
            block: false,
        }
    }

    /// The node's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Written with a type annotation: `(array)emails`, `(object)meta`.
    pub fn annotated(mut self, annotation: &str) -> Node {
        self.annotation = Some(annotation.to_string());
        self
    }

    /// Written with braces even when it has no children (`{}`).
    pub fn block(mut self) -> Node {
        self.block = true;
        self
    }

    pub fn arg(mut self, value: impl Into<Value>) -> Node {
        self.args.push(value.into());
        self
    }

    pub fn prop(mut self, key: impl Into<String>, value: impl Into<Value>) -> Node {
        self.props.push((key.into(), value.into()));
        self
    }

    /// Adds a child node.
    pub fn child(mut self, node: Node) -> Node {
        self.children.push(Item::Node(node));
        self
    }

    /// Adds a child node in place, for children added in a loop.
    pub fn push(&mut self, node: Node) {
        self.children.push(Item::Node(node));
    }

    pub fn push_arg(&mut self, value: impl Into<Value>) {
        self.args.push(value.into());
    }

    pub fn push_prop(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        self.props.push((key.into(), value.into()));
    }

    /// Adds a node, comment or blank line among the children.
    pub fn push_item(&mut self, item: Item) {
        self.children.push(item);
    }

    /// Adds a `//` comment line among the children. See [`Doc::comment`].
    pub fn push_comment(&mut self, text: &str) {
        self.children.push(Item::Comment(text.to_string()));
    }
}

/// A KDL document under construction.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Doc {
    items: Vec<Item>,
}

impl Doc {
    pub fn new() -> Doc {
        Doc::default()
    }

    pub fn push(&mut self, node: Node) {
        self.items.push(Item::Node(node));
    }

    /// A `//` comment line. Its text is kept on one line: each line break in it is written as a
    /// space, so that no text from outside (an OpenAPI summary, say) can end the comment and start
    /// KDL of its own.
    pub fn comment(&mut self, text: &str) {
        self.items.push(Item::Comment(text.to_string()));
    }

    /// A blank line, written only between two items (never first, last or twice in a row).
    pub fn blank(&mut self) {
        self.items.push(Item::Blank);
    }

    /// The document in the canonical layout: four spaces per level, one node per line, one
    /// newline at the end.
    pub fn print(&self) -> String {
        let mut out = String::new();
        items(&mut out, &self.items, 0);
        out
    }
}

fn items(out: &mut String, list: &[Item], depth: usize) {
    let mut pending_blank = false;
    let mut written = false;
    for item in list {
        if matches!(item, Item::Blank) {
            pending_blank = written;
            continue;
        }
        if pending_blank {
            out.push('\n');
            pending_blank = false;
        }
        written = true;
        indent(out, depth);
        match item {
            Item::Comment(text) => {
                out.push_str("//");
                // One line, whatever the text: every line break or other space becomes a space,
                // and a code point KDL forbids anywhere in a document becomes U+FFFD.
                let text: String = text
                    .chars()
                    .map(|c| {
                        if is_newline(c) || is_unicode_space(c) || c.is_whitespace() {
                            ' '
                        } else if is_disallowed(c) {
                            '\u{FFFD}'
                        } else {
                            c
                        }
                    })
                    .collect();
                let text = text
                    .split(' ')
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                let text = text.trim_end();
                if !text.is_empty() {
                    out.push(' ');
                    out.push_str(text);
                }
                out.push('\n');
            }
            Item::Node(node) => {
                if let Some(a) = &node.annotation {
                    out.push('(');
                    out.push_str(&name(a));
                    out.push(')');
                }
                out.push_str(&name(&node.name));
                for v in &node.args {
                    out.push(' ');
                    value(out, v);
                }
                for (k, v) in &node.props {
                    out.push(' ');
                    out.push_str(&name(k));
                    out.push('=');
                    value(out, v);
                }
                if node.children.is_empty() && node.block {
                    out.push_str(" {}\n");
                } else if node.children.is_empty() {
                    out.push('\n');
                } else {
                    out.push_str(" {\n");
                    items(out, &node.children, depth + 1);
                    indent(out, depth);
                    out.push_str("}\n");
                }
            }
            Item::CommentedOut(node) => {
                let mut text = String::new();
                items(&mut text, &[Item::Node(node.clone())], 0);
                for (i, line) in text.lines().enumerate() {
                    if i > 0 {
                        indent(out, depth);
                    }
                    out.push_str("// ");
                    out.push_str(line);
                    out.push('\n');
                }
            }
            Item::Blank => unreachable!("blank lines are handled above"),
        }
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("    ");
    }
}

fn value(out: &mut String, v: &Value) {
    match v {
        Value::String(s) => out.push_str(&quote(s)),
        Value::Bool(b) => {
            let _ = write!(out, "#{b}");
        }
        Value::Integer(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Float(f) if f.is_nan() => out.push_str("#nan"),
        Value::Float(f) if f.is_infinite() => out.push_str(if *f > 0.0 { "#inf" } else { "#-inf" }),
        // Rust prints a whole float without a point (`2`), which reads back as an integer.
        Value::Float(f) if f.fract() == 0.0 => {
            let _ = write!(out, "{f:.1}");
        }
        Value::Float(f) => {
            let _ = write!(out, "{f}");
        }
        Value::Null => out.push_str("#null"),
    }
}

/// A node name or property key: bare when KDL reads it back as the same identifier, quoted
/// otherwise (editor completion writes field names through it too).
pub fn node_name(s: &str) -> String {
    name(s)
}

fn name(s: &str) -> String {
    if is_bare_identifier(s) {
        s.to_string()
    } else {
        quote(s)
    }
}

/// Whether `s` can be written as a bare identifier: identifier characters only, not read as a
/// number (`1a`, `-1`, `.5`) and not one of the words KDL v2 reserves.
fn is_bare_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let second = chars.next();
    let numeric_start = first.is_ascii_digit()
        || (matches!(first, '-' | '+' | '.') && second.is_some_and(|c| c.is_ascii_digit()))
        || (matches!(first, '-' | '+')
            && second == Some('.')
            && s.chars().nth(2).is_some_and(|c| c.is_ascii_digit()));
    !numeric_start
        && s.chars().all(is_identifier_char)
        && !matches!(s, "true" | "false" | "null" | "inf" | "-inf" | "nan")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `print` writes parses cleanly, is what `intact fmt` prints, and reads back as the same
    /// names and values.
    fn round_trip(doc: &Doc) -> String {
        let text = doc.print();
        let parse = crate::parse(&text);
        assert!(parse.errors.is_empty(), "{text}\n{:?}", parse.errors);
        assert_eq!(crate::format::format_text(&text).unwrap(), text);
        text
    }

    #[test]
    fn a_document_prints_in_the_canonical_layout() {
        let mut doc = Doc::new();
        doc.comment("Written by a test.\nsecond line");
        doc.push(
            Node::new("connection")
                .arg("crm")
                .child(Node::new("base-url").arg("https://example.com"))
                .child(
                    Node::new("auth")
                        .arg("oauth2")
                        .child(Node::new("scope").arg("a").arg("b"))
                        .child(Node::new("pkce").arg(true)),
                ),
        );
        doc.blank();
        doc.blank();
        doc.push(
            Node::new("flow")
                .arg("f")
                .prop("connection", "crm")
                .child(
                    Node::new("input")
                        .arg("n")
                        .prop("type", "integer")
                        .prop("default", 3i64),
                )
                .child(Node::new("input").arg("x").prop("default", 2.0f64))
                .child(Node::new("input").arg("y").prop("default", 0.25f64)),
        );
        doc.blank();
        let text = round_trip(&doc);
        assert_eq!(
            text,
            "// Written by a test. second line\n\
             connection \"crm\" {\n    base-url \"https://example.com\"\n    auth \"oauth2\" {\n        scope \"a\" \"b\"\n        pkce #true\n    }\n}\n\
             \n\
             flow \"f\" connection=\"crm\" {\n    input \"n\" type=\"integer\" default=3\n    input \"x\" default=2.0\n    input \"y\" default=0.25\n}\n"
        );
    }

    #[test]
    fn names_that_are_not_identifiers_are_quoted() {
        for (raw, written) in [
            ("base-url", "base-url"),
            ("Content-Type", "Content-Type"),
            ("with space", "\"with space\""),
            ("1st", "\"1st\""),
            ("-1", "\"-1\""),
            (".5", "\".5\""),
            ("true", "\"true\""),
            ("", "\"\""),
            ("a=b", "\"a=b\""),
        ] {
            assert_eq!(name(raw), written, "{raw}");
            let mut doc = Doc::new();
            doc.push(Node::new(raw).prop(raw, raw));
            round_trip(&doc);
        }
    }

    #[test]
    fn hostile_text_stays_inside_its_string_or_comment() {
        let hostile = "a\"b\\c\nnode x {\r\n}\u{2028}/* \u{FEFF}\u{7}";
        let mut doc = Doc::new();
        doc.comment(hostile);
        doc.push(Node::new("n").arg(hostile).child(Node::new(hostile)));
        let text = round_trip(&doc);
        let parse = crate::parse(&text);
        assert_eq!(parse.document.nodes.len(), 1, "{text}");
        assert_eq!(text.lines().count(), 4, "{text}");
    }

    #[test]
    fn empty_blocks_and_commented_out_nodes() {
        let mut action = Node::new("action").arg("a");
        action.push_item(Item::CommentedOut(
            Node::new("request")
                .arg("call")
                .child(Node::new("query").arg("k").arg("v")),
        ));
        action.push(Node::new("return").block());
        let mut doc = Doc::new();
        doc.push(action);
        assert_eq!(
            round_trip(&doc),
            "action \"a\" {\n    // request \"call\" {\n    //     query \"k\" \"v\"\n    // }\n    return {}\n}\n"
        );
    }

    #[test]
    fn special_floats_and_null_are_keywords() {
        let mut doc = Doc::new();
        doc.push(
            Node::new("n")
                .arg(f64::NAN)
                .arg(f64::INFINITY)
                .arg(f64::NEG_INFINITY)
                .arg(Value::Null)
                .arg(false),
        );
        assert_eq!(round_trip(&doc), "n #nan #inf #-inf #null #false\n");
    }
}
