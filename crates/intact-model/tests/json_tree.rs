//! JSON written as a value tree reads back as the same JSON: scalars, nested objects and lists,
//! empty ones, one-element lists, keys that need quotes, strings holding `${`.

use intact_model::{Analysis, FileInput, json_tree};
use intact_syntax::build::{Doc, Node};
use serde_json::{Value as J, json};

fn round_trip(v: &J) -> J {
    let mut test = Node::new("test").arg("t").prop("flow", "f");
    test.push(json_tree::node("input", v));
    let mut doc = Doc::new();
    doc.push(test);
    let text = doc.print();
    let a = Analysis::new(vec![FileInput::new("intact.kdl", text.clone())]);
    let (tree, _) = a.model.tests[0].input.as_ref().expect("an input");
    let programs = intact_model::eval::Programs::default();
    intact_model::eval::eval_tree(
        tree,
        &[],
        &programs,
        std::sync::Arc::new(intact_expr::eval::NoMappings),
    )
    .unwrap_or_else(|e| panic!("{e}:\n{text}"))
}

#[test]
fn json_written_as_a_tree_reads_back_the_same() {
    let cases = [
        json!({"a": 1, "b": "two", "c": true, "d": null, "e": 2.5}),
        json!({"nested": {"deeper": {"x": [1, 2, 3]}}}),
        json!({"empty_object": {}, "empty_list": [], "one": ["only"]}),
        json!({"list": [{"value": "a@b", "primary": true}, {"value": "c@d"}]}),
        json!({"lists": [[1, 2], [], ["x"]]}),
        json!({"with space": "k", "urn:ietf:params:scim:schemas:core:2.0:User": {"x": 1}}),
        json!({"template": "not ${an.expression}", "dollar": "$5", "newline": "a\nb"}),
        json!({"big": 12345678901_i64, "neg": -3, "float": 1.0}),
    ];
    for v in cases {
        assert_eq!(round_trip(&v), v);
    }
}
