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
    /// The capability the switch belongs to: features and group options are provisioning's.
    pub fn capability(self) -> &'static str {
        match self {
            Switch::Capability(name) => name,
            Switch::Feature(_) | Switch::GroupOperations | Switch::GroupMembership => {
                "provisioning"
            }
        }
    }

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
    pub id: ContractId,
    /// The provider's name for it (its schemas' title).
    pub title: &'static str,
    pub mandatory_with: Switch,
    /// Output fields besides executionStatus (its output schema's properties), for skeletons and
    /// summaries.
    pub output_fields: &'static [&'static str],
}

use Switch::*;

// `ContractId`, `SCHEMA_FILES` and `CONTRACTS`, from `schemas/contracts/` (build.rs).
include!(concat!(env!("OUT_DIR"), "/contracts.rs"));

impl ContractId {
    /// Its entry in [`CONTRACTS`].
    pub fn contract(self) -> &'static Contract {
        &CONTRACTS[self as usize]
    }

    /// What makes the contract mandatory.
    pub const fn mandatory_with(self) -> Switch {
        use ContractId::*;
        match self {
            ListUsers
            | GetUser
            | GetUserByUsername
            | ListUserSchema
            | ListUserSchemaPropertyValues
            | ListGroups
            | GetGroup => Capability("provisioning"),
            CreateUser => Feature("create"),
            UpdateUser => Feature("update"),
            UpdateUserPassword => Feature("password"),
            ActivateUser => Feature("activate"),
            DeactivateUser => Feature("deactivate"),
            ListEntitlementSchema | ListEntitlementSchemaPropertyValues => {
                Capability("entitlement-management")
            }
            ListGroupsByDisplayName | CreateGroup | UpdateGroup | RemoveGroup => GroupOperations,
            ListGroupMembers | AddGroupMembers | RemoveGroupMembers => GroupMembership,
            UniversalLogout => Capability("universal-logout"),
        }
    }

    /// The request an action for the contract usually sends (method, path, body), for skeletons:
    /// the path is a guess at a REST API's and names the contract's input fields.
    pub fn typical_request(self) -> (&'static str, &'static str, Option<&'static str>) {
        use ContractId::*;
        match self {
            ListUsers => ("GET", "/users", None),
            GetUser => ("GET", "/users/${input.userId}", None),
            GetUserByUsername => ("GET", "/users?userName=${input.userName}", None),
            CreateUser => ("POST", "/users", Some("${input.user}")),
            UpdateUser => ("PUT", "/users/${input.user.id}", Some("${input.user}")),
            UpdateUserPassword => (
                "PUT",
                "/users/${input.userId}/password",
                Some("${{'password': input.password}}"),
            ),
            ActivateUser => ("POST", "/users/${input.userId}/activate", None),
            DeactivateUser => ("POST", "/users/${input.userId}/deactivate", None),
            ListUserSchema => ("GET", "/schema/users", None),
            ListUserSchemaPropertyValues => ("GET", "/schema/users/values", None),
            ListEntitlementSchema => ("GET", "/schema/entitlements", None),
            ListEntitlementSchemaPropertyValues => ("GET", "/schema/entitlements/values", None),
            ListGroups => ("GET", "/groups", None),
            GetGroup => ("GET", "/groups/${input.groupId}", None),
            ListGroupsByDisplayName => ("GET", "/groups?displayName=${input.displayName}", None),
            CreateGroup => ("POST", "/groups", Some("${input.group}")),
            UpdateGroup => ("PUT", "/groups/${input.group.id}", Some("${input.group}")),
            RemoveGroup => ("DELETE", "/groups/${input.groupId}", None),
            ListGroupMembers => ("GET", "/groups/${input.groupId}/members", None),
            AddGroupMembers => (
                "POST",
                "/groups/${input.groupId}/members",
                Some("${input.groupMembers}"),
            ),
            RemoveGroupMembers => (
                "DELETE",
                "/groups/${input.groupId}/members",
                Some("${input.groupMembers}"),
            ),
            UniversalLogout => ("POST", "/users/${input.externalUserId}/logout", None),
        }
    }
}

impl std::fmt::Display for ContractId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl PartialEq<&str> for ContractId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The contract an id written in a project names.
pub fn contract(id: &str) -> Option<&'static Contract> {
    ContractId::parse(id).map(ContractId::contract)
}

/// The contracts of user operations that the provider calls whenever an action exists, even without
/// the feature declared.
pub fn is_user_operation(id: ContractId) -> bool {
    matches!(id.mandatory_with(), Feature(_))
}

/// Which side of a contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Input,
    Output,
}

/// The file name of a contract's schema under `schemas/contracts/`.
pub fn schema_file(id: ContractId, side: Side) -> String {
    match side {
        Side::Input => format!("{id}.input.json"),
        Side::Output => format!("{id}.output.json"),
    }
}

/// The text of one contract's input or output schema.
pub fn schema_text(id: ContractId, side: Side) -> Option<&'static str> {
    let file = schema_file(id, side);
    SCHEMA_FILES
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(_, t)| *t)
}

/// A contract's schema with nothing outside it: every `common.json#/$defs/X` it needs (and what
/// those need) copied under its own `$defs`, and its `$ref`s made local (`#/$defs/X`), so that
/// any JSON Schema tool reads it alone.
pub fn bundled_schema(id: ContractId, side: Side) -> Option<serde_json::Value> {
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
pub fn bundled_schema_text(id: ContractId, side: Side) -> Option<String> {
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
pub fn examples(id: ContractId, side: Side) -> &'static [serde_json::Value] {
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
pub fn validator(id: ContractId, side: Side) -> Option<&'static jsonschema::Validator> {
    type Validators = std::collections::HashMap<(ContractId, Side), jsonschema::Validator>;
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
                out.insert((c.id, side), v);
            }
        }
        out
    });
    validators.get(&(id, side))
}

/// The type of a contract's input or output, for the expression checker.
pub fn contract_type(id: ContractId, side: Side) -> Option<intact_expr::Type> {
    static TYPES: std::sync::OnceLock<
        std::collections::HashMap<(ContractId, Side), intact_expr::Type>,
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
                out.insert((c.id, side), t);
            }
        }
        out
    });
    types.get(&(id, side)).cloned()
}

/// An action skeleton for a contract, as the help of `contract::missing-action` shows it.
pub fn skeleton(contract: &Contract) -> String {
    use intact_syntax::build::{Doc, Item, Node};
    let mut action = Node::new("action")
        .arg(contract.id.as_str().replace('-', "_"))
        .prop("contract", contract.id.as_str());
    // The request is a guess at the API's shape, so it starts commented out.
    let (method, path, body) = contract.id.typical_request();
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
        let Some(intact_expr::Type::Object(o)) = contract_type(ContractId::CreateUser, Side::Input)
        else {
            panic!()
        };
        assert!(o.field("user").unwrap().required);
    }

    /// The generated table lines up with the enum, and the titles and output fields read from the
    /// schemas are the provider's.
    #[test]
    fn the_registry_is_generated_in_order() {
        for (i, c) in CONTRACTS.iter().enumerate() {
            assert_eq!(c.id as usize, i);
            assert_eq!(ContractId::ALL[i], c.id);
            assert_eq!(ContractId::parse(c.id.as_str()), Some(c.id));
        }
        let list = ContractId::ListUsers.contract();
        assert_eq!(
            (list.title, list.output_fields),
            ("List Users", &["resources", "pagination"][..])
        );
        assert_eq!(
            ContractId::UniversalLogout.contract().title,
            "Proprietary Universal Logout"
        );
        assert_eq!(contract("no-such-contract").map(|c| c.id), None);
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
