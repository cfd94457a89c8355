//! Expressions on arbitrary text: parsing never panics or overflows the stack, and a parsed
//! expression is typed and evaluated (against a small input) without a panic.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(parsed) = intact_expr::parse(&text) else {
        return;
    };
    let mut issues = Vec::new();
    let _ = intact_expr::infer(&parsed, &text, &intact_expr::Env::default(), &mut issues);
    let input = serde_json::json!({"user": {"name": "Ada", "tags": ["a", "b"], "n": 3}, "list": [1, 2]});
    let _ = intact_expr::eval::Program::new(&parsed)
        .evaluate(&[("input", &input)], Arc::new(intact_expr::eval::NoMappings));
});
