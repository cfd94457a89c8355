//! The project as a graph: each action and flow, the flows each calls, and the connection each
//! sends its requests through.

use std::collections::HashMap;

use intact_model::{Analysis, Ident, Step, StepKind, walk_steps};

use crate::{Graph, Kind, Line};

pub fn project(a: &Analysis) -> Graph {
    let name = a
        .project()
        .and_then(|p| p.name.as_ref())
        .map_or("project".to_string(), |n| format!("project {}", n.name));
    let mut g = Graph {
        title: name,
        ..Graph::default()
    };
    let m = &a.model;
    let mut flows: HashMap<&str, usize> = HashMap::new();
    let mut connections: HashMap<&str, usize> = HashMap::new();
    for c in &m.connections {
        let n = g.node(
            Kind::Connection,
            format!("connection {}", c.name.name),
            Some(c.name.loc),
        );
        connections.entry(c.name.name.as_str()).or_insert(n);
    }
    let mut owners = Vec::new();
    for ac in &m.actions {
        let label = match &ac.contract {
            Some((contract, _)) => format!("action {} ({contract})", ac.name.name),
            None => format!("action {}", ac.name.name),
        };
        let n = g.node(Kind::Action, label, Some(ac.name.loc));
        owners.push((n, &ac.steps[..], ac.connection.as_ref()));
    }
    for f in &m.flows {
        let n = g.node(
            Kind::Flow,
            format!("flow {}", f.name.name),
            Some(f.name.loc),
        );
        flows.entry(f.name.name.as_str()).or_insert(n);
        owners.push((n, &f.steps[..], f.connection.as_ref()));
    }
    for (n, steps, own) in owners {
        let (called, through) = uses(steps);
        for flow in called {
            if let Some(&to) = flows.get(flow) {
                g.edge(n, to, Some("calls"), Line::Uses);
            }
        }
        let mut seen = Vec::new();
        for named in through {
            // A request's `connection=`, else its owner's, else the project's only one.
            let c = named.or(own).map(|i| i.name.as_str());
            let Some(conn) = m.connection(c) else {
                continue;
            };
            if let Some(&to) = connections.get(conn.name.name.as_str())
                && !seen.contains(&to)
            {
                seen.push(to);
                g.edge(n, to, Some("requests"), Line::Uses);
            }
        }
    }
    g
}

/// The flows `steps` call (once each, in order) and each request's own `connection=`.
fn uses(steps: &[Step]) -> (Vec<&str>, Vec<Option<&Ident>>) {
    let (mut called, mut through) = (Vec::new(), Vec::new());
    walk_steps(steps, &mut |s| match &s.kind {
        StepKind::Call { flow: Some(f), .. } if !called.contains(&f.name.as_str()) => {
            called.push(f.name.as_str());
        }
        StepKind::Request(r) => through.push(r.connection.as_ref()),
        _ => {}
    });
    (called, through)
}
