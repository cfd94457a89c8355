//! A flow or action as the graph of its steps, built from the model's control-flow tree: an `if`
//! is a condition with a `yes` edge into its body and a `no` edge to the next `else-if`, the
//! `else` or past it; a `for-each` a loop whose body leads back to it; a `try` a node whose
//! `catch` hangs off an `on error` edge; `return` and `fail` end their path, and every path that
//! does not ends at `end`.

use intact_model::{ActionDef, Analysis, FlowDef, Step, StepKind, Tree};

use crate::{Graph, Kind, Line, short};

/// How long a step's label may be; the source has the rest.
const LABEL: usize = 56;

/// The places a path leaves a piece of the graph from, each with the label of its edge.
type Exits = Vec<(usize, Option<&'static str>)>;

pub fn flow(a: &Analysis, f: &FlowDef) -> Graph {
    let title = format!("flow {}", f.name.name);
    whole(a, title, &f.steps, Some(f.name.loc))
}

pub fn action(a: &Analysis, ac: &ActionDef) -> Graph {
    let title = match &ac.contract {
        Some((contract, _)) => format!("action {} ({contract})", ac.name.name),
        None => format!("action {}", ac.name.name),
    };
    whole(a, title, &ac.steps, Some(ac.name.loc))
}

fn whole(a: &Analysis, title: String, steps: &[Step], at: Option<intact_model::Loc>) -> Graph {
    let mut b = Builder {
        a,
        g: Graph {
            title: title.clone(),
            ..Graph::default()
        },
    };
    let start = b.g.node(Kind::Start, title, at);
    let exits = b.steps(steps, vec![(start, None)]);
    if !exits.is_empty() {
        let end = b.g.node(Kind::End, "end", None);
        b.join(exits, end);
    }
    b.g
}

struct Builder<'a> {
    a: &'a Analysis,
    g: Graph,
}

impl Builder<'_> {
    fn join(&mut self, from: Exits, to: usize) {
        for (f, label) in from {
            self.g.edge(f, to, label, Line::Next);
        }
    }

    /// A node for `s` that the paths in `from` lead to.
    fn after(&mut self, from: Exits, kind: Kind, label: String, s: &Step) -> usize {
        let n = self.g.node(kind, label, Some(s.loc));
        self.join(from, n);
        n
    }

    fn steps(&mut self, steps: &[Step], mut exits: Exits) -> Exits {
        // Steps after one that ends every path are still drawn (nothing leads to them):
        // `flow::unreachable` reports them, the picture hides nothing.
        for s in steps {
            exits = self.step(s, exits);
        }
        exits
    }

    /// The text of a value as written, without the quotes of a plain string.
    fn text(&self, t: &Tree) -> String {
        let written = self.a.text_at(t.loc());
        let inner = written
            .strip_prefix('"')
            .and_then(|w| w.strip_suffix('"'))
            .unwrap_or(written);
        short(inner, LABEL)
    }

    fn arg(&self, s: &Step, i: usize) -> String {
        s.exec.args.get(i).map(|t| self.text(t)).unwrap_or_default()
    }

    fn named(s: &Step, what: String) -> String {
        match &s.name {
            Some(n) => format!("{}: {what}", n.name),
            None => what,
        }
    }

    fn step(&mut self, s: &Step, from: Exits) -> Exits {
        match &s.kind {
            StepKind::Request(r) => {
                let method = r.method.as_ref().map_or("?", |(m, _)| m.as_str());
                let path = r
                    .path
                    .as_ref()
                    .map_or(String::new(), |p| short(&p.text, LABEL));
                let label = Self::named(s, format!("{method} {path}"));
                vec![(self.after(from, Kind::Request, label, s), None)]
            }
            StepKind::Call { flow, .. } => {
                let callee = flow.as_ref().map_or("?", |f| f.name.as_str());
                let label = Self::named(s, format!("call {callee}"));
                vec![(self.after(from, Kind::Call, label, s), None)]
            }
            StepKind::Let(_) => {
                let label = format!("let {}", s.name.as_ref().map_or("?", |n| n.name.as_str()));
                vec![(self.after(from, Kind::Let, label, s), None)]
            }
            StepKind::Log => {
                let label = format!("log {}", self.arg(s, 0));
                vec![(self.after(from, Kind::Log, label, s), None)]
            }
            StepKind::If(branches) => self.branches(s, branches, from),
            StepKind::ForEach(each) => {
                let items = each
                    .items
                    .as_ref()
                    .map_or(String::new(), |t| short(&t.text, LABEL));
                let name = s.name.as_ref().map_or("?", |n| n.name.as_str());
                let l = self.after(from, Kind::Loop, format!("for-each {name} in {items}"), s);
                let mut body = self.steps(&s.body, vec![(l, Some("each item"))]);
                if let Some(y) = &each.yielded {
                    let label = format!("yield {}", self.arg(y, 0));
                    let label = match &y.kind {
                        StepKind::Yield(t) => format!("yield {}", self.text(t)),
                        _ => label,
                    };
                    body = vec![(self.after(body, Kind::Yield, label, y), None)];
                }
                for (f, label) in body {
                    self.g.edge(f, l, label.or(Some("next")), Line::Back);
                }
                vec![(l, Some("done"))]
            }
            StepKind::Try { catch } => {
                let t = self.after(from, Kind::Try, "try".into(), s);
                let mut out = self.steps(&s.body, vec![(t, None)]);
                if let Some(c) = catch {
                    let handler = self.g.node(Kind::Catch, "catch", Some(c.loc));
                    self.g.edge(t, handler, Some("on error"), Line::Error);
                    out.extend(self.steps(&c.body, vec![(handler, None)]));
                }
                out
            }
            StepKind::Return(value) => {
                let label = match value {
                    Some(Tree::Object(..) | Tree::Array(..)) => "return { … }".to_string(),
                    Some(t) => format!("return {}", self.text(t)),
                    None => "return".to_string(),
                };
                self.after(from, Kind::Return, label, s);
                Vec::new()
            }
            StepKind::Fail { status, .. } => {
                let mut label = format!("fail {}", self.arg(s, 0));
                if let Some(st) = status {
                    label.push_str(&format!(" ({})", self.text(st)));
                }
                self.after(from, Kind::Fail, label, s);
                Vec::new()
            }
            StepKind::Yield(t) => {
                let label = format!("yield {}", self.text(t));
                vec![(self.after(from, Kind::Yield, label, s), None)]
            }
            // Orphans (`flow::orphan-else`): drawn, never reached.
            StepKind::ElseIf | StepKind::Else | StepKind::Catch => {
                let kind = if matches!(s.kind, StepKind::Catch) {
                    Kind::Catch
                } else {
                    Kind::Condition
                };
                let word = self.a.text_at(s.keyword).to_string();
                self.g
                    .node(kind, format!("{word} (follows no if or try)"), Some(s.loc));
                from
            }
        }
    }

    /// An `if`, its `else-if`s and its `else`.
    fn branches(&mut self, s: &Step, b: &intact_model::Branches, from: Exits) -> Exits {
        let cond = self.after(from, Kind::Condition, format!("if {}", self.arg(s, 0)), s);
        let mut out = self.steps(&s.body, vec![(cond, Some("yes"))]);
        let mut no = cond;
        for e in &b.else_ifs {
            let label = format!("else-if {}", self.arg(e, 0));
            let c = self.g.node(Kind::Condition, label, Some(e.loc));
            self.g.edge(no, c, Some("no"), Line::Next);
            out.extend(self.steps(&e.body, vec![(c, Some("yes"))]));
            no = c;
        }
        match &b.otherwise {
            Some(o) => out.extend(self.steps(&o.body, vec![(no, Some("no"))])),
            None => out.push((no, Some("no"))),
        }
        out
    }
}
