//! Expressions and contracts: every `${…}` is parsed and typed in the scope where it stands
//! (`expr::*`), returns are checked against the contract's output schema (`contract::output-*`,
//! `flow::missing-return`), and secrets are kept where they belong (`secret::*`).

use std::collections::HashMap;

use intact_expr::{Env, Field, Type};
use intact_model::contracts::{self, Side};
use intact_model::template;
use intact_model::{
    Analysis, ConnectionDef, FileId, FlowDef, Ident, Loc, MappingDef, Template, Tree,
};

use crate::documents::Documents;

use intact_diagnostics::Diagnostic;
use intact_diagnostics::Rule;
use intact_expr::suggest;

mod mapping_types;
mod memo;
mod output;
mod shapes;
mod steps;
mod test_trees;

pub(crate) use memo::Memo;
pub(crate) use test_trees::test_inputs;

/// What the whole pass gives.
pub(crate) struct Typed {
    pub findings: Vec<Diagnostic>,
    /// The result type of every named step, by where its name is written.
    pub steps: Vec<(Loc, Type)>,
    /// What each mapping returns, by name.
    pub mappings: Mappings,
    /// Each flow's and action's typing, for the pass after an edit.
    pub memo: Memo,
}

/// Mapping result types by name, shared by every scope.
pub(crate) type Mappings = std::sync::Arc<HashMap<String, Type>>;

/// The whole pass: every definition typed, given which mapping calls which; a flow or action
/// whose typing `earlier` (the pass before an edit) kept, and that the edit did not touch, is
/// taken from there.
pub(crate) fn all<'a>(
    a: &'a Analysis,
    docs: &'a Documents,
    calls: &crate::calls::CallGraph,
    earlier: Option<&'a Memo>,
) -> Typed {
    let mut cx = Typing::new(a, docs);
    cx.mapping_types(calls);
    cx.memo = Memo::for_pass(a, docs, &cx.mappings);
    cx.earlier = earlier.filter(|e| cx.memo.can_take_from(e));
    let mut findings = Vec::new();
    cx.run(&mut findings);
    let mut steps = cx.steps_found;
    // A flow is typed once, but keep each name once whatever the order of typing.
    steps.sort_by_key(|(loc, _)| *loc);
    steps.dedup_by_key(|(loc, _)| *loc);
    Typed {
        findings,
        steps,
        mappings: cx.mappings,
        memo: cx.memo,
    }
}

/// What is in scope for the expressions of the template at `offset` of `file`: the names, their
/// types, the mappings (typed here when not `known`). Only the definition holding the place is
/// typed.
pub(crate) fn scope_at(
    a: &Analysis,
    docs: &Documents,
    known: Option<&Mappings>,
    at: (FileId, u32),
) -> Option<Env> {
    let mut cx = Typing::new(a, docs);
    match known {
        Some(m) => cx.mappings = m.clone(),
        None => cx.mapping_types(&crate::calls::mapping_calls(&a.model, a.symbols())),
    }
    cx.focus = Focus::At(at.0, at.1);
    cx.run(&mut Vec::new());
    cx.scope_found
}

/// Which definitions a pass types: all of them, or the one that holds a place (`scope_at`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Focus {
    All,
    At(FileId, u32),
}

impl Focus {
    fn holds(self, loc: Loc) -> bool {
        match self {
            Focus::All => true,
            Focus::At(file, offset) => loc.file == file && loc.span.touches(offset),
        }
    }
}

impl Typing<'_> {
    fn run(&mut self, out: &mut Vec<Diagnostic>) {
        let cx = self;
        let a = cx.a;
        let focus = cx.focus;
        let all = focus == Focus::All;
        if all || a.model.connections.iter().any(|c| focus.holds(c.loc)) {
            cx.connections(out);
        }
        if all || a.model.mappings.iter().any(|m| focus.holds(m.loc)) {
            cx.mappings(out);
        }
        // Flows first, each after the flows it calls, so that a `call` knows what it returns.
        for f in a.model.flows.iter().filter(|x| focus.holds(x.loc)) {
            cx.flow(f, out);
        }
        for ac in a.model.actions.iter().filter(|x| focus.holds(x.loc)) {
            cx.action(ac, out);
        }
        for t in a.model.tests.iter().filter(|x| focus.holds(x.loc)) {
            cx.test_templates(t, out);
        }
        if all {
            cx.schema_references(out);
            cx.test_expectations(out);
            test_inputs(a, out);
        }
    }
}

/// The rule of an expression's issue.
fn expr_rule(code: intact_expr::IssueCode) -> Rule {
    use intact_expr::IssueCode as C;
    match code {
        C::Type => Rule::ExprType,
        C::UnknownName => Rule::ExprUnknownName,
        C::UnknownField => Rule::ExprUnknownField,
        C::UnknownFunction => Rule::ExprUnknownFunction,
        C::Arguments => Rule::ExprArguments,
        C::OptionalField => Rule::ExprOptionalField,
        C::StepOrder => Rule::ExprStepOrder,
    }
}

/// The type of a literal value.
fn scalar_type(v: &intact_syntax::Value) -> Type {
    match v {
        intact_syntax::Value::String(_) => Type::String,
        intact_syntax::Value::Integer(_) => Type::Int,
        intact_syntax::Value::Float(_) => Type::Double,
        intact_syntax::Value::Bool(_) => Type::Bool,
        intact_syntax::Value::Null => Type::Null,
        intact_syntax::Value::Invalid => Type::Dyn,
    }
}

/// A field `key` that `exp` does not have: did-you-mean (with its rename) or the fields it has.
fn unknown_field(
    code: Rule,
    key: &Ident,
    message: String,
    label: &str,
    exp: &intact_expr::ObjectType,
) -> Diagnostic {
    let d = Diagnostic::new(code, key.loc, message).label(label);
    match suggest(&key.name, exp.fields.iter().map(|f| f.name.as_str())) {
        Some(b) => {
            d.help(format!("did you mean `{b}`?"))
                .fix(format!("Rename to `{b}`"), key.loc, b)
        }
        None => d.help(format!(
            "its fields: {}",
            exp.fields
                .iter()
                .map(|f| format!("`{}`", f.name))
                .collect::<Vec<_>>()
                .join(", ")
        )),
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

/// A request's result; `body` is typed when the request names an OpenAPI operation.
fn request_result(body: Type) -> Type {
    intact_model::run_values::response_type(body)
}

fn error_type() -> Type {
    intact_model::run_values::error_type()
}

struct Typing<'a> {
    a: &'a Analysis,
    docs: &'a Documents,
    app: Type,
    mappings: std::sync::Arc<HashMap<String, Type>>,
    /// The type each template was given, by location, so trees reuse it without reporting twice.
    types: HashMap<Loc, Type>,
    /// Which definitions this pass types.
    focus: Focus,
    /// `Focus::At`: the scope of the template at the place.
    scope_found: Option<Env>,
    /// `Focus::All`: the result type of each named step.
    steps_found: Vec<(Loc, Type)>,
    /// Each flow's return type (what `steps.NAME` of a `call` of it holds), by name, once typed;
    /// `None` while it is being typed (a call back into it, through a cycle, is untyped).
    flow_returns: HashMap<String, Option<Type>>,
    /// The types of the returns of the owner being typed.
    returns: Vec<Type>,
    /// `schema=` references resolved so far.
    schemas: HashMap<String, Result<Type, String>>,
    /// The pass before an edit, when its context is this one's.
    earlier: Option<&'a Memo>,
    /// `Focus::All`: what this pass found per flow and action, for the next.
    memo: Memo,
}

impl<'a> Typing<'a> {
    fn new(a: &'a Analysis, docs: &'a Documents) -> Self {
        let app = Type::object(
            "app",
            a.model
                .variables
                .iter()
                .map(|v| field(&v.name.name, Type::String, true))
                .collect(),
            None,
        );
        Typing {
            a,
            docs,
            app,
            mappings: Default::default(),
            types: HashMap::new(),
            focus: Focus::All,
            scope_found: None,
            steps_found: Vec::new(),
            flow_returns: HashMap::new(),
            returns: Vec::new(),
            schemas: HashMap::new(),
            earlier: None,
            memo: Memo::default(),
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
        if c.is_oauth2() {
            fields.push(field("access_token", Type::String, true));
        }
        Type::object(
            format!("the params of connection `{}`", c.name.name),
            fields,
            None,
        )
    }

    /// The type a `schema=` names: `#/pointer` in the project's OpenAPI document,
    /// `openapi/NAME.yaml#/pointer` in one of several, `contract:ID.input#/pointer` (or `.output`)
    /// in a contract's schema.
    fn schema(&mut self, reference: &str) -> Result<Type, String> {
        if let Some(known) = self.schemas.get(reference) {
            return known.clone();
        }
        // Read as every `$ref` is (`intact-jsonref`): the fragment percent-decoded to a pointer.
        let resolved = intact_jsonref::Reference::parse(reference)
            .map_err(|e| e.to_string())
            .and_then(|r| {
                // Named in messages by what the pointer names: `Pet` for `#/components/schemas/Pet`.
                let name = r.name().unwrap_or_else(|| r.document.to_string());
                let (target, pointer) = (r.document, r.pointer.as_str());
                if let Some(contract) = target.strip_prefix("contract:") {
                    contract_schema(contract, pointer, &name)
                } else if target.is_empty() {
                    self.docs.schema_type(None, pointer, &name)
                } else {
                    self.docs.schema_type(Some(target), pointer, &name)
                }
            });
        self.schemas.insert(reference.to_string(), resolved.clone());
        resolved
    }

    /// A flow's inputs as one object: each typed by its `schema=`, else by its `type=`.
    fn flow_input_type(&mut self, f: &FlowDef) -> Type {
        let fields = f
            .inputs
            .iter()
            .map(|i| {
                let declared = match i.ty.as_deref() {
                    Some("string") => Type::String,
                    Some("integer") => Type::Int,
                    Some("number") => Type::Double,
                    Some("boolean") => Type::Bool,
                    Some("array") => Type::list(Type::Dyn),
                    Some("object") => Type::Map(Box::new(Type::Dyn)),
                    _ => Type::Dyn,
                };
                let ty = match &i.schema {
                    Some((reference, _)) => self.schema(reference).unwrap_or(Type::Dyn),
                    None => declared,
                };
                // Always present: an input not given is null (or its default) when the flow runs.
                field(&i.name.name, ty, true)
            })
            .collect();
        Type::object(
            format!("the inputs of flow `{}`", f.name.name),
            fields,
            None,
        )
    }

    /// The type of a mapping's argument `it`: its `schema=`, else unknown.
    fn mapping_argument(&mut self, m: &MappingDef) -> Type {
        match &m.schema {
            Some((reference, _)) => self.schema(reference).unwrap_or(Type::Dyn),
            None => Type::Dyn,
        }
    }

    /// Every `schema=` that names no schema (`name::unresolved`).
    fn schema_references(&mut self, out: &mut Vec<Diagnostic>) {
        let m = &self.a.model;
        let written = m
            .flows
            .iter()
            .flat_map(|f| f.inputs.iter().filter_map(|i| i.schema.as_ref()))
            .chain(m.mappings.iter().filter_map(|mp| mp.schema.as_ref()));
        for (reference, loc) in written {
            if let Err(why) = self.schema(reference) {
                out.push(
                    Diagnostic::new(
                        Rule::NameUnresolved,
                        *loc,
                        format!("no schema at `{reference}`: {why}"),
                    )
                    .label("unknown schema")
                    .help("`schema=` takes `#/components/schemas/NAME` (the project's OpenAPI document), `openapi/FILE#/…`, or `contract:ID.input#/…`; `intact contracts ID --input` prints a contract's schema"),
                );
            }
        }
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
                    // One finding per expression: after its first error the parser's recovery
                    // mostly reports consequences (`a = 'x'` would be two findings for one `=`).
                    for e in errors.iter().take(1) {
                        let loc = t.sub_loc(
                            seg.offset + e.start,
                            e.end
                                .saturating_sub(e.start)
                                .max(1)
                                .min(seg.expr.len().saturating_sub(e.start).max(1)),
                        );
                        out.push(
                            Diagnostic::new(Rule::ExprSyntax, loc, format!("this expression does not parse: {}", e.message))
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
                        let mut d =
                            Diagnostic::new(expr_rule(i.code), loc, i.message).label("here");
                        if let Some(h) = i.help {
                            d = d.help(h);
                        }
                        if let Some(r) = i.replacement {
                            d = if i.safe {
                                d.fix(format!("Replace with `{r}`"), loc, r)
                            } else {
                                d.suggestion(format!("Replace with `{r}`"), loc, r)
                            };
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
            Tree::Scalar(v, _) => scalar_type(v),
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
}

struct Scope<'a> {
    input: Type,
    conn: Option<&'a ConnectionDef>,
    /// Every step name of the owner, to tell "not yet run" from "does not exist".
    all: Vec<String>,
    /// Names a block adds: `item`, `index`, `error`.
    extra: Vec<(String, Type)>,
    /// Paths the guards around show present (`if "${has(input.a)}"`, an early `return`).
    present: Vec<String>,
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
            present: self.present.clone(),
        }
    }

    /// This scope, knowing `shown` present too.
    fn knowing(&self, shown: Vec<String>) -> Scope<'a> {
        let mut s = self.with(Vec::new());
        s.present.extend(shown);
        s
    }
}

pub(crate) use intact_model::always_ends as terminates;

/// The type at `pointer` in a contract's input or output schema (`create-user.input`).
fn contract_schema(contract: &str, pointer: &str, name: &str) -> Result<Type, String> {
    let (id, side) = match contract.rsplit_once('.') {
        Some((id, "input")) => (id, Side::Input),
        Some((id, "output")) => (id, Side::Output),
        _ => {
            let id = contract.rsplit_once('.').map_or(contract, |(id, _)| id);
            return Err(format!(
                "`{contract}` names no side of a contract: write `contract:{id}.input#…` or `contract:{id}.output#…`"
            ));
        }
    };
    let Some(id) = contracts::ContractId::parse(id) else {
        return Err(format!(
            "`{id}` is not a contract; `intact contracts` lists them"
        ));
    };
    let docs = contracts::schema_documents();
    let file = contracts::schema_file(id, side);
    let schema = docs
        .get(&file)
        .and_then(|d| intact_jsonref::get(d, pointer))
        .ok_or_else(|| format!("nothing at `#{pointer}` in the schema of {contract}"))?;
    Ok(intact_expr::SchemaConverter::new(docs).convert(&file, schema, name))
}
