//! Type inference for one expression, reporting what is wrong where.
//!
//! Nothing is reported about a `Dyn` value: an untyped response body may hold anything.
//!
//! Long file: inference is one recursive walk of CEL's tree with a case per operator, method and
//! function; splitting the cases would scatter one `match`.

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};

use crate::Parsed;
use crate::functions::{self, Param, Returns};
use crate::types::Type;

/// What is in scope for an expression.
#[derive(Clone, Debug, Default)]
pub struct Env {
    /// Root names (`input`, `app`, `auth`, `steps`, `item`, …) and their types.
    pub vars: Vec<(String, Type)>,
    /// Steps of the same action or flow that have not run where the expression stands.
    pub later_steps: Vec<String>,
    /// Mappings callable as functions, with the type of what they build.
    /// Shared: one project has hundreds of mappings and every expression's scope sees them all.
    pub mappings: std::sync::Arc<std::collections::HashMap<String, Type>>,
    /// Paths known to be present where the expression stands (`input.pagination`), from the
    /// guards around it: an `if "${has(…)}"` it is inside, an `if "${!has(…)}" { return }` before.
    pub present: Vec<String>,
}

impl Env {
    pub fn var(&self, name: &str) -> Option<&Type> {
        self.vars.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }
}

/// What kind of problem an expression has: each is a rule of docs/rules (`expr::type`, …), which
/// the checker maps to its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IssueCode {
    Type,
    UnknownName,
    UnknownField,
    UnknownFunction,
    Arguments,
    OptionalField,
    StepOrder,
}

/// A problem found in an expression: its kind, and its byte range in the expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    pub code: IssueCode,
    pub start: usize,
    pub end: usize,
    pub message: String,
    pub help: Option<String>,
    /// A replacement for the range (did-you-mean), for quick fixes.
    pub replacement: Option<String>,
    /// Whether the replacement keeps the meaning (a did-you-mean) rather than choosing a value
    /// for the user (a fallback), which a "fix all" must not apply unasked.
    pub safe: bool,
}

/// The type of a parsed expression in `env`; problems go to `issues`.
pub fn infer(parsed: &Parsed, text: &str, env: &Env, issues: &mut Vec<Issue>) -> Type {
    let mut cx = Infer {
        parsed,
        text,
        env,
        issues,
        locals: Vec::new(),
        narrowed: Vec::new(),
        defaulted: 0,
    };
    cx.expr(&parsed.expr)
}

/// The paths an expression, as a condition, shows present when it is `when`: `has(input.a.b)`
/// shows `input.a.b` (and so `input.a`) when true; `!has(x)` shows `x` when false; `a && b`
/// what both show when true, `a || b` what both show when false.
pub fn facts(parsed: &Parsed, when: bool) -> Vec<String> {
    let mut out = Vec::new();
    facts_of(&parsed.expr, when, &mut out);
    out
}

fn facts_of(e: &IdedExpr, when: bool, out: &mut Vec<String>) {
    match &e.expr {
        Expr::Select(s) if s.test && when => {
            if let Some(p) = path_of(&s.operand) {
                present(&format!("{p}.{}", s.field), out);
            }
        }
        Expr::Call(c) if c.target.is_none() => match (c.func_name.as_str(), c.args.as_slice()) {
            ("!_", [a]) => facts_of(a, !when, out),
            ("_&&_", [a, b]) if when => {
                facts_of(a, true, out);
                facts_of(b, true, out);
            }
            ("_||_", [a, b]) if !when => {
                facts_of(a, false, out);
                facts_of(b, false, out);
            }
            // `default(p, X) == X` is false, or `default(p, X) != X` true, only when `p` is there.
            ("_==_", [a, b]) if !when => defaulted_compare(a, b, out),
            ("_!=_", [a, b]) if when => defaulted_compare(a, b, out),
            _ => {}
        },
        _ => {}
    }
}

/// `default(p, X)` compared with the same literal `X`, either way round: `p` is present when
/// they differ.
fn defaulted_compare(a: &IdedExpr, b: &IdedExpr, out: &mut Vec<String>) {
    for (call, other) in [(a, b), (b, a)] {
        if let Expr::Call(c) = &call.expr
            && c.func_name == "default"
            && c.target.is_none()
            && let [p, fallback] = c.args.as_slice()
            && let (Expr::Literal(x), Expr::Literal(y)) = (&fallback.expr, &other.expr)
            && x == y
            && let Some(path) = path_of(p)
        {
            present(&path, out);
        }
    }
}

/// `path` and every path it passes through (`input.a.b` → `input.a.b`, `input.a`).
fn present(path: &str, out: &mut Vec<String>) {
    let mut p = path;
    loop {
        if !out.iter().any(|x| x == p) {
            out.push(p.to_string());
        }
        match p.rsplit_once('.') {
            Some((head, _)) if head.contains('.') => p = head,
            _ => return,
        }
    }
}

/// The source text of a name path (`input.user`, `steps.get.body`), if the expression is one.
fn path_of(e: &IdedExpr) -> Option<String> {
    match &e.expr {
        Expr::Ident(n) => Some(n.clone()),
        Expr::Select(s) if !s.test => Some(format!("{}.{}", path_of(&s.operand)?, s.field)),
        _ => None,
    }
}

struct Infer<'a> {
    parsed: &'a Parsed,
    text: &'a str,
    env: &'a Env,
    issues: &'a mut Vec<Issue>,
    locals: Vec<(String, Type)>,
    /// Paths shown present by the condition around (`has(x) ? x.a : …`, `has(x) && x.a`).
    narrowed: Vec<String>,
    /// Inside the first argument of `default(…)`: an absent field there is the point.
    defaulted: usize,
}

use crate::suggest;

impl Infer<'_> {
    fn range(&self, e: &IdedExpr) -> (usize, usize) {
        self.parsed.range(e.id).unwrap_or((0, self.text.len()))
    }

    /// The text the whole of `e` covers: a node's own range is its operator or last name only.
    fn extent(&self, e: &IdedExpr) -> (usize, usize) {
        let (mut start, mut end) = self.range(e);
        let mut widen = |(s, t): (usize, usize)| {
            start = start.min(s);
            end = end.max(t);
        };
        match &e.expr {
            Expr::Select(s) => {
                widen(self.extent(&s.operand));
                widen(self.name_span(&s.field, self.range(e).0 + 1));
            }
            Expr::Call(c) => {
                // A function's node is its `(`; its name is before it.
                if c.target.is_none() && !c.func_name.starts_with(['_', '@']) {
                    widen(self.name_span(&c.func_name, self.range(e).0.saturating_sub(1)));
                }
                for a in c.target.iter().map(|t| &**t).chain(&c.args) {
                    widen(self.extent(a));
                }
            }
            Expr::List(l) => l.elements.iter().for_each(|x| widen(self.extent(x))),
            _ => {}
        }
        // Brackets the tree does not keep: a call's `)`, an operand's own parentheses.
        let open = |s: &str| s.matches('(').count();
        let close = |s: &str| s.matches(')').count();
        while self.text[end..].starts_with(')')
            && open(&self.text[start..end]) > close(&self.text[start..end])
        {
            end += 1;
        }
        while self.text[..start].ends_with('(')
            && close(&self.text[start..end]) > open(&self.text[start..end])
        {
            start -= 1;
        }
        (start, end)
    }

    /// The span of `name` written at or after `from` (a field after its dot, a function name).
    fn name_span(&self, name: &str, around: usize) -> (usize, usize) {
        let mut best: Option<(usize, usize)> = None;
        let mut i = 0;
        while let Some(pos) = self.text[i..].find(name) {
            let s = i + pos;
            let dist = s.abs_diff(around);
            if best.is_none_or(|(b, _)| dist < b.abs_diff(around)) {
                best = Some((s, s + name.len()));
            }
            i = s + name.len().max(1);
            if i >= self.text.len() {
                break;
            }
        }
        best.unwrap_or((around.min(self.text.len()), around.min(self.text.len())))
    }

    /// The source text of a name path (`input.user`, `steps.get.body`), if the expression is one.
    fn path_text(&self, e: &IdedExpr) -> Option<String> {
        path_of(e)
    }

    /// A read of `path.field` (the select `e`) that the schema does not require: reported unless
    /// a guard shows it present or `default(…)` takes it (`expr::optional-field`).
    fn optional_read(
        &mut self,
        e: &IdedExpr,
        operand: &IdedExpr,
        owner: &str,
        field: &crate::Field,
    ) {
        if self.defaulted > 0 {
            return;
        }
        // A local (`item`, a lambda's variable) is the list's element: `has` on it is the guard,
        // and paths through an index or a call cannot be named by one; only scope paths count.
        let Some(base) = self.path_text(operand) else {
            return;
        };
        let path = format!("{base}.{}", field.name);
        let root = path.split('.').next().unwrap_or("");
        if self.locals.iter().any(|(n, _)| n == root)
            || self
                .narrowed
                .iter()
                .chain(&self.env.present)
                .any(|p| *p == path)
        {
            return;
        }
        let mut root_expr = operand;
        while let Expr::Select(s) = &root_expr.expr {
            root_expr = &s.operand;
        }
        let start = self.range(root_expr).0;
        let dot = self.range(e).0;
        let end = self.name_span(&field.name, dot + 1).1;
        let fallback = match &field.ty {
            Type::String => "''",
            Type::Int => "0",
            Type::Double => "0.0",
            Type::Bool => "false",
            Type::List(_) => "[]",
            Type::Map(_) | Type::Object(_) => "{}",
            _ => "null",
        };
        let whose = if owner.is_empty() {
            "its schema".to_string()
        } else {
            owner.to_string()
        };
        self.issues.push(Issue {
            code: IssueCode::OptionalField,
            start,
            end,
            message: format!(
                "`{path}` may be absent: {whose} does not require `{}`",
                field.name
            ),
            help: Some(format!(
                "read it as `default({path}, {fallback})`, or guard it: `has({path}) ? … : …`, or `if \"${{!has({path})}}\" {{ return … }}` before"
            )),
            replacement: Some(format!("default({path}, {fallback})")),
            safe: false,
        });
    }

    fn issue(
        &mut self,
        code: IssueCode,
        (start, end): (usize, usize),
        message: String,
        help: Option<String>,
        replacement: Option<String>,
    ) {
        self.issues.push(Issue {
            code,
            start,
            end,
            message,
            help,
            replacement,
            safe: true,
        });
    }

    fn lookup(&self, name: &str) -> Option<Type> {
        self.locals
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
            .or_else(|| self.env.var(name).cloned())
    }

    fn expr(&mut self, e: &IdedExpr) -> Type {
        match &e.expr {
            Expr::Literal(l) => match l {
                LiteralValue::Boolean(_) => Type::Bool,
                LiteralValue::Int(_) | LiteralValue::UInt(_) => Type::Int,
                LiteralValue::Double(_) => Type::Double,
                LiteralValue::String(_) => Type::String,
                LiteralValue::Null => Type::Null,
                LiteralValue::Bytes(_) => Type::Dyn,
            },
            Expr::Ident(name) => self.ident(e, name),
            Expr::Select(s) => self.select(e, s),
            Expr::Call(c) => self.call(e, &c.func_name, c.target.as_deref(), &c.args),
            Expr::List(l) => {
                let mut t: Option<Type> = None;
                for el in &l.elements {
                    let et = self.expr(el);
                    t = Some(match t {
                        None => et,
                        Some(prev) => prev.join(&et),
                    });
                }
                Type::list(t.unwrap_or(Type::Dyn))
            }
            Expr::Map(m) => {
                let mut fields = Vec::new();
                let mut all_literal_keys = true;
                let mut value_type: Option<Type> = None;
                for entry in &m.entries {
                    if let EntryExpr::MapEntry(me) = &entry.expr {
                        let vt = self.expr(&me.value);
                        let kt = self.expr(&me.key);
                        match &me.key.expr {
                            Expr::Literal(LiteralValue::String(s)) => fields.push(crate::Field {
                                name: s.to_string(),
                                ty: vt.clone(),
                                required: true,
                                description: None,
                                allowed: None,
                            }),
                            _ => {
                                all_literal_keys = false;
                                let _ = kt;
                            }
                        }
                        value_type = Some(value_type.map_or(vt.clone(), |p| p.join(&vt)));
                    }
                }
                if all_literal_keys && !fields.is_empty() {
                    Type::object("", fields, None)
                } else {
                    Type::Map(Box::new(value_type.unwrap_or(Type::Dyn)))
                }
            }
            Expr::Comprehension(c) => {
                let range = self.expr(&c.iter_range);
                let elem = match &range {
                    Type::List(t) => (**t).clone(),
                    Type::Map(_) | Type::Object(_) => Type::String,
                    Type::Dyn => Type::Dyn,
                    other => {
                        let msg = format!(
                            "{} cannot be iterated; `map`, `filter`, `exists` and `all` need a list",
                            other.describe()
                        );
                        self.issue(IssueCode::Type, self.range(&c.iter_range), msg, None, None);
                        Type::Dyn
                    }
                };
                let base = self.locals.len();
                match &c.iter_var2 {
                    Some(v2) => {
                        self.locals.push((c.iter_var.clone(), Type::Int));
                        self.locals.push((v2.clone(), elem));
                    }
                    None => self.locals.push((c.iter_var.clone(), elem)),
                }
                let init = self.expr(&c.accu_init);
                self.locals.push((c.accu_var.clone(), init.clone()));
                self.expr(&c.loop_cond);
                let step = self.expr(&c.loop_step);
                // The accumulator takes the type its step builds (`map` starts from an empty list).
                let accu = match (&init, &step) {
                    (Type::List(_), Type::List(_)) => step,
                    _ => init.join(&step),
                };
                let last = self.locals.len() - 1;
                self.locals[last].1 = accu;
                let result = self.expr(&c.result);
                self.locals.truncate(base);
                result
            }
            Expr::Struct(_) | Expr::Unspecified => Type::Dyn,
        }
    }

    // Out of `expr`, whose frame is on the stack once per level of a chain (`.a.a…`).
    #[inline(never)]
    fn select(&mut self, e: &IdedExpr, s: &cel::common::ast::SelectExpr) -> Type {
        // `has(a.b.c)` is false when `a.b` is absent (the evaluator makes it so): reading the
        // path to the field tested is the point of the guard.
        self.defaulted += usize::from(s.test);
        let operand = self.expr(&s.operand);
        self.defaulted -= usize::from(s.test);
        let dot = self.range(e).0;
        let span = self.name_span(&s.field, dot + 1);
        let t = self.field(&s.operand, &operand, &s.field, span);
        if !s.test
            && let Type::Object(o) = &operand
            && let Some(f) = o.field(&s.field).filter(|f| !f.required)
        {
            self.optional_read(e, &s.operand, &o.name, f);
        }
        if s.test { Type::Bool } else { t }
    }

    fn ident(&mut self, e: &IdedExpr, name: &str) -> Type {
        if let Some(t) = self.lookup(name) {
            return t;
        }
        // CEL's type values, for `type(x) == int`; a variable of the same name wins (above).
        if name.starts_with('@') || crate::functions::TYPE_NAMES.contains(&name) {
            return Type::Dyn;
        }
        let names: Vec<String> = self
            .locals
            .iter()
            .map(|(n, _)| n.clone())
            .chain(self.env.vars.iter().map(|(n, _)| n.clone()))
            .collect();
        let best = suggest(name, names.iter().map(String::as_str)).map(str::to_string);
        let in_scope = self
            .env
            .vars
            .iter()
            .map(|(n, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let help = match &best {
            Some(b) => format!("did you mean `{b}`?"),
            None => format!("names in scope here: {in_scope}; a string needs quotes: '{name}'"),
        };
        self.issue(
            IssueCode::UnknownName,
            self.range(e),
            format!("`{name}` is not in scope here"),
            Some(help),
            best,
        );
        Type::Dyn
    }

    fn field(
        &mut self,
        operand_expr: &IdedExpr,
        operand: &Type,
        field: &str,
        span: (usize, usize),
    ) -> Type {
        let is_steps = matches!(&operand_expr.expr, Expr::Ident(n) if n == "steps")
            && self.lookup("steps").is_some();
        match operand {
            Type::Dyn => Type::Dyn,
            Type::Map(v) => (**v).clone(),
            Type::Object(o) => {
                if let Some(f) = o.field(field) {
                    return f.ty.clone();
                }
                if is_steps {
                    if self.env.later_steps.iter().any(|s| s == field) {
                        self.issue(
                            IssueCode::StepOrder,
                            span,
                            format!("step `{field}` has not run here"),
                            Some("a step's result is there only after it runs, on the same path: move this use after the step, or the step before it".into()),
                            None,
                        );
                        return Type::Dyn;
                    }
                    let best = suggest(field, o.fields.iter().map(|f| f.name.as_str()))
                        .map(str::to_string);
                    let ran = o
                        .fields
                        .iter()
                        .map(|f| format!("`{}`", f.name))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let help = match &best {
                        Some(b) => format!("did you mean `{b}`?"),
                        None if ran.is_empty() => "no step has run here yet".into(),
                        None => format!("steps that have run here: {ran}"),
                    };
                    self.issue(
                        IssueCode::UnknownField,
                        span,
                        format!("there is no step named `{field}`"),
                        Some(help),
                        best,
                    );
                    return Type::Dyn;
                }
                // An open object with listed fields (a lenient input schema) still flags a name it
                // does not list: reading a field nobody documented is almost always a typo.
                match &o.additional {
                    Some(extra) if o.fields.is_empty() || !extra.is_dyn() => return extra.clone(),
                    _ => {}
                }
                let best =
                    suggest(field, o.fields.iter().map(|f| f.name.as_str())).map(str::to_string);
                // Name the value as written (`input.user`) when it is short, else by its type.
                let written = self.path_text(operand_expr).unwrap_or_default();
                let what = if !written.is_empty() && written.len() <= 40 {
                    format!("`{written}`")
                } else if o.name.is_empty() {
                    "this object".to_string()
                } else {
                    o.name.clone()
                };
                let help = match &best {
                    Some(b) => format!("did you mean `{b}`?"),
                    None => {
                        let names: Vec<String> = o
                            .fields
                            .iter()
                            .take(12)
                            .map(|f| format!("`{}`", f.name))
                            .collect();
                        if names.is_empty() {
                            "it has no fields here".to_string()
                        } else {
                            format!("its fields: {}", names.join(", "))
                        }
                    }
                };
                self.issue(
                    IssueCode::UnknownField,
                    span,
                    format!("{what} has no field `{field}`"),
                    Some(help),
                    best,
                );
                Type::Dyn
            }
            Type::List(_) => {
                self.issue(
                    IssueCode::Type,
                    span,
                    format!("`.{field}` on a list"),
                    Some(format!("pick an element first (`[0].{field}`), or map the list: `.map(x, x.{field})`")),
                    None,
                );
                Type::Dyn
            }
            Type::Null => Type::Dyn,
            other => {
                self.issue(
                    IssueCode::Type,
                    span,
                    format!("{} has no field `{field}`", other.describe()),
                    None,
                    None,
                );
                Type::Dyn
            }
        }
    }

    fn call(
        &mut self,
        e: &IdedExpr,
        name: &str,
        target: Option<&IdedExpr>,
        args: &[IdedExpr],
    ) -> Type {
        let mut types: Vec<Type> = Vec::new();
        // `default(x, …)` and `x.default(…)` read `x` knowing it may be absent.
        let defaults = name == "default";
        if let Some(t) = target {
            self.defaulted += usize::from(defaults);
            types.push(self.expr(t));
            self.defaulted -= usize::from(defaults);
        }
        for (i, a) in args.iter().enumerate() {
            // What the condition shows present holds where it decides: the right of `&&` (when
            // the left is true), of `||` (when it is false), and each branch of `?:`.
            let assumed = match (name, i) {
                ("_&&_", 1) | ("_?_:_", 1) => Some(true),
                ("_||_", 1) | ("_?_:_", 2) => Some(false),
                _ => None,
            };
            let before = self.narrowed.len();
            if let (Some(when), Some(cond)) = (assumed, args.first()) {
                let mut shown = Vec::new();
                facts_of(cond, when, &mut shown);
                self.narrowed.extend(shown);
            }
            let guarded = defaults && target.is_none() && i == 0;
            self.defaulted += usize::from(guarded);
            types.push(self.expr(a));
            self.defaulted -= usize::from(guarded);
            self.narrowed.truncate(before);
        }
        let arg_exprs: Vec<&IdedExpr> = target.into_iter().chain(args.iter()).collect();
        let at = self.range(e);
        match name {
            "_&&_" | "_||_" | "!_" => {
                for (t, ex) in types.iter().zip(&arg_exprs) {
                    if !t.fits(&Type::Bool) {
                        let r = self.range(ex);
                        self.issue(
                            IssueCode::Type,
                            r,
                            format!("expected a boolean, found {}", t.describe()),
                            None,
                            None,
                        );
                    }
                }
                Type::Bool
            }
            "_==_" | "_!=_" | "_<_" | "_<=_" | "_>_" | "_>=_" => {
                self.comparison(e, name, &types);
                Type::Bool
            }
            "@in" | "@not_strictly_false" => Type::Bool,
            "-_" => types.first().cloned().unwrap_or(Type::Dyn),
            "_?_:_" => {
                if let (Some(c), Some(ex)) = (types.first(), arg_exprs.first())
                    && !c.fits(&Type::Bool)
                {
                    let r = self.range(ex);
                    self.issue(
                        IssueCode::Type,
                        r,
                        format!("the condition is {}, not a boolean", c.describe()),
                        None,
                        None,
                    );
                }
                match (types.get(1), types.get(2)) {
                    (Some(a), Some(b)) => a.join(b),
                    _ => Type::Dyn,
                }
            }
            "_[_]" => match (types.first(), types.get(1)) {
                (Some(Type::List(t)), _) => (**t).clone(),
                (Some(Type::Map(t)), _) => (**t).clone(),
                (Some(Type::Object(o)), _) => match args.get(1).map(|a| &a.expr) {
                    Some(Expr::Literal(LiteralValue::String(s))) => {
                        o.field(s).map(|f| f.ty.clone()).unwrap_or(Type::Dyn)
                    }
                    _ => Type::Dyn,
                },
                (Some(t @ (Type::String | Type::Int | Type::Double | Type::Bool)), _) => {
                    self.issue(
                        IssueCode::Type,
                        at,
                        format!("{} cannot be indexed", t.describe()),
                        None,
                        None,
                    );
                    Type::Dyn
                }
                _ => Type::Dyn,
            },
            "_+_" => self.arith(at, &types, true),
            "_-_" | "_*_" | "_/_" | "_%_" => self.arith(at, &types, false),
            _ => self.function(e, name, target.is_some(), &types, &arg_exprs),
        }
    }

    /// A comparison of values of two known, different kinds: CEL converts neither side, so `==`
    /// would be silently false (an active user sent as inactive) and an ordering an error at run
    /// time. Numbers compare with numbers whatever their kind, and `null` with anything, since an
    /// optional value is compared with `null` to test it.
    // Kept out of `call`, whose frame is on the stack once per level of a chain (`1+1+…`).
    #[inline(never)]
    fn comparison(&mut self, e: &IdedExpr, name: &str, types: &[Type]) {
        let (Some(a), Some(b)) = (types.first(), types.get(1)) else {
            return;
        };
        let op = name.trim_matches('_');
        let ordering = !matches!(op, "==" | "!=");
        let (Some(ka), Some(kb)) = (kind(a), kind(b)) else {
            return;
        };
        let help = match (ka, kb) {
            ("boolean", "string") | ("string", "boolean") => {
                "a boolean is never equal to a string: compare with `true` or `false`, or use the boolean itself (`x ? … : …`, `!x`)"
            }
            ("number", "string") | ("string", "number") => {
                "a number is never equal to a string: convert one side, `int(s)` or `string(n)`"
            }
            _ => "CEL does not convert values: compare values of one type",
        };
        if ka != kb {
            let at = self.extent(e);
            self.issue(
                IssueCode::Type,
                at,
                format!("no `{op}` between {} and {}", a.describe(), b.describe()),
                Some(help.into()),
                None,
            );
        } else if ordering && matches!(ka, "list" | "map") {
            let at = self.extent(e);
            self.issue(
                IssueCode::Type,
                at,
                format!("no `{op}` between {} and {}", a.describe(), b.describe()),
                Some("only numbers, strings and booleans are ordered".into()),
                None,
            );
        }
    }

    fn arith(&mut self, at: (usize, usize), types: &[Type], plus: bool) -> Type {
        let (Some(a), Some(b)) = (types.first(), types.get(1)) else {
            return Type::Dyn;
        };
        match (a, b) {
            (Type::Dyn, _) | (_, Type::Dyn) => Type::Dyn,
            (Type::Int, Type::Int) => Type::Int,
            (Type::Int | Type::Double, Type::Int | Type::Double) => Type::Double,
            (Type::String, Type::String) if plus => Type::String,
            (Type::List(x), Type::List(y)) if plus => {
                // An empty list literal is a list of Dyn: adding to it keeps the other's type.
                if x.is_dyn() {
                    b.clone()
                } else if y.is_dyn() {
                    a.clone()
                } else {
                    Type::list(x.join(y))
                }
            }
            _ => {
                let help = if plus && (matches!(a, Type::String) || matches!(b, Type::String)) {
                    Some("convert the other side with string(x), or put both inside a template: \"${a}${b}\"".into())
                } else {
                    None
                };
                let op = if plus { "add" } else { "do arithmetic on" };
                self.issue(
                    IssueCode::Type,
                    at,
                    format!("cannot {op} {} and {}", a.describe(), b.describe()),
                    help,
                    None,
                );
                Type::Dyn
            }
        }
    }

    fn function(
        &mut self,
        e: &IdedExpr,
        name: &str,
        is_method: bool,
        types: &[Type],
        args: &[&IdedExpr],
    ) -> Type {
        let at = self.range(e).0;
        let span = self.name_span(name, at);
        if let Some(ty) = self.env.mappings.get(name) {
            if is_method || types.len() != 1 {
                self.issue(
                    IssueCode::Arguments,
                    span,
                    format!("mapping `{name}` takes one argument, given {}", types.len()),
                    Some(format!("call it as `{name}(value)`")),
                    None,
                );
            }
            return ty.clone();
        }
        let Some(f) = functions::builtin(name) else {
            let candidates: Vec<&str> = functions::BUILTINS
                .iter()
                .map(|f| f.name)
                .chain(self.env.mappings.keys().map(String::as_str))
                .collect();
            let best = suggest(name, candidates.iter().copied()).map(str::to_string);
            let help = match &best {
                Some(b) => format!("did you mean `{b}`?"),
                None => "the functions are CEL's (size, int, string, matches, …), intact's (lower, default, join, …) and the project's mappings".into(),
            };
            self.issue(
                IssueCode::UnknownFunction,
                span,
                format!("there is no function `{name}`"),
                Some(help),
                best,
            );
            return Type::Dyn;
        };
        if is_method && !f.method {
            self.issue(
                IssueCode::Arguments,
                span,
                format!("`{name}` is not a method"),
                Some(format!("call it as a function: {}", f.signature)),
                None,
            );
        } else if !is_method && !f.function {
            self.issue(
                IssueCode::Arguments,
                span,
                format!("`{name}` is a method"),
                Some(format!("call it on its first argument: {}", f.signature)),
                None,
            );
        }
        if types.len() != f.params.len() {
            self.issue(
                IssueCode::Arguments,
                span,
                format!(
                    "`{name}` takes {} argument(s), given {}",
                    f.params.len(),
                    types.len()
                ),
                Some(format!("usage: {}", f.signature)),
                None,
            );
        } else {
            for ((p, t), ex) in f.params.iter().zip(types).zip(args) {
                let ok = match p {
                    Param::Any => true,
                    Param::String => t.fits(&Type::String),
                    Param::Int => t.fits(&Type::Int),
                    Param::List => matches!(t, Type::List(_) | Type::Dyn | Type::Null),
                    Param::Sized => matches!(
                        t,
                        Type::String
                            | Type::List(_)
                            | Type::Map(_)
                            | Type::Object(_)
                            | Type::Dyn
                            | Type::Null
                    ),
                };
                if !ok {
                    let r = self.range(ex);
                    self.issue(
                        IssueCode::Type,
                        r,
                        format!("`{name}` cannot take {}", t.describe()),
                        Some(format!("usage: {}", f.signature)),
                        None,
                    );
                }
            }
        }
        match f.returns {
            Returns::Bool => Type::Bool,
            Returns::Int => Type::Int,
            Returns::Double => Type::Double,
            Returns::String => Type::String,
            Returns::StringList => Type::list(Type::String),
            Returns::Dyn => Type::Dyn,
            Returns::JoinOfArgs => match (types.first(), types.get(1)) {
                (Some(a), Some(b)) => a.join(b),
                _ => Type::Dyn,
            },
        }
    }
}

/// What a comparison tells apart: every number is one kind; `None` for a value of unknown type
/// and for `null`, which any optional value may be.
fn kind(t: &Type) -> Option<&'static str> {
    match t {
        Type::Dyn | Type::Null => None,
        Type::Bool => Some("boolean"),
        Type::Int | Type::Double => Some("number"),
        Type::String => Some("string"),
        Type::List(_) => Some("list"),
        Type::Map(_) | Type::Object(_) => Some("map"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Field;

    fn user() -> Type {
        let f = |n: &str, t: Type| Field {
            name: n.into(),
            ty: t,
            required: false,
            description: None,
            allowed: None,
        };
        Type::object(
            "user",
            vec![
                f("userName", Type::String),
                f(
                    "emails",
                    Type::list(Type::object("email", vec![f("value", Type::String)], None)),
                ),
                f(
                    "name",
                    Type::object("name", vec![f("givenName", Type::String)], None),
                ),
            ],
            None,
        )
    }

    fn env() -> Env {
        let f = |n: &str, t: Type| Field {
            name: n.into(),
            ty: t,
            required: true,
            description: None,
            allowed: None,
        };
        Env {
            vars: vec![
                (
                    "input".into(),
                    Type::object("input", vec![f("user", user())], None),
                ),
                (
                    "steps".into(),
                    Type::object("steps", vec![f("get", Type::Dyn)], None),
                ),
            ],
            later_steps: vec!["create".into()],
            mappings: std::sync::Arc::new(
                [("scim_user".to_string(), user())].into_iter().collect(),
            ),
            present: Vec::new(),
        }
    }

    /// The type and the issues, leaving out optional reads (`optional_reads_and_guards` has them).
    fn check(text: &str) -> (Type, Vec<Issue>) {
        let (t, mut issues) = check_all(text);
        issues.retain(|i| i.code != IssueCode::OptionalField);
        (t, issues)
    }

    fn check_all(text: &str) -> (Type, Vec<Issue>) {
        let p = crate::parse(text).unwrap();
        let mut issues = Vec::new();
        let t = infer(&p, text, &env(), &mut issues);
        (t, issues)
    }

    #[test]
    fn optional_reads_and_guards() {
        let optional = |text: &str| {
            check_all(text)
                .1
                .into_iter()
                .filter(|i| i.code == IssueCode::OptionalField)
                .map(|i| (i.start, i.end, i.replacement.unwrap_or_default(), i.safe))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            optional("size(input.user.emails) > 0"),
            [(5, 22, "default(input.user.emails, [])".to_string(), false)]
        );
        for guarded in [
            "default(input.user.emails, []).size()",
            "has(input.user.emails) ? input.user.emails : []",
            "!has(input.user.emails) ? [] : input.user.emails",
            "has(input.user.emails) && size(input.user.emails) > 0",
            "!has(input.user.emails) || size(input.user.emails) > 0",
            "has(input.user.name.givenName)",
            "!has(input.user.name.givenName) ? '' : input.user.name.givenName",
            "input.user.emails.default([])",
        ] {
            assert!(
                optional(guarded).is_empty(),
                "{guarded}: {:?}",
                optional(guarded)
            );
        }
        assert_eq!(optional("input.user.name.givenName").len(), 2);
        // A guard holds only where it decides.
        assert_eq!(
            optional("has(input.user.emails) || size(input.user.emails) > 0").len(),
            1
        );
    }

    #[test]
    fn conditions_show_paths_present() {
        let facts = |text: &str, when: bool| super::facts(&crate::parse(text).unwrap(), when);
        assert_eq!(facts("has(input.a.b)", true), ["input.a.b", "input.a"]);
        assert!(facts("has(input.a.b)", false).is_empty());
        assert_eq!(facts("!has(input.a)", false), ["input.a"]);
        assert_eq!(facts("has(x.a) && has(x.b)", true), ["x.a", "x.b"]);
        assert!(facts("has(x.a) || has(x.b)", true).is_empty());
        assert_eq!(facts("!has(x.a) || !has(x.b)", false), ["x.a", "x.b"]);
        assert_eq!(facts("default(x.a, '') == ''", false), ["x.a"]);
        assert_eq!(facts("'' != default(x.a, '')", true), ["x.a"]);
        assert!(facts("default(x.a, '') == 'y'", false).is_empty());
    }

    #[test]
    fn fields_and_did_you_mean() {
        let (t, issues) = check("input.user.usrName");
        assert_eq!(t, Type::Dyn);
        assert_eq!(issues[0].code, IssueCode::UnknownField);
        assert_eq!((issues[0].start, issues[0].end), (11, 18));
        assert_eq!(issues[0].replacement.as_deref(), Some("userName"));
        assert_eq!(check("input.user.userName").0, Type::String);
    }

    #[test]
    fn type_names_compare_with_type() {
        for text in [
            "type(input.user.userName) == string",
            "type(input.user) == map ? 1 : 2",
        ] {
            assert!(check(text).1.is_empty(), "{text}: {:?}", check(text).1);
        }
        // A misspelt type name is still an unknown name.
        assert_eq!(
            check("type(input.user) == integer").1[0].code,
            IssueCode::UnknownName
        );
    }

    #[test]
    fn steps_order_and_names() {
        let (_, i) = check("steps.create.body.id");
        assert_eq!(i[0].code, IssueCode::StepOrder);
        assert_eq!((i[0].start, i[0].end), (6, 12));
        let (_, i) = check("steps.gte.body");
        assert_eq!(i[0].code, IssueCode::UnknownField);
        assert_eq!(i[0].replacement.as_deref(), Some("get"));
        assert!(check("steps.get.body.anything.at.all").1.is_empty());
    }

    #[test]
    fn macros_functions_and_mappings() {
        let (t, i) = check("input.user.emails.map(e, e.value)");
        assert!(i.is_empty(), "{i:?}");
        assert_eq!(t, Type::list(Type::String));
        let (t, i) = check("scim_user(steps.get.body).userName");
        assert!(i.is_empty(), "{i:?}");
        assert_eq!(t, Type::String);
        let (_, i) = check("lowr(input.user.userName)");
        assert_eq!(i[0].code, IssueCode::UnknownFunction);
        assert_eq!(i[0].replacement.as_deref(), Some("lower"));
        let (_, i) = check("default(input.user.userName)");
        assert_eq!(i[0].code, IssueCode::Arguments);
        let (_, i) = check("nope + 1");
        assert_eq!(i[0].code, IssueCode::UnknownName);
        let (_, i) = check("input.user.userName + 1");
        assert_eq!(i[0].code, IssueCode::Type);
        assert_eq!(
            check("size(input.user.emails) > 0 ? 'a' : 'b'").0,
            Type::String
        );
    }

    /// CEL converts neither side of a comparison: a boolean never equals a string.
    #[test]
    fn comparisons_of_different_types_are_reported() {
        for text in [
            "true == 'true'",
            "input.user.userName == 1",
            "1 != 'x'",
            "1 < 'x'",
            "'a' >= 2.5",
            "input.user.emails == 'x'",
            "input.user == 'x'",
            "input.user.emails < input.user.emails",
        ] {
            let (t, i) = check(text);
            assert_eq!(t, Type::Bool);
            assert_eq!(i.len(), 1, "{text}: {i:?}");
            assert_eq!(i[0].code, IssueCode::Type, "{text}");
            assert_eq!((i[0].start, i[0].end), (0, text.len()), "{text}");
        }
        let text = "'日本語' == 1 && (size(input.user.userName)) < 'x'";
        let (_, i) = check(text);
        let spans: Vec<&str> = i.iter().map(|i| &text[i.start..i.end]).collect();
        assert_eq!(
            spans,
            ["'日本語' == 1", "(size(input.user.userName)) < 'x'"]
        );
        let (_, i) = check("true == 'true' ? 'active' : 'inactive'");
        assert_eq!((i[0].start, i[0].end), (0, 14));
        assert_eq!(i[0].message, "no `==` between a boolean and a string");
        assert!(i[0].help.as_deref().unwrap().contains("`true` or `false`"));
        assert_eq!(
            check("input.user.userName == 1").1[0].message,
            "no `==` between a string and an integer"
        );
        for fine in [
            "1 == 1.0",
            "1 < 2.5",
            "input.user.userName < 'm'",
            "input.user.userName == null",
            "null != input.user.emails",
            "steps.get.body == 'x'",
            "steps.get.body.active == true",
            "input.user.emails == []",
            "type(input.user) == map",
        ] {
            assert!(check(fine).1.is_empty(), "{fine}: {:?}", check(fine).1);
        }
    }
}
