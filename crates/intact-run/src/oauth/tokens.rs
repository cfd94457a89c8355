//! Access tokens: the [`TokenSource`] the runtime is given keeps them by connection (in memory and
//! in the [`TokenStore`]) and fetches new ones from the token endpoint, by client credentials or
//! a refresh token. It knows nothing of the runtime: what a token request needs is resolved by
//! the runtime into an [`OAuthClient`] (templates evaluated, the environment's overrides applied).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use intact_model::catalogue::{ClientAuth, Grant};
use serde_json::Value as J;

use super::store::{StoredTokens, TokenStore, unix_now};
use crate::Trace;
use crate::failure::{ErrorType, Failure, root_cause};
use crate::mask::Masker;

/// A token is renewed when it has less than this left, so a request never leaves with a token
/// that expires on the way.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

/// Which OAuth 2.0 endpoint a request goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Token,
    /// `refresh-url` when the connection has one, else `token-url`.
    Refresh,
    /// Where `intact auth login` sends the browser.
    Authorize,
}

impl Endpoint {
    /// The setting that names the endpoint, for messages.
    pub(crate) fn setting(self) -> &'static str {
        match self {
            Endpoint::Token => "token-url",
            Endpoint::Refresh => "refresh-url",
            Endpoint::Authorize => "authorize-url",
        }
    }
}

/// Everything a token request of one connection needs, resolved by the runtime. An endpoint the
/// connection lacks (or names unsafely) is kept as its failure, reported only when it is used.
pub(crate) struct OAuthClient {
    pub connection: String,
    pub grant: Grant,
    pub client_id: String,
    pub client_secret: String,
    pub client_auth: ClientAuth,
    pub scopes: Vec<String>,
    /// `token-param`s, evaluated: sent with every token request.
    pub token_params: Vec<(String, String)>,
    pub token_url: Result<String, Failure>,
    pub refresh_url: Result<String, Failure>,
    pub authorize_url: Result<String, Failure>,
    /// The environment's `refresh_token` (headless runs of an authorization-code connection).
    pub env_refresh_token: Option<String>,
    /// How to get a first token when there is none (`intact auth login …`).
    pub login_hint: String,
}

impl OAuthClient {
    pub(crate) fn url(&self, endpoint: Endpoint) -> Result<&str, Failure> {
        let url = match endpoint {
            Endpoint::Token => &self.token_url,
            Endpoint::Refresh => &self.refresh_url,
            Endpoint::Authorize => &self.authorize_url,
        };
        url.as_deref().map_err(Clone::clone)
    }
}

/// What a token endpoint answered.
pub(crate) struct TokenAnswer {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: u64,
}

/// The access tokens of a run, by connection.
pub(crate) struct TokenSource {
    client: reqwest::Client,
    masker: Arc<Masker>,
    trace: Option<Trace>,
    /// Where tokens outlive the run (the user's cache folder); memory only when `None`.
    store: Option<TokenStore>,
    /// Access tokens by connection, with when they expire. Held across a fetch, so that
    /// concurrent requests of one connection fetch one token.
    cache: tokio::sync::Mutex<HashMap<String, (String, Instant)>>,
}

impl TokenSource {
    pub(crate) fn new(client: reqwest::Client, masker: Arc<Masker>) -> TokenSource {
        TokenSource {
            client,
            masker,
            trace: None,
            store: None,
            cache: Default::default(),
        }
    }

    pub(crate) fn set_store(&mut self, store: TokenStore) {
        self.store = Some(store);
    }

    pub(crate) fn set_trace(&mut self, trace: Trace) {
        self.trace = Some(trace);
    }

    pub(crate) fn store(&self) -> Option<&TokenStore> {
        self.store.as_ref()
    }

    fn trace(&self, line: std::fmt::Arguments) {
        if let Some(t) = &self.trace {
            t(&self.masker.mask(&line.to_string()));
        }
    }

    /// An access token for `connection`: from memory or the token store while it has more than
    /// 30 s left, else a new one (client credentials, or a refresh token of an authorization-code
    /// connection). `force` skips the caches (after a 401). `resolve` is called only when a token
    /// must be fetched.
    pub(crate) async fn token(
        &self,
        connection: &str,
        force: bool,
        resolve: impl FnOnce() -> Result<OAuthClient, Failure>,
    ) -> Result<String, Failure> {
        let mut cache = self.cache.lock().await;
        if !force
            && let Some((token, expiry)) = cache.get(connection)
            && *expiry > Instant::now() + EXPIRY_MARGIN
        {
            return Ok(token.clone());
        }
        let stored = match &self.store {
            Some(s) => s.load(connection).map_err(Failure::before_any_request)?,
            None => None,
        };
        if let Some(st) = &stored {
            self.masker.add(&st.access_token);
            if let Some(r) = &st.refresh_token {
                self.masker.add(r);
            }
            let left = st.expires_at.saturating_sub(unix_now());
            if !force && Duration::from_secs(left) > EXPIRY_MARGIN {
                cache.insert(
                    connection.to_string(),
                    (
                        st.access_token.clone(),
                        Instant::now() + Duration::from_secs(left),
                    ),
                );
                return Ok(st.access_token.clone());
            }
        }
        let client = resolve()?;
        let (answer, used_refresh) = match client.grant {
            Grant::ClientCredentials => {
                let mut form = vec![("grant_type".to_string(), "client_credentials".to_string())];
                if !client.scopes.is_empty() {
                    form.push(("scope".into(), client.scopes.join(" ")));
                }
                (self.request(&client, form, Endpoint::Token).await?, None)
            }
            Grant::AuthorizationCode => self.refresh(&client, stored.as_ref()).await?,
        };
        let refresh_token = answer.refresh_token.clone().or(used_refresh);
        if let Some(store) = &self.store {
            let saved = StoredTokens {
                access_token: answer.access_token.clone(),
                refresh_token,
                expires_at: unix_now() + answer.expires_in,
            };
            if let Err(e) = store.save(connection, &saved) {
                // The run can go on with the token in memory; say why the next one will ask again.
                self.trace(format_args!(
                    "the token of `{connection}` was not stored: {e}"
                ));
            }
        }
        cache.insert(
            connection.to_string(),
            (
                answer.access_token.clone(),
                Instant::now() + Duration::from_secs(answer.expires_in),
            ),
        );
        Ok(answer.access_token)
    }

    /// Keeps a token obtained elsewhere (`intact auth login`) for the rest of the run.
    pub(crate) async fn remember(&self, connection: &str, answer: &TokenAnswer) {
        self.cache.lock().await.insert(
            connection.to_string(),
            (
                answer.access_token.clone(),
                Instant::now() + Duration::from_secs(answer.expires_in),
            ),
        );
    }

    /// A new access token from a refresh token: the stored one (it may have been rotated since
    /// the environment's was issued), then the environment's `refresh_token` (headless CI).
    async fn refresh(
        &self,
        client: &OAuthClient,
        stored: Option<&StoredTokens>,
    ) -> Result<(TokenAnswer, Option<String>), Failure> {
        let mut candidates: Vec<String> = Vec::new();
        if let Some(r) = stored.and_then(|s| s.refresh_token.clone()) {
            candidates.push(r);
        }
        if let Some(r) = &client.env_refresh_token {
            self.masker.add(r);
            if !candidates.contains(r) {
                candidates.push(r.clone());
            }
        }
        if candidates.is_empty() {
            return Err(Failure::before_any_request(format!(
                "connection `{}` uses the authorization-code grant and has no token yet: {}",
                client.connection, client.login_hint
            )));
        }
        let mut last = None;
        for refresh_token in candidates {
            let form = vec![
                ("grant_type".to_string(), "refresh_token".to_string()),
                ("refresh_token".to_string(), refresh_token.clone()),
            ];
            match self.request(client, form, Endpoint::Refresh).await {
                Ok(answer) => return Ok((answer, Some(refresh_token))),
                Err(f) => last = Some(f),
            }
        }
        let mut f = last.expect("at least one refresh token was tried");
        f.message = format!(
            "{}; the refresh token was refused: {}",
            f.message, client.login_hint
        );
        Err(f)
    }

    /// One request to the token endpoint with the client's authentication
    /// (client_secret_basic by default, client_secret_post with `client-auth "post"`, only the
    /// client id for a public client without a secret). Every token request carries the
    /// `token-param`s: the grant, the code exchange and a refresh alike (an `audience` the
    /// provider wants each time).
    pub(crate) async fn request(
        &self,
        client: &OAuthClient,
        mut form: Vec<(String, String)>,
        endpoint: Endpoint,
    ) -> Result<TokenAnswer, Failure> {
        let url = client.url(endpoint)?;
        form.extend(client.token_params.iter().cloned());
        self.masker.add(&client.client_secret);
        let mut rb = self
            .client
            .post(url)
            .timeout(Duration::from_secs(30))
            .header("Accept", "application/json");
        let id = ("client_id".to_string(), client.client_id.clone());
        if client.client_secret.is_empty() {
            form.push(id);
        } else if client.client_auth == ClientAuth::Post {
            form.push(id);
            form.push(("client_secret".into(), client.client_secret.clone()));
        } else {
            let basic = base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", client.client_id, client.client_secret));
            self.masker.add(&basic);
            rb = rb.header("Authorization", format!("Basic {basic}"));
        }
        for (k, v) in &form {
            if k == "refresh_token" || k == "code" || k == "code_verifier" {
                self.masker.add(v);
            }
        }
        let resp = rb.form(&form).send().await.map_err(|e| {
            Failure::unreachable(format!(
                "the token request to {url} could not be sent: {}",
                root_cause(&e)
            ))
        })?;
        let status = resp.status().as_u16();
        let body: J = resp.json().await.unwrap_or(J::Null);
        let Some(token) = body
            .get("access_token")
            .and_then(J::as_str)
            .filter(|_| (200..300).contains(&status))
        else {
            let why = body
                .get("error_description")
                .or_else(|| body.get("error"))
                .and_then(J::as_str)
                .unwrap_or("no access_token in the answer");
            return Err(Failure {
                error_type: token_error_type(status, &body),
                status: Some(status),
                ..Failure::new(self.masker.mask(&format!(
                    "the token endpoint {url} answered {status}: {why}"
                )))
            });
        };
        self.masker.add(token);
        let refresh_token = body
            .get("refresh_token")
            .and_then(J::as_str)
            .map(str::to_string);
        if let Some(r) = &refresh_token {
            self.masker.add(r);
        }
        let expires_in = body.get("expires_in").and_then(J::as_u64).unwrap_or(3600);
        let grant = form
            .iter()
            .find(|(k, _)| k == "grant_type")
            .map_or("", |(_, v)| v.as_str());
        self.trace(format_args!(
            "POST {url} ({grant}) -> {status}: an access token for {expires_in} s"
        ));
        Ok(TokenAnswer {
            access_token: token.to_string(),
            refresh_token,
            expires_in,
        })
    }
}

/// How a refused token request is typed. Only a refusal of the client or its grant is bad
/// credentials (RFC 6749 5.2); a server that fails or throttles is what it is, with its status.
fn token_error_type(status: u16, body: &J) -> ErrorType {
    let error = body.get("error").and_then(J::as_str).unwrap_or("");
    match status {
        401 => ErrorType::InvalidCredentials,
        400 if matches!(
            error,
            "invalid_client" | "invalid_grant" | "unauthorized_client"
        ) =>
        {
            ErrorType::InvalidCredentials
        }
        429 => ErrorType::RateLimitExceeded,
        _ => ErrorType::GenericFailure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_refusals_of_the_client_or_grant_are_bad_credentials() {
        let e = |error: &str| json!({ "error": error });
        assert_eq!(
            token_error_type(400, &e("invalid_client")),
            ErrorType::InvalidCredentials
        );
        assert_eq!(
            token_error_type(400, &e("invalid_grant")),
            ErrorType::InvalidCredentials
        );
        assert_eq!(
            token_error_type(400, &e("invalid_scope")),
            ErrorType::GenericFailure
        );
        assert_eq!(
            token_error_type(401, &J::Null),
            ErrorType::InvalidCredentials
        );
        assert_eq!(
            token_error_type(429, &J::Null),
            ErrorType::RateLimitExceeded
        );
        assert_eq!(token_error_type(503, &J::Null), ErrorType::GenericFailure);
    }

    #[tokio::test]
    async fn a_cached_token_is_served_without_resolving_the_client() {
        crate::init_tls();
        let source = TokenSource::new(reqwest::Client::new(), Arc::new(Masker::default()));
        let answer = TokenAnswer {
            access_token: "at".into(),
            refresh_token: None,
            expires_in: 3600,
        };
        source.remember("api", &answer).await;
        let token = source
            .token("api", false, || panic!("a cached token needs no client"))
            .await
            .unwrap();
        assert_eq!(token, "at");
        // `force` (after a 401) goes to the endpoint: here the client cannot be resolved.
        let err = source
            .token("api", true, || {
                Err(Failure::before_any_request("no client"))
            })
            .await
            .unwrap_err();
        assert_eq!(err.message, "no client");
    }
}
