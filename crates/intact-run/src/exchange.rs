//! What a report shows of a run: each request as it was sent and its answer, masked as the
//! terminal's trace is (the run's secrets replaced), credential headers hidden whatever their
//! value.

use std::time::Duration;

/// One request and its answer.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// The request step's name.
    pub step: String,
    pub method: String,
    /// With its query.
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Option<String>,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    /// At most [`BODY_LIMIT`] bytes of it; JSON pretty-printed.
    pub response_body: String,
    pub duration: Duration,
    /// What a recording needs to replay it (`intact run --record`): the connection, the path
    /// relative to its base URL, the query decoded, the bodies whole, all masked.
    pub replay: Replay,
}

/// An exchange as a mock test replays it.
#[derive(Clone, Debug, Default)]
pub struct Replay {
    pub connection: String,
    /// Without the query.
    pub path: String,
    pub query: Vec<(String, String)>,
    /// A JSON request body.
    pub request_json: Option<serde_json::Value>,
    /// The response body: JSON when it is JSON.
    pub response_json: Option<serde_json::Value>,
    /// The response body as text when it is not JSON (and not empty).
    pub response_text: Option<String>,
    pub response_content_type: Option<String>,
}

/// Receives each exchange of a run, already masked.
pub type Recorder = std::sync::Arc<dyn Fn(Exchange) + Send + Sync>;

/// How much of a body a report keeps.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Headers whose value is a credential, shown as `••••` (the masker's mark) whatever it knows.
pub(crate) fn hides(header: &str) -> bool {
    [
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
    ]
    .iter()
    .any(|h| header.eq_ignore_ascii_case(h))
}

/// A body for the report: pretty JSON when it is JSON, else the text, cut at [`BODY_LIMIT`].
pub(crate) fn body_text(bytes: &[u8]) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    };
    if text.len() <= BODY_LIMIT {
        return text;
    }
    let mut end = BODY_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n… ({} bytes in all)", &text[..end], text.len())
}
