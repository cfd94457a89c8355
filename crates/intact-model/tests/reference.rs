//! `docs/language.md` is generated from the catalogue, so the reference cannot drift from what the
//! checker, completion and hover use. `UPDATE_EXPECT=1 cargo test -p intact-model --test reference`
//! rewrites it; the prose around the node tables is in `docs/language.prose.md`.

use std::fmt::Write;
use std::path::Path;

use intact_model::catalogue::{AUTH_FORM_SPECS, Body, Kind, NodeSpec, SPECS, spec};
use intact_model::contracts::CONTRACTS;

/// Sections of the node reference: a title and the kinds it documents, in reading order.
const SECTIONS: &[(&str, &[Kind])] = &[
    (
        "The project",
        &[
            Kind::Project,
            Kind::DisplayName,
            Kind::Description,
            Kind::Version,
            Kind::SupportEmail,
            Kind::UseCase,
            Kind::MaxFileSize,
            Kind::Capability,
            Kind::Features,
            Kind::GroupOperations,
            Kind::GroupMembership,
            Kind::Deactivation,
        ],
    ),
    (
        "Tenant variables",
        &[Kind::Variable, Kind::Label, Kind::Example],
    ),
    (
        "Connections and authentication",
        &[
            Kind::Connection,
            Kind::BaseUrl,
            Kind::Param,
            Kind::ParamType,
            Kind::ParamOption,
            Kind::ParamDefault,
            Kind::Auth,
            Kind::Username,
            Kind::Password,
            Kind::Grant,
            Kind::AuthorizeUrl,
            Kind::TokenUrl,
            Kind::RefreshUrl,
            Kind::Scope,
            Kind::ClientAuth,
            Kind::Pkce,
            Kind::TokenParam,
            Kind::Token,
            Kind::Header,
            Kind::Query,
            Kind::Cookie,
            Kind::RequestIdHeader,
            Kind::Timeout,
            Kind::MaxResponseSize,
            Kind::Retry,
            Kind::Ping,
        ],
    ),
    ("Mappings", &[Kind::Mapping]),
    (
        "Actions and flows",
        &[Kind::Action, Kind::Enabled, Kind::Flow, Kind::FlowInput],
    ),
    (
        "Steps",
        &[
            Kind::Request,
            Kind::Queries,
            Kind::Headers,
            Kind::Json,
            Kind::Form,
            Kind::Body,
            Kind::ExpectStatus,
            Kind::Let,
            Kind::Call,
            Kind::If,
            Kind::ElseIf,
            Kind::Else,
            Kind::ForEach,
            Kind::Yield,
            Kind::Try,
            Kind::Catch,
            Kind::Fail,
            Kind::Return,
            Kind::Log,
        ],
    ),
    (
        "Tests",
        &[
            Kind::Test,
            Kind::TestDefaults,
            Kind::TestApp,
            Kind::TestParams,
            Kind::TestInput,
            Kind::Mock,
            Kind::On,
            Kind::MockQuery,
            Kind::ExpectHeader,
            Kind::ExpectJson,
            Kind::ExpectAbsent,
            Kind::Respond,
            Kind::RespondHeader,
            Kind::RespondJson,
            Kind::RespondBody,
            Kind::TestExpect,
            Kind::ExpectError,
            Kind::TestEnv,
        ],
    ),
];

fn parents(kind: Kind) -> Vec<&'static str> {
    let mut out: Vec<&str> = SPECS
        .iter()
        .filter(|s| s.allowed_children().any(|c| c.kind == kind))
        .map(|s| {
            if s.kind == Kind::File {
                "(top level)"
            } else {
                s.name
            }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn anchor(s: &NodeSpec) -> String {
    format!("{}-{}", s.name, format!("{:?}", s.kind).to_lowercase())
}

fn node_section(s: &NodeSpec, out: &mut String) {
    let _ = writeln!(out, "<a id=\"{}\"></a>\n### `{}`\n", anchor(s), s.name);
    let _ = writeln!(out, "{}\n", s.summary);
    if !s.doc.is_empty() {
        let _ = writeln!(out, "{}\n", s.doc);
    }
    let _ = writeln!(
        out,
        "- Appears in: {}",
        parents(s.kind)
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if s.args.is_empty() && s.rest.is_none() {
        let _ = writeln!(out, "- Arguments: none");
    } else {
        let _ = writeln!(out, "- Arguments:");
        for (i, a) in s.args.iter().enumerate() {
            let req = if i < s.min_args {
                "required"
            } else {
                "optional"
            };
            let _ = writeln!(
                out,
                "  - `{}` ({req}): {}. {}",
                a.name,
                a.ty.describe(),
                a.doc
            );
        }
        if let Some(rest) = s.rest {
            let _ = writeln!(out, "  - more arguments: {}", rest.describe());
        }
    }
    if !s.props.is_empty() {
        let _ = writeln!(out, "- Properties:");
        for p in s.props {
            let mut flags = vec![if p.required { "required" } else { "optional" }];
            if p.repeatable {
                flags.push("repeatable");
            }
            let _ = writeln!(
                out,
                "  - `{}=` ({}): {}. {}",
                p.name,
                flags.join(", "),
                p.ty.describe(),
                p.doc
            );
        }
    }
    match s.body {
        Body::None => {
            let _ = writeln!(out, "- Block: none");
        }
        Body::Values => {
            let _ = writeln!(out, "- Block: a value tree (see [Values](#values))");
        }
        Body::Fields => {
            let _ = writeln!(
                out,
                "- Block: named values, one per child (`NAME VALUE` or `NAME {{ … }}`)"
            );
        }
        Body::Nodes | Body::Steps => {
            let mut kids: Vec<String> = s
                .children
                .iter()
                .map(|c| {
                    let cs = spec(c.kind);
                    let mut note = Vec::new();
                    if c.required {
                        note.push("required");
                    }
                    if c.many {
                        note.push("repeatable");
                    }
                    let note = if note.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", note.join(", "))
                    };
                    format!("[`{}`](#{}){note}", cs.name, anchor(cs))
                })
                .collect();
            if s.body == Body::Steps {
                kids.push("every [step](#steps)".into());
            }
            let _ = writeln!(
                out,
                "- Block: {}",
                if kids.is_empty() {
                    "empty".to_string()
                } else {
                    kids.join(", ")
                }
            );
        }
    }
    out.push('\n');
}

fn generate() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    let prose =
        std::fs::read_to_string(root.join("language.prose.md")).expect("docs/language.prose.md");
    let mut reference = String::new();
    for (title, kinds) in SECTIONS {
        let _ = writeln!(reference, "## {title}\n");
        for k in *kinds {
            node_section(spec(*k), &mut reference);
        }
    }
    let mut auth = String::from("| form | children | implicit params |\n| --- | --- | --- |\n");
    for f in AUTH_FORM_SPECS {
        let kids: Vec<String> = f
            .children
            .iter()
            .map(|k| format!("`{}`", spec(*k).name))
            .collect();
        let params: Vec<String> = f
            .implicit_params
            .iter()
            .map(|(n, pw)| format!("`{n}`{}", if *pw { " (password)" } else { "" }))
            .collect();
        let _ = writeln!(
            auth,
            "| `{}` | {} | {} |",
            f.name,
            kids.join(", "),
            if params.is_empty() {
                "none".into()
            } else {
                params.join(", ")
            }
        );
    }
    let mut contracts =
        String::from("| id | provider's name | mandatory with |\n| --- | --- | --- |\n");
    for c in CONTRACTS {
        let _ = writeln!(
            contracts,
            "| `{}` | {} | {} |",
            c.id,
            c.title,
            c.mandatory_with.describe()
        );
    }
    let text = prose
        .replace("{{NODE_REFERENCE}}", reference.trim_end())
        .replace("{{AUTH_FORMS}}", auth.trim_end())
        .replace("{{CONTRACTS}}", contracts.trim_end());
    format!(
        "<!-- Generated from the catalogue (crates/intact-model/src/catalogue/) and docs/language.prose.md\n     by `UPDATE_EXPECT=1 cargo test -p intact-model --test reference`. Do not edit by hand. -->\n\n{text}"
    )
}

#[test]
fn language_reference_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/language.md");
    let fresh = generate();
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == fresh,
        "docs/language.md is out of date: run `UPDATE_EXPECT=1 cargo test -p intact-model --test reference`"
    );
}

#[test]
fn every_kind_is_documented_once() {
    let mut seen: Vec<Kind> = SECTIONS
        .iter()
        .flat_map(|(_, k)| k.iter().copied())
        .collect();
    seen.sort();
    let before = seen.len();
    seen.dedup();
    assert_eq!(before, seen.len(), "a kind is listed twice");
    let missing: Vec<&str> = SPECS
        .iter()
        .filter(|s| s.kind != Kind::File && !seen.contains(&s.kind))
        .map(|s| s.name)
        .collect();
    assert!(missing.is_empty(), "not in the reference: {missing:?}");
}
