//! What checking requests against their OpenAPI operation costs `intact test` (issue 25.6,
//! budget: at most 10% of the run): the SCIM example's 27 tests as they are, and the same tests
//! with every request tied to an operation of a SCIM 2.0 description (written here: the example
//! ships none), so that each request's path, query, headers and body and each mock's answer are
//! validated. Both run with 2 jobs, as `intact test` does by default.
//!
//! `cargo bench -p intact-run --bench described`; figures are recorded in docs/performance.md.

use std::path::Path;
use std::sync::Arc;

use divan::Bencher;
use intact_model::{Analysis, FileInput};
use intact_run::testing::{Mode, Selection, run_tests};

fn main() {
    divan::main();
}

/// A SCIM 2.0 service (RFC 7644) as OpenAPI 3.0: what the example's requests send and its mocks
/// answer, typed.
const SCIM: &str = r##"openapi: 3.0.3
info:
  title: SCIM 2.0
  version: "2.0"
servers:
  - url: https://scim.example.com/v2
paths:
  /Users:
    get:
      operationId: listUsers
      parameters:
        - $ref: "#/components/parameters/filter"
        - $ref: "#/components/parameters/startIndex"
        - $ref: "#/components/parameters/count"
        - $ref: "#/components/parameters/attributes"
        - $ref: "#/components/parameters/excludedAttributes"
      responses:
        "200":
          description: a page of users
          content:
            application/scim+json:
              schema:
                $ref: "#/components/schemas/UserList"
    post:
      operationId: createUser
      requestBody:
        required: true
        content:
          application/scim+json:
            schema:
              $ref: "#/components/schemas/User"
      responses:
        "201":
          description: the new user
          content:
            application/scim+json:
              schema:
                $ref: "#/components/schemas/User"
  /Users/{id}:
    parameters:
      - $ref: "#/components/parameters/id"
    get:
      operationId: getUser
      responses:
        "200":
          description: the user
          content:
            application/scim+json:
              schema:
                $ref: "#/components/schemas/User"
    put:
      operationId: replaceUser
      requestBody:
        required: true
        content:
          application/scim+json:
            schema:
              $ref: "#/components/schemas/User"
      responses:
        "200":
          description: the user
          content:
            application/scim+json:
              schema:
                $ref: "#/components/schemas/User"
    patch:
      operationId: patchUser
      requestBody:
        required: true
        content:
          application/scim+json:
            schema:
              $ref: "#/components/schemas/PatchOp"
      responses:
        "200":
          description: the user
          content:
            application/scim+json:
              schema:
                $ref: "#/components/schemas/User"
        "204":
          description: patched
  /Groups:
    get:
      operationId: listGroups
      parameters:
        - $ref: "#/components/parameters/filter"
        - $ref: "#/components/parameters/startIndex"
        - $ref: "#/components/parameters/count"
        - $ref: "#/components/parameters/attributes"
        - $ref: "#/components/parameters/excludedAttributes"
      responses:
        "200":
          description: a page of groups
          content:
            application/scim+json:
              schema:
                $ref: "#/components/schemas/GroupList"
    post:
      operationId: createGroup
      requestBody:
        required: true
        content:
          application/scim+json:
            schema:
              $ref: "#/components/schemas/Group"
      responses:
        "201":
          description: the new group
          content:
            application/scim+json:
              schema:
                $ref: "#/components/schemas/Group"
  /Groups/{id}:
    parameters:
      - $ref: "#/components/parameters/id"
    get:
      operationId: getGroup
      parameters:
        - $ref: "#/components/parameters/attributes"
        - $ref: "#/components/parameters/excludedAttributes"
      responses:
        "200":
          description: the group
          content:
            application/scim+json:
              schema:
                $ref: "#/components/schemas/Group"
    patch:
      operationId: patchGroup
      requestBody:
        required: true
        content:
          application/scim+json:
            schema:
              $ref: "#/components/schemas/PatchOp"
      responses:
        "200":
          description: the group
          content:
            application/scim+json:
              schema:
                $ref: "#/components/schemas/Group"
        "204":
          description: patched
    delete:
      operationId: deleteGroup
      responses:
        "204":
          description: deleted
  /Schemas/{id}:
    parameters:
      - $ref: "#/components/parameters/id"
    get:
      operationId: getSchema
      responses:
        "200":
          description: the schema
          content:
            application/scim+json:
              schema:
                type: object
                required: [id]
                properties:
                  id:
                    type: string
                  attributes:
                    type: array
                    items:
                      type: object
components:
  parameters:
    id:
      name: id
      in: path
      required: true
      schema:
        type: string
    filter:
      name: filter
      in: query
      schema:
        type: string
    startIndex:
      name: startIndex
      in: query
      schema:
        type: integer
        minimum: 1
    count:
      name: count
      in: query
      schema:
        type: integer
        minimum: 0
    attributes:
      name: attributes
      in: query
      schema:
        type: string
    excludedAttributes:
      name: excludedAttributes
      in: query
      schema:
        type: string
  schemas:
    Meta:
      type: object
      properties:
        resourceType:
          type: string
        location:
          type: string
    User:
      type: object
      required: [userName]
      properties:
        id:
          type: string
          readOnly: true
        schemas:
          type: array
          items:
            type: string
        userName:
          type: string
        displayName:
          type: string
          nullable: true
        active:
          type: boolean
        password:
          type: string
          writeOnly: true
        name:
          type: object
          properties:
            givenName:
              type: string
              nullable: true
            familyName:
              type: string
              nullable: true
        emails:
          type: array
          items:
            type: object
            properties:
              value:
                type: string
              type:
                type: string
              primary:
                type: boolean
        meta:
          $ref: "#/components/schemas/Meta"
    UserList:
      type: object
      required: [totalResults]
      properties:
        totalResults:
          type: integer
        startIndex:
          type: integer
        itemsPerPage:
          type: integer
        Resources:
          type: array
          items:
            $ref: "#/components/schemas/User"
    Group:
      type: object
      properties:
        id:
          type: string
          readOnly: true
        displayName:
          type: string
        members:
          type: array
          items:
            type: object
            required: [value]
            properties:
              value:
                type: string
              display:
                type: string
    GroupList:
      type: object
      required: [totalResults]
      properties:
        totalResults:
          type: integer
        Resources:
          type: array
          items:
            $ref: "#/components/schemas/Group"
    PatchOp:
      type: object
      required: [schemas, Operations]
      properties:
        schemas:
          type: array
          items:
            type: string
        Operations:
          type: array
          items:
            type: object
            required: [op]
            properties:
              op:
                type: string
                enum: [add, remove, replace]
              path:
                type: string
"##;

/// Each request of the example (`"METHOD" "PATH"` as written) and the operation it is tied to.
const OPERATIONS: &[(&str, &str)] = &[
    (r#""GET" "/Users""#, "listUsers"),
    (r#""POST" "/Users""#, "createUser"),
    (r#""GET" "/Users/${input.userId}""#, "getUser"),
    (r#""PUT" "/Users/${input.user.id}""#, "replaceUser"),
    (r#""PATCH" "/Users/${input.userId}""#, "patchUser"),
    (r#""PATCH" "/Users/${input.user_id}""#, "patchUser"),
    (r#""GET" "/Groups""#, "listGroups"),
    (r#""POST" "/Groups""#, "createGroup"),
    (r#""GET" "/Groups/${input.groupId}""#, "getGroup"),
    (r#""GET" "/Groups/${input.group.id}""#, "getGroup"),
    (r#""DELETE" "/Groups/${input.groupId}""#, "deleteGroup"),
    (r#""PATCH" "/Groups/${input.group_id}""#, "patchGroup"),
    (r#""GET" "/Schemas/${input.schema_id}""#, "getSchema"),
];

/// The SCIM example's files; with `described`, the description and `operation=` on every
/// request whose path is fixed.
fn scim(described: bool) -> Arc<Analysis> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scim-provisioning");
    let mut files = intact_model::project::load(&root).expect("the SCIM example loads");
    if described {
        let mut tied = 0;
        for f in files.iter_mut().filter(|f| !f.path.starts_with("tests")) {
            for (request, id) in OPERATIONS {
                tied += f.text.matches(request).count();
                f.text = f
                    .text
                    .replace(request, &format!("{request} operation=\"{id}\""))
                    .into();
            }
        }
        assert!(tied >= 17, "the example's requests changed: {tied} tied");
        files.push(FileInput::new("openapi/scim.yaml", SCIM));
    }
    Arc::new(Analysis::new(files))
}

fn bench_tests(b: Bencher, described: bool) {
    let analysis = scim(described);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let root = std::env::temp_dir();
    b.bench_local(|| {
        let results = rt
            .block_on(run_tests(
                analysis.clone(),
                root.clone(),
                Selection::All,
                2,
                Mode::Mocks,
            ))
            .unwrap();
        assert!(
            results.iter().all(|r| !r.failed()),
            "{:#?}",
            results.iter().find(|r| r.failed())
        );
        results.len()
    });
}

/// The example's tests as they are: no request names an operation.
#[divan::bench(sample_count = 30, sample_size = 1)]
fn scim_tests(b: Bencher) {
    bench_tests(b, false);
}

/// The same tests, every request and answer checked against the description (the document is
/// read and its validators compiled in each run: each `intact test` does that once).
#[divan::bench(sample_count = 30, sample_size = 1)]
fn scim_tests_described(b: Bencher) {
    bench_tests(b, true);
}
