//! Expressions and contracts: every `${…}` is parsed and typed in the scope where it stands
//! (`expr::*`), returns are checked against the contract's output schema (`contract::output-*`,
//! `flow::missing-return`), and secrets are kept where they belong (`secret::*`).

use std::collections::HashMap;

use intact_expr::{Env, Field, Type};
use intact_model::contracts::{self, Side};
use intact_model::template;
use intact_model::*;

use crate::{Diagnostic, suggest};

pub(crate) fn check(a: &Analysis, docs: &crate::openapi::Documents, out: &mut Vec<Diagnostic>) {
    let mut cx = Cx::new(a, docs);
    cx.run(out);
}

/// The result type of each named step of `file`, where its name is written: what a request, a
/// `call`, a `let` or a `for-each` gives `steps.NAME`.
pub fn step_types(
    a: &Analysis,
    documents: &crate::DocumentCache,
    file: FileId,
) -> Vec<(Loc, Type)> {
    let docs = crate::openapi::documents(a, documents);
    let mut cx = Cx::new(a, &docs);
    cx.focus = Focus::File(file);
    cx.run(&mut Vec::new());
    cx.steps_found
}

/// What is in scope for the expressions of the template at `offset` of `file`: the names, their
/// types, the mappings. The same scopes the checker types expressions in, for completion and hover.
pub fn scope_at(
    a: &Analysis,
    documents: &crate::DocumentCache,
    file: FileId,
    offset: u32,
) -> Option<Env> {
    let docs = crate::openapi::documents(a, documents);
    let mut cx = Cx::new(a, &docs);
    cx.focus = Focus::At(file, offset);
    cx.run(&mut Vec::new());
    cx.scope_found
}

/// Which definitions a pass types: all of them (the checker), the one that holds a place
/// (`scope_at`), or those of one file (`step_types`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Focus {
    All,
    At(FileId, u32),
    File(FileId),
}

impl Focus {
    fn holds(self, loc: Loc) -> bool {
        match self {
            Focus::All => true,
            Focus::At(file, offset) => loc.file == file && loc.span.touches(offset),
            Focus::File(file) => loc.file == file,
        }
    }
}

impl Cx<'_> {
    fn run(&mut self, out: &mut Vec<Diagnostic>) {
        let cx = self;
        let a = cx.a;
        let focus = cx.focus;
        let all = focus == Focus::All;
        cx.mapping_types();
        if all || a.model.connections.iter().any(|c| focus.holds(c.loc)) {
            cx.connections(out);
        }
        if all || a.model.mappings.iter().any(|m| focus.holds(m.loc)) {
            cx.mappings(out);
        }
        for ac in a.model.actions.iter().filter(|x| focus.holds(x.loc)) {
            let input = ac
                .contract
                .as_ref()
                .and_then(|(id, _)| contracts::contract_type(id, Side::Input))
                .unwrap_or(Type::Dyn);
            let conn = cx.effective_connection(ac.connection.as_ref());
            cx.owner(&ac.steps, input, conn, out);
            cx.action_output(ac, out);
        }
        for f in a.model.flows.iter().filter(|x| focus.holds(x.loc)) {
            let input = flow_input_type(f);
            let conn = cx.effective_connection(f.connection.as_ref());
            cx.owner(&f.steps, input, conn, out);
        }
        for t in a.model.tests.iter().filter(|x| focus.holds(x.loc)) {
            cx.test_templates(t, out);
        }
        if all {
            cx.secrets(out);
            test_inputs(a, out);
        }
    }
}

fn field(name: &str, ty: Type, required: bool) -> Field {
    Field {
        name: name.into(),
        ty,
        required,
        description: None,
        allowed: None,
    }
}

fn flow_input_type(f: &FlowDef) -> Type {
    let fields = f
        .inputs
        .iter()
        .map(|i| {
            let ty = match i.ty.as_deref() {
                Some("string") => Type::String,
                Some("integer") => Type::Int,
                Some("number") => Type::Double,
                Some("boolean") => Type::Bool,
                Some("array") => Type::list(Type::Dyn),
                Some("object") => Type::Map(Box::new(Type::Dyn)),
                _ => Type::Dyn,
            };
            field(&i.name.name, ty, i.required)
        })
        .collect();
    Type::object(
        format!("the inputs of flow `{}`", f.name.name),
        fields,
        None,
    )
}

/// A request's result; `body` is typed when the request names an OpenAPI operation.
fn request_result(body: Type) -> Type {
    Type::object(
        "response",
        vec![
            field("status", Type::Int, true),
            field("headers", Type::Map(Box::new(Type::String)), true),
            field("body", body, true),
        ],
        None,
    )
}

fn error_type() -> Type {
    Type::object(
        "error",
        vec![
            field("message", Type::String, true),
            field("status", Type::Int, false),
            field("type", Type::String, true),
            field("step", Type::String, false),
            field("body", Type::Dyn, false),
        ],
        None,
    )
}

struct Cx<'a> {
    a: &'a Analysis,
    docs: &'a crate::openapi::Documents,
    app: Type,
    mappings: std::sync::Arc<HashMap<String, Type>>,
    /// The type each template was given, by location, so trees reuse it without reporting twice.
    types: HashMap<Loc, Type>,
    /// Which definitions this pass types.
    focus: Focus,
    /// `Focus::At`: the scope of the template at the place.
    scope_found: Option<Env>,
    /// `Focus::File`: the result type of each named step of the file.
    steps_found: Vec<(Loc, Type)>,
}

impl<'a> Cx<'a> {
    fn new(a: &'a Analysis, docs: &'a crate::openapi::Documents) -> Self {
        let app = Type::object(
            "app",
            a.model
                .variables
                .iter()
                .map(|v| field(&v.name.name, Type::String, true))
                .collect(),
            None,
        );
        Cx {
            a,
            docs,
            app,
            mappings: Default::default(),
            types: HashMap::new(),
            focus: Focus::All,
            scope_found: None,
            steps_found: Vec::new(),
        }
    }

    fn effective_connection(&self, named: Option<&Ident>) -> Option<&'a ConnectionDef> {
        self.a.model.connection(named.map(|i| i.name.as_str()))
    }

    fn auth_type(conn: Option<&ConnectionDef>) -> Type {
        let Some(c) = conn else { return Type::Dyn };
        let mut fields: Vec<Field> = c
            .all_params()
            .iter()
            .map(|p| field(&p.name, Type::String, true))
            .collect();
        if c.auth.as_ref().is_some_and(|a| a.form == "oauth2") {
            fields.push(field("access_token", Type::String, true));
        }
        Type::object(
            format!("the params of connection `{}`", c.name.name),
            fields,
            None,
        )
    }

    /// Mapping result types, from their trees, typed with every mapping's type unknown. Silent:
    /// the mappings are checked, with these types, in `mappings`.
    fn mapping_types(&mut self) {
        let names: HashMap<String, Type> = self
            .a
            .model
            .mappings
            .iter()
            .map(|m| (m.name.name.clone(), Type::Dyn))
            .collect();
        let env = Env {
            vars: self.base_vars(Type::Dyn, None, Some(Type::Dyn)),
            later_steps: Vec::new(),
            mappings: std::sync::Arc::new(names),
        };
        let mut silent = Vec::new();
        let mut types = HashMap::new();
        for m in &self.a.model.mappings {
            let t = self.tree_type(&m.tree, &env, &mut silent);
            types.entry(m.name.name.clone()).or_insert(t);
        }
        self.types.clear();
        self.mappings = std::sync::Arc::new(types);
    }

    fn base_vars(
        &self,
        input: Type,
        conn: Option<&ConnectionDef>,
        it: Option<Type>,
    ) -> Vec<(String, Type)> {
        let mut vars = vec![
            ("input".to_string(), input),
            ("app".to_string(), self.app.clone()),
            ("auth".to_string(), Self::auth_type(conn)),
        ];
        if let Some(t) = it {
            vars.push(("it".to_string(), t));
        }
        vars
    }

    /// Types one template, reporting its problems (once per template).
    fn template(&mut self, t: &Template, env: &Env, out: &mut Vec<Diagnostic>) -> Type {
        if matches!(self.focus, Focus::At(..)) && self.focus.holds(t.loc) {
            self.scope_found = Some(env.clone());
        }
        if let Some(ty) = self.types.get(&t.loc) {
            return ty.clone();
        }
        let segments = template::segments(&t.text);
        let mut whole = Type::String;
        for seg in &segments {
            if !seg.closed {
                whole = Type::Dyn; // reported as expr::syntax by the schema rules
                continue;
            }
            // Parsed once per analysis, shared with the symbol index.
            let parsed = self.a.expression(seg.expr);
            match parsed.as_ref() {
                Err(errors) => {
                    for e in errors {
                        let loc = t.sub_loc(
                            seg.offset + e.start,
                            e.end
                                .saturating_sub(e.start)
                                .max(1)
                                .min(seg.expr.len().saturating_sub(e.start).max(1)),
                        );
                        out.push(
                            Diagnostic::new("expr::syntax", loc, format!("this expression does not parse: {}", e.message))
                                .label("here")
                                .help("expressions are CEL: `input.user.userName`, `a == 'x' ? 1 : 2`, `list.map(x, x.id)`; strings take single quotes"),
                        );
                    }
                    whole = Type::Dyn;
                }
                Ok(parsed) => {
                    let mut issues = Vec::new();
                    let ty = intact_expr::infer(parsed, seg.expr, env, &mut issues);
                    for i in issues {
                        let loc = t.sub_loc(seg.offset + i.start, i.end.saturating_sub(i.start));
                        let mut d = Diagnostic::new(i.code, loc, i.message).label("here");
                        if let Some(h) = i.help {
                            d = d.help(h);
                        }
                        if let Some(r) = i.replacement {
                            d = d.fix(format!("Replace with `{r}`"), loc, r);
                        }
                        out.push(d);
                    }
                    // `"${expr}"` alone keeps the expression's own type.
                    if segments.len() == 1 && seg.offset == 2 && seg.expr.len() + 3 == t.text.len()
                    {
                        whole = ty;
                    }
                }
            }
        }
        self.types.insert(t.loc, whole.clone());
        whole
    }

    fn tree_type(&mut self, tree: &Tree, env: &Env, out: &mut Vec<Diagnostic>) -> Type {
        match tree {
            Tree::Scalar(v, _) => match v {
                intact_syntax::Value::String(_) => Type::String,
                intact_syntax::Value::Integer(_) => Type::Int,
                intact_syntax::Value::Float(_) => Type::Double,
                intact_syntax::Value::Bool(_) => Type::Bool,
                intact_syntax::Value::Null => Type::Null,
                intact_syntax::Value::Invalid => Type::Dyn,
            },
            Tree::Template(t) => self.template(t, env, out),
            Tree::Object(fields, _) => {
                let fs = fields
                    .iter()
                    .map(|(k, v)| field(&k.name, self.tree_type(v, env, out), true))
                    .collect();
                Type::object("", fs, None)
            }
            Tree::Array(items, _) => {
                let mut t: Option<Type> = None;
                for i in items {
                    let it = self.tree_type(i, env, out);
                    t = Some(t.map_or(it.clone(), |p| p.join(&it)));
                }
                Type::list(t.unwrap_or(Type::Dyn))
            }
        }
    }

    fn connections(&mut self, out: &mut Vec<Diagnostic>) {
        for c in &self.a.model.connections {
            let env = Env {
                vars: self.base_vars(Type::Dyn, Some(c), None),
                later_steps: Vec::new(),
                mappings: self.mappings.clone(),
            };
            let mut ts: Vec<&Template> = c
                .base_url
                .iter()
                .chain(c.headers.iter().map(|(_, t)| t))
                .collect();
            if let Some(auth) = &c.auth {
                ts.extend(auth.settings.iter().map(|(_, t)| t));
                ts.extend(auth.credentials.iter().map(|(_, _, t)| t));
            }
            for t in ts {
                self.template(t, &env, out);
            }
            if let Some(ping) = &c.ping {
                self.owner(ping, Type::Dyn, Some(c), out);
            }
        }
    }

    fn mappings(&mut self, out: &mut Vec<Diagnostic>) {
        for m in &self.a.model.mappings {
            let env = Env {
                vars: self.base_vars(Type::Dyn, None, Some(Type::Dyn)),
                later_steps: Vec::new(),
                mappings: self.mappings.clone(),
            };
            self.tree_type(&m.tree, &env, out);
        }
    }

    fn test_templates(&mut self, t: &TestDef, out: &mut Vec<Diagnostic>) {
        let mock = Type::object(
            "mock",
            vec![
                field("url", Type::String, true),
                field("token", Type::String, true),
            ],
            None,
        );
        let mut vars = self.base_vars(Type::Dyn, None, None);
        vars.push(("mock".into(), mock));
        let env = Env {
            vars,
            later_steps: Vec::new(),
            mappings: self.mappings.clone(),
        };
        for tpl in &t.templates {
            self.template(tpl, &env, out);
        }
    }

    /// The steps of an action, flow or ping, in order, with what each can see.
    fn owner(
        &mut self,
        steps: &[Step],
        input: Type,
        conn: Option<&'a ConnectionDef>,
        out: &mut Vec<Diagnostic>,
    ) {
        let mut all = Vec::new();
        crate::walk_steps(steps, &mut |s| {
            all.extend(s.name.iter().map(|n| n.name.clone()))
        });
        let scope = Scope {
            input,
            conn,
            all,
            extra: Vec::new(),
        };
        let mut avail = Vec::new();
        self.steps(steps, &scope, &mut avail, out);
    }

    fn env(&self, scope: &Scope, avail: &[(String, Type)]) -> Env {
        let mut vars = self.base_vars(scope.input.clone(), scope.conn, None);
        let steps = Type::object(
            "steps",
            avail
                .iter()
                .map(|(n, t)| field(n, t.clone(), true))
                .collect(),
            None,
        );
        vars.push(("steps".into(), steps));
        vars.extend(scope.extra.iter().cloned());
        let later = scope
            .all
            .iter()
            .filter(|n| !avail.iter().any(|(a, _)| a == *n))
            .cloned()
            .collect();
        Env {
            vars,
            later_steps: later,
            mappings: self.mappings.clone(),
        }
    }

    fn steps(
        &mut self,
        steps: &[Step],
        scope: &Scope,
        avail: &mut Vec<(String, Type)>,
        out: &mut Vec<Diagnostic>,
    ) {
        // The steps of a `try` whose `catch` always ends the run: past the catch, they all ran.
        let mut tried: Option<Vec<(String, Type)>> = None;
        for (i, s) in steps.iter().enumerate() {
            let env = self.env(scope, avail);
            for t in &s.templates {
                self.template(t, &env, out);
            }
            let result = match &s.kind {
                StepKind::Request(r) => request_result(
                    r.operation
                        .as_ref()
                        .map_or(Type::Dyn, |(id, _)| self.docs.response_type(id)),
                ),
                StepKind::Let(Some(tree)) => self.tree_type(tree, &env, out),
                StepKind::Let(None) => Type::Null,
                StepKind::Call { .. } => Type::Dyn,
                StepKind::ForEach { items } => {
                    let list = items
                        .as_ref()
                        .map_or(Type::Dyn, |t| self.template(t, &env, out));
                    let elem = match list {
                        Type::List(t) => *t,
                        _ => Type::Dyn,
                    };
                    let mut inner =
                        scope.with(vec![("item".into(), elem), ("index".into(), Type::Int)]);
                    inner.all = scope.all.clone();
                    let mut body_avail = avail.clone();
                    self.steps(&s.body, &inner, &mut body_avail, out);
                    let yielded = s.body.iter().find_map(|b| match &b.kind {
                        StepKind::Yield(tree) => Some(tree),
                        _ => None,
                    });
                    let y = yielded.map_or(Type::Dyn, |tree| {
                        let env = self.env(&inner, &body_avail);
                        self.tree_type(tree, &env, out)
                    });
                    Type::list(y)
                }
                StepKind::If | StepKind::ElseIf | StepKind::Else | StepKind::Try => {
                    // Steps inside a branch are not there after it: the branch may not run.
                    let mut branch = avail.clone();
                    self.steps(&s.body, scope, &mut branch, out);
                    if matches!(s.kind, StepKind::Try)
                        && let Some(catch) = steps.get(i + 1)
                        && matches!(catch.kind, StepKind::Catch)
                        && terminates(&catch.body)
                    {
                        tried = Some(branch);
                    }
                    Type::Dyn
                }
                StepKind::Catch => {
                    let inner = scope.with(vec![("error".into(), error_type())]);
                    let mut branch = avail.clone();
                    self.steps(&s.body, &inner, &mut branch, out);
                    if let Some(ran) = tried.take() {
                        *avail = ran;
                    }
                    Type::Dyn
                }
                StepKind::Yield(_) | StepKind::Fail | StepKind::Log => Type::Dyn,
                StepKind::Return(tree) => {
                    if let Some(tree) = tree {
                        let t = self.tree_type(tree, &env, out);
                        self.types.insert(tree.loc(), t);
                    }
                    Type::Dyn
                }
            };
            if let Some(name) = &s.name {
                if matches!(self.focus, Focus::File(_)) {
                    self.steps_found.push((name.loc, result.clone()));
                }
                avail.push((name.name.clone(), result));
            }
        }
    }

    /// An action's returns against its contract's output schema, and its paths that end without one.
    fn action_output(&mut self, ac: &ActionDef, out: &mut Vec<Diagnostic>) {
        let Some((id, _)) = &ac.contract else { return };
        let Some(Type::Object(expected)) = contracts::contract_type(id, Side::Output) else {
            return;
        };
        let mut returns = Vec::new();
        crate::walk_steps(&ac.steps, &mut |s| {
            if let StepKind::Return(tree) = &s.kind {
                returns.push((s.keyword, tree.as_ref()));
            }
        });
        for (keyword, tree) in returns {
            match tree {
                None => self.missing_fields(keyword, &expected, &[], id, out),
                Some(tree) => {
                    self.output_tree(tree, keyword, &Type::Object(expected.clone()), id, out)
                }
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
                Diagnostic::new("flow::missing-return", ac.name.loc, format!("action `{}` can end without a return", ac.name.name))
                    .label("a path through it reaches the end")
                    .help(format!(
                        "`{id}` must return {}: end every path with `return {{ … }}` or `fail \"…\"` (an `if` needs an `else`, a `try` its `catch`)",
                        required.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
                    )),
            );
        }
    }

    fn missing_fields(
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
                        "contract::output-missing",
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

    fn output_tree(
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
                        Some(f) => self.output_tree(value, key.loc, &f.ty, id, out),
                        None if exp.accepts_unlisted(&key.name) => {}
                        None => {
                            let best =
                                suggest(&key.name, exp.fields.iter().map(|f| f.name.as_str()));
                            let mut d = Diagnostic::new(
                                "contract::output-unknown",
                                key.loc,
                                format!("`{}` is not a field of {}", key.name, exp.name),
                            )
                            .label("unknown field");
                            d = match best {
                                Some(b) => d.help(format!("did you mean `{b}`?")).fix(
                                    format!("Rename to `{b}`"),
                                    key.loc,
                                    b,
                                ),
                                None => d.help(format!(
                                    "its fields: {}",
                                    exp.fields
                                        .iter()
                                        .map(|f| format!("`{}`", f.name))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )),
                            };
                            out.push(d);
                        }
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
    fn output_value(
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
                                "contract::output-unknown",
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
                    "contract::output-type",
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

    /// A password param (or token) may be used only by its connection's base URL, headers and auth,
    /// and in request headers sent through that same connection.
    fn secrets(&self, out: &mut Vec<Diagnostic>) {
        let m = &self.a.model;
        let check = |steps: &[Step], conn: Option<&ConnectionDef>, out: &mut Vec<Diagnostic>| {
            let Some(c) = conn else { return };
            let secret = c.secret_params();
            crate::walk_steps(steps, &mut |s| {
                let to_other_connection = matches!(&s.kind, StepKind::Request(r) if r.connection.as_ref().is_some_and(|n| n.name != c.name.name));
                for t in &s.templates {
                    if t.role == Role::Header && !to_other_connection {
                        continue;
                    }
                    for (at, field) in template::members(&t.text, "auth") {
                        if !secret.iter().any(|x| x == field) {
                            continue;
                        }
                        let where_ = match t.role {
                            Role::Path => "into a request path",
                            Role::Query => "into a query parameter",
                            Role::Body => "into a request body",
                            Role::Log => "into a log line",
                            Role::Header => "to another connection",
                            Role::Value => "into a value of the run (it may end in an output)",
                        };
                        out.push(
                                Diagnostic::new("secret::exposed", t.sub_loc(at, field.len()), format!("the secret `auth.{field}` goes {where_}"))
                                    .label("secret used here")
                                    .help(format!(
                                        "a secret (a password param, or a param the auth sends as a credential) may be used only by connection `{}`'s headers and auth, and so may every value computed from it; send it there (e.g. `auth \"custom\" {{ header … }}`)",
                                        c.name.name
                                    )),
                            );
                    }
                }
            });
        };
        for ac in &m.actions {
            check(
                &ac.steps,
                self.effective_connection(ac.connection.as_ref()),
                out,
            );
        }
        for f in &m.flows {
            check(
                &f.steps,
                self.effective_connection(f.connection.as_ref()),
                out,
            );
        }
        for mp in &m.mappings {
            let mut ts = Vec::new();
            mp.tree.templates(&mut ts);
            for t in ts {
                for (at, field) in template::members(&t.text, "auth") {
                    out.push(
                        Diagnostic::new(
                            "secret::exposed",
                            t.sub_loc(at, field.len()),
                            format!("a mapping reads the connection param `auth.{field}`"),
                        )
                        .label("params are not in scope in mappings")
                        .help("mappings build data; pass what they need as their argument"),
                    );
                }
            }
        }
        // A literal credential in a connection: a password param's default, or an auth value
        // without any `${…}`.
        for c in &m.connections {
            let Some(auth) = &c.auth else { continue };
            let literal = auth
                .settings
                .iter()
                .filter(|(k, _)| matches!(k.as_str(), "token" | "password"))
                .map(|(_, t)| t)
                .chain(auth.credentials.iter().map(|(_, _, t)| t))
                .filter(|t| !template::has_expressions(&t.text) && !t.text.is_empty());
            for t in literal {
                out.push(
                    Diagnostic::new("secret::literal", t.loc, "a credential is written into the project")
                        .label("literal secret")
                        .help("declare a password param and use it (`${auth.token}`); its value comes from the environment at run time"),
                );
            }
        }
    }
}

struct Scope<'a> {
    input: Type,
    conn: Option<&'a ConnectionDef>,
    /// Every step name of the owner, to tell "not yet run" from "does not exist".
    all: Vec<String>,
    /// Names a block adds: `item`, `index`, `error`.
    extra: Vec<(String, Type)>,
}

impl<'a> Scope<'a> {
    fn with(&self, extra: Vec<(String, Type)>) -> Scope<'a> {
        let mut all_extra = self.extra.clone();
        all_extra.extend(extra);
        Scope {
            input: self.input.clone(),
            conn: self.conn,
            all: self.all.clone(),
            extra: all_extra,
        }
    }
}

/// Whether every path through `steps` ends in `return` or `fail`.
pub(crate) fn terminates(steps: &[Step]) -> bool {
    let mut i = 0;
    while i < steps.len() {
        match &steps[i].kind {
            StepKind::Return(_) | StepKind::Fail => return true,
            StepKind::If => {
                // The chain: if, else-if…, else.
                let mut all = terminates(&steps[i].body);
                let mut j = i + 1;
                let mut has_else = false;
                while j < steps.len() {
                    match steps[j].kind {
                        StepKind::ElseIf => all &= terminates(&steps[j].body),
                        StepKind::Else => {
                            all &= terminates(&steps[j].body);
                            has_else = true;
                            j += 1;
                            break;
                        }
                        _ => break,
                    }
                    j += 1;
                }
                if all && has_else {
                    return true;
                }
                i = j;
                continue;
            }
            StepKind::Try => {
                if let Some(next) = steps.get(i + 1)
                    && matches!(next.kind, StepKind::Catch)
                    && terminates(&steps[i].body)
                    && terminates(&next.body)
                {
                    return true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

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
            let Some((id, _)) = &action.contract else {
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
                        "test::input",
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
                            "test::input",
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
                        "test::input",
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
                            "test::input",
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
                    let p = format!("{path}/{}", k.name.replace('~', "~0").replace('/', "~1"));
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

fn join_path(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}
