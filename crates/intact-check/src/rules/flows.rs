//! Flows and step structure (`else` after `if`, `catch` after `try`, `yield` in `for-each`), and cycles of flow calls and of mappings.

use std::collections::HashMap;

use intact_model::symbols::{Site, Symbol};
use intact_model::{Ident, Step, StepKind};

use super::*;
use crate::registry::Rule;
use crate::{Diagnostic, suggest};
use intact_semantic::calls::{CallGraph, digraph};

impl<'a> ModelRules<'a> {
    pub(super) fn flows(&self, out: &mut Vec<Diagnostic>) {
        let flow_names: Vec<&str> = self.m.flows.iter().map(|f| f.name.name.as_str()).collect();
        // A `call` of a flow the project does not define, from the symbol index.
        for o in self
            .index
            .occurrences
            .iter()
            .filter(|o| o.site == Site::Call)
        {
            if let Symbol::Flow(name) = &o.symbol
                && self.index.definition(&o.symbol).is_none()
            {
                let id = Ident {
                    name: name.clone(),
                    loc: o.loc,
                };
                out.push(self.unresolved("flow", &id, flow_names.clone()));
            }
        }
        let lists = self
            .m
            .actions
            .iter()
            .map(|a| &a.steps)
            .chain(self.m.flows.iter().map(|f| &f.steps))
            .chain(self.m.connections.iter().filter_map(|c| c.ping.as_ref()));
        for steps in lists {
            structure(steps, out);
            intact_model::walk_steps(steps, &mut |s| {
                let StepKind::Call {
                    flow: Some(fid),
                    args,
                } = &s.kind
                else {
                    return;
                };
                // An unknown flow is reported above.
                let Some(flow) = self.flow(&fid.name) else {
                    return;
                };
                let inputs: Vec<&str> = flow.inputs.iter().map(|i| i.name.name.as_str()).collect();
                // An input given twice: at run time one value silently wins.
                for (i, a) in args.iter().enumerate() {
                    if let Some(first) = args[..i].iter().find(|b| b.name == a.name) {
                        out.push(
                            Diagnostic::new(
                                Rule::FlowCallArguments,
                                a.loc,
                                format!("the input `{}` is given twice", a.name),
                            )
                            .label("given again")
                            .related(first.loc, "first given here")
                            .help("give each input once: remove one of them"),
                        );
                    }
                }
                // A did-you-mean never names an input the call already gives: applying it would
                // make a duplicate and pass the wrong value silently.
                let given: Vec<&str> = args.iter().map(|a| a.name.as_str()).collect();
                let free: Vec<&str> = inputs
                    .iter()
                    .copied()
                    .filter(|i| !given.contains(i))
                    .collect();
                for a in args {
                    if !inputs.contains(&a.name.as_str()) {
                        let mut d = Diagnostic::new(
                            Rule::FlowCallArguments,
                            a.loc,
                            format!("flow `{}` has no input `{}`", flow.name.name, a.name),
                        )
                        .label("unknown input")
                        .related(flow.name.loc, "flow defined here");
                        d = match suggest(&a.name, free.iter().copied()) {
                            Some(best) => d.help(format!("did you mean `{best}`?")).fix(
                                format!("Replace with `{best}`"),
                                a.loc,
                                best,
                            ),
                            None if inputs.is_empty() => d.help("the flow declares no inputs"),
                            None => d.help(format!("its inputs: {}", inputs.join(", "))),
                        };
                        out.push(d);
                    }
                }
                for i in flow
                    .inputs
                    .iter()
                    .filter(|i| i.required && i.default.is_none())
                {
                    if !args.iter().any(|a| a.name == i.name.name) {
                        out.push(
                            Diagnostic::new(
                                Rule::FlowCallArguments,
                                s.loc,
                                format!(
                                    "the call to `{}` lacks the required input `{}`",
                                    flow.name.name, i.name.name
                                ),
                            )
                            .label(format!("no `{}`", i.name.name))
                            .related(i.name.loc, "declared required here")
                            .help(format!(
                                "add `{} VALUE` inside the call's block",
                                i.name.name
                            )),
                        );
                    }
                }
            });
        }
    }

    /// Calls between flows, and between mappings, may not form a cycle.
    pub(super) fn cycles(&self, mapping_calls: &CallGraph, out: &mut Vec<Diagnostic>) {
        // Flow → flows it calls, with the call's location.
        let mut graph: CallGraph = Vec::new();
        for f in &self.m.flows {
            let mut calls = Vec::new();
            intact_model::walk_steps(&f.steps, &mut |s| {
                if let StepKind::Call { flow: Some(id), .. } = &s.kind {
                    calls.push((id.name.clone(), id.loc));
                }
            });
            graph.push((f.name.name.clone(), f.name.loc, calls));
        }
        report_cycles(&graph, "flow", out);
        report_cycles(mapping_calls, "mapping", out);
    }
}

/// One `flow::cycle` per strongly connected component that loops (several members, or one that
/// calls itself), at its first-defined member, naming the shortest loop through it. Components
/// come from Tarjan's algorithm and the loop from a breadth-first search, both linear in the
/// calls: enumerating paths instead doubles with every level of a call chain where each flow or
/// mapping calls the next twice.
fn report_cycles(graph: &CallGraph, what: &str, out: &mut Vec<Diagnostic>) {
    let g = digraph(graph);
    let mut components = petgraph::algo::tarjan_scc(&g);
    for c in &mut components {
        c.sort();
    }
    components.sort();
    for component in components {
        let start = component[0].index();
        let loops = component.len() > 1 || g.contains_edge(component[0], component[0]);
        if !loops {
            continue;
        }
        let path = shortest_loop(&g, &component, start);
        let names: Vec<&str> = path.iter().map(|&i| graph[i].0.as_str()).collect();
        let mut d = Diagnostic::new(
            Rule::FlowCycle,
            graph[start].1,
            format!(
                "{what}s call each other in a loop: {} → {}",
                names.join(" → "),
                names[0]
            ),
        )
        .label("starts here")
        .help(format!(
            "break the loop: a {what} may not call itself through others"
        ));
        for (i, &m) in path.iter().enumerate() {
            let next = path.get(i + 1).copied().unwrap_or(start);
            if let Some((_, loc)) = graph[m].2.iter().find(|(n, _)| *n == graph[next].0) {
                d = d.related(*loc, format!("`{}` calls `{}`", graph[m].0, graph[next].0));
            }
        }
        out.push(d);
    }
}

/// The members of the shortest loop from `start` back to it, inside `component`, in call order.
fn shortest_loop(
    g: &petgraph::graph::DiGraph<(), ()>,
    component: &[petgraph::graph::NodeIndex],
    start: usize,
) -> Vec<usize> {
    use petgraph::graph::NodeIndex;
    let inside: std::collections::HashSet<NodeIndex> = component.iter().copied().collect();
    let mut parent: HashMap<NodeIndex, NodeIndex> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([NodeIndex::new(start)]);
    while let Some(n) = queue.pop_front() {
        // Neighbours in index order, so that the loop named is the same on every run.
        let mut next: Vec<NodeIndex> = g.neighbors(n).filter(|m| inside.contains(m)).collect();
        next.sort();
        next.dedup();
        for m in next {
            if m.index() == start {
                let mut path = vec![n.index()];
                let mut at = n;
                while let Some(&p) = parent.get(&at) {
                    path.push(p.index());
                    at = p;
                }
                path.reverse();
                return path;
            }
            if m.index() != start && !parent.contains_key(&m) {
                parent.insert(m, n);
                queue.push_back(m);
            }
        }
    }
    vec![start]
}

/// `else-if`, `else` and `catch` that lowering could not join to an `if` or a `try` (they stand
/// alone in the list), and steps after a `return` or `fail`.
fn structure(steps: &[Step], out: &mut Vec<Diagnostic>) {
    let mut ended: Option<&Step> = None;
    for s in steps {
        let orphan = match s.kind {
            StepKind::ElseIf | StepKind::Else => {
                let kw = if matches!(s.kind, StepKind::Else) {
                    "else"
                } else {
                    "else-if"
                };
                out.push(
                    Diagnostic::new(
                        Rule::FlowOrphanElse,
                        s.keyword,
                        format!("`{kw}` must follow an `if` or `else-if`"),
                    )
                    .label("no `if` before it")
                    .help("put it right after the `if { … }` block it belongs to, on its own line"),
                );
                true
            }
            StepKind::Catch => {
                out.push(
                    Diagnostic::new(
                        Rule::FlowOrphanElse,
                        s.keyword,
                        "`catch` must follow a `try`",
                    )
                    .label("no `try` before it")
                    .help("put it right after the `try { … }` block, on its own line"),
                );
                true
            }
            _ => false,
        };
        if let Some(end) = ended
            && !orphan
        {
            out.push(
                Diagnostic::new(Rule::FlowUnreachable, s.keyword, "this step can never run")
                    .label("after the run has ended")
                    .related(end.keyword, "the run ends here")
                    .help("remove it, or move it before the `return`/`fail`"),
            );
            break;
        }
        if matches!(s.kind, StepKind::Return(_) | StepKind::Fail { .. }) {
            ended = Some(s);
        }
        structure(&s.body, out);
        for b in s.branches() {
            structure(&b.body, out);
        }
    }
}
