//! A connection's credentials: the `auth` values, how each auth form sends them, the values
//! computed from a secret that the masker must hide too, and an OAuth 2.0 connection's client
//! resolved for the token source.

use base64::Engine;
use intact_expr::eval::json_text as text_of;
use intact_model::catalogue::AuthKind;

use crate::oauth::{Endpoint, OAuthClient};
use intact_model::{Carrier, ConnectionDef, Tree};
use serde_json::{Map, Value as J};

use super::*;

impl Runtime {
    /// The `auth` object of a connection: params from the environment, `from=` variables, defaults.
    pub(crate) fn auth(&self, c: &ConnectionDef) -> Result<J, Failure> {
        // Every use of a connection passes here: its environment must have been readable.
        if let Some(e) = self.env.unreadable(&c.name.name) {
            return Err(Failure::before_any_request(e.0.clone()));
        }
        let env = self.env.connections.get(&c.name.name);
        let mut out = Map::new();
        for p in c.all_params() {
            let declared = c.params.iter().find(|d| d.name.name == p.name);
            let value = env
                .and_then(|e| e.params.get(&p.name).cloned())
                .or_else(|| {
                    declared
                        .and_then(|d| d.from.as_ref())
                        .and_then(|(from, _)| {
                            self.env.app.get(from.trim_start_matches("app.")).cloned()
                        })
                });
            if let Some(v) = value {
                if p.secret {
                    self.masker.add(&v);
                }
                out.insert(p.name.clone(), J::String(v));
            }
        }
        Ok(J::Object(out))
    }

    /// Registers as secret the value of every expression that reads a secret param of the frame's
    /// connection: a value computed from a secret is a secret (docs/security.md).
    pub(super) fn secret_watch<'s>(&'s self, frame: &Frame) -> impl FnMut(&str, &J) + 's {
        let names = frame
            .conn
            .and_then(|c| self.secret_params.get(&c.name.name))
            .filter(|n| !n.is_empty());
        move |expr: &str, value: &J| {
            if names.is_some_and(|n| self.reads_secret(expr, n)) {
                self.masker.add_value(value);
            }
        }
    }

    /// Whether an expression reads one of the secret params `names` (`auth.NAME`), from its
    /// compiled program (each distinct expression is compiled once per run).
    pub(super) fn reads_secret(&self, expr: &str, names: &[String]) -> bool {
        self.programs
            .get(expr)
            .is_ok_and(|p| names.iter().any(|n| p.reads("auth", n)))
    }

    pub(super) fn authenticate(
        &self,
        conn: &ConnectionDef,
        frame: &Frame,
        headers: &mut Vec<(String, String)>,
        query: &mut Vec<(String, String)>,
    ) -> Result<(), Failure> {
        let Some(auth) = &conn.auth else {
            return Ok(());
        };
        // A setting as written (a failure names its place); else the form's default.
        let setting = |k: &str, default: &str| -> Result<String, Failure> {
            let v = match auth.setting(k) {
                Some(t) => self.eval(&Tree::Template(t.clone()), frame),
                None => self.eval_text_with(default, frame, &[]).map_err(|mut f| {
                    f.message = format!(
                        "{} (the `{k}` of connection `{}`'s {} auth: give the param a value)",
                        f.message, conn.name.name, auth.form
                    );
                    f
                }),
            }?;
            Ok(text_of(&v))
        };
        match auth.form {
            AuthKind::Basic => {
                let user = setting("username", "${auth.username}")?;
                let pass = setting("password", "${auth.password}")?;
                let token =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
                self.masker.add(&pass);
                self.masker.add(&token);
                headers.push(("Authorization".into(), format!("Basic {token}")));
            }
            AuthKind::Bearer => {
                let token = setting("token", "${auth.token}")?;
                self.masker.add(&token);
                headers.push(("Authorization".into(), format!("Bearer {token}")));
            }
            AuthKind::ApiKey | AuthKind::Custom => {
                for (kind, name, t) in &auth.credentials {
                    let v = text_of(&self.eval(&Tree::Template(t.clone()), frame)?);
                    self.masker.add(&v);
                    match kind {
                        Carrier::Query => query.push((name.clone(), v)),
                        Carrier::Cookie => headers.push(("Cookie".into(), format!("{name}={v}"))),
                        Carrier::Header => headers.push((name.clone(), v)),
                    }
                }
            }
            // The access token is fetched (and cached) by `oauth_token`.
            AuthKind::OAuth2 => {}
        }
        Ok(())
    }

    /// An OAuth 2.0 access token for the connection, from the token source. `force` fetches a
    /// new one (after a 401).
    pub(crate) async fn oauth_token(
        &self,
        conn: &ConnectionDef,
        frame: &Frame<'_>,
        force: bool,
    ) -> Result<String, Failure> {
        self.tokens
            .token(&conn.name.name, force, || self.oauth_client(conn, frame))
            .await
    }

    /// What the token source needs of an OAuth 2.0 connection: its templates evaluated in
    /// `frame`, the environment's endpoint overrides applied.
    pub(crate) fn oauth_client(
        &self,
        conn: &ConnectionDef,
        frame: &Frame<'_>,
    ) -> Result<OAuthClient, Failure> {
        let name = &conn.name.name;
        let Some(auth) = conn.auth.as_ref().filter(|a| a.form == AuthKind::OAuth2) else {
            return Err(Failure::new(format!(
                "connection `{name}` has no OAuth 2.0 auth"
            )));
        };
        let Some(grant) = auth.grant else {
            let other = auth.setting("grant").map_or("", |t| t.text.as_str());
            return Err(Failure::before_any_request(format!(
                "connection `{name}` uses the OAuth 2.0 grant `{other}`, which intact does not run; use client-credentials or authorization-code"
            )));
        };
        let mut token_params = Vec::new();
        for (k, t) in &auth.token_params {
            token_params.push((
                k.clone(),
                text_of(&self.eval(&Tree::Template(t.clone()), frame)?),
            ));
        }
        let param = |k: &str| {
            frame.vars["auth"]
                .get(k)
                .and_then(J::as_str)
                .unwrap_or("")
                .to_string()
        };
        let env = self.env.connections.get(name);
        Ok(OAuthClient {
            connection: name.clone(),
            grant,
            client_id: param("client_id"),
            client_secret: param("client_secret"),
            client_auth: auth.client_auth,
            scopes: auth.scopes.clone(),
            token_params,
            token_url: self.oauth_url(conn, frame, Endpoint::Token),
            refresh_url: self.oauth_url(conn, frame, Endpoint::Refresh),
            authorize_url: self.oauth_url(conn, frame, Endpoint::Authorize),
            env_refresh_token: env.and_then(|c| c.params.get("refresh_token")).cloned(),
            login_hint: format!(
                "run `intact auth login {name} --env {}`, or set `refresh_token = {{ env = \"VAR\" }}` under [connection.{name}] in {} for headless runs",
                self.env.name,
                self.env.path.display()
            ),
        })
    }

    /// The token, refresh or authorize URL: the environment's override, else the connection's.
    /// A refresh goes to `refresh-url` (overridden or written) when there is one, else where
    /// tokens come from.
    fn oauth_url(
        &self,
        conn: &ConnectionDef,
        frame: &Frame<'_>,
        endpoint: Endpoint,
    ) -> Result<String, Failure> {
        let written = |k: &str| conn.auth.as_ref().and_then(|a| a.setting(k));
        let env = self.env.connections.get(&conn.name.name);
        let overridden = |e: Endpoint| {
            env.and_then(|c| match e {
                Endpoint::Token => c.token_url.clone(),
                Endpoint::Refresh => c.refresh_url.clone(),
                Endpoint::Authorize => c.authorize_url.clone(),
            })
        };
        let endpoint = match endpoint {
            Endpoint::Refresh
                if overridden(Endpoint::Refresh).is_none()
                    && written(Endpoint::Refresh.setting()).is_none() =>
            {
                Endpoint::Token
            }
            e => e,
        };
        let setting = endpoint.setting();
        let url = match (overridden(endpoint), written(setting)) {
            (Some(u), _) => u,
            (None, Some(t)) => text_of(&self.eval(&Tree::Template(t.clone()), frame)?),
            (None, None) => {
                return Err(Failure::before_any_request(format!(
                    "connection `{}` has no {setting}",
                    conn.name.name
                )));
            }
        };
        secure_url(&url, conn, setting)?;
        Ok(url)
    }
}
