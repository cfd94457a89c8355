//! `intact test` as a new user meets it: the mock server's built-in OAuth 2.0 token endpoint,
//! routes that check queries, routes that were never called, shared test defaults, and failures
//! that name their place. Every test runs the real binary on a project in a temporary folder.

use std::path::Path;

#[path = "support/binary.rs"]
mod binary;
use binary::{assert_exit, intact, project, stdout};

/// Runs `intact test` and asserts the exit code, showing both streams when it differs.
fn test_run(dir: &Path, args: &[&str], code: i32) -> String {
    let mut all = vec!["test"];
    all.extend_from_slice(args);
    let o = intact(&all, dir);
    assert_exit(&o, code);
    stdout(&o)
}

const LOGOUT_PROJECT: &str = r#"project "p" {
    display-name "P"
    capability "universal-logout"
}
"#;

fn oauth_connection(grant: &str) -> String {
    format!(
        r#"connection "api" {{
    base-url "https://api.example.com"
    auth "oauth2" {{
        grant "{grant}"
        authorize-url "https://login.example.com/authorize"
        token-url "https://login.example.com/token"
        scope "users:write"
    }}
}}
action "logout" contract="universal-logout" {{
    request "revoke" "POST" "/users/${{input.externalUserId}}/logout"
    return {{
        logoutStatus "SUCCESS"
    }}
}}
"#
    )
}

const OAUTH_TESTS: &str = r#"test "sends_the_issued_token" action="logout" {
    params "api" client_id="client" client_secret="client-secret"
    input {
        externalUserId "u1"
    }
    mock "api" {
        on "POST" "/users/u1/logout" {
            expect-header "Authorization" "Bearer ${mock.token}"
            respond 204
        }
    }
    expect {
        logoutStatus "SUCCESS"
    }
}
"#;

#[test]
fn oauth_projects_get_their_token_from_the_mock_server_for_both_grants() {
    for grant in ["client-credentials", "authorization-code"] {
        let dir = project(&[
            ("intact.kdl", LOGOUT_PROJECT),
            ("connections.kdl", &oauth_connection(grant)),
            ("tests/logout.kdl", OAUTH_TESTS),
        ]);
        let check = intact(&["check"], dir.path());
        assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
        let out = test_run(dir.path(), &[], 0);
        assert!(out.contains("1 passed, 0 failed"), "{grant}: {out}");
        assert!(!out.contains("client-secret"), "{out}");
    }
}

#[test]
fn a_test_may_still_mock_the_token_endpoint_itself() {
    let tests = r#"test "token_refused" action="logout" {
    params "api" client_id="client" client_secret="client-secret"
    input {
        externalUserId "u1"
    }
    mock "api" {
        on "POST" "/__token" {
            respond 401 {
                json {
                    error "invalid_client"
                }
            }
        }
    }
    expect-error type="INVALID_CREDENTIALS"
}
test "token_endpoint_down" action="logout" {
    params "api" client_id="client" client_secret="client-secret"
    input {
        externalUserId "u1"
    }
    mock "api" {
        on "POST" "/__token" {
            respond 503
        }
    }
    expect-error type="GENERIC_FAILURE" status=503
}
"#;
    let dir = project(&[
        ("intact.kdl", LOGOUT_PROJECT),
        ("connections.kdl", &oauth_connection("client-credentials")),
        ("tests/logout.kdl", tests),
    ]);
    let out = test_run(dir.path(), &[], 0);
    assert!(out.contains("2 passed, 0 failed"), "{out}");
}

const PAGING_PROJECT: &str = r#"project "p" {
    display-name "P"
}
connection "api" {
    base-url "https://api.example.com"
}
mapping "person" {
    id "${it.id}"
    name "${it.profile.name}"
}
flow "by_id" {
    input "person" type="object"
    request "get" "GET" "/people/${input.person.id}"
    return "${steps.get.body}"
}
flow "next_page" {
    input "pagination" type="object"
    input "person" type="object"
    let "who" "${person(input.person)}"
    let "cursor" "${input.pagination.cursor}"
    return "${steps.cursor}"
}
"#;

/// A failure at run time names the step, the expression's `file:line:col`, the expression and the
/// path that was missing: in `intact test` (human and JSON) and in `intact run`.
#[test]
fn runtime_failures_name_their_step_place_and_path() {
    let tests = r#"test "no_pagination" flow="next_page" {
    input {
        person {
            id "p1"
            profile {
                name "Ada"
            }
        }
    }
    expect "x"
}
test "person_without_profile" flow="next_page" {
    input {
        person {
            id "p1"
        }
        pagination {
            cursor "c"
        }
    }
    expect "c"
}
"#;
    let dir = project(&[
        ("intact.kdl", PAGING_PROJECT),
        ("tests/paging.kdl", tests),
        ("env/dev.toml", ""),
    ]);
    let out = test_run(dir.path(), &[], 1);
    assert!(
        out.contains(
            "an expression failed in step `cursor` at intact.kdl:20:21 `${input.pagination.cursor}`: `input.pagination` is null, so it has no field `cursor`"
        ),
        "{out}"
    );
    // Inside a mapping: the mapping's line, and the step that called it.
    assert!(
        out.contains(
            "an expression failed in step `who` at intact.kdl:9:13 `${it.profile.name}`: in `person()`: no field `profile` in `it`"
        ),
        "{out}"
    );
    // In a request's path, each `${…}` is evaluated on its own: its place is still named.
    let by_id = r#"test "no_id" flow="by_id" {
    input {
        person {
            name "Ada"
        }
    }
    expect "x"
}
"#;
    std::fs::write(dir.path().join("tests/by_id.kdl"), by_id).unwrap();
    let out = test_run(dir.path(), &["--filter", "no_id"], 1);
    assert!(
        out.contains(
            "an expression failed in step `get` at intact.kdl:13:36 `${input.person.id}`: no field `id` in `input.person`"
        ),
        "{out}"
    );
    std::fs::remove_file(dir.path().join("tests/by_id.kdl")).unwrap();
    let json = test_run(dir.path(), &["--format", "json"], 1);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let failures = v["tests"][0]["failures"].to_string();
    assert!(failures.contains("intact.kdl:20:21"), "{failures}");

    std::fs::write(
        dir.path().join("in.json"),
        r#"{"person": {"id": "p1", "profile": {"name": "A"}}}"#,
    )
    .unwrap();
    let o = intact(
        &["run", "next_page", "--input", "in.json", "--env", "dev"],
        dir.path(),
    );
    let all = format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
    assert!(
        all.contains("in step `cursor` at intact.kdl:20:21 `${input.pagination.cursor}`: `input.pagination` is null, so it has no field `cursor`"),
        "{all}"
    );
}

const PEOPLE_PROJECT: &str = r#"project "p" {
    display-name "P"
}
connection "api" {
    base-url "https://api.example.com"
}
flow "list_people" {
    input "cursor" type="string"
    request "page" "GET" "/people" {
        query "after" "${input.cursor}"
        query "limit" 2
    }
    return "${steps.page.body}"
}
flow "create_person" {
    input "name" type="string"
    input "nickname" type="string"
    request "create" "POST" "/people" {
        json omit-null=#true {
            name "${input.name}"
            nickname "${input.nickname}"
            profile {
                title "${input.nickname}"
            }
        }
    }
    return "${steps.create.status}"
}
"#;

/// Routes match on their `query` children; a request with another query fails naming both; a
/// route that is never called fails the test unless it is optional.
#[test]
fn mock_routes_match_queries_and_must_be_called() {
    let tests = r#"test "pages_by_cursor" flow="list_people" {
    input {
        cursor "x y"
    }
    mock "api" {
        on "GET" "/people" {
            query "after" "other"
            respond 200 {
                json "first"
            }
        }
        on "GET" "/people" {
            query "after" "x y"
            query "limit" 2
            respond 200 {
                json "second"
            }
        }
    }
    expect "second"
}
test "wrong_cursor" flow="list_people" {
    input {
        cursor "z"
    }
    mock "api" {
        on "GET" "/people" {
            query "after" "x"
            respond 200 {
                json "page"
            }
        }
    }
    expect "page"
}
test "optional_routes_may_go_unused" flow="list_people" {
    input {
        cursor "x"
    }
    mock "api" {
        on "GET" "/people" {
            respond 200 {
                json "page"
            }
        }
        on "DELETE" "/people" optional=#true {
            respond 204
        }
    }
    expect "page"
}
test "called_twice_of_three" flow="list_people" {
    input {
        cursor "x"
    }
    mock "api" {
        on "GET" "/people" times=3 {
            respond 200 {
                json "page"
            }
        }
    }
    expect "page"
}
"#;
    let dir = project(&[("intact.kdl", PEOPLE_PROJECT), ("tests/people.kdl", tests)]);
    let out = test_run(dir.path(), &[], 1);
    assert!(
        out.contains("ok     optional_routes_may_go_unused"),
        "{out}"
    );
    // The first route wanted another cursor and was never called: the test fails for it.
    assert!(out.contains("FAILED pages_by_cursor"), "{out}");
    assert!(
        out.contains(
            "the mock route GET /people `?after=other` (tests/people.kdl:6:9) was called 0 time(s), expected 1; remove it, or mark it `optional=#true`"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "GET /people on connection `api` was sent with the query `?after=z&limit=2`, but its mock route expects `?after=x` (tests/people.kdl:27:9)"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "the mock route GET /people (tests/people.kdl:57:9) was called 1 time(s), expected 3"
        ),
        "{out}"
    );
    assert!(out.contains("1 passed, 3 failed"), "{out}");
}

/// `json omit-null=#true` leaves out null fields at any depth, and `expect-absent` proves it.
#[test]
fn null_fields_can_be_left_out_and_mocks_assert_their_absence() {
    let tests = r#"test "without_nickname" flow="create_person" {
    input {
        name "Ada"
    }
    mock "api" {
        on "POST" "/people" {
            expect-json {
                name "Ada"
            }
            expect-absent "nickname" "profile.title"
            respond 201
        }
    }
    expect 201
}
test "with_nickname" flow="create_person" {
    input {
        name "Ada"
        nickname "A"
    }
    mock "api" {
        on "POST" "/people" {
            expect-absent "nickname"
            respond 201
        }
    }
    expect 201
}
"#;
    let dir = project(&[("intact.kdl", PEOPLE_PROJECT), ("tests/people.kdl", tests)]);
    let out = test_run(dir.path(), &[], 1);
    assert!(out.contains("ok     without_nickname"), "{out}");
    assert!(
        out.contains(
            "POST /people: the request body has `nickname` (\"A\"), expected no such field"
        ),
        "{out}"
    );
    assert!(out.contains("1 passed, 1 failed"), "{out}");
}

/// `test-defaults` in intact.kdl apply to every test, those of a file to its tests; a test's own
/// values win and its own routes match first; shared routes may go unused.
#[test]
fn tests_extend_their_file_and_project_defaults() {
    let root = r#"project "p" {
    display-name "P"
    capability "universal-logout"
}
variable "host" {
    label "Host"
}
connection "api" {
    base-url "https://${app.host}/api"
    auth "bearer" {
        token "${auth.token}"
    }
}
action "logout" contract="universal-logout" {
    request "revoke" "POST" "/users/${input.externalUserId}/logout" {
        header "X-Host" "${app.host}"
    }
    return {
        logoutStatus "SUCCESS"
    }
}
test-defaults {
    app host="project.test"
    params "api" token="project-token"
}
"#;
    let tests = r#"test-defaults {
    params "api" token="file-token"
    mock "api" {
        on "POST" "/users/u1/logout" {
            expect-header "Authorization" "Bearer file-token"
            expect-header "X-Host" "project.test"
            respond 204
        }
        on "GET" "/never" {
            respond 200
        }
    }
}
test "uses_the_shared_route" action="logout" {
    input {
        externalUserId "u1"
    }
    expect {
        logoutStatus "SUCCESS"
    }
}
test "overrides_and_its_own_route_first" action="logout" {
    app host="own.test"
    params "api" token="own-token"
    input {
        externalUserId "u1"
    }
    mock "api" {
        on "POST" "/users/u1/logout" {
            expect-header "Authorization" "Bearer own-token"
            expect-header "X-Host" "own.test"
            respond 204
        }
    }
    expect {
        logoutStatus "SUCCESS"
    }
}
"#;
    let dir = project(&[("intact.kdl", root), ("tests/logout.kdl", tests)]);
    let check = intact(&["check"], dir.path());
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    let out = test_run(dir.path(), &[], 0);
    assert!(out.contains("2 passed, 0 failed"), "{out}");

    // A shared route that must be used says so.
    let strict = tests.replace(
        "on \"GET\" \"/never\" {",
        "on \"GET\" \"/never\" optional=#false {",
    );
    std::fs::write(dir.path().join("tests/logout.kdl"), strict).unwrap();
    let out = test_run(dir.path(), &[], 1);
    assert!(
        out.contains("the mock route GET /never (tests/logout.kdl:9:9) was called 0 time(s)"),
        "{out}"
    );

    // Defaults are checked like a test's own values.
    let broken = tests.replace(
        "params \"api\" token=\"file-token\"",
        "params \"apj\" token=\"file-token\"",
    );
    std::fs::write(dir.path().join("tests/logout.kdl"), broken).unwrap();
    let check = intact(&["check", "--format", "json"], dir.path());
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stdout(&check).contains("no connection named `apj`"),
        "{}",
        stdout(&check)
    );
}

/// The pattern docs/language.prose.md gives for contracts an app cannot serve runs as written: an
/// empty list, a typed not-found, a fixed schema.
#[test]
fn contracts_the_app_cannot_serve_answer_as_documented() {
    let root = r#"project "p" {
    display-name "P"
    capability "provisioning"
}
connection "api" {
    base-url "https://api.example.com"
}
action "list_groups" contract="list-groups" {
    return {
        (array)resources
    }
}
action "get_group" contract="get-group" {
    fail "this app has no groups" type="RESOURCE_NOT_FOUND" status=404
}
action "list_user_schema" contract="list-user-schema" {
    return {
        schemaProperties {
            - {
                name "department"
                title "Department"
                propertyType "STRING"
            }
        }
    }
}
test "no_groups" action="list_groups" {
    expect {
        resources "${[]}"
        executionStatus {
            status "SUCCEEDED"
        }
    }
}
test "no_group" action="get_group" {
    input {
        groupId "g1"
    }
    expect-error type="RESOURCE_NOT_FOUND" status=404
}
test "fixed_schema" action="list_user_schema" {
    input {
        scim {
            baseUri "https://api.example.com/scim/v2"
            authMode "bearer"
            (array)entitlementTypes
        }
    }
    expect {
        schemaProperties {
            - {
                name "department"
            }
        }
    }
}
"#;
    let dir = project(&[("intact.kdl", root)]);
    // The project lacks other mandatory actions; `intact test` runs only when it checks clean,
    // so those are stubbed the same way.
    let mut text = root.to_string();
    for (name, id) in [
        ("list_users", "list-users"),
        ("get_user", "get-user"),
        ("get_user_by_username", "get-user-by-username"),
        (
            "list_user_schema_property_values",
            "list-user-schema-property-values",
        ),
    ] {
        text.push_str(&format!(
            "action \"{name}\" contract=\"{id}\" {{\n    fail \"not yet\" type=\"RESOURCE_NOT_FOUND\" status=404\n}}\n"
        ));
    }
    std::fs::write(dir.path().join("intact.kdl"), text).unwrap();
    let out = test_run(dir.path(), &[], 0);
    assert!(out.contains("3 passed, 0 failed"), "{out}");
}

/// A one-character secret is masked where it stands alone, not in every word that holds its
/// letter: the report keeps `executionStatus` and the URLs readable.
#[test]
fn short_secrets_do_not_mangle_reports() {
    let root = r#"project "p" {
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
    request "revoke" "POST" "/users/${input.externalUserId}/logout"
    return {
        logoutStatus "SUCCESS"
    }
}
test "shows_the_output" action="logout" {
    params "api" token="e"
    input {
        externalUserId "u1"
    }
    mock "api" {
        on "POST" "/users/u1/logout" {
            expect-header "Authorization" "Bearer x"
            respond 204
        }
    }
    expect {
        logoutStatus "FAILURE"
    }
}
"#;
    let dir = project(&[("intact.kdl", root)]);
    let out = test_run(dir.path(), &[], 1);
    assert!(out.contains("\"executionStatus\""), "{out}");
    assert!(!out.contains("••••xecution"), "{out}");
    // The header the action sent carried the secret: masked there.
    assert!(
        out.contains("header `authorization` was `Bearer ••••`"),
        "{out}"
    );
}

#[test]
fn a_filter_selects_by_part_or_exact_name_and_one_that_takes_nothing_is_an_error() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scim-provisioning");
    let ran = |out: &str| {
        out.lines()
            .filter(|l| l.starts_with("ok ") || l.starts_with("FAILED"))
            .count()
    };
    let out = test_run(&example, &["--filter", "cursor"], 0);
    assert!(ran(&out) > 1, "{out}");
    let out = test_run(
        &example,
        &["--filter", "next_cursor_in_the_middle", "--exact"],
        0,
    );
    assert_eq!(ran(&out), 1, "{out}");
    assert!(out.contains("ok     next_cursor_in_the_middle"), "{out}");

    // A part of a name is not a name; the error lists the tests there are.
    let o = intact(&["test", "--filter", "next_cursor", "--exact"], &example);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no test is named \"next_cursor\""), "{err}");
    assert!(err.contains("next_cursor_in_the_middle"), "{err}");
    let o = intact(&["test", "--filter", "nothing-like-this"], &example);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no test's name contains"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
