//! SVG, laid out and drawn by `layout-rs` (Sugiyama layering, pure Rust): no browser or Graphviz
//! needed. Each node's group carries `class="step KIND"` (and `marked`) and its edges their
//! labels, so a page embedding the picture can find the marked step.

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

use crate::{Graph, Kind, Line};

const FONT: usize = 13;

pub fn svg(g: &Graph) -> String {
    let mut vg = VisualGraph::new(Orientation::TopToBottom);
    let handles: Vec<_> = g
        .nodes
        .iter()
        .map(|n| {
            let fill = match (n.marked, n.kind) {
                (true, _) => 0xffcdd2ff,
                (_, Kind::Fail) => 0xfde2e1ff,
                (_, Kind::Start | Kind::End | Kind::Return) => 0xe8f5e9ff,
                (_, Kind::Condition | Kind::Loop) => 0xfff8e1ff,
                (_, Kind::Try | Kind::Catch) => 0xf3e5f5ff,
                (_, Kind::Connection) => 0xe3f2fdff,
                _ => 0xffffffff,
            };
            let (stroke, width) = if n.marked {
                (0xb71c1cff, 3)
            } else {
                (0x424242ff, 1)
            };
            let rounded = match n.kind {
                Kind::Start | Kind::End | Kind::Return | Kind::Fail => 18,
                Kind::Let | Kind::Yield | Kind::Log => 8,
                _ => 0,
            };
            let look = StyleAttr::new(
                Color::new(stroke),
                width,
                Some(Color::new(fill)),
                rounded,
                FONT,
            );
            let shape = ShapeKind::new_box(&n.label);
            let width = (n.label.chars().count() as f64 * FONT as f64 * 0.62 + 24.0).max(60.0);
            let class = if n.marked {
                format!("class=\"step {} marked\"", kind_name(n.kind))
            } else {
                format!("class=\"step {}\"", kind_name(n.kind))
            };
            let element = Element::create_with_properties(
                shape,
                look,
                Orientation::TopToBottom,
                Point::new(width, 36.0),
                class,
            );
            vg.add_node(element)
        })
        .collect();
    for e in &g.edges {
        let style = match e.line {
            Line::Back | Line::Error => LineStyleKind::Dashed,
            Line::Next | Line::Uses => LineStyleKind::Normal,
        };
        let color = if e.line == Line::Error {
            0xc62828ff
        } else {
            0x424242ff
        };
        let look = StyleAttr::new(Color::new(color), 1, None, 0, FONT - 2);
        let arrow = Arrow::new(
            LineEndKind::None,
            LineEndKind::Arrow,
            style,
            e.label.as_deref().unwrap_or(""),
            &look,
            &None,
            &None,
        );
        vg.add_edge(arrow, handles[e.from], handles[e.to]);
    }
    let mut out = SVGWriter::new();
    if !g.nodes.is_empty() {
        vg.do_it(false, false, false, &mut out);
    }
    out.finalize()
}

/// The kind's name in the SVG's classes.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Start => "start",
        Kind::End => "end",
        Kind::Request => "request",
        Kind::Call => "call",
        Kind::Let => "let",
        Kind::Log => "log",
        Kind::Condition => "condition",
        Kind::Loop => "loop",
        Kind::Yield => "yield",
        Kind::Try => "try",
        Kind::Catch => "catch",
        Kind::Return => "return",
        Kind::Fail => "fail",
        Kind::Action => "action",
        Kind::Flow => "flow",
        Kind::Connection => "connection",
    }
}
