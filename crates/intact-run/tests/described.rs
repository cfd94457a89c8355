//! Requests checked against their OpenAPI operation (issue 25.6) through `intact test`'s runner,
//! its mocks served on 127.0.0.1: an OpenAPI 3.1 document split over two files, parameters read
//! back from the wire by their style (an exploded list, a `deepObject`, JSON text, an integer in
//! the path), a required body, a response chosen by its status class, and what is deliberately
//! not reported. The binary's own tests are crates/intact-cli/tests/described_requests.rs.

use std::sync::Arc;

use intact_model::{Analysis, FileInput};
use intact_run::testing::{Mode, Selection, TestResult, run_tests};

const DOCUMENT: &str = r##"openapi: 3.1.0
info:
  title: Teams
  version: "1"
paths:
  /teams/{teamId}/members:
    get:
      operationId: listMembers
      parameters:
        - name: teamId
          in: path
          required: true
          schema:
            type: integer
        - name: ids
          in: query
          schema:
            type: array
            items:
              type: integer
        - name: filter
          in: query
          style: deepObject
          explode: true
          schema:
            $ref: "./parts/schemas.yaml#/Filter"
        - name: meta
          in: query
          content:
            application/json:
              schema:
                type: object
                required: [a]
      responses:
        "200":
          description: the members
          content:
            application/json:
              schema:
                type: array
                items:
                  $ref: "./parts/schemas.yaml#/Member"
    post:
      operationId: addMember
      parameters:
        - name: teamId
          in: path
          required: true
          schema:
            type: integer
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "./parts/schemas.yaml#/Member"
      responses:
        "2XX":
          description: added
          content:
            application/json:
              schema:
                $ref: "./parts/schemas.yaml#/Member"
"##;

const SCHEMAS: &str = r##"Filter:
  type: object
  properties:
    age:
      type: integer
Member:
  type: object
  required: [name]
  properties:
    name:
      type: string
    role:
      $ref: "#/Role"
    manager:
      type: ["string", "null"]
    email:
      type: string
      format: email
Role:
  type: string
  enum: [admin, member]
"##;

const PROJECT: &str = r#"project "p" {
    display-name "P"
}
connection "api" {
    base-url "https://api.example.com"
}
flow "members" {
    input "team"
    input "ids"
    input "filter"
    input "meta"
    request "list" "GET" "/teams/${input.team}/members" operation="listMembers" {
        query "ids" "${input.ids}"
        query "filter" "${input.filter}" style="deepObject"
        query "meta" "${input.meta}"
    }
    return "${steps.list.body}"
}
flow "add" {
    input "member"
    request "add" "POST" "/teams/7/members" operation="addMember" {
        json "${input.member}"
    }
    return "${steps.add.status}"
}
flow "no_body" {
    request "empty" "POST" "/teams/7/members" operation="addMember"
    return "${steps.empty.status}"
}
flow "off_path" {
    request "odd" "GET" "/teams/7/people" operation="listMembers"
    return "${steps.odd.status}"
}
"#;

fn test(name: &str, flow: &str, input: &str, on: &str, respond: &str) -> String {
    format!(
        "test \"{name}\" flow=\"{flow}\" {{\n    input {{\n{input}\n    }}\n    mock \"api\" {{\n        on {on} {{\n            {respond}\n        }}\n    }}\n}}\n"
    )
}

async fn results(tests: &str) -> Vec<TestResult> {
    let analysis = Arc::new(Analysis::new(vec![
        FileInput::new("intact.kdl", PROJECT),
        FileInput::new("openapi/teams.yaml", DOCUMENT),
        FileInput::new("openapi/parts/schemas.yaml", SCHEMAS),
        FileInput::new("tests/t.kdl", tests),
    ]));
    for f in &analysis.files {
        assert!(f.parse.errors.is_empty(), "{:?}", f.parse.errors);
    }
    run_tests(
        analysis,
        std::env::temp_dir(),
        Selection::All,
        2,
        Mode::Mocks,
    )
    .await
    .unwrap()
}

fn failures_of<'r>(all: &'r [TestResult], name: &str) -> &'r [String] {
    &all.iter().find(|r| r.name == name).unwrap().failures
}

#[tokio::test]
async fn parameters_are_read_back_by_their_style_and_refs_cross_files() {
    // `email` is not an address: formats are not asserted.
    let ok = r#"respond 200 {
                json {
                    - { name "Ada"; role "admin"; manager #null; email "not an address" }
                }
            }"#;
    let tests = [
        test(
            "fits",
            "members",
            "        team 7\n        ids 1 2\n        filter {\n            age 30\n        }\n        meta #\"{\"a\": 1}\"#",
            r#""GET" "/teams/7/members""#,
            ok,
        ),
        test(
            "list_item",
            "members",
            "        team 7\n        ids 1 \"x\"",
            r#""GET" "/teams/7/members""#,
            ok,
        ),
        test(
            "deep_object",
            "members",
            "        team 7\n        filter {\n            age \"old\"\n        }",
            r#""GET" "/teams/7/members""#,
            ok,
        ),
        test(
            "json_text_parameter",
            "members",
            "        team 7\n        meta #\"{\"b\": 1}\"#",
            r#""GET" "/teams/7/members""#,
            ok,
        ),
        test(
            "path_integer",
            "members",
            "        team \"abc\"",
            r#""GET" "/teams/abc/members""#,
            ok,
        ),
        test(
            "answer_in_other_file",
            "members",
            "        team 7",
            r#""GET" "/teams/7/members""#,
            r#"respond 200 {
                json {
                    - { name "Ada"; role "owner" }
                }
            }"#,
        ),
        test(
            "body_in_other_file",
            "add",
            "        member {\n            role \"admin\"\n            manager 3\n        }",
            r#""POST" "/teams/7/members""#,
            r#"respond 201 {
                json {
                    name "Ada"
                }
            }"#,
        ),
        test(
            "answer_by_class",
            "add",
            "        member {\n            name \"Ada\"\n        }",
            r#""POST" "/teams/7/members""#,
            r#"respond 201 {
                json {
                    role "admin"
                }
            }"#,
        ),
        test(
            "body_required",
            "no_body",
            "",
            r#""POST" "/teams/7/members""#,
            "respond 204",
        ),
        test(
            "not_the_path",
            "off_path",
            "",
            r#""GET" "/teams/7/people""#,
            ok,
        ),
    ]
    .concat();
    let all = results(&tests).await;
    assert_eq!(failures_of(&all, "fits"), &[] as &[String], "{all:#?}");
    let list = "request `list` at intact.kdl:12:5 (operation listMembers)";
    let add = "request `add` at intact.kdl:21:5 (operation addMember)";
    let expected: [(&str, &[String]); 9] = [
        (
            "list_item",
            &[format!(
                "{list}: query parameter `ids` at `/1`: \"x\" is not of type \"integer\""
            )],
        ),
        (
            "deep_object",
            &[format!(
                "{list}: query parameter `filter` at `/age`: \"old\" is not of type \"integer\""
            )],
        ),
        (
            "json_text_parameter",
            &[format!(
                "{list}: query parameter `meta`: \"a\" is a required property"
            )],
        ),
        (
            "path_integer",
            &[format!(
                "{list}: path parameter `teamId`: \"abc\" is not of type \"integer\""
            )],
        ),
        (
            "answer_in_other_file",
            &[format!(
                "{list}: the mock's 200 response at `/0/role`: \"owner\" is not one of \"admin\" or \"member\""
            )],
        ),
        (
            "body_in_other_file",
            &[
                format!("{add}: the body: \"name\" is a required property"),
                format!("{add}: the body at `/manager`: 3 is not of types \"null\", \"string\""),
            ],
        ),
        (
            "answer_by_class",
            &[format!(
                "{add}: the mock's 201 response: \"name\" is a required property"
            )],
        ),
        (
            "body_required",
            &["request `empty` at intact.kdl:27:5 (operation addMember): the body: the operation requires one; none is sent".to_string()],
        ),
        (
            "not_the_path",
            &["request `odd` at intact.kdl:31:5 (operation listMembers): the path: `/teams/7/people` is not the operation's `/teams/{teamId}/members`".to_string()],
        ),
    ];
    for (name, failures) in expected {
        assert_eq!(
            failures_of(&all, name),
            failures,
            "{name}: {:#?}",
            failures_of(&all, name)
        );
    }
}

/// Descriptions often leave out their error responses, and tests mock them: an answer with a
/// status the operation does not declare is not held against anything.
#[tokio::test]
async fn an_undeclared_status_is_not_reported() {
    let tests = r#"test "not_found" flow="add" {
    input {
        member {
            name "Ada"
        }
    }
    mock "api" {
        on "POST" "/teams/7/members" {
            respond 404 {
                json {
                    detail "no such team"
                }
            }
        }
    }
    expect-error type="RESOURCE_NOT_FOUND"
}
"#;
    let all = results(tests).await;
    assert_eq!(failures_of(&all, "not_found"), &[] as &[String], "{all:#?}");
}
