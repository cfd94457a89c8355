//! What a `request` step sends: its frame (another connection's params, the access token when
//! headers read it), method, URL with its path segments encoded, query, headers, the
//! connection's credentials, and body, all evaluated.

use crate::failure::drop_null_fields;
use std::borrow::Cow;

use intact_expr::eval::json_text as text_of;
use intact_model::eval::Place;
use intact_model::serialize::{self, Serialization};
use intact_model::{ConnectionDef, Step, Template, Tree, template};
use serde_json::Value as J;

use super::request::Outgoing;
use super::*;

impl Runtime {
    /// The frame a request's templates see, and the OAuth 2.0 access token when it was fetched
    /// for it. A request of another connection sees that connection's params (the frame is
    /// copied only then); one whose headers read `auth.access_token` gets the token first.
    pub(super) async fn request_frame<'f, 'c>(
        &self,
        s: &Step,
        conn: &'c ConnectionDef,
        frame: &'f Frame<'c>,
    ) -> Result<(Cow<'f, Frame<'c>>, Option<String>), Failure> {
        let oauth = conn.is_oauth2();
        let reads_token = oauth
            && conn
                .headers
                .iter()
                .map(|(_, t)| t.text.as_str())
                .chain(s.exec.headers.iter().flat_map(|h| {
                    let mut ts = Vec::new();
                    h.value.templates(&mut ts);
                    ts.into_iter().map(|t| t.text.as_str())
                }))
                .any(|t| t.contains("access_token"));
        if frame.conn.is_some_and(|c| std::ptr::eq(c, conn)) && !reads_token {
            return Ok((Cow::Borrowed(frame), None));
        }
        let mut f = frame.clone();
        f.vars.insert("auth".into(), Arc::new(self.auth(conn)?));
        f.conn = Some(conn);
        let mut token = None;
        if oauth {
            let t = self.oauth_token(conn, &f, false).await?;
            if reads_token && let Some(J::Object(m)) = f.vars.get_mut("auth").map(Arc::make_mut) {
                m.insert("access_token".into(), J::String(t.clone()));
            }
            token = Some(t);
        }
        Ok((Cow::Owned(f), token))
    }

    /// The request with its method, URL, query, headers (the connection's, the step's, the
    /// credentials) and body evaluated.
    pub(super) async fn outgoing<'c>(
        &self,
        s: &Step,
        conn: &'c ConnectionDef,
        frame: &Frame<'_>,
        token: Option<String>,
        step: String,
    ) -> Result<Outgoing<'c>, Failure> {
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
        let mut query: Vec<String> = Vec::new();
        for q in &s.exec.query {
            let v = self.eval(&q.value, frame)?;
            let sent =
                serialize::query(&q.name, &v, q.style).map_err(|e| self.step_failure(s, e))?;
            query.extend(sent);
        }
        for t in &s.exec.query_objects {
            for (k, v) in self.spread(t, frame, "queries")? {
                let sent = serialize::query(&k, &v, Serialization::QUERY)
                    .map_err(|e| self.step_failure(s, e))?;
                query.extend(sent);
            }
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
        // A request's header replaces the connection's of the same name (names are
        // case-insensitive): sending both would give the API two values.
        let mut own: Vec<(String, String)> = Vec::new();
        for h in &s.exec.headers {
            let value = self.eval(&h.value, frame)?;
            own.extend(serialize::header(&value, h.explode).map(|v| (h.name.clone(), v)));
        }
        for t in &s.exec.header_objects {
            for (k, v) in self.spread(t, frame, "headers")? {
                own.extend(serialize::header(&v, false).map(|v| (k, v)));
            }
        }
        headers.retain(|(k, _)| !own.iter().any(|(o, _)| o.eq_ignore_ascii_case(k)));
        headers.extend(own);
        let (credential_headers, credential_query) = self.credentials(conn, frame)?;
        headers.extend(credential_headers);
        let credential_query: Vec<String> = credential_query
            .iter()
            .filter_map(|(k, v)| {
                serialize::query(k, &J::String(v.clone()), Serialization::QUERY)
                    .ok()
                    .flatten()
            })
            .collect();
        query.extend(credential_query.iter().cloned());
        let oauth = conn.is_oauth2();
        if oauth {
            let token = match token {
                Some(t) => t,
                None => self.oauth_token(conn, frame, false).await?,
            };
            headers.push(("Authorization".into(), format!("Bearer {token}")));
        }
        let body = match &s.exec.body {
            Some((kind, t)) => {
                let mut v = self.eval(t, frame)?;
                if s.exec.omit_null {
                    drop_null_fields(&mut v);
                }
                Some((*kind, v))
            }
            None => None,
        };
        Ok(Outgoing {
            at: self.analysis.place(s.keyword),
            step,
            conn,
            oauth,
            method,
            url,
            path,
            query,
            credential_query,
            headers,
            body,
            timeout_ms: s.exec.timeout_ms.or(conn.timeout_ms).unwrap_or(30_000),
        })
    }

    /// A connection's credentials (headers, query parameters). They depend only on its params
    /// and the tenant variables, fixed for a run: evaluated once per connection.
    fn credentials(&self, conn: &ConnectionDef, frame: &Frame<'_>) -> Result<Credentials, Failure> {
        let name = &conn.name.name;
        if let Some(c) = self.credentials.lock().unwrap().get(name) {
            return Ok(c.clone());
        }
        let (mut h, mut q) = (Vec::new(), Vec::new());
        self.authenticate(conn, frame, &mut h, &mut q)?;
        self.credentials
            .lock()
            .unwrap()
            .insert(name.clone(), (h.clone(), q.clone()));
        Ok((h, q))
    }

    /// The entries of an object (`queries`, `headers`) as name-value pairs; null values and a
    /// null object give none.
    pub(super) fn spread(
        &self,
        t: &Tree,
        frame: &Frame,
        what: &str,
    ) -> Result<Vec<(String, J)>, Failure> {
        match self.eval(t, frame)? {
            J::Null => Ok(Vec::new()),
            J::Object(m) => Ok(m.into_iter().filter(|(_, v)| !v.is_null()).collect()),
            other => Err(Failure::new(format!(
                "`{what}` takes an object of names and values, not {}",
                kind_of(&other)
            ))),
        }
    }

    /// A failure of step `s` that happens before its request is sent.
    fn step_failure(&self, s: &Step, message: String) -> Failure {
        Failure {
            step: s.name.as_ref().map(|n| n.name.clone()),
            ..Failure::new(message)
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
            // An object is no id: in a path it is almost always a mistake upstream (a whole
            // user where its id belongs), so it fails rather than becoming `k,v,k,v`.
            if let J::Object(_) = v {
                return Err(Failure {
                    step: frame
                        .step
                        .and_then(|s| s.name.as_ref())
                        .map(|n| n.name.clone()),
                    ..Failure::new(format!(
                        "`${{{}}}` in the path `{}` is an object: a path segment takes text, a number or a list",
                        seg.expr, t.text
                    ))
                });
            }
            // A list is OpenAPI's `simple` style, a path parameter's default: `a,b,c`, one
            // segment.
            let segment = if let J::Array(_) = v {
                serialize::path(seg.expr, &v, Serialization::SIMPLE).map_err(|e| Failure {
                    step: frame
                        .step
                        .and_then(|s| s.name.as_ref())
                        .map(|n| n.name.clone()),
                    ..Failure::new(format!("in the path `{}`: {e}", t.text))
                })?
            } else {
                percent_encoding::utf8_percent_encode(&text_of(&v), SEGMENT).to_string()
            };
            out.push_str(&segment);
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
