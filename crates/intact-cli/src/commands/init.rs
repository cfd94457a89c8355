//! `intact init`: a new project that checks clean and shows each part of the language once.

use std::path::{Path, PathBuf};

use intact_model::catalogue::{is_valid_name, to_snake_case};

use crate::error::{CliError, CommandResult, Exit};

const INTACT_KDL: &str = r#"// The project: what the identity provider's catalog shows, and which capabilities it offers.
// `intact contracts` lists the contracts each capability makes mandatory.
project "{name}" {
    display-name "{display}"
    description "Ends a user's sessions in {display} when the identity provider asks."
    version "0.1.0"
    capability "universal-logout"
}

// A tenant variable: the customer's administrator fills it in at install time.
variable "subdomain" {
    label "Your subdomain"
    description "The part before .example.com in your account's URL."
    example "mycompany"
}
"#;

const CONNECTION_KDL: &str = r#"// The HTTP helper: where requests go and how they authenticate.
connection "api" {
    base-url "https://${app.subdomain}.example.com/api/v1"
    auth "bearer" {
        token "${auth.token}"
    }
    param "token" {
        label "API token"
        type "password"
    }
    header "Accept" "application/json"
    timeout "30s"
    // The auth ping: `intact ping` runs it to prove the credentials work.
    ping {
        request "me" "GET" "/me"
    }
}
"#;

const ACTION_KDL: &str = r#"// Implements the universal-logout contract: end every session of one user.
action "universal_logout" contract="universal-logout" {
    // The provider may name the user only by name or by its own id: this app needs its id.
    if "${!has(input.externalUserId)}" {
        fail "universal-logout needs externalUserId, this app's id of the user" status=400 type="GENERIC_FAILURE"
    }
    request "revoke" "POST" "/users/${input.externalUserId}/sessions/revoke" {
        expect 200 204
    }
    return {
        logoutStatus "SUCCESS"
    }
}
"#;

const TEST_KDL: &str = r#"// Tests run the action against mocks served on 127.0.0.1: `intact test`.
test "logout_revokes_sessions" action="universal_logout" {
    app subdomain="test"
    params "api" token="test-token"
    input {
        externalUserId "u123"
    }
    mock "api" {
        on "POST" "/users/u123/sessions/revoke" {
            expect-header "Authorization" "Bearer test-token"
            respond 204
        }
    }
    expect {
        logoutStatus "SUCCESS"
    }
}
"#;

const ENV_TOML: &str = r#"# Values for `intact run --env dev`. Secrets are references, never literals.
[app]
subdomain = "mycompany-dev"

[connection.api]
token = { env = "API_TOKEN" }
"#;

pub fn run(dir: Option<PathBuf>, name: Option<String>) -> CommandResult {
    let dir = match dir {
        Some(d) => d,
        None => std::env::current_dir()
            .map_err(|e| CliError::usage(format!("cannot read the current folder: {e}")))?,
    };
    // `symlink_metadata`, not `exists`: a dangling link is an entry too, and writing through it
    // would create its target, wherever that is.
    if std::fs::symlink_metadata(dir.join("intact.kdl")).is_ok() {
        return Err(CliError::usage(format!(
            "{} already holds a project (intact.kdl); nothing was written",
            dir.display()
        )));
    }
    let folder_name = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "my_integration".into());
    let name = name.unwrap_or_else(|| to_snake_case(&folder_name));
    if !is_valid_name(&name) {
        return Err(CliError::usage(format!(
            "`{name}` is not a valid project name; use lowercase letters, digits and `_`, e.g. `{}`",
            to_snake_case(&name)
        )));
    }
    let display: String = name
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ");
    let files = [
        (
            "intact.kdl",
            INTACT_KDL
                .replace("{name}", &name)
                .replace("{display}", &display),
        ),
        ("connections/api.kdl", CONNECTION_KDL.to_string()),
        ("actions/universal_logout.kdl", ACTION_KDL.to_string()),
        ("tests/universal_logout.kdl", TEST_KDL.to_string()),
        ("env/dev.toml", ENV_TOML.to_string()),
    ];
    // Refuse before writing anything, so a failed init leaves no half-made project.
    for (rel, _) in &files {
        let mut folder = dir.clone();
        for part in Path::new(rel)
            .parent()
            .into_iter()
            .flat_map(Path::components)
        {
            folder.push(part);
            if std::fs::symlink_metadata(&folder).is_ok_and(|m| !m.is_dir()) {
                return Err(CliError::usage(format!(
                    "{} is not a folder (a symbolic link?); nothing was written",
                    folder.display()
                )));
            }
        }
        if std::fs::symlink_metadata(dir.join(rel)).is_ok() {
            return Err(CliError::usage(format!(
                "{} exists; nothing was written",
                dir.join(rel).display()
            )));
        }
    }
    for (rel, text) in &files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| CliError::usage(format!("cannot create {}: {e}", parent.display())))?;
        }
        // A new file only: never through a link or over a file that appeared meanwhile.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
            .map_err(|e| CliError::usage(format!("cannot write {}: {e}", path.display())))?;
        println!("created {}", path.display());
    }
    println!("\nnext: cd {} && intact check", dir.display());
    Ok(Exit::Success)
}
