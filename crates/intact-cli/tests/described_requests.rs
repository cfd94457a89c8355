//! Requests checked against the OpenAPI operation they name (`operation=`): what `intact test`,
//! `intact run` and `intact verify` actually send, and in `intact test` what the mocks answer.
//! Every test runs the real binary on a project in a temporary folder; `run` and `verify` send to
//! a real HTTP server on 127.0.0.1.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

#[path = "support/binary.rs"]
mod binary;
#[path = "support/http.rs"]
mod http;
use binary::{assert_exit, project, stderr, stdout};

/// `intact` with the environment's token set.
fn intact(args: &[&str], cwd: &Path) -> Output {
    binary::intact_with(args, cwd, &[("INTACT_TEST_TOKEN", SECRET)])
}
use http::answering_server;

const SECRET: &str = "s3cr3t-token-value";

/// OpenAPI 3.0: a required path parameter on the path item, a query parameter typed integer, a
/// required header, a request body and a response that share a schema with a `readOnly`
/// required `id` and a `nullable` field.
const TEAMS: &str = r##"openapi: 3.0.3
info:
  title: Teams
  version: "1"
servers:
  - url: https://api.example.com
paths:
  /teams/{teamId}:
    parameters:
      - name: teamId
        in: path
        required: true
        schema:
          type: string
    get:
      operationId: getTeam
      parameters:
        - name: limit
          in: query
          schema:
            type: integer
        - name: X-Org
          in: header
          required: true
          schema:
            type: string
      responses:
        "200":
          description: the team
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Team"
    put:
      operationId: replaceTeam
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/Team"
      responses:
        "200":
          description: the team
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Team"
components:
  schemas:
    Team:
      type: object
      required: [id, name]
      properties:
        id:
          type: string
          readOnly: true
        name:
          type: string
        size:
          type: integer
          minimum: 1
        lead:
          type: string
          nullable: true
"##;

/// The inputs are untyped, so nothing here is wrong before the run: only what is sent is.
const FLOWS: &str = r#"project "p" {
    display-name "P"
}
connection "api" {
    base-url "https://api.example.com"
    auth "bearer" {
        token "${auth.token}"
    }
}
flow "get_team" {
    input "id"
    input "limit"
    input "org"
    request "get" "GET" "/teams/${input.id}" operation="getTeam" {
        query "limit" "${input.limit}"
        header "X-Org" "${input.org}"
    }
    return "${steps.get.body}"
}
flow "replace_team" {
    input "id"
    input "team"
    request "put" "PUT" "/teams/${input.id}" operation="replaceTeam" {
        json "${input.team}"
    }
    return "${steps.put.body}"
}
"#;

/// A mock route answering `json` (KDL children) to `method` `/teams/T1`.
fn route(method: &str, json: &str) -> String {
    format!(
        "    mock \"api\" {{\n        on \"{method}\" \"/teams/T1\" {{\n            respond 200 {{\n                json {{\n{json}\n                }}\n            }}\n        }}\n    }}\n"
    )
}

fn test_block(name: &str, flow: &str, input: &str, mock: &str) -> String {
    format!(
        "test \"{name}\" flow=\"{flow}\" {{\n    params \"api\" token=\"t0ken-t0ken\"\n    input {{\n{input}\n    }}\n{mock}}}\n"
    )
}

#[test]
fn intact_test_fails_what_does_not_fit_the_operation_and_names_the_place() {
    let team = "                    id \"T1\"\n                    name \"Core\"";
    let tests = [
        // Conforms: `limit` reads as an integer, the readOnly `id` is not sent, `lead` is
        // nullable.
        test_block(
            "conforms",
            "get_team",
            "        id \"T1\"\n        limit 10\n        org \"acme\"",
            &route(
                "GET",
                "                    id \"T1\"\n                    name \"Core\"\n                    lead #null",
            ),
        ),
        test_block(
            "conforming_body",
            "replace_team",
            "        id \"T1\"\n        team {\n            name \"Core\"\n            size 3\n        }",
            &route("PUT", team),
        ),
        test_block(
            "wrong_type",
            "get_team",
            "        id \"T1\"\n        limit \"ten\"\n        org \"acme\"",
            &route("GET", team),
        ),
        test_block(
            "missing_header",
            "get_team",
            "        id \"T1\"",
            &route("GET", team),
        ),
        test_block(
            "body_breaks_schema",
            "replace_team",
            "        id \"T1\"\n        team {\n            name \"Core\"\n            size 0\n        }",
            &route("PUT", team),
        ),
        test_block(
            "answer_breaks_schema",
            "get_team",
            "        id \"T1\"\n        org \"acme\"",
            &route("GET", "                    id 7"),
        ),
    ]
    .concat();
    let dir = project(&[
        ("intact.kdl", FLOWS),
        ("openapi/teams.yaml", TEAMS),
        ("tests/teams.kdl", &tests),
    ]);
    let check = intact(&["check", "--deny-warnings"], dir.path());
    assert_exit(&check, 0);
    let o = intact(&["test"], dir.path());
    assert_exit(&o, 1);
    let out = stdout(&o);
    assert!(out.contains("2 passed, 4 failed"), "{out}");
    assert!(out.contains("ok     conforms "), "{out}");
    assert!(out.contains("ok     conforming_body "), "{out}");
    let get = "request `get` at intact.kdl:14:5 (operation getTeam)";
    let put = "request `put` at intact.kdl:23:5 (operation replaceTeam)";
    for (test, failure) in [
        (
            "wrong_type",
            format!("{get}: query parameter `limit`: \"ten\" is not of type \"integer\""),
        ),
        (
            "missing_header",
            format!("{get}: header parameter `X-Org`: the operation requires it; it is not sent"),
        ),
        (
            "body_breaks_schema",
            format!("{put}: the body at `/size`: 0 is less than the minimum of 1"),
        ),
        (
            "answer_breaks_schema",
            format!("{get}: the mock's 200 response at `/id`: 7 is not of type \"string\""),
        ),
        (
            "answer_breaks_schema",
            format!("{get}: the mock's 200 response: \"name\" is a required property"),
        ),
    ] {
        let section = out
            .split("FAILED ")
            .find(|s| s.starts_with(&format!("{test} ")))
            .unwrap_or_else(|| panic!("{test} did not fail:\n{out}"));
        assert!(section.contains(&failure), "{test}: {failure}\n{out}");
    }
}

/// `intact run` against a real server: a mismatch is a warning on standard error, masked, and
/// the request goes out; with `--strict` the step fails and nothing is sent.
#[test]
fn run_warns_and_run_strict_fails_before_sending() {
    let (base, requests) = answering_server(r#"{"id": "T1", "name": "Core"}"#);
    let dir = project(&[
        ("intact.kdl", FLOWS),
        ("openapi/teams.yaml", TEAMS),
        (
            "env/dev.toml",
            &format!(
                "[connection.api]\ntoken = {{ env = \"INTACT_TEST_TOKEN\" }}\nbase-url = \"{base}\"\n"
            ),
        ),
        // The secret itself sent where an integer belongs: the warning quotes the value.
        (
            "input.json",
            &format!(r#"{{"id": "T1", "limit": "{SECRET}", "org": "acme"}}"#),
        ),
    ]);
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "get_team", "--input", "input.json", "--env", "dev"];
        args.extend_from_slice(extra);
        intact(&args, dir.path())
    };
    let o = run(&["--strict"]);
    assert_exit(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains(
            "request `get` at intact.kdl:14:5 was not sent: it does not fit operation getTeam (--strict): query parameter `limit`: \"••••\" is not of type \"integer\""
        ),
        "{err}"
    );
    assert!(
        !err.contains(SECRET) && !stdout(&o).contains(SECRET),
        "{err}"
    );
    assert!(
        requests.recv_timeout(Duration::from_millis(300)).is_err(),
        "--strict sent the request"
    );

    let o = run(&[]);
    assert_exit(&o, 0);
    let err = stderr(&o);
    assert!(
        err.contains(
            "warning: request `get` at intact.kdl:14:5 (operation getTeam): query parameter `limit`: \"••••\" is not of type \"integer\""
        ),
        "{err}"
    );
    assert!(
        !err.contains(SECRET) && !stdout(&o).contains(SECRET),
        "{err}"
    );
    let sent = requests.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(sent.starts_with("GET /teams/T1?limit="), "{sent}");

    // A request that fits: no warning.
    std::fs::write(
        dir.path().join("input.json"),
        r#"{"id": "T1", "limit": 5, "org": "acme"}"#,
    )
    .unwrap();
    let o = run(&["--strict"]);
    assert_exit(&o, 0);
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
}

/// `intact verify` runs the actions through the same executor: a logout-only integration
/// whose logout request misses a header its operation requires.
#[test]
fn verify_warns_and_verify_strict_fails_the_step() {
    let (base, _requests) = answering_server(r#"{"ok": true}"#);
    let logout = r#"openapi: 3.1.0
info:
  title: Sessions
  version: "1"
paths:
  /users/{userId}/logout:
    post:
      operationId: logoutUser
      parameters:
        - name: userId
          in: path
          required: true
          schema:
            type: string
        - name: X-Tenant
          in: header
          required: true
          schema:
            type: string
      responses:
        "200":
          description: done
"#;
    let kdl = r#"project "p" {
    display-name "P"
    capability "universal-logout"
}
connection "api" {
    base-url "https://api.example.com"
    auth "bearer" {
        token "${auth.token}"
    }
}
action "logout" contract="universal-logout" {
    request "revoke" "POST" "/users/${input.externalUserId}/logout" operation="logoutUser"
    return {
        logoutStatus "SUCCESS"
    }
}
"#;
    let dir = project(&[
        ("intact.kdl", kdl),
        ("openapi/sessions.yaml", logout),
        (
            "env/dev.toml",
            &format!(
                "[connection.api]\ntoken = {{ env = \"INTACT_TEST_TOKEN\" }}\nbase-url = \"{base}\"\n"
            ),
        ),
    ]);
    let o = intact(&["verify", "--env", "dev"], dir.path());
    assert_exit(&o, 0);
    assert!(
        stderr(&o).contains(
            "warning: request `revoke` at intact.kdl:12:5 (operation logoutUser): header parameter `X-Tenant`: the operation requires it; it is not sent"
        ),
        "{}",
        stderr(&o)
    );
    let o = intact(&["verify", "--env", "dev", "--strict"], dir.path());
    assert_exit(&o, 1);
    assert!(
        stdout(&o).contains("was not sent: it does not fit operation logoutUser (--strict)"),
        "{}",
        stdout(&o)
    );
}

/// `intact test --live`: what is sent is checked as against mocks, but the answers are the
/// API's own, so they are not held against the description.
#[test]
fn live_tests_check_requests_but_not_the_apis_answers() {
    // An answer that does not fit `Team` (no `name`, an integer `id`).
    let (base, _requests) = answering_server(r#"{"id": 7}"#);
    let tests = r#"test "live_fits" flow="get_team" {
    input {
        id "T1"
        limit 10
        org "acme"
    }
}
test "live_wrong" flow="get_team" {
    input {
        id "T1"
        limit "ten"
        org "acme"
    }
}
"#;
    let dir = project(&[
        ("intact.kdl", FLOWS),
        ("openapi/teams.yaml", TEAMS),
        ("tests/teams.kdl", tests),
        (
            "env/dev.toml",
            &format!(
                "[connection.api]\ntoken = {{ env = \"INTACT_TEST_TOKEN\" }}\nbase-url = \"{base}\"\n"
            ),
        ),
    ]);
    let o = intact(&["test", "--env", "dev", "--live"], dir.path());
    assert_exit(&o, 1);
    let out = stdout(&o);
    assert!(out.contains("1 passed, 1 failed"), "{out}");
    assert!(out.contains("ok     live_fits "), "{out}");
    assert!(
        out.contains(
            "request `get` at intact.kdl:14:5 (operation getTeam): query parameter `limit`: \"ten\" is not of type \"integer\""
        ),
        "{out}"
    );
}
