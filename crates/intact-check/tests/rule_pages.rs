//! Every rule page's example reports the page's code where the page says, and its fix reports
//! neither that code nor any error. The conventions that turn a page's snippets into a project are
//! in docs/rules/README.md ("Checked examples"); a page's example is what `intact explain` prints,
//! so a snippet that does not do what its page says misleads the reader at the moment they need it.

use std::collections::BTreeMap;

use intact_check::{Diagnostic, Severity, registry};
use intact_model::{Analysis, FileInput};

/// Pages whose example is not a project `intact check` can read, and why.
const NOT_CHECKED: &[(&str, &str)] = &[
    (
        "limit::findings",
        "its example is a 2 MB file, described rather than shown",
    ),
    (
        "openapi::unsupported-version",
        "`intact import` reports it for a file outside the project; its fix is a conversion command",
    ),
];

/// Pages with a checked example whose fix is prose (what to run, which file to restore).
const FIX_IN_PROSE: &[&str] = &["openapi::invalid-document"];

/// What a snippet may use without defining: added to the project when a snippet names it and no
/// snippet defines it. Keyed by the text that names it.
const LIBRARY: &[(&str, &str, &str)] = &[
    (
        "scim_user(",
        "mapping \"scim_user\"",
        r#"mapping "scim_user" {
    id "${it.id}"
    userName "${it.email}"
    active "${it.status == 'active'}"
}
"#,
    ),
    (
        "scim_user_v3(",
        "mapping \"scim_user_v3\"",
        r#"mapping "scim_user_v3" {
    id "${it.id}"
    userName "${it.login}"
}
"#,
    ),
    (
        "scim_group(",
        "mapping \"scim_group\"",
        r#"mapping "scim_group" {
    id "${it.id}"
    displayName "${it.name}"
}
"#,
    ),
    (
        "app.subdomain",
        "variable \"subdomain\"",
        "variable \"subdomain\" {\n    label \"Acme subdomain\"\n}\n",
    ),
    (
        "\"acme_scim\"",
        "connection \"acme_scim\"",
        "connection \"acme_scim\" {\n    base-url \"https://api.acme-hr.example/scim/v2\"\n}\n",
    ),
    (
        "\"get_user\"",
        "action \"get_user\"",
        r#"action "get_user" contract="get-user" {
    request "get" "GET" "/users/${input.userId}"
    return { user "${scim_user(steps.get.body)}" }
}
"#,
    ),
    (
        "\"deactivate_user\"",
        "action \"deactivate_user\"",
        r#"action "deactivate_user" contract="deactivate-user" {
    request "deactivate" "POST" "/users/${input.userId}/deactivate"
    return {}
}
"#,
    ),
    (
        "\"logout\"",
        "action \"logout\"",
        r#"action "logout" contract="universal-logout" {
    request "revoke" "POST" "/users/${input.externalUserId}/logout"
    return { logoutStatus "SUCCESS" }
}
"#,
    ),
    (
        "\"find_user_by_email\"",
        "flow \"find_user_by_email\"",
        r#"flow "find_user_by_email" {
    input "email" type="string" required=#true
    request "search" "GET" "/users" { query "email" "${input.email}" }
    return "${steps.search.body.items[0]}"
}
"#,
    ),
    (
        "\"list_people\"",
        "flow \"list_people\"",
        r#"flow "list_people" {
    input "cursor" type="string"
    request "page" "GET" "/people" { query "after" "${default(input.cursor, '')}" }
    return "${steps.page.body.people}"
}
"#,
    ),
];

/// Pages whose example reports its code more than once, as the page says.
const REPORTED_MORE_THAN_ONCE: &[(&str, usize)] = &[
    // `input.pagination` and `pagination.cursor`: both are optional ("and … does not require").
    ("expr::optional-field", 2),
    // Two `true`s.
    ("syntax::kdl-v1", 2),
    // The unknown `mail` and the missing `email` ("It also reports").
    ("flow::call-arguments", 2),
    // `usrName`, `"yes"` and, in the second example, `"SUCESS"`.
    ("test::expect", 3),
];

const PROJECT: &str = "project \"acme_hr\" {\n    display-name \"Acme HR\"\n}\n";

const CONNECTION: &str =
    "connection \"acme\" {\n    base-url \"https://api.acme-hr.example/v2\"\n}\n";

/// The OpenAPI document of the `openapi` fixture: `getUser`, `updateUser`, `listUsers`.
const OPENAPI: &str = include_str!("../../../tests/fixtures/check/openapi/openapi/acme.yaml");

#[derive(Debug, Clone)]
struct Block {
    lang: String,
    text: String,
}

/// The fenced blocks of a page's section (`## Example`), up to the next `## ` heading.
fn blocks(page: &str, heading: &str) -> Vec<Block> {
    let Some(start) = page.find(&format!("\n{heading}\n")) else {
        return Vec::new();
    };
    let body = &page[start + heading.len() + 2..];
    let body = &body[..body.find("\n## ").unwrap_or(body.len())];
    let mut out = Vec::new();
    let mut lines = body.lines();
    while let Some(line) = lines.next() {
        if let Some(lang) = line.strip_prefix("```") {
            let mut text = String::new();
            for l in lines.by_ref() {
                if l.starts_with("```") {
                    break;
                }
                text.push_str(l);
                text.push('\n');
            }
            out.push(Block {
                lang: lang.trim().to_string(),
                text,
            });
        }
    }
    out
}

/// The file a block is, from a first line that is only a path (`// intact.kdl`,
/// `# openapi/acme.yaml`); `None` for a block intact does not read.
fn place(block: &Block) -> Option<(String, bool)> {
    let first = block.text.lines().next().unwrap_or("");
    let named = first
        .strip_prefix("// ")
        .or_else(|| first.strip_prefix("# "))
        .filter(|p| !p.contains(' ') && p.contains('.'));
    match (block.lang.as_str(), named) {
        ("kdl", Some(p)) if p.ends_with(".kdl") => Some((p.to_string(), true)),
        ("kdl", _) => Some(("intact.kdl".to_string(), false)),
        ("toml", Some(p)) if p.starts_with("env/") => Some((p.to_string(), true)),
        ("toml", _) => Some(("env/dev.toml".to_string(), false)),
        ("yaml", Some(p)) if p.starts_with("openapi/") => Some((p.to_string(), true)),
        _ => None,
    }
}

/// A top-level node with the comments above it, and its kind and name (`action "get_user"`).
#[derive(Debug, Clone)]
struct Chunk {
    key: Option<String>,
    text: String,
}

/// Splits KDL text at the lines where a top-level node starts; other files are one chunk.
fn chunks(path: &str, text: &str) -> Vec<Chunk> {
    if !path.ends_with(".kdl") {
        return vec![Chunk {
            key: Some(path.to_string()),
            text: text.to_string(),
        }];
    }
    let mut out: Vec<Chunk> = Vec::new();
    // Comments and blank lines at the margin belong to the node below them.
    let mut pending = String::new();
    for line in text.lines() {
        if line.starts_with(|c: char| c.is_ascii_alphabetic()) {
            let head = line.split(" {").next().unwrap_or(line);
            let mut words = head.split(' ');
            let kind = words.next().unwrap_or("");
            let key = match words.next().filter(|w| w.starts_with('"')) {
                Some(name) => format!("{kind} {name}"),
                None => kind.to_string(),
            };
            out.push(Chunk {
                key: Some(key),
                text: std::mem::take(&mut pending),
            });
        } else if let Some(current) = out.last_mut()
            && (line.starts_with(' ') || line.starts_with('}'))
        {
            current.text.push_str(&std::mem::take(&mut pending));
        } else {
            pending.push_str(line);
            pending.push('\n');
            continue;
        }
        let current = out.last_mut().expect("a node was started");
        current.text.push_str(line);
        current.text.push('\n');
    }
    if !pending.trim().is_empty() {
        out.push(Chunk {
            key: None,
            text: pending,
        });
    }
    out
}

type Files = BTreeMap<String, Vec<Chunk>>;

fn files_of(blocks: &[Block]) -> Files {
    let mut files = Files::new();
    for b in blocks {
        if let Some((path, _)) = place(b) {
            files
                .entry(path.clone())
                .or_default()
                .extend(chunks(&path, &b.text));
        }
    }
    files
}

/// The fix's blocks, split into alternatives: a block that shows a node an earlier block of the
/// same alternative showed starts another ("give a fallback … or guard the read").
fn alternatives(fix: &[Block]) -> Vec<Vec<Block>> {
    let mut out: Vec<Vec<Block>> = Vec::new();
    let mut shown: Vec<String> = Vec::new();
    for b in fix {
        let Some((path, _)) = place(b) else { continue };
        let keys: Vec<String> = chunks(&path, &b.text)
            .into_iter()
            .filter_map(|c| c.key)
            .collect();
        if out.is_empty() || keys.iter().any(|k| shown.contains(k)) {
            out.push(Vec::new());
            shown.clear();
        }
        shown.extend(keys);
        out.last_mut().unwrap().push(b.clone());
    }
    out
}

fn kind(key: &str) -> &str {
    key.split(' ').next().unwrap_or(key)
}

/// A fix applied to the example: each node replaces the example's nodes of the same kind and name,
/// wherever they are (a fix in another file moves the node). A block that shows several nodes of
/// a kind, or one the example lacks, shows all of that kind: it also renames and deletes.
fn apply_fix(example: &Files, fix: &[Block]) -> Files {
    let mut files = example.clone();
    for b in fix {
        let Some((path, _)) = place(b) else { continue };
        let new = chunks(&path, &b.text);
        let existing: Vec<String> = files
            .values()
            .flatten()
            .filter_map(|c| c.key.clone())
            .collect();
        let mut whole_kinds: Vec<&str> = Vec::new();
        for c in &new {
            let Some(key) = &c.key else { continue };
            let same_kind = new
                .iter()
                .filter(|d| d.key.as_deref().map(kind) == Some(kind(key)));
            if same_kind.count() > 1 || !existing.contains(key) {
                whole_kinds.push(kind(key));
            }
        }
        let mut at = None;
        for (p, list) in files.iter_mut() {
            let replaced = |c: &Chunk| {
                c.key.as_ref().is_some_and(|k| {
                    whole_kinds.contains(&kind(k)) || new.iter().any(|n| n.key.as_ref() == Some(k))
                })
            };
            if *p == path {
                at = list.iter().position(replaced);
            }
            list.retain(|c| !replaced(c));
        }
        let list = files.entry(path.clone()).or_default();
        let at = at.unwrap_or(list.len());
        list.splice(at..at, new);
    }
    files
}

/// The project around the snippets: what they use and do not define (docs/rules/README.md).
fn with_context(files: &Files, used: &str, whole: bool) -> Vec<(String, String)> {
    let mut out: BTreeMap<String, String> = files
        .iter()
        .map(|(p, list)| (p.clone(), list.iter().map(|c| c.text.as_str()).collect()))
        .collect();
    let all: String = out.values().map(String::as_str).collect();
    let defines = |head: &str| all.lines().any(|l| l.starts_with(head));
    let mut context = String::new();
    if !whole && !defines("project ") {
        context.push_str(PROJECT);
    }
    if !whole && !defines("connection ") {
        context.push_str(CONNECTION);
    }
    // A library definition may use another (an action calls `scim_user`): close over them.
    let mut added: Vec<&str> = Vec::new();
    loop {
        let text = format!("{used}{context}");
        let next = LIBRARY
            .iter()
            .find(|(name, head, _)| text.contains(name) && !defines(head) && !added.contains(head));
        let Some((_, head, def)) = next else { break };
        added.push(head);
        context.push_str(def);
    }
    if used.contains("operation=") && !out.keys().any(|p| p.starts_with("openapi/")) {
        out.insert("openapi/acme.yaml".into(), OPENAPI.into());
    }
    let root = out.entry("intact.kdl".into()).or_default();
    *root = format!("{context}{root}");
    out.into_iter().collect()
}

fn analyze(files: &[(String, String)], code: &str) -> Analysis {
    let inputs = files
        .iter()
        .map(|(path, text)| {
            // The page shows the file as a reader sees it; its comment says it is saved as
            // Windows-1252, where each of these characters is one byte.
            if code == "syntax::encoding" && text.contains("saved as Windows-1252") {
                let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
                return FileInput::from_bytes(path, &bytes);
            }
            FileInput::new(path, text.as_str())
        })
        .collect();
    Analysis::new(inputs)
}

fn list(a: &Analysis, diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            format!(
                "  {}: {}[{}] at `{}`: {}\n",
                a.file(d.loc.file).path().display(),
                d.severity.as_str(),
                d.code,
                a.text_at(d.loc),
                d.message
            )
        })
        .collect()
}

/// `reports `CODE` at `TEXT``: the text the finding points at, when the page quotes it.
fn documented_at(page: &str, code: &str) -> Option<String> {
    let marker = format!("reports `{code}` at `");
    let start = page.find(&marker)? + marker.len();
    let rest = &page[start..];
    Some(rest[..rest.find('`')?].to_string())
}

fn own_findings(diags: &[Diagnostic], code: &str) -> Vec<Diagnostic> {
    diags.iter().filter(|d| d.code == code).cloned().collect()
}

fn check_page(rule: &registry::RuleInfo) -> Result<(), String> {
    let example = blocks(rule.page, "## Example");
    let fix = blocks(rule.page, "## Fix");
    let example_files = files_of(&example);
    if example_files.is_empty() {
        return Err("no example block intact reads (kdl, toml, or yaml under openapi/)".into());
    }
    // A snippet that is the root file is the whole project but for what it uses.
    let whole = example
        .iter()
        .chain(&fix)
        .any(|b| place(b).is_some_and(|(p, named)| named && p == "intact.kdl"));
    let used: String = example
        .iter()
        .chain(&fix)
        .map(|b| b.text.as_str())
        .collect();
    let mut problems = Vec::new();

    let files = with_context(&example_files, &used, whole);
    let a = analyze(&files, rule.code);
    let diags = intact_check::check(&a);
    let own = own_findings(&diags, rule.code);
    let times = REPORTED_MORE_THAN_ONCE
        .iter()
        .find(|(c, _)| *c == rule.code)
        .map_or(1, |(_, n)| *n);
    if own.is_empty() {
        problems.push(format!(
            "the example does not report it; it reports:\n{}",
            list(&a, &diags)
        ));
    } else if own.len() != times {
        problems.push(format!(
            "the example reports it {} time(s), not {times}:\n{}",
            own.len(),
            list(&a, &own)
        ));
    }
    if let Some(at) = documented_at(rule.page, rule.code)
        && !own.is_empty()
        && !own.iter().any(|d| a.text_at(d.loc).starts_with(&at))
    {
        problems.push(format!(
            "the page says it is reported at `{at}`, but:\n{}",
            list(&a, &own)
        ));
    }

    if FIX_IN_PROSE.contains(&rule.code) {
        if !files_of(&fix).is_empty() {
            problems.push("listed in FIX_IN_PROSE but its fix is a block intact reads".into());
        }
    } else if files_of(&fix).is_empty() {
        problems.push("no fix block intact reads (kdl, toml, or yaml under openapi/)".into());
    }
    for alternative in alternatives(&fix) {
        let fixed = with_context(&apply_fix(&example_files, &alternative), &used, whole);
        let a = analyze(&fixed, rule.code);
        // A snippet that declares a capability stands in a project that implements the contracts
        // it makes mandatory; the page of `contract::missing-action` is checked as any other.
        let bad: Vec<Diagnostic> = intact_check::check(&a)
            .into_iter()
            .filter(|d| {
                d.code == rule.code
                    || d.severity == Severity::Error && d.code != "contract::missing-action"
            })
            .collect();
        if !bad.is_empty() {
            let text: String = fixed
                .iter()
                .map(|(p, t)| format!("// == {p}\n{t}"))
                .collect();
            problems.push(format!("the fix reports:\n{}in\n{text}", list(&a, &bad)));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn every_rule_page_example_reports_its_code_and_its_fix_clears_it() {
    let mut failures = Vec::new();
    for rule in registry::RULES {
        if NOT_CHECKED.iter().any(|(code, _)| *code == rule.code) {
            continue;
        }
        if let Err(e) = check_page(rule) {
            failures.push(format!("docs/rules page of {}: {e}", rule.code));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\n{} page(s) fail",
        failures.join("\n\n"),
        failures.len()
    );
}

/// The skip lists name real pages, and a page listed as skipped really has no readable example.
#[test]
fn the_pages_left_unchecked_are_few_and_exist() {
    assert!(NOT_CHECKED.len() <= 3);
    for (code, _) in NOT_CHECKED {
        let rule = registry::rule(code).unwrap_or_else(|| panic!("{code} has no page"));
        assert!(
            files_of(&blocks(rule.page, "## Example")).is_empty(),
            "{code} has an example intact reads: check it"
        );
    }
    for code in FIX_IN_PROSE {
        assert!(registry::rule(code).is_some(), "{code} has no page");
    }
}
