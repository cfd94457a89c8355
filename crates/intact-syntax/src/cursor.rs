//! What stands at a cursor: the nodes around it and the part of a node under it (its name, an
//! argument, a property's key or value, the rest of its head, or a place where a node may start).
//! Editor features (completion, hover, navigation) start here; it works on any tree the parser
//! returns, broken files included.

use crate::ast::{Document, Literal, Name, Node};

/// The place of an offset in a document.
#[derive(Debug)]
pub struct Cursor<'a> {
    /// The nodes whose head or block holds the cursor, outermost first.
    pub ancestors: Vec<&'a Node>,
    pub part: Part<'a>,
}

/// The part of the innermost node under the cursor (`ancestors.last()`).
#[derive(Debug)]
pub enum Part<'a> {
    /// On the name of the innermost ancestor (being typed, or to hover).
    NodeName,
    /// Where a new node may start: at the top level or in the block of the innermost ancestor,
    /// between nodes (an empty line, after `{`).
    NewNode,
    /// On positional argument `index` (counting live arguments).
    Arg { index: usize, literal: &'a Literal },
    /// On the key of a property.
    PropKey { key: &'a Name },
    /// On the value of a property.
    PropValue { key: &'a Name, literal: &'a Literal },
    /// In the head of the node after its name, not on an entry: where the next argument
    /// (`next_arg`) or a property may be typed.
    Head { next_arg: usize },
}

impl<'a> Cursor<'a> {
    /// The innermost node around the cursor, if any.
    pub fn node(&self) -> Option<&'a Node> {
        self.ancestors.last().copied()
    }
}

/// The cursor at byte `offset` of `text`, whose tree is `doc`. An offset at the end of a name or a
/// value counts as on it, where an editor's cursor sits after typing it.
pub fn at<'a>(doc: &'a Document, text: &str, offset: u32) -> Cursor<'a> {
    let mut ancestors = Vec::new();
    let mut nodes: &'a [Node] = &doc.nodes;
    loop {
        let Some(node) = nodes
            .iter()
            .filter(|n| !n.is_dashed())
            .find(|n| holds(n, text, offset))
        else {
            return Cursor {
                ancestors,
                part: Part::NewNode,
            };
        };
        ancestors.push(node);
        if node.name.span.touches(offset) {
            return Cursor {
                ancestors,
                part: Part::NodeName,
            };
        }
        let mut index = 0;
        for e in node.live_entries() {
            if let Some(key) = &e.key {
                if key.span.touches(offset) {
                    return Cursor {
                        ancestors,
                        part: Part::PropKey { key },
                    };
                }
                if e.value.full_span().touches(offset) && e.value.span.end > key.span.end {
                    return Cursor {
                        ancestors,
                        part: Part::PropValue {
                            key,
                            literal: &e.value,
                        },
                    };
                }
            } else {
                if e.value.full_span().touches(offset) {
                    return Cursor {
                        ancestors,
                        part: Part::Arg {
                            index,
                            literal: &e.value,
                        },
                    };
                }
                index += 1;
            }
        }
        match node.children_block() {
            Some(b) if b.open.end <= offset && b.close.is_none_or(|c| offset <= c.start) => {
                nodes = &b.nodes;
            }
            _ => {
                return Cursor {
                    ancestors,
                    part: Part::Head { next_arg: index },
                };
            }
        }
    }
}

/// Whether `node` holds `offset`: in its head, on the line of its head after it (where its next
/// entry would be typed), or inside its block.
fn holds(node: &Node, text: &str, offset: u32) -> bool {
    let head = node.head_span();
    if head.touches(offset) {
        return true;
    }
    if let Some(b) = node.children_block() {
        let end = b.close.map_or(b.span.end, |c| c.start);
        if b.open.end <= offset && offset <= end {
            return true;
        }
        if b.open.start >= offset && offset > head.end {
            return same_line(text, head.end, offset);
        }
        return false;
    }
    offset > head.end && same_line(text, head.end, offset)
}

/// No newline (or `;`) between `from` and `to`.
fn same_line(text: &str, from: u32, to: u32) -> bool {
    text.get(from as usize..to as usize)
        .is_some_and(|s| !s.contains(['\n', ';']))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cursor at `$0` in `text`, described in one line.
    fn describe(marked: &str) -> String {
        let offset = marked.find("$0").expect("a $0 marker") as u32;
        let text = marked.replacen("$0", "", 1);
        let parse = crate::parse(&text);
        let c = at(&parse.document, &text, offset);
        let path: Vec<&str> = c.ancestors.iter().map(|n| n.name()).collect();
        let part = match &c.part {
            Part::NodeName => "name".to_string(),
            Part::NewNode => "new node".to_string(),
            Part::Arg { index, literal } => {
                format!("arg {index} {:?}", &text[literal.span.range()])
            }
            Part::PropKey { key } => format!("key {}", key.as_str()),
            Part::PropValue { key, literal } => {
                format!(
                    "value of {} {:?}",
                    key.as_str(),
                    &text[literal.span.range()]
                )
            }
            Part::Head { next_arg } => format!("head, next arg {next_arg}"),
        };
        format!("{} | {part}", path.join(" > "))
    }

    #[test]
    fn parts_of_a_node() {
        let cases = [
            ("conn$0", "conn | name"),
            ("$0", " | new node"),
            (
                "connection \"a$0pi\" {\n}\n",
                "connection | arg 0 \"\\\"api\\\"\"",
            ),
            (
                "action \"x\" contract=\"crea$0\"\n",
                "action | value of contract \"\\\"crea\\\"\"",
            ),
            ("action \"x\" contr$0\n", "action | arg 1 \"contr\""),
            ("action \"x\" contract$0=\"a\"\n", "action | key contract"),
            ("flow \"x\" $0\n", "flow | head, next arg 1"),
            ("flow \"x\" {\n    $0\n}\n", "flow | new node"),
            (
                "flow \"x\" {\n    request \"r\" \"G$0\"\n}\n",
                "flow > request | arg 1 \"\\\"G\\\"\"",
            ),
            ("flow \"x\" {\n    req$0\n}\n", "flow > req | name"),
            ("flow \"x\" {\n}\n$0", " | new node"),
            ("flow \"x\"\n$0", " | new node"),
        ];
        for (marked, want) in cases {
            assert_eq!(describe(marked), want, "{marked:?}");
        }
    }

    #[test]
    fn broken_files_still_answer() {
        // An unclosed block and a half-typed string above the cursor.
        let got = describe("flow \"x\" {\n    log \"unterminated\n    req$0\n");
        assert!(
            got.ends_with("| name") || got.ends_with("new node"),
            "{got}"
        );
        let got = describe("connection \"api\" {\n    auth \"basic\" {\n        $0");
        assert_eq!(got, "connection > auth | new node");
    }
}
