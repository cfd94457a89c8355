//! The flow files: the custom API action and one flow per chosen operation, its inputs from the
//! operation's parameters and body, one request, the response body returned.

use intact_model::catalogue::Method;
use intact_openapi::model::{Body, Location, Operation, Param};
use intact_openapi::refs::Docs;
use intact_syntax::build::{Doc, Item, Node, Value};

use super::{first_sentence, one_line, params};
use crate::names::{Unique, name};

/// The custom API action: one request through the connection, chosen at run time.
pub(super) fn custom_api_action(doc: &mut Doc, conn: &str, flow: &str) {
    doc.comment("The custom API action: one request through the connection, chosen at run time.");
    doc.comment("`relative_url` starts with `/` and is relative to the connection's base URL.");
    let input = |n: &str, ty: &str| Node::new("input").arg(n).prop("type", ty);
    let request = |step: &str, body: bool| {
        let mut r = Node::new("request")
            .arg(step)
            .arg("${input.method}")
            .arg("${input.relative_url}")
            .child(Node::new("queries").arg("${input.query}"))
            .child(Node::new("headers").arg("${input.headers}"));
        if body {
            r.push(Node::new("json").arg("${input.body}"));
        }
        r
    };
    doc.push(
        Node::new("flow")
            .arg(flow)
            .prop("connection", conn)
            .child(Node::new("description").arg(
                "One authenticated request: method, relative URL, query, headers and JSON body",
            ))
            .child(input("method", "string").prop("required", true))
            .child(input("relative_url", "string").prop("required", true))
            .child(input("query", "object"))
            .child(input("headers", "object"))
            .child(input("body", "any"))
            .child(
                Node::new("if")
                    .arg("${input.body == null}")
                    .child(request("call", false))
                    .child(Node::new("return").arg("${steps.call}")),
            )
            .child(request("call_with_body", true))
            .child(Node::new("return").arg("${steps.call_with_body}")),
    );
}

/// An `input` node. A default that has the input's type is written, and makes the input
/// optional even when the parameter is required: the default is sent when the caller gives none.
fn input(n: &str, ty: &str, required: bool, default: Option<&serde_json::Value>) -> Node {
    use serde_json::Value as J;
    let mut node = Node::new("input").arg(n).prop("type", ty);
    let value = default.and_then(|d| match (d, ty) {
        (J::String(s), "string" | "any") => Some(Value::from(s)),
        (J::Number(_) | J::Bool(_), "string") => Some(Value::from(d.to_string())),
        (J::Bool(b), "boolean" | "any") => Some(Value::Bool(*b)),
        (J::Number(n), "integer" | "number" | "any") => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Some(Value::Integer(i)),
            (None, Some(f)) if ty != "integer" => Some(Value::Float(f)),
            _ => None,
        },
        _ => None,
    });
    match value {
        Some(v) => node.push_prop("default", v),
        None if required => node.push_prop("required", true),
        None => {}
    }
    node
}

fn content_type(media_type: &str) -> Node {
    Node::new("header").arg("Content-Type").arg(media_type)
}

/// The connection a flow's request goes through, and what it sends of its own.
pub(super) struct Through<'a> {
    pub name: &'a str,
    pub sent: params::Sent<'a>,
}

/// The flow of one operation, with the comment that names it.
pub(super) fn operation(
    doc: &mut Doc,
    docs: &Docs,
    entry: &str,
    op: &Operation,
    flow: &str,
    conn: &Through,
    warnings: &mut Vec<String>,
) {
    doc.comment(&heading(op));
    let mut node = Node::new("flow").arg(flow).prop("connection", conn.name);
    if let Some(d) = description(op) {
        node.push(Node::new("description").arg(d));
    }
    let mut parts = Parts::new();
    let (path_key, fixed_query) = params::split_query(&op.path);
    parts.fixed_query(op, path_key, fixed_query, warnings);
    for p in &op.params {
        parts.parameter(docs, op, p, conn.sent, warnings);
    }
    let path = parts.path(path_key);
    let body = match &op.body {
        Some(b) => parts.body(docs, entry, op, b, warnings),
        None => Vec::new(),
    };
    for i in std::mem::take(&mut parts.input_nodes) {
        node.push(i);
    }
    node.push(parts.request(op, path, body));
    node.push(Node::new("return").arg("${steps.call.body}"));
    doc.push(node);
}

/// The comment above an operation's flow: its id, method and path. Every text from the document
/// goes into a comment through `one_line`, which also bounds it.
fn heading(op: &Operation) -> String {
    let label = op
        .id
        .as_deref()
        .map(|i| format!("`{}` ", one_line(i, 200)))
        .unwrap_or_default();
    format!(
        "{label}{} {}{}",
        op.method,
        one_line(&op.path, 200),
        if op.deprecated { " (deprecated)" } else { "" }
    )
}

/// The flow's description: the operation's summary, else its description's first sentence.
fn description(op: &Operation) -> Option<String> {
    op.summary
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .or(op.description.as_deref())
        .map(|d| first_sentence(d, 200))
        .filter(|d| !d.is_empty())
}

/// A flow's inputs and what its request sends, gathered from the operation's path, parameters and
/// body in that order (the order input names are taken in).
struct Parts {
    inputs: Unique,
    input_nodes: Vec<Node>,
    /// Each path parameter's name in the document, and its input's.
    path_names: Vec<(String, String)>,
    /// Query parameters and headers with their values: a constant, or an input's `${input.x}`.
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    /// How each parameter is laid out on the wire, where the document says more than the default
    /// (`style`, `explode`, `allowReserved`): written on its `query`/`header` node.
    styles: Vec<(Location, String, params::Props)>,
}

impl Parts {
    fn new() -> Parts {
        Parts {
            inputs: Unique::new(["body"]),
            input_nodes: Vec::new(),
            path_names: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            styles: Vec::new(),
        }
    }

    /// A query string in the path key (`/users?active=true`): its parameters are sent as fixed
    /// `query` values, with a warning (once per path key).
    fn fixed_query(
        &mut self,
        op: &Operation,
        path_key: &str,
        fixed_query: Vec<(String, String)>,
        warnings: &mut Vec<String>,
    ) {
        if fixed_query.is_empty() {
            return;
        }
        let message = format!(
            "the path key `{}` holds a query string, which is no part of a request path: its flows request `{}` with {} as fixed `query` parameters",
            one_line(&op.path, 200),
            one_line(path_key, 200),
            fixed_query
                .iter()
                .map(|(k, v)| format!("`{}={}`", one_line(k, 60), one_line(v, 60)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !warnings.contains(&message) {
            warnings.push(message);
        }
        for (k, v) in fixed_query {
            self.query.push((k, v.replace("${", "$${")));
        }
    }

    /// One parameter: left out when the connection sends it, a constant when it allows one value
    /// and is required, else an input that the path, the query or a header reads.
    fn parameter(
        &mut self,
        docs: &Docs,
        op: &Operation,
        p: &Param,
        sent: params::Sent,
        warnings: &mut Vec<String>,
    ) {
        if p.location == Location::Cookie {
            warnings.push(format!("{}: cookie parameter `{}` is not sent (intact requests have no cookie node); add it as a `header \"Cookie\"` if the API needs it", docs.describe(&op.at), p.name));
            return;
        }
        // Accept, Content-Type and Authorization parameters never get here: the reader leaves
        // them out, as OpenAPI says (intact-openapi's lower/operations.rs).
        if sent.sends(p) {
            return;
        }
        if let Some(prose) = params::prose_value(p) {
            let message = format!(
                "header parameter `{}`: its default `{}` reads like a description, not a value, so it is not sent as the header's value; the flows take the header as an input: check what the API expects",
                one_line(&p.name, 80),
                one_line(prose, 80)
            );
            if !warnings.contains(&message) {
                warnings.push(message);
            }
        }
        let given = params::given(p);
        let list = match p.location {
            Location::Query => Some(&mut self.query),
            Location::Header => Some(&mut self.headers),
            _ => None,
        };
        if p.required
            && let Some(params::Given::Only(v)) = given
            && let Some(list) = list
        {
            list.push((p.name.clone(), params::text(v).replace("${", "$${")));
            return;
        }
        let default = match given {
            Some(params::Given::Default(v)) => Some(v),
            // An optional parameter that allows one value is left out unless given.
            Some(params::Given::Only(v)) if p.required => Some(v),
            _ => None,
        };
        let written = params::style_props(docs.get(&p.at), p.location);
        if let Some(w) = written.warning {
            warnings.push(format!(
                "{}: parameter `{}`: {w}",
                docs.describe(&op.at),
                one_line(&p.name, 80)
            ));
        }
        if !written.props.is_empty() {
            self.styles
                .push((p.location, p.name.clone(), written.props));
        }
        let n = self
            .inputs
            .take(&name(&p.name, "param", p.location.as_str()));
        self.input_nodes.push(input(&n, p.ty, p.required, default));
        let value = format!("${{input.{n}}}");
        match p.location {
            Location::Path => self.path_names.push((p.name.clone(), n)),
            Location::Query => self.query.push((p.name.clone(), value)),
            Location::Header => self.headers.push((p.name.clone(), value)),
            Location::Cookie => {}
        }
    }

    /// The request path: each `{param}` of the path key as its input, declaring any the document
    /// forgot to list.
    fn path(&mut self, path_key: &str) -> String {
        let mut path = String::new();
        let mut rest = path_key;
        while let Some(open) = rest.find('{') {
            path.push_str(&rest[..open].replace("${", "$${"));
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                path.push_str(&rest[open..].replace("${", "$${"));
                rest = "";
                break;
            };
            let pname = &after[..close];
            let n = match self.path_names.iter().find(|(o, _)| o == pname) {
                Some((_, n)) => n.clone(),
                None => {
                    let n = self.inputs.take(&name(pname, "param", "path"));
                    self.input_nodes.push(input(&n, "string", true, None));
                    self.path_names.push((pname.to_string(), n.clone()));
                    n
                }
            };
            path.push_str(&format!("${{input.{n}}}"));
            rest = &after[close + 1..];
        }
        path.push_str(&rest.replace("${", "$${"));
        if !path.starts_with('/') {
            path.insert(0, '/');
        }
        path
    }

    /// The request body's nodes by media type (JSON, a form, multipart left to the user, any other
    /// as text), and the inputs they read.
    fn body(
        &mut self,
        docs: &Docs,
        entry: &str,
        op: &Operation,
        b: &Body,
        warnings: &mut Vec<String>,
    ) -> Vec<Item> {
        let mut body: Vec<Item> = Vec::new();
        let base = b
            .media_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let resolved = b.schema.as_ref().and_then(|at| docs.deref(at).ok());
        let schema = resolved.as_ref().map(|(_, v)| *v);
        if base == "application/json" || base.ends_with("+json") {
            let ty = schema
                .map(intact_openapi::lower::schema_type)
                .unwrap_or("any");
            let mut node = input("body", ty, b.required, None);
            // The body's schema types the input, so that a call is checked against it. Only
            // into the entry document, which the checker reads schemas from.
            if let Some((at, _)) = resolved.as_ref().filter(|(at, _)| at.file == 0) {
                node.push_prop("schema", format!("{entry}#{}", at.pointer));
            }
            self.input_nodes.push(node);
            body.push(Item::Node(Node::new("json").arg("${input.body}")));
            if base != "application/json" {
                body.push(Item::Node(content_type(&b.media_type)));
            }
        } else if base == "application/x-www-form-urlencoded" {
            let fields = form_fields(schema);
            if fields.is_empty() {
                self.input_nodes
                    .push(input("body", "string", b.required, None));
                body.push(Item::Node(content_type(&b.media_type)));
                body.push(Item::Node(Node::new("body").arg("${input.body}")));
            } else {
                body.push(Item::Node(self.form(schema, fields, b.required)));
            }
        } else if base.starts_with("multipart/") {
            warnings.push(format!("{}: the {} body is not generated (intact has no multipart bodies); write the request body by hand", docs.describe(&op.at), b.media_type));
            body.push(Item::Comment(format!(
                "The {} body is not generated: intact has no multipart bodies yet.",
                one_line(&b.media_type, 80)
            )));
        } else {
            self.input_nodes
                .push(input("body", "string", b.required, None));
            body.push(Item::Node(content_type(&b.media_type)));
            body.push(Item::Node(Node::new("body").arg("${input.body}")));
        }
        body
    }

    /// A `form` body: an input per field, typed by its schema when that is a scalar.
    fn form(
        &mut self,
        schema: Option<&serde_json::Value>,
        fields: Vec<(&String, bool)>,
        body_required: bool,
    ) -> Node {
        let mut form = Node::new("form");
        for (field, required) in fields {
            let n = self.inputs.take(&name(field, "field", "field"));
            let ty = schema
                .and_then(|s| s.get("properties")?.get(field))
                .map(intact_openapi::lower::schema_type)
                .filter(|t| matches!(*t, "string" | "integer" | "number" | "boolean"))
                .unwrap_or("string");
            self.input_nodes
                .push(input(&n, ty, required && body_required, None));
            form.push(Node::new(field.as_str()).arg(format!("${{input.{n}}}")));
        }
        form
    }

    /// The `request` step: method, path and operation id, the query and headers (styled as the
    /// document says), then the body.
    fn request(self, op: &Operation, path: String, body: Vec<Item>) -> Node {
        let method = Method::parse(&op.method.to_ascii_uppercase()).unwrap_or(Method::Get);
        let body_on_get = method.body_is_unusual();
        let method = method.as_str();
        let mut request = Node::new("request").arg("call").arg(method).arg(path);
        if let Some(id) = &op.id {
            request.push_prop("operation", id);
        }
        let styles = &self.styles;
        let styled = |mut node: Node, loc: Location, k: &str| {
            if let Some((_, _, props)) = styles.iter().find(|(l, n, _)| *l == loc && n == k) {
                for (key, value) in props {
                    node.push_prop(*key, value.clone());
                }
            }
            node
        };
        for (k, v) in self.query {
            request.push(styled(
                Node::new("query").arg(k.as_str()).arg(v),
                Location::Query,
                &k,
            ));
        }
        for (k, v) in self.headers {
            request.push(styled(
                Node::new("header").arg(k.as_str()).arg(v),
                Location::Header,
                &k,
            ));
        }
        let mut silenced = false;
        for item in body {
            // `http::body-on-get` is reported on the body node, so its ignore comment goes on the
            // line above that node (above `request` it would silence nothing: `ignore::unused`).
            if body_on_get
                && !silenced
                && matches!(&item, Item::Node(n) if matches!(n.name(), "json" | "form" | "body"))
            {
                request.push_comment(&format!(
                    "intact-ignore: http::body-on-get the OpenAPI document gives this {method} a request body"
                ));
                silenced = true;
            }
            request.push_item(item);
        }
        request
    }
}

/// The fields of a form body's schema, each with whether it is required.
fn form_fields(schema: Option<&serde_json::Value>) -> Vec<(&String, bool)> {
    schema
        .and_then(|s| s.get("properties"))
        .and_then(|p| p.as_object())
        .map(|props| {
            let required: Vec<&str> = schema
                .and_then(|s| s.get("required"))
                .and_then(|r| r.as_array())
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str())
                .collect();
            props
                .keys()
                .map(|k| (k, required.contains(&k.as_str())))
                .collect()
        })
        .unwrap_or_default()
}
