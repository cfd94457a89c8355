//! DOT, for Graphviz and the tools that read it.

use std::fmt::Write;

use crate::{Graph, Kind, Line};

pub fn dot(g: &Graph) -> String {
    let mut out = format!(
        "digraph \"{}\" {{\n    rankdir=TB;\n    node [fontname=\"Helvetica\", fontsize=11];\n    edge [fontname=\"Helvetica\", fontsize=10];\n",
        quote(&g.title)
    );
    for (i, n) in g.nodes.iter().enumerate() {
        let (shape, style) = look(n.kind);
        let mut attrs = format!("label=\"{}\", shape={shape}", quote(&n.label));
        if !style.is_empty() {
            let _ = write!(attrs, ", style=\"{style}\"");
        }
        if n.kind == Kind::Fail {
            attrs.push_str(", color=\"#c62828\"");
        }
        if n.marked {
            attrs.push_str(
                ", color=\"#b71c1c\", penwidth=3, style=\"filled\", fillcolor=\"#ffcdd2\"",
            );
        }
        let _ = writeln!(out, "    n{i} [{attrs}];");
    }
    for e in &g.edges {
        let mut attrs = Vec::new();
        if let Some(l) = &e.label {
            attrs.push(format!("label=\"{}\"", quote(l)));
        }
        match e.line {
            Line::Back => attrs.push("style=dashed".into()),
            Line::Error => attrs.push("style=dashed, color=\"#c62828\"".into()),
            Line::Next | Line::Uses => {}
        }
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        let _ = writeln!(out, "    n{} -> n{}{attrs};", e.from, e.to);
    }
    out.push_str("}\n");
    out
}

fn look(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Start => ("ellipse", "bold"),
        Kind::End | Kind::Return => ("ellipse", ""),
        Kind::Fail => ("octagon", ""),
        Kind::Request | Kind::Action => ("box", ""),
        Kind::Call | Kind::Flow => ("component", ""),
        Kind::Let | Kind::Yield => ("box", "rounded"),
        Kind::Log => ("note", ""),
        Kind::Condition => ("diamond", ""),
        Kind::Loop => ("hexagon", ""),
        Kind::Try => ("parallelogram", ""),
        Kind::Catch => ("trapezium", ""),
        Kind::Connection => ("cylinder", ""),
    }
}

/// Text inside DOT's double quotes.
fn quote(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
