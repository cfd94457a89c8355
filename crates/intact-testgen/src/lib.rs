//! Generates realistic intact projects of a chosen size for benchmarks: a project file with a
//! connection and variables, then files of flows, mappings and tests that use every part of the
//! language (requests with value trees, calls, conditions, loops, templates). The result checks
//! clean, so benchmarks measure the path real projects take.

/// `(relative path, text)` of each file.
pub type Files = Vec<(String, String)>;

/// A project of about `lines` lines in `files` files (plus `intact.kdl`).
pub fn project(lines: usize, files: usize) -> Files {
    let mut out = vec![("intact.kdl".to_string(), ROOT.to_string())];
    let per_file = lines.saturating_sub(ROOT.lines().count()) / files.max(1);
    for f in 0..files {
        let mut text = String::with_capacity(per_file * 40);
        let mut unit = 0;
        while text.lines().count() < per_file {
            unit_text(f, unit, &mut text);
            unit += 1;
        }
        out.push((format!("flows/generated_{f:03}.kdl"), text));
    }
    out
}

/// Total number of lines.
pub fn line_count(files: &Files) -> usize {
    files.iter().map(|(_, t)| t.lines().count()).sum()
}

const ROOT: &str = r#"project "generated" {
    display-name "Generated"
    description "A generated project for benchmarks."
    version "1.0.0"
    capability "universal-logout"
}

variable "subdomain" {
    label "Subdomain"
    example "acme"
}

connection "api" {
    base-url "https://${app.subdomain}.example.com/api"
    auth "bearer" {
        token "${auth.token}"
    }
    header "Accept" "application/json"
    timeout "30s"
    retry max=3 on=429 on=503
    ping {
        request "me" "GET" "/me"
    }
}

action "universal_logout" contract="universal-logout" {
    if "${!has(input.externalUserId)}" {
        fail "universal-logout needs externalUserId" status=400 type="GENERIC_FAILURE"
    }
    request "revoke" "POST" "/users/${input.externalUserId}/sessions" {
        expect 204
    }
    return {
        logoutStatus "SUCCESS"
    }
}
"#;

fn unit_text(f: usize, u: usize, out: &mut String) {
    let n = format!("f{f}_{u}");
    out.push_str(&format!(
        r#"// Helper flow {n}: looks a user up and shapes the result.
mapping "user_{n}" {{
    (array)schemas "urn:ietf:params:scim:schemas:core:2.0:User"
    id "${{it.id}}"
    userName "${{it.email}}"
    name {{
        givenName "${{it.first_name}}"
        familyName "${{it.last_name}}"
    }}
    active "${{it.status == 'active'}}"
    emails {{
        - {{ value "${{it.email}}"; type "work"; primary #true }}
    }}
}}

flow "find_{n}" {{
    input "email" type="string" required=#true
    input "limit" type="integer" default=10
    request "search" "GET" "/users" {{
        query "email" "${{input.email}}"
        query "limit" "${{input.limit}}"
        header "X-Trace" "find-{n}"
        expect 200
    }}
    if "${{steps.search.body.items.size() == 0}}" {{
        fail "no user with email ${{input.email}}" status=404 type="RESOURCE_NOT_FOUND"
    }}
    for-each "users" in="${{steps.search.body.items}}" concurrency=2 {{
        yield "${{user_{n}(item)}}"
    }}
    return {{
        user "${{steps.users[0]}}"
        count "${{steps.users.size()}}"
    }}
}}

flow "update_{n}" {{
    input "id" type="string" required=#true
    input "active" type="boolean" default=#true
    call "found" "find_{n}" {{
        email "${{input.id}}@example.com"
    }}
    try {{
        request "patch" "PATCH" "/users/${{input.id}}" {{
            json {{
                active "${{input.active}}"
                note "updated by {n}"
            }}
        }}
    }}
    catch {{
        log "update failed: ${{error.message}}"
        fail "${{error.message}}"
    }}
    return "${{steps.found.user}}"
}}

test "find_{n}_returns_user" flow="find_{n}" {{
    app subdomain="test"
    params "api" token="test-token"
    input {{
        email "jane@example.com"
    }}
    mock "api" {{
        on "GET" "/users" {{
            expect-header "Authorization" "Bearer test-token"
            respond 200 {{
                json {{
                    items {{
                        - {{ id "u1"; email "jane@example.com"; first_name "Jane"; last_name "Doe"; status "active" }}
                    }}
                }}
            }}
        }}
    }}
    expect {{
        count 1
    }}
}}

"#
    ));
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes() {
        let p = super::project(20_000, 40);
        assert_eq!(p.len(), 41);
        let lines = super::line_count(&p);
        assert!((19_000..23_000).contains(&lines), "{lines}");
    }
}
