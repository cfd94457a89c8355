//! Mermaid (`flowchart TD`), which GitHub and most Markdown viewers draw.

use std::fmt::Write;

use crate::{Graph, Kind, Line};

pub fn mermaid(g: &Graph) -> String {
    let mut out = format!("---\ntitle: {}\n---\nflowchart TD\n", quote(&g.title));
    for (i, n) in g.nodes.iter().enumerate() {
        let (open, close) = shape(n.kind);
        let _ = writeln!(out, "    n{i}{open}\"{}\"{close}", quote(&n.label));
    }
    for e in &g.edges {
        let arrow = match e.line {
            Line::Next | Line::Uses => "-->",
            Line::Back | Line::Error => "-.->",
        };
        let label = e
            .label
            .as_deref()
            .map(|l| format!("|\"{}\"|", quote(l)))
            .unwrap_or_default();
        let _ = writeln!(out, "    n{} {arrow}{label} n{}", e.from, e.to);
    }
    out.push_str("    classDef fail fill:#fde2e1,stroke:#c62828\n");
    out.push_str("    classDef marked fill:#ffcdd2,stroke:#b71c1c,stroke-width:3px\n");
    for (class, pick) in [
        (
            "fail",
            (|n: &crate::Node| n.kind == Kind::Fail && !n.marked) as fn(&crate::Node) -> bool,
        ),
        ("marked", |n: &crate::Node| n.marked),
    ] {
        let ids: Vec<String> = g
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| pick(n))
            .map(|(i, _)| format!("n{i}"))
            .collect();
        if !ids.is_empty() {
            let _ = writeln!(out, "    class {} {class}", ids.join(","));
        }
    }
    out
}

fn shape(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Start | Kind::End | Kind::Return | Kind::Fail => ("([", "])"),
        Kind::Request | Kind::Action => ("[", "]"),
        Kind::Call | Kind::Flow => ("[[", "]]"),
        Kind::Let | Kind::Yield => ("(", ")"),
        Kind::Log => (">", "]"),
        Kind::Condition => ("{", "}"),
        Kind::Loop => ("{{", "}}"),
        Kind::Try => ("[/", "/]"),
        Kind::Catch => ("[\\", "\\]"),
        Kind::Connection => ("[(", ")]"),
    }
}

/// Text inside Mermaid's quotes: its entity codes for what would end or confuse the label.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
