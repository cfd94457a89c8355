//! The 22 action contracts of the identity provider and which capability makes each mandatory.

/// What makes a contract mandatory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Switch {
    /// `capability "NAME"`.
    Capability(&'static str),
    /// `features "NAME"` inside `capability "provisioning"`.
    Feature(&'static str),
    /// `group-operations #true`.
    GroupOperations,
    /// `group-membership #true`.
    GroupMembership,
}

impl Switch {
    /// How the switch is written in `intact.kdl`.
    pub fn describe(self) -> String {
        match self {
            Switch::Capability(c) => format!("capability \"{c}\""),
            Switch::Feature(f) => format!("features \"{f}\" (in capability \"provisioning\")"),
            Switch::GroupOperations => {
                "group-operations #true (in capability \"provisioning\")".into()
            }
            Switch::GroupMembership => {
                "group-membership #true (in capability \"provisioning\")".into()
            }
        }
    }
}

#[derive(Debug)]
pub struct Contract {
    pub id: &'static str,
    /// The provider's name for it.
    pub title: &'static str,
    pub mandatory_with: Switch,
    /// Output fields besides executionStatus, for skeletons and summaries.
    pub output_fields: &'static [&'static str],
}

/// The request an action for a contract usually sends (method, path, body), for skeletons: the
/// path is a guess at a REST API's and names the contract's input fields.
pub fn typical_request(id: &str) -> (&'static str, &'static str, Option<&'static str>) {
    match id {
        "list-users" => ("GET", "/users", None),
        "get-user" => ("GET", "/users/${input.userId}", None),
        "get-user-by-username" => ("GET", "/users?userName=${input.userName}", None),
        "create-user" => ("POST", "/users", Some("${input.user}")),
        "update-user" => ("PUT", "/users/${input.user.id}", Some("${input.user}")),
        "update-user-password" => (
            "PUT",
            "/users/${input.userId}/password",
            Some("${{'password': input.password}}"),
        ),
        "activate-user" => ("POST", "/users/${input.userId}/activate", None),
        "deactivate-user" => ("POST", "/users/${input.userId}/deactivate", None),
        "list-user-schema" => ("GET", "/schema/users", None),
        "list-user-schema-property-values" => ("GET", "/schema/users/values", None),
        "list-entitlement-schema" => ("GET", "/schema/entitlements", None),
        "list-entitlement-schema-property-values" => ("GET", "/schema/entitlements/values", None),
        "list-groups" => ("GET", "/groups", None),
        "get-group" => ("GET", "/groups/${input.groupId}", None),
        "list-groups-by-display-name" => ("GET", "/groups?displayName=${input.displayName}", None),
        "create-group" => ("POST", "/groups", Some("${input.group}")),
        "update-group" => ("PUT", "/groups/${input.group.id}", Some("${input.group}")),
        "remove-group" => ("DELETE", "/groups/${input.groupId}", None),
        "list-group-members" => ("GET", "/groups/${input.groupId}/members", None),
        "add-group-members" => (
            "POST",
            "/groups/${input.groupId}/members",
            Some("${input.groupMembers}"),
        ),
        "remove-group-members" => (
            "DELETE",
            "/groups/${input.groupId}/members",
            Some("${input.groupMembers}"),
        ),
        "universal-logout" => ("POST", "/users/${input.externalUserId}/logout", None),
        _ => ("GET", "/…", None),
    }
}

const fn c(
    id: &'static str,
    title: &'static str,
    mandatory_with: Switch,
    output_fields: &'static [&'static str],
) -> Contract {
    Contract {
        id,
        title,
        mandatory_with,
        output_fields,
    }
}

use Switch::*;

pub static CONTRACTS: &[Contract] = &[
    c(
        "list-users",
        "List Users",
        Capability("provisioning"),
        &["resources", "pagination"],
    ),
    c(
        "get-user",
        "Get User by ID",
        Capability("provisioning"),
        &["user"],
    ),
    c(
        "get-user-by-username",
        "Get User by UserName",
        Capability("provisioning"),
        &["user"],
    ),
    c("create-user", "Create User", Feature("create"), &["user"]),
    c("update-user", "Update User", Feature("update"), &["user"]),
    c(
        "update-user-password",
        "Update User Password",
        Feature("password"),
        &[],
    ),
    c("activate-user", "Activate User", Feature("activate"), &[]),
    c(
        "deactivate-user",
        "Deactivate User",
        Feature("deactivate"),
        &[],
    ),
    c(
        "list-user-schema",
        "List User Schema",
        Capability("provisioning"),
        &["schemaProperties", "pagination"],
    ),
    c(
        "list-user-schema-property-values",
        "List User Schema Property Values",
        Capability("provisioning"),
        &["schemaPropertyValues", "pagination"],
    ),
    c(
        "list-entitlement-schema",
        "List Entitlement Schema",
        Capability("entitlement-management"),
        &["schemaProperties", "pagination"],
    ),
    c(
        "list-entitlement-schema-property-values",
        "List Entitlement Schema Property Values",
        Capability("entitlement-management"),
        &["schemaPropertyValues", "pagination"],
    ),
    c(
        "list-groups",
        "List Groups",
        Capability("provisioning"),
        &["resources", "pagination"],
    ),
    c(
        "get-group",
        "Get Group by ID",
        Capability("provisioning"),
        &["group"],
    ),
    c(
        "list-groups-by-display-name",
        "List Groups by Display Name",
        GroupOperations,
        &["resources", "pagination"],
    ),
    c("create-group", "Create Group", GroupOperations, &["group"]),
    c("update-group", "Update Group", GroupOperations, &["group"]),
    c("remove-group", "Remove Group", GroupOperations, &[]),
    c(
        "list-group-members",
        "List Group Members",
        GroupMembership,
        &["resources", "pagination"],
    ),
    c(
        "add-group-members",
        "Add Group Members",
        GroupMembership,
        &[],
    ),
    c(
        "remove-group-members",
        "Remove Group Members",
        GroupMembership,
        &[],
    ),
    c(
        "universal-logout",
        "Proprietary Universal Logout",
        Capability("universal-logout"),
        &["logoutStatus"],
    ),
];

pub fn contract(id: &str) -> Option<&'static Contract> {
    CONTRACTS.iter().find(|c| c.id == id)
}

/// The contracts of user operations that the provider calls whenever an action exists, even without
/// the feature declared.
pub fn is_user_operation(id: &str) -> bool {
    matches!(contract(id).map(|c| c.mandatory_with), Some(Feature(_)))
}

/// Which side of a contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Input,
    Output,
}

macro_rules! schemas {
    ($($id:literal),* $(,)?) => {
        /// The JSON Schemas of `schemas/contracts/`, embedded: (file name, text).
        pub static SCHEMA_FILES: &[(&str, &str)] = &[
            ("common.json", include_str!("../../../schemas/contracts/common.json")),
            $(
                (concat!($id, ".input.json"), include_str!(concat!("../../../schemas/contracts/", $id, ".input.json"))),
                (concat!($id, ".output.json"), include_str!(concat!("../../../schemas/contracts/", $id, ".output.json"))),
            )*
        ];
    };
}

schemas!(
    "list-users",
    "get-user",
    "get-user-by-username",
    "create-user",
    "update-user",
    "update-user-password",
    "activate-user",
    "deactivate-user",
    "list-user-schema",
    "list-user-schema-property-values",
    "list-entitlement-schema",
    "list-entitlement-schema-property-values",
    "list-groups",
    "get-group",
    "list-groups-by-display-name",
    "create-group",
    "update-group",
    "remove-group",
    "list-group-members",
    "add-group-members",
    "remove-group-members",
    "universal-logout",
);

/// The file name of a contract's schema under `schemas/contracts/`.
pub fn schema_file(id: &str, side: Side) -> String {
    match side {
        Side::Input => format!("{id}.input.json"),
        Side::Output => format!("{id}.output.json"),
    }
}

/// The text of one contract's input or output schema.
pub fn schema_text(id: &str, side: Side) -> Option<&'static str> {
    let file = schema_file(id, side);
    SCHEMA_FILES
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(_, t)| *t)
}

/// A contract's schema with nothing outside it: every `common.json#/$defs/X` it needs (and what
/// those need) copied under its own `$defs`, and its `$ref`s made local (`#/$defs/X`), so that
/// any JSON Schema tool reads it alone.
pub fn bundled_schema(id: &str, side: Side) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    let docs = schema_documents();
    let mut schema = docs.get(&schema_file(id, side))?.clone();
    let common = docs["common.json"]["$defs"].as_object()?;
    // Rewrites refs to local ones and collects the names they point at.
    fn localise(v: &mut J, wanted: &mut Vec<String>) {
        match v {
            J::Object(o) => {
                if let Some(J::String(r)) = o.get_mut("$ref") {
                    let local = r.strip_prefix("common.json").unwrap_or(r).to_string();
                    if let Some(name) = local.strip_prefix("#/$defs/") {
                        wanted.push(name.to_string());
                    }
                    *r = local;
                }
                o.values_mut().for_each(|x| localise(x, wanted));
            }
            J::Array(a) => a.iter_mut().for_each(|x| localise(x, wanted)),
            _ => {}
        }
    }
    let mut wanted = Vec::new();
    localise(&mut schema, &mut wanted);
    let mut defs = serde_json::Map::new();
    while let Some(name) = wanted.pop() {
        if defs.contains_key(&name) {
            continue;
        }
        if let Some(def) = common.get(&name) {
            let mut def = def.clone();
            localise(&mut def, &mut wanted);
            defs.insert(name, def);
        }
    }
    if !defs.is_empty() {
        schema
            .as_object_mut()?
            .insert("$defs".into(), J::Object(defs));
    }
    Some(schema)
}

/// [`bundled_schema`] as text in the order the files are written (the schema's own keys first,
/// then the definitions in `common.json`'s order), which `serde_json` maps would sort. The schema
/// files are 2-space-indented JSON and the definitions sit at the same depth in both files, so
/// each one's text is copied as it is written. A test checks it reads back as [`bundled_schema`].
pub fn bundled_schema_text(id: &str, side: Side) -> Option<String> {
    let bundled = bundled_schema(id, side)?;
    let text = schema_text(id, side)?.replace("\"common.json#/$defs/", "\"#/$defs/");
    let Some(defs) = bundled.get("$defs").and_then(serde_json::Value::as_object) else {
        return Some(text);
    };
    let common = SCHEMA_FILES
        .iter()
        .find(|(f, _)| *f == "common.json")
        .map(|(_, t)| *t)?;
    type Raw<'a> = std::collections::HashMap<String, &'a serde_json::value::RawValue>;
    let top: Raw = serde_json::from_str(common).ok()?;
    let raw_defs: Raw = serde_json::from_str(top.get("$defs")?.get()).ok()?;
    let mut names: Vec<&String> = defs.keys().collect();
    names.sort_by_key(|n| common.find(&format!("\n    \"{n}\": ")));
    let entries: Vec<String> = names
        .iter()
        .map(|n| {
            let body = raw_defs[n.as_str()]
                .get()
                .replace("\"common.json#/$defs/", "\"#/$defs/");
            format!("    \"{n}\": {body}")
        })
        .collect();
    let end = text.trim_end().strip_suffix('}')?.trim_end();
    Some(format!(
        "{end},\n  \"$defs\": {{\n{}\n  }}\n}}\n",
        entries.join(",\n")
    ))
}

/// The examples a contract's schema gives (`examples`): a valid input or output.
pub fn examples(id: &str, side: Side) -> &'static [serde_json::Value] {
    schema_documents()
        .get(&schema_file(id, side))
        .and_then(|s| s.get("examples"))
        .and_then(serde_json::Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Every schema file parsed, keyed by file name (for `$ref`s between them).
pub fn schema_documents() -> &'static std::collections::BTreeMap<String, serde_json::Value> {
    static DOCS: std::sync::OnceLock<std::collections::BTreeMap<String, serde_json::Value>> =
        std::sync::OnceLock::new();
    DOCS.get_or_init(|| {
        SCHEMA_FILES
            .iter()
            .map(|(f, t)| {
                (
                    f.to_string(),
                    serde_json::from_str(t)
                        .unwrap_or_else(|e| panic!("schemas/contracts/{f} is not JSON: {e}")),
                )
            })
            .collect()
    })
}

/// A validator of a contract's input or output, with formats asserted (`date-time`, `uri`, …).
pub fn validator(id: &str, side: Side) -> Option<&'static jsonschema::Validator> {
    type Validators = std::collections::HashMap<(String, Side), jsonschema::Validator>;
    static VALIDATORS: std::sync::OnceLock<Validators> = std::sync::OnceLock::new();
    static REGISTRY: std::sync::OnceLock<jsonschema::Registry<'static>> =
        std::sync::OnceLock::new();
    let registry = REGISTRY.get_or_init(|| {
        let docs = schema_documents();
        let mut builder = jsonschema::Registry::new();
        for (file, doc) in docs {
            let uri = format!("https://intact.invalid/schemas/contracts/{file}");
            builder = builder
                .add(uri, jsonschema::Resource::from_contents(doc.clone()))
                .expect("schema URIs are valid");
        }
        builder.prepare().expect("the contract schemas resolve")
    });
    let validators = VALIDATORS.get_or_init(|| {
        let docs = schema_documents();
        let mut out = std::collections::HashMap::new();
        for c in CONTRACTS {
            for side in [Side::Input, Side::Output] {
                let file = schema_file(c.id, side);
                let v = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .should_validate_formats(true)
                    .with_registry(registry)
                    .build(&docs[&file])
                    .unwrap_or_else(|e| panic!("schemas/contracts/{file} does not compile: {e}"));
                out.insert((c.id.to_string(), side), v);
            }
        }
        out
    });
    validators.get(&(id.to_string(), side))
}

/// The type of a contract's input or output, for the expression checker.
pub fn contract_type(id: &str, side: Side) -> Option<intact_expr::Type> {
    static TYPES: std::sync::OnceLock<
        std::collections::HashMap<(String, Side), intact_expr::Type>,
    > = std::sync::OnceLock::new();
    let types = TYPES.get_or_init(|| {
        let docs = schema_documents();
        let mut out = std::collections::HashMap::new();
        for c in CONTRACTS {
            for side in [Side::Input, Side::Output] {
                let file = schema_file(c.id, side);
                let name = match side {
                    Side::Input => format!("the input of {}", c.id),
                    Side::Output => format!("the output of {}", c.id),
                };
                let t = intact_expr::SchemaConverter::new(docs).convert(&file, &docs[&file], &name);
                out.insert((c.id.to_string(), side), t);
            }
        }
        out
    });
    types.get(&(id.to_string(), side)).cloned()
}

/// An action skeleton for a contract, as the help of `contract::missing-action` shows it.
pub fn skeleton(contract: &Contract) -> String {
    use intact_syntax::build::{Doc, Item, Node};
    let mut action = Node::new("action")
        .arg(contract.id.replace('-', "_"))
        .prop("contract", contract.id);
    // The request is a guess at the API's shape, so it starts commented out.
    let (method, path, body) = typical_request(contract.id);
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p, q.split_once('=')),
        None => (path, None),
    };
    let mut request = Node::new("request").arg("call").arg(method).arg(path);
    if let Some((k, v)) = query {
        request.push(Node::new("query").arg(k).arg(v));
    }
    if let Some(b) = body {
        request.push(Node::new("json").arg(b));
    }
    action.push_item(Item::CommentedOut(request));
    let mut ret = Node::new("return").block();
    for f in contract.output_fields {
        ret.push(Node::new(*f).arg("${…}"));
    }
    action.push(ret);
    let mut doc = Doc::new();
    doc.push(action);
    doc.print().trim_end_matches('\n').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_contract_has_typed_schemas() {
        for c in CONTRACTS {
            for side in [Side::Input, Side::Output] {
                let t = contract_type(c.id, side).unwrap();
                assert!(
                    matches!(t, intact_expr::Type::Object(_)),
                    "{} {side:?} is not an object type",
                    c.id
                );
            }
        }
        let Some(intact_expr::Type::Object(o)) = contract_type("create-user", Side::Input) else {
            panic!()
        };
        assert!(o.field("user").unwrap().required);
    }

    #[test]
    fn there_are_22_unique_contracts() {
        assert_eq!(CONTRACTS.len(), 22);
        let mut ids: Vec<_> = CONTRACTS.iter().map(|c| c.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 22);
    }
}
