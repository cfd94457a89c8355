//! Servers and their variables, through the typed crate or leniently.

use crate::model::{Server, ServerVariable};
use serde::Deserialize;
use serde_json::Value;

use super::*;

pub(super) fn typed_servers(version: Version, v: &Value) -> Result<Vec<Server>, String> {
    match version {
        Version::V30 => Vec::<openapiv3::Server>::deserialize(v)
            .map_err(|e| e.to_string())
            .map(|list| {
                list.into_iter()
                    .map(|s| Server {
                        url: s.url,
                        variables: s
                            .variables
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(name, var)| ServerVariable {
                                name,
                                default: var.default,
                                description: var.description,
                                choices: var.enumeration,
                            })
                            .collect(),
                    })
                    .collect()
            }),
        Version::V31 | Version::V32 => Vec::<oas3::spec::Server>::deserialize(v)
            .map_err(|e| e.to_string())
            .map(|list| {
                list.into_iter()
                    .map(|s| Server {
                        url: s.url,
                        variables: s
                            .variables
                            .into_iter()
                            .map(|(name, var)| ServerVariable {
                                name,
                                default: var.default,
                                description: var.description,
                                choices: var.substitutions_enum,
                            })
                            .collect(),
                    })
                    .collect()
            }),
    }
}

pub(super) fn raw_servers(v: &Value) -> Vec<Server> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| {
            Some(Server {
                url: s.get("url")?.as_str()?.to_string(),
                variables: s
                    .get("variables")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(name, var)| ServerVariable {
                        name: name.clone(),
                        default: var.get("default").and_then(text_of).unwrap_or_default(),
                        description: var
                            .get("description")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        choices: var
                            .get("enum")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(text_of)
                            .collect(),
                    })
                    .collect(),
            })
        })
        .collect()
}
