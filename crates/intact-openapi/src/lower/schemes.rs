//! Security schemes and `security` requirements, through the typed crate or leniently.

use crate::model::{Grant, KeyLocation, OAuthFlow, Requirement, SchemeKind};
use serde::Deserialize;
use serde_json::Value;

use super::*;

pub(super) fn raw_security(v: &Value) -> Vec<Requirement> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|req| {
            req.iter()
                .map(|(name, scopes)| {
                    let scopes = scopes
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect();
                    (name.clone(), scopes)
                })
                .collect()
        })
        .collect()
}

pub(super) fn http_kind(scheme: &str) -> SchemeKind {
    // RFC 7235 scheme names are case-insensitive; tictactoe writes `Basic` and `Bearer`.
    match scheme.to_ascii_lowercase().as_str() {
        "basic" => SchemeKind::Basic,
        "bearer" => SchemeKind::Bearer,
        other => SchemeKind::Http(other.to_string()),
    }
}

pub(super) fn key_location(s: &str) -> Option<KeyLocation> {
    match s {
        "header" => Some(KeyLocation::Header),
        "query" => Some(KeyLocation::Query),
        "cookie" => Some(KeyLocation::Cookie),
        _ => None,
    }
}

pub(super) fn typed_scheme(version: Version, v: &Value) -> Result<Option<SchemeKind>, String> {
    match version {
        Version::V30 => {
            use openapiv3::{APIKeyLocation as L, SecurityScheme as S};
            let s = S::deserialize(v).map_err(|e| e.to_string())?;
            Ok(Some(match s {
                S::APIKey { location, name, .. } => SchemeKind::ApiKey {
                    location: match location {
                        L::Header => KeyLocation::Header,
                        L::Query => KeyLocation::Query,
                        L::Cookie => KeyLocation::Cookie,
                    },
                    name,
                },
                S::HTTP { scheme, .. } => http_kind(&scheme),
                S::OAuth2 { flows, .. } => {
                    let mut out = Vec::new();
                    if let Some(f) = flows.authorization_code {
                        out.push(OAuthFlow {
                            grant: Grant::AuthorizationCode,
                            authorization_url: Some(f.authorization_url),
                            token_url: Some(f.token_url),
                            refresh_url: f.refresh_url,
                        });
                    }
                    if let Some(f) = flows.client_credentials {
                        out.push(OAuthFlow {
                            grant: Grant::ClientCredentials,
                            authorization_url: None,
                            token_url: Some(f.token_url),
                            refresh_url: f.refresh_url,
                        });
                    }
                    if let Some(f) = flows.implicit {
                        out.push(OAuthFlow {
                            grant: Grant::Implicit,
                            authorization_url: Some(f.authorization_url),
                            token_url: None,
                            refresh_url: f.refresh_url,
                        });
                    }
                    if let Some(f) = flows.password {
                        out.push(OAuthFlow {
                            grant: Grant::Password,
                            authorization_url: None,
                            token_url: Some(f.token_url),
                            refresh_url: f.refresh_url,
                        });
                    }
                    SchemeKind::OAuth2(out)
                }
                S::OpenIDConnect {
                    open_id_connect_url,
                    ..
                } => SchemeKind::OpenIdConnect(open_id_connect_url),
            }))
        }
        Version::V31 | Version::V32 => {
            use oas3::spec::SecurityScheme as S;
            let s = S::deserialize(v).map_err(|e| e.to_string())?;
            Ok(match s {
                S::ApiKey { name, location, .. } => {
                    key_location(&location).map(|location| SchemeKind::ApiKey { location, name })
                }
                S::Http { scheme, .. } => Some(http_kind(&scheme)),
                S::OAuth2 { flows, .. } => {
                    let mut out = Vec::new();
                    if let Some(f) = flows.authorization_code {
                        out.push(OAuthFlow {
                            grant: Grant::AuthorizationCode,
                            authorization_url: Some(f.authorization_url.to_string()),
                            token_url: Some(f.token_url.to_string()),
                            refresh_url: f.refresh_url.map(|u| u.to_string()),
                        });
                    }
                    if let Some(f) = flows.client_credentials {
                        out.push(OAuthFlow {
                            grant: Grant::ClientCredentials,
                            authorization_url: None,
                            token_url: Some(f.token_url.to_string()),
                            refresh_url: f.refresh_url.map(|u| u.to_string()),
                        });
                    }
                    if let Some(f) = flows.implicit {
                        out.push(OAuthFlow {
                            grant: Grant::Implicit,
                            authorization_url: Some(f.authorization_url.to_string()),
                            token_url: None,
                            refresh_url: f.refresh_url.map(|u| u.to_string()),
                        });
                    }
                    if let Some(f) = flows.password {
                        out.push(OAuthFlow {
                            grant: Grant::Password,
                            authorization_url: None,
                            token_url: Some(f.token_url.to_string()),
                            refresh_url: f.refresh_url.map(|u| u.to_string()),
                        });
                    }
                    Some(SchemeKind::OAuth2(out))
                }
                S::OpenIdConnect {
                    open_id_connect_url,
                    ..
                } => Some(SchemeKind::OpenIdConnect(open_id_connect_url)),
                S::MutualTls { .. } => Some(SchemeKind::MutualTls),
            })
        }
    }
}

pub(super) fn raw_scheme(v: &Value) -> Option<SchemeKind> {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    match s("type")?.as_str() {
        "apiKey" => Some(SchemeKind::ApiKey {
            location: key_location(&s("in")?)?,
            name: s("name")?,
        }),
        "http" => Some(http_kind(&s("scheme")?)),
        "oauth2" => {
            let flows = v.get("flows")?;
            let mut out = Vec::new();
            for (key, grant) in [
                ("authorizationCode", Grant::AuthorizationCode),
                ("clientCredentials", Grant::ClientCredentials),
                ("implicit", Grant::Implicit),
                ("password", Grant::Password),
            ] {
                if let Some(f) = flows.get(key) {
                    let u = |k: &str| f.get(k).and_then(Value::as_str).map(str::to_string);
                    out.push(OAuthFlow {
                        grant,
                        authorization_url: u("authorizationUrl"),
                        token_url: u("tokenUrl"),
                        refresh_url: u("refreshUrl"),
                    });
                }
            }
            Some(SchemeKind::OAuth2(out))
        }
        "openIdConnect" => Some(SchemeKind::OpenIdConnect(
            s("openIdConnectUrl").unwrap_or_default(),
        )),
        "mutualTLS" => Some(SchemeKind::MutualTls),
        _ => None,
    }
}
