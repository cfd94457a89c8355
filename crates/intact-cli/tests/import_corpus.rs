//! `intact import openapi` on every file of the OpenAPI corpus (tests/corpus/openapi, real
//! vendor documents; see its SOURCES.md) and on small fixtures of our own, through the built
//! binary. Every 3.x document imports and the result passes `intact check` with no error; every
//! Swagger 2.0 document is refused with `openapi::unsupported-version` and nothing written.
//!
//! The petstore import is compared with the expected files under
//! tests/fixtures/import/petstore/; `UPDATE_EXPECT=1 cargo test -p intact-cli --test import_corpus`
//! rewrites them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "support/http.rs"]
mod http;
use http::answering_server;

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/openapi");
    assert!(
        dir.join("SOURCES.md").is_file(),
        "the OpenAPI corpus is missing: expected {} (with SOURCES.md); it is part of the repository",
        dir.display()
    );
    dir
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

fn intact(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_intact"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the intact binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `intact import openapi SPEC --out OUT` with more arguments.
fn import(spec: &Path, out: &Path, more: &[&str]) -> Output {
    let mut args = vec![
        "import",
        "openapi",
        spec.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(more);
    intact(&args)
}

/// Every file under `dir`, relative to it, with its bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    if !dir.exists() {
        return out;
    }
    for e in walkdir(dir) {
        out.insert(
            e.strip_prefix(dir).unwrap().to_path_buf(),
            std::fs::read(&e).unwrap(),
        );
    }
    out
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Imports `spec` into `out` with every operation, giving `--base-url` only when the document has
/// no absolute server (and checking that it is asked for then).
fn import_all(spec: &Path, out: &Path) -> Output {
    let (s, o) = (spec.to_str().unwrap(), out.to_str().unwrap());
    let first = intact(&["import", "openapi", s, "--out", o]);
    if first.status.code() == Some(2) && text(&first.stderr).contains("--base-url") {
        assert!(
            tree(out).is_empty(),
            "{}: a refused import wrote files",
            spec.display()
        );
        return intact(&[
            "import",
            "openapi",
            s,
            "--out",
            o,
            "--base-url",
            "https://api.example.com/v1",
        ]);
    }
    first
}

#[test]
fn every_corpus_document_imports_and_checks_clean_or_is_refused() {
    let dir = corpus();
    let files = walkdir(&dir);
    let sources = std::fs::read_to_string(dir.join("SOURCES.md")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut imported = 0;
    let mut refused = 0;
    for (i, file) in files.iter().enumerate() {
        let rel = file
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if rel == "SOURCES.md" {
            continue;
        }
        let listed = rel.rsplit('/').next().unwrap();
        assert!(
            sources.contains(listed),
            "{rel} is not described in SOURCES.md"
        );
        let out = tmp.path().join(format!("p{i}"));
        let result = import_all(file, &out);
        let (stdout, stderr) = (text(&result.stdout), text(&result.stderr));
        if rel.contains("swagger-2.0") {
            assert_eq!(result.status.code(), Some(2), "{rel}: {stdout}{stderr}");
            assert!(
                stderr.contains("openapi::unsupported-version")
                    && stderr.contains("swagger2openapi"),
                "{rel}: {stderr}"
            );
            assert!(
                tree(&out).is_empty(),
                "{rel}: refused, yet files were written"
            );
            refused += 1;
            continue;
        }
        assert_eq!(
            result.status.code(),
            Some(0),
            "{rel} did not import:\n{stdout}{stderr}"
        );
        let written = tree(&out);
        let copy = written
            .iter()
            .find(|(p, _)| p.starts_with("openapi") && p.file_name() == file.file_name())
            .unwrap_or_else(|| panic!("{rel}: no copy under openapi/"));
        assert_eq!(
            copy.1,
            &std::fs::read(file).unwrap(),
            "{rel}: the copy differs"
        );
        // No warning either: CI with --deny-warnings passes on an untouched import (issue 25.5).
        let check = intact(&[
            "check",
            out.to_str().unwrap(),
            "--format",
            "github",
            "--deny-warnings",
        ]);
        assert_eq!(
            check.status.code(),
            Some(0),
            "{rel}: `intact check --deny-warnings` found something in the import:\n{}",
            text(&check.stdout)
        );
        // Already in the canonical layout: `intact fmt` would change nothing.
        let fmt = intact(&["fmt", "--check", out.to_str().unwrap()]);
        assert_eq!(
            fmt.status.code(),
            Some(0),
            "{rel}: `intact fmt --check` would reformat:\n{}",
            text(&fmt.stdout)
        );
        // The same document gives the same bytes.
        let again = tmp.path().join(format!("q{i}"));
        assert_eq!(import_all(file, &again).status.code(), Some(0), "{rel}");
        assert!(written == tree(&again), "{rel}: a second import differs");
        imported += 1;
    }
    assert!(
        imported >= 20 && refused == 3,
        "imported {imported}, refused {refused}"
    );
}

#[test]
fn multi_file_documents_keep_their_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("scim");
    let spec = corpus().join("multifile-node-scim-3.1/openapi.yaml");
    let r = import_all(&spec, &out);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let files = tree(&out);
    for f in [
        "openapi.yaml",
        "docs/openapi/users.yaml",
        "docs/openapi/groups.yaml",
        "docs/openapi/common.yaml",
        "docs/openapi/introspection.yaml",
    ] {
        let copy = files
            .get(&Path::new("openapi").join(f))
            .unwrap_or_else(|| panic!("openapi/{f} was not copied: {:?}", files.keys()));
        let original = std::fs::read(corpus().join("multifile-node-scim-3.1").join(f)).unwrap();
        assert_eq!(copy, &original, "{f}");
    }
    let users = text(&files[Path::new("flows/users.kdl")]);
    assert!(users.contains("/scim/v2/Users/${input.id}"), "{users}");
}

#[test]
fn swagger_is_refused_whichever_key_comes_first() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("late.json");
    std::fs::write(&spec, r#"{"basePath": "/", "definitions": {}, "host": "x", "info": {}, "paths": {}, "schemes": [], "security": [], "securityDefinitions": {}, "swagger": "2.0"}"#).unwrap();
    let out = tmp.path().join("p");
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        text(&r.stderr).contains("openapi::unsupported-version"),
        "{}",
        text(&r.stderr)
    );
    assert!(!out.exists());
    std::fs::write(&spec, "just: text\n").unwrap();
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        text(&r.stderr).contains("no `openapi` field"),
        "{}",
        text(&r.stderr)
    );
}

#[test]
fn existing_files_are_not_overwritten_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    let spec = corpus().join("oai-petstore-expanded-3.0.json");
    let (s, o) = (spec.to_str().unwrap(), out.to_str().unwrap());
    assert_eq!(
        intact(&["import", "openapi", s, "--out", o]).status.code(),
        Some(0)
    );
    let flows = out.join("flows/api.kdl");
    std::fs::write(&flows, "// edited by hand\n").unwrap();
    let before = tree(&out);
    let r = intact(&["import", "openapi", s, "--out", o]);
    assert_eq!(r.status.code(), Some(2));
    let err = text(&r.stderr);
    assert!(
        err.contains("already exist")
            && err.contains("--force")
            && err.contains("nothing was written"),
        "{err}"
    );
    assert_eq!(tree(&out), before, "a refused import changed files");
    // intact.kdl exists now, so it is left alone even with --force.
    std::fs::write(
        out.join("intact.kdl"),
        "project \"mine\" {\n    display-name \"Mine\"\n}\n",
    )
    .unwrap();
    let r = intact(&["import", "openapi", s, "--out", o, "--force"]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    assert!(
        std::fs::read_to_string(&flows)
            .unwrap()
            .contains("flow \"find_pets\"")
    );
    assert!(
        std::fs::read_to_string(out.join("intact.kdl"))
            .unwrap()
            .contains("mine")
    );
    assert!(
        !walkdir(&out)
            .iter()
            .any(|p| p.to_string_lossy().ends_with(".tmp"))
    );
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    let spec = corpus().join("oai-tictactoe-3.1.yaml");
    let r = import(
        &spec,
        &out,
        &["--base-url", "https://api.example.com", "--dry-run"],
    );
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let plan = text(&r.stdout);
    for f in [
        "intact.kdl",
        "connections/",
        "flows/",
        "openapi/oai-tictactoe-3.1.yaml",
        "nothing was written",
    ] {
        assert!(plan.contains(f), "{f} missing from the plan:\n{plan}");
    }
    assert!(!out.exists(), "--dry-run wrote {out:?}");
    // --print shows each generated KDL file, exactly as it would be written.
    let r = import(
        &spec,
        &out,
        &[
            "--base-url",
            "https://api.example.com",
            "--dry-run",
            "--print",
        ],
    );
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let printed = text(&r.stdout);
    assert!(
        printed.contains("\n--- intact.kdl\n// Written by"),
        "{printed}"
    );
    assert!(printed.contains("project \"tic_tac_toe\""), "{printed}");
    assert!(printed.contains("\n--- flows/"), "{printed}");
    assert!(printed.contains("flow \""), "{printed}");
    assert!(!out.exists(), "--dry-run --print wrote {out:?}");
    let r = import(&spec, &out, &["--print"]);
    assert_eq!(r.status.code(), Some(2), "--print needs --dry-run");
}

/// A second document imported into the same project does not collide with the first's flow
/// files: its flows go under `flows/<its connection>/`, nothing needs --force, and the project
/// checks clean.
#[test]
fn a_second_document_gets_its_own_flows_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    let first = import(&corpus().join("oai-petstore-3.0.yaml"), &out, &[]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let before = std::fs::read(out.join("flows/api.kdl")).unwrap();
    let second = import(
        &corpus().join("oai-tictactoe-3.1.yaml"),
        &out,
        &["--base-url", "https://api.example.com"],
    );
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    assert_eq!(
        std::fs::read(out.join("flows/api.kdl")).unwrap(),
        before,
        "the first import's file changed"
    );
    let written = text(&second.stdout);
    let folder = tree(&out.join("flows"))
        .into_keys()
        .filter(|p| p.components().count() > 1)
        .map(|p| {
            p.components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy()
                .into_owned()
        })
        .next()
        .unwrap_or_else(|| panic!("no flows folder of its own:\n{written}"));
    assert!(
        out.join("connections")
            .join(format!("{folder}.kdl"))
            .is_file(),
        "the folder is named after the second connection: {folder}\n{written}"
    );
    let check = intact(&["check", out.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
}

#[test]
fn a_broken_ref_names_the_file_and_the_pointer() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    let spec = fixtures().join("broken-ref.yaml");
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(2));
    let err = text(&r.stderr);
    assert!(
        err.contains("broken-ref.yaml#/paths/~1users~1{id}/get/responses/200/content/application~1json/schema")
            && err.contains("#/components/schemas/Usr"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn cyclic_schemas_import_and_reference_loops_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    let spec = fixtures().join("cyclic.yaml");
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let flows = std::fs::read_to_string(out.join("flows/api.kdl")).unwrap();
    assert!(
        flows.contains("flow \"create_node\"") && flows.contains("operation=\"listNodes\""),
        "{flows}"
    );
    assert_eq!(
        intact(&["check", out.to_str().unwrap()]).status.code(),
        Some(0)
    );

    let out = tmp.path().join("q");
    let spec = fixtures().join("ref-loop.yaml");
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(2));
    let err = text(&r.stderr);
    assert!(
        err.contains("cycle") && err.contains("ref-loop.yaml#/"),
        "{err}"
    );
}

#[test]
fn options_choose_schemes_operations_and_the_ping() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = corpus().join("scalar-galaxy-3.1.yaml");
    let s = spec.to_str().unwrap();
    let out = tmp.path().join("p");
    let o = out.to_str().unwrap();
    let r = intact(&[
        "import",
        "openapi",
        s,
        "--out",
        o,
        "--connection",
        "galaxy",
        "--scheme",
        "apiKeyCookie",
        "--scheme",
        "oAuth2",
        "--operations",
        "getMe,getAllData",
        "--ping",
        "getMe",
    ]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let files = tree(&out);
    let cookie = text(&files[Path::new("connections/galaxy_api_key_cookie.kdl")]);
    assert!(
        cookie.contains("auth \"custom\"") && cookie.contains("cookie \"api_key\""),
        "{cookie}"
    );
    assert!(
        cookie.contains("request \"ping\" \"GET\" \"/me\" operation=\"getMe\""),
        "{cookie}"
    );
    let oauth = text(&files[Path::new("connections/galaxy_o_auth2.kdl")]);
    assert!(
        oauth.contains("grant \"authorization-code\"") && oauth.contains("pkce #true"),
        "{oauth}"
    );
    let flows: String = files
        .iter()
        .filter(|(p, _)| p.starts_with("flows"))
        .map(|(_, b)| text(b))
        .collect();
    assert_eq!(
        flows.matches("\nflow ").count() + usize::from(flows.starts_with("flow ")),
        3,
        "{flows}"
    );
    assert_eq!(intact(&["check", o]).status.code(), Some(0));

    for (args, wanted) in [
        (vec!["--scheme", "nope"], "no such security scheme"),
        (vec!["--scheme", "openIdConnect"], "cannot be generated"),
        (vec!["--operations", "getme"], "did you mean `getMe`"),
        (vec!["--ping", "createPlanet"], "a ping must be a GET"),
        (vec!["--server", "7"], "out of range"),
    ] {
        let out = tmp.path().join("x");
        let mut all = vec!["import", "openapi", s, "--out", out.to_str().unwrap()];
        all.extend(args.iter().copied());
        let r = intact(&all);
        assert_eq!(r.status.code(), Some(2), "{args:?}");
        assert!(
            text(&r.stderr).contains(wanted),
            "{args:?}: {}",
            text(&r.stderr)
        );
        assert!(!out.exists());
    }
}

#[test]
fn okta_relative_oauth_urls_resolve_against_the_server() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    let spec = corpus().join("okta-management-3.0.yaml");
    let r = import(&spec, &out, &["--scheme", "oauth2", "--tag", "User"]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let conn = std::fs::read_to_string(out.join("connections/okta_admin_management.kdl")).unwrap();
    assert!(
        conn.contains("authorize-url \"https://${app.your_okta_domain}/oauth2/v1/authorize\""),
        "{conn}"
    );
    assert!(
        conn.contains("token-url \"https://${app.your_okta_domain}/oauth2/v1/token\""),
        "{conn}"
    );
    assert!(conn.contains("variable \"your_okta_domain\""), "{conn}");
    assert!(conn.contains("okta.users.read"), "{conn}");
}

/// The petstore import, file by file, against tests/fixtures/import/petstore/.
#[test]
fn petstore_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    let spec = corpus().join("oai-petstore-3.0.yaml");
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let expected_dir = fixtures().join("petstore");
    let actual: BTreeMap<PathBuf, Vec<u8>> = tree(&out)
        .into_iter()
        .filter(|(p, _)| !p.starts_with("openapi"))
        .collect();
    let mut stderr = text(&r.stderr);
    stderr = stderr.replace(&corpus().display().to_string(), "CORPUS");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        let _ = std::fs::remove_dir_all(&expected_dir);
        for (p, b) in &actual {
            let target = expected_dir.join(p);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, b).unwrap();
        }
        std::fs::write(expected_dir.join("stderr.txt"), &stderr).unwrap();
        return;
    }
    let mut expected = tree(&expected_dir);
    let expected_stderr = expected
        .remove(Path::new("stderr.txt"))
        .map(|b| text(&b))
        .unwrap_or_default();
    let names = |m: &BTreeMap<PathBuf, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&actual),
        names(&expected),
        "run `UPDATE_EXPECT=1 cargo test -p intact-cli --test import_corpus` and review the diff"
    );
    for (p, b) in &actual {
        assert_eq!(
            text(b),
            text(&expected[p]),
            "{} differs (UPDATE_EXPECT=1 rewrites it)",
            p.display()
        );
    }
    assert_eq!(stderr, expected_stderr);
}

#[test]
fn imported_flows_run_against_a_real_server() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pets");
    let spec = corpus().join("oai-petstore-3.0.yaml");
    let o = import(
        &spec,
        &out,
        &["--base-url", "https://petstore.example.com/v1"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let (base, requests) = answering_server("[]");
    std::fs::create_dir(out.join("env")).unwrap();
    std::fs::write(
        out.join("env/local.toml"),
        format!("[connection.swagger_petstore]\nbase-url = \"{base}\"\n"),
    )
    .unwrap();
    let run = |name: &str, input: &str| {
        let file = out.join("input.json");
        std::fs::write(&file, input).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_intact"))
            .args([
                "run",
                name,
                "--input",
                file.to_str().unwrap(),
                "--env",
                "local",
            ])
            .current_dir(&out)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}{}",
            text(&o.stdout),
            text(&o.stderr)
        );
        requests
            .recv_timeout(std::time::Duration::from_secs(5))
            .unwrap()
    };
    // An optional query input that is not given is left out, not sent empty.
    let r = run("list_pets", "{}");
    assert!(r.starts_with("GET /pets HTTP/1.1"), "{r}");
    let r = run("list_pets", r#"{"limit": 2}"#);
    assert!(r.starts_with("GET /pets?limit=2 HTTP/1.1"), "{r}");
    // The custom API action: the relative URL as given, its query and headers spread.
    let r = run(
        "custom_api_action",
        r#"{"method": "GET", "relative_url": "/pets/p 1/toys?kind=ball", "query": {"limit": 5, "skip": null}, "headers": {"X-Trace": "t-1"}}"#,
    );
    assert!(
        r.starts_with("GET /pets/p%201/toys?kind=ball&limit=5 HTTP/1.1"),
        "{r}"
    );
    assert!(r.to_lowercase().contains("x-trace: t-1"), "{r}");
    let r = run(
        "custom_api_action",
        r#"{"method": "POST", "relative_url": "/pets", "body": {"name": "Rex"}}"#,
    );
    assert!(
        r.starts_with("POST /pets HTTP/1.1") && r.ends_with(r#"{"name":"Rex"}"#),
        "{r}"
    );
    // A path segment from an input is still one segment.
    let r = run("show_pet_by_id", r#"{"pet_id": "a/b"}"#);
    assert!(r.starts_with("GET /pets/a%2Fb HTTP/1.1"), "{r}");
}

#[test]
fn an_import_into_a_project_does_not_define_its_names_again() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    std::fs::create_dir_all(out.join("flows")).unwrap();
    std::fs::write(
        out.join("intact.kdl"),
        "project \"acme\" {\n    display-name \"Acme\"\n}\n\nvariable \"tenant\" {\n    label \"Your Acme tenant\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        out.join("flows/mine.kdl"),
        "connection \"acme_hr\" {\n    base-url \"https://${app.tenant}.acme.example/v1\"\n}\n\nflow \"custom_api_action\" connection=\"acme_hr\" {\n    request \"me\" \"GET\" \"/me\"\n    return \"${steps.me.body}\"\n}\n",
    )
    .unwrap();
    let spec = tmp.path().join("acme.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: Acme HR, version: '2'}\nservers:\n  - url: https://{tenant}.acme.example/api/v2\n    variables:\n      tenant: {default: demo}\npaths:\n  /users:\n    get:\n      operationId: listUsers\n      responses:\n        '200': {description: ok}\n",
    )
    .unwrap();
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let conn = std::fs::read_to_string(out.join("connections/acme_hr_2.kdl")).unwrap();
    assert!(
        conn.contains("connection \"acme_hr_2\"") && conn.contains("${app.tenant}"),
        "{conn}"
    );
    assert!(
        !conn.contains("variable \"tenant\""),
        "the project's tenant variable is shared, not declared again:\n{conn}"
    );
    let flows = std::fs::read_to_string(out.join("flows/api.kdl")).unwrap();
    assert!(flows.contains("flow \"custom_api_action_2\""), "{flows}");
    let check = intact(&["check", out.to_str().unwrap()]);
    assert!(
        !text(&check.stdout).contains("name::duplicate"),
        "{}",
        text(&check.stdout)
    );
    // An explicit --connection that the project already has is refused, and nothing is written.
    let again = tmp.path().join("q");
    copy_tree(&out, &again);
    let before = tree(&again);
    let r = import(&spec, &again, &["--connection", "acme_hr", "--force"]);
    assert_eq!(r.status.code(), Some(2), "{}", text(&r.stderr));
    assert!(
        text(&r.stderr).contains("--connection"),
        "{}",
        text(&r.stderr)
    );
    assert!(before == tree(&again), "nothing was written");
}

/// A project whose `connections/NAME.kdl` exists (written by hand, or by an earlier import of the
/// same document): without --force, the import gives its connection another name instead of
/// refusing, writes no file twice, and the project checks without duplicates.
#[test]
fn an_import_next_to_an_existing_connection_file_takes_another_name() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    let spec = tmp.path().join("acme.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: Acme HR, version: '2'}\nservers:\n  - url: https://api.acme.example/v2\npaths:\n  /users:\n    get:\n      operationId: listUsers\n      tags: [users]\n      responses:\n        '200': {description: ok}\n",
    )
    .unwrap();
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    assert!(out.join("connections/acme_hr.kdl").exists());
    let before = tree(&out);
    // The same document again, without --force.
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let after = tree(&out);
    for (path, bytes) in &before {
        assert_eq!(
            after.get(path),
            Some(bytes),
            "{} was rewritten",
            path.display()
        );
    }
    let conn = std::fs::read_to_string(out.join("connections/acme_hr_2.kdl")).unwrap();
    assert!(conn.contains("connection \"acme_hr_2\""), "{conn}");
    let check = intact(&["check", out.to_str().unwrap()]);
    assert!(
        !text(&check.stdout).contains("name::duplicate"),
        "{}",
        text(&check.stdout)
    );
}

fn copy_tree(from: &Path, to: &Path) {
    for (rel, bytes) in tree(from) {
        let p = to.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

/// `intact check` keeps a digest of each OpenAPI copy in the cache folder and uses it next time;
/// a changed document is never checked against an old digest.
#[test]
fn openapi_digests_are_cached_and_never_stale() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, cache) = (tmp.path().join("p"), tmp.path().join("cache"));
    let spec = tmp.path().join("acme.yaml");
    let doc = "openapi: 3.0.3\ninfo: {title: Acme HR, version: '2'}\nservers:\n  - url: https://api.acme.example/v2\npaths:\n  /users/{id}:\n    get:\n      operationId: getUser\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                type: object\n                properties:\n                  email: {type: string}\n";
    std::fs::write(&spec, doc).unwrap();
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    // A flow that reads a field of the typed response.
    std::fs::write(
        out.join("flows/mine.kdl"),
        "flow \"email_of\" connection=\"acme_hr\" {\n    input \"id\" type=\"string\"\n    request \"get\" \"GET\" \"/users/${input.id}\" operation=\"getUser\"\n    return \"${steps.get.body.email}\"\n}\n",
    )
    .unwrap();
    let check = || {
        Command::new(env!("CARGO_BIN_EXE_intact"))
            .args(["check", out.to_str().unwrap()])
            .env("NO_COLOR", "1")
            .env("INTACT_CACHE_DIR", &cache)
            .output()
            .unwrap()
    };
    let first = check();
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stdout));
    let digests: Vec<PathBuf> = walkdir(&cache.join("openapi"));
    assert_eq!(digests.len(), 1, "one digest for one document: {digests:?}");
    let digest = std::fs::read_to_string(&digests[0]).unwrap();
    assert!(
        digest.contains("getUser") && digest.contains("email"),
        "{digest}"
    );
    // Warm: the same answer from the digest.
    let second = check();
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stdout));
    // The vendor renames the field in the copy: the next check sees it, from a new digest.
    let copy = out.join("openapi/acme.yaml");
    std::fs::write(&copy, doc.replace("email:", "mail:")).unwrap();
    let third = check();
    assert_eq!(third.status.code(), Some(1), "{}", text(&third.stdout));
    assert!(
        text(&third.stdout).contains("expr::unknown-field"),
        "{}",
        text(&third.stdout)
    );
    assert_eq!(walkdir(&cache.join("openapi")).len(), 2);
    // A damaged digest is only a slower check.
    for d in walkdir(&cache.join("openapi")) {
        std::fs::write(d, "not json").unwrap();
    }
    let fourth = check();
    assert_eq!(fourth.status.code(), Some(1), "{}", text(&fourth.stdout));
    assert!(text(&fourth.stdout).contains("expr::unknown-field"));
}

/// The digest cache is checked, never trusted (issue 23.9): an edited digest (an `operation=` the
/// document lacks added to it) changes nothing; a digest that is a link to `/dev/zero` or a FIFO
/// is not read (the check ends, and reads the document); one that is a link to a file elsewhere
/// is replaced, never written through; and the folder keeps at most 64 digests.
#[cfg(unix)]
#[test]
fn openapi_digests_are_verified_read_only_as_files_and_pruned() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, cache) = (tmp.path().join("p"), tmp.path().join("cache"));
    let spec = tmp.path().join("acme.yaml");
    let doc = "openapi: 3.0.3\ninfo: {title: Acme HR, version: '2'}\nservers:\n  - url: https://api.acme.example/v2\npaths:\n  /users:\n    get:\n      operationId: listUsers\n      responses:\n        '200': {description: ok}\n";
    std::fs::write(&spec, doc).unwrap();
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    std::fs::write(
        out.join("flows/mine.kdl"),
        "flow \"ghost\" connection=\"acme_hr\" {\n    request \"get\" \"GET\" \"/ghosts\" operation=\"getGhosts\"\n    return \"${steps.get.body}\"\n}\n",
    )
    .unwrap();
    let check = || {
        Command::new(env!("CARGO_BIN_EXE_intact"))
            .args(["check", out.to_str().unwrap()])
            .env("NO_COLOR", "1")
            .env("INTACT_CACHE_DIR", &cache)
            .output()
            .unwrap()
    };
    let unknown = |o: &std::process::Output| text(&o.stdout).contains("openapi::unknown-operation");
    let first = check();
    assert!(unknown(&first), "{}", text(&first.stdout));
    let digest = walkdir(&cache.join("openapi")).remove(0);
    // An edit that teaches the digest the missing operation: the checksum no longer matches.
    let edited = std::fs::read_to_string(&digest)
        .unwrap()
        .replace("listUsers", "getGhosts");
    std::fs::write(&digest, &edited).unwrap();
    assert!(unknown(&check()), "an edited digest was trusted");
    // A link to /dev/zero, then to a FIFO: not read (a read would never end).
    for target in [PathBuf::from("/dev/zero"), tmp.path().join("fifo")] {
        if target.ends_with("fifo") {
            let made = Command::new("mkfifo").arg(&target).status().unwrap();
            assert!(made.success());
        }
        std::fs::remove_file(&digest).unwrap();
        std::os::unix::fs::symlink(&target, &digest).unwrap();
        assert!(unknown(&check()), "{}", target.display());
    }
    // A link to a file elsewhere: replaced by the new digest, its target untouched.
    let elsewhere = tmp.path().join("precious.txt");
    std::fs::write(&elsewhere, "keep me").unwrap();
    std::fs::remove_file(&digest).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &digest).unwrap();
    assert!(unknown(&check()));
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "keep me");
    assert!(
        !std::fs::symlink_metadata(&digest)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // Edits of the document: each a new digest, at most 64 kept.
    let copy = out.join("openapi/acme.yaml");
    for i in 0..70 {
        std::fs::write(&copy, doc.replace("Acme HR", &format!("Acme HR {i}"))).unwrap();
        check();
    }
    let kept = walkdir(&cache.join("openapi")).len();
    assert!(kept <= 64, "{kept} digests kept");
}

/// An operationId or summary with newlines cannot inject KDL: every text of the document goes into
/// the generated files through one encoder, comments included.
#[test]
fn document_texts_cannot_inject_kdl() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    let spec = tmp.path().join("evil.json");
    let evil = "x\nflow \"injected\" {\n    return \"pwned\"\n}\n//";
    let doc = serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "Evil\nflow \"t\" {\n}", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": {"/users": {"get": {
            "operationId": evil,
            "summary": evil,
            "description": evil,
            "responses": {"200": {"description": evil}}
        }}}
    });
    std::fs::write(&spec, serde_json::to_string(&doc).unwrap()).unwrap();
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    for (path, bytes) in tree(&out) {
        if path.extension().is_some_and(|e| e == "kdl") {
            let t = String::from_utf8(bytes).unwrap();
            assert!(
                !t.lines()
                    .any(|l| l.starts_with("flow \"injected\"") || l.starts_with("flow \"t\"")),
                "{}:\n{t}",
                path.display()
            );
        }
    }
    let check = intact(&["check", out.to_str().unwrap()]);
    assert!(
        !text(&check.stdout).contains("injected"),
        "{}",
        text(&check.stdout)
    );
}

/// Names and texts of a document that look like expressions (`${x}`) or carry bidi controls are
/// written as what they are (issue 23.8): a parameter, header or API-key header name, an
/// operationId and a summary with `${…}`, and titles with U+202E, import into files that check
/// and format clean; header and query names and `operation=` are text as written, never templates.
#[test]
fn expression_lookalikes_and_bidi_controls_import_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    let spec = tmp.path().join("hostile.json");
    let doc = serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "Hostile ${api} \u{202e} API", "version": "1.0", "description": "d ${d} \u{2066}x\u{2069}"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-${Key}"}}},
        "security": [{"key": []}],
        "paths": {"/users/{id}": {"get": {
            "operationId": "get${User}\u{202e}",
            "summary": "Get ${user} \u{202e}evil",
            "parameters": [
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "filter${q}", "in": "query", "schema": {"type": "string"}},
                {"name": "X-Trace-${h}", "in": "header", "schema": {"type": "string"}}
            ],
            "responses": {"200": {"description": "ok ${r}", "content": {"application/json": {"schema": {"type": "object"}}}}}
        }}}
    });
    std::fs::write(&spec, serde_json::to_string(&doc).unwrap()).unwrap();
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let check = intact(&["check", out.to_str().unwrap(), "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(check.status.code(), Some(0), "{report:#}");
    let fmt = intact(&["fmt", "--check", out.to_str().unwrap()]);
    assert_eq!(fmt.status.code(), Some(0), "{}", text(&fmt.stdout));
    let flows = std::fs::read_to_string(out.join("flows/api.kdl")).unwrap();
    assert!(
        flows.contains(r#"query "filter${q}" "${input.filter_q}""#),
        "{flows}"
    );
    assert!(
        flows.contains(r#"operation="get${User}\u{202e}""#),
        "{flows}"
    );
}

/// The importer reads only regular files in the document's folder: a `$ref` to a device, an
/// absolute path or a parent folder is refused before anything is read, and so is a pipe, or a
/// document over the 64 MiB `intact check` reads.
#[test]
fn hostile_files_and_refs_are_refused_before_they_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("spec");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(tmp.path().join("outside.yaml"), "type: object\n").unwrap();
    for target in ["/dev/zero", "../outside.yaml", "sub/../../outside.yaml"] {
        let spec = dir.join("api.yaml");
        std::fs::write(
            &spec,
            format!(
                "openapi: 3.0.3\ninfo: {{title: T, version: '1'}}\nservers: [{{url: 'https://api.example.com'}}]\npaths:\n  /x:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '{target}#/components/schemas/X'}}\n"
            ),
        )
        .unwrap();
        let out = tmp.path().join("p");
        let started = std::time::Instant::now();
        let r = import(&spec, &out, &[]);
        assert_eq!(r.status.code(), Some(2), "{target}: {}", text(&r.stderr));
        assert!(
            text(&r.stderr).contains("outside the document's folder"),
            "{target}: {}",
            text(&r.stderr)
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{target}"
        );
        assert!(!out.exists(), "{target}: something was written");
    }
    // A named pipe would block a read forever.
    let fifo = dir.join("pipe.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let r = import(&fifo, &tmp.path().join("q"), &[]);
        assert_eq!(r.status.code(), Some(2), "{}", text(&r.stderr));
        assert!(
            text(&r.stderr).contains("not a regular file"),
            "{}",
            text(&r.stderr)
        );
    } else {
        panic!("mkfifo is needed for this test (coreutils): apt-get install -y coreutils");
    }
    // Larger than a project file may be: refused at import, not after.
    let big = dir.join("big.json");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(65 * 1024 * 1024).unwrap();
    let r = import(&big, &tmp.path().join("r"), &[]);
    assert_eq!(r.status.code(), Some(2), "{}", text(&r.stderr));
    assert!(
        text(&r.stderr).contains("larger than the 64 MiB"),
        "{}",
        text(&r.stderr)
    );
}

/// A call into an imported flow is checked against the request body's schema the importer writes
/// as `schema=`, and the flow's own reads of it are typed: both ways.
#[test]
fn calls_into_imported_flows_are_typed_by_the_body_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    let r = import(&corpus().join("oai-petstore-3.0.yaml"), &out, &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    std::fs::write(
        out.join("flows/use.kdl"),
        "flow \"adopt\" connection=\"swagger_petstore\" {\n    call \"made\" \"create_pets\" {\n        body \"${'rex'}\"\n    }\n    return {}\n}\n\nflow \"peek\" connection=\"swagger_petstore\" {\n    input \"pet\" schema=\"openapi/oai-petstore-3.0.yaml#/components/schemas/Pet\"\n    return \"${input.pet.nmae}\"\n}\n",
    )
    .unwrap();
    let r = intact(&["check", out.to_str().unwrap(), "--format", "github"]);
    let report = text(&r.stdout);
    assert!(
        report.contains("flows/use.kdl,line=3,col=14")
            && report
                .contains("`body` is a string here, but flow `create_pets` takes a Pet object"),
        "{report}"
    );
    assert!(
        report.contains("flows/use.kdl,line=10,col=25")
            && report.contains("`input.pet` has no field `nmae`"),
        "{report}"
    );
}

/// Writes `doc` as JSON to `dir/name` and returns its path.
fn document(dir: &Path, name: &str, doc: &serde_json::Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    path
}

/// `intact check OUT --deny-warnings --format github`: its exit code and report.
fn check_strict(out: &Path) -> (Option<i32>, String) {
    let r = intact(&[
        "check",
        out.to_str().unwrap(),
        "--format",
        "github",
        "--deny-warnings",
    ]);
    (r.status.code(), text(&r.stdout))
}

/// Runs `intact ARGS --env local` in `project`, where env/local.toml points connection `conn` at
/// a server that answers `[]`, and returns the request that server received.
fn run_against_server(project: &Path, conn: &str, extra_env: &str, args: &[&str]) -> String {
    let (base, requests) = answering_server("[]");
    std::fs::create_dir_all(project.join("env")).unwrap();
    std::fs::write(
        project.join("env/local.toml"),
        format!("[connection.{conn}]\nbase-url = \"{base}\"\n{extra_env}"),
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_intact"))
        .args(args)
        .args(["--env", "local"])
        .env("INTACT_TEST_KEY", "k-123456789")
        .current_dir(project)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    requests
        .recv_timeout(std::time::Duration::from_secs(5))
        .unwrap()
}

fn get(id: &str, params: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "operationId": id,
        "parameters": params,
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
    })
}

/// A header every operation requires with the same default goes on the connection once, and
/// `openapi::drift` counts what the connection sends, whatever the case of its name (issue 25.3).
#[test]
fn a_header_every_operation_requires_goes_on_the_connection_once() {
    let tmp = tempfile::tempdir().unwrap();
    let version = |spelling: &str| serde_json::json!({"name": spelling, "in": "header", "required": true, "schema": {"type": "string", "default": "2"}});
    let spec = document(
        tmp.path(),
        "versioned.json",
        &serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "Versioned", "version": "1"},
            "servers": [{"url": "https://api.example.com"}],
            "paths": {
                "/me": {"get": get("getMe", serde_json::json!([version("X-Api-Version")]))},
                "/widgets": {"get": get("listWidgets", serde_json::json!([version("x-api-version")]))}
            }
        }),
    );
    let out = tmp.path().join("p");
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let conn_file = out.join("connections/versioned.kdl");
    let conn = std::fs::read_to_string(&conn_file).unwrap();
    assert!(conn.contains("header \"X-Api-Version\" \"2\""), "{conn}");
    let flows = std::fs::read_to_string(out.join("flows/api.kdl")).unwrap();
    assert!(
        !flows.to_ascii_lowercase().contains("x-api-version") && !flows.contains("api_version"),
        "{flows}"
    );
    assert_eq!(check_strict(&out), (Some(0), String::new()));
    let request = run_against_server(&out, "versioned", "", &["run", "list_widgets"]);
    assert!(
        request.to_lowercase().contains("x-api-version: 2"),
        "{request}"
    );

    // The connection's header, in another case, still satisfies the operations.
    std::fs::write(
        &conn_file,
        conn.replace("\"X-Api-Version\"", "\"x-API-version\""),
    )
    .unwrap();
    assert_eq!(check_strict(&out), (Some(0), String::new()));
    // Without it, each request lacks the header.
    std::fs::write(
        &conn_file,
        conn.replace("header \"X-Api-Version\" \"2\"", ""),
    )
    .unwrap();
    let (code, report) = check_strict(&out);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(
        report
            .matches("requires the header parameter `x-api-version`")
            .count()
            + report
                .matches("requires the header parameter `X-Api-Version`")
                .count(),
        3,
        "{report}"
    );
}

/// A request body the description gives a GET, DELETE or HEAD is imported with the ignore comment
/// that says so, by the checker's own rule (`Method::body_is_unusual`): the importer left HEAD out,
/// so a fresh import had a warning (issue 27.3).
#[test]
fn bodies_on_get_delete_and_head_import_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let with_body = |id: &str| {
        serde_json::json!({
            "operationId": id,
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"q": {"type": "string"}}}}}},
            "responses": {"200": {"description": "ok"}}
        })
    };
    let spec = document(
        tmp.path(),
        "bodies.json",
        &serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "Bodies", "version": "1"},
            "servers": [{"url": "https://api.example.com"}],
            "paths": {
                "/search": {"get": with_body("search"), "head": with_body("probe")},
                "/members": {"delete": with_body("removeMembers")}
            }
        }),
    );
    let out = tmp.path().join("p");
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let flows = std::fs::read_to_string(out.join("flows/api.kdl")).unwrap();
    for method in ["GET", "DELETE", "HEAD"] {
        assert!(
            flows.contains(&format!("gives this {method} a request body")),
            "{method}: {flows}"
        );
    }
    assert_eq!(check_strict(&out), (Some(0), String::new()));
}

/// A required parameter with a default becomes an optional input with that default, one with a
/// single allowed value a constant, and both are sent when the caller gives nothing (issue 25.3).
#[test]
fn required_parameters_with_a_default_or_one_value_are_sent() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = document(
        tmp.path(),
        "modes.json",
        &serde_json::json!({
            "openapi": "3.1.0",
            "info": {"title": "Modes", "version": "1"},
            "servers": [{"url": "https://api.example.com"}],
            "paths": {
                "/reports": {"get": get("listReports", serde_json::json!([
                    {"name": "X-Mode", "in": "header", "required": true, "schema": {"type": "string", "enum": ["fast"]}},
                    {"name": "format", "in": "query", "required": true, "schema": {"type": "string", "const": "json"}},
                    {"name": "limit", "in": "query", "required": true, "schema": {"type": "integer", "default": 20}},
                    {"name": "X-Region", "in": "header", "required": true, "schema": {"type": "string", "default": "eu"}}
                ]))},
                "/other": {"get": get("other", serde_json::json!([]))}
            }
        }),
    );
    let out = tmp.path().join("p");
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let flows = std::fs::read_to_string(out.join("flows/api.kdl")).unwrap();
    for wanted in [
        "header \"X-Mode\" \"fast\"",
        "query \"format\" \"json\"",
        "input \"limit\" type=\"integer\" default=20",
        "query \"limit\" \"${input.limit}\"",
        "input \"x_region\" type=\"string\" default=\"eu\"",
        "header \"X-Region\" \"${input.x_region}\"",
    ] {
        assert!(flows.contains(wanted), "{wanted}:\n{flows}");
    }
    assert!(
        !flows.contains("x_mode") && !flows.contains("input \"format\""),
        "{flows}"
    );
    assert_eq!(check_strict(&out), (Some(0), String::new()));
    let request = run_against_server(&out, "modes", "", &["run", "list_reports"]);
    assert!(
        request.starts_with("GET /reports?format=json&limit=20 HTTP/1.1"),
        "{request}"
    );
    let lower = request.to_lowercase();
    assert!(
        lower.contains("x-mode: fast") && lower.contains("x-region: eu"),
        "{request}"
    );
}

/// The auth ping may be a GET whose required parameters all have values without a caller; the
/// automatic choice prefers `/me` needing such a header over an unrelated list, and `--ping`
/// accepts it (issue 25.3).
#[test]
fn the_ping_may_be_a_get_whose_required_parameters_have_values() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = document(
        tmp.path(),
        "pingable.json",
        &serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "Pingable", "version": "1"},
            "servers": [{"url": "https://api.example.com"}],
            "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}},
            "security": [{"key": []}],
            "paths": {
                "/users/me": {"get": get("getMe", serde_json::json!([
                    {"name": "X-Tenant-Mode", "in": "header", "required": true, "schema": {"type": "string", "default": "live"}},
                    {"name": "expand", "in": "query", "required": true, "schema": {"type": "string", "enum": ["profile"]}}
                ]))},
                "/widgets": {"get": get("listWidgets", serde_json::json!([]))},
                "/users/{id}": {"get": get("getUser", serde_json::json!([
                    {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "default": "me"}}
                ]))},
                "/search": {"get": get("search", serde_json::json!([
                    {"name": "q", "in": "query", "required": true, "schema": {"type": "string"}}
                ]))}
            }
        }),
    );
    for extra in [&[][..], &["--ping", "getMe"][..]] {
        let out = tmp.path().join(format!("p{}", extra.len()));
        let r = import(&spec, &out, extra);
        assert_eq!(r.status.code(), Some(0), "{extra:?}: {}", text(&r.stderr));
        let conn = std::fs::read_to_string(out.join("connections/pingable.kdl")).unwrap();
        assert!(
            conn.contains("request \"ping\" \"GET\" \"/users/me\" operation=\"getMe\" {")
                && conn.contains("header \"X-Tenant-Mode\" \"live\"")
                && conn.contains("query \"expand\" \"profile\""),
            "{extra:?}:\n{conn}"
        );
        assert_eq!(check_strict(&out), (Some(0), String::new()), "{extra:?}");
        let request = run_against_server(
            &out,
            "pingable",
            "api_key = { env = \"INTACT_TEST_KEY\" }\n",
            &["ping"],
        );
        assert!(
            request.starts_with("GET /users/me?expand=profile HTTP/1.1"),
            "{request}"
        );
        assert!(
            request.to_lowercase().contains("x-tenant-mode: live"),
            "{request}"
        );
    }
    // A path parameter or a required query without a value still has no place in a ping.
    for id in ["getUser", "search"] {
        let r = import(&spec, &tmp.path().join("x"), &["--ping", id]);
        assert_eq!(r.status.code(), Some(2), "{id}");
        assert!(text(&r.stderr).contains("a ping must be a GET"), "{id}");
    }
}

/// An API key header's format comes from the scheme's description, with a warning that says so;
/// `--key-format` sets another (issue 25.4).
#[test]
fn api_key_formats_come_from_the_description_or_key_format() {
    let tmp = tempfile::tempdir().unwrap();
    let keyed = |description: &str, header: &str| {
        serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "Keyed", "version": "1"},
            "servers": [{"url": "https://api.example.com"}],
            "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": header, "description": description}}},
            "security": [{"key": []}],
            "paths": {"/me": {"get": get("getMe", serde_json::json!([]))}}
        })
    };
    for (i, (description, header, value, shown)) in [
        (
            "Send `Authorization: Token token=<API_KEY>` with every request.",
            "Authorization",
            "Token token=${auth.api_key}",
            "Token token=<api_key>",
        ),
        (
            "Pass the API token prefixed with SSWS: `Authorization: SSWS {token}`",
            "Authorization",
            "SSWS ${auth.api_key}",
            "SSWS <api_key>",
        ),
        (
            "A personal token, written `Bearer <token>`.",
            "Authorization",
            "Bearer ${auth.api_key}",
            "Bearer <api_key>",
        ),
        (
            "Format: `ApiKey {key}`",
            "X-Auth",
            "ApiKey ${auth.api_key}",
            "ApiKey <api_key>",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let spec = document(
            tmp.path(),
            &format!("k{i}.json"),
            &keyed(description, header),
        );
        let out = tmp.path().join(format!("p{i}"));
        let r = import(&spec, &out, &[]);
        assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
        let conn = std::fs::read_to_string(out.join("connections/keyed.kdl")).unwrap();
        assert!(
            conn.contains(&format!("header \"{header}\" \"{value}\"")),
            "{description}:\n{conn}"
        );
        assert!(
            text(&r.stderr).contains(&format!(
                "the {header} header is sent as `{shown}`, as the scheme's description says; check it"
            )),
            "{}",
            text(&r.stderr)
        );
        assert_eq!(
            check_strict(&out),
            (Some(0), String::new()),
            "{description}"
        );
        let request = run_against_server(
            &out,
            "keyed",
            "api_key = { env = \"INTACT_TEST_KEY\" }\n",
            &["ping"],
        );
        let sent = value.replace("${auth.api_key}", "k-123456789");
        assert!(
            request.to_lowercase().contains(&format!(
                "{}: {}",
                header.to_lowercase(),
                sent.to_lowercase()
            )),
            "{request}"
        );
    }
    // A description without a format sends the key as it is; --key-format overrides either.
    let spec = document(tmp.path(), "plain.json", &keyed("Your API key", "X-Key"));
    let out = tmp.path().join("plain");
    let r = import(&spec, &out, &[]);
    assert!(
        !text(&r.stderr).contains("is sent as"),
        "{}",
        text(&r.stderr)
    );
    let conn = std::fs::read_to_string(out.join("connections/keyed.kdl")).unwrap();
    assert!(
        conn.contains("header \"X-Key\" \"${auth.api_key}\""),
        "{conn}"
    );
    let out = tmp.path().join("formatted");
    let r = import(&spec, &out, &["--key-format", "Token token=\"{key}\""]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let conn = std::fs::read_to_string(out.join("connections/keyed.kdl")).unwrap();
    assert!(
        conn.contains(r#"header "X-Key" "Token token=\"${auth.api_key}\"""#),
        "{conn}"
    );
    let okta_like = document(
        tmp.path(),
        "k-okta.json",
        &keyed("`Authorization: SSWS {token}`", "Authorization"),
    );
    let out = tmp.path().join("overridden");
    let r = import(&okta_like, &out, &["--key-format", "Key {key}"]);
    assert!(
        !text(&r.stderr).contains("is sent as"),
        "{}",
        text(&r.stderr)
    );
    let conn = std::fs::read_to_string(out.join("connections/keyed.kdl")).unwrap();
    assert!(conn.contains("\"Key ${auth.api_key}\""), "{conn}");
    // A format without `{key}`, or with no API key to format, is refused.
    for (spec, args, wanted) in [
        (
            &spec,
            vec!["--key-format", "Token"],
            "must hold `{key}` once",
        ),
        (
            &corpus().join("oai-petstore-3.0.yaml"),
            vec!["--key-format", "Token {key}"],
            "no chosen security scheme sends one",
        ),
    ] {
        let out = tmp.path().join("refused");
        let mut all = args.clone();
        all.extend(["--base-url", "https://api.example.com"]);
        let r = import(spec, &out, &all);
        assert_eq!(r.status.code(), Some(2), "{args:?}");
        assert!(text(&r.stderr).contains(wanted), "{}", text(&r.stderr));
        assert!(!out.exists());
    }
}

/// Okta's API token scheme (`Authorization: SSWS {API Token}`) keeps its prefix.
#[test]
fn okta_api_tokens_are_sent_with_ssws() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    let spec = corpus().join("okta-management-3.0.yaml");
    let r = import(&spec, &out, &["--scheme", "apiToken", "--tag", "User"]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let conn = std::fs::read_to_string(out.join("connections/okta_admin_management.kdl")).unwrap();
    assert!(
        conn.contains("header \"Authorization\" \"SSWS ${auth.api_key}\""),
        "{conn}"
    );
    assert!(
        text(&r.stderr).contains("the Authorization header is sent as `SSWS <api_key>`"),
        "{}",
        text(&r.stderr)
    );
}

/// A scheme that signs each request is not turned into a fixed API-key header: AWS SigV4 is
/// never generated, an API key described as signed is left out of the automatic choice, and
/// both say why (issue 25.5).
#[test]
fn request_signing_schemes_are_not_turned_into_api_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let signed = |scheme: serde_json::Value| {
        serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "Signed", "version": "1"},
            "servers": [{"url": "https://api.example.com"}],
            "components": {"securitySchemes": {"sig": scheme}},
            "security": [{"sig": []}],
            "paths": {"/me": {"get": get("getMe", serde_json::json!([]))}}
        })
    };
    let sigv4 = document(
        tmp.path(),
        "sigv4.json",
        &signed(serde_json::json!({
            "type": "apiKey", "in": "header", "name": "Authorization",
            "x-amazon-apigateway-authtype": "awsSigv4"
        })),
    );
    let hmac = document(
        tmp.path(),
        "hmac.json",
        &signed(serde_json::json!({
            "type": "apiKey", "in": "header", "name": "X-Signature",
            "description": "An HMAC-SHA256 of the request body with your secret, hex-encoded."
        })),
    );
    for (spec, wanted) in [
        (&sigv4, "AWS Signature Version 4"),
        (&hmac, "speaks of request signing (HMAC)"),
    ] {
        let out = tmp.path().join("p");
        let r = import(spec, &out, &[]);
        assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
        let stderr = text(&r.stderr);
        assert!(
            stderr.contains("security scheme `sig` is not generated") && stderr.contains(wanted),
            "{stderr}"
        );
        let conn = std::fs::read_to_string(out.join("connections/signed.kdl")).unwrap();
        assert!(!conn.contains("auth \""), "{conn}");
        std::fs::remove_dir_all(&out).unwrap();
    }
    let r = import(&sigv4, &tmp.path().join("q"), &["--scheme", "sig"]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        text(&r.stderr).contains("cannot be generated"),
        "{}",
        text(&r.stderr)
    );
    // Asked for by name, a scheme only described as signed is generated, with the warning.
    let out = tmp.path().join("r");
    let r = import(&hmac, &out, &["--scheme", "sig"]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    assert!(
        text(&r.stderr).contains("may not authenticate"),
        "{}",
        text(&r.stderr)
    );
    let conn = std::fs::read_to_string(out.join("connections/signed.kdl")).unwrap();
    assert!(conn.contains("auth \"api-key\""), "{conn}");
}

/// An operation written in a file of its own (`get: {$ref: ops/get-user.yaml}`) is followed like
/// any `$ref`; one that cannot be (a loop of references) is left out with a warning, not written
/// as an empty flow (issue 25.5).
#[test]
fn operation_refs_are_followed_or_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("split");
    std::fs::create_dir_all(dir.join("ops")).unwrap();
    std::fs::write(
        dir.join("api.yaml"),
        "openapi: 3.0.3\ninfo: {title: Split, version: '1'}\nservers: [{url: 'https://api.example.com'}]\npaths:\n  /users/{id}:\n    get:\n      $ref: ops/get-user.yaml\n  /loop:\n    get:\n      $ref: '#/paths/~1again/get'\n  /again:\n    get:\n      $ref: '#/paths/~1loop/get'\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("ops/get-user.yaml"),
        "operationId: getUser\nsummary: Get a user\nparameters:\n  - $ref: '#/x-params/id'\n  - {name: verbose, in: query, schema: {type: boolean}}\nresponses:\n  '200':\n    description: ok\n    content:\n      application/json:\n        schema: {type: object}\nx-params:\n  id: {name: id, in: path, required: true, schema: {type: string}}\n",
    )
    .unwrap();
    let out = tmp.path().join("p");
    let r = import(&dir.join("api.yaml"), &out, &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let flows = std::fs::read_to_string(out.join("flows/api.kdl")).unwrap();
    assert!(
        flows.contains("flow \"get_user\"")
            && flows.contains("description \"Get a user\"")
            && flows.contains("input \"id\" type=\"string\" required=#true")
            && flows.contains("query \"verbose\" \"${input.verbose}\"")
            && flows.contains("operation=\"getUser\""),
        "{flows}"
    );
    assert!(
        !flows.contains("/loop") && !flows.contains("/again"),
        "{flows}"
    );
    let stderr = text(&r.stderr);
    assert!(
        stderr.contains("api.yaml#/paths/~1loop/get: the operation is not imported")
            && stderr.contains("leads back to itself"),
        "{stderr}"
    );
    assert_eq!(check_strict(&out), (Some(0), String::new()));
}

/// A header default that reads like a description is not sent as the header's value: the flow
/// asks for it instead, with a warning (issue 25.5).
#[test]
fn header_defaults_that_read_like_prose_are_not_sent() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = document(
        tmp.path(),
        "prose.json",
        &serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "Prose", "version": "1"},
            "servers": [{"url": "https://api.example.com"}],
            "paths": {"/things": {"get": get("listThings", serde_json::json!([
                {"name": "X-Api-Version", "in": "header", "required": true,
                 "schema": {"type": "string", "default": "The version of the API, for example 2024-01-01"}},
                {"name": "X-Trace", "in": "header",
                 "schema": {"type": "string", "default": "Optional."}}
            ]))}}
        }),
    );
    let out = tmp.path().join("p");
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let flows = std::fs::read_to_string(out.join("flows/api.kdl")).unwrap();
    assert!(
        flows.contains("input \"x_api_version\" type=\"string\" required=#true")
            && flows.contains("input \"x_trace\" type=\"string\"\n")
            && !flows.contains("The version of the API")
            && !flows.contains("Optional."),
        "{flows}"
    );
    let conn = std::fs::read_to_string(out.join("connections/prose.kdl")).unwrap();
    assert!(!conn.contains("X-Api-Version"), "{conn}");
    let stderr = text(&r.stderr);
    for name in ["X-Api-Version", "X-Trace"] {
        assert!(
            stderr.contains(&format!("header parameter `{name}`: its default"))
                && stderr.contains("reads like a description"),
            "{stderr}"
        );
    }
}

/// A query string written into a path key is sent as fixed query parameters, not as part of the
/// request path (issue 25.5).
#[test]
fn query_strings_in_path_keys_become_query_parameters() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = document(
        tmp.path(),
        "queried.json",
        &serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "Queried", "version": "1"},
            "servers": [{"url": "https://api.example.com"}],
            "paths": {
                "/users?active=true": {"get": get("listActiveUsers", serde_json::json!([
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}}
                ]))},
                "/users/{id}?view=full%20name": {"get": get("getUserFull", serde_json::json!([
                    {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}
                ]))}
            }
        }),
    );
    let out = tmp.path().join("p");
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let flows = std::fs::read_to_string(out.join("flows/api.kdl")).unwrap();
    assert!(
        flows.contains("request \"call\" \"GET\" \"/users\" operation=\"listActiveUsers\" {\n        query \"active\" \"true\"\n        query \"limit\" \"${input.limit}\"")
            && flows.contains("request \"call\" \"GET\" \"/users/${input.id}\" operation=\"getUserFull\" {\n        query \"view\" \"full name\""),
        "{flows}"
    );
    let conn = std::fs::read_to_string(out.join("connections/queried.kdl")).unwrap();
    assert!(
        conn.contains("request \"ping\" \"GET\" \"/users\" operation=\"listActiveUsers\" {\n            query \"active\" \"true\""),
        "{conn}"
    );
    let stderr = text(&r.stderr);
    assert!(
        stderr.contains("the path key `/users?active=true` holds a query string")
            && stderr.contains("`active=true` as fixed `query` parameters"),
        "{stderr}"
    );
    assert_eq!(check_strict(&out), (Some(0), String::new()));
    std::fs::write(out.join("in.json"), r#"{"id": "u1"}"#).unwrap();
    let request = run_against_server(
        &out,
        "queried",
        "",
        &["run", "get_user_full", "--input", "in.json"],
    );
    assert!(
        request.starts_with("GET /users/u1?view=full%20name HTTP/1.1"),
        "{request}"
    );
}

/// An operation's parameter that the API key scheme sends (vendors list the key header as a
/// parameter too) is left to the connection's auth: the flow does not ask for it, the ping may
/// need it, and `openapi::drift` counts the auth's credential as sent (issue 25.3).
#[test]
fn parameters_the_api_key_sends_are_left_to_the_connection() {
    let tmp = tempfile::tempdir().unwrap();
    for (location, key) in [("header", "X-Key"), ("query", "api_key")] {
        let param_name = if location == "header" { "x-key" } else { key };
        let spec = document(
            tmp.path(),
            &format!("{location}.json"),
            &serde_json::json!({
                "openapi": "3.0.3",
                "info": {"title": "Keyed", "version": "1"},
                "servers": [{"url": "https://api.example.com"}],
                "components": {"securitySchemes": {"key": {"type": "apiKey", "in": location, "name": key}}},
                "security": [{"key": []}],
                "paths": {"/me": {"get": get("getMe", serde_json::json!([
                    {"name": param_name, "in": location, "required": true, "schema": {"type": "string"}}
                ]))}}
            }),
        );
        let out = tmp.path().join(location);
        let r = import(&spec, &out, &[]);
        assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
        let flows = std::fs::read_to_string(out.join("flows/api.kdl")).unwrap();
        assert!(
            !flows.contains("x_key") && !flows.contains("input \"api_key\""),
            "{flows}"
        );
        let conn = std::fs::read_to_string(out.join("connections/keyed.kdl")).unwrap();
        assert!(
            conn.contains("request \"ping\" \"GET\" \"/me\" operation=\"getMe\""),
            "{conn}"
        );
        assert_eq!(check_strict(&out), (Some(0), String::new()), "{location}");
        let request = run_against_server(
            &out,
            "keyed",
            "api_key = { env = \"INTACT_TEST_KEY\" }\n",
            &["run", "get_me"],
        );
        let wanted = if location == "header" {
            "x-key: k-123456789"
        } else {
            "get /me?api_key=k-123456789 "
        };
        assert_eq!(
            request.to_lowercase().matches(wanted).count(),
            1,
            "{request}"
        );
    }
}

/// Each parameter's `style`, `explode` and `allowReserved` are written on its `query` or `header`
/// node, so that the imported flow sends what the document describes (issue 25.2), checked on
/// the wire: `ids` exploded by default, `tags` joined, `cols` pipe-delimited, `filter` as a deep
/// object, a header exploded; a `label` path parameter is warned about.
#[test]
fn parameter_styles_are_imported_and_sent_as_described() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |name: &str, loc: &str, extra: serde_json::Value| {
        let mut v = serde_json::json!({"name": name, "in": loc, "schema": {"type": "array", "items": {"type": "string"}}});
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        v
    };
    let spec = document(
        tmp.path(),
        "styles.json",
        &serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "Styles", "version": "1"},
            "servers": [{"url": "https://api.example.com"}],
            "paths": {
                "/items/{key}": {"get": get("getItems", serde_json::json!([
                    {"name": "key", "in": "path", "required": true, "style": "label", "schema": {"type": "string"}},
                    p("ids", "query", serde_json::json!({})),
                    p("tags", "query", serde_json::json!({"explode": false})),
                    p("cols", "query", serde_json::json!({"style": "pipeDelimited", "explode": false})),
                    {"name": "filter", "in": "query", "style": "deepObject", "explode": true, "schema": {"type": "object"}},
                    {"name": "X-Color", "in": "header", "explode": true, "schema": {"type": "object"}}
                ]))}
            }
        }),
    );
    let out = tmp.path().join("p");
    let r = import(&spec, &out, &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    assert!(
        text(&r.stderr).contains("style \"label\" is not written by intact's paths yet"),
        "{}",
        text(&r.stderr)
    );
    let flows = std::fs::read_to_string(out.join("flows/api.kdl")).unwrap();
    for line in [
        r#"query "ids" "${input.ids}""#,
        r#"query "tags" "${input.tags}" explode=#false"#,
        r#"query "cols" "${input.cols}" style="pipeDelimited""#,
        r#"query "filter" "${input.filter}" style="deepObject""#,
        r#"header "X-Color" "${input.x_color}" explode=#true"#,
    ] {
        assert!(flows.contains(line), "{line} not in:\n{flows}");
    }
    let (code, report) = check_strict(&out);
    assert_eq!(code, Some(0), "{report}");
    let input = tmp.path().join("input.json");
    std::fs::write(
        &input,
        r#"{"key": "k", "ids": ["a", "b"], "tags": ["x", "y"], "cols": ["c", "d"], "filter": {"n": 1}, "x_color": {"R": 1}}"#,
    )
    .unwrap();
    let conn = std::fs::read_dir(out.join("connections"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let conn = conn.file_stem().unwrap().to_string_lossy().into_owned();
    let request = run_against_server(
        &out,
        &conn,
        "",
        &[
            "run",
            "get_items",
            "--flow",
            "--input",
            input.to_str().unwrap(),
        ],
    );
    let line = request.lines().next().unwrap();
    assert_eq!(
        line, "GET /items/k?ids=a&ids=b&tags=x,y&cols=c%7Cd&filter[n]=1 HTTP/1.1",
        "{request}"
    );
    assert!(
        request
            .to_ascii_lowercase()
            .contains("\r\nx-color: r=1\r\n"),
        "{request}"
    );
}

/// A `default` response that is a `$ref` to another file is a reference, not a schema's literal
/// `default` value: the file is loaded. Real split documents (DigitalOcean's) refer to their
/// common error response this way, from operations that are themselves `$ref`s.
#[test]
fn a_default_response_in_another_file_is_loaded() {
    let tmp = tempfile::tempdir().unwrap();
    let spec_dir = tmp.path().join("spec");
    std::fs::create_dir_all(spec_dir.join("resources/users")).unwrap();
    std::fs::create_dir_all(spec_dir.join("common")).unwrap();
    std::fs::write(
        spec_dir.join("api.yaml"),
        "openapi: 3.0.0\ninfo: {title: Split, version: '1'}\nservers: [{url: 'https://api.example.com'}]\npaths:\n  /users:\n    get:\n      $ref: 'resources/users/list.yml'\n",
    )
    .unwrap();
    std::fs::write(
        spec_dir.join("resources/users/list.yml"),
        "operationId: listUsers\nresponses:\n  '200':\n    description: ok\n  default:\n    $ref: '../../common/error.yml'\n",
    )
    .unwrap();
    std::fs::write(
        spec_dir.join("common/error.yml"),
        "description: an error\ncontent:\n  application/json:\n    schema:\n      $ref: '../problem.yml'\n",
    )
    .unwrap();
    // A fragment beside the entry document: copied directly under openapi/, where it is no
    // document of its own (no `openapi:` field) and must not be reported as one.
    std::fs::write(
        spec_dir.join("problem.yml"),
        "type: object\nproperties:\n  detail: {type: string}\n",
    )
    .unwrap();
    let out = tmp.path().join("p");
    let r = import(&spec_dir.join("api.yaml"), &out, &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    assert!(out.join("openapi/common/error.yml").is_file());
    assert!(out.join("openapi/problem.yml").is_file());
    let (code, report) = check_strict(&out);
    assert_eq!(code, Some(0), "{report}");
}
