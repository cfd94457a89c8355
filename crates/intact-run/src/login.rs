//! `intact auth login`: the authorization-code grant with PKCE (RFC 7636) and a redirect to
//! 127.0.0.1 (RFC 8252). It uses the runtime (the connection, its resolved OAuth client, the
//! token source); the runtime knows nothing of it.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use intact_model::catalogue::{AuthKind, Grant};
use intact_model::{AuthDef, ConnectionDef};
use serde_json::{Map, Value as J};
use tokio::sync::{mpsc, oneshot};

use crate::failure::{ErrorType, Failure};
use crate::oauth::{Endpoint, OAuthClient, StoredTokens, TokenAnswer, unix_now};
use crate::runtime::Runtime;

/// How `intact auth login` waits for the redirect.
#[derive(Clone, Debug)]
pub struct LoginOptions {
    /// The port on 127.0.0.1 that receives the redirect; 0 takes a free one (RFC 8252 7.3).
    pub port: u16,
    /// How long to wait for the user to finish in the browser.
    pub timeout: Duration,
}

/// A finished login.
#[derive(Clone, Debug)]
pub struct LoginDone {
    pub connection: String,
    pub stored_at: PathBuf,
    pub expires_in: u64,
    pub has_refresh_token: bool,
}

fn before_request(message: String) -> Failure {
    Failure::before_any_request(message)
}

/// `intact auth login`: the authorization-code grant with PKCE. `show` receives the URL to
/// open in a browser; the redirect comes back to `http://127.0.0.1:PORT/callback`, the code
/// is exchanged, and the tokens are written to the token store.
pub async fn login(
    runtime: &Runtime,
    connection: &str,
    options: &LoginOptions,
    show: &(dyn Fn(&str) + Sync),
) -> Result<LoginDone, Failure> {
    log_in(runtime, connection, options, show)
        .await
        .map_err(|f| runtime.masked(f))
}

async fn log_in(
    runtime: &Runtime,
    connection: &str,
    options: &LoginOptions,
    show: &(dyn Fn(&str) + Sync),
) -> Result<LoginDone, Failure> {
    let (conn, auth) = authorization_code_connection(runtime, connection)?;
    let tokens = runtime.tokens();
    let store = tokens.store().ok_or_else(|| {
        before_request("there is no token store to keep the tokens in".to_string())
    })?;
    let frame = runtime.connection_frame(conn)?;
    let client = runtime.oauth_client(conn, &frame)?;
    let authorize = client.url(Endpoint::Authorize)?.to_string();
    if client.client_id.is_empty() {
        return Err(before_request(format!(
            "connection `{connection}` needs its client_id: set it under [connection.{connection}] in {}",
            runtime.env().path.display()
        )));
    }
    let (listener, port) = listen(options.port).await?;
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let state = random_token(16)?;
    let pkce = auth.pkce;
    let verifier = random_token(32)?;
    runtime.masker().add(&verifier);
    let url = authorize_url(
        connection,
        &authorize,
        &client.client_id,
        &redirect_uri,
        &state,
        &auth.scopes,
        pkce.then(|| pkce_challenge(&verifier)),
    )?;
    let mut callback = Callback::serve(listener);
    show(url.as_str());
    let Some((q, reply)) = callback.redirect(options.timeout).await else {
        callback.server.abort();
        return Err(before_request(format!(
            "no redirect reached {redirect_uri} within {} s; open the URL above in a browser, or raise --timeout",
            options.timeout.as_secs()
        )));
    };
    let result = async {
        let answer = finish_login(
            runtime,
            &client,
            &q,
            &state,
            redirect_uri,
            pkce.then_some(verifier),
        )
        .await?;
        let stored = StoredTokens {
            access_token: answer.access_token.clone(),
            refresh_token: answer.refresh_token.clone(),
            expires_at: unix_now() + answer.expires_in,
        };
        let path = store.save(connection, &stored).map_err(before_request)?;
        Ok::<_, Failure>((answer, stored, path))
    }
    .await;
    let _ = reply.send(
        result
            .as_ref()
            .map(|_| ())
            .map_err(|f| runtime.masker().mask(&f.message)),
    );
    callback.stop().await;
    let (answer, stored, path) = result?;
    tokens.remember(connection, &answer).await;
    Ok(LoginDone {
        connection: connection.to_string(),
        stored_at: path,
        expires_in: answer.expires_in,
        has_refresh_token: stored.refresh_token.is_some(),
    })
}

/// The connection named `connection` and its auth, which must be OAuth 2.0 with the
/// authorization-code grant: anything else has nothing to log in to.
fn authorization_code_connection<'r>(
    runtime: &'r Runtime,
    connection: &str,
) -> Result<(&'r ConnectionDef, &'r AuthDef), Failure> {
    let conn = runtime
        .connection(Some(connection))
        .ok_or_else(|| before_request(format!("no connection named `{connection}`")))?;
    let auth = conn
        .auth
        .as_ref()
        .filter(|a| a.form == AuthKind::OAuth2 && a.grant == Some(Grant::AuthorizationCode))
        .ok_or_else(|| {
            before_request(format!(
                "connection `{connection}` does not use the OAuth 2.0 authorization-code grant, so there is nothing to log in to; `intact ping {connection}` checks its credentials"
            ))
        })?;
    Ok((conn, auth))
}

/// A listener on 127.0.0.1 for the redirect, and its port (a free one for port 0).
async fn listen(port: u16) -> Result<(tokio::net::TcpListener, u16), Failure> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| {
            before_request(format!(
                "cannot listen on 127.0.0.1:{port} for the redirect: {e}; choose another with --port"
            ))
        })?;
    let port = listener
        .local_addr()
        .map_err(|e| before_request(e.to_string()))?
        .port();
    Ok((listener, port))
}

/// The URL the browser opens: the authorize endpoint with the client, the redirect, `state`,
/// the scopes and, with PKCE, the code challenge.
fn authorize_url(
    connection: &str,
    authorize: &str,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    scopes: &[String],
    code_challenge: Option<String>,
) -> Result<reqwest::Url, Failure> {
    let mut url = reqwest::Url::parse(authorize).map_err(|e| {
        before_request(format!(
            "the authorize-url of `{connection}` ({authorize}) is not a URL: {e}"
        ))
    })?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", state);
        if !scopes.is_empty() {
            q.append_pair("scope", &scopes.join(" "));
        }
        if let Some(challenge) = code_challenge {
            q.append_pair("code_challenge", &challenge)
                .append_pair("code_challenge_method", "S256");
        }
    }
    Ok(url)
}

/// A redirect's query, and where the login's outcome goes for the browser's page to say.
type Redirect = (Map<String, J>, oneshot::Sender<Result<(), String>>);

/// The server on 127.0.0.1 that the browser is redirected to.
struct Callback {
    redirects: mpsc::Receiver<Redirect>,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<()>,
}

impl Callback {
    fn serve(listener: tokio::net::TcpListener) -> Callback {
        let (tx, redirects) = mpsc::channel::<Redirect>(1);
        let app = axum::Router::new().route(
            "/callback",
            axum::routing::get(
                move |axum::extract::Query(q): axum::extract::Query<Map<String, J>>| {
                    callback_page(tx.clone(), q)
                },
            ),
        );
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Callback {
            redirects,
            stop,
            server,
        }
    }

    /// The first redirect, or `None` when none comes within `timeout`.
    async fn redirect(&mut self, timeout: Duration) -> Option<Redirect> {
        tokio::time::timeout(timeout, self.redirects.recv())
            .await
            .ok()
            .flatten()
    }

    /// Lets the page reach the browser, then stops listening; a browser that keeps its
    /// connection open does not hold the command.
    async fn stop(self) {
        let _ = self.stop.send(());
        let mut server = self.server;
        if tokio::time::timeout(Duration::from_secs(2), &mut server)
            .await
            .is_err()
        {
            server.abort();
        }
    }
}

/// The browser's page for a redirect: it waits for the outcome (state, code, token exchange),
/// so that it never says "Logged in" for a login the terminal reports as failed.
async fn callback_page(
    tx: mpsc::Sender<Redirect>,
    q: Map<String, J>,
) -> axum::response::Html<String> {
    let (done, outcome) = oneshot::channel();
    let page = if tx.send((q, done)).await.is_err() {
        "This login is over; run `intact auth login` again.".to_string()
    } else {
        match outcome.await {
            Ok(Ok(())) => {
                "Logged in. You can close this tab and go back to the terminal.".to_string()
            }
            Ok(Err(why)) => format!("The login failed: {why}"),
            Err(_) => "The login failed; see the terminal.".to_string(),
        }
    };
    let page = page
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    axum::response::Html(format!("<!doctype html><title>intact</title><p>{page}</p>"))
}

/// The redirect's answer: its state and code checked, the code exchanged for tokens.
async fn finish_login(
    runtime: &Runtime,
    client: &OAuthClient,
    q: &Map<String, J>,
    state: &str,
    redirect_uri: String,
    verifier: Option<String>,
) -> Result<TokenAnswer, Failure> {
    let field = |k: &str| q.get(k).and_then(J::as_str).unwrap_or("").to_string();
    if q.contains_key("error") {
        return Err(Failure {
            error_type: ErrorType::InvalidCredentials,
            ..Failure::before_any_request(runtime.masker().mask(&format!(
                "the authorization server refused the login: {} {}",
                field("error"),
                field("error_description")
            )))
        });
    }
    if field("state") != state {
        return Err(before_request(
            "the redirect's state does not match this login (a stale or forged redirect); run `intact auth login` again".into(),
        ));
    }
    let code = field("code");
    if code.is_empty() {
        return Err(before_request(
            "the redirect carries no authorization code".into(),
        ));
    }
    runtime.masker().add(&code);
    let mut form = vec![
        ("grant_type".to_string(), "authorization_code".to_string()),
        ("code".to_string(), code),
        ("redirect_uri".to_string(), redirect_uri),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier".into(), v));
    }
    runtime
        .tokens()
        .request(client, form, Endpoint::Token)
        .await
}

/// `n` random bytes from the operating system, base64url without padding (PKCE verifiers and
/// `state`: RFC 7636 wants 43 to 128 characters of that alphabet for the verifier).
fn random_token(n: usize) -> Result<String, Failure> {
    use ring::rand::SecureRandom;
    let mut bytes = vec![0u8; n];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| before_request("the system has no source of random bytes".into()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The S256 code challenge of a PKCE verifier.
fn pkce_challenge(verifier: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn random_tokens_are_url_safe_and_long_enough() {
        let t = random_token(32).unwrap();
        assert_eq!(t.len(), 43);
        assert!(
            t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(t, random_token(32).unwrap());
    }
}
