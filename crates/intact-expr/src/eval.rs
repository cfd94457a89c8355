//! Evaluation of expressions with the `cel` crate's interpreter, plus intact's functions and the
//! project's mappings.
//!
//! `default(x, fallback)` must give the fallback when a field on the path of `x` is missing, but CEL
//! evaluates arguments before the call and a missing field is an error. So before evaluation each
//! `default(a.b.c, f)` is rewritten to
//! `has(a.b) && a.b != null && has(a.b.c) && a.b.c != null ? a.b.c : f`, which CEL short-circuits.
//! In the same way `has(a.b.c)` is false, rather than an error, when `a.b` is absent or null.
//!
//! Long file: the rewrite, intact's functions and the conversions between JSON and CEL values are
//! one evaluator; each part is short and they are read together.

use std::sync::Arc;

use base64::Engine;
use cel::common::ast::{CallExpr, EntryExpr, Expr, IdedExpr, SelectExpr};
use cel::extractors::{Arguments, This};
use cel::{Context, ExecutionError, Value};

use crate::Parsed;

/// Calls a project's mapping: (mapping name, argument) → the built value.
pub trait Mappings: Send + Sync {
    fn names(&self) -> Vec<String>;
    fn call(&self, name: &str, argument: serde_json::Value) -> Result<serde_json::Value, String>;
}

/// No mappings.
pub struct NoMappings;

impl Mappings for NoMappings {
    fn names(&self) -> Vec<String> {
        Vec::new()
    }
    fn call(&self, name: &str, _: serde_json::Value) -> Result<serde_json::Value, String> {
        Err(format!("no mapping named `{name}`"))
    }
}

/// A compiled expression, ready to evaluate many times.
pub struct Program {
    expr: IdedExpr,
    /// The root names and the functions the expression uses: only those are converted and
    /// registered for an evaluation (converting every variable is the cost of a run).
    idents: Vec<String>,
    calls: Vec<String>,
    /// The `root.field` names it reads (`auth.token`), for the executor's secret watch.
    members: Vec<(String, String)>,
}

impl Program {
    /// The program of `parsed`, the parse of `text`.
    pub fn new(parsed: &Parsed, text: &str) -> Program {
        let members = parsed
            .references(text)
            .into_iter()
            .filter_map(|r| match r {
                crate::Reference::Member { root, field, .. } => {
                    Some((root.to_string(), field.to_string()))
                }
                crate::Reference::Call { .. } => None,
            })
            .collect();
        let mut expr = parsed.expr.clone();
        let mut next_id = 1_000_000;
        rewrite_default(&mut expr, &mut next_id);
        let (mut idents, mut calls) = (Vec::new(), Vec::new());
        names(&expr, &mut idents, &mut calls);
        idents.sort();
        idents.dedup();
        calls.sort();
        calls.dedup();
        Program {
            expr,
            idents,
            calls,
            members,
        }
    }

    /// Whether the expression reads `root.field` (`auth.token`).
    pub fn reads(&self, root: &str, field: &str) -> bool {
        self.members.iter().any(|(r, f)| r == root && f == field)
    }

    /// Evaluates with `vars` in scope (`input`, `app`, `steps`, …).
    pub fn evaluate(
        &self,
        vars: &[(&str, &serde_json::Value)],
        mappings: Arc<dyn Mappings>,
    ) -> Result<serde_json::Value, String> {
        // The standard environment is built once per process, not per evaluation.
        static STDLIB: std::sync::OnceLock<Arc<cel::Env>> = std::sync::OnceLock::new();
        let mut ctx =
            Context::with_env(STDLIB.get_or_init(|| Arc::new(cel::Env::stdlib())).clone());
        for (name, value) in vars
            .iter()
            .filter(|(n, _)| self.idents.iter().any(|i| i == n))
        {
            ctx.add_variable((*name).to_string(), to_cel(value))
                .map_err(|e| format!("{e}"))?;
        }
        add_functions(&mut ctx, &self.calls);
        for name in mappings
            .names()
            .into_iter()
            .filter(|n| self.calls.contains(n))
        {
            let m = mappings.clone();
            let n = name.clone();
            let f = move |Arguments(args): Arguments| -> Result<Value, ExecutionError> {
                let [arg] = args.as_slice() else {
                    return Err(ExecutionError::function_error(
                        &n,
                        "a mapping takes one argument",
                    ));
                };
                let json = to_json(arg).map_err(|e| ExecutionError::function_error(&n, e))?;
                m.call(&n, json)
                    .map(|v| to_cel(&v))
                    .map_err(|e| ExecutionError::function_error(&n, e))
            };
            // A mapping named like a builtin is refused by the checker; skip it here.
            let _ = ctx.add_function(&name, f);
        }
        let value = Value::resolve(&self.expr, &ctx).map_err(|e| self.describe_error(e, &ctx))?;
        to_json(&value)
    }

    /// The error in words, naming the path a missing field was read from (`no field `cursor` in
    /// `input.pagination``) when the expression reads it by a plain path.
    fn describe_error(&self, e: ExecutionError, ctx: &Context) -> String {
        match e {
            ExecutionError::NoSuchKey(k) => match read_from(&self.expr, &k) {
                Some(path) => format!("no field `{k}` in `{path}`"),
                None => format!("no field `{k}`"),
            },
            ExecutionError::NoSuchOverload(_) if e.to_string().contains("null_type") => {
                match null_operand(&self.expr, ctx) {
                    Some((path, field)) => {
                        format!("`{path}` is null, so it has no field `{field}`")
                    }
                    None => e.to_string(),
                }
            }
            // The comparisons are operators as written; only intact's functions are named.
            ExecutionError::FunctionError { function, message } if function.starts_with('@') => {
                message
            }
            ExecutionError::FunctionError { function, message } => {
                format!("in `{function}()`: {message}")
            }
            ExecutionError::IndexOutOfBounds(i) => {
                format!("index {} is out of range", to_json(&i).unwrap_or_default())
            }
            ExecutionError::UndeclaredReference(r) => format!("`{r}` is not defined"),
            other => other.to_string(),
        }
    }
}

/// The path (`input.pagination`) of the first operand in `e` that reads field `key`.
fn read_from(e: &IdedExpr, key: &str) -> Option<String> {
    let found = |operand: &IdedExpr| path_text(operand);
    match &e.expr {
        Expr::Select(s) => read_from(&s.operand, key).or_else(|| {
            (s.field == key && !s.test)
                .then(|| found(&s.operand))
                .flatten()
        }),
        Expr::Call(c) => {
            if c.func_name == "_[_]"
                && c.args.len() == 2
                && matches!(&c.args[1].expr, Expr::Literal(cel::common::ast::LiteralValue::String(s)) if &**s == key)
                && let Some(p) = read_from(&c.args[0], key).or_else(|| found(&c.args[0]))
            {
                return Some(p);
            }
            c.target
                .iter()
                .map(|t| t.as_ref())
                .chain(c.args.iter())
                .find_map(|a| read_from(a, key))
        }
        Expr::List(l) => l.elements.iter().find_map(|x| read_from(x, key)),
        Expr::Map(m) => m.entries.iter().find_map(|en| match &en.expr {
            EntryExpr::MapEntry(me) => {
                read_from(&me.key, key).or_else(|| read_from(&me.value, key))
            }
            _ => None,
        }),
        Expr::Comprehension(c) => [
            &c.iter_range,
            &c.accu_init,
            &c.loop_cond,
            &c.loop_step,
            &c.result,
        ]
        .into_iter()
        .find_map(|x| read_from(x, key)),
        _ => None,
    }
}

/// The first field read (`a.b.c`, innermost first) whose operand is a plain path that is null:
/// (`a.b`, `c`). Evaluated again only after a failure, to say which part was null.
fn null_operand(e: &IdedExpr, ctx: &Context) -> Option<(String, String)> {
    let mut found = None;
    let mut visit = |x: &IdedExpr| {
        if found.is_some() {
            return;
        }
        if let Expr::Select(s) = &x.expr
            && !s.test
            && let Some(path) = path_text(&s.operand)
            && matches!(Value::resolve(&s.operand, ctx), Ok(Value::Null))
        {
            found = Some((path, s.field.clone()));
        }
    };
    walk_innermost_first(e, &mut visit);
    found
}

fn walk_innermost_first(e: &IdedExpr, f: &mut dyn FnMut(&IdedExpr)) {
    match &e.expr {
        Expr::Select(s) => walk_innermost_first(&s.operand, f),
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                walk_innermost_first(t, f);
            }
            c.args.iter().for_each(|a| walk_innermost_first(a, f));
        }
        Expr::List(l) => l.elements.iter().for_each(|x| walk_innermost_first(x, f)),
        Expr::Map(m) => m.entries.iter().for_each(|en| {
            if let EntryExpr::MapEntry(me) = &en.expr {
                walk_innermost_first(&me.key, f);
                walk_innermost_first(&me.value, f);
            }
        }),
        _ => {}
    }
    f(e);
}

/// A plain path (`a.b['k'][0]`) written back as text; `None` for anything else.
fn path_text(e: &IdedExpr) -> Option<String> {
    use cel::common::ast::LiteralValue;
    match &e.expr {
        Expr::Ident(n) => Some(n.clone()),
        Expr::Select(s) if !s.test => Some(format!("{}.{}", path_text(&s.operand)?, s.field)),
        Expr::Call(c) if c.func_name == "_[_]" && c.args.len() == 2 => {
            let key = match &c.args[1].expr {
                Expr::Literal(LiteralValue::String(s)) => format!("'{}'", &**s),
                Expr::Literal(LiteralValue::Int(i)) => i.to_string(),
                _ => return None,
            };
            Some(format!("{}[{key}]", path_text(&c.args[0])?))
        }
        _ => None,
    }
}

/// JSON → CEL.
pub fn to_cel(v: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .or_else(|| n.as_u64().map(Value::UInt))
            .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN))),
        J::String(s) => Value::String(Arc::new(s.clone())),
        J::Array(a) => Value::List(Arc::new(a.iter().map(to_cel).collect())),
        J::Object(o) => {
            let map: std::collections::HashMap<String, Value> =
                o.iter().map(|(k, v)| (k.clone(), to_cel(v))).collect();
            Value::Map(map.into())
        }
    }
}

/// CEL → JSON.
pub fn to_json(v: &Value) -> Result<serde_json::Value, String> {
    v.json().map_err(|e| format!("{e}"))
}

fn string_arg(v: &Value, f: &str) -> Result<Arc<String>, ExecutionError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => Err(ExecutionError::function_error(
            f,
            format!("expected a string, found {:?}", other.type_of()),
        )),
    }
}

/// Every identifier and function name an expression uses (comprehension variables included; they
/// are simply not found among the variables).
fn names(e: &IdedExpr, idents: &mut Vec<String>, calls: &mut Vec<String>) {
    match &e.expr {
        Expr::Ident(n) => idents.push(n.clone()),
        Expr::Select(s) => names(&s.operand, idents, calls),
        Expr::Call(c) => {
            calls.push(c.func_name.clone());
            if let Some(t) = &c.target {
                names(t, idents, calls);
            }
            c.args.iter().for_each(|a| names(a, idents, calls));
        }
        Expr::List(l) => l.elements.iter().for_each(|x| names(x, idents, calls)),
        Expr::Map(m) => m.entries.iter().for_each(|en| {
            if let EntryExpr::MapEntry(me) = &en.expr {
                names(&me.key, idents, calls);
                names(&me.value, idents, calls);
            }
        }),
        Expr::Comprehension(c) => {
            for x in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                names(x, idents, calls);
            }
        }
        _ => {}
    }
}

/// Registers intact's functions that `used` names.
fn add_functions(ctx: &mut Context, used: &[String]) {
    let used = |f: &str| used.iter().any(|u| u == f);
    if used("lower") {
        let _ = ctx.add_function("lower", |This(s): This<Arc<String>>| s.to_lowercase());
    }
    if used("upper") {
        let _ = ctx.add_function("upper", |This(s): This<Arc<String>>| s.to_uppercase());
    }
    if used("trim") {
        let _ = ctx.add_function("trim", |This(s): This<Arc<String>>| s.trim().to_string());
    }
    if used("split") {
        let _ = ctx.add_function(
            "split",
            |This(s): This<Arc<String>>, sep: Arc<String>| -> Value {
                Value::List(Arc::new(
                    s.split(sep.as_str())
                        .map(|p| Value::String(Arc::new(p.to_string())))
                        .collect(),
                ))
            },
        );
    }
    if used("join") {
        let _ = ctx.add_function(
            "join",
            |This(list): This<Arc<Vec<Value>>>,
             sep: Arc<String>|
             -> Result<Value, ExecutionError> {
                let parts: Result<Vec<String>, ExecutionError> =
                    list.iter().map(|v| text("join", v)).collect();
                Ok(Value::String(Arc::new(parts?.join(sep.as_str()))))
            },
        );
    }
    if used("replace") {
        let _ = ctx.add_function(
            "replace",
            |This(s): This<Arc<String>>, from: Arc<String>, to: Arc<String>| {
                s.replace(from.as_str(), to.as_str())
            },
        );
    }
    if used("base64_encode") {
        let _ = ctx.add_function("base64_encode", |This(s): This<Arc<String>>| {
            base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
        });
    }
    if used("base64_decode") {
        let _ = ctx.add_function(
            "base64_decode",
            |This(s): This<Arc<String>>| -> Result<Value, ExecutionError> {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(s.as_bytes())
                    .map_err(|e| ExecutionError::function_error("base64_decode", e))?;
                let text = String::from_utf8(bytes).map_err(|_| {
                    ExecutionError::function_error(
                        "base64_decode",
                        "the decoded bytes are not UTF-8 text",
                    )
                })?;
                Ok(Value::String(Arc::new(text)))
            },
        );
    }
    if used("url_encode") {
        let _ = ctx.add_function("url_encode", |This(s): This<Arc<String>>| {
            percent_encoding::utf8_percent_encode(s.as_str(), percent_encoding::NON_ALPHANUMERIC)
                .to_string()
        });
    }
    if used("json_encode") {
        let _ = ctx.add_function(
            "json_encode",
            |Arguments(args): Arguments| -> Result<Value, ExecutionError> {
                let [v] = args.as_slice() else {
                    return Err(ExecutionError::function_error(
                        "json_encode",
                        "takes one argument",
                    ));
                };
                let json =
                    to_json(v).map_err(|e| ExecutionError::function_error("json_encode", e))?;
                Ok(Value::String(Arc::new(json.to_string())))
            },
        );
    }
    if used("json_decode") {
        let _ = ctx.add_function(
            "json_decode",
            |Arguments(args): Arguments| -> Result<Value, ExecutionError> {
                let [v] = args.as_slice() else {
                    return Err(ExecutionError::function_error(
                        "json_decode",
                        "takes one argument",
                    ));
                };
                let s = string_arg(v, "json_decode")?;
                let json: serde_json::Value = serde_json::from_str(&s)
                    .map_err(|e| ExecutionError::function_error("json_decode", e))?;
                Ok(to_cel(&json))
            },
        );
    }
    if used("now") {
        let _ = ctx.add_function("now", || {
            humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
        });
    }
    if used("uuid") {
        let _ = ctx.add_function("uuid", || uuid::Uuid::new_v4().to_string());
    }
    if used(HAS_INDEX) {
        let _ = ctx.add_function(HAS_INDEX, has_index);
    }
    for (_, function, op) in COMPARISONS.into_iter().filter(|(_, f, _)| used(f)) {
        let _ = ctx.add_function(function, move |Arguments(args): Arguments| {
            compare(function, op, &args)
        });
    }
}

/// A JSON value as text, as templates, queries and headers convert it: strings as they are, null as
/// nothing, numbers and booleans as written, the rest as JSON.
pub fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Why JSON text could not be read, in words: serde_json stops at 128 levels of nesting, which is
/// valid JSON, only deeper than intact reads; anything else is not JSON.
pub fn json_error(e: &serde_json::Error) -> String {
    if e.to_string().contains("recursion limit") {
        format!("nests deeper than the 128 levels intact reads ({e})")
    } else {
        format!("is not JSON: {e}")
    }
}

/// A CEL value as text, by the rules of [`json_text`].
pub fn text(f: &str, v: &Value) -> Result<String, ExecutionError> {
    match v {
        Value::String(s) => Ok(s.to_string()),
        other => to_json(other)
            .map(|j| json_text(&j))
            .map_err(|e| ExecutionError::function_error(f, e)),
    }
}

fn node(id: &mut u64, expr: Expr) -> IdedExpr {
    *id += 1;
    IdedExpr { id: *id, expr }
}

fn call(id: &mut u64, name: &str, args: Vec<IdedExpr>) -> IdedExpr {
    node(
        id,
        Expr::Call(CallExpr {
            func_name: name.into(),
            target: None,
            args,
        }),
    )
}

/// The internal function that tells whether `container[key]` exists: a map holding the key, or a
/// list with the index in range. Keys can be any expression (`{'a': 1}[it.type]`), so whether the
/// container is a map or a list is only known at run time.
const HAS_INDEX: &str = "@intact_has_index";

/// For the path `a.b[k][0]`, the conditions under which each step exists and is not null:
/// `has(a.b)`, `@intact_has_index(a.b, k)`, each followed by `… != null`. The root of a path may
/// be any expression (a name, a map literal, a call). `None` when `e` is not a path at all.
fn path_conditions(e: &IdedExpr, id: &mut u64) -> Option<Vec<IdedExpr>> {
    use cel::common::ast::LiteralValue;
    let null = |id: &mut u64| node(id, Expr::Literal(LiteralValue::Null));
    // The operand of a step: a path itself, or the root of one (no conditions of its own).
    let operand_conditions =
        |operand: &IdedExpr, id: &mut u64| path_conditions(operand, id).unwrap_or_default();
    match &e.expr {
        Expr::Ident(_) => Some(Vec::new()),
        Expr::Select(s) if !s.test => {
            let mut v = operand_conditions(&s.operand, id);
            v.push(node(
                id,
                Expr::Select(SelectExpr {
                    operand: s.operand.clone(),
                    field: s.field.clone(),
                    test: true,
                }),
            ));
            let n = null(id);
            v.push(call(id, "_!=_", vec![e.clone(), n]));
            Some(v)
        }
        Expr::Call(c) if c.func_name == "_[_]" && c.target.is_none() && c.args.len() == 2 => {
            let (operand, key) = (&c.args[0], &c.args[1]);
            let mut v = operand_conditions(operand, id);
            v.push(call(id, HAS_INDEX, vec![operand.clone(), key.clone()]));
            let n = null(id);
            v.push(call(id, "_!=_", vec![e.clone(), n]));
            Some(v)
        }
        _ => None,
    }
}

/// `@intact_has_index(container, key)`.
fn has_index(Arguments(args): Arguments) -> Result<Value, ExecutionError> {
    let [container, key] = args.as_slice() else {
        return Err(ExecutionError::function_error(
            HAS_INDEX,
            "takes two arguments",
        ));
    };
    let found = match (container, key) {
        (Value::Map(m), key) => {
            let key: Result<cel::objects::Key, _> = key.clone().try_into();
            key.is_ok_and(|k| m.get(&k).is_some())
        }
        (Value::List(l), Value::Int(i)) => usize::try_from(*i).is_ok_and(|i| i < l.len()),
        (Value::List(l), Value::UInt(i)) => usize::try_from(*i).is_ok_and(|i| i < l.len()),
        _ => false,
    };
    Ok(Value::Bool(found))
}

/// CEL's comparisons, and the functions that replace them: CEL answers `true == 'true'` with
/// `false`, which would send an active user as inactive, so a comparison of values of different
/// types fails the run instead (the checker reports it where the types are known).
const COMPARISONS: [(&str, &str, &str); 6] = [
    ("_==_", "@intact_eq", "=="),
    ("_!=_", "@intact_ne", "!="),
    ("_<_", "@intact_lt", "<"),
    ("_<=_", "@intact_le", "<="),
    ("_>_", "@intact_gt", ">"),
    ("_>=_", "@intact_ge", ">="),
];

fn checked_comparison(operator: &str) -> Option<&'static str> {
    COMPARISONS
        .iter()
        .find(|(op, _, _)| *op == operator)
        .map(|(_, f, _)| *f)
}

/// What a comparison tells apart: every number is one kind; `None` for `null`, which an
/// optional value is compared with to test it.
fn comparison_kind(v: &Value) -> Option<&'static str> {
    match v {
        Value::Null => None,
        Value::Int(_) | Value::UInt(_) | Value::Float(_) => Some("number"),
        Value::String(_) => Some("string"),
        Value::Bool(_) => Some("boolean"),
        Value::List(_) => Some("list"),
        Value::Map(_) => Some("map"),
        Value::Bytes(_) => Some("bytes"),
        _ => Some("other"),
    }
}

/// A value's type in words, never its value (it may be a secret).
fn describe_value(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Int(_) | Value::UInt(_) => "an integer",
        Value::Float(_) => "a number",
        Value::String(_) => "a string",
        Value::Bool(_) => "a boolean",
        Value::List(_) => "a list",
        Value::Map(_) => "an object",
        Value::Bytes(_) => "bytes",
        _ => "a value of another type",
    }
}

/// `a OP b`, refusing values CEL would not convert: the run fails naming both types.
fn compare(function: &str, op: &str, args: &[Value]) -> Result<Value, ExecutionError> {
    let [a, b] = args else {
        return Err(ExecutionError::function_error(function, "takes two values"));
    };
    let refuse = |why: &str| {
        let (a, b) = (describe_value(a), describe_value(b));
        ExecutionError::function_error(
            function,
            format!("cannot compare {a} with {b} (`{op}`): {why}"),
        )
    };
    if let (Some(x), Some(y)) = (comparison_kind(a), comparison_kind(b))
        && x != y
    {
        return Err(refuse(
            "values of different types are never equal, and intact does not guess; convert one side (`string(x)`, `int(x)`)",
        ));
    }
    let ordered = || {
        a.partial_cmp(b)
            .ok_or_else(|| refuse("only numbers, strings and booleans are ordered"))
    };
    Ok(Value::Bool(match op {
        "==" => a == b,
        "!=" => a != b,
        "<" => ordered()?.is_lt(),
        "<=" => ordered()?.is_le(),
        ">" => ordered()?.is_gt(),
        _ => ordered()?.is_ge(),
    }))
}

/// Rewrites `default(…)` (see the module's doc) and the comparisons (see [`COMPARISONS`]).
fn rewrite_default(e: &mut IdedExpr, id: &mut u64) {
    // Children first, so nested defaults are rewritten too.
    match &mut e.expr {
        Expr::Call(c) => {
            if let Some(t) = c.target.as_deref_mut() {
                rewrite_default(t, id);
            }
            c.args.iter_mut().for_each(|a| rewrite_default(a, id));
        }
        Expr::Select(s) => rewrite_default(&mut s.operand, id),
        Expr::List(l) => l.elements.iter_mut().for_each(|x| rewrite_default(x, id)),
        Expr::Map(m) => m.entries.iter_mut().for_each(|en| {
            if let EntryExpr::MapEntry(me) = &mut en.expr {
                rewrite_default(&mut me.key, id);
                rewrite_default(&mut me.value, id);
            }
        }),
        Expr::Comprehension(c) => {
            for x in [
                &mut c.iter_range,
                &mut c.accu_init,
                &mut c.loop_cond,
                &mut c.loop_step,
                &mut c.result,
            ] {
                rewrite_default(x, id);
            }
        }
        _ => {}
    }
    if let Expr::Call(c) = &mut e.expr
        && c.target.is_none()
        && let Some(checked) = checked_comparison(&c.func_name)
    {
        c.func_name = checked.into();
        return;
    }
    // `has(a.b.c)` is false, not an error, when `a.b` is absent or null: the guard
    // `if "${!has(input.pagination.cursor)}"` must hold on the first page, which has no
    // `pagination`.
    if let Expr::Select(s) = &e.expr
        && s.test
        && let Some(mut conditions) = path_conditions(&s.operand, id)
        && !conditions.is_empty()
    {
        conditions.push(e.clone());
        *e = conditions
            .into_iter()
            .reduce(|a, b| call(id, "_&&_", vec![a, b]))
            .expect("not empty");
        return;
    }
    let Expr::Call(c) = &e.expr else { return };
    if c.func_name != "default" || c.target.is_some() || c.args.len() != 2 {
        return;
    }
    let (value, fallback) = (c.args[0].clone(), c.args[1].clone());
    let conditions = match path_conditions(&value, id) {
        Some(c) => c,
        None => {
            let n = node(id, Expr::Literal(cel::common::ast::LiteralValue::Null));
            vec![call(id, "_!=_", vec![value.clone(), n])]
        }
    };
    let cond = conditions
        .into_iter()
        .reduce(|a, b| call(id, "_&&_", vec![a, b]))
        .unwrap_or_else(|| {
            node(
                id,
                Expr::Literal(cel::common::ast::LiteralValue::Boolean(true.into())),
            )
        });
    let ternary = call(id, "_?_:_", vec![cond, value, fallback]);
    *e = ternary;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(src: &str, input: serde_json::Value) -> Result<serde_json::Value, String> {
        let p = crate::parse(src).unwrap();
        Program::new(&p, src).evaluate(&[("input", &input)], Arc::new(NoMappings))
    }

    #[test]
    fn default_catches_missing_paths() {
        assert_eq!(
            eval("default(input.pagination.cursor, '1')", json!({})),
            Ok(json!("1"))
        );
        assert_eq!(
            eval(
                "default(input.pagination.cursor, '1')",
                json!({"pagination": null})
            ),
            Ok(json!("1"))
        );
        assert_eq!(
            eval(
                "default(input.pagination.cursor, '1')",
                json!({"pagination": {"cursor": "7"}})
            ),
            Ok(json!("7"))
        );
        assert_eq!(
            eval("default(input.limit, 100) + 1", json!({"limit": 5})),
            Ok(json!(6))
        );
        assert_eq!(
            eval("input.pagination.cursor", json!({})),
            Err("no field `pagination` in `input`".into())
        );
        assert_eq!(
            eval("input.pagination.cursor", json!({"pagination": {}})),
            Err("no field `cursor` in `input.pagination`".into())
        );
        assert_eq!(
            eval("input.pagination.cursor", json!({"pagination": null})),
            Err("`input.pagination` is null, so it has no field `cursor`".into())
        );
        assert_eq!(
            eval("size(input['urn:x'].a) > 0", json!({"urn:x": {}})),
            Err("no field `a` in `input['urn:x']`".into())
        );
        assert_eq!(
            eval("default(input['urn:x'].a, 'none')", json!({})),
            Ok(json!("none"))
        );
        assert_eq!(
            eval("default(input['urn:x'], {})", json!({"urn:x": {"a": 1}})),
            Ok(json!({"a": 1}))
        );
        assert_eq!(
            eval("default(input.list[1], 0)", json!({"list": [5]})),
            Ok(json!(0))
        );
        // A key computed at run time, on a map literal or a list.
        let it = json!({"type": "string", "i": 3});
        assert_eq!(
            eval(
                "default({'boolean': 'BOOLEAN'}[input.type], 'STRING')",
                it.clone()
            ),
            Ok(json!("STRING"))
        );
        assert_eq!(
            eval(
                "default({'string': 'TEXT'}[input.type], 'STRING')",
                it.clone()
            ),
            Ok(json!("TEXT"))
        );
        assert_eq!(
            eval("default([1, 2][input.i], 0)", it.clone()),
            Ok(json!(0))
        );
        assert_eq!(
            eval("default(input.missing[input.type].x, 'none')", it.clone()),
            Ok(json!("none"))
        );
        assert_eq!(
            eval("default(input['type'][0], 'none')", it),
            Ok(json!("none"))
        );
    }

    #[test]
    fn functions_macros_and_literals() {
        let input = json!({"users": [{"email": "A@x.io", "status": "active"}, {"email": "b@x.io", "status": "gone"}]});
        assert_eq!(
            eval(
                "input.users.filter(u, u.status == 'active').map(u, lower(u.email))",
                input.clone()
            ),
            Ok(json!(["a@x.io"]))
        );
        assert_eq!(
            eval(
                "size(input.users) > 1 ? {'n': size(input.users)} : null",
                input.clone()
            ),
            Ok(json!({"n": 2}))
        );
        assert_eq!(
            eval("join(split('a,b', ','), '-')", json!({})),
            Ok(json!("a-b"))
        );
        assert_eq!(
            eval("'x'.upper() + replace('aa', 'a', 'b')", json!({})),
            Ok(json!("Xbb"))
        );
        assert_eq!(
            eval("base64_decode(base64_encode('hé'))", json!({})),
            Ok(json!("hé"))
        );
        assert_eq!(
            eval("url_encode('a b/c')", json!({})),
            Ok(json!("a%20b%2Fc"))
        );
        assert_eq!(
            eval("json_decode(json_encode({'a': [1]})).a[0]", json!({})),
            Ok(json!(1))
        );
        assert_eq!(eval("size(uuid())", json!({})), Ok(json!(36)));
        assert!(
            eval("now()", json!({}))
                .unwrap()
                .as_str()
                .unwrap()
                .ends_with('Z')
        );
    }

    struct Upper;
    impl Mappings for Upper {
        fn names(&self) -> Vec<String> {
            vec!["shout".into()]
        }
        fn call(&self, _: &str, arg: serde_json::Value) -> Result<serde_json::Value, String> {
            Ok(json!({"said": arg.as_str().unwrap_or("").to_uppercase()}))
        }
    }

    #[test]
    fn type_values_compare_at_run_time() {
        let input = json!({"n": 5, "s": "x", "o": {"a": 1}, "l": [1]});
        assert_eq!(
            eval(
                "[type(input.n) == int, type(input.s) == string, type(input.o) == map, type(input.l) == list]",
                input.clone()
            ),
            Ok(json!([true, true, true, true]))
        );
        assert_eq!(eval("type(input.n)", input), Ok(json!("int")));
    }

    /// A guard names the field it tests; what lies on the way to it may be absent too.
    #[test]
    fn has_is_false_when_the_path_to_the_field_is_absent() {
        for (input, found) in [
            (json!({}), false),
            (json!({"pagination": null}), false),
            (json!({"pagination": {}}), false),
            (json!({"pagination": {"cursor": "7"}}), true),
        ] {
            assert_eq!(
                eval("has(input.pagination.cursor)", input.clone()),
                Ok(json!(found)),
                "{input}"
            );
            assert_eq!(
                eval(
                    "!has(input.pagination.cursor) ? '' : input.pagination.cursor",
                    input.clone()
                ),
                Ok(json!(if found { "7" } else { "" })),
                "{input}"
            );
        }
        assert_eq!(eval("has(input.a)", json!({"a": 1})), Ok(json!(true)));
    }

    /// CEL answers `true == 'true'` with false; intact fails the run naming both types, since
    /// either answer would be a guess (an active user sent as inactive).
    #[test]
    fn comparisons_of_different_types_fail() {
        let input = json!({"active": true, "n": 5, "s": "x", "l": [1], "o": {"a": 1}});
        for (text, types) in [
            ("input.active == 'true'", "a boolean with a string (`==`)"),
            ("input.n == 'x'", "an integer with a string (`==`)"),
            ("input.s != 1", "a string with an integer (`!=`)"),
            ("input.n < 'x'", "an integer with a string (`<`)"),
            ("input.o == input.l", "an object with a list (`==`)"),
            ("input.l < input.l", "a list with a list (`<`)"),
        ] {
            let e = eval(text, input.clone()).unwrap_err();
            let why = if text.contains("input.l < ") {
                "ordered"
            } else {
                "never equal"
            };
            assert!(e.contains(why), "{text}: {e}");
            assert!(
                e.starts_with(&format!("cannot compare {types}")),
                "{text}: {e}"
            );
            assert!(!e.contains("@intact"), "{e}");
        }
        for (text, value) in [
            ("input.active == true", true),
            ("input.n == 5.0", true),
            ("input.n < 5.5", true),
            ("input.s >= 'x'", true),
            ("input.s == null", false),
            ("input.missing_or_null == null", true),
            ("input.l == [1]", true),
            ("input.o != {'a': 2}", true),
            ("default(input.cursor, '') == ''", true),
        ] {
            let input = json!({"active": true, "n": 5, "s": "x", "l": [1], "o": {"a": 1}, "missing_or_null": null});
            assert_eq!(eval(text, input), Ok(json!(value)), "{text}");
        }
    }

    #[test]
    fn mappings_are_functions() {
        let p = crate::parse("shout(input.x).said").unwrap();
        let input = json!({"x": "hi"});
        assert_eq!(
            Program::new(&p, "shout(input.x).said").evaluate(&[("input", &input)], Arc::new(Upper)),
            Ok(json!("HI"))
        );
    }
}
