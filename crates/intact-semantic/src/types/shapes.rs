//! A value tree against a type: an expectation against an output, a request body against its
//! schema. Unknown fields (with did-you-mean), wrong types and values outside a field's allowed
//! ones, each under the codes the caller names; fields left out are the caller's business.

use intact_expr::Type;
use intact_model::{Loc, Tree};

use super::test_trees::join_path;
use super::*;
use intact_diagnostics::Diagnostic;
use intact_diagnostics::Rule;

/// Which codes and words a comparison reports with.
pub(super) struct Shape {
    /// A field the type does not have.
    pub unknown: Rule,
    /// A value of the wrong type.
    pub ty: Rule,
    /// A string outside a field's allowed values.
    pub value: Rule,
    /// The help for a wrong type: "{verb} {expected}{after}".
    pub verb: &'static str,
    pub after: &'static str,
    /// What the type is, in messages: "the output of get-user".
    pub what: String,
}

impl Typing<'_> {
    pub(super) fn tree_against(
        &self,
        shape: &Shape,
        tree: &Tree,
        expected: &Type,
        allowed: Option<&[String]>,
        path: &str,
        out: &mut Vec<Diagnostic>,
    ) {
        let what = shape.what.as_str();
        let at = if path.is_empty() {
            "the expectation".to_string()
        } else {
            format!("`{path}`")
        };
        match (tree, expected) {
            (_, Type::Dyn) => {}
            (Tree::Object(fields, _), Type::Object(exp)) => {
                for (key, value) in fields {
                    let inner = join_path(path, &key.name);
                    match exp.field(&key.name) {
                        Some(f) => self.tree_against(
                            shape,
                            value,
                            &f.ty,
                            f.allowed.as_deref(),
                            &inner,
                            out,
                        ),
                        None if exp.accepts_unlisted(&key.name) => {}
                        None => out.push(unknown_field(
                            shape.unknown,
                            key,
                            format!("`{inner}` is not a field of {what}"),
                            "never there",
                            exp,
                        )),
                    }
                }
            }
            (Tree::Object(fields, _), Type::Map(value)) => {
                for (key, v) in fields {
                    self.tree_against(shape, v, value, None, &join_path(path, &key.name), out);
                }
            }
            (Tree::Array(items, _), Type::List(elem)) => {
                for (i, item) in items.iter().enumerate() {
                    self.tree_against(shape, item, elem, None, &format!("{path}[{i}]"), out);
                }
            }
            (Tree::Template(t), expected) => {
                let actual = self.types.get(&t.loc).cloned().unwrap_or(Type::Dyn);
                if !actual.fits(expected) {
                    out.push(self.type_mismatch(shape, tree.loc(), &at, &actual, expected));
                }
            }
            (tree, expected) => {
                let actual = match tree {
                    Tree::Scalar(v, _) => scalar_type(v),
                    Tree::Object(..) => Type::object("", Vec::new(), Some(Type::Dyn)),
                    Tree::Array(..) => Type::list(Type::Dyn),
                    Tree::Template(_) => Type::Dyn,
                };
                if !actual.fits(expected) {
                    out.push(self.type_mismatch(shape, tree.loc(), &at, &actual, expected));
                    return;
                }
                if let (Tree::Scalar(intact_syntax::Value::String(s), loc), Some(allowed)) =
                    (tree, allowed)
                {
                    out.extend(not_allowed(
                        shape.value,
                        *loc,
                        s,
                        allowed,
                        format!("{at} is never `{s}` in {what}"),
                    ));
                }
            }
        }
    }

    fn type_mismatch(
        &self,
        shape: &Shape,
        loc: Loc,
        at: &str,
        actual: &Type,
        expected: &Type,
    ) -> Diagnostic {
        let what = shape.what.as_str();
        Diagnostic::new(
            shape.ty,
            loc,
            format!(
                "{at} is {} here, but {} in {what}",
                actual.describe(),
                expected.describe()
            ),
        )
        .label(actual.describe())
        .help(format!(
            "{} {}{}",
            shape.verb,
            expected.describe(),
            shape.after
        ))
    }
}

/// A string literal outside a field's allowed values: the finding under `code`, with the closest
/// allowed value as its fix. `None` when the value is allowed.
pub(super) fn not_allowed(
    code: Rule,
    loc: Loc,
    value: &str,
    allowed: &[String],
    message: String,
) -> Option<Diagnostic> {
    if allowed.iter().any(|a| a == value) {
        return None;
    }
    let d = Diagnostic::new(code, loc, message).label("not an allowed value");
    Some(match suggest(value, allowed.iter().map(String::as_str)) {
        Some(b) => d.help(format!("did you mean `{b}`?")).fix(
            format!("Replace with `{b}`"),
            loc,
            intact_syntax::quote(b),
        ),
        None => d.help(format!(
            "its values: {}",
            allowed
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    })
}
