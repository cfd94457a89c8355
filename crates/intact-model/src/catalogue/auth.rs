//! The forms of `auth`, the OAuth 2.0 grants and client authentication: each an enum whose
//! spellings are the catalogue's (a test checks they agree).

use super::*;

/// Which forms of `auth` take which children and bring which implicit params.
pub struct AuthForm {
    pub name: &'static str,
    pub children: &'static [Kind],
    /// Params every connection with this form has: (name, is password).
    pub implicit_params: &'static [(&'static str, bool)],
}

pub static AUTH_FORM_SPECS: &[AuthForm] = &[
    AuthForm {
        name: "basic",
        children: &[Kind::Username, Kind::Password],
        implicit_params: &[("username", false), ("password", true)],
    },
    AuthForm {
        name: "oauth2",
        children: &[
            Kind::Grant,
            Kind::AuthorizeUrl,
            Kind::TokenUrl,
            Kind::RefreshUrl,
            Kind::Scope,
            Kind::ClientAuth,
            Kind::Pkce,
            Kind::TokenParam,
        ],
        implicit_params: &[("client_id", false), ("client_secret", true)],
    },
    AuthForm {
        name: "custom",
        children: &[Kind::Header, Kind::Query, Kind::Cookie],
        implicit_params: &[],
    },
    AuthForm {
        name: "bearer",
        children: &[Kind::Token],
        implicit_params: &[("token", true)],
    },
    AuthForm {
        name: "api-key",
        children: &[Kind::Header, Kind::Query],
        implicit_params: &[("api_key", true)],
    },
];

/// The authentication forms of a connection (`auth "FORM"`), as the model holds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthKind {
    Basic,
    OAuth2,
    Custom,
    Bearer,
    ApiKey,
}

impl AuthKind {
    pub const ALL: [AuthKind; 5] = [
        AuthKind::Basic,
        AuthKind::OAuth2,
        AuthKind::Custom,
        AuthKind::Bearer,
        AuthKind::ApiKey,
    ];

    /// The form as written in KDL.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::Basic => "basic",
            AuthKind::OAuth2 => "oauth2",
            AuthKind::Custom => "custom",
            AuthKind::Bearer => "bearer",
            AuthKind::ApiKey => "api-key",
        }
    }

    pub fn parse(text: &str) -> Option<AuthKind> {
        AuthKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// What the catalogue says of the form: its children and implicit params.
    pub fn spec(self) -> &'static AuthForm {
        auth_form(self.as_str()).expect("every auth kind has a spec")
    }
}

impl std::fmt::Display for AuthKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The OAuth 2.0 grants (`grant "…"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Grant {
    ClientCredentials,
    AuthorizationCode,
}

impl Grant {
    pub const ALL: [Grant; 2] = [Grant::ClientCredentials, Grant::AuthorizationCode];

    pub fn as_str(self) -> &'static str {
        match self {
            Grant::ClientCredentials => "client-credentials",
            Grant::AuthorizationCode => "authorization-code",
        }
    }

    pub fn parse(text: &str) -> Option<Grant> {
        Grant::ALL.into_iter().find(|g| g.as_str() == text)
    }
}

impl std::fmt::Display for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an OAuth 2.0 client authenticates at the token endpoint (`client-auth "…"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ClientAuth {
    /// `client_secret_basic`: the id and secret in an `Authorization: Basic` header.
    #[default]
    Basic,
    /// `client_secret_post`: the id and secret in the form body.
    Post,
}

impl ClientAuth {
    pub const ALL: [ClientAuth; 2] = [ClientAuth::Basic, ClientAuth::Post];

    pub fn as_str(self) -> &'static str {
        match self {
            ClientAuth::Basic => "basic",
            ClientAuth::Post => "post",
        }
    }

    pub fn parse(text: &str) -> Option<ClientAuth> {
        ClientAuth::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

impl std::fmt::Display for ClientAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

pub fn auth_form(name: &str) -> Option<&'static AuthForm> {
    AUTH_FORM_SPECS.iter().find(|f| f.name == name)
}
