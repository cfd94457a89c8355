//! JSON written as a value tree (`json { … }`, `input { … }`, `expect { … }`): what lowering
//! reads back as the same JSON. A recorded test (`intact run --record`) writes the bodies, inputs
//! and outputs of a real run with it.

use intact_syntax::build::{Node, Value};
use serde_json::Value as J;

/// A node `name` whose value is `v`: a scalar as its argument, an object as its children, a list
/// as its arguments (scalars) or `-` children.
pub fn node(name: &str, v: &J) -> Node {
    match v {
        J::Object(m) if m.is_empty() => Node::new(name).annotated("object"),
        J::Object(m) => {
            let mut n = Node::new(name);
            for (k, x) in m {
                n.push(node(k, x));
            }
            n
        }
        J::Array(items) if items.is_empty() => Node::new(name).annotated("array"),
        J::Array(items) if items.iter().all(is_scalar) => {
            let mut n = Node::new(name);
            if items.len() == 1 {
                n = n.annotated("array");
            }
            for x in items {
                n.push_arg(scalar(x));
            }
            n
        }
        J::Array(items) => {
            let mut n = Node::new(name);
            for x in items {
                n.push(node("-", x));
            }
            n
        }
        x => Node::new(name).arg(scalar(x)),
    }
}

/// The children of a tree whose value is the object `v` (`input { … }` holds its fields).
pub fn fields(v: &serde_json::Map<String, J>) -> Vec<Node> {
    v.iter().map(|(k, x)| node(k, x)).collect()
}

fn is_scalar(v: &J) -> bool {
    !matches!(v, J::Object(_) | J::Array(_))
}

/// A scalar as KDL writes it; a string's `${` escaped so that it is not read as an expression.
fn scalar(v: &J) -> Value {
    match v {
        J::String(s) => Value::String(s.replace("${", "$${")),
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        _ => Value::Null,
    }
}
