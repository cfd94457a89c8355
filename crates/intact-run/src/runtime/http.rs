//! What requests share: safe URLs and paths, connection settings, retries, bounded bodies.

use crate::failure::root_cause;
use std::time::Duration;

use intact_model::{ConnectionDef, Step, Template};

use super::*;

/// Refuses a path with a `.` or `..` segment (also percent-encoded: URL parsers resolve `%2E%2E`
/// too), which would send the request to another resource than the one written: an id of `..`
/// in `/groups/${g}/members/${u}` would reach `/groups/g1/`. No encoding keeps such a segment one
/// segment, so the step fails before anything is sent.
pub(super) fn no_dot_segments(
    path: String,
    t: &Template,
    step: Option<&Step>,
) -> Result<String, Failure> {
    let end = path.find(['?', '#']).unwrap_or(path.len());
    let dots = path[..end].split('/').any(|seg| {
        let s = seg.to_ascii_lowercase().replace("%2e", ".");
        s == "." || s == ".."
    });
    if dots {
        return Err(Failure {
            step: step.and_then(|s| s.name.as_ref()).map(|n| n.name.clone()),
            ..Failure::new(format!(
                "the path `{path}` (from `{}`) has a `.` or `..` segment, which would reach another resource: a value in a path must not be `.` or `..`",
                t.text
            ))
        });
    }
    Ok(path)
}

/// Refuses a URL that would carry a connection's requests in clear to another machine, or that is
/// not written as an absolute `https://` URL ([`intact_model::urls::judge`]), wherever it was
/// written: project, environment, or a value computed at run time.
pub(crate) fn secure_url(url: &str, conn: &ConnectionDef, setting: &str) -> Result<(), Failure> {
    match intact_model::urls::judge(url).problem() {
        None => Ok(()),
        Some(problem) => Err(Failure::before_any_request(format!(
            "the {setting} `{}` of connection `{}` may not carry its credentials: {problem} (http:// is allowed only for 127.0.0.1, [::1] and localhost)",
            url.escape_debug(),
            conn.name.name
        ))),
    }
}

/// Characters left as they are in one path segment (RFC 3986 unreserved).
pub(super) const SEGMENT: &percent_encoding::AsciiSet = intact_model::serialize::UNRESERVED;

/// Characters percent-encoded in a relative URL given whole: controls, space and the few that
/// may not stand in a URL; `/`, `?`, `&`, `=`, `%` (an existing escape) and the rest stay.
pub(super) const RELATIVE_URL: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^');

/// The connection's `max-response-size`, else [`MAX_RESPONSE_BYTES`].
pub(super) fn max_response_size(conn: &ConnectionDef) -> usize {
    conn.max_response_size.unwrap_or(MAX_RESPONSE_BYTES)
}

pub(super) struct RetryPolicy {
    pub(super) max: u32,
    pub(super) statuses: Vec<u16>,
    pub(super) unsafe_methods: bool,
    pub(super) on_connect: bool,
}

impl RetryPolicy {
    pub(super) fn of(conn: &ConnectionDef) -> RetryPolicy {
        match &conn.retry {
            Some(r) => RetryPolicy {
                max: r.max.unwrap_or(3),
                statuses: if r.on.is_empty() {
                    vec![429]
                } else {
                    r.on.clone()
                },
                unsafe_methods: r.unsafe_methods,
                on_connect: r.on.contains(&503),
            },
            None => RetryPolicy {
                max: 3,
                statuses: vec![429],
                unsafe_methods: false,
                on_connect: false,
            },
        }
    }

    /// Exponential backoff with jitter, or the server's Retry-After (at most
    /// [`MAX_RETRY_AFTER_SECS`]; a longer one is not waited for at all).
    pub(super) fn backoff(&self, attempt: u32, retry_after: Option<u64>) -> Duration {
        if let Some(s) = retry_after {
            return Duration::from_secs(s.min(MAX_RETRY_AFTER_SECS));
        }
        let base = 100u64 * 2u64.pow(attempt.min(6));
        let jitter = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos() as u64 % (base / 2 + 1));
        Duration::from_millis(base / 2 + jitter)
    }
}

/// How many redirects on the connection's own host a request follows.
pub(super) const MAX_REDIRECTS: usize = 10;

/// The longest `Retry-After` intact waits for; a longer one fails the step as
/// `RATE_LIMIT_EXCEEDED` at once (docs/security.md).
pub const MAX_RETRY_AFTER_SECS: u64 = 30;

/// The largest response body intact reads unless the connection's `max-response-size` says
/// otherwise (docs/security.md): past it the step fails instead of holding an unbounded body in
/// memory.
pub const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// `Retry-After` in seconds: a number, or an HTTP date (the seconds until then).
pub(super) fn retry_after_seconds(v: &str) -> Option<u64> {
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(s);
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .map_or(0, |d| d.as_secs()),
    )
}

/// A size as people write it: `32 MiB`, `512 KiB`, `100 B`.
pub(super) fn size_text(n: usize) -> String {
    match n {
        n if n >= 1 << 30 && n % (1 << 30) == 0 => format!("{} GiB", n >> 30),
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} B"),
    }
}

/// The whole body, or why it could not be had: cut off before its end (a shorter body than its
/// `Content-Length`, a reset, the timeout) or larger than `limit`. Never a silent empty body.
pub(super) async fn read_body(
    mut resp: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, String> {
    let too_large = || format!("is larger than the {} intact reads", size_text(limit));
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) if e.is_timeout() => {
                return Err(format!(
                    "was cut off by the timeout after {} byte(s)",
                    body.len()
                ));
            }
            Err(e) => {
                return Err(format!(
                    "was cut off after {} byte(s): {}",
                    body.len(),
                    root_cause(&e)
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use intact_model::{Loc, Role};
    use intact_syntax::Span;

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        assert_eq!(retry_after_seconds(" 7 "), Some(7));
        assert_eq!(
            retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(0),
            "a date in the past means now"
        );
        assert_eq!(retry_after_seconds("soon"), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps_retry_after() {
        let p = RetryPolicy {
            max: 3,
            statuses: vec![429],
            unsafe_methods: false,
            on_connect: false,
        };
        for attempt in 1..=3u32 {
            let base = 100 * 2u64.pow(attempt);
            let d = p.backoff(attempt, None).as_millis() as u64;
            assert!((base / 2..=base).contains(&d), "attempt {attempt}: {d} ms");
        }
        assert_eq!(p.backoff(1, Some(2)), Duration::from_secs(2));
        assert_eq!(
            p.backoff(1, Some(3_600)),
            Duration::from_secs(MAX_RETRY_AFTER_SECS)
        );
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size_text(32 << 20), "32 MiB");
        assert_eq!(size_text(512 << 10), "512 KiB");
        assert_eq!(size_text(1 << 30), "1 GiB");
        assert_eq!(size_text(1000), "1000 B");
    }

    #[test]
    fn dot_segments_are_refused_even_encoded() {
        let t = Template {
            text: "/groups/${input.g}".into(),
            loc: Loc::new(
                intact_model::FileId::from_index(0),
                Span { start: 0, end: 1 },
            ),
            raw: String::new(),
            role: Role::Path,
        };
        for bad in ["/groups/..", "/groups/%2E%2e/x", "/./x"] {
            let f = no_dot_segments(bad.into(), &t, None).unwrap_err();
            assert!(
                f.message.contains("`.` or `..` segment"),
                "{bad}: {}",
                f.message
            );
        }
        for good in ["/groups/g1", "/a..b/c", "/x?next=..", "/x#.."] {
            assert_eq!(no_dot_segments(good.into(), &t, None).unwrap(), good);
        }
    }
}
