//! The steps of actions, flows and pings in order, with what each can see; connections,
//! mappings and tests' templates.

use intact_expr::{Env, Type};
use std::sync::Arc;

use intact_model::contracts::{self, Side};
use intact_model::{
    ActionDef, Branches, ConnectionDef, FlowDef, ForEach, Request, Step, StepKind, Template,
    TestDef,
};

use super::*;
use intact_diagnostics::Diagnostic;
use intact_diagnostics::Rule;

impl<'a> Typing<'a> {
    pub(super) fn connections(&mut self, out: &mut Vec<Diagnostic>) {
        for c in &self.a.model.connections {
            let env = Env {
                vars: self.base_vars(Type::Dyn, Some(c), None),
                later_steps: Vec::new(),
                mappings: self.mappings.clone(),
                present: Vec::new(),
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
                self.callees_first(ping, out);
                self.owner(ping, Type::Dyn, Some(c), out);
            }
        }
    }

    pub(super) fn mappings(&mut self, out: &mut Vec<Diagnostic>) {
        for m in &self.a.model.mappings {
            let it = self.mapping_argument(m);
            let env = Env {
                vars: self.base_vars(Type::Dyn, None, Some(it)),
                later_steps: Vec::new(),
                mappings: self.mappings.clone(),
                present: Vec::new(),
            };
            self.tree_type(&m.tree, &env, out);
        }
    }

    pub(super) fn test_templates(&mut self, t: &TestDef, out: &mut Vec<Diagnostic>) {
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
            present: Vec::new(),
        };
        for tpl in &t.templates {
            self.template(tpl, &env, out);
        }
    }

    /// Types a flow once, after the flows it calls (typed silently when outside the focus), and
    /// records its return type: the join of its returns' types.
    pub(super) fn flow(&mut self, f: &'a Arc<FlowDef>, out: &mut Vec<Diagnostic>) -> Option<Type> {
        if let Some(known) = self.flow_returns.get(&f.name.name) {
            return known.clone();
        }
        self.flow_returns.insert(f.name.name.clone(), None);
        self.callees_first(&f.steps, out);
        let callees = self.callees(&f.steps);
        if let Some(kept) = self.earlier.and_then(|e| e.flow(f, &callees)) {
            out.extend(kept.findings.iter().cloned());
            self.steps_found.extend(kept.steps.iter().cloned());
            self.flow_returns
                .insert(f.name.name.clone(), kept.returns.clone());
            self.memo.keep_flow_again(kept);
            return kept.returns.clone();
        }
        let marks = (out.len(), self.steps_found.len());
        let input = self.flow_input_type(f);
        let conn = self.effective_connection(f.connection.as_ref());
        let returns = self.owner(&f.steps, input, conn, out);
        let ty = match returns.into_iter().reduce(|a, b| a.join(&b)) {
            // Named for messages: "the return of flow `f` does not require `email`".
            Some(Type::Object(o)) => Type::Object(std::sync::Arc::new(intact_expr::ObjectType {
                name: format!("the return of flow `{}`", f.name.name),
                ..(*o).clone()
            })),
            Some(t) => t,
            None => Type::Dyn,
        };
        self.flow_returns
            .insert(f.name.name.clone(), Some(ty.clone()));
        if self.focus == Focus::All {
            let found = self.found(marks, out, Some(ty.clone()), callees);
            self.memo.keep_flow(f, found);
        }
        Some(ty)
    }

    /// Types an action (after the flows it calls), or takes its typing from the pass before.
    pub(super) fn action(&mut self, ac: &'a Arc<ActionDef>, out: &mut Vec<Diagnostic>) {
        self.callees_first(&ac.steps, out);
        let callees = self.callees(&ac.steps);
        if let Some(kept) = self.earlier.and_then(|e| e.action(ac, &callees)) {
            out.extend(kept.findings.iter().cloned());
            self.steps_found.extend(kept.steps.iter().cloned());
            self.memo.keep_action_again(kept);
            return;
        }
        let marks = (out.len(), self.steps_found.len());
        let input = ac
            .contract
            .as_ref()
            .and_then(|_| contracts::contract_type(ac.contract_id()?, Side::Input))
            .unwrap_or(Type::Dyn);
        let conn = self.effective_connection(ac.connection.as_ref());
        self.owner(&ac.steps, input, conn, out);
        self.action_output(ac, out);
        if self.focus == Focus::All {
            let found = self.found(marks, out, None, callees);
            self.memo.keep_action(ac, found);
        }
    }

    /// The flows `steps` call, as this pass has typed them so far (`callees_first` just did).
    fn callees(&self, steps: &[Step]) -> Vec<memo::Callee> {
        let mut callees = Vec::new();
        if self.focus != Focus::All {
            return callees;
        }
        intact_model::walk_steps(steps, &mut |s| {
            if let StepKind::Call { flow: Some(id), .. } = &s.kind {
                let name = &id.name;
                callees.push(memo::Callee {
                    name: name.clone(),
                    def: self
                        .a
                        .model
                        .flows
                        .iter()
                        .find(|g| &g.name.name == name)
                        .cloned(),
                    returns: self.flow_returns.get(name).cloned().flatten(),
                });
            }
        });
        callees
    }

    /// What one definition's typing added since `marks` (the findings' and step types' counts).
    fn found(
        &self,
        marks: (usize, usize),
        out: &[Diagnostic],
        returns: Option<Type>,
        callees: Vec<memo::Callee>,
    ) -> memo::Found {
        memo::Found {
            findings: out[marks.0..].to_vec(),
            steps: self.steps_found[marks.1..].to_vec(),
            returns,
            callees,
        }
    }

    /// Types the flows `steps` call, so that each `call` knows what its flow returns; those outside
    /// the focus (completion in another definition) are typed silently.
    pub(super) fn callees_first(&mut self, steps: &'a [Step], out: &mut Vec<Diagnostic>) {
        let mut callees = Vec::new();
        intact_model::walk_steps(steps, &mut |s| {
            if let StepKind::Call { flow: Some(id), .. } = &s.kind {
                callees.push(id.name.as_str());
            }
        });
        for name in callees {
            if let Some(callee) = self.a.model.flows.iter().find(|g| g.name.name == name) {
                let mut silent = Vec::new();
                let sink = if self.focus.holds(callee.loc) {
                    &mut *out
                } else {
                    &mut silent
                };
                self.flow(callee, sink);
            }
        }
    }

    /// The steps of an action, flow or ping, in order, with what each can see; the types of its
    /// returns.
    pub(super) fn owner(
        &mut self,
        steps: &[Step],
        input: Type,
        conn: Option<&'a ConnectionDef>,
        out: &mut Vec<Diagnostic>,
    ) -> Vec<Type> {
        let mut all = Vec::new();
        intact_model::walk_steps(steps, &mut |s| {
            all.extend(s.name.iter().map(|n| n.name.clone()))
        });
        let scope = Scope {
            input,
            conn,
            all,
            extra: Vec::new(),
            present: Vec::new(),
        };
        let mut avail = Vec::new();
        let outer = std::mem::take(&mut self.returns);
        self.steps(steps, &scope, &mut avail, out);
        std::mem::replace(&mut self.returns, outer)
    }

    pub(super) fn env(&self, scope: &Scope, avail: &[(String, Type)]) -> Env {
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
            present: scope.present.clone(),
        }
    }

    pub(super) fn steps(
        &mut self,
        steps: &[Step],
        scope: &Scope,
        avail: &mut Vec<(String, Type)>,
        out: &mut Vec<Diagnostic>,
    ) {
        // After `if "${!has(x)}" { return … }`, `x` is present: the scope that knows it.
        let mut after_exit: Option<Scope> = None;
        for s in steps {
            let scope = after_exit.as_ref().unwrap_or(scope);
            let env = self.env(scope, avail);
            for t in &s.templates {
                self.template(t, &env, out);
            }
            let result = match &s.kind {
                StepKind::Request(r) => {
                    self.request_values(s, r, &env, out);
                    request_result(
                        r.operation
                            .as_ref()
                            .map_or(Type::Dyn, |(id, _)| self.docs.response_type(id)),
                    )
                }
                StepKind::Let(Some(tree)) => self.tree_type(tree, &env, out),
                StepKind::Let(None) => Type::Null,
                // What the flow returns (untyped through a call cycle or to an unknown flow).
                StepKind::Call { flow: Some(id), .. } => {
                    self.call_arguments(s, &id.name, &env, out);
                    self.flow_returns
                        .get(&id.name)
                        .cloned()
                        .flatten()
                        .unwrap_or(Type::Dyn)
                }
                StepKind::Call { flow: None, .. } => Type::Dyn,
                StepKind::ForEach(each) => self.for_each(s, each, scope, avail, &env, out),
                StepKind::If(branches) => {
                    if let Some(past) = self.if_chain(s, branches, scope, avail, &env, out) {
                        after_exit = Some(past);
                    }
                    Type::Dyn
                }
                // Never run (`flow::orphan-else`), but typed so that its expressions are checked.
                StepKind::ElseIf | StepKind::Else => {
                    let shown = match s.kind {
                        StepKind::ElseIf => self.condition_facts(s, true),
                        _ => Vec::new(),
                    };
                    self.branch(&s.body, scope, shown, avail, out);
                    Type::Dyn
                }
                StepKind::Try { catch } => {
                    self.try_catch(s, catch.as_deref(), scope, avail, &env, out);
                    Type::Dyn
                }
                StepKind::Catch => {
                    self.catch(s, scope, avail, out);
                    Type::Dyn
                }
                StepKind::Yield(_) | StepKind::Fail { .. } | StepKind::Log => Type::Dyn,
                StepKind::Return(tree) => {
                    let t = match tree {
                        Some(tree) => {
                            let t = self.tree_type(tree, &env, out);
                            self.types.insert(tree.loc(), t.clone());
                            t
                        }
                        None => Type::Null,
                    };
                    self.returns.push(t);
                    Type::Dyn
                }
            };
            if let Some(name) = &s.name {
                if self.focus == Focus::All {
                    self.steps_found.push((name.loc, result.clone()));
                }
                avail.push((name.name.clone(), result));
            }
        }
    }

    /// A `for-each`: its body typed with `item` and `index`, and the list of what it yields.
    fn for_each(
        &mut self,
        s: &Step,
        each: &ForEach,
        scope: &Scope,
        avail: &[(String, Type)],
        env: &Env,
        out: &mut Vec<Diagnostic>,
    ) -> Type {
        let list = each
            .items
            .as_ref()
            .map_or(Type::Dyn, |t| self.template(t, env, out));
        let elem = match list {
            Type::List(t) => *t,
            _ => Type::Dyn,
        };
        let mut inner = scope.with(vec![("item".into(), elem), ("index".into(), Type::Int)]);
        inner.all = scope.all.clone();
        let mut body_avail = avail.to_vec();
        self.steps(&s.body, &inner, &mut body_avail, out);
        let y = each.yielded.as_deref().map_or(Type::Dyn, |y| {
            let env = self.env(&inner, &body_avail);
            for t in &y.templates {
                self.template(t, &env, out);
            }
            match &y.kind {
                StepKind::Yield(tree) => self.tree_type(tree, &env, out),
                _ => Type::Dyn,
            }
        });
        Type::list(y)
    }

    /// An `if` with its `else-if`s and `else`: inside a branch, what its condition shows is
    /// present; in an `else` right after the `if`, what the `if`'s shows when false. Returns the
    /// scope past it when the `if` stands alone and always ends the run (its condition was
    /// false there).
    fn if_chain<'s>(
        &mut self,
        s: &Step,
        branches: &Branches,
        scope: &Scope<'s>,
        avail: &[(String, Type)],
        env: &Env,
        out: &mut Vec<Diagnostic>,
    ) -> Option<Scope<'s>> {
        self.branch(&s.body, scope, self.condition_facts(s, true), avail, out);
        for elif in &branches.else_ifs {
            for t in &elif.templates {
                self.template(t, env, out);
            }
            let shown = self.condition_facts(elif, true);
            self.branch(&elif.body, scope, shown, avail, out);
        }
        if let Some(e) = &branches.otherwise {
            for t in &e.templates {
                self.template(t, env, out);
            }
            let shown = match branches.else_ifs.is_empty() {
                true => self.condition_facts(s, false),
                false => Vec::new(),
            };
            self.branch(&e.body, scope, shown, avail, out);
        }
        if branches.else_ifs.is_empty() && branches.otherwise.is_none() && terminates(&s.body) {
            let shown = self.condition_facts(s, false);
            if !shown.is_empty() {
                return Some(scope.knowing(shown));
            }
        }
        None
    }

    /// A `try` and its `catch`: steps inside the `try` are not there after it (the body may stop
    /// at any step), unless the `catch` always ends the run.
    fn try_catch(
        &mut self,
        s: &Step,
        catch: Option<&Step>,
        scope: &Scope,
        avail: &mut Vec<(String, Type)>,
        env: &Env,
        out: &mut Vec<Diagnostic>,
    ) {
        let tried = self.branch(&s.body, scope, Vec::new(), avail, out);
        if let Some(c) = catch {
            for t in &c.templates {
                self.template(t, env, out);
            }
            self.catch(c, scope, avail, out);
            if terminates(&c.body) {
                *avail = tried;
            }
        }
    }

    /// The steps of a branch, in `scope` knowing `shown` present; what they add is not there
    /// after it (the branch may not run), so it is returned, not added to `avail`.
    fn branch(
        &mut self,
        body: &[Step],
        scope: &Scope,
        shown: Vec<String>,
        avail: &[(String, Type)],
        out: &mut Vec<Diagnostic>,
    ) -> Vec<(String, Type)> {
        let inner = (!shown.is_empty()).then(|| scope.knowing(shown));
        let mut branch = avail.to_vec();
        self.steps(body, inner.as_ref().unwrap_or(scope), &mut branch, out);
        branch
    }

    /// A `catch`'s body, with `error` in scope.
    fn catch(
        &mut self,
        c: &Step,
        scope: &Scope,
        avail: &[(String, Type)],
        out: &mut Vec<Diagnostic>,
    ) {
        let inner = scope.with(vec![("error".into(), error_type())]);
        let mut branch = avail.to_vec();
        self.steps(&c.body, &inner, &mut branch, out);
    }

    /// Each argument of a `call` against the type of the flow's input it gives (its `schema=` or
    /// `type=`): `flow::call-arguments`. Unknown and missing inputs are the name rules'.
    fn call_arguments(&mut self, s: &Step, flow: &str, env: &Env, out: &mut Vec<Diagnostic>) {
        let Some(f) = self.a.model.flows.iter().find(|f| f.name.name == flow) else {
            return;
        };
        let Type::Object(inputs) = self.flow_input_type(f) else {
            return;
        };
        for (name, tree) in &s.exec.call_args {
            let Some(input) = inputs.field(name) else {
                continue;
            };
            let given = self.tree_type(tree, env, out);
            if !given.fits(&input.ty) {
                out.push(
                    Diagnostic::new(
                        Rule::FlowCallArguments,
                        tree.loc(),
                        format!(
                            "`{name}` is {} here, but flow `{flow}` takes {}",
                            given.describe(),
                            input.ty.describe()
                        ),
                    )
                    .label(given.describe())
                    .related(
                        f.inputs
                            .iter()
                            .find(|i| i.name.name == *name)
                            .map_or(f.name.loc, |i| i.name.loc),
                        "input declared here",
                    )
                    .help(format!("give `{name}` {}", input.ty.describe())),
                );
            }
        }
    }

    /// What the condition of an `if`/`else-if` step shows present when it is `when`
    /// ([`intact_expr::infer::facts`]); nothing unless the condition is one `${…}`.
    fn condition_facts(&self, s: &Step, when: bool) -> Vec<String> {
        let Some(t) = s.templates.first() else {
            return Vec::new();
        };
        let segments = template::segments(&t.text);
        let [seg] = segments.as_slice() else {
            return Vec::new();
        };
        if seg.offset != 2 || !seg.closed || seg.expr.len() + 3 != t.text.len() {
            return Vec::new();
        }
        match self.a.expression(seg.expr).as_ref() {
            Ok(parsed) => intact_expr::infer::facts(parsed, when),
            Err(_) => Vec::new(),
        }
    }

    /// What a request sends: `queries`/`headers` objects must be objects (`expr::type`), and a
    /// `json` body of an `operation=` request must fit the operation's request body schema
    /// (`openapi::body-field` for a field it does not list, `openapi::body-type` for a wrong type
    /// or value).
    fn request_values(&mut self, s: &Step, r: &Request, env: &Env, out: &mut Vec<Diagnostic>) {
        for (what, trees) in [
            ("queries", &s.exec.query_objects),
            ("headers", &s.exec.header_objects),
        ] {
            for tree in trees {
                let ty = self.tree_type(tree, env, out);
                if matches!(
                    ty,
                    Type::String | Type::Int | Type::Double | Type::Bool | Type::List(_)
                ) {
                    out.push(
                        Diagnostic::new(
                            Rule::ExprType,
                            tree.loc(),
                            format!("`{what}` takes an object of names to values, not {}", ty.describe()),
                        )
                        .label(ty.describe())
                        .help(format!(
                            "give an object: `{what} \"${{{{'name': value}}}}\"`, or one `{}` per value",
                            if what == "queries" { "query" } else { "header" }
                        )),
                    );
                }
            }
        }
        let (Some((id, _)), Some((kind, tree))) = (&r.operation, &s.exec.body) else {
            return;
        };
        if *kind != intact_model::BodyKind::Json {
            return;
        }
        let expected = self.docs.request_body_type(id);
        if expected.is_dyn() {
            return;
        }
        self.tree_type(tree, env, out);
        let shape = super::shapes::Shape {
            unknown: Rule::OpenapiBodyField,
            ty: Rule::OpenapiBodyType,
            value: Rule::OpenapiBodyType,
            verb: "send",
            after: " here; the operation's request body schema is in the document under `openapi/`",
            what: format!("the request body of {id}"),
        };
        self.tree_against(&shape, tree, &expected, None, "", out);
    }
}
