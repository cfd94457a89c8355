//! One `request` step sent: with retries, redirects and one token refresh after a 401, its
//! response read and checked against `expect`. `outgoing.rs` builds what is sent.

use crate::failure::root_cause;
use std::time::Duration;

use intact_expr::eval::json_text as text_of;
use intact_model::{BodyKind, ConnectionDef, Request, Step, StepKind};
use serde_json::{Map, Value as J};

use super::*;

/// A request with everything evaluated, as it is (re)sent.
pub(super) struct Outgoing<'c> {
    /// The step's name and place, which failures and the trace name.
    pub(super) step: String,
    pub(super) at: String,
    pub(super) conn: &'c ConnectionDef,
    pub(super) oauth: bool,
    pub(super) method: reqwest::Method,
    pub(super) url: String,
    /// The path as built, relative to the base URL (what an operation's path is matched with).
    pub(super) path: String,
    /// The query, each parameter already serialised and percent-encoded (`ids=a&ids=b`).
    pub(super) query: Vec<String>,
    /// The query parameters that carry the connection's credentials: they follow a redirect.
    pub(super) credential_query: Vec<String>,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Option<(BodyKind, J)>,
    pub(super) timeout_ms: u64,
}

impl Outgoing<'_> {
    fn idempotent(&self) -> bool {
        matches!(
            self.method,
            reqwest::Method::GET
                | reqwest::Method::HEAD
                | reqwest::Method::PUT
                | reqwest::Method::DELETE
                | reqwest::Method::OPTIONS
        )
    }

    pub(super) fn failure(&self, message: String) -> Failure {
        Failure {
            step: Some(self.step.clone()),
            ..Failure::new(message)
        }
    }
}

/// How far the sending has come: attempts (retries count failures only), redirect hops, and
/// whether the token was refreshed after a 401.
struct Progress {
    retry: RetryPolicy,
    attempt: u32,
    hops: usize,
    refreshed: bool,
}

/// What one attempt came to.
enum Attempt {
    /// Send again (a retry, a redirect, a refreshed token).
    Again,
    Done(Result<J, Failure>),
}

impl Runtime {
    /// One HTTP request through its connection, with authentication, retries and the `expect` check.
    pub(super) async fn request(&self, s: &Step, frame: &Frame<'_>) -> Result<J, Failure> {
        let StepKind::Request(req) = &s.kind else {
            unreachable!()
        };
        let step = s.name.as_ref().map(|n| n.name.clone()).unwrap_or_default();
        let conn = match &req.connection {
            Some(c) => self.connection(Some(&c.name)),
            None => frame.conn.or_else(|| self.connection(None)),
        }
        .ok_or_else(|| Failure::new(format!("request `{step}` has no connection")))?;
        let (frame, token) = self.request_frame(s, conn, frame).await?;
        let mut out = self.outgoing(s, conn, &frame, token, step).await?;
        // What goes on the wire is judged again as reqwest will read it: a path joined to a
        // judged base URL must not move the request to another scheme or host.
        let start = reqwest::Url::parse(&out.url).ok();
        if let Some(problem) = match &start {
            Some(u) => intact_model::urls::judge_parsed(u).problem(),
            None => Some("not a valid URL".into()),
        } {
            return Err(Failure {
                kind: FailureKind::BeforeAnyRequest,
                ..out.failure(format!(
                    "request `{}` at {} was not sent to `{}`: {problem}",
                    out.step,
                    out.at,
                    out.url.escape_debug()
                ))
            });
        }
        if let Some((id, _)) = &req.operation {
            self.conform_request(id, &out)?;
        }
        let mut p = Progress {
            retry: RetryPolicy::of(conn),
            attempt: 0,
            hops: 0,
            refreshed: false,
        };
        loop {
            p.attempt += 1;
            let started = std::time::Instant::now();
            let resp = match self.send(&out).await {
                Ok(resp) => resp,
                Err(e) => {
                    self.trace(format_args!(
                        "{} {} -> error after {:?}: {e}",
                        out.method,
                        out.url,
                        started.elapsed()
                    ));
                    if (e.is_connect() || e.is_timeout())
                        && out.idempotent()
                        && p.retry.on_connect
                        && p.attempt <= p.retry.max
                    {
                        tokio::time::sleep(p.retry.backoff(p.attempt, None)).await;
                        continue;
                    }
                    let (what, kind) = if e.is_timeout() {
                        (
                            format!("timed out after {} ms", out.timeout_ms),
                            FailureKind::Run,
                        )
                    } else {
                        (
                            format!("could not be sent: {}", root_cause(&e)),
                            FailureKind::Unreachable,
                        )
                    };
                    return Err(Failure {
                        kind,
                        ..out.failure(format!(
                            "request `{}` at {} to {} {what}",
                            out.step, out.at, out.url
                        ))
                    });
                }
            };
            if let Some(next) = redirect_target(&resp) {
                p.hops += 1;
                self.follow(&mut out, &resp, next, start.as_ref(), p.hops)?;
                // A hop is not an attempt: retries count failures only.
                p.attempt -= 1;
                continue;
            }
            // One refresh and retry on a 401 with OAuth 2.0; a second 401 means the refreshed
            // token is refused too.
            if resp.status() == 401 && out.oauth && !p.refreshed {
                p.refreshed = true;
                self.refresh_token(&mut out, &frame).await?;
                continue;
            }
            match self.response(&out, req, resp, started, &p).await {
                Attempt::Again => continue,
                Attempt::Done(result) => return result,
            }
        }
    }

    /// Sends the request once.
    async fn send(&self, out: &Outgoing<'_>) -> Result<reqwest::Response, reqwest::Error> {
        let mut rb = self
            .client
            .request(out.method.clone(), with_query(&out.url, &out.query))
            .timeout(Duration::from_millis(out.timeout_ms));
        for (k, v) in &out.headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        rb = match &out.body {
            Some((BodyKind::Json, v)) => rb.json(v),
            Some((BodyKind::Form, v)) => {
                // A null field is left out, as a null `query` is: an optional input that was
                // not given sends nothing rather than `ttl=`.
                let pairs: Vec<(String, String)> = v
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .filter(|(_, v)| !v.is_null())
                            .map(|(k, v)| (k.clone(), text_of(v)))
                            .collect()
                    })
                    .unwrap_or_default();
                rb.form(&pairs)
            }
            Some((BodyKind::Text, v)) => rb.body(text_of(v)),
            None => rb,
        };
        rb.send().await
    }

    /// Follows a redirect on the origin of the first URL (`start`) only, each hop in the trace: 303, and
    /// 301/302 after a POST, go on as a GET without a body (RFC 9110 15.4). The new URL carries
    /// its own query; the connection's credentials go along, as they would to any URL of this
    /// host.
    fn follow(
        &self,
        out: &mut Outgoing<'_>,
        resp: &reqwest::Response,
        next: reqwest::Url,
        start: Option<&reqwest::Url>,
        hops: usize,
    ) -> Result<(), Failure> {
        let status = resp.status().as_u16();
        let (method, url) = (&out.method, &out.url);
        if Some(next.origin()) != start.map(reqwest::Url::origin) {
            self.trace(format_args!(
                "{method} {url} -> {status}: redirected to {next}, another host; not followed"
            ));
            return Err(Failure {
                status: Some(status),
                ..out.failure(format!(
                    "request `{}` at {} was redirected ({status}) to another host, {}; intact sends a connection's credentials only to its own host, so it does not follow: point the connection's base-url there if that host is the API",
                    out.step,
                    out.at,
                    next.origin().ascii_serialization()
                ))
            });
        }
        if hops > MAX_REDIRECTS {
            return Err(Failure {
                status: Some(status),
                ..out.failure(format!(
                    "request `{}` at {} was redirected more than {MAX_REDIRECTS} times",
                    out.step, out.at
                ))
            });
        }
        self.trace(format_args!(
            "{method} {url} -> {status}: redirected to {next}"
        ));
        if status == 303 || (matches!(status, 301 | 302) && out.method == reqwest::Method::POST) {
            out.method = reqwest::Method::GET;
            out.body = None;
        }
        out.url = next.to_string();
        out.query.clone_from(&out.credential_query);
        Ok(())
    }

    /// After a 401: a new access token, in the `Authorization` header and in every header that
    /// carried the stale one (`auth.access_token`).
    async fn refresh_token(
        &self,
        out: &mut Outgoing<'_>,
        frame: &Frame<'_>,
    ) -> Result<(), Failure> {
        self.trace(format_args!(
            "{} {} -> 401: refreshing the access token",
            out.method, out.url
        ));
        let stale = out
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .and_then(|(_, v)| v.strip_prefix("Bearer "))
            .map(str::to_string);
        let token = self.oauth_token(out.conn, frame, true).await?;
        out.headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
        if let Some(stale) = stale.filter(|s| !s.is_empty()) {
            for (_, v) in out.headers.iter_mut() {
                *v = v.replace(&stale, &token);
            }
        }
        out.headers
            .push(("Authorization".into(), format!("Bearer {token}")));
        Ok(())
    }

    /// A response that is not a redirect: its body read within the connection's limit, retried
    /// on 429/503 as the connection's policy says, else checked against `expect`.
    async fn response(
        &self,
        out: &Outgoing<'_>,
        req: &Request,
        resp: reqwest::Response,
        started: std::time::Instant,
        p: &Progress,
    ) -> Attempt {
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(retry_after_seconds);
        let headers: Map<String, J> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    J::String(v.to_str().unwrap_or("").to_string()),
                )
            })
            .collect();
        let json_body = headers
            .get("content-type")
            .and_then(J::as_str)
            .is_some_and(|c| c.contains("json"));
        let bytes = match self.read_response(out, resp, status).await {
            Ok(bytes) => bytes,
            Err(f) => return Attempt::Done(Err(f)),
        };
        // One trace line per request sent: its answer, and what intact does about it.
        let took = started.elapsed();
        if let Some(attempt) = self.retry(out, status, retry_after, took, p).await {
            return attempt;
        }
        self.trace(format_args!(
            "{} {} -> {status} in {took:?}",
            out.method, out.url
        ));
        self.record(out, status, &headers, &bytes, took);
        let body = match decode(out, status, &bytes, json_body) {
            Ok(body) => body,
            Err(f) => return Attempt::Done(Err(f)),
        };
        if json_body
            && !bytes.is_empty()
            && let Some((id, _)) = &req.operation
        {
            self.conform_response(id, out, status, &body);
        }
        let ok = if req.expect.is_empty() {
            (200..300).contains(&status)
        } else {
            req.expect.iter().any(|(s, _)| *s == status as i64)
        };
        if ok {
            return Attempt::Done(Ok(intact_model::run_values::response(
                status, headers, body,
            )));
        }
        Attempt::Done(Err(unexpected_status(out, status, &headers, body, p)))
    }

    /// The response's body, read within the connection's `max-response-size`.
    async fn read_response(
        &self,
        out: &Outgoing<'_>,
        resp: reqwest::Response,
        status: u16,
    ) -> Result<Vec<u8>, Failure> {
        match read_body(resp, max_response_size(out.conn)).await {
            Ok(bytes) => Ok(bytes),
            Err(mut why) => {
                if why.starts_with("is larger") {
                    why.push_str(&format!(
                        "; raise `max-response-size` on connection `{}` if the API's answers are that large",
                        out.conn.name.name
                    ));
                }
                self.trace(format_args!(
                    "{} {} -> {status}: {why}",
                    out.method, out.url
                ));
                Err(Failure {
                    status: Some(status),
                    ..out.failure(format!(
                        "the response to `{}` at {} {why}",
                        out.step, out.at
                    ))
                })
            }
        }
    }

    /// A 429 or 503 the retry policy retries: sent again after the wait (`Attempt::Again`), or
    /// failed when the API asks for a longer wait than intact's limit; `None` for any other
    /// answer, or when the retries are spent.
    async fn retry(
        &self,
        out: &Outgoing<'_>,
        status: u16,
        retry_after: Option<u64>,
        took: Duration,
        p: &Progress,
    ) -> Option<Attempt> {
        let (retry, attempt) = (&p.retry, p.attempt);
        let (method, url) = (&out.method, &out.url);
        let retryable = (status == 429 && retry.statuses.contains(&429))
            || (status == 503
                && retry.statuses.contains(&503)
                && (out.idempotent() || retry.unsafe_methods));
        if !retryable || attempt > retry.max {
            return None;
        }
        if let Some(wait) = retry_after.filter(|s| *s > MAX_RETRY_AFTER_SECS) {
            // Waiting would outlast any run; the provider retries later itself.
            self.trace(format_args!(
                "{method} {url} -> {status} in {took:?}: Retry-After {wait} s is more than the {MAX_RETRY_AFTER_SECS} s intact waits; not retried"
            ));
            return Some(Attempt::Done(Err(Failure {
                error_type: ErrorType::RateLimitExceeded,
                status: Some(status),
                ..out.failure(format!(
                    "request `{}` at {} got {status} and was asked to retry after {wait} s, more than the {MAX_RETRY_AFTER_SECS} s intact waits",
                    out.step, out.at
                ))
            })));
        }
        let wait = retry.backoff(attempt, retry_after);
        self.trace(format_args!(
            "{method} {url} -> {status} in {took:?}; retrying in {wait:?} (retry {attempt} of {})",
            retry.max
        ));
        tokio::time::sleep(wait).await;
        Some(Attempt::Again)
    }
}

/// The response body as JSON when it says it is JSON, else as text; `null` when empty.
fn decode(out: &Outgoing<'_>, status: u16, bytes: &[u8], json_body: bool) -> Result<J, Failure> {
    if bytes.is_empty() {
        Ok(J::Null)
    } else if json_body {
        serde_json::from_slice(bytes).map_err(|e| Failure {
            status: Some(status),
            ..out.failure(format!(
                "the response to `{}` at {} says it is JSON but {}",
                out.step,
                out.at,
                intact_expr::eval::json_error(&e)
            ))
        })
    } else {
        Ok(J::String(String::from_utf8_lossy(bytes).into_owned()))
    }
}

/// The failure of a status that `expect` (or, without it, 2xx) does not allow: the API's own
/// message, its request id, and the error type of the status (a 401 after a refresh is an
/// expired token).
fn unexpected_status(
    out: &Outgoing<'_>,
    status: u16,
    headers: &Map<String, J>,
    body: J,
    p: &Progress,
) -> Failure {
    let request_id = out.conn.request_id_header.as_deref().and_then(|h| {
        headers
            .get(&h.to_lowercase())
            .and_then(J::as_str)
            .map(str::to_string)
    });
    let summary = api_message(&body).unwrap_or_else(|| format!("HTTP {status}"));
    Failure {
        message: format!(
            "request `{}` at {} got {status}: {summary}",
            out.step, out.at
        ),
        error_type: if status == 401 && p.refreshed {
            ErrorType::TokenExpired
        } else {
            ErrorType::from_status(status)
        },
        status: Some(status),
        step: Some(out.step.clone()),
        at: None,
        body: Some(Box::new(body)),
        request_id,
        kind: FailureKind::Run,
    }
}

/// Where a redirect response points, resolved against the URL it answered.
fn redirect_target(resp: &reqwest::Response) -> Option<reqwest::Url> {
    resp.status()
        .is_redirection()
        .then(|| resp.headers().get("location"))
        .flatten()
        .and_then(|l| l.to_str().ok())
        .and_then(|l| resp.url().join(l).ok())
}

/// `url` with the serialised parameters appended to its query: they are percent-encoded already
/// (`intact_model::serialize`), so they are joined as they are rather than encoded again.
pub(super) fn with_query(url: &str, params: &[String]) -> String {
    if params.is_empty() {
        return url.to_string();
    }
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let sep = if base.contains('?') { "&" } else { "?" };
    let mut out = format!("{base}{sep}{}", params.join("&"));
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// The most a failure quotes of an API's error answer.
const MAX_API_MESSAGE: usize = 200;

/// What an API says went wrong, from the fields error bodies use (`detail`, `message`,
/// `error_description`, Okta's `errorSummary`, `title`, `error` as text or object, `errors[0]`),
/// else a text body itself; one line, at most [`MAX_API_MESSAGE`] characters. The caller masks
/// it like any message.
pub(crate) fn api_message(body: &J) -> Option<String> {
    fn find(v: &J, depth: usize) -> Option<String> {
        match v {
            // An HTML error page is no message.
            J::String(s) if !s.trim().is_empty() && !s.trim_start().starts_with('<') => {
                Some(s.clone())
            }
            J::Object(o) if depth < 3 => [
                "detail",
                "message",
                "error_description",
                "errorSummary",
                "title",
                "error",
                "errors",
                "error_message",
                "description",
            ]
            .iter()
            .find_map(|k| o.get(*k).and_then(|x| find(x, depth + 1))),
            J::Array(a) if depth < 3 => a.first().and_then(|x| find(x, depth + 1)),
            _ => None,
        }
    }
    let text = find(body, 0)?;
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MAX_API_MESSAGE {
        return Some(line);
    }
    let cut: String = line.chars().take(MAX_API_MESSAGE).collect();
    Some(format!("{cut}…"))
}

#[cfg(test)]
mod api_message_tests {
    use super::api_message;
    use serde_json::json;

    #[test]
    fn the_apis_own_words_are_quoted() {
        let cases = [
            (json!({"detail": "Token invalid"}), Some("Token invalid")),
            (
                json!({"errorCode": "E0000011", "errorSummary": "Invalid token provided"}),
                Some("Invalid token provided"),
            ),
            (
                json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
                Some("Client authentication failed"),
            ),
            (
                json!({"error": {"code": 401, "message": "Request had invalid credentials."}}),
                Some("Request had invalid credentials."),
            ),
            (
                json!({"errors": [{"message": "Not authorized\n to do this"}]}),
                Some("Not authorized to do this"),
            ),
            (
                json!("Unauthorized: bad key"),
                Some("Unauthorized: bad key"),
            ),
            (json!({"status": 401}), None),
            (json!(null), None),
        ];
        for (body, want) in cases {
            assert_eq!(api_message(&body).as_deref(), want, "{body}");
        }
        let long = api_message(&json!({"message": "x".repeat(500)})).unwrap();
        assert_eq!(long.chars().count(), 201);
    }
}
