//! `if`/`else-if`/`else` and `try`/`catch` are lowered into one step each, with their branches in
//! the step's kind; what cannot be joined stays in the list as an orphan for `flow::orphan-else`.

use intact_model::{Analysis, FileInput, Step, StepKind};

fn flow_steps(body: &str) -> Analysis {
    let text = format!("flow \"f\" {{\n{body}\n}}\n");
    Analysis::new(vec![FileInput::new("intact.kdl", text.as_str())])
}

/// Each step as its keyword, its branches in brackets.
fn shape(a: &Analysis, steps: &[Step]) -> String {
    steps
        .iter()
        .map(|s| {
            let mut out = a.text_at(s.keyword).to_string();
            if !s.body.is_empty() {
                out.push_str(&format!("{{{}}}", shape(a, &s.body)));
            }
            let branches: Vec<String> = s
                .branches()
                .map(|b| shape(a, std::slice::from_ref(b)))
                .collect();
            if !branches.is_empty() {
                out.push_str(&format!("[{}]", branches.join(" ")));
            }
            out
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn lowered(body: &str) -> String {
    let a = flow_steps(body);
    shape(&a, &a.model.flows[0].steps)
}

#[test]
fn a_chain_is_one_step() {
    assert_eq!(
        lowered(
            r#"if "${input.a}" { log "a" }
else-if "${input.b}" { log "b" }
else-if "${input.c}" { log "c" }
else { log "d" }
log "after""#
        ),
        "if{log}[else-if{log} else-if{log} else{log}] log"
    );
}

#[test]
fn what_follows_an_else_or_nothing_is_an_orphan() {
    assert_eq!(
        lowered("if \"${input.a}\" { }\nelse { }\nelse { }\nlog \"x\"\nelse-if \"${input.b}\" { }"),
        "if[else] else log else-if"
    );
}

#[test]
fn a_try_takes_one_catch_right_after_it() {
    assert_eq!(
        lowered("try { log \"t\" }\ncatch { log \"c\" }\ncatch { }\ntry { }\nlog \"x\"\ncatch { }"),
        "try{log}[catch{log}] catch try log catch"
    );
}

#[test]
fn a_for_each_keeps_its_yield_and_concurrency_as_fields() {
    let a = flow_steps(
        "for-each \"all\" in=\"${input.items}\" concurrency=4 {\n    log \"x\"\n    yield \"${item}\"\n}",
    );
    let s = &a.model.flows[0].steps[0];
    let StepKind::ForEach(each) = &s.kind else {
        panic!("{:?}", s.kind)
    };
    assert!(each.concurrency.is_some() && each.items.is_some());
    assert!(matches!(
        each.yielded.as_deref().map(|y| &y.kind),
        Some(StepKind::Yield(_))
    ));
    assert_eq!(shape(&a, &a.model.flows[0].steps), "for-each{log}[yield]");
}

#[test]
fn walking_visits_every_branch_once_in_order() {
    let a = flow_steps(
        "if \"${input.a}\" { log \"1\" }\nelse-if \"${input.b}\" { log \"2\" }\nelse { try { log \"3\" }\ncatch { log \"4\" } }",
    );
    let mut seen = Vec::new();
    intact_model::walk_steps(&a.model.flows[0].steps, &mut |s| {
        seen.push(a.text_at(s.keyword).to_string())
    });
    assert_eq!(
        seen,
        [
            "if", "log", "else-if", "log", "else", "try", "log", "catch", "log"
        ]
    );
}
