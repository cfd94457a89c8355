//! From syntax to the catalogue and the model: which kind a node is, what may stand in it, and
//! which names a reference may take.

use intact_model::catalogue::{self, Body, Kind, NodeSpec, Ns};
use intact_model::{Model, contracts};
use intact_syntax::Node;

/// The catalogue entry of the last of `path` (outermost first), or of the file when `path` is
/// empty; `None` inside a value tree or free-form fields (`return { … }`, `call`'s arguments),
/// where names are the user's, or under a node the catalogue does not know.
pub fn spec_of(path: &[&Node]) -> Option<&'static NodeSpec> {
    let mut spec = catalogue::spec(Kind::File);
    for node in path {
        if matches!(spec.body, Body::Values | Body::Fields) {
            return None;
        }
        spec = catalogue::spec(spec.child(node.name())?.kind);
    }
    Some(spec)
}

/// The node kinds that may stand in `parent` (the node of `spec`), given what its `auth` form or
/// capability allows.
pub fn allowed_children(spec: &'static NodeSpec, parent: Option<&Node>) -> Vec<catalogue::Child> {
    let form = match (spec.kind, parent) {
        (Kind::Auth, Some(n)) => n
            .arg(0)
            .and_then(|a| a.value.as_str())
            .and_then(catalogue::auth_form),
        _ => None,
    };
    spec.allowed_children()
        .filter(|c| form.is_none_or(|f| f.children.contains(&c.kind)))
        .collect()
}

/// The names a reference of namespace `ns` may take, each with a line that tells them apart.
pub fn names(model: &Model, ns: Ns) -> Vec<(String, String)> {
    match ns {
        Ns::Connection => model
            .connections
            .iter()
            .map(|c| {
                let detail = c.auth.as_ref().map_or("connection".to_string(), |a| {
                    format!("connection, auth \"{}\"", a.form)
                });
                (c.name.name.clone(), detail)
            })
            .collect(),
        Ns::Flow => model
            .flows
            .iter()
            .map(|f| (f.name.name.clone(), "flow".to_string()))
            .collect(),
        Ns::Action => model
            .actions
            .iter()
            .map(|a| {
                let detail = a
                    .contract
                    .as_ref()
                    .map_or("action".to_string(), |(id, _)| format!("action for {id}"));
                (a.name.name.clone(), detail)
            })
            .collect(),
        Ns::Contract => contracts::CONTRACTS
            .iter()
            .map(|c| (c.id.to_string(), c.title.to_string()))
            .collect(),
    }
}
