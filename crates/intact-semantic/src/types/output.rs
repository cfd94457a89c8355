//! An action's returns against its contract's output schema (`contract::output-*`,
//! `flow::missing-return`).

use intact_expr::Type;
use intact_model::{ActionDef, Loc, StepKind, Tree};

use super::test_trees::join_path;
use super::*;
use intact_diagnostics::Diagnostic;
use intact_diagnostics::Rule;

impl Typing<'_> {
    /// An action's returns against its contract's output schema, and its paths that end without one.
    pub(super) fn action_output(&mut self, ac: &ActionDef, out: &mut Vec<Diagnostic>) {
        let Some(id) = ac.contract_id() else { return };
        let Some(Type::Object(expected)) = contracts::contract_type(id, Side::Output) else {
            return;
        };
        let mut returns = Vec::new();
        intact_model::walk_steps(&ac.steps, &mut |s| {
            if let StepKind::Return(tree) = &s.kind {
                returns.push((s.keyword, tree.as_ref()));
            }
        });
        for (keyword, tree) in returns {
            match tree {
                None => self.missing_fields(keyword, &expected, &[], id.as_str(), out),
                Some(tree) => self.output_tree(
                    tree,
                    keyword,
                    &Type::Object(expected.clone()),
                    id.as_str(),
                    out,
                ),
            }
        }
        let required: Vec<&str> = expected
            .fields
            .iter()
            .filter(|f| f.required && f.name != "executionStatus")
            .map(|f| f.name.as_str())
            .collect();
        if !required.is_empty() && ac.enabled && !terminates(&ac.steps) {
            out.push(
                Diagnostic::new(Rule::FlowMissingReturn, ac.name.loc, format!("action `{}` can end without a return", ac.name.name))
                    .label("a path through it reaches the end")
                    .help(format!(
                        "`{id}` must return {}: end every path with `return {{ … }}` or `fail \"…\"` (an `if` needs an `else`, a `try` its `catch`)",
                        required.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
                    )),
            );
        }
    }

    pub(super) fn missing_fields(
        &self,
        at: Loc,
        expected: &intact_expr::ObjectType,
        given: &[&str],
        id: &str,
        out: &mut Vec<Diagnostic>,
    ) {
        for f in expected
            .fields
            .iter()
            .filter(|f| f.required && f.name != "executionStatus")
        {
            if !given.contains(&f.name.as_str()) {
                let what = &expected.name;
                out.push(
                    Diagnostic::new(
                        Rule::ContractOutputMissing,
                        at,
                        format!("the return lacks `{}`, which {what} requires", f.name),
                    )
                    .label(format!("no `{}`", f.name))
                    .help(format!(
                        "add `{} …`{}; run `intact contracts {id} --output` for the schema",
                        f.name,
                        f.description
                            .as_ref()
                            .map(|d| format!(" ({d})"))
                            .unwrap_or_default()
                    )),
                );
            }
        }
    }

    pub(super) fn output_tree(
        &mut self,
        tree: &Tree,
        at: Loc,
        expected: &Type,
        id: &str,
        out: &mut Vec<Diagnostic>,
    ) {
        match (tree, expected) {
            (Tree::Object(fields, _), Type::Object(exp)) => {
                for (key, value) in fields {
                    match exp.field(&key.name) {
                        Some(f) => {
                            if let (
                                Tree::Scalar(intact_syntax::Value::String(s), loc),
                                Some(allowed),
                            ) = (value, &f.allowed)
                            {
                                out.extend(super::shapes::not_allowed(
                                    Rule::ContractOutputType,
                                    *loc,
                                    s,
                                    allowed,
                                    format!(
                                        "`{s}` is not one of the values `{}` takes in {}",
                                        key.name, exp.name
                                    ),
                                ));
                            }
                            self.output_tree(value, key.loc, &f.ty, id, out)
                        }
                        None if exp.accepts_unlisted(&key.name) => {}
                        None => out.push(unknown_field(
                            Rule::ContractOutputUnknown,
                            key,
                            format!("`{}` is not a field of {}", key.name, exp.name),
                            "unknown field",
                            exp,
                        )),
                    }
                }
                let given: Vec<&str> = fields.iter().map(|(k, _)| k.name.as_str()).collect();
                self.missing_fields(at, exp, &given, id, out);
            }
            (Tree::Array(items, _), Type::List(elem)) => {
                for i in items {
                    self.output_tree(i, i.loc(), elem, id, out);
                }
            }
            (tree, expected) => {
                let actual = match tree {
                    Tree::Template(t) => self.types.get(&t.loc).cloned().unwrap_or(Type::Dyn),
                    Tree::Scalar(v, _) => match v {
                        intact_syntax::Value::String(_) => Type::String,
                        intact_syntax::Value::Integer(_) => Type::Int,
                        intact_syntax::Value::Float(_) => Type::Double,
                        intact_syntax::Value::Bool(_) => Type::Bool,
                        _ => Type::Dyn,
                    },
                    Tree::Object(..) => Type::object("", Vec::new(), Some(Type::Dyn)),
                    Tree::Array(..) => Type::list(Type::Dyn),
                };
                self.output_value(&actual, expected, tree.loc(), id, "", out);
            }
        }
    }

    /// A value whose type is known only as a whole (a template, a mapping's result) against the
    /// contract's type: unknown fields of objects, element by element in lists, else the type.
    pub(super) fn output_value(
        &self,
        actual: &Type,
        expected: &Type,
        at: Loc,
        id: &str,
        path: &str,
        out: &mut Vec<Diagnostic>,
    ) {
        match (actual, expected) {
            (Type::List(a), Type::List(e)) => self.output_value(a, e, at, id, path, out),
            (Type::Object(a), Type::Object(e)) => {
                for f in &a.fields {
                    match e.field(&f.name) {
                        Some(ef) => {
                            self.output_value(&f.ty, &ef.ty, at, id, &join_path(path, &f.name), out)
                        }
                        None if e.accepts_unlisted(&f.name) => {}
                        None => {
                            let mut d = Diagnostic::new(
                                Rule::ContractOutputUnknown,
                                at,
                                format!(
                                    "this value has a field `{}` that {} does not",
                                    f.name, e.name
                                ),
                            )
                            .label("the value built here");
                            d = match suggest(&f.name, e.fields.iter().map(|x| x.name.as_str())) {
                                Some(b) => d.help(format!("did you mean `{b}`? fix the mapping or expression that builds it")),
                                None => d.help("remove the field from the mapping or expression that builds it"),
                            };
                            out.push(d);
                        }
                    }
                }
            }
            (actual, expected) if !actual.fits(expected) => out.push(
                Diagnostic::new(
                    Rule::ContractOutputType,
                    at,
                    if path.is_empty() {
                        format!(
                            "this is {}, but the contract wants {}",
                            actual.describe(),
                            expected.describe()
                        )
                    } else {
                        format!(
                            "`{path}` of this value is {}, but the contract wants {}",
                            actual.describe(),
                            expected.describe()
                        )
                    },
                )
                .label(actual.describe())
                .help(format!(
                    "return {} here; run `intact contracts {id} --output` for the schema",
                    expected.describe()
                )),
            ),
            _ => {}
        }
    }
}
