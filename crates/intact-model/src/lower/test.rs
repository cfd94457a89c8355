//! A `test` or `test-defaults` block: its target and input, the names it sets (tenant variables,
//! connection params, mocked connections) and what `intact test` runs (values, mock routes,
//! expectations).

use intact_syntax::{Node, Value};

use super::{Lowerer, children};
use crate::Loc;
use crate::catalogue::Kind;
use crate::defs::{BodyKind, Ident, MockRoute, TestDef, TestRun, Tree};

/// The `i`th argument's text, or "".
fn str_of(n: &Node, i: usize) -> String {
    n.arg(i)
        .and_then(|l| l.value.as_str())
        .unwrap_or("")
        .to_string()
}

impl Lowerer<'_> {
    /// A `test` or `test-defaults` block (`kind`).
    pub(super) fn test(&self, node: &Node, name: Ident, loc: Loc, kind: Kind) -> TestDef {
        let mut t = TestDef {
            name,
            loc,
            action: self.prop_ident(node, "action"),
            flow: self.prop_ident(node, "flow"),
            templates: Vec::new(),
            input: None,
            run: TestRun::default(),
        };
        let run = &mut t.run;
        for (k, c) in children(node, kind) {
            match k {
                Kind::TestApp => run.app.extend(c.props().map(|(k, v)| {
                    let id = Ident {
                        name: k.text.to_string(),
                        loc: self.loc(k.span),
                    };
                    (id, self.scalar_tree(v))
                })),
                Kind::TestParams => {
                    if let Some(conn) = self.name_arg(c, 0) {
                        let values = c
                            .props()
                            .map(|(k, v)| {
                                let id = Ident {
                                    name: k.as_str().to_string(),
                                    loc: self.loc(k.span),
                                };
                                (id, self.scalar_tree(v))
                            })
                            .collect();
                        run.params.push((conn, values));
                    }
                }
                Kind::Mock => {
                    self.collect_templates(c, Some(Kind::Mock), &mut t.templates);
                    if let Some(conn) = self.name_arg(c, 0) {
                        for (_, on) in children(c, Kind::Mock).filter(|(k, _)| *k == Kind::On) {
                            run.routes.push(self.route(&conn.name, on));
                        }
                        run.mocks.push(conn);
                    }
                }
                Kind::TestInput => t.input = Some((self.tree(c, 0), self.loc(c.name.span))),
                Kind::TestExpect => run.expect = Some(self.tree(c, 0)),
                Kind::ExpectError => {
                    run.expect_error = Some((
                        c.prop("type")
                            .and_then(|l| l.value.as_str())
                            .map(str::to_string),
                        c.prop("status").and_then(|l| match l.value {
                            Value::Integer(i) => Some(i),
                            _ => None,
                        }),
                    ))
                }
                Kind::TestEnv => {
                    run.env = c.arg(0).and_then(|l| l.value.as_str()).map(str::to_string)
                }
                _ => {}
            }
        }
        t
    }

    /// One `on` of a `mock` of `connection`: what it matches and how it answers.
    fn route(&self, connection: &str, on: &Node) -> MockRoute {
        let mut route = MockRoute {
            connection: connection.to_string(),
            method: str_of(on, 0).to_uppercase(),
            path: str_of(on, 1),
            times: on.prop("times").and_then(|l| match l.value {
                Value::Integer(i) => Some(i),
                _ => None,
            }),
            path_loc: on
                .arg(1)
                .map_or(self.loc(on.head_span()), |l| self.loc(l.span)),
            query: Vec::new(),
            optional: match on.prop("optional").map(|l| &l.value) {
                Some(Value::Bool(b)) => Some(*b),
                _ => None,
            },
            expect_headers: Vec::new(),
            expect_json: None,
            expect_absent: Vec::new(),
            status: 200,
            headers: Vec::new(),
            body: None,
            loc: self.loc(on.head_span()),
        };
        for (k, x) in children(on, Kind::On) {
            match k {
                Kind::ExpectHeader => route.expect_headers.push((
                    str_of(x, 0),
                    x.arg(1)
                        .map_or(Tree::Scalar(Value::Null, self.loc(x.span)), |l| {
                            self.scalar_tree(l)
                        }),
                )),
                Kind::MockQuery => route.query.push((
                    str_of(x, 0),
                    x.arg(1)
                        .map_or(Tree::Scalar(Value::Null, self.loc(x.span)), |l| {
                            self.scalar_tree(l)
                        }),
                )),
                Kind::ExpectJson => route.expect_json = Some(self.tree(x, 0)),
                Kind::ExpectAbsent => route.expect_absent.extend(
                    x.args()
                        .filter_map(|l| l.value.as_str())
                        .map(str::to_string),
                ),
                Kind::Respond => {
                    if let Some(Value::Integer(st)) = x.arg(0).map(|l| &l.value) {
                        route.status = *st;
                    }
                    for (k, r) in children(x, Kind::Respond) {
                        match k {
                            Kind::RespondHeader => route.headers.push((
                                str_of(r, 0),
                                r.arg(1)
                                    .map_or(Tree::Scalar(Value::Null, self.loc(r.span)), |l| {
                                        self.scalar_tree(l)
                                    }),
                            )),
                            Kind::RespondJson => {
                                route.body = Some((BodyKind::Json, self.tree(r, 0)))
                            }
                            Kind::RespondBody => {
                                route.body = Some((BodyKind::Text, self.tree(r, 0)))
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        route
    }
}
