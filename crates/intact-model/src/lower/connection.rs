//! A `connection`: its base URL, params, auth, headers, ping and settings, lowered once (durations
//! and sizes parsed, the OAuth 2.0 grant, client authentication and PKCE as enums and flags).

use intact_syntax::{Node, Value};

use super::{Lowerer, child_str, children};
use crate::Loc;
use crate::catalogue::{self, AuthKind, ClientAuth, Grant, Kind};
use crate::defs::{AuthDef, Carrier, ConnectionDef, Ident, ParamDef, RetryDef};

impl Lowerer<'_> {
    pub(super) fn connection(&self, node: &Node, name: Ident, loc: Loc) -> ConnectionDef {
        let mut conn = ConnectionDef {
            name,
            loc,
            base_url: None,
            params: Vec::new(),
            auth: None,
            headers: Vec::new(),
            ping: None,
            timeout_ms: None,
            max_response_size: None,
            request_id_header: None,
            retry: None,
            params_info: Default::default(),
        };
        for (kind, c) in children(node, Kind::Connection) {
            match kind {
                Kind::BaseUrl => conn.base_url = c.arg(0).and_then(|l| self.template(l)),
                Kind::Param => {
                    if let Some(name) = self.name_arg(c, 0) {
                        let from = c.prop("from").and_then(|l| {
                            l.value.as_str().map(|s| (s.to_string(), self.loc(l.span)))
                        });
                        let password = child_str(c, Kind::Param, Kind::ParamType).as_deref()
                            == Some("password");
                        conn.params.push(ParamDef {
                            name,
                            from,
                            password,
                            loc: self.loc(c.span),
                        });
                    }
                }
                Kind::Auth => conn.auth = self.auth(c),
                Kind::Header => {
                    if let (Some(n), Some(v)) = (
                        c.arg(0).and_then(|l| l.value.as_str()),
                        c.arg(1).and_then(|l| self.text_value(l)),
                    ) {
                        conn.headers.push((n.to_string(), v));
                    }
                }
                Kind::Ping => conn.ping = Some(self.steps(c, Kind::Ping)),
                Kind::Timeout => {
                    conn.timeout_ms = c
                        .arg(0)
                        .and_then(|l| l.value.as_str())
                        .and_then(catalogue::parse_duration_ms);
                }
                Kind::MaxResponseSize => {
                    conn.max_response_size = c
                        .arg(0)
                        .and_then(|l| l.value.as_str())
                        .and_then(catalogue::parse_size_bytes)
                        .filter(|n| (1..=catalogue::MAX_RESPONSE_SIZE_LIMIT).contains(n))
                        .map(|n| n as usize);
                }
                Kind::RequestIdHeader => {
                    conn.request_id_header =
                        c.arg(0).and_then(|l| l.value.as_str()).map(str::to_string);
                }
                Kind::Retry => {
                    conn.retry = Some(RetryDef {
                        max: c.prop("max").and_then(|l| match l.value {
                            Value::Integer(i) => u32::try_from(i).ok(),
                            _ => None,
                        }),
                        on: c
                            .props()
                            .filter(|(k, _)| k.as_str() == "on")
                            .filter_map(|(_, l)| match l.value {
                                Value::Integer(i) => u16::try_from(i).ok(),
                                _ => None,
                            })
                            .collect(),
                        unsafe_methods: c
                            .prop("unsafe-methods")
                            .is_some_and(|l| l.value == Value::Bool(true)),
                    })
                }
                _ => {}
            }
        }
        conn
    }

    /// An `auth` block. An unknown form is `schema::invalid-value`; the model has no auth then.
    fn auth(&self, node: &Node) -> Option<AuthDef> {
        let form = node
            .arg(0)
            .and_then(|l| l.value.as_str())
            .and_then(AuthKind::parse)?;
        let mut auth = AuthDef {
            form,
            loc: self.loc(node.span),
            settings: Vec::new(),
            grant: Some(Grant::ClientCredentials),
            client_auth: ClientAuth::Basic,
            pkce: true,
            credentials: Vec::new(),
            scopes: Vec::new(),
            token_params: Vec::new(),
        };
        let pair = |a: &Node| {
            Some((
                a.arg(0)?.value.as_str()?.to_string(),
                a.arg(1).and_then(|l| self.text_value(l))?,
            ))
        };
        for (kind, a) in children(node, Kind::Auth) {
            match kind {
                Kind::Scope => auth.scopes.extend(
                    a.args()
                        .filter_map(|l| l.value.as_str().map(str::to_string)),
                ),
                Kind::TokenParam => auth.token_params.extend(pair(a)),
                Kind::Header | Kind::Query | Kind::Cookie => {
                    let carrier = match kind {
                        Kind::Header => Carrier::Header,
                        Kind::Query => Carrier::Query,
                        _ => Carrier::Cookie,
                    };
                    if let Some((n, v)) = pair(a) {
                        auth.credentials.push((carrier, n, v));
                    }
                }
                // `pkce #false` is the setting "false".
                _ => {
                    if let Some(t) = a.arg(0).and_then(|l| self.text_value(l)) {
                        auth.settings.push((a.name().to_string(), t));
                    }
                }
            }
        }
        if let Some(t) = auth.setting("grant") {
            auth.grant = Grant::parse(&t.text);
        }
        if let Some(t) = auth.setting("client-auth") {
            auth.client_auth = ClientAuth::parse(&t.text).unwrap_or_default();
        }
        auth.pkce = auth.setting("pkce").is_none_or(|t| t.text != "false");
        Some(auth)
    }
}
