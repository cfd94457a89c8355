//! Data-driven tests: every project under `tests/fixtures/check/` is checked, and its findings are
//! compared with the expected files beside it. `UPDATE_EXPECT=1 cargo test -p intact-check` rewrites
//! them; review the diff before committing.

mod common;

use std::path::PathBuf;

use common::{analyze, compact, expect_file};
use intact_check::render::{self, HumanOptions};
use intact_check::{Diagnostic, registry};
use intact_model::{Analysis, project};

fn fixtures_dir() -> PathBuf {
    common::fixtures("check")
}

fn projects() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join(project::ROOT_FILE).is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_fixture_matches_its_expected_findings() {
    let mut failures = Vec::new();
    for dir in projects() {
        let (a, diags) = analyze(&dir);
        if let Err(e) = expect_file(&dir.join("expected.txt"), &compact(&a, &diags)) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The project with one mistake of each kind, in all five output formats.
#[test]
fn every_mistake_in_all_formats() {
    let dir = fixtures_dir().join("every-mistake");
    let (a, diags) = analyze(&dir);
    let names = render::FileNames::root_relative();
    let human = render::human(
        &a,
        &diags,
        &names,
        HumanOptions {
            color: false,
            unicode: false,
            width: 100,
        },
    );
    let outputs = [
        ("expected.human.txt", human),
        ("expected.json", render::json(&a, &diags, &names)),
        ("expected.sarif", render::sarif(&a, &diags, &names)),
        ("expected.github.txt", render::github(&a, &diags, &names)),
        (
            "expected.junit.xml",
            render::junit(&a, &diags, &names, false),
        ),
    ];
    let failures: Vec<String> = outputs
        .iter()
        .filter_map(|(name, text)| expect_file(&dir.join(name), text).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The one-line summaries come from the rule pages and must not be empty.
#[test]
fn every_rule_page_has_a_summary() {
    for r in registry::RULES {
        assert!(!r.summary.is_empty(), "{} has no summary paragraph", r.code);
        assert!(
            r.page.contains("## Example") && r.page.contains("## Fix"),
            "{} lacks an example or fix",
            r.code
        );
    }
}

/// `} else {` on one line: one error per node, and the fix (a newline) makes the file valid KDL
/// that reads as the writer meant (an `if` chain and a `try`/`catch`).
#[test]
fn nodes_on_a_closing_line_are_fixed_by_a_newline() {
    let dir = fixtures_dir().join("closing-line-nodes");
    let (a, diags) = analyze(&dir);
    let syntax: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == "syntax").collect();
    assert_eq!(syntax.len(), 3, "{diags:#?}");
    let mut text = a.files[0].text().to_string();
    let mut edits: Vec<(intact_model::Loc, String)> = syntax
        .iter()
        .flat_map(|d| d.fixes.iter().flat_map(|f| f.edits.clone()))
        .collect();
    assert_eq!(edits.len(), 3);
    edits.sort_by_key(|(loc, _)| std::cmp::Reverse(loc.span.start));
    for (loc, new) in edits {
        text.replace_range(loc.span.range(), &new);
    }
    let fixed = Analysis::new(vec![intact_model::FileInput::new(
        "intact.kdl",
        text.as_str(),
    )]);
    let after = intact_check::check(&fixed);
    assert!(after.is_empty(), "{text}\n{after:#?}");
    assert!(
        text.contains("    }\n    else-if \"${input.x == 'b'}\" {"),
        "{text}"
    );
    // The model saw the chain even before the fix: no finding but the three syntax errors.
    assert_eq!(diags.len(), 3, "{diags:#?}");
}

/// A mock route's path with a query: one error, and the fix writes the `query` children.
#[test]
fn a_mock_path_with_a_query_is_fixed_into_query_children() {
    let dir = fixtures_dir().join("mock-routes");
    let (a, diags) = analyze(&dir);
    let d = diags
        .iter()
        .find(|d| d.code == "test::mock-path")
        .expect("test::mock-path reported");
    let mut text = a.files[0].text().to_string();
    let mut edits = d.fixes[0].edits.clone();
    edits.sort_by_key(|(loc, _)| std::cmp::Reverse(loc.span.start));
    for (loc, new) in edits {
        text.replace_range(loc.span.range(), &new);
    }
    assert!(
        text.contains(
            "        on \"GET\" \"/people\" {\n            query \"after\" \"x y\"\n            query \"limit\" \"2\"\n            respond 200 {"
        ),
        "{text}"
    );
    let fixed = Analysis::new(vec![intact_model::FileInput::new(
        "intact.kdl",
        text.as_str(),
    )]);
    let after = intact_check::check(&fixed);
    assert!(after.is_empty(), "{text}\n{after:#?}");
}

/// The skeleton `contract::missing-action` offers fits its contract: uncommented, with its
/// placeholders filled, every one of the 22 checks without an error, and its request uses the
/// method the contract calls for (POST to create, not GET).
#[test]
fn missing_action_skeletons_fit_their_contracts() {
    let mut text = String::from(
        "project \"p\" {\n    display-name \"P\"\n}\nconnection \"api\" {\n    base-url \"https://api.example.com\"\n}\n",
    );
    for c in intact_model::contracts::CONTRACTS {
        let skeleton = intact_model::contracts::skeleton(c);
        let (method, _, _) = c.id.typical_request();
        assert!(
            skeleton.contains(&format!("request \"call\" \"{method}\"")),
            "{skeleton}"
        );
        text.push_str(
            &skeleton
                .replace("    // ", "    ")
                .replace("\"${…}\"", "\"${steps.call.body}\""),
        );
        text.push('\n');
    }
    assert!(text.contains("action \"create_user\" contract=\"create-user\" {\n    request \"call\" \"POST\" \"/users\" {\n        json \"${input.user}\"\n    }"), "{text}");
    let a = Analysis::new(vec![intact_model::FileInput::new(
        "intact.kdl",
        text.as_str(),
    )]);
    let errors: Vec<_> = intact_check::check(&a)
        .into_iter()
        .filter(|d| d.severity == intact_check::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{text}\n{errors:#?}");
}

/// Past the cap, errors are kept before warnings, and `limit::findings` has the severity of the
/// worst finding it stands for.
#[test]
fn the_cap_keeps_errors_first() {
    let mut text = String::from("project \"p\" {\n    display-name \"P\"\n}\n");
    for _ in 0..250 {
        text.push_str("// intact-ignore: schema::unknown-node\n");
    }
    // The last comment silences the next line with code: let that be a variable, not the error.
    text.push_str("variable \"v\" {\n    label \"V\"\n}\nunknown_at_the_end\n");
    let a = Analysis::new(vec![intact_model::FileInput::new(
        "intact.kdl",
        text.as_str(),
    )]);
    let diags = intact_check::check(&a);
    assert_eq!(diags.len(), intact_check::MAX_FINDINGS_PER_FILE + 1);
    assert!(
        diags.iter().any(|d| d.code == "schema::unknown-node"),
        "the error was dropped"
    );
    let limit = diags.iter().find(|d| d.code == "limit::findings").unwrap();
    assert_eq!(limit.severity, intact_check::Severity::Warning, "{limit:?}");
}

/// Past a file's budget, schema findings are only counted, not kept (a million-node file costs
/// its count, not a million findings): what is shown and the count in `limit::findings` are the
/// same as if every finding had been kept.
#[test]
fn findings_past_the_budget_are_counted_exactly() {
    let mut text = String::from("project \"p\" {\n    display-name \"P\"\n}\n");
    for _ in 0..5_000 {
        text.push_str("unknown_node\n");
    }
    text.push_str("variable \"v\" {\n}\n");
    let a = Analysis::new(vec![intact_model::FileInput::new(
        "intact.kdl",
        text.as_str(),
    )]);
    let diags = intact_check::check(&a);
    assert_eq!(diags.len(), intact_check::MAX_FINDINGS_PER_FILE + 1);
    let limit = diags.iter().find(|d| d.code == "limit::findings").unwrap();
    // 5,000 unknown nodes, the variable's missing label and the unused variable: 200 shown.
    assert_eq!(
        limit.message,
        "4802 more finding(s) in this file are not shown (4801 error(s), 1 warning(s))"
    );
    // The first ones are shown, in file order.
    let shown: Vec<u32> = diags
        .iter()
        .filter(|d| d.code == "schema::unknown-node")
        .map(|d| d.loc.span.start)
        .collect();
    assert!(shown.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(shown[0] as usize, text.find("unknown_node").unwrap());
}
