//! Flows, actions and the project as graphs, for people who review a config rather than run it:
//! the builder intact replaces shows a flow as a canvas of cards; `intact graph` shows the same
//! picture from the model's control-flow tree (`steps.rs`), and the project as actions → flows →
//! connections (`project.rs`).
//!
//! A [`Graph`] is printed three ways: Mermaid for Markdown and GitHub (`mermaid.rs`), DOT for
//! Graphviz (`dot.rs`), and SVG laid out by `layout-rs`, so no browser or Graphviz is needed
//! (`svg.rs`). A node may be marked (the failing step of a test report).

mod dot;
mod mermaid;
mod project;
mod steps;
mod svg;

use intact_model::Loc;

pub use dot::dot;
pub use mermaid::mermaid;
pub use project::project;
pub use steps::{action, flow};
pub use svg::svg;

/// What a node stands for: its shape and colour in every format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Where a flow or action starts: its name.
    Start,
    /// Where every path that does not return ends.
    End,
    Request,
    Call,
    Let,
    Log,
    /// An `if` or `else-if` condition.
    Condition,
    /// A `for-each`.
    Loop,
    Yield,
    Try,
    Catch,
    Return,
    Fail,
    /// In the project graph.
    Action,
    Flow,
    Connection,
}

/// How an edge is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    /// The next step.
    Next,
    /// Back to a loop for its next item.
    Back,
    /// To a `catch`, when the `try` body fails.
    Error,
    /// In the project graph: calls a flow, or sends requests through a connection.
    Uses,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub kind: Kind,
    pub label: String,
    /// Where the step or definition is written.
    pub loc: Option<Loc>,
    /// Drawn as the failing step.
    pub marked: bool,
}

#[derive(Clone, Debug)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub label: Option<String>,
    pub line: Line,
}

/// A directed graph of one flow, action or project.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// What it is a graph of: `flow get_user`, `action user.get`, `project scim`.
    pub title: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

impl Graph {
    fn node(&mut self, kind: Kind, label: impl Into<String>, loc: Option<Loc>) -> usize {
        self.nodes.push(Node {
            kind,
            label: label.into(),
            loc,
            marked: false,
        });
        self.nodes.len() - 1
    }

    fn edge(&mut self, from: usize, to: usize, label: Option<&str>, line: Line) {
        self.edges.push(Edge {
            from,
            to,
            label: label.map(str::to_string),
            line,
        });
    }

    /// Marks the node of the step written at `loc` (the step a failure names); whether one was.
    pub fn mark(&mut self, loc: Loc) -> bool {
        let mut found = false;
        for n in self.nodes.iter_mut().filter(|n| n.loc == Some(loc)) {
            n.marked = true;
            found = true;
        }
        found
    }
}

/// At most `max` characters of `text` on one line, `…` when cut.
fn short(text: &str, max: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut out: String = one_line.chars().take(max - 1).collect();
    out.push('…');
    out
}
