//! Which mappings call which: the graph `flow::cycle` reports loops of and the typing walks in
//! call order.

use intact_model::{Loc, Model};

/// Each flow or mapping: its name, where it is defined, and what it calls (name, where).
pub type CallGraph = Vec<(String, Loc, Vec<(String, Loc)>)>;

/// Which mappings each mapping calls: the mapping names read (from the symbol index) inside its
/// definition. `flow::cycle` and the typing of mappings in call order both walk it.
pub fn mapping_calls(m: &Model, index: &intact_model::symbols::SymbolIndex) -> CallGraph {
    use intact_model::symbols::{Site, Symbol};
    let uses: Vec<_> = index
        .occurrences
        .iter()
        .filter(|o| o.site == Site::Expression && matches!(o.symbol, Symbol::Mapping(_)))
        .collect();
    m.mappings
        .iter()
        .map(|mp| {
            let calls = uses
                .iter()
                .filter(|o| {
                    o.loc.file == mp.loc.file
                        && mp.loc.span.start <= o.loc.span.start
                        && o.loc.span.end <= mp.loc.span.end
                })
                .map(|o| (o.symbol.name().to_string(), o.loc))
                .collect();
            (mp.name.name.clone(), mp.name.loc, calls)
        })
        .collect()
}

/// `graph` as a directed graph whose node `i` is its entry `i`; a duplicated name resolves to its
/// first definition, as everywhere else.
pub fn digraph(graph: &CallGraph) -> petgraph::graph::DiGraph<(), ()> {
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, (n, ..)) in graph.iter().enumerate() {
        index.entry(n.as_str()).or_insert(i);
    }
    let mut g = petgraph::graph::DiGraph::<(), ()>::with_capacity(graph.len(), 0);
    let nodes: Vec<_> = (0..graph.len()).map(|_| g.add_node(())).collect();
    for (from, (.., calls)) in graph.iter().enumerate() {
        for (name, _) in calls {
            if let Some(&to) = index.get(name.as_str()) {
                g.update_edge(nodes[from], nodes[to], ());
            }
        }
    }
    g
}
