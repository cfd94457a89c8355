//! The mock server of `intact test`: one axum server per run, a path prefix per test, routes
//! matched by method, path and query, what a request must carry checked, and the built-in OAuth
//! 2.0 token endpoint (`/__token`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as J, json};

/// A mocked route, evaluated for one test.
#[derive(Clone, Debug)]
pub(super) struct Route {
    pub(super) connection: String,
    pub(super) method: String,
    pub(super) path: String,
    /// Where the route is written (`tests/users.kdl:12:9`), for failures that name it.
    pub(super) place: String,
    /// Only requests with these query parameters match.
    pub(super) query: Vec<(String, String)>,
    pub(super) times: i64,
    pub(super) remaining: i64,
    pub(super) optional: bool,
    pub(super) expect_headers: Vec<(String, String)>,
    pub(super) expect_json: Option<J>,
    pub(super) expect_absent: Vec<String>,
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Option<J>,
}

#[derive(Default)]
pub(super) struct TestMocks {
    pub(super) routes: Vec<Route>,
    pub(super) problems: Vec<String>,
}

#[derive(Clone, Default)]
pub(super) struct MockState {
    pub(super) tests: Arc<Mutex<HashMap<usize, TestMocks>>>,
}

/// Every request to the mock server: the first route of its test that matches answers it, after
/// what the request must carry is checked; a request no route matches is a problem of the test.
pub(super) async fn serve_mock(
    State(state): State<MockState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((test, conn, rest)) = mock_path(&uri) else {
        return (StatusCode::NOT_FOUND, "not a mock path").into_response();
    };
    let mut tests = state.tests.lock().unwrap();
    let Some(mocks) = tests.get_mut(&test) else {
        return (StatusCode::NOT_FOUND, "no such test").into_response();
    };
    let sent_query: Vec<(String, String)> = uri
        .query()
        .map(|q| serde_urlencoded::from_str(q).unwrap_or_default())
        .unwrap_or_default();
    let same_route =
        |r: &Route| r.connection == conn && r.method == method.as_str() && r.path == rest;
    let found = mocks
        .routes
        .iter_mut()
        .find(|r| same_route(r) && r.remaining > 0 && query_matches(&r.query, &sent_query));
    if found.is_none() && rest == TOKEN_PATH && method == Method::POST {
        return token_endpoint(test, &body);
    }
    let Some(route) = found else {
        let sent = describe_query(&sent_query);
        // A route for this path that wanted another query: say what was sent and what it wanted.
        let wanted: Vec<String> = mocks
            .routes
            .iter()
            .filter(|r| same_route(r) && r.remaining > 0 && !r.query.is_empty())
            .map(|r| format!("{} ({})", describe_query(&r.query), r.place))
            .collect();
        if !wanted.is_empty() {
            mocks.problems.push(format!(
                "{method} {rest} on connection `{conn}` was sent with the query {sent}, but its mock route expects {}",
                wanted.join(" or ")
            ));
        } else {
            let header_list: Vec<String> = headers
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("")))
                .collect();
            mocks.problems.push(format!(
                "no mock route for {method} {rest} on connection `{conn}` (query: {sent}; headers: {}; body: {})",
                header_list.join(", "),
                String::from_utf8_lossy(&body)
            ));
        }
        return (
            StatusCode::NOT_IMPLEMENTED,
            "intact: no mock route matches this request",
        )
            .into_response();
    };
    route.remaining -= 1;
    let route = route.clone();
    let request = format!("{method} {rest}");
    expectations(&route, &request, &headers, &body, &mut mocks.problems);
    answer(&route)
}

/// A mock path, `/t/{test}/{connection}/{path…}`: the test's index, the connection, and the path
/// (percent-decoded) the connection's request went to.
fn mock_path(uri: &Uri) -> Option<(usize, &str, String)> {
    let mut parts = uri.path().trim_start_matches('/').splitn(4, '/');
    let (Some("t"), Some(test), Some(conn)) = (parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let rest = format!("/{}", parts.next().unwrap_or(""));
    let rest = percent_encoding::percent_decode_str(&rest)
        .decode_utf8_lossy()
        .into_owned();
    let test = test.parse::<usize>().ok()?;
    Some((test, conn, rest))
}

/// What `route` expects the request to carry (headers, JSON fields present and absent): each
/// miss is a problem of the test, named by `request` (`POST /users`).
fn expectations(
    route: &Route,
    request: &str,
    headers: &HeaderMap,
    body: &[u8],
    problems: &mut Vec<String>,
) {
    for (k, v) in &route.expect_headers {
        let got = headers
            .get(k.as_str())
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if got != v {
            problems.push(format!(
                "{request}: header `{k}` was `{got}`, expected `{v}`"
            ));
        }
    }
    // The body is read as JSON once, when something is asserted of it.
    let json_body = (!route.expect_absent.is_empty() || route.expect_json.is_some())
        .then(|| serde_json::from_slice::<J>(body));
    if let Some(Err(_)) = &json_body {
        problems.push(format!("{request}: the request body is not JSON"));
    }
    if let Some(Ok(actual)) = &json_body {
        for field in &route.expect_absent {
            if let Some(v) = field_at(actual, field) {
                problems.push(format!(
                    "{request}: the request body has `{field}` ({v}), expected no such field"
                ));
            }
        }
    }
    if let (Some(expected), Some(Ok(actual))) = (&route.expect_json, &json_body)
        && let Err(why) = subset(expected, actual, "")
    {
        problems.push(format!("{request}: the request body {why}"));
    }
}

/// The route's answer: its status, headers and body (text as it is, anything else as JSON).
fn answer(route: &Route) -> Response {
    let mut resp = match &route.body {
        Some(J::String(text)) => text.clone().into_response(),
        Some(v) => axum::Json(v.clone()).into_response(),
        None => ().into_response(),
    };
    *resp.status_mut() = StatusCode::from_u16(route.status).unwrap_or(StatusCode::OK);
    for (k, v) in &route.headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::try_from(k.as_str()),
            axum::http::HeaderValue::try_from(v.as_str()),
        ) {
            resp.headers_mut().insert(name, value);
        }
    }
    resp
}

/// Where the mock server's built-in OAuth 2.0 token endpoint answers, under a connection's prefix.
pub(super) const TOKEN_PATH: &str = "/__token";

/// The access token the built-in token endpoint issues in test `index`: `${mock.token}`.
pub(super) fn mock_access_token(index: usize) -> String {
    format!("mock-token-{index}")
}

/// The refresh token a test's authorization-code connection starts with.
pub(super) fn mock_refresh_token(index: usize) -> String {
    format!("mock-refresh-{index}")
}

/// The built-in token endpoint: client credentials and refresh tokens (RFC 6749 4.4 and 6), both
/// answered with `${mock.token}`. A test that mocks `POST /__token` itself is served by its route.
fn token_endpoint(test: usize, body: &[u8]) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let refused = |error: &str, description: String| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": error, "error_description": description})),
        )
            .into_response()
    };
    match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {}
        Some("refresh_token") => {
            let expected = mock_refresh_token(test);
            if form.get("refresh_token") != Some(&expected) {
                return refused(
                    "invalid_grant",
                    "the mock token endpoint issued another refresh token".into(),
                );
            }
        }
        other => {
            return refused(
                "unsupported_grant_type",
                format!(
                    "the mock token endpoint serves client_credentials and refresh_token, not {}",
                    other.unwrap_or("a request without grant_type")
                ),
            );
        }
    }
    axum::Json(json!({
        "access_token": mock_access_token(test),
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": mock_refresh_token(test),
    }))
    .into_response()
}

/// Whether every expected parameter was sent with its value (others may be sent too).
fn query_matches(expected: &[(String, String)], sent: &[(String, String)]) -> bool {
    expected.iter().all(|e| sent.contains(e))
}

/// A query as the user wrote it (decoded): `?email=jane@example.com&limit=2`, or "none".
pub(super) fn describe_query(q: &[(String, String)]) -> String {
    if q.is_empty() {
        return "none".into();
    }
    let pairs: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("`?{}`", pairs.join("&"))
}

/// The value at a dotted path of a JSON value.
fn field_at<'j>(v: &'j J, path: &str) -> Option<&'j J> {
    path.split('.').try_fold(v, |v, k| v.as_object()?.get(k))
}

/// Whether `expected` is contained in `actual`: every field of an expected object is there and
/// matches; lists match element by element with the same length; scalars are equal.
pub fn subset(expected: &J, actual: &J, at: &str) -> Result<(), String> {
    match (expected, actual) {
        (J::Object(e), J::Object(a)) => {
            for (k, ev) in e {
                let p = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                match a.get(k) {
                    Some(av) => subset(ev, av, &p)?,
                    None => return Err(format!("has no `{p}`")),
                }
            }
            Ok(())
        }
        (J::Array(e), J::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "`{at}` has {} element(s), expected {}",
                    a.len(),
                    e.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                subset(ev, av, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        (J::Number(e), J::Number(a)) if e.as_f64() == a.as_f64() => Ok(()),
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("`{at}` is {a}, expected {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subset_names_the_first_difference() {
        let actual = json!({"user": {"name": "Ada", "tags": ["a", "b"]}, "n": 1.0});
        assert_eq!(
            subset(&json!({"user": {"name": "Ada"}}), &actual, ""),
            Ok(())
        );
        assert_eq!(
            subset(&json!({"n": 1}), &actual, ""),
            Ok(()),
            "1 and 1.0 are one number"
        );
        assert_eq!(
            subset(&json!({"user": {"mail": "x"}}), &actual, ""),
            Err("has no `user.mail`".into())
        );
        assert_eq!(
            subset(&json!({"user": {"tags": ["a"]}}), &actual, ""),
            Err("`user.tags` has 2 element(s), expected 1".into())
        );
        assert_eq!(
            subset(&json!({"user": {"tags": ["a", "c"]}}), &actual, ""),
            Err("`user.tags[1]` is \"b\", expected \"c\"".into())
        );
    }

    #[test]
    fn queries_match_when_every_expected_pair_was_sent() {
        let q = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let sent = q(&[("limit", "2"), ("filter", "x")]);
        assert!(query_matches(&q(&[("limit", "2")]), &sent));
        assert!(!query_matches(&q(&[("limit", "3")]), &sent));
        assert_eq!(describe_query(&q(&[])), "none");
        assert_eq!(describe_query(&sent), "`?limit=2&filter=x`");
        assert_eq!(field_at(&json!({"a": {"b": 1}}), "a.b"), Some(&json!(1)));
    }

    async fn answer(test: usize, form: &str) -> (StatusCode, J) {
        let resp = token_endpoint(test, form.as_bytes());
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn the_token_endpoint_serves_its_own_refresh_token_only() {
        let (status, body) = answer(3, "grant_type=client_credentials").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["access_token"], mock_access_token(3));
        let refresh = format!(
            "grant_type=refresh_token&refresh_token={}",
            mock_refresh_token(3)
        );
        assert_eq!(answer(3, &refresh).await.0, StatusCode::OK);
        // Another test's refresh token is not this test's.
        let (status, body) = answer(4, &refresh).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "invalid_grant");
        let (_, body) = answer(3, "grant_type=password").await;
        assert_eq!(body["error"], "unsupported_grant_type");
    }
}
