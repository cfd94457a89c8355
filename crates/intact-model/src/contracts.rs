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
