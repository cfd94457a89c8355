//! Steps: what actions, flows, pings and blocks do, with control flow as a tree (an `if` holds
//! its `else-if`s and `else`, a `try` its `catch`).

use super::*;

/// One step of an action, flow, ping or block.
#[derive(Debug)]
pub struct Step {
    pub kind: StepKind,
    /// `steps.NAME` for named steps.
    pub name: Option<Ident>,
    /// The node's head (keyword and entries).
    pub loc: Loc,
    /// The keyword's location.
    pub keyword: Loc,
    /// Every template the step holds directly (not those of nested steps).
    pub templates: Vec<Template>,
    /// Nested steps (`if`, `else-if`, `else`, `for-each`, `try`, `catch` bodies). The branches
    /// that follow an `if` or a `try` are in its `kind` ([`Step::branches`]), not here.
    pub body: Vec<Step>,
    /// What the executor needs to run the step.
    pub exec: Exec,
}

/// The parts of a step the executor evaluates, as value trees.
#[derive(Debug, Default)]
pub struct Exec {
    /// The node's arguments after its step name (named steps) or all of them: a condition, a log or
    /// fail message, a `let` value, a request's method and path.
    pub args: Vec<Tree>,
    /// A request's `query` and `header` children, in order.
    pub query: Vec<QueryParam>,
    pub headers: Vec<HeaderParam>,
    /// A request's `queries` and `headers` children: objects spread into parameters and headers.
    pub query_objects: Vec<Tree>,
    pub header_objects: Vec<Tree>,
    /// A request's body and its tree.
    pub body: Option<(BodyKind, Tree)>,
    /// `json omit-null=#true`: object fields whose value is null are left out.
    pub omit_null: bool,
    /// A request's `timeout`, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// A `call`'s arguments.
    pub call_args: Vec<(String, Tree)>,
}

/// A request's `query NAME VALUE`: how it is serialised (`style=`, `explode=`,
/// `allow-reserved=`; form and exploded by default).
#[derive(Debug)]
pub struct QueryParam {
    pub name: String,
    pub value: Tree,
    pub style: crate::serialize::Serialization,
}

impl QueryParam {
    /// A query parameter serialised as OpenAPI's default (form, exploded).
    pub fn new(name: impl Into<String>, value: Tree) -> QueryParam {
        QueryParam {
            name: name.into(),
            value,
            style: crate::serialize::Serialization::QUERY,
        }
    }
}

/// A request's `header NAME VALUE`; `explode=#true` spreads an object's fields.
#[derive(Debug)]
pub struct HeaderParam {
    pub name: String,
    pub value: Tree,
    pub explode: bool,
}

#[derive(Debug)]
pub enum StepKind {
    Request(Request),
    /// `let NAME VALUE` or `let NAME { tree }`.
    Let(Option<Tree>),
    Call {
        flow: Option<Ident>,
        args: Vec<Ident>,
    },
    /// An `if` (its condition is the step's first argument, its body the step's) with the
    /// `else-if`s and the `else` written after it, lowered into one node.
    If(Branches),
    /// An `else-if` or `else`: a branch inside [`Branches`]. Directly in a list of steps only when
    /// nothing before it could take it (`flow::orphan-else`); such a step never runs.
    ElseIf,
    Else,
    ForEach(ForEach),
    /// A `try` (its body is the step's) with the `catch` written right after it.
    Try {
        catch: Option<Box<Step>>,
    },
    /// A `try`'s handler, inside [`StepKind::Try`]; directly in a list of steps only when it
    /// follows no `try` (`flow::orphan-else`), and then it never runs.
    Catch,
    /// `fail MESSAGE status=… type=…`.
    Fail {
        status: Option<Tree>,
        error_type: Option<Tree>,
    },
    Return(Option<Tree>),
    Log,
    /// The `yield` of a `for-each`, with its value: found in [`ForEach::yielded`].
    Yield(Tree),
}

/// The branches after an `if`: each `else-if` (a step of kind [`StepKind::ElseIf`] with its
/// condition and body) in order, then the `else`.
#[derive(Debug, Default)]
pub struct Branches {
    pub else_ifs: Vec<Step>,
    pub otherwise: Option<Box<Step>>,
}

/// `for-each NAME in="${list}" concurrency=N { … yield VALUE }`.
#[derive(Debug)]
pub struct ForEach {
    /// The `in` template.
    pub items: Option<Template>,
    /// How many bodies may run at once (1 when absent).
    pub concurrency: Option<Tree>,
    /// The `yield` step: what each run of the body adds to the result.
    pub yielded: Option<Box<Step>>,
}

impl Step {
    /// The steps that hang off this one besides its body: an `if`'s `else-if`s and `else`, a
    /// `try`'s `catch`, a `for-each`'s `yield`, in source order. Each has a body of its own.
    pub fn branches(&self) -> impl Iterator<Item = &Step> {
        let (list, last): (&[Step], Option<&Step>) = match &self.kind {
            StepKind::If(b) => (&b.else_ifs, b.otherwise.as_deref()),
            StepKind::Try { catch } => (&[], catch.as_deref()),
            StepKind::ForEach(f) => (&[], f.yielded.as_deref()),
            _ => (&[], None),
        };
        list.iter().chain(last)
    }

    /// The condition of an `if` or `else-if`.
    pub fn condition(&self) -> Option<&Tree> {
        match self.kind {
            StepKind::If(_) | StepKind::ElseIf => self.exec.args.first(),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub struct Request {
    pub method: Option<(String, Loc)>,
    pub path: Option<Template>,
    pub connection: Option<Ident>,
    pub operation: Option<(String, Loc)>,
    /// Which body children are present, and where each keyword is.
    pub bodies: Vec<(BodyKind, Loc)>,
    /// `expect` statuses.
    pub expect: Vec<(i64, Loc)>,
}

/// Whether every path through `steps` ends the run (`return` or `fail`): one of them does, or an
/// `if` whose branches and `else` all do, or a `try` whose body and `catch` both do.
pub fn always_ends(steps: &[Step]) -> bool {
    steps.iter().any(Step::ends_the_run)
}

impl Step {
    /// Whether every path through this step ends the run.
    pub fn ends_the_run(&self) -> bool {
        match &self.kind {
            StepKind::Return(_) | StepKind::Fail { .. } => true,
            StepKind::If(b) => {
                b.otherwise.is_some()
                    && always_ends(&self.body)
                    && self.branches().all(|b| always_ends(&b.body))
            }
            StepKind::Try { catch: Some(c) } => always_ends(&self.body) && always_ends(&c.body),
            _ => false,
        }
    }
}

/// Visits every step, nested bodies and branches included, in order.
pub fn walk_steps<'a>(steps: &'a [Step], f: &mut dyn FnMut(&'a Step)) {
    for s in steps {
        f(s);
        walk_steps(&s.body, f);
        for b in s.branches() {
            walk_steps(std::slice::from_ref(b), f);
        }
    }
}
