//! OAuth 2.0 authorization code end to end: `intact auth login` against a real
//! `oauth2-mock-server` (npm; `bash tests/run.sh` installs it and sets INTACT_OAUTH2_MOCK_SERVER),
//! with PKCE checked by that server, the redirect received on 127.0.0.1, the tokens stored
//! owner-only; then `intact run` with the stored token, a refresh when it has expired, a refresh
//! and retry on a 401, a headless run from a refresh token in the environment, and logout.
//! Every output is searched for every secret and token.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::Value;

const CLIENT_SECRET: &str = "cs-5f0e-client-secret";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_oauth_server() -> (Server, u16) {
    let bin = std::env::var("INTACT_OAUTH2_MOCK_SERVER").unwrap_or_else(|_| {
        panic!(
            "this test needs a real OAuth 2.0 server: run `bash tests/run.sh`, which installs oauth2-mock-server \
             into target/test-node and sets INTACT_OAUTH2_MOCK_SERVER, or `npm install oauth2-mock-server@8.2.3` \
             and set INTACT_OAUTH2_MOCK_SERVER to node_modules/.bin/oauth2-mock-server"
        )
    });
    let port = free_port();
    let child = Command::new(&bin)
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
    let server = Server(child);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "oauth2-mock-server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    (server, port)
}

/// The vendor's API: `GET /me` answers the bearer token it received, unless it was revoked.
#[derive(Clone, Default)]
struct Api {
    seen: Arc<Mutex<Vec<String>>>,
    revoked: Arc<Mutex<HashSet<String>>>,
}

fn start_api(api: Api) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut reader = BufReader::new(s.try_clone().unwrap());
            let mut token = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line
                    .to_ascii_lowercase()
                    .strip_prefix("authorization: bearer ")
                {
                    // Keep the token's own case.
                    token = line.trim_end()[line.len() - v.len()..].trim().to_string();
                }
            }
            api.seen.lock().unwrap().push(token.clone());
            let (status, body) = if token.is_empty() || api.revoked.lock().unwrap().contains(&token)
            {
                (
                    "401 Unauthorized",
                    r#"{"error":"invalid_token"}"#.to_string(),
                )
            } else {
                ("200 OK", serde_json::json!({ "token": token }).to_string())
            };
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}")
}

/// A browser, as far as the login needs one: a GET that reports the status and headers.
fn http_get(url: &str) -> (u16, Vec<(String, String)>) {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut s = TcpStream::connect(host).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let mut lines = text.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers)
}

fn project(api: &str, oauth_port: u16) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("env")).unwrap();
    std::fs::write(
        dir.path().join("intact.kdl"),
        r#"project "p" {
    display-name "P"
}
connection "acme" {
    base-url "https://api.acme.example"
    auth "oauth2" {
        grant "authorization-code"
        authorize-url "https://login.acme.example/authorize"
        token-url "https://login.acme.example/token"
        scope "users:read" "offline_access"
        pkce #true
    }
}
connection "other" {
    base-url "https://api.other.example"
    auth "bearer"
}
flow "me" connection="acme" {
    request "me" "GET" "/me"
    return "${steps.me.body.token}"
}
"#,
    )
    .unwrap();
    let common = format!(
        "base-url = \"{api}\"\nauthorize-url = \"http://127.0.0.1:{oauth_port}/authorize\"\ntoken-url = \"http://127.0.0.1:{oauth_port}/token\"\nclient_id = \"intact-cli\"\nclient_secret = {{ env = \"ACME_CLIENT_SECRET\" }}\n"
    );
    // Another connection whose secret is not set: commands on `acme` must not need it.
    std::fs::write(
        dir.path().join("env/dev.toml"),
        format!("[connection.acme]\n{common}[connection.other]\ntoken = {{ env = \"OTHER_TOKEN_NEVER_SET\" }}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("env/ci.toml"),
        format!("[connection.acme]\n{common}refresh_token = {{ env = \"ACME_REFRESH_TOKEN\" }}\n"),
    )
    .unwrap();
    dir
}

fn intact(dir: &Path, cache: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_intact"));
    c.args(args)
        .current_dir(dir)
        .env("INTACT_CACHE_DIR", cache)
        .env("ACME_CLIENT_SECRET", CLIENT_SECRET)
        .env("NO_COLOR", "1");
    for (k, v) in extra_env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn token_files(cache: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![cache.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out
}

fn stored(cache: &Path) -> (PathBuf, Value) {
    let files = token_files(cache);
    assert_eq!(files.len(), 1, "one token file: {files:?}");
    let v = serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    (files[0].clone(), v)
}

#[test]
fn authorization_code_login_refresh_and_headless_runs() {
    let (_oauth, oauth_port) = start_oauth_server();
    let api = Api::default();
    let base = start_api(api.clone());
    let dir = project(&base, oauth_port);
    let cache = tempfile::tempdir().unwrap();
    let mut outputs: Vec<String> = Vec::new();

    // No token yet: the run stops before any request and says how to get one.
    let o = intact(
        dir.path(),
        cache.path(),
        &["run", "me", "--env", "dev"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("intact auth login acme --env dev") && text(&o).contains("refresh_token"),
        "{}",
        text(&o)
    );
    assert!(api.seen.lock().unwrap().is_empty());
    outputs.push(text(&o));

    // The login: the URL goes to standard error; a "browser" follows it to the redirect.
    let mut child = Command::new(env!("CARGO_BIN_EXE_intact"))
        .args([
            "auth",
            "login",
            "acme",
            "--env",
            "dev",
            "--no-browser",
            "--timeout",
            "60",
        ])
        .current_dir(dir.path())
        .env("INTACT_CACHE_DIR", cache.path())
        .env("ACME_CLIENT_SECRET", CLIENT_SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut shown = String::new();
    let url = loop {
        let mut line = String::new();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "login ended before it showed a URL: {shown}"
        );
        shown.push_str(&line);
        if let Some(u) = line
            .trim()
            .strip_prefix(&format!("http://127.0.0.1:{oauth_port}/authorize?"))
        {
            break format!("http://127.0.0.1:{oauth_port}/authorize?{u}");
        }
    };
    for part in [
        "response_type=code",
        "client_id=intact-cli",
        "code_challenge_method=S256",
        "code_challenge=",
        "state=",
        "redirect_uri=http%3A%2F%2F127.0.0.1%3A",
        "scope=users%3Aread+offline_access",
    ] {
        assert!(url.contains(part), "{part} missing from {url}");
    }
    let (status, headers) = http_get(&url);
    assert_eq!(status, 302, "the authorize endpoint redirects");
    let location = headers
        .iter()
        .find(|(k, _)| k == "location")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(location.contains("/callback?code="), "{location}");
    let (status, _) = http_get(&location);
    assert_eq!(status, 200, "the callback page");
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    shown.push_str(&rest);
    let o = child.wait_with_output().unwrap();
    let login_out = format!("{}{shown}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(o.status.code(), Some(0), "{login_out}");
    assert!(
        login_out.contains("logged in: connection `acme`"),
        "{login_out}"
    );
    assert!(login_out.contains("with a refresh token"), "{login_out}");
    outputs.push(login_out);

    let (path, tokens) = stored(cache.path());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the token file is owner-only");
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
    }
    let first = tokens["access_token"].as_str().unwrap().to_string();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(
        first.split('.').count(),
        3,
        "a JWT from the server: {first}"
    );

    // A run uses the stored token, and prints it masked.
    let o = intact(
        dir.path(),
        cache.path(),
        &["run", "me", "--env", "dev", "--trace"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(api.seen.lock().unwrap().last().unwrap(), &first);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "\"••••\"");
    outputs.push(text(&o));

    // oauth2-mock-server's tokens are JWTs whose only changing claim is `iat` in seconds: wait
    // for the next second so a new token differs from the old one.
    let next_second = || std::thread::sleep(std::time::Duration::from_millis(1100));
    // Expired: the refresh token gets a new access token, and the store keeps it.
    next_second();
    let mut expired = tokens.clone();
    expired["expires_at"] = 0.into();
    std::fs::write(&path, expired.to_string()).unwrap();
    let o = intact(
        dir.path(),
        cache.path(),
        &["run", "me", "--env", "dev", "--trace"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("(refresh_token)"), "{}", text(&o));
    let second = api.seen.lock().unwrap().last().unwrap().clone();
    assert_ne!(second, first, "a new token after the refresh");
    let (_, now) = stored(cache.path());
    assert_eq!(now["access_token"], second.as_str());
    assert!(now["expires_at"].as_u64().unwrap() > 0);
    outputs.push(text(&o));

    // The API refuses the token: one refresh and retry.
    next_second();
    api.revoked.lock().unwrap().insert(second.clone());
    let o = intact(
        dir.path(),
        cache.path(),
        &["run", "me", "--env", "dev"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let seen = api.seen.lock().unwrap().clone();
    assert_eq!(seen[seen.len() - 2], second);
    assert_ne!(seen[seen.len() - 1], second);
    outputs.push(text(&o));

    // Headless CI: no login, a refresh token from the environment.
    let ci_cache = tempfile::tempdir().unwrap();
    let o = intact(
        dir.path(),
        ci_cache.path(),
        &["run", "me", "--env", "ci", "--trace"],
        &[("ACME_REFRESH_TOKEN", &refresh)],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    outputs.push(text(&o));

    // Logout forgets the tokens; the next run asks for a login again.
    let o = intact(
        dir.path(),
        cache.path(),
        &["auth", "logout", "acme", "--env", "dev"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(token_files(cache.path()).is_empty());
    // A typo in the environment or connection is a usage error, not "no stored tokens".
    for args in [
        ["auth", "logout", "acme", "--env", "prod"],
        ["auth", "logout", "acmee", "--env", "dev"],
    ] {
        let o = intact(dir.path(), cache.path(), &args, &[]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains("there is no"), "{}", text(&o));
    }
    let o = intact(
        dir.path(),
        cache.path(),
        &["run", "me", "--env", "dev"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    // The other connection fails on its own unset variable when it is used, naming it.
    let o = intact(
        dir.path(),
        cache.path(),
        &["call", "other", "GET", "/x", "--env", "dev"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("OTHER_TOKEN_NEVER_SET") && text(&o).contains("env/dev.toml"),
        "{}",
        text(&o)
    );

    // A connection without the authorization-code grant has nothing to log in to.
    let o = intact(
        dir.path(),
        cache.path(),
        &["auth", "login", "nope", "--env", "dev"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    let seen: Vec<String> = api.seen.lock().unwrap().clone();
    let all = outputs.join("\n");
    for secret in seen
        .iter()
        .chain([&refresh, &first, &CLIENT_SECRET.to_string()])
    {
        assert!(
            !all.contains(secret.as_str()),
            "a secret leaked: {secret}\n{all}"
        );
    }
}
