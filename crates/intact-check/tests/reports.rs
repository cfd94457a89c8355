//! What the reports say and where they point, beyond the rule pages (tests/rule_pages.rs): the
//! human header's column, the labels of `auth::missing-field`, the fix of an unquoted value.

use intact_check::render::{self, HumanOptions};
use intact_check::{Diagnostic, check};
use intact_model::{Analysis, FileInput};

fn analyze(text: &str) -> (Analysis, Vec<Diagnostic>) {
    let a = Analysis::new(vec![FileInput::new("intact.kdl", text)]);
    let d = check(&a);
    (a, d)
}

fn human(a: &Analysis, diags: &[Diagnostic]) -> String {
    render::human(
        a,
        diags,
        &render::FileNames::root_relative(),
        HumanOptions {
            color: false,
            unicode: false,
            width: 100,
        },
    )
}

/// Every format counts columns in characters: `日本語` is three columns, not nine bytes.
#[test]
fn the_human_header_counts_columns_in_characters() {
    let text = "project \"p\" {\n    display-name \"日本語\" bogus=1\n}\n";
    let (a, diags) = analyze(text);
    let d = diags
        .iter()
        .find(|d| d.code == "schema::unknown-property")
        .expect("bogus= is reported");
    let json = render::json(
        &a,
        std::slice::from_ref(d),
        &render::FileNames::root_relative(),
    );
    assert!(json.contains("\"column\": 24"), "{json}");
    let out = human(&a, std::slice::from_ref(d));
    assert!(out.contains("[intact.kdl:2:24]"), "{out}");

    // On a line cropped around the finding too.
    let long = format!(
        "project \"p\" {{\n    display-name \"{}\" bogus=1\n}}\n",
        "é".repeat(300)
    );
    let (a, diags) = analyze(&long);
    let d = diags
        .iter()
        .find(|d| d.code == "schema::unknown-property")
        .expect("bogus= is reported");
    let out = human(&a, std::slice::from_ref(d));
    let column = 4 + "display-name \"".len() + 300 + 2 + 1;
    assert!(out.contains(&format!("[intact.kdl:2:{column}]")), "{out}");
}

/// The label under `auth "oauth2"` names what is missing in plain words.
#[test]
fn auth_missing_field_labels_read_as_english() {
    let (_, diags) = analyze(
        "connection \"acme\" {\n    base-url \"https://a.example\"\n    auth \"oauth2\" {\n        grant \"authorization-code\"\n    }\n}\nconnection \"b\" {\n    base-url \"https://b.example\"\n    auth \"custom\"\n}\n",
    );
    let labels: Vec<&str> = diags
        .iter()
        .filter(|d| d.code == "auth::missing-field")
        .map(|d| d.label.as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "no `token-url`",
            "no `authorize-url` for the authorization-code grant",
            "no `header`, `query` or `cookie`"
        ]
    );
}

/// A path written without quotes is one finding that says to quote it, and its fix does.
#[test]
fn an_unquoted_path_is_one_finding_whose_fix_quotes_it() {
    let text = "action \"a\" contract=\"deactivate-user\" {\n    request \"d\" \"POST\" /users/${input.userId}/deactivate\n    return {}\n}\n";
    let (a, diags) = analyze(text);
    let syntax: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == "syntax").collect();
    assert_eq!(syntax.len(), 1, "{diags:#?}");
    assert_eq!(
        a.text_at(syntax[0].loc),
        "/users/${input.userId}/deactivate"
    );
    assert_eq!(syntax[0].message, "a value with `/` or `$` must be quoted");
    let (loc, new) = &syntax[0].fixes[0].edits[0];
    let mut fixed = text.to_string();
    fixed.replace_range(loc.span.range(), new);
    assert!(fixed.contains("\"POST\" \"/users/${input.userId}/deactivate\"\n"));
    let (_, after) = analyze(&fixed);
    assert!(
        after.iter().all(|d| !d.code.as_str().starts_with("syntax")),
        "{after:#?}"
    );
}

/// The expressions docs/security.md gives as examples call functions that exist (its masking
/// claim is tested with them by `values_computed_from_a_secret_are_masked`).
#[test]
fn the_security_page_examples_call_real_functions() {
    let page = include_str!("../../../docs/security.md");
    let env = intact_expr::Env {
        vars: ["auth", "input", "steps", "app"]
            .map(|n| (n.to_string(), intact_expr::Type::Dyn))
            .to_vec(),
        ..Default::default()
    };
    let mut checked = 0;
    for code in page.split('`').skip(1).step_by(2) {
        if !code.contains('(') || !code.contains("auth.") {
            continue;
        }
        let Ok(parsed) = intact_expr::parse(code) else {
            continue;
        };
        let mut issues = Vec::new();
        intact_expr::infer(&parsed, code, &env, &mut issues);
        assert!(
            issues.is_empty(),
            "`{code}` in docs/security.md: {issues:?}"
        );
        checked += 1;
    }
    assert!(checked >= 3, "the page's examples were not found");
}
