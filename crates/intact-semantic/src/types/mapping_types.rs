//! What each mapping returns, typed once, after the mappings it calls.

use std::collections::HashMap;

use intact_expr::{Env, Type};

use super::Typing;

impl Typing<'_> {
    /// Mapping result types, from their trees, each typed after the mappings it calls (so that
    /// `displayName "${title_of(it)}"` has `title_of`'s type, not an unknown one); mappings that
    /// call each other in a loop see each other as unknown (the loop itself is `flow::cycle`).
    /// Silent: the mappings are checked, with these types, in `mappings`.
    pub(super) fn mapping_types(&mut self, calls: &crate::calls::CallGraph) {
        let mappings = &self.a.model.mappings;
        let mut types: HashMap<String, Type> = mappings
            .iter()
            .map(|m| (m.name.name.clone(), Type::Dyn))
            .collect();
        // A duplicated name is typed from its first definition, as everywhere else.
        let position: HashMap<&str, usize> = mappings
            .iter()
            .enumerate()
            .rev()
            .map(|(i, m)| (m.name.name.as_str(), i))
            .collect();
        let graph = crate::calls::digraph(calls);
        let mut silent = Vec::new();
        // Tarjan gives the components callees first.
        for component in petgraph::algo::tarjan_scc(&graph) {
            // What the component's mappings call, as typed so far: a mapping sees only the
            // types of what it calls (copying every type known per component was quadratic).
            let known: HashMap<String, Type> = component
                .iter()
                .flat_map(|node| &calls[node.index()].2)
                .filter_map(|(name, _)| Some((name.clone(), types.get(name)?.clone())))
                .collect();
            let known = std::sync::Arc::new(known);
            for node in component {
                let m = &mappings[node.index()];
                if position.get(m.name.name.as_str()) != Some(&node.index()) {
                    continue;
                }
                let it = self.mapping_argument(m);
                let env = Env {
                    vars: self.base_vars(Type::Dyn, None, Some(it)),
                    later_steps: Vec::new(),
                    mappings: known.clone(),
                    present: Vec::new(),
                };
                let t = self.tree_type(&m.tree, &env, &mut silent);
                types.insert(m.name.name.clone(), t);
            }
        }
        self.types.clear();
        self.mappings = std::sync::Arc::new(types);
    }
}
