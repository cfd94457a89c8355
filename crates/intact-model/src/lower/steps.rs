//! Steps: the steps of an action, flow, ping or block, each with its templates (what the checker
//! reads) and what the executor evaluates (`Exec`).

use intact_syntax::{Node, Value};

use super::{Lowerer, children, str_arg};
use crate::catalogue::{self, Kind};
use crate::defs::{
    BodyKind, Branches, Exec, ForEach, HeaderParam, Ident, QueryParam, Request, Role, Step,
    StepKind, Template, Tree,
};

/// The body a `json`, `form` or `body` child writes.
fn body_kind(kind: Kind) -> BodyKind {
    match kind {
        Kind::Json => BodyKind::Json,
        Kind::Form => BodyKind::Form,
        _ => BodyKind::Text,
    }
}

impl Lowerer<'_> {
    /// The steps among `node`'s children (other children, like `input` or `enabled`, are skipped).
    /// An `else-if` or `else` joins the `if` before it and a `catch` the `try` before it, so
    /// that a chain is one step (what is left over is an orphan: `flow::orphan-else`).
    pub(super) fn steps(&self, node: &Node, parent: Kind) -> Vec<Step> {
        let mut out: Vec<Step> = Vec::new();
        for step in children(node, parent).filter_map(|(kind, c)| self.step(c, kind)) {
            let step = match (out.last_mut().map(|p| &mut p.kind), &step.kind) {
                (Some(StepKind::If(b)), StepKind::ElseIf | StepKind::Else)
                    if b.otherwise.is_none() =>
                {
                    match step.kind {
                        StepKind::Else => b.otherwise = Some(Box::new(step)),
                        _ => b.else_ifs.push(step),
                    }
                    continue;
                }
                (Some(StepKind::Try { catch: c @ None }), StepKind::Catch) => {
                    *c = Some(Box::new(step));
                    continue;
                }
                _ => step,
            };
            out.push(step);
        }
        out
    }

    fn step(&self, node: &Node, kind: Kind) -> Option<Step> {
        let exec = self.exec(node, kind);
        let loc = self.loc(node.head_span());
        let keyword = self.loc(node.name.span);
        let mut templates = Vec::new();
        self.entry_templates(node, Some(kind), &mut templates);
        let mut body = Vec::new();
        let (kind, name) = match kind {
            Kind::Request => (
                StepKind::Request(self.request(node, &mut templates)),
                self.name_arg(node, 0),
            ),
            Kind::Let => {
                self.collect_child_templates(node, Some(kind), &mut templates);
                let value = (node.arg(1).is_some() || node.children_block().is_some())
                    .then(|| self.tree(node, 1));
                (StepKind::Let(value), self.name_arg(node, 0))
            }
            Kind::Call => {
                let args = node
                    .children()
                    .map(|c| Ident {
                        name: c.name().to_string(),
                        loc: self.loc(c.name.span),
                    })
                    .collect();
                self.collect_child_templates(node, Some(kind), &mut templates);
                (
                    StepKind::Call {
                        flow: self.name_arg(node, 1),
                        args,
                    },
                    self.name_arg(node, 0),
                )
            }
            Kind::If | Kind::ElseIf | Kind::Else | Kind::Try | Kind::Catch => {
                body = self.steps(node, kind);
                let k = match kind {
                    Kind::If => StepKind::If(Branches::default()),
                    Kind::ElseIf => StepKind::ElseIf,
                    Kind::Else => StepKind::Else,
                    Kind::Try => StepKind::Try { catch: None },
                    _ => StepKind::Catch,
                };
                (k, None)
            }
            Kind::ForEach => {
                body = self.steps(node, kind);
                let yielded = children(node, Kind::ForEach)
                    .find(|(k, _)| *k == Kind::Yield)
                    .map(|(_, y)| {
                        let mut yt = Vec::new();
                        self.collect_templates(y, Some(Kind::Yield), &mut yt);
                        Box::new(Step {
                            kind: StepKind::Yield(self.tree(y, 0)),
                            name: None,
                            loc: self.loc(y.head_span()),
                            keyword: self.loc(y.name.span),
                            templates: yt,
                            body: Vec::new(),
                            exec: Exec::default(),
                        })
                    });
                let each = ForEach {
                    items: node.prop("in").and_then(|l| self.template(l)),
                    concurrency: node.prop("concurrency").map(|l| self.scalar_tree(l)),
                    yielded,
                };
                (StepKind::ForEach(each), self.name_arg(node, 0))
            }
            Kind::Fail => (
                StepKind::Fail {
                    status: node.prop("status").map(|l| self.scalar_tree(l)),
                    error_type: node.prop("type").map(|l| self.scalar_tree(l)),
                },
                None,
            ),
            Kind::Return => {
                self.collect_child_templates(node, Some(kind), &mut templates);
                let tree = if node.children_block().is_some() || node.arg(0).is_some() {
                    Some(self.tree(node, 0))
                } else {
                    None
                };
                (StepKind::Return(tree), None)
            }
            Kind::Log => {
                templates.iter_mut().for_each(|t| t.role = Role::Log);
                (StepKind::Log, None)
            }
            _ => return None,
        };
        Some(Step {
            kind,
            name,
            loc,
            keyword,
            templates,
            body,
            exec,
        })
    }

    /// A `request` step: method, path, connection, operation, and which body and `expect`
    /// children it has; every child's templates join the step's with the role they play.
    fn request(&self, node: &Node, templates: &mut Vec<Template>) -> Request {
        let mut req = Request {
            method: str_arg(node, 1)
                .and_then(|l| l.value.as_str().map(|s| (s.to_string(), self.loc(l.span)))),
            path: node.arg(2).and_then(|l| self.template(l)),
            connection: self.prop_ident(node, "connection"),
            operation: node
                .prop("operation")
                .and_then(|l| l.value.as_str().map(|s| (s.to_string(), self.loc(l.span)))),
            bodies: Vec::new(),
            expect: Vec::new(),
        };
        if let Some(path) = &req.path {
            templates
                .iter_mut()
                .filter(|t| t.loc == path.loc)
                .for_each(|t| t.role = Role::Path);
        }
        // Every child's templates are the step's, a child the catalogue does not allow
        // here too (its expressions are still checked).
        let spec = catalogue::spec(Kind::Request);
        for c in node.children() {
            let child = spec.child(c.name()).map(|ch| ch.kind);
            let role = match child {
                Some(k @ (Kind::Json | Kind::Form | Kind::Body)) => {
                    req.bodies.push((body_kind(k), self.loc(c.name.span)));
                    Role::Body
                }
                Some(Kind::ExpectStatus) => {
                    req.expect.extend(c.args().filter_map(|a| match a.value {
                        Value::Integer(i) => Some((i, self.loc(a.span))),
                        _ => None,
                    }));
                    Role::Value
                }
                Some(Kind::Header | Kind::Headers) => Role::Header,
                Some(Kind::Query | Kind::Queries) => Role::Query,
                _ => Role::Value,
            };
            let first = templates.len();
            self.collect_templates(c, child, templates);
            templates[first..].iter_mut().for_each(|t| t.role = role);
        }
        req
    }

    fn exec(&self, node: &Node, kind: Kind) -> Exec {
        let named = matches!(kind, Kind::Request | Kind::Let | Kind::Call | Kind::ForEach);
        let mut exec = Exec {
            args: node
                .args()
                .skip(usize::from(named))
                .map(|l| self.scalar_tree(l))
                .collect(),
            ..Exec::default()
        };
        for c in node.children() {
            let child = catalogue::spec(kind).child(c.name()).map(|ch| ch.kind);
            let pair = || {
                let name = c
                    .arg(0)
                    .and_then(|l| l.value.as_str())
                    .unwrap_or("")
                    .to_string();
                let value = c
                    .arg(1)
                    .map_or(Tree::Scalar(Value::Null, self.loc(c.span)), |l| {
                        self.scalar_tree(l)
                    });
                (name, value)
            };
            match (kind, child) {
                (Kind::Request, Some(Kind::Query)) => {
                    let (name, value) = pair();
                    exec.query.push(QueryParam {
                        name,
                        value,
                        style: serialization(c),
                    });
                }
                (Kind::Request, Some(Kind::Header)) => {
                    let (name, value) = pair();
                    exec.headers.push(HeaderParam {
                        name,
                        value,
                        explode: flag(c, "explode"),
                    });
                }
                (Kind::Request, Some(Kind::Queries)) => {
                    if let Some(l) = c.arg(0) {
                        exec.query_objects.push(self.scalar_tree(l));
                    }
                }
                (Kind::Request, Some(Kind::Headers)) => {
                    if let Some(l) = c.arg(0) {
                        exec.header_objects.push(self.scalar_tree(l));
                    }
                }
                (Kind::Request, Some(k @ (Kind::Json | Kind::Form | Kind::Body))) => {
                    exec.omit_null = matches!(
                        c.prop("omit-null").map(|l| &l.value),
                        Some(Value::Bool(true))
                    );
                    exec.body = Some((body_kind(k), self.tree(c, 0)))
                }
                (Kind::Request, Some(Kind::Timeout)) => {
                    exec.timeout_ms = c
                        .arg(0)
                        .and_then(|l| l.value.as_str())
                        .and_then(catalogue::parse_duration_ms)
                }
                // A call's children are its arguments, named as the flow's inputs.
                (Kind::Call, _) => exec.call_args.push((c.name().to_string(), self.tree(c, 0))),
                _ => {}
            }
        }
        exec
    }
}

/// A boolean property written `#true`.
fn flag(node: &Node, key: &str) -> bool {
    node.prop(key)
        .is_some_and(|l| l.value == intact_syntax::Value::Bool(true))
}

/// A `query`'s `style=`, `explode=` and `allow-reserved=`: form and exploded unless it says
/// otherwise (OpenAPI's default for a query parameter); `explode` defaults to true for form only.
fn serialization(node: &Node) -> crate::serialize::Serialization {
    use crate::serialize::{Serialization, Style};
    let style = node
        .prop("style")
        .and_then(|l| l.value.as_str())
        .and_then(Style::parse)
        .unwrap_or(Style::Form);
    let explode = match node.prop("explode").map(|l| &l.value) {
        Some(intact_syntax::Value::Bool(b)) => *b,
        _ => matches!(style, Style::Form | Style::DeepObject),
    };
    Serialization {
        style,
        explode,
        allow_reserved: flag(node, "allow-reserved"),
    }
}
