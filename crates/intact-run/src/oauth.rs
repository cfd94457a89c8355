//! OAuth 2.0 for `auth "oauth2"` connections: access tokens by client credentials or by a refresh
//! token (authorization code), the `intact auth login` flow (authorization code with PKCE and a
//! redirect to 127.0.0.1), and the token store in the user's cache folder.
//!
//! Every token and secret met here is registered with the masker before anything that could print
//! it runs; the store is the only place tokens are written.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use intact_expr::eval::json_text as text_of;
use intact_model::catalogue::{AuthKind, Grant};
use intact_model::{ConnectionDef, Tree};
use serde_json::{Map, Value as J, json};

use crate::runtime::{ErrorType, Failure, Frame, Runtime, root_cause};

/// A token is renewed when it has less than this left, so a request never leaves with a token
/// that expires on the way.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

/// Tokens of one project and environment, one owner-only JSON file per connection.
#[derive(Clone, Debug)]
pub struct TokenStore {
    dir: PathBuf,
}

/// What the store keeps of a connection's tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredTokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// Seconds since the Unix epoch.
    pub expires_at: u64,
}

impl TokenStore {
    /// A store in `dir` (tests, or a folder the caller chose).
    pub fn at(dir: impl Into<PathBuf>) -> TokenStore {
        TokenStore { dir: dir.into() }
    }

    /// The user's store for the project at `root` and environment `env`:
    /// `$INTACT_CACHE_DIR` or the platform's cache folder (`$XDG_CACHE_HOME`, `~/.cache`,
    /// `~/Library/Caches`, `%LOCALAPPDATA%`), then `intact/tokens/<project>-<hash>/<env>`.
    pub fn user(root: &Path, env: &str) -> Result<TokenStore, String> {
        let base = intact_model::project::cache_root()
            .ok_or("cannot find the user's cache folder; set INTACT_CACHE_DIR")?;
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let stem: String = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        // Two checkouts of one project are different projects: their tokens may be for
        // different tenants. The hash keeps the folder name short and stable.
        let project = format!("{stem}-{:016x}", fnv1a(root.to_string_lossy().as_bytes()));
        Ok(TokenStore {
            dir: base.join("tokens").join(project).join(env),
        })
    }

    /// The file that holds a connection's tokens.
    pub fn path(&self, connection: &str) -> PathBuf {
        self.dir.join(format!("{connection}.json"))
    }

    /// The stored tokens of a connection; `None` when there are none or the file is unreadable
    /// (a damaged cache is a reason to log in again, not to stop).
    pub fn load(&self, connection: &str) -> Option<StoredTokens> {
        let path = self.path(connection);
        // A file written by an older intact, or copied in, may be readable by others: it holds
        // tokens, so it is made owner-only before it is read.
        tighten(&self.dir, &path);
        let text = std::fs::read_to_string(&path).ok()?;
        let v: J = serde_json::from_str(&text).ok()?;
        Some(StoredTokens {
            access_token: v.get("access_token")?.as_str()?.to_string(),
            refresh_token: v
                .get("refresh_token")
                .and_then(J::as_str)
                .map(str::to_string),
            expires_at: v.get("expires_at").and_then(J::as_u64).unwrap_or(0),
        })
    }

    /// Writes a connection's tokens: folders 0700 and the file 0600 on Unix, written to a
    /// temporary file and renamed so a reader never sees half a file.
    pub fn save(&self, connection: &str, tokens: &StoredTokens) -> Result<PathBuf, String> {
        let path = self.path(connection);
        create_private_dir(&self.dir)
            .map_err(|e| format!("cannot create {}: {e}", self.dir.display()))?;
        let text = serde_json::to_string_pretty(&json!({
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expires_at": tokens.expires_at,
        }))
        .unwrap_or_default();
        // A name of its own per write: tests running live in parallel may refresh at once.
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = self
            .dir
            .join(format!(".{connection}.{}.{n}.tmp", std::process::id()));
        write_private(&tmp, text.as_bytes())
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path)
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    // `recursive` leaves an existing folder as it was; the leaf holds tokens, so tighten it.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// Makes an existing token file `0600` and its folder `0700` when they are looser.
#[cfg(unix)]
fn tighten(dir: &Path, file: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for (p, mode) in [(dir, 0o700), (file, 0o600)] {
        if let Ok(meta) = std::fs::metadata(p)
            && meta.permissions().mode() & 0o777 != mode
        {
            let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
        }
    }
}

#[cfg(not(unix))]
fn tighten(_: &Path, _: &Path) {}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    // The user's cache folder is already private to the user on Windows.
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// FNV-1a, 64 bits: a hash that stays the same across Rust versions (std's does not promise to).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// What a token endpoint answered.
struct TokenAnswer {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: u64,
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

/// Which OAuth 2.0 endpoint a request goes to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Token,
    /// `refresh-url` when the connection has one, else `token-url`.
    Refresh,
    /// Where `intact auth login` sends the browser.
    Authorize,
}

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
    Failure {
        before_any_request: true,
        ..Failure::new(message)
    }
}

impl Runtime {
    /// An OAuth 2.0 access token for the connection: from memory or the token store while it has
    /// more than 30 s left, else a new one (client credentials, or the refresh token of an
    /// authorization-code connection). `force` skips the caches (after a 401).
    pub(crate) async fn oauth_token(
        &self,
        conn: &ConnectionDef,
        frame: &Frame<'_>,
        force: bool,
    ) -> Result<String, Failure> {
        let Some(auth) = conn.auth.as_ref() else {
            return Err(Failure::new(format!(
                "connection `{}` has no auth",
                conn.name.name
            )));
        };
        let name = &conn.name.name;
        let mut tokens = self.tokens.lock().await;
        if !force
            && let Some((token, expiry)) = tokens.get(name)
            && *expiry > Instant::now() + EXPIRY_MARGIN
        {
            return Ok(token.clone());
        }
        let stored = self.token_store.as_ref().and_then(|s| s.load(name));
        if let Some(st) = &stored {
            self.masker.add(&st.access_token);
            if let Some(r) = &st.refresh_token {
                self.masker.add(r);
            }
            let left = st.expires_at.saturating_sub(unix_now());
            if !force && Duration::from_secs(left) > EXPIRY_MARGIN {
                tokens.insert(
                    name.clone(),
                    (
                        st.access_token.clone(),
                        Instant::now() + Duration::from_secs(left),
                    ),
                );
                return Ok(st.access_token.clone());
            }
        }
        let (answer, used_refresh) = match auth.grant() {
            Some(Grant::ClientCredentials) => {
                let mut form = vec![("grant_type".to_string(), "client_credentials".to_string())];
                if !auth.scopes.is_empty() {
                    form.push(("scope".into(), auth.scopes.join(" ")));
                }
                (
                    self.token_request(conn, frame, form, Endpoint::Token)
                        .await?,
                    None,
                )
            }
            Some(Grant::AuthorizationCode) => self.refresh(conn, frame, stored.as_ref()).await?,
            None => {
                let other = auth.setting("grant").map_or("", |t| t.text.as_str());
                return Err(before_request(format!(
                    "connection `{name}` uses the OAuth 2.0 grant `{other}`, which intact does not run; use client-credentials or authorization-code"
                )));
            }
        };
        let refresh_token = answer.refresh_token.clone().or(used_refresh);
        if let Some(store) = &self.token_store {
            let saved = StoredTokens {
                access_token: answer.access_token.clone(),
                refresh_token,
                expires_at: unix_now() + answer.expires_in,
            };
            if let Err(e) = store.save(name, &saved) {
                // The run can go on with the token in memory; say why the next one will ask again.
                self.trace(format_args!("the token of `{name}` was not stored: {e}"));
            }
        }
        tokens.insert(
            name.clone(),
            (
                answer.access_token.clone(),
                Instant::now() + Duration::from_secs(answer.expires_in),
            ),
        );
        Ok(answer.access_token)
    }

    /// A new access token from a refresh token: the stored one (it may have been rotated since
    /// the environment's was issued), then the environment's `refresh_token` (headless CI).
    async fn refresh(
        &self,
        conn: &ConnectionDef,
        frame: &Frame<'_>,
        stored: Option<&StoredTokens>,
    ) -> Result<(TokenAnswer, Option<String>), Failure> {
        let name = &conn.name.name;
        let mut candidates: Vec<String> = Vec::new();
        if let Some(r) = stored.and_then(|s| s.refresh_token.clone()) {
            candidates.push(r);
        }
        let from_env = self
            .env
            .connections
            .get(name)
            .and_then(|c| c.params.get("refresh_token"))
            .cloned();
        if let Some(r) = from_env {
            self.masker.add(&r);
            if !candidates.contains(&r) {
                candidates.push(r);
            }
        }
        let env_file = self.env.path.display().to_string();
        let login_hint = format!(
            "run `intact auth login {name} --env {}`, or set `refresh_token = {{ env = \"VAR\" }}` under [connection.{name}] in {env_file} for headless runs",
            self.env.name
        );
        if candidates.is_empty() {
            return Err(before_request(format!(
                "connection `{name}` uses the authorization-code grant and has no token yet: {login_hint}"
            )));
        }
        let mut last = None;
        for refresh_token in candidates {
            let form = vec![
                ("grant_type".to_string(), "refresh_token".to_string()),
                ("refresh_token".to_string(), refresh_token.clone()),
            ];
            match self
                .token_request(conn, frame, form, Endpoint::Refresh)
                .await
            {
                Ok(answer) => return Ok((answer, Some(refresh_token))),
                Err(f) => last = Some(f),
            }
        }
        let mut f = last.expect("at least one refresh token was tried");
        f.message = format!("{}; the refresh token was refused: {login_hint}", f.message);
        Err(f)
    }

    /// One request to the token endpoint with the client's authentication
    /// (client_secret_basic by default, client_secret_post with `client-auth "post"`, only the
    /// client id for a public client without a secret).
    async fn token_request(
        &self,
        conn: &ConnectionDef,
        frame: &Frame<'_>,
        mut form: Vec<(String, String)>,
        endpoint: Endpoint,
    ) -> Result<TokenAnswer, Failure> {
        let auth = conn.auth.as_ref().expect("an oauth2 connection");
        let url = self.oauth_url(conn, frame, endpoint)?;
        // Every token request carries the `token-param`s: the grant, the code exchange and a
        // refresh alike (an `audience` the provider wants each time).
        for (k, t) in &auth.token_params {
            form.push((
                k.clone(),
                text_of(&self.eval(&Tree::Template(t.clone()), frame)?),
            ));
        }
        let params = &frame.vars["auth"];
        let param = |k: &str| params.get(k).and_then(J::as_str).unwrap_or("").to_string();
        let (client_id, client_secret) = (param("client_id"), param("client_secret"));
        self.masker.add(&client_secret);
        let post = auth
            .setting("client-auth")
            .is_some_and(|t| t.text == "post");
        let mut rb = self
            .client
            .post(&url)
            .timeout(Duration::from_secs(30))
            .header("Accept", "application/json");
        if client_secret.is_empty() {
            form.push(("client_id".into(), client_id));
        } else if post {
            form.push(("client_id".into(), client_id));
            form.push(("client_secret".into(), client_secret));
        } else {
            let basic = base64::engine::general_purpose::STANDARD
                .encode(format!("{client_id}:{client_secret}"));
            self.masker.add(&basic);
            rb = rb.header("Authorization", format!("Basic {basic}"));
        }
        for (k, v) in &form {
            if k == "refresh_token" || k == "code" || k == "code_verifier" {
                self.masker.add(v);
            }
        }
        let resp = rb.form(&form).send().await.map_err(|e| {
            Failure::new(format!(
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

    /// The token, refresh or authorize URL: the environment's override, else the connection's.
    fn oauth_url(
        &self,
        conn: &ConnectionDef,
        frame: &Frame<'_>,
        endpoint: Endpoint,
    ) -> Result<String, Failure> {
        let auth = conn.auth.as_ref().expect("an oauth2 connection");
        let env = self.env.connections.get(&conn.name.name);
        let written = |k: &str| auth.setting(k);
        // Each endpoint: the environment's override, else the project's setting; a refresh goes
        // to `refresh-url` (overridden or written) when there is one, else where tokens come from.
        let (overridden, setting, name) = match endpoint {
            Endpoint::Authorize => (
                env.and_then(|c| c.authorize_url.clone()),
                written("authorize-url"),
                "authorize-url",
            ),
            Endpoint::Token => (
                env.and_then(|c| c.token_url.clone()),
                written("token-url"),
                "token-url",
            ),
            Endpoint::Refresh => match (
                env.and_then(|c| c.refresh_url.clone()),
                written("refresh-url"),
            ) {
                (None, None) => (
                    env.and_then(|c| c.token_url.clone()),
                    written("token-url"),
                    "token-url",
                ),
                (o, t) => (o, t, "refresh-url"),
            },
        };
        let url = match (overridden, setting) {
            (Some(u), _) => u,
            (None, Some(t)) => text_of(&self.eval(&Tree::Template(t.clone()), frame)?),
            (None, None) => {
                return Err(before_request(format!(
                    "connection `{}` has no {name}",
                    conn.name.name
                )));
            }
        };
        crate::runtime::secure_url(&url, conn, name)?;
        Ok(url)
    }

    /// `intact auth login`: the authorization-code grant with PKCE. `show` receives the URL to
    /// open in a browser; the redirect comes back to `http://127.0.0.1:PORT/callback`, the code
    /// is exchanged, and the tokens are written to the token store.
    pub async fn login(
        &self,
        connection: &str,
        options: &LoginOptions,
        show: &(dyn Fn(&str) + Sync),
    ) -> Result<LoginDone, Failure> {
        let conn = self
            .connection(Some(connection))
            .ok_or_else(|| before_request(format!("no connection named `{connection}`")))?;
        let auth = conn
            .auth
            .as_ref()
            .filter(|a| a.form == AuthKind::OAuth2 && a.grant() == Some(Grant::AuthorizationCode))
            .ok_or_else(|| {
                before_request(format!(
                    "connection `{connection}` does not use the OAuth 2.0 authorization-code grant, so there is nothing to log in to; `intact ping {connection}` checks its credentials"
                ))
            })?;
        let store = self.token_store.as_ref().ok_or_else(|| {
            before_request("there is no token store to keep the tokens in".to_string())
        })?;
        let frame = self.connection_frame(conn)?;
        let authorize = self.oauth_url(conn, &frame, Endpoint::Authorize)?;
        let client_id = frame.vars["auth"]
            .get("client_id")
            .and_then(J::as_str)
            .unwrap_or("")
            .to_string();
        if client_id.is_empty() {
            return Err(before_request(format!(
                "connection `{connection}` needs its client_id: set it under [connection.{connection}] in {}",
                self.env.path.display()
            )));
        }
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
            .await
            .map_err(|e| {
                before_request(format!(
                    "cannot listen on 127.0.0.1:{} for the redirect: {e}; choose another with --port",
                    options.port
                ))
            })?;
        let port = listener
            .local_addr()
            .map_err(|e| before_request(e.to_string()))?
            .port();
        let redirect_uri = format!("http://127.0.0.1:{port}/callback");
        let state = random_token(16)?;
        let pkce = auth.setting("pkce").is_none_or(|t| t.text != "false");
        let verifier = random_token(32)?;
        self.masker.add(&verifier);
        let mut url = reqwest::Url::parse(&authorize).map_err(|e| {
            before_request(format!(
                "the authorize-url of `{connection}` ({authorize}) is not a URL: {e}"
            ))
        })?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &client_id)
                .append_pair("redirect_uri", &redirect_uri)
                .append_pair("state", &state);
            if !auth.scopes.is_empty() {
                q.append_pair("scope", &auth.scopes.join(" "));
            }
            if pkce {
                q.append_pair("code_challenge", &pkce_challenge(&verifier))
                    .append_pair("code_challenge_method", "S256");
            }
        }
        // The browser's page waits for the outcome (state, code, token exchange), so that it
        // never says "Logged in" for a login the terminal reports as failed.
        type Outcome = tokio::sync::oneshot::Sender<Result<(), String>>;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<(Map<String, J>, Outcome)>(1);
        let app = axum::Router::new().route(
            "/callback",
            axum::routing::get(
                move |axum::extract::Query(q): axum::extract::Query<Map<String, J>>| {
                    let tx = tx.clone();
                    async move {
                        let (done, outcome) = tokio::sync::oneshot::channel();
                        let page = if tx.send((q, done)).await.is_err() {
                            "This login is over; run `intact auth login` again.".to_string()
                        } else {
                            match outcome.await {
                                Ok(Ok(())) => {
                                    "Logged in. You can close this tab and go back to the terminal."
                                        .to_string()
                                }
                                Ok(Err(why)) => format!("The login failed: {why}"),
                                Err(_) => "The login failed; see the terminal.".to_string(),
                            }
                        };
                        let page = page
                            .replace('&', "&amp;")
                            .replace('<', "&lt;")
                            .replace('>', "&gt;");
                        axum::response::Html(format!(
                            "<!doctype html><title>intact</title><p>{page}</p>"
                        ))
                    }
                },
            ),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        show(url.as_str());
        let answer = tokio::time::timeout(options.timeout, rx.recv()).await;
        let (q, outcome) = match answer {
            Ok(Some(q)) => q,
            _ => {
                server.abort();
                return Err(before_request(format!(
                    "no redirect reached {redirect_uri} within {} s; open the URL above in a browser, or raise --timeout",
                    options.timeout.as_secs()
                )));
            }
        };
        let result = async {
            let answer = self
                .finish_login(
                    conn,
                    &frame,
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
        let _ = outcome.send(result.as_ref().map(|_| ()).map_err(|f| f.message.clone()));
        // Let the page reach the browser, then stop listening; a browser that keeps its
        // connection open does not hold the command.
        let _ = stop.send(());
        let mut server = server;
        if tokio::time::timeout(Duration::from_secs(2), &mut server)
            .await
            .is_err()
        {
            server.abort();
        }
        let (answer, stored, path) = result?;
        self.tokens.lock().await.insert(
            connection.to_string(),
            (
                answer.access_token,
                Instant::now() + Duration::from_secs(answer.expires_in),
            ),
        );
        Ok(LoginDone {
            connection: connection.to_string(),
            stored_at: path,
            expires_in: answer.expires_in,
            has_refresh_token: stored.refresh_token.is_some(),
        })
    }

    /// The redirect's answer: its state and code checked, the code exchanged for tokens.
    async fn finish_login(
        &self,
        conn: &ConnectionDef,
        frame: &Frame<'_>,
        q: &Map<String, J>,
        state: &str,
        redirect_uri: String,
        verifier: Option<String>,
    ) -> Result<TokenAnswer, Failure> {
        let field = |k: &str| q.get(k).and_then(J::as_str).unwrap_or("").to_string();
        if q.contains_key("error") {
            return Err(Failure {
                error_type: ErrorType::InvalidCredentials,
                before_any_request: true,
                ..Failure::new(self.masker.mask(&format!(
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
        self.masker.add(&code);
        let mut form = vec![
            ("grant_type".to_string(), "authorization_code".to_string()),
            ("code".to_string(), code),
            ("redirect_uri".to_string(), redirect_uri),
        ];
        if let Some(v) = verifier {
            form.push(("code_verifier".into(), v));
        }
        self.token_request(conn, frame, form, Endpoint::Token).await
    }
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

    #[cfg(unix)]
    #[test]
    fn the_store_is_owner_only_and_round_trips() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::at(dir.path().join("a/b"));
        assert_eq!(store.load("api"), None);
        let t = StoredTokens {
            access_token: "at".into(),
            refresh_token: Some("rt".into()),
            expires_at: 42,
        };
        let path = store.save("api", &t).unwrap();
        assert_eq!(store.load("api"), Some(t));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
        // A loose file left by someone else is tightened when it is read.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(
            dir.path().join("a/b"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        assert!(store.load("api").is_some());
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
        std::fs::write(&path, "not json").unwrap();
        assert_eq!(store.load("api"), None, "a damaged file reads as no tokens");
    }

    #[test]
    fn user_stores_differ_by_project_and_environment() {
        let a = TokenStore::user(Path::new("/work/a/acme"), "dev").unwrap();
        let b = TokenStore::user(Path::new("/work/b/acme"), "dev").unwrap();
        let c = TokenStore::user(Path::new("/work/a/acme"), "prod").unwrap();
        assert_ne!(a.path("x"), b.path("x"));
        assert_ne!(a.path("x"), c.path("x"));
        assert!(a.path("x").to_string_lossy().contains("acme-"));
    }
}
