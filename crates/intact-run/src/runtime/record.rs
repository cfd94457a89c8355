//! What a report keeps of each request (`with_recorder`): the exchange, masked as the trace is.

use std::time::Duration;

use intact_expr::eval::json_text as text_of;
use intact_model::BodyKind;
use serde_json::{Map, Value as J};

use super::request::{Outgoing, with_query};
use super::*;

impl Runtime {
    /// The exchange as a mock replays it, masked.
    fn replay_of(
        &self,
        out: &Outgoing<'_>,
        headers: &Map<String, J>,
        bytes: &[u8],
    ) -> crate::Replay {
        let m = &self.masker;
        let query: Vec<(String, String)> =
            serde_urlencoded::from_str(&out.query.join("&")).unwrap_or_default();
        let response_json = serde_json::from_slice::<J>(bytes).ok();
        let response_text = (response_json.is_none() && !bytes.is_empty())
            .then(|| m.mask(&String::from_utf8_lossy(bytes)));
        crate::Replay {
            connection: out.conn.name.name.clone(),
            path: m.mask(out.path.split('?').next().unwrap_or_default()),
            query: query.into_iter().map(|(k, v)| (k, m.mask(&v))).collect(),
            request_json: match &out.body {
                Some((BodyKind::Json, v)) => Some(m.mask_json(v)),
                _ => None,
            },
            response_json: response_json.map(|v| m.mask_json(&v)),
            response_text,
            response_content_type: headers
                .get("content-type")
                .and_then(J::as_str)
                .map(str::to_string),
        }
    }

    /// Hands the exchange to the recorder, if any, masked.
    pub(super) fn record(
        &self,
        out: &Outgoing<'_>,
        status: u16,
        headers: &Map<String, J>,
        bytes: &[u8],
        took: Duration,
    ) {
        let Some(recorder) = &self.recorder else {
            return;
        };
        let m = &self.masker;
        let shown = |k: &str, v: &str| {
            let v = if crate::exchange::hides(k) {
                crate::mask::MASK.to_string()
            } else {
                m.mask(v)
            };
            (k.to_string(), v)
        };
        let request_body = out.body.as_ref().map(|(kind, v)| {
            m.mask(&match kind {
                BodyKind::Json => serde_json::to_string_pretty(v).unwrap_or_default(),
                _ => text_of(v),
            })
        });
        recorder(crate::Exchange {
            step: out.step.clone(),
            method: out.method.to_string(),
            url: m.mask(&with_query(&out.url, &out.query)),
            request_headers: out.headers.iter().map(|(k, v)| shown(k, v)).collect(),
            request_body,
            status,
            response_headers: headers
                .iter()
                .map(|(k, v)| shown(k, v.as_str().unwrap_or("")))
                .collect(),
            response_body: m.mask(&crate::exchange::body_text(bytes)),
            duration: took,
            replay: self.replay_of(out, headers, bytes),
        });
    }
}
