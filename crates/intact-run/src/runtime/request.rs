//! One `request` step: URL, query, headers, body, sent with retries, its response read.

use std::time::Duration;

use intact_expr::eval::json_text as text_of;
use intact_model::catalogue::AuthKind;
use intact_model::eval::Place;
use intact_model::{ConnectionDef, Step, StepKind, Template, Tree, template};
use serde_json::{Map, Value as J, json};

use super::*;

impl Runtime {
    /// One HTTP request through its connection, with authentication, retries and the `expect` check.
    pub(super) async fn request(&self, s: &Step, frame: &Frame<'_>) -> Result<J, Failure> {
        let StepKind::Request(req) = &s.kind else {
            unreachable!()
        };
        let step_name = s.name.as_ref().map(|n| n.name.clone()).unwrap_or_default();
        let at = self.analysis.place(s.keyword);
        let conn = match &req.connection {
            Some(c) => self.connection(Some(&c.name)),
            None => frame.conn.or_else(|| self.connection(None)),
        }
        .ok_or_else(|| Failure::new(format!("request `{step_name}` has no connection")))?;
        let oauth = conn
            .auth
            .as_ref()
            .is_some_and(|a| a.form == AuthKind::OAuth2);
        // The access token of an OAuth 2.0 connection, fetched before the request's templates so
        // that they can read it as `auth.access_token` (a header that carries it otherwise).
        let mut token = None;
        let reads_token = oauth
            && conn
                .headers
                .iter()
                .map(|(_, t)| t.text.as_str())
                .chain(s.exec.headers.iter().flat_map(|(_, tree)| {
                    let mut ts = Vec::new();
                    tree.templates(&mut ts);
                    ts.into_iter().map(|t| t.text.as_str())
                }))
                .any(|t| t.contains("access_token"));
        // Another connection's request sees that connection's params (copy the frame only then).
        let other;
        let frame = if frame.conn.is_some_and(|c| std::ptr::eq(c, conn)) && !reads_token {
            frame
        } else {
            let mut f = frame.clone();
            f.vars.insert("auth".into(), self.auth(conn)?);
            f.conn = Some(conn);
            if oauth {
                let t = self.oauth_token(conn, &f, false).await?;
                if reads_token && let Some(J::Object(m)) = f.vars.get_mut("auth") {
                    m.insert("access_token".into(), J::String(t.clone()));
                }
                token = Some(t);
            }
            other = f;
            &other
        };
        let method = match s.exec.args.first() {
            Some(t) => text_of(&self.eval(t, frame)?),
            None => "GET".into(),
        };
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes())
            .map_err(|_| Failure::new(format!("`{method}` is not an HTTP method")))?;
        let path = match s.exec.args.get(1) {
            Some(Tree::Template(t)) => self.path(t, frame)?,
            Some(other) => text_of(&self.eval(other, frame)?),
            None => "/".into(),
        };
        let base = self.base_url(conn, frame)?;
        let url = format!("{}{}", base.trim_end_matches('/'), path);
        let mut query: Vec<(String, String)> = Vec::new();
        self.named(&s.exec.query, frame, &mut query)?;
        for t in &s.exec.query_objects {
            self.spread(t, frame, "queries", &mut query)?;
        }
        let mut headers: Vec<(String, String)> = Vec::new();
        let secrets = self.secret_params.get(&conn.name.name);
        for (k, t) in &conn.headers {
            let value = text_of(&self.eval(&Tree::Template(t.clone()), frame)?);
            // A header built around a secret (`Token ${auth.key}`) is a credential as a whole:
            // its base64 or URL-encoded form is masked too, not only the secret inside.
            if secrets.is_some_and(|n| {
                template::members(&t.text, "auth")
                    .iter()
                    .any(|(_, f)| n.iter().any(|x| x == f))
            }) {
                self.masker.add(&value);
            }
            headers.push((k.clone(), value));
        }
        self.named(&s.exec.headers, frame, &mut headers)?;
        for t in &s.exec.header_objects {
            self.spread(t, frame, "headers", &mut headers)?;
        }
        // A connection's credentials depend only on its params and the tenant variables, fixed for
        // a run: evaluate them once per connection.
        let credentials = {
            let cached = self
                .credentials
                .lock()
                .unwrap()
                .get(&conn.name.name)
                .cloned();
            match cached {
                Some(c) => c,
                None => {
                    let (mut h, mut q) = (Vec::new(), Vec::new());
                    self.authenticate(conn, frame, &mut h, &mut q)?;
                    self.credentials
                        .lock()
                        .unwrap()
                        .insert(conn.name.name.clone(), (h.clone(), q.clone()));
                    (h, q)
                }
            }
        };
        headers.extend(credentials.0);
        let credential_query = credentials.1;
        query.extend(credential_query.iter().cloned());
        if oauth {
            let token = match token {
                Some(t) => t,
                None => self.oauth_token(conn, frame, false).await?,
            };
            headers.push(("Authorization".into(), format!("Bearer {token}")));
        }
        let mut refreshed = false;
        let body = match &s.exec.body {
            Some((kind, t)) => {
                let mut v = self.eval(t, frame)?;
                if s.exec.omit_null {
                    drop_null_fields(&mut v);
                }
                Some((kind.clone(), v))
            }
            None => None,
        };
        let timeout = s.exec.timeout_ms.or(conn.timeout_ms).unwrap_or(30_000);
        let idempotent = matches!(
            method,
            reqwest::Method::GET
                | reqwest::Method::HEAD
                | reqwest::Method::PUT
                | reqwest::Method::DELETE
                | reqwest::Method::OPTIONS
        );
        let retry = RetryPolicy::of(conn);
        let mut attempt = 0u32;
        // Redirects: followed on the connection's own origin only, each hop in the trace.
        let (mut url, mut method, mut query, mut body) = (url, method, query, body);
        let origin = reqwest::Url::parse(&url).ok().map(|u| u.origin());
        let mut hops = 0;
        loop {
            attempt += 1;
            let mut rb = self
                .client
                .request(method.clone(), &url)
                .query(&query)
                .timeout(Duration::from_millis(timeout));
            for (k, v) in &headers {
                rb = rb.header(k.as_str(), v.as_str());
            }
            rb = match &body {
                Some((k, v)) if k == "json" => rb.json(v),
                Some((k, v)) if k == "form" => {
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
                Some((_, v)) => rb.body(text_of(v)),
                None => rb,
            };
            let started = std::time::Instant::now();
            let sent = rb.send().await;
            match sent {
                Err(e) => {
                    let retryable = (e.is_connect() || e.is_timeout())
                        && idempotent
                        && retry.on_connect
                        && attempt <= retry.max;
                    self.trace(format_args!(
                        "{method} {url} -> error after {:?}: {e}",
                        started.elapsed()
                    ));
                    if retryable {
                        tokio::time::sleep(retry.backoff(attempt, None)).await;
                        continue;
                    }
                    let what = if e.is_timeout() {
                        format!("timed out after {timeout} ms")
                    } else {
                        format!("could not be sent: {}", root_cause(&e))
                    };
                    let message = format!("request `{step_name}` at {at} to {url} {what}");
                    return Err(Failure {
                        step: Some(step_name),
                        ..Failure::new(message)
                    });
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    if let Some(next) = resp
                        .status()
                        .is_redirection()
                        .then(|| resp.headers().get("location"))
                        .flatten()
                        .and_then(|l| l.to_str().ok())
                        .and_then(|l| resp.url().join(l).ok())
                    {
                        if Some(next.origin()) != origin {
                            self.trace(format_args!(
                                "{method} {url} -> {status}: redirected to {next}, another host; not followed"
                            ));
                            return Err(Failure {
                                status: Some(status),
                                step: Some(step_name.clone()),
                                ..Failure::new(format!(
                                    "request `{step_name}` at {at} was redirected ({status}) to another host, {}; intact sends a connection's credentials only to its own host, so it does not follow: point the connection's base-url there if that host is the API",
                                    next.origin().ascii_serialization()
                                ))
                            });
                        }
                        hops += 1;
                        if hops > MAX_REDIRECTS {
                            return Err(Failure {
                                status: Some(status),
                                step: Some(step_name.clone()),
                                ..Failure::new(format!(
                                    "request `{step_name}` at {at} was redirected more than {MAX_REDIRECTS} times"
                                ))
                            });
                        }
                        self.trace(format_args!(
                            "{method} {url} -> {status}: redirected to {next}"
                        ));
                        // 303, and 301/302 after a POST, go on as a GET without a body (RFC 9110 15.4).
                        if status == 303
                            || (matches!(status, 301 | 302) && method == reqwest::Method::POST)
                        {
                            method = reqwest::Method::GET;
                            body = None;
                        }
                        // The new URL carries its own query; the connection's credentials go
                        // along, as they would to any URL of this host.
                        url = next.to_string();
                        query.clone_from(&credential_query);
                        attempt -= 1;
                        continue;
                    }
                    // One refresh and retry on a 401 with OAuth 2.0; a second 401 means the
                    // refreshed token is refused too.
                    if status == 401 && oauth && !refreshed {
                        refreshed = true;
                        self.trace(format_args!(
                            "{method} {url} -> 401: refreshing the access token"
                        ));
                        let stale = headers
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                            .and_then(|(_, v)| v.strip_prefix("Bearer "))
                            .map(str::to_string);
                        let token = self.oauth_token(conn, frame, true).await?;
                        headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
                        // Headers that carry `auth.access_token` get the new one too.
                        if let Some(stale) = stale.filter(|s| !s.is_empty()) {
                            for (_, v) in headers.iter_mut() {
                                *v = v.replace(&stale, &token);
                            }
                        }
                        headers.push(("Authorization".into(), format!("Bearer {token}")));
                        continue;
                    }
                    let retry_after = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(retry_after_seconds);
                    let resp_headers: Map<String, J> = resp
                        .headers()
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.as_str().to_string(),
                                J::String(v.to_str().unwrap_or("").to_string()),
                            )
                        })
                        .collect();
                    let json_body = resp_headers
                        .get("content-type")
                        .and_then(J::as_str)
                        .is_some_and(|c| c.contains("json"));
                    let limit = max_response_size(conn);
                    let bytes = read_body(resp, limit).await.map_err(|mut why| {
                        if why.starts_with("is larger") {
                            why.push_str(&format!(
                                "; raise `max-response-size` on connection `{}` if the API's answers are that large",
                                conn.name.name
                            ));
                        }
                        self.trace(format_args!("{method} {url} -> {status}: {why}"));
                        Failure {
                            step: Some(step_name.clone()),
                            status: Some(status),
                            ..Failure::new(format!("the response to `{step_name}` at {at} {why}"))
                        }
                    })?;
                    self.trace(format_args!(
                        "{method} {url} -> {status} in {:?}",
                        started.elapsed()
                    ));
                    let retryable = (status == 429 && retry.statuses.contains(&429))
                        || (status == 503
                            && retry.statuses.contains(&503)
                            && (idempotent || retry.unsafe_methods));
                    if retryable && attempt <= retry.max {
                        if let Some(wait) = retry_after.filter(|s| *s > MAX_RETRY_AFTER_SECS) {
                            // Waiting would outlast any run; the provider retries later itself.
                            self.trace(format_args!(
                                "{method} {url} -> {status}: Retry-After {wait} s is more than the {MAX_RETRY_AFTER_SECS} s intact waits; not retried"
                            ));
                            return Err(Failure {
                                error_type: ErrorType::RateLimitExceeded,
                                status: Some(status),
                                step: Some(step_name.clone()),
                                ..Failure::new(format!(
                                    "request `{step_name}` at {at} got {status} and was asked to retry after {wait} s, more than the {MAX_RETRY_AFTER_SECS} s intact waits"
                                ))
                            });
                        }
                        tokio::time::sleep(retry.backoff(attempt, retry_after)).await;
                        continue;
                    }
                    let body = if bytes.is_empty() {
                        J::Null
                    } else if json_body {
                        serde_json::from_slice(&bytes).map_err(|e| Failure {
                            step: Some(step_name.clone()),
                            status: Some(status),
                            ..Failure::new(format!(
                                "the response to `{step_name}` at {at} says it is JSON but {}",
                                intact_expr::eval::json_error(&e)
                            ))
                        })?
                    } else {
                        J::String(String::from_utf8_lossy(&bytes).into_owned())
                    };
                    let ok = if req.expect.is_empty() {
                        (200..300).contains(&status)
                    } else {
                        req.expect.iter().any(|(s, _)| *s == status as i64)
                    };
                    if !ok {
                        let request_id = conn.request_id_header.as_deref().and_then(|h| {
                            resp_headers
                                .get(&h.to_lowercase())
                                .and_then(J::as_str)
                                .map(str::to_string)
                        });
                        let summary = body
                            .get("detail")
                            .or_else(|| body.get("message"))
                            .and_then(J::as_str)
                            .map(str::to_string)
                            .unwrap_or_else(|| format!("HTTP {status}"));
                        return Err(Failure {
                            message: format!(
                                "request `{step_name}` at {at} got {status}: {summary}"
                            ),
                            error_type: if status == 401 && refreshed {
                                ErrorType::TokenExpired
                            } else {
                                ErrorType::from_status(status)
                            },
                            status: Some(status),
                            step: Some(step_name),
                            body: Some(body),
                            request_id,
                            before_any_request: false,
                        });
                    }
                    return Ok(
                        json!({"status": status, "headers": J::Object(resp_headers), "body": body}),
                    );
                }
            }
        }
    }

    /// A request's `query` or `header` children as name-value pairs. One whose value is null (an
    /// optional input not given) is not sent.
    pub(super) fn named(
        &self,
        list: &[(String, Tree)],
        frame: &Frame,
        out: &mut Vec<(String, String)>,
    ) -> Result<(), Failure> {
        for (k, t) in list {
            let v = self.eval(t, frame)?;
            if !v.is_null() {
                out.push((k.clone(), text_of(&v)));
            }
        }
        Ok(())
    }

    /// The entries of an object (`queries`, `headers`) as name-value pairs; null values and a
    /// null object give none.
    pub(super) fn spread(
        &self,
        t: &Tree,
        frame: &Frame,
        what: &str,
        out: &mut Vec<(String, String)>,
    ) -> Result<(), Failure> {
        match self.eval(t, frame)? {
            J::Null => Ok(()),
            J::Object(m) => {
                out.extend(
                    m.into_iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, v)| (k, text_of(&v))),
                );
                Ok(())
            }
            other => Err(Failure::new(format!(
                "`{what}` takes an object of names and values, not {}",
                kind_of(&other)
            ))),
        }
    }

    /// A request's path: each `${…}` is one path segment (percent-encoded, `/` included), except
    /// when the whole path is one `${…}`: then its value is a relative URL chosen at run time
    /// (the custom API action), kept as it is but for characters a URL cannot hold.
    pub(super) fn path(&self, t: &Template, frame: &Frame) -> Result<String, Failure> {
        let text = t.text.as_str();
        let segs = intact_model::template::segments(text);
        let place_of = |seg: &intact_model::template::Segment| {
            Some(Place {
                loc: t.sub_loc(seg.offset, seg.expr.len()),
                expr: seg.expr.to_string(),
            })
        };
        if let [seg] = segs.as_slice()
            && seg.offset == 2
            && seg.closed
            && seg.offset + seg.expr.len() + 1 == text.len()
        {
            let v = self.eval_text_at(text, frame, &[], place_of(seg))?;
            let url = text_of(&v);
            if !url.starts_with('/') || url.starts_with("//") {
                return Err(Failure::new(format!(
                    "the relative URL `{url}` must start with a single `/`: it is relative to the connection's base URL"
                )));
            }
            let url = percent_encoding::utf8_percent_encode(&url, RELATIVE_URL).to_string();
            return no_dot_segments(url, t, frame.step);
        }
        let mut out = String::new();
        let mut at = 0;
        for seg in segs {
            out.push_str(&text[at..seg.offset - 2].replace("$${", "${"));
            let v = self.eval_text_at(&format!("${{{}}}", seg.expr), frame, &[], place_of(&seg))?;
            // An object or a list is no id: its JSON text in a URL is a mistake upstream.
            if matches!(v, J::Object(_) | J::Array(_)) {
                return Err(Failure {
                    step: frame
                        .step
                        .and_then(|s| s.name.as_ref())
                        .map(|n| n.name.clone()),
                    ..Failure::new(format!(
                        "`${{{}}}` in the path `{}` is {}: a path segment takes text or a number",
                        seg.expr,
                        t.text,
                        kind_of(&v)
                    ))
                });
            }
            out.push_str(&percent_encoding::utf8_percent_encode(&text_of(&v), SEGMENT).to_string());
            at = seg.offset + seg.expr.len() + 1;
        }
        out.push_str(&text[at.min(text.len())..]);
        no_dot_segments(out, t, frame.step)
    }

    pub(super) fn base_url(&self, conn: &ConnectionDef, frame: &Frame) -> Result<String, Failure> {
        let url = match self
            .env
            .connections
            .get(&conn.name.name)
            .and_then(|c| c.base_url.clone())
        {
            Some(u) => u,
            None => {
                let t = conn.base_url.as_ref().ok_or_else(|| {
                    Failure::new(format!("connection `{}` has no base-url", conn.name.name))
                })?;
                text_of(&self.eval(&Tree::Template(t.clone()), frame)?)
            }
        };
        secure_url(&url, conn, "base-url")?;
        Ok(url)
    }
}
