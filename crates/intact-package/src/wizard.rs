//! The wizard sheet (`wizard.md`, `wizard.json`): every field the provider's submission wizard
//! asks for API integration actions, in its order and words (docs/research/oin-submission.md),
//! filled from the project; what the project cannot say is marked "to enter by hand". Secrets
//! are never filled: a client id or secret is a placeholder for what the vendor registered.

use std::fmt::Write;

use intact_model::catalogue::AuthKind;
use intact_model::contracts::CONTRACTS;
use intact_model::{Analysis, ConnectionDef, template};
use serde_json::json;

/// One field of the wizard.
struct Field {
    label: &'static str,
    required: bool,
    /// `None`: to enter by hand.
    value: Option<String>,
    /// What to enter, when it is by hand or needs saying.
    note: &'static str,
}

fn field(label: &'static str, required: bool, value: Option<String>, note: &'static str) -> Field {
    Field {
        label,
        required,
        value,
        note,
    }
}

/// The wizard sheet as Markdown and JSON (`format_version` 1).
pub fn wizard_sheet(a: &Analysis) -> (String, String) {
    let sections = sections(a);
    let name = a
        .project()
        .and_then(|p| p.name.as_ref())
        .map_or("the project", |n| n.name.as_str());
    let mut md = format!("# Wizard sheet: {name}\n\n");
    md.push_str(
        "Every field the OIN Wizard asks for API integration actions, in its order and words, filled \
         from the project by `intact package`. `*` marks a required field; *to enter by hand* \
         marks what the project does not say. No secret is written here.\n",
    );
    let mut js = Vec::new();
    for (title, fields) in &sections {
        let _ = write!(md, "\n## {title}\n\n| Field | Value |\n| --- | --- |\n");
        let mut jf = Vec::new();
        for f in fields {
            let star = if f.required { " `*`" } else { "" };
            let value = match &f.value {
                Some(v) => format!(
                    "{v}{}",
                    if f.note.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", f.note)
                    }
                ),
                None => format!(
                    "*to enter by hand*{}",
                    if f.note.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", f.note)
                    }
                ),
            };
            let _ = writeln!(md, "| {}{star} | {} |", f.label, value.replace('|', "\\|"));
            jf.push(json!({"label": f.label, "required": f.required, "value": f.value, "by_hand": f.value.is_none(), "note": f.note}));
        }
        js.push(json!({"section": title, "fields": jf}));
    }
    let json = serde_json::to_string_pretty(&json!({"format_version": 1, "sections": js}))
        .unwrap_or_default()
        + "\n";
    (md, json)
}

fn sections(a: &Analysis) -> Vec<(String, Vec<Field>)> {
    let m = &a.model;
    let catalog = a.project().map(|p| &p.catalog);
    let text = |v: Option<&(String, intact_model::Loc)>| v.map(|(s, _)| s.clone());
    let use_cases = catalog
        .map(|c| {
            c.use_cases
                .iter()
                .map(|(u, _)| u.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|u| !u.is_empty());
    let mut out = Vec::new();
    out.push((
        "OIN catalog properties".to_string(),
        vec![
            field(
                "Display name",
                true,
                text(catalog.and_then(|c| c.display_name.as_ref())),
                "",
            ),
            field(
                "Description",
                true,
                text(catalog.and_then(|c| c.description.as_ref())),
                "",
            ),
            field("Logo", true, None, "PNG, JPG or GIF, under 1 MB"),
            field(
                "Use Cases",
                false,
                use_cases,
                "up to three: `use-case` in the project node",
            ),
        ],
    ));
    let mut tenant = Vec::new();
    for v in &m.variables {
        tenant.push(field(
            "Label",
            true,
            Some(v.label.clone().unwrap_or_default()).filter(|l| !l.is_empty()),
            "",
        ));
        tenant.push(field("Name", true, Some(v.name.name.clone()), ""));
    }
    out.push(("Tenant settings".to_string(), tenant));
    if let Some(c) = m.connection(None).or(m.connections.first().map(|c| &**c)) {
        out.push(("Authentication settings".to_string(), auth(c)));
    }
    out.push((
        "Support contact".to_string(),
        vec![field(
            "Support email",
            true,
            text(catalog.and_then(|c| c.support_email.as_ref())),
            "`support-email` in the project node: for the provider's escalations; not shown to customers",
        )],
    ));
    let project = a.project();
    for capability in ["provisioning", "entitlement-management", "universal-logout"] {
        if !project.is_some_and(|p| p.capabilities.iter().any(|c| c.name == capability)) {
            continue;
        }
        let mut fields = Vec::new();
        for c in CONTRACTS
            .iter()
            .filter(|c| c.mandatory_with.capability() == capability)
        {
            let action = m
                .actions
                .iter()
                .find(|ac| ac.enabled && ac.contract_id() == Some(c.id))
                .map(|ac| format!("flow of action `{}`", ac.name.name));
            // Required as this project declares its capability (its features and group options).
            let required = project.is_some_and(|p| p.switched_on(c.mandatory_with));
            fields.push(field(c.title, required, action, ""));
        }
        let title = match capability {
            "provisioning" => "Provisioning API Integration Actions",
            "entitlement-management" => "Entitlement API Integration Actions",
            _ => "Universal Logout API Integration Actions",
        };
        out.push((title.to_string(), fields));
    }
    out.push((
        "Test information".to_string(),
        vec![
            field("Account URL", true, None, "a test tenant of your app"),
            field("Username", true, None, ""),
            field("Password", true, None, ""),
            field("Testing instructions", false, None, ""),
        ],
    ));
    out
}

fn auth(c: &ConnectionDef) -> Vec<Field> {
    let Some(auth) = &c.auth else {
        return vec![field(
            "Authentication mode",
            true,
            None,
            "the connection has no auth",
        )];
    };
    let setting = |name: &str| {
        auth.settings
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, t)| t.text.clone())
    };
    match auth.form {
        AuthKind::Basic => vec![field("Authentication mode", true, Some("Basic".into()), "")],
        AuthKind::OAuth2 => vec![
            field("Authentication mode", true, Some("OAuth 2".into()), ""),
            field(
                "Authorize endpoint",
                false,
                setting("authorize-url").map(|u| expression(&u)),
                "",
            ),
            field(
                "Token endpoint",
                false,
                setting("token-url").map(|u| expression(&u)),
                "",
            ),
            field(
                "Client ID",
                false,
                Some("the client ID you registered".into()),
                "mapped to auth.client_id",
            ),
            field(
                "Client secret",
                false,
                Some("the client secret you registered".into()),
                "mapped to auth.client_secret; never written here",
            ),
            field(
                "Scopes",
                false,
                setting("scope").or_else(|| setting("scopes")),
                "",
            ),
        ],
        AuthKind::Custom | AuthKind::Bearer | AuthKind::ApiKey => {
            let mut fields = vec![field(
                "Authentication mode",
                true,
                Some("Custom".into()),
                "",
            )];
            for p in c.all_params() {
                fields.push(field(
                    "Authentication variables: Label",
                    true,
                    None,
                    "the name customers see",
                ));
                fields.push(field(
                    "Authentication variables: Name",
                    true,
                    Some(p.name.clone()),
                    "",
                ));
            }
            fields
        }
    }
}

/// An intact template as the wizard's expression: `https://${app.x}/t` is
/// `'https://' + app.x + '/t'`; an expression other than a tenant variable is left to translate.
fn expression(text: &str) -> String {
    let segs = template::segments(text);
    if segs.is_empty() {
        return text.to_string();
    }
    let mut parts = Vec::new();
    let mut at = 0;
    for s in &segs {
        let lit = &text[at..s.offset.saturating_sub(2)];
        if !lit.is_empty() {
            parts.push(format!("'{}'", lit.replace('\'', "\\'")));
        }
        let e = s.expr.trim();
        if e.starts_with("app.")
            && e[4..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            parts.push(e.to_string());
        } else {
            return format!("{text} (translate `{e}` by hand)");
        }
        at = s.offset + s.expr.len() + 1;
    }
    let rest = &text[at.min(text.len())..];
    if !rest.is_empty() {
        parts.push(format!("'{}'", rest.replace('\'', "\\'")));
    }
    parts.join(" + ")
}

/// Every field where `held` (a wizard sheet's JSON, saved earlier or edited to what was entered
/// in the wizard) differs from `current` (the project's): `SECTION › FIELD: the project has …,
/// the wizard holds …`. Fields are matched by section, label and their order among fields of
/// the same label.
pub fn differences(current: &serde_json::Value, held: &serde_json::Value) -> Vec<String> {
    use std::collections::BTreeMap;
    type Key = (String, String, usize);
    let fields = |sheet: &serde_json::Value| -> BTreeMap<Key, Option<String>> {
        let mut out = BTreeMap::new();
        for s in sheet["sections"].as_array().into_iter().flatten() {
            let section = s["section"].as_str().unwrap_or("").to_string();
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            for f in s["fields"].as_array().into_iter().flatten() {
                let label = f["label"].as_str().unwrap_or("").to_string();
                let n = seen.entry(label.clone()).or_default();
                out.insert(
                    (section.clone(), label, *n),
                    f["value"].as_str().map(str::to_string),
                );
                *n += 1;
            }
        }
        out
    };
    let (now, then) = (fields(current), fields(held));
    let mut keys: Vec<&Key> = now.keys().chain(then.keys()).collect();
    keys.sort();
    keys.dedup();
    let shown = |v: Option<&Option<String>>| match v {
        None => "no such field".to_string(),
        Some(None) => "nothing (to enter by hand)".to_string(),
        Some(Some(s)) => format!("`{s}`"),
    };
    keys.into_iter()
        .filter(|k| now.get(*k) != then.get(*k))
        .map(|k| {
            let which = if k.2 > 0 {
                format!(" ({})", k.2 + 1)
            } else {
                String::new()
            };
            format!(
                "{} › {}{which}: the project has {}, the wizard holds {}",
                k.0,
                k.1,
                shown(now.get(k)),
                shown(then.get(k))
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn templates_become_the_wizard_s_expressions() {
        assert_eq!(
            super::expression("https://${app.subdomain}/oauth/token"),
            "'https://' + app.subdomain + '/oauth/token'"
        );
        assert_eq!(
            super::expression("https://login.example.com/token"),
            "https://login.example.com/token"
        );
        assert!(super::expression("https://${lower(app.x)}/t").contains("translate"));
    }
}
