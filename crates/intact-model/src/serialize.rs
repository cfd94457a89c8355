//! Parameter serialisation as the OpenAPI specification defines it (3.0 and 3.1, "Style
//! Values"), one function for the executor and the tests: what a `query`, `header` or path value
//! becomes on the wire for each `style` and `explode`, percent-encoded.
//!
//! The styles follow RFC 6570, which the specification names as their source; where the
//! specification's own example table disagrees with RFC 6570 (`label` without `explode` on a list:
//! the 3.0 table shows `.blue.black.brown`, RFC 6570 `{.list}` gives `.blue,black,brown`), RFC
//! 6570 wins, as later versions of the table do. docs/language.prose.md says which styles the
//! language writes where.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value as J;

/// How a parameter's value is laid out (OpenAPI `style`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Style {
    Matrix,
    Label,
    Simple,
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
}

impl Style {
    /// The style as OpenAPI and the language write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Style::Matrix => "matrix",
            Style::Label => "label",
            Style::Simple => "simple",
            Style::Form => "form",
            Style::SpaceDelimited => "spaceDelimited",
            Style::PipeDelimited => "pipeDelimited",
            Style::DeepObject => "deepObject",
        }
    }

    pub fn parse(text: &str) -> Option<Style> {
        [
            Style::Matrix,
            Style::Label,
            Style::Simple,
            Style::Form,
            Style::SpaceDelimited,
            Style::PipeDelimited,
            Style::DeepObject,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A parameter's style, whether it explodes, and whether reserved characters stay as they are
/// (`allowReserved`, query parameters only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Serialization {
    pub style: Style,
    pub explode: bool,
    pub allow_reserved: bool,
}

impl Serialization {
    /// A query parameter's default: `form`, exploded (`?id=1&id=2`).
    pub const QUERY: Serialization = Serialization {
        style: Style::Form,
        explode: true,
        allow_reserved: false,
    };
    /// A header's or a path parameter's default: `simple`, not exploded (`1,2`).
    pub const SIMPLE: Serialization = Serialization {
        style: Style::Simple,
        explode: false,
        allow_reserved: false,
    };
}

/// RFC 3986 unreserved characters stay; everything else in a name or value is percent-encoded.
/// The executor encodes path segments with it too.
pub const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// With `allowReserved`: RFC 3986 reserved characters stay too (`:/?#[]@!$&'()*+,;=`), and an
/// existing percent-escape.
const RESERVED_KEPT: &AsciiSet = &UNRESERVED
    .remove(b':')
    .remove(b'/')
    .remove(b'?')
    .remove(b'#')
    .remove(b'[')
    .remove(b']')
    .remove(b'@')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b'%');

/// A scalar as text: a string as it is, a number or boolean as JSON writes it; anything else
/// (a nested list or object) as its JSON text, which no style defines.
pub fn scalar_text(v: &J) -> String {
    match v {
        J::String(s) => s.clone(),
        J::Null => String::new(),
        other => other.to_string(),
    }
}

/// The shape of a value: nothing, a scalar, a list of scalars, or an object's pairs.
enum Shape {
    Absent,
    Scalar(String),
    List(Vec<String>),
    Pairs(Vec<(String, String)>),
}

fn shape(v: &J) -> Shape {
    match v {
        J::Null => Shape::Absent,
        J::Array(items) => Shape::List(items.iter().map(scalar_text).collect()),
        J::Object(map) => Shape::Pairs(
            map.iter()
                .map(|(k, v)| (k.clone(), scalar_text(v)))
                .collect(),
        ),
        other => Shape::Scalar(scalar_text(other)),
    }
}

/// What a parameter named `name` with value `v` adds to a URL's query, already percent-encoded:
/// `None` for a null value (an optional input that was not given sends nothing), or for a style
/// that does not apply to a query parameter or to that shape of value (an error then says which).
pub fn query(name: &str, v: &J, s: Serialization) -> Result<Option<String>, String> {
    let set = if s.allow_reserved {
        RESERVED_KEPT
    } else {
        UNRESERVED
    };
    let enc = |t: &str| utf8_percent_encode(t, set).to_string();
    let n = enc(name);
    let pairs = |items: &[(String, String)]| -> String {
        items
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&")
    };
    let joined =
        |items: &[String], sep: &str| items.iter().map(|t| enc(t)).collect::<Vec<_>>().join(sep);
    let flat = |items: &[(String, String)]| -> Vec<String> {
        items
            .iter()
            .flat_map(|(k, v)| [k.clone(), v.clone()])
            .collect()
    };
    let out = match (s.style, s.explode, shape(v)) {
        (_, _, Shape::Absent) => return Ok(None),
        (Style::Form, _, Shape::Scalar(t)) => format!("{n}={}", enc(&t)),
        (Style::Form, true, Shape::List(items)) => {
            if items.is_empty() {
                return Ok(None);
            }
            items
                .iter()
                .map(|t| format!("{n}={}", enc(t)))
                .collect::<Vec<_>>()
                .join("&")
        }
        (Style::Form, false, Shape::List(items)) => format!("{n}={}", joined(&items, ",")),
        (Style::Form, true, Shape::Pairs(p)) => pairs(&p),
        (Style::Form, false, Shape::Pairs(p)) => format!("{n}={}", joined(&flat(&p), ",")),
        (Style::SpaceDelimited, false, Shape::List(items)) => {
            format!("{n}={}", joined(&items, "%20"))
        }
        (Style::SpaceDelimited, false, Shape::Pairs(p)) => {
            format!("{n}={}", joined(&flat(&p), "%20"))
        }
        // `|` may not stand in a query as it is (RFC 3986): it goes as `%7C`.
        (Style::PipeDelimited, false, Shape::List(items)) => {
            format!("{n}={}", joined(&items, "%7C"))
        }
        (Style::PipeDelimited, false, Shape::Pairs(p)) => {
            format!("{n}={}", joined(&flat(&p), "%7C"))
        }
        (Style::DeepObject, true, Shape::Pairs(p)) => p
            .iter()
            .map(|(k, v)| format!("{n}[{}]={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&"),
        (style, explode, shape) => {
            let what = match shape {
                Shape::Scalar(_) => "a single value",
                Shape::List(_) => "a list",
                _ => "an object",
            };
            return Err(format!(
                "the query parameter `{name}` is {what}, which style=\"{}\" explode={explode} does not serialise (form takes any value; spaceDelimited and pipeDelimited a list or an object, not exploded; deepObject an object, exploded)",
                style.as_str()
            ));
        }
    };
    Ok(Some(out))
}

/// A header's value (`simple`; `explode` only changes objects: `R=100,G=200` instead of
/// `R,100,G,200`). Not percent-encoded: a header carries text.
pub fn header(v: &J, explode: bool) -> Option<String> {
    Some(match shape(v) {
        Shape::Absent => return None,
        Shape::Scalar(t) => t,
        Shape::List(items) => items.join(","),
        Shape::Pairs(p) if explode => p
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(","),
        Shape::Pairs(p) => p
            .iter()
            .flat_map(|(k, v)| [k.as_str(), v.as_str()])
            .collect::<Vec<_>>()
            .join(","),
    })
}

/// A path parameter named `name` as it stands in the path, percent-encoded (`simple`: `blue`,
/// `blue,black,brown`; `label`: `.blue`; `matrix`: `;color=blue`).
pub fn path(name: &str, v: &J, s: Serialization) -> Result<String, String> {
    let enc = |t: &str| utf8_percent_encode(t, UNRESERVED).to_string();
    let n = enc(name);
    let list =
        |items: &[String], sep: &str| items.iter().map(|t| enc(t)).collect::<Vec<_>>().join(sep);
    let pairs = |p: &[(String, String)], kv: &str, sep: &str| {
        p.iter()
            .map(|(k, v)| format!("{}{kv}{}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join(sep)
    };
    let flat = |p: &[(String, String)]| -> Vec<String> {
        p.iter().flat_map(|(k, v)| [k.clone(), v.clone()]).collect()
    };
    let empty = matches!(v, J::Null) || v.as_str() == Some("");
    Ok(match (s.style, s.explode, shape(v)) {
        (Style::Simple, ..) if empty => {
            return Err(format!(
                "the path parameter `{name}` is empty: a path segment needs a value"
            ));
        }
        (Style::Simple, _, Shape::Scalar(t)) => enc(&t),
        (Style::Simple, _, Shape::List(items)) => list(&items, ","),
        (Style::Simple, true, Shape::Pairs(p)) => pairs(&p, "=", ","),
        (Style::Simple, false, Shape::Pairs(p)) => list(&flat(&p), ","),
        (Style::Label, ..) if empty => ".".into(),
        (Style::Label, _, Shape::Scalar(t)) => format!(".{}", enc(&t)),
        (Style::Label, false, Shape::List(items)) => format!(".{}", list(&items, ",")),
        (Style::Label, true, Shape::List(items)) => format!(".{}", list(&items, ".")),
        (Style::Label, false, Shape::Pairs(p)) => format!(".{}", list(&flat(&p), ",")),
        (Style::Label, true, Shape::Pairs(p)) => format!(".{}", pairs(&p, "=", ".")),
        (Style::Matrix, ..) if empty => format!(";{n}"),
        (Style::Matrix, _, Shape::Scalar(t)) => format!(";{n}={}", enc(&t)),
        (Style::Matrix, false, Shape::List(items)) => format!(";{n}={}", list(&items, ",")),
        (Style::Matrix, true, Shape::List(items)) => items
            .iter()
            .map(|t| format!(";{n}={}", enc(t)))
            .collect::<String>(),
        (Style::Matrix, false, Shape::Pairs(p)) => format!(";{n}={}", list(&flat(&p), ",")),
        (Style::Matrix, true, Shape::Pairs(p)) => format!(";{}", pairs(&p, "=", ";")),
        (style, ..) => {
            return Err(format!(
                "style=\"{}\" does not apply to a path parameter (simple, label or matrix)",
                style.as_str()
            ));
        }
    })
}
