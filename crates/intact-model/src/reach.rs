//! What a run can reach from where it starts: the flows it calls, the connections it sends through,
//! the mappings its expressions call, and so the tenant variables it may read. The executor checks
//! those variables against the environment before the first request.

use std::collections::BTreeSet;

use intact_expr::Reference;

use crate::template;
use crate::{ConnectionDef, Model, Step, StepKind, Template};

/// What the environment already settles, so that the project's fallback is never evaluated.
pub trait Settled {
    /// The environment overrides the connection's `base-url`.
    fn base_url(&self, connection: &str) -> bool;
    /// The environment gives the connection's param (its `from=` variable is not read).
    fn param(&self, connection: &str, param: &str) -> bool;
}

/// The tenant variables (`app.NAME`) a run of `steps` through `conn` may read.
pub fn variables(
    model: &Model,
    steps: &[Step],
    conn: Option<&ConnectionDef>,
    settled: &dyn Settled,
) -> BTreeSet<String> {
    let mut r = Reach {
        model,
        settled,
        flows: BTreeSet::new(),
        connections: BTreeSet::new(),
        mappings: BTreeSet::new(),
        variables: BTreeSet::new(),
    };
    r.steps(steps, conn);
    r.variables
}

struct Reach<'a> {
    model: &'a Model,
    settled: &'a dyn Settled,
    flows: BTreeSet<String>,
    connections: BTreeSet<String>,
    mappings: BTreeSet<String>,
    variables: BTreeSet<String>,
}

impl<'a> Reach<'a> {
    fn steps(&mut self, steps: &'a [Step], conn: Option<&'a ConnectionDef>) {
        if let Some(c) = conn {
            self.connection(c);
        }
        for s in steps {
            for t in &s.templates {
                self.template(t);
            }
            match &s.kind {
                StepKind::Request(req) => {
                    if let Some(c) = req
                        .connection
                        .as_ref()
                        .and_then(|n| self.model.connection(Some(&n.name)))
                    {
                        self.connection(c);
                    }
                }
                StepKind::Call { flow: Some(f), .. } => {
                    if let Some(flow) = self.model.flows.iter().find(|x| x.name.name == f.name)
                        && self.flows.insert(flow.name.name.clone())
                    {
                        // A called flow sends through its own connection, else the caller's.
                        let own = flow
                            .connection
                            .as_ref()
                            .and_then(|n| self.model.connection(Some(&n.name)));
                        self.steps(&flow.steps, own.or(conn));
                        for i in &flow.inputs {
                            if let Some(d) = &i.default {
                                let mut ts = Vec::new();
                                d.templates(&mut ts);
                                ts.into_iter().for_each(|t| self.template(t));
                            }
                        }
                    }
                }
                _ => {}
            }
            self.steps(&s.body, conn);
            for b in s.branches() {
                self.steps(std::slice::from_ref(b), conn);
            }
        }
    }

    fn connection(&mut self, c: &'a ConnectionDef) {
        if !self.connections.insert(c.name.name.clone()) {
            return;
        }
        let name = c.name.name.as_str();
        // A base URL the environment overrides is never evaluated.
        let overridden = self.settled.base_url(name);
        for t in c.templates() {
            if !(overridden && c.base_url.as_ref().is_some_and(|b| std::ptr::eq(b, t))) {
                self.template(t);
            }
        }
        for p in &c.params {
            if let Some((from, _)) = &p.from
                && !self.settled.param(name, &p.name.name)
            {
                self.variables
                    .insert(from.trim_start_matches("app.").to_string());
            }
        }
    }

    fn template(&mut self, t: &'a Template) {
        for seg in template::segments(&t.text) {
            for r in intact_expr::references(seg.expr) {
                match r {
                    Reference::Member {
                        root: "app", field, ..
                    } => {
                        self.variables.insert(field.to_string());
                    }
                    Reference::Call { name, .. } => {
                        if let Some(m) = self.model.mappings.iter().find(|m| m.name.name == name)
                            && self.mappings.insert(m.name.name.clone())
                        {
                            let mut ts = Vec::new();
                            m.tree.templates(&mut ts);
                            ts.into_iter().for_each(|t| self.template(t));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}
