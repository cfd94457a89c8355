//! A connection's credentials: the `auth` values, how each auth form sends them, and the
//! values computed from a secret that the masker must hide too.

use base64::Engine;
use intact_expr::eval::json_text as text_of;
use intact_model::catalogue::AuthKind;
use intact_model::{ConnectionDef, Tree};
use serde_json::{Map, Value as J};

use super::*;

impl Runtime {
    /// The `auth` object of a connection: params from the environment, `from=` variables, defaults.
    pub(crate) fn auth(&self, c: &ConnectionDef) -> Result<J, Failure> {
        // Every use of a connection passes here: its environment must have been readable.
        if let Some(e) = self.env.unreadable(&c.name.name) {
            return Err(Failure {
                before_any_request: true,
                ..Failure::new(e.0.clone())
            });
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
                    match kind.as_str() {
                        "query" => query.push((name.clone(), v)),
                        "cookie" => headers.push(("Cookie".into(), format!("{name}={v}"))),
                        _ => headers.push((name.clone(), v)),
                    }
                }
            }
            // The access token is fetched (and cached) by `oauth_token`.
            AuthKind::OAuth2 => {}
        }
        Ok(())
    }
}
