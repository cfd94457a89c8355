//! A test's value trees against what its target takes (`test::input`).

use intact_model::{Analysis, Loc, Tree, catalogue};

use super::shapes::Shape;
use super::*;
use intact_diagnostics::Diagnostic;
use intact_diagnostics::Rule;

/// A test's `input` against what its target takes: the contract's input schema for an action,
/// the declared inputs for a flow (`test::input`).
pub(crate) fn test_inputs(a: &Analysis, out: &mut Vec<Diagnostic>) {
    for t in &a.model.tests {
        let Some((tree, keyword)) = &t.input else {
            continue;
        };
        if let Some(target) = &t.action {
            let Some(action) = a
                .model
                .actions
                .iter()
                .find(|ac| ac.name.name == target.name)
            else {
                continue;
            };
            let Some(id) = action.contract_id() else {
                continue;
            };
            let Some(validator) = contracts::validator(id, Side::Input) else {
                continue;
            };
            let mut locs = Vec::new();
            let mut templated = Vec::new();
            let value = tree_json(tree, String::new(), &mut locs, &mut templated);
            for e in validator.iter_errors(&value) {
                let path = e.instance_path().to_string();
                // A templated value is known only at run time.
                if templated
                    .iter()
                    .any(|p: &String| path.starts_with(p.as_str()))
                {
                    continue;
                }
                let loc = locs
                    .iter()
                    .filter(|(p, _)| path.starts_with(p.as_str()))
                    .max_by_key(|(p, _)| p.len())
                    .map_or(*keyword, |(_, l)| *l);
                let at = if path.is_empty() {
                    "the input".to_string()
                } else {
                    format!("`{}`", path.trim_start_matches('/').replace('/', "."))
                };
                out.push(
                    Diagnostic::new(
                        Rule::TestInput,
                        loc,
                        format!("{at} does not fit the input of {id}: {e}"),
                    )
                    .label("does not fit the contract")
                    .help(format!(
                        "run `intact contracts {id} --input` for the schema"
                    )),
                );
            }
        } else if let Some(target) = &t.flow {
            let Some(flow) = a.model.flows.iter().find(|f| f.name.name == target.name) else {
                continue;
            };
            let Tree::Object(fields, _) = tree else {
                continue;
            };
            let names: Vec<&str> = flow.inputs.iter().map(|i| i.name.name.as_str()).collect();
            // A literal value of the wrong type (a templated one is known only at run time).
            for (k, value) in fields {
                let Some(ty) = flow
                    .inputs
                    .iter()
                    .find(|i| i.name.name == k.name)
                    .and_then(|i| i.ty.as_deref())
                else {
                    continue;
                };
                let (mut locs, mut templated) = (Vec::new(), Vec::new());
                let v = tree_json(value, String::new(), &mut locs, &mut templated);
                if templated.is_empty() && !catalogue::input_type_fits(ty, &v) {
                    out.push(
                        Diagnostic::new(
                            Rule::TestInput,
                            value.loc(),
                            format!(
                                "`{}` is {} here, but flow `{}` declares it {}",
                                k.name,
                                catalogue::a_type(catalogue::input_type_of(&v)),
                                flow.name.name,
                                catalogue::a_type(ty)
                            ),
                        )
                        .label(format!("not {}", catalogue::a_type(ty)))
                        .help(format!(
                            "give `{}` {}",
                            k.name,
                            catalogue::a_type(ty)
                        )),
                    );
                }
            }
            for (k, _) in fields {
                if !names.contains(&k.name.as_str()) {
                    let mut d = Diagnostic::new(
                        Rule::TestInput,
                        k.loc,
                        format!("flow `{}` has no input `{}`", flow.name.name, k.name),
                    )
                    .label("unknown input");
                    d = match suggest(&k.name, names.iter().copied()) {
                        Some(b) => d.help(format!("did you mean `{b}`?")).fix(
                            format!("Rename to `{b}`"),
                            k.loc,
                            b,
                        ),
                        None => d.help(format!("its inputs: {}", names.join(", "))),
                    };
                    out.push(d);
                }
            }
            for i in flow
                .inputs
                .iter()
                .filter(|i| i.required && i.default.is_none())
            {
                if !fields.iter().any(|(k, _)| k.name == i.name.name) {
                    out.push(
                        Diagnostic::new(
                            Rule::TestInput,
                            *keyword,
                            format!(
                                "the test gives no `{}`, which flow `{}` requires",
                                i.name.name, flow.name.name
                            ),
                        )
                        .label(format!("no `{}`", i.name.name))
                        .related(i.name.loc, "declared required here")
                        .help(format!("add `{} VALUE` to the test's input", i.name.name)),
                    );
                }
            }
        }
    }
}

/// A value tree as JSON, with the JSON pointer of every value and the pointers of templated ones.
fn tree_json(
    tree: &Tree,
    path: String,
    locs: &mut Vec<(String, Loc)>,
    templated: &mut Vec<String>,
) -> serde_json::Value {
    use serde_json::Value as J;
    locs.push((path.clone(), tree.loc()));
    match tree {
        Tree::Scalar(v, _) => match v {
            intact_syntax::Value::String(s) => J::String(s.to_string()),
            intact_syntax::Value::Integer(i) => J::from(*i),
            intact_syntax::Value::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(J::Null, J::Number)
            }
            intact_syntax::Value::Bool(b) => J::Bool(*b),
            intact_syntax::Value::Null | intact_syntax::Value::Invalid => J::Null,
        },
        Tree::Template(t) => {
            templated.push(path);
            J::String(t.text.clone())
        }
        Tree::Object(fields, _) => J::Object(
            fields
                .iter()
                .map(|(k, v)| {
                    let p = format!("{path}/{}", intact_jsonref::escape(&k.name));
                    locs.push((p.clone(), k.loc));
                    (k.name.clone(), tree_json(v, p, locs, templated))
                })
                .collect(),
        ),
        Tree::Array(items, _) => J::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| tree_json(v, format!("{path}/{i}"), locs, templated))
                .collect(),
        ),
    }
}

pub(super) fn join_path(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

impl Typing<'_> {
    /// A test's `expect` against what its target returns: the contract's output for an action,
    /// the flow's return type for a flow (`test::expect`). An expectation is a subset of the
    /// output, so a field it leaves out is fine; a field the output never has, a value of the
    /// wrong type or outside a field's allowed values can never match.
    pub(super) fn test_expectations(&self, out: &mut Vec<Diagnostic>) {
        for t in &self.a.model.tests {
            let Some(tree) = &t.run.expect else { continue };
            let (expected, what) = match (&t.action, &t.flow) {
                (Some(target), None) => {
                    let contract = self
                        .a
                        .model
                        .actions
                        .iter()
                        .find(|ac| ac.name.name == target.name)
                        .and_then(|ac| ac.contract_id());
                    let Some(id) = contract else { continue };
                    let Some(ty) = contracts::contract_type(id, Side::Output) else {
                        continue;
                    };
                    (ty, format!("the output of {id}"))
                }
                (None, Some(target)) => {
                    let Some(Some(ty)) = self.flow_returns.get(&target.name) else {
                        continue;
                    };
                    (ty.clone(), format!("what flow `{}` returns", target.name))
                }
                _ => continue,
            };
            let shape = Shape {
                unknown: Rule::TestExpect,
                ty: Rule::TestExpect,
                value: Rule::TestExpect,
                verb: "expect",
                after: " here, or leave the field out: an expectation need not name every field",
                what,
            };
            self.tree_against(&shape, tree, &expected, None, "", out);
        }
    }
}
