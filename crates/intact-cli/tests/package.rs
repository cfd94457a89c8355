//! `intact package --out DIR` as a user runs it: the build sheet of an example written, a file
//! there that intact did not write kept, a project with errors refused.

#[path = "support/binary.rs"]
mod binary;

use std::path::Path;

use binary::{assert_exit, intact, project, stderr};

#[test]
fn the_build_sheet_is_written_and_a_foreign_file_is_kept() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scim-provisioning");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("submission");
    let o = intact(
        &[
            "package",
            &example.display().to_string(),
            "--out",
            &out.display().to_string(),
        ],
        dir.path(),
    );
    assert_exit(&o, 0);
    let sheet = std::fs::read_to_string(out.join("build.md")).unwrap();
    assert!(
        sheet.starts_with("# Build sheet: scim_provisioning"),
        "{sheet}"
    );
    assert!(
        sheet.contains("### Action `list_users` — List Users (`list-users`)"),
        "{sheet}"
    );
    assert!(
        sheet.contains("| `token` | none: the customer enters it (a secret) |"),
        "{sheet}"
    );

    // Again: its own sheet is replaced; someone else's file is not.
    assert_exit(
        &intact(
            &[
                "package",
                &example.display().to_string(),
                "--out",
                &out.display().to_string(),
            ],
            dir.path(),
        ),
        0,
    );
    std::fs::write(out.join("build.md"), "my notes\n").unwrap();
    let o = intact(
        &[
            "package",
            &example.display().to_string(),
            "--out",
            &out.display().to_string(),
        ],
        dir.path(),
    );
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("is not one intact wrote"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(out.join("build.md")).unwrap(),
        "my notes\n"
    );
}

#[test]
fn a_project_with_errors_is_not_packaged() {
    let p = project(&[(
        "intact.kdl",
        "project \"p\" {\n    display-name \"P\"\n}\nflow \"f\" {\n    nonsense 1\n}\n",
    )]);
    let o = intact(&["package", "--out", "out"], p.path());
    assert_exit(&o, 1);
    assert!(!p.path().join("out/build.md").exists());
}

const OAUTH: &str = r#"project "acme" {
    display-name "Acme"
    description "Acme's universal logout."
    support-email "integrations@acme.example"
    use-case "Zero Trust"
    use-case "Automation"
    capability "universal-logout"
}
variable "subdomain" {
    label "Acme subdomain"
}
connection "api" {
    base-url "https://${app.subdomain}.example.com/api"
    auth "oauth2" {
        grant "authorization-code"
        authorize-url "https://${app.subdomain}.example.com/oauth/authorize"
        token-url "https://${app.subdomain}.example.com/oauth/token"
        scope "sessions:write"
    }
}
action "logout" contract="universal-logout" {
    request "revoke" "POST" "/users/${input.externalUserId}/logout"
    return {
        logoutStatus "SUCCESS"
    }
}
"#;

/// The wizard sheet of an OAuth 2.0 project writes its endpoints in the wizard's expression
/// language; `--against` a sheet whose token endpoint and variable name were changed (what was
/// entered in the wizard) reports both fields with both values.
#[test]
fn against_a_wizard_sheet_every_difference_is_reported() {
    let p = project(&[("intact.kdl", OAUTH)]);
    let o = intact(&["package", "--out", "submission"], p.path());
    assert_exit(&o, 0);
    let md = std::fs::read_to_string(p.path().join("submission/wizard.md")).unwrap();
    assert!(
        md.contains("| Token endpoint | 'https://' + app.subdomain + '.example.com/oauth/token' |"),
        "{md}"
    );
    assert!(
        md.contains("| Client secret | the client secret you registered"),
        "{md}"
    );
    let saved = p.path().join("submission/wizard.json");
    let o = intact(
        &["package", "--against", "submission/wizard.json"],
        p.path(),
    );
    assert_exit(&o, 0);
    assert!(
        binary::stdout(&o).contains("the project matches"),
        "{}",
        binary::stdout(&o)
    );

    let entered = std::fs::read_to_string(&saved)
        .unwrap()
        .replace("'.example.com/oauth/token'", "'.example.com/token'")
        .replace("\"value\": \"subdomain\"", "\"value\": \"tenant\"");
    std::fs::write(&saved, entered).unwrap();
    let o = intact(
        &["package", "--against", "submission/wizard.json"],
        p.path(),
    );
    assert_exit(&o, 1);
    let said = binary::stdout(&o);
    assert!(
        said.contains("Authentication settings › Token endpoint: the project has `'https://' + app.subdomain + '.example.com/oauth/token'`, the wizard holds `'https://' + app.subdomain + '.example.com/token'`"),
        "{said}"
    );
    assert!(
        said.contains(
            "Tenant settings › Name: the project has `subdomain`, the wizard holds `tenant`"
        ),
        "{said}"
    );
    assert!(said.contains("2 difference(s)"), "{said}");
}
