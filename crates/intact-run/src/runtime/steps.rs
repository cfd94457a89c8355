//! Steps in order: branches, loops, `try`/`catch`, calls, returns and failures.

use intact_expr::eval::json_text as text_of;
use intact_model::{Branches, ConnectionDef, ForEach, Ident, Step, StepKind, Tree};
use serde_json::{Map, Value as J, json};

use super::*;

impl Runtime {
    pub(super) async fn run_steps_of<'a>(
        &'a self,
        steps: &'a [Step],
        input: J,
        conn: Option<&'a ConnectionDef>,
    ) -> Result<Flow, Failure> {
        let mut vars = Vars::new();
        vars.insert("input".into(), Arc::new(input));
        vars.insert("app".into(), Arc::new(self.app()));
        vars.insert(
            "auth".into(),
            Arc::new(match conn {
                Some(c) => self.auth(c)?,
                None => J::Object(Map::new()),
            }),
        );
        let mut frame = Frame {
            vars,
            steps: Arc::new(J::Object(Map::new())),
            conn,
            step: None,
        };
        self.steps(steps, &mut frame).await
    }

    pub(super) fn steps<'a, 'b>(
        &'a self,
        steps: &'a [Step],
        frame: &'b mut Frame<'a>,
    ) -> StepFuture<'b>
    where
        'a: 'b,
    {
        Box::pin(async move {
            for s in steps {
                frame.step = Some(s);
                // The innermost step names the failure's place: outer ones keep it.
                let flow = self.step(s, frame).await.map_err(|mut f| {
                    f.at.get_or_insert(s.loc);
                    f
                })?;
                if let Flow::Return(v) = flow {
                    return Ok(Flow::Return(v));
                }
            }
            Ok(Flow::Next)
        })
    }

    /// One step run on `frame`: `Flow::Return` when it ends the run with a value.
    async fn step<'a>(&'a self, s: &'a Step, frame: &mut Frame<'a>) -> Result<Flow, Failure> {
        match &s.kind {
            StepKind::If(branches) => return self.run_if(s, branches, frame).await,
            // Orphans (`flow::orphan-else`) never run; a `yield` is its `for-each`'s.
            StepKind::ElseIf | StepKind::Else | StepKind::Catch | StepKind::Yield(_) => {}
            StepKind::Try { catch } => return self.run_try(s, catch.as_deref(), frame).await,
            StepKind::Return(tree) => {
                let v = match tree {
                    Some(t) => self.eval(t, frame)?,
                    None => json!({}),
                };
                return Ok(Flow::Return(v));
            }
            StepKind::Fail { status, error_type } => {
                return Err(self.fail(s, status.as_ref(), error_type.as_ref(), frame)?);
            }
            StepKind::Log => {
                let line = match s.exec.args.first() {
                    Some(t) => text_of(&self.eval(t, frame)?),
                    None => String::new(),
                };
                self.trace(format_args!("log: {line}"));
            }
            StepKind::Let(tree) => {
                let v = match tree {
                    Some(t) => self.eval(t, frame)?,
                    None => J::Null,
                };
                self.set(s, frame, v);
            }
            StepKind::Call { flow, .. } => {
                let v = self.call_flow(s, flow.as_ref(), frame).await?;
                self.set(s, frame, v);
            }
            StepKind::ForEach(each) => return self.for_each(s, each, frame).await,
            StepKind::Request(_) => {
                let result = self.request(s, frame).await?;
                self.set(s, frame, result);
            }
        }
        Ok(Flow::Next)
    }

    /// An `if` with its `else-if`s and `else`: the first branch whose condition holds runs, on a
    /// copy of the frame.
    async fn run_if<'a>(
        &'a self,
        s: &'a Step,
        branches: &'a Branches,
        frame: &mut Frame<'a>,
    ) -> Result<Flow, Failure> {
        let mut taken = None;
        for st in std::iter::once(s).chain(&branches.else_ifs) {
            frame.step = Some(st);
            if self.truthy(st, frame)? {
                taken = Some(st);
                break;
            }
        }
        match taken.or(branches.otherwise.as_deref()) {
            Some(st) => self.steps(&st.body, &mut frame.clone()).await,
            None => Ok(Flow::Next),
        }
    }

    /// A `try`: its body on a copy of the frame; when the body fails, the `catch` with `error`
    /// (or the failure, without one).
    async fn run_try<'a>(
        &'a self,
        s: &'a Step,
        catch: Option<&'a Step>,
        frame: &mut Frame<'a>,
    ) -> Result<Flow, Failure> {
        let mut branch = frame.clone();
        match (self.steps(&s.body, &mut branch).await, catch) {
            (Ok(Flow::Return(v)), _) => Ok(Flow::Return(v)),
            // Every step of the body ran: later steps may read them (the checker allows it when
            // the catch always ends the run).
            (Ok(Flow::Next), _) => {
                frame.steps = branch.steps;
                Ok(Flow::Next)
            }
            (Err(f), Some(c)) => {
                self.trace(format_args!("catch: {}", f.message));
                let mut handler = frame.clone();
                handler
                    .vars
                    .insert("error".into(), Arc::new(f.as_error_value()));
                self.steps(&c.body, &mut handler).await
            }
            (Err(f), None) => Err(f),
        }
    }

    /// A `call`: the flow run with the step's arguments, through its own connection (else the
    /// caller's); its result is what it returns, `null` when it returns nothing.
    async fn call_flow<'a>(
        &'a self,
        s: &'a Step,
        flow: Option<&Ident>,
        frame: &Frame<'a>,
    ) -> Result<J, Failure> {
        let name = flow.map(|f| f.name.clone()).unwrap_or_default();
        let mut args = Map::new();
        for (k, t) in &s.exec.call_args {
            args.insert(k.clone(), self.eval(t, frame)?);
        }
        let target = self.flow(&name)?;
        let input = self.flow_input(target, J::Object(args))?;
        let conn = match &target.connection {
            Some(c) => self.connection(Some(&c.name)),
            None => frame.conn.or_else(|| self.connection(None)),
        };
        Ok(
            match Box::pin(self.run_steps_of(&target.steps, input, conn)).await? {
                Flow::Return(v) => v,
                Flow::Next => J::Null,
            },
        )
    }

    /// A `for-each`: its body once per item, at most `concurrency=N` at once, each on a copy of
    /// the frame with `item` and `index`; the step's result is what each `yield`ed, in the
    /// items' order.
    async fn for_each<'a>(
        &'a self,
        s: &'a Step,
        each: &'a ForEach,
        frame: &mut Frame<'a>,
    ) -> Result<Flow, Failure> {
        let list = match &each.items {
            Some(t) => self.eval(&Tree::Template(t.clone()), frame)?,
            None => J::Array(Vec::new()),
        };
        let J::Array(list) = list else {
            return Err(Failure::new("`for-each in=` is not a list"));
        };
        let yield_tree = each.yielded.as_deref().and_then(|y| match &y.kind {
            StepKind::Yield(t) => Some(t),
            _ => None,
        });
        let concurrency = match &each.concurrency {
            Some(t) => self.eval(t, frame)?.as_u64().unwrap_or(1).clamp(1, 64) as usize,
            None => 1,
        };
        let permits = tokio::sync::Semaphore::new(concurrency);
        let bodies = list.into_iter().enumerate().map(|(index, item)| {
            let mut body = frame.clone();
            body.vars.insert("item".into(), Arc::new(item));
            body.vars.insert("index".into(), Arc::new(J::from(index)));
            let permits = &permits;
            async move {
                let _permit = permits
                    .acquire()
                    .await
                    .expect("the semaphore is never closed");
                let flow = self.steps(&s.body, &mut body).await?;
                let yielded = match yield_tree {
                    Some(t) => Some(self.eval(t, &body)?),
                    None => None,
                };
                Ok::<_, Failure>((flow, yielded))
            }
        });
        let mut results = Vec::new();
        for outcome in futures_util::future::join_all(bodies).await {
            let (flow, yielded) = outcome?;
            if let Flow::Return(v) = flow {
                return Ok(Flow::Return(v));
            }
            results.extend(yielded);
        }
        self.set(s, frame, J::Array(results));
        Ok(Flow::Next)
    }

    pub(super) fn set(&self, s: &Step, frame: &mut Frame, v: J) {
        if let Some(n) = &s.name
            && let J::Object(steps) = Arc::make_mut(&mut frame.steps)
        {
            steps.insert(n.name.clone(), v);
        }
    }

    pub(super) fn truthy(&self, s: &Step, frame: &Frame) -> Result<bool, Failure> {
        match s.exec.args.first() {
            Some(t) => Ok(matches!(self.eval(t, frame)?, J::Bool(true))),
            None => Ok(false),
        }
    }

    pub(super) fn fail(
        &self,
        s: &Step,
        status: Option<&Tree>,
        error_type: Option<&Tree>,
        frame: &Frame,
    ) -> Result<Failure, Failure> {
        let message = match s.exec.args.first() {
            Some(t) => text_of(&self.eval(t, frame)?),
            None => "the flow failed".into(),
        };
        let status = match status {
            Some(t) => self.eval(t, frame)?.as_u64().map(|n| n as u16),
            None => None,
        };
        let error_type = match error_type {
            Some(t) => ErrorType::parse(&text_of(&self.eval(t, frame)?)),
            None => status.map_or(ErrorType::GenericFailure, ErrorType::from_status),
        };
        Ok(Failure {
            message,
            error_type,
            status,
            step: None,
            at: Some(s.loc),
            body: None,
            request_id: None,
            kind: FailureKind::Run,
        })
    }
}
