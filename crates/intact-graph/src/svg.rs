//! SVG, laid out and drawn by `layout-rs` (Sugiyama layering, pure Rust): no browser or Graphviz
//! needed. Each node's group carries `class="step KIND"` (and `marked`) and its edges their
//! labels, so a page embedding the picture can find the marked step.

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::format::{ClipHandle, RenderBackend};
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
    let mut out = Bounded {
        svg: SVGWriter::new(),
        max: Point::new(0.0, 0.0),
    };
    if !g.nodes.is_empty() {
        vg.do_it(false, false, false, &mut out);
    }
    out.finalize()
}

/// `layout-rs`'s SVG writer, with the picture's size taken from what is drawn: the writer
/// grows its window by ten pixels of *height* per character of every label, which left room
/// for a dozen more rows under a graph with long labels.
struct Bounded {
    svg: SVGWriter,
    max: Point,
}

impl Bounded {
    fn grow(&mut self, x: f64, y: f64) {
        self.max.x = self.max.x.max(x);
        self.max.y = self.max.y.max(y);
    }

    fn finalize(&self) -> String {
        let text = self.svg.finalize();
        let (w, h) = (self.max.x + 8.0, self.max.y + 8.0);
        let header = format!(
            "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\">"
        );
        match (
            text.find("<svg "),
            text.find("xmlns=\"http://www.w3.org/2000/svg\">"),
        ) {
            (Some(start), Some(end)) => {
                let end = end + "xmlns=\"http://www.w3.org/2000/svg\">".len();
                format!("{}{header}{}", &text[..start], &text[end..])
            }
            _ => text,
        }
    }
}

impl RenderBackend for Bounded {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        look: &StyleAttr,
        properties: Option<String>,
        clip: Option<ClipHandle>,
    ) {
        self.grow(xy.x + size.x, xy.y + size.y);
        self.svg.draw_rect(xy, size, look, properties, clip);
    }

    fn draw_line(
        &mut self,
        start: Point,
        stop: Point,
        look: &StyleAttr,
        properties: Option<String>,
    ) {
        self.grow(start.x.max(stop.x), start.y.max(stop.y));
        self.svg.draw_line(start, stop, look, properties);
    }

    fn draw_circle(
        &mut self,
        xy: Point,
        size: Point,
        look: &StyleAttr,
        properties: Option<String>,
    ) {
        self.grow(xy.x + size.x / 2.0, xy.y + size.y / 2.0);
        self.svg.draw_circle(xy, size, look, properties);
    }

    fn draw_text(&mut self, xy: Point, text: &str, look: &StyleAttr) {
        // Centred on `xy`: half its width either side, a line below.
        let half = text.chars().count() as f64 * look.font_size as f64 * 0.31;
        self.grow(xy.x + half, xy.y + look.font_size as f64);
        self.svg.draw_text(xy, text, look);
    }

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        dashed: bool,
        head: (bool, bool),
        look: &StyleAttr,
        properties: Option<String>,
        text: &str,
    ) {
        for (a, b) in path {
            self.grow(a.x.max(b.x), a.y.max(b.y));
        }
        self.svg
            .draw_arrow(path, dashed, head, look, properties, text);
    }

    fn create_clip(&mut self, xy: Point, size: Point, rounded_px: usize) -> ClipHandle {
        self.svg.create_clip(xy, size, rounded_px)
    }
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
