//! What a report keeps of each request (`with_recorder`): the exchange, masked as the trace is.

use std::time::Duration;

use intact_expr::eval::json_text as text_of;
use intact_model::BodyKind;
use serde_json::{Map, Value as J};

use super::request::{Outgoing, with_query};
use super::*;

impl Runtime {
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
                "••••".to_string()
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
        });
    }
}
