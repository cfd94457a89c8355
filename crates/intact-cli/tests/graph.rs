//! `intact graph` as a user runs it: the project, an action and a flow in each format, a name
//! that is both an action and a flow, a name that is neither.

#[path = "support/binary.rs"]
mod binary;

use std::path::Path;

use binary::{assert_exit, intact, project, stderr, stdout};

fn example() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/universal-logout")
}

#[test]
fn the_project_and_each_definition_are_drawn_in_every_format() {
    let root = example();
    let o = intact(&["graph"], &root);
    assert_exit(&o, 0);
    let text = stdout(&o);
    assert!(text.contains("flowchart TD"), "{text}");
    assert!(text.contains("[(\"connection acme\")]"), "{text}");
    assert!(text.contains("-->|\"calls\"|"), "{text}");

    let o = intact(&["graph", "universal_logout", "--format", "dot"], &root);
    assert_exit(&o, 0);
    let text = stdout(&o);
    assert!(
        text.starts_with("digraph \"action universal_logout"),
        "{text}"
    );
    assert!(text.contains("label=\"on error\""), "{text}");

    let o = intact(&["graph", "resolve_user_id", "--format", "svg"], &root);
    assert_exit(&o, 0);
    let text = stdout(&o);
    assert!(
        text.starts_with("<?xml") && text.trim_end().ends_with("</svg>"),
        "{text}"
    );
    assert!(text.contains("class=\"step start\""), "{text}");

    // From a folder inside the project, or naming it.
    let o = intact(&["graph", "--project", "flows"], &root);
    assert_exit(&o, 0);
    let o = intact(
        &["graph", "--project", &root.display().to_string()],
        Path::new("/"),
    );
    assert_exit(&o, 0);
}

#[test]
fn a_name_that_is_both_or_neither_is_a_usage_error_that_says_what_to_do() {
    let dir = project(&[(
        "intact.kdl",
        r#"project "p" {
    display-name "P"
}
connection "api" {
    base-url "https://api.example.com"
}
flow "ping_me" {
    request "r" "GET" "/me"
}
action "ping_me" {
    request "r" "GET" "/me"
}
"#,
    )]);
    let o = intact(&["graph", "ping_me"], dir.path());
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains(
            "say which with `intact graph ping_me --action` or `intact graph ping_me --flow`"
        ),
        "{}",
        stderr(&o)
    );
    let o = intact(&["graph", "ping_me", "--flow"], dir.path());
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("title: flow ping_me"), "{}", stdout(&o));
    let o = intact(&["graph", "ping_mee"], dir.path());
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("did you mean `ping_me`?"),
        "{}",
        stderr(&o)
    );
    let o = intact(&["graph", "--flow"], dir.path());
    assert_exit(&o, 2);
}
