//! The syntax tree: KDL nodes, entries and values, each with its span.
//!
//! The tree is lossless together with [`crate::Parse::tokens`]: every byte of the file is in exactly
//! one token, and every element of the tree names the span it came from, so that a formatter or an
//! editor can recover comments, whitespace and the exact spelling of every value. Slashdashed
//! (`/-`) nodes, entries and blocks stay in the tree, marked, so nothing is lost when printing.

use crate::span::Span;

/// A decoded KDL value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    String(Box<str>),
    /// KDL leaves the range open; intact (like the `kdl` crate's test suite) takes 64 bits.
    Integer(i64),
    Float(f64),
    Bool(bool),
    Null,
    /// A literal that did not decode (a malformed number); the parse has an error for it.
    Invalid,
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A short name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::Integer(_) => "integer",
            Value::Float(_) => "number",
            Value::Bool(_) => "boolean",
            Value::Null => "null",
            Value::Invalid => "invalid value",
        }
    }
}

/// A string in the tree (node name, property key, type annotation) with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    pub text: compact_str::CompactString,
    pub span: Span,
}

impl Name {
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// `(type)` before a node name or a value.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    /// From `(` to `)` inclusive.
    pub span: Span,
    pub name: Name,
}

/// A value as written: its type annotation, its literal's span, and what it decodes to.
#[derive(Clone, Debug, PartialEq)]
pub struct Literal {
    /// Boxed: annotations are rare, and an inline one would grow every node and value.
    pub ty: Option<Box<Annotation>>,
    /// The span of the literal token alone (without the annotation).
    pub span: Span,
    pub value: Value,
}

impl Literal {
    /// The span including the type annotation.
    pub fn full_span(&self) -> Span {
        match &self.ty {
            Some(t) => t.span.cover(self.span),
            None => self.span,
        }
    }
}

/// An argument (`key` is `None`) or a property (`key=value`).
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The `/-` before the entry, if it is commented out.
    pub slashdash: Option<Span>,
    pub key: Option<Name>,
    pub value: Literal,
    /// From the key (or the value's annotation) to the end of the value; excludes the slashdash.
    pub span: Span,
}

impl Entry {
    pub fn is_dashed(&self) -> bool {
        self.slashdash.is_some()
    }
}

/// A `{ … }` block of children.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub slashdash: Option<Span>,
    /// From `{` to `}` inclusive (to the end of the file when the `}` is missing).
    pub span: Span,
    pub open: Span,
    pub close: Option<Span>,
    pub nodes: Vec<Node>,
}

/// One KDL node.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub slashdash: Option<Span>,
    /// Boxed: annotations are rare, and an inline one would grow every node and value.
    pub ty: Option<Box<Annotation>>,
    pub name: Name,
    /// Every entry in source order, slashdashed ones included (see [`Entry::is_dashed`]).
    pub entries: Box<[Entry]>,
    /// Every children block in source order, slashdashed ones included.
    pub blocks: Box<[Block]>,
    /// From the type annotation or name to the end of the last entry or block; excludes the
    /// slashdash and the terminator.
    pub span: Span,
}

impl Node {
    pub fn name(&self) -> &str {
        &self.name.text
    }

    pub fn is_dashed(&self) -> bool {
        self.slashdash.is_some()
    }

    /// Entries that are not slashdashed.
    pub fn live_entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| !e.is_dashed())
    }

    /// Arguments that are not slashdashed, in order.
    pub fn args(&self) -> impl Iterator<Item = &Literal> {
        self.live_entries()
            .filter(|e| e.key.is_none())
            .map(|e| &e.value)
    }

    pub fn arg(&self, index: usize) -> Option<&Literal> {
        self.args().nth(index)
    }

    /// Properties that are not slashdashed, in order (duplicates included).
    pub fn props(&self) -> impl Iterator<Item = (&Name, &Literal)> {
        self.live_entries()
            .filter_map(|e| e.key.as_ref().map(|k| (k, &e.value)))
    }

    /// The last value of property `key` (KDL's rule: the rightmost wins).
    pub fn prop(&self, key: &str) -> Option<&Literal> {
        self.props()
            .filter(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v)
            .last()
    }

    /// The live children block, if any.
    pub fn children_block(&self) -> Option<&Block> {
        self.blocks.iter().find(|b| b.slashdash.is_none())
    }

    /// Live child nodes (an empty slice when the node has no block).
    pub fn children(&self) -> impl Iterator<Item = &Node> {
        self.children_block()
            .into_iter()
            .flat_map(|b| b.nodes.iter())
            .filter(|n| !n.is_dashed())
    }

    /// The span of the node's head: annotation, name and entries, without children.
    pub fn head_span(&self) -> Span {
        let start = self
            .ty
            .as_ref()
            .map_or(self.name.span.start, |t| t.span.start);
        let end = self
            .entries
            .last()
            .map_or(self.name.span.end, |e| e.span.end);
        Span::new(start, end.max(self.name.span.end))
    }
}

/// A whole file's nodes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    pub nodes: Vec<Node>,
}

impl Document {
    /// Top-level nodes that are not slashdashed.
    pub fn live_nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| !n.is_dashed())
    }
}
