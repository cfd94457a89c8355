//! The semantics read and write OpenAPI digests only through the store the host hands over: the
//! default cache touches no disk, `on_disk` keeps a digest in the cache folder, and a digest on
//! disk types a response without the document being read again.

use intact_model::{Analysis, FileInput};
use intact_semantic::{DocumentCache, Semantics, Type};

const SPEC: &str = r#"openapi: 3.0.3
info: { title: Acme, version: "1" }
paths:
  /users/{id}:
    get:
      operationId: getUser
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        "200":
          description: the user
          content:
            application/json:
              schema:
                type: object
                required: [email]
                properties:
                  email: { type: string }
"#;

const PROJECT: &str = r#"project "p" {
    display-name "P"
}
connection "api" {
    base-url "https://api.example.com"
}
flow "email_of" {
    input "id" type="string"
    request "get" "GET" "/users/${input.id}" operation="getUser"
    return "${steps.get.body.email}"
}
"#;

fn analysis() -> Analysis {
    Analysis::new(vec![
        FileInput::new("intact.kdl", PROJECT),
        FileInput::new("openapi/acme.yaml", SPEC),
    ])
}

fn get_type(s: &Semantics) -> String {
    let (_, t) = s
        .step_types(intact_model::FileId::from_index(0))
        .next()
        .expect("the step `get` is typed");
    assert!(!matches!(t, Type::Dyn));
    t.describe()
}

#[test]
fn digests_reach_the_disk_only_through_the_hosts_store() {
    let dir = std::env::temp_dir().join(format!("intact-digests-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // The only test of this binary: no other thread reads the variable.
    unsafe { std::env::set_var("INTACT_CACHE_DIR", &dir) };
    let a = analysis();

    let pure = Semantics::new(&a, &DocumentCache::default());
    assert!(pure.findings().is_empty(), "{:#?}", pure.findings());
    let typed = get_type(&pure);
    assert!(
        !dir.exists(),
        "the default cache wrote to {}",
        dir.display()
    );

    let first = Semantics::new(&a, &DocumentCache::on_disk());
    assert_eq!(get_type(&first), typed);
    let digests: Vec<_> = std::fs::read_dir(dir.join("openapi")).unwrap().collect();
    assert_eq!(digests.len(), 1, "{digests:?}");

    // A new host (a new process) types the response from the digest: the same answer.
    let again = Semantics::new(&a, &DocumentCache::on_disk());
    assert_eq!(get_type(&again), typed);
    let _ = std::fs::remove_dir_all(&dir);
}
