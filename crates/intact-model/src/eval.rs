//! Evaluating templates and value trees (language reference, Values), with the project's mappings
//! callable as functions. The executor builds on this; the checker does not evaluate anything.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use intact_expr::eval::{Mappings, Program};
use serde_json::Value as J;

use crate::template;
use crate::{Loc, Model, Template, Tree};

/// How deep mappings may call each other at run time (the checker rejects cycles already).
const MAX_MAPPING_DEPTH: usize = 32;

/// Compiled expressions, by their text, shared by every evaluation.
#[derive(Default)]
pub struct Programs {
    cache: Mutex<HashMap<String, Arc<Program>>>,
}

impl Programs {
    pub fn get(&self, expr: &str) -> Result<Arc<Program>, String> {
        if let Some(p) = self.cache.lock().unwrap().get(expr) {
            return Ok(p.clone());
        }
        let parsed = intact_expr::parse(expr).map_err(|e| {
            e.iter()
                .map(|x| x.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        let p = Arc::new(Program::new(&parsed, expr));
        self.cache
            .lock()
            .unwrap()
            .insert(expr.to_string(), p.clone());
        Ok(p)
    }
}

/// The project's mappings as functions.
pub struct ProjectMappings {
    mappings: HashMap<String, Tree>,
    programs: Arc<Programs>,
    depth: Mutex<usize>,
    /// Itself, so a mapping's expressions can call other mappings.
    me: Weak<ProjectMappings>,
}

impl ProjectMappings {
    pub fn new(model: &Model, programs: Arc<Programs>) -> Arc<ProjectMappings> {
        let mappings = model
            .mappings
            .iter()
            .map(|m| (m.name.name.clone(), m.tree.clone()))
            .collect();
        Arc::new_cyclic(|me| ProjectMappings {
            mappings,
            programs,
            depth: Mutex::new(0),
            me: me.clone(),
        })
    }
}

impl Mappings for ProjectMappings {
    fn names(&self) -> Vec<String> {
        self.mappings.keys().cloned().collect()
    }

    fn call(&self, name: &str, argument: J) -> Result<J, String> {
        let tree = self
            .mappings
            .get(name)
            .ok_or_else(|| format!("no mapping named `{name}`"))?;
        {
            let mut d = self.depth.lock().unwrap();
            if *d >= MAX_MAPPING_DEPTH {
                return Err(format!(
                    "mappings call each other more than {MAX_MAPPING_DEPTH} deep (through `{name}`)"
                ));
            }
            *d += 1;
        }
        let me: Arc<dyn Mappings> = self.me.upgrade().ok_or("the mappings were dropped")?;
        let result = eval_tree(tree, &[("it", &argument)], &self.programs, me);
        *self.depth.lock().unwrap() -= 1;
        result
    }
}

/// Where an evaluation failed: the expression, and where it is written.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    pub loc: Loc,
    pub expr: String,
}

thread_local! {
    /// The innermost template whose expression failed (a mapping's line, not the call of the
    /// mapping). Evaluation is synchronous, so one slot per thread holds it; [`failing_place`]
    /// clears it before and takes it after.
    static FAILED_AT: std::cell::RefCell<Option<Place>> = const { std::cell::RefCell::new(None) };
}

/// Runs an evaluation and, when it fails, says which expression failed and where.
pub fn failing_place<T>(
    f: impl FnOnce() -> Result<T, String>,
) -> Result<T, (String, Option<Place>)> {
    FAILED_AT.with(|p| p.borrow_mut().take());
    f().map_err(|e| (e, FAILED_AT.with(|p| p.borrow_mut().take())))
}

pub fn eval_text(
    text: &str,
    vars: &[(&str, &J)],
    programs: &Programs,
    mappings: Arc<dyn Mappings>,
) -> Result<J, String> {
    eval_segments(text, None, vars, programs, mappings, &mut |_, _| {})
}

/// [`eval_text`], telling `seen` each expression's text and value (the executor masks the values of
/// expressions that read a secret).
pub fn eval_text_seen(
    text: &str,
    vars: &[(&str, &J)],
    programs: &Programs,
    mappings: Arc<dyn Mappings>,
    seen: &mut dyn FnMut(&str, &J),
) -> Result<J, String> {
    eval_segments(text, None, vars, programs, mappings, seen)
}

fn eval_segments(
    text: &str,
    template: Option<&Template>,
    vars: &[(&str, &J)],
    programs: &Programs,
    mappings: Arc<dyn Mappings>,
    seen: &mut dyn FnMut(&str, &J),
) -> Result<J, String> {
    let segments = template::segments(text);
    let mut eval = |seg: &template::Segment, mappings: Arc<dyn Mappings>| {
        let v = programs
            .get(seg.expr)
            .and_then(|p| p.evaluate(vars, mappings))
            .inspect_err(|_| {
                if let Some(t) = template {
                    FAILED_AT.with(|p| {
                        p.borrow_mut().get_or_insert_with(|| Place {
                            loc: t.sub_loc(seg.offset, seg.expr.len()),
                            expr: seg.expr.to_string(),
                        });
                    });
                }
            })?;
        seen(seg.expr, &v);
        Ok::<J, String>(v)
    };
    if let [seg] = segments.as_slice()
        && seg.offset == 2
        && seg.expr.len() + 3 == text.len()
    {
        return eval(seg, mappings);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for seg in &segments {
        out.push_str(&unescape_dollars(&text[at..seg.offset - 2]));
        let v = eval(seg, mappings.clone())?;
        out.push_str(&intact_expr::eval::json_text(&v));
        at = seg.offset + seg.expr.len() + 1;
    }
    out.push_str(&unescape_dollars(&text[at.min(text.len())..]));
    Ok(J::String(out))
}

fn unescape_dollars(s: &str) -> String {
    s.replace("$${", "${")
}

/// A value tree's value.
pub fn eval_tree(
    tree: &Tree,
    vars: &[(&str, &J)],
    programs: &Programs,
    mappings: Arc<dyn Mappings>,
) -> Result<J, String> {
    eval_tree_seen(tree, vars, programs, mappings, &mut |_, _| {})
}

/// [`eval_tree`], telling `seen` each expression's text and value.
pub fn eval_tree_seen(
    tree: &Tree,
    vars: &[(&str, &J)],
    programs: &Programs,
    mappings: Arc<dyn Mappings>,
    seen: &mut dyn FnMut(&str, &J),
) -> Result<J, String> {
    Ok(match tree {
        Tree::Scalar(v, _) => match v {
            intact_syntax::Value::String(s) => J::String(unescape_dollars(s)),
            intact_syntax::Value::Integer(i) => J::from(*i),
            intact_syntax::Value::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(J::Null, J::Number)
            }
            intact_syntax::Value::Bool(b) => J::Bool(*b),
            intact_syntax::Value::Null | intact_syntax::Value::Invalid => J::Null,
        },
        Tree::Template(t) => eval_segments(&t.text, Some(t), vars, programs, mappings, seen)?,
        Tree::Object(fields, _) => {
            let mut map = serde_json::Map::new();
            for (k, v) in fields {
                map.insert(
                    k.name.clone(),
                    eval_tree_seen(v, vars, programs, mappings.clone(), seen)?,
                );
            }
            J::Object(map)
        }
        Tree::Array(items, _) => J::Array(
            items
                .iter()
                .map(|i| eval_tree_seen(i, vars, programs, mappings.clone(), seen))
                .collect::<Result<_, _>>()?,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Analysis, FileInput};
    use serde_json::json;

    fn project() -> Analysis {
        Analysis::new(vec![FileInput::new(
            "intact.kdl",
            r#"
mapping "scim_user" {
    (array)schemas "urn:ietf:params:scim:schemas:core:2.0:User"
    id "${it.id}"
    userName "${it.email}"
    name {
        givenName "${it.first_name}"
    }
    active "${it.status == 'active'}"
    emails {
        - { value "${it.email}"; type "work"; primary #true }
    }
    label "${it.first_name} <${it.email}> costs $${price}"
    wrapped "${wrap(it.id)}"
}
mapping "wrap" {
    value "${it}"
}
"#,
        )])
    }

    #[test]
    fn mappings_build_objects_and_call_each_other() {
        let a = project();
        let programs = Arc::new(Programs::default());
        let mappings = ProjectMappings::new(&a.model, programs.clone());
        let body = json!({"id": "u1", "email": "jane@example.com", "first_name": "Jane", "status": "active"});
        let tree = &a.model.mappings[0].tree;
        let v = eval_tree(tree, &[("it", &body)], &programs, mappings.clone()).unwrap();
        assert_eq!(
            v,
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": "u1",
                "userName": "jane@example.com",
                "name": {"givenName": "Jane"},
                "active": true,
                "emails": [{"value": "jane@example.com", "type": "work", "primary": true}],
                "label": "Jane <jane@example.com> costs ${price}",
                "wrapped": {"value": "u1"}
            })
        );
        // And as a function inside an expression.
        let v = eval_text(
            "${scim_user(body).name.givenName}",
            &[("body", &body)],
            &programs,
            mappings,
        )
        .unwrap();
        assert_eq!(v, json!("Jane"));
    }
}
