//! The LSP byte stream between the editor and `tower-lsp-server`, guarded.
//!
//! `tower-lsp-server` answers a malformed message (invalid JSON, an array, no `jsonrpc`, a bad
//! `Content-Length`) and then stops reading, so one bad message from a buggy or hostile client
//! ends the server and an editor restarts it in a loop. Here every message is read first: a
//! well-formed one is passed on as it came; a malformed one is answered with the JSON-RPC error
//! (-32700 parse error, -32600 invalid request, with the request's id when it has one), logged on
//! standard error, and dropped, and the stream is read on from the next `Content-Length` header.
//! The server's own output and these answers share standard output through one writer that only
//! ever writes whole messages.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

/// The largest message accepted; a longer `Content-Length` is treated as malformed.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

const HEADER: &[u8] = b"Content-Length:";

/// One message as it arrived, or why it cannot be passed on.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// A well-formed message: its header and body bytes, to pass on unchanged.
    Message(Vec<u8>),
    /// A malformed one: the error to answer with (a whole framed message).
    Malformed { answer: Vec<u8>, why: String },
}

/// Splits the incoming bytes into frames, recovering after malformed ones.
#[derive(Default)]
pub struct Reader {
    buf: Vec<u8>,
    /// Bodies are only framed, not checked (the server's own output).
    trusted: bool,
}

impl Reader {
    /// A reader of the server's own output: split into whole messages, not checked.
    pub fn trusted() -> Reader {
        Reader {
            buf: Vec::new(),
            trusted: true,
        }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete frame in what has been pushed, if any.
    pub fn next_frame(&mut self) -> Option<Frame> {
        // Anything before a header is noise: drop it (it was answered with the message it
        // belonged to, or it never was a message).
        let start = find(&self.buf, HEADER)?;
        if start > 0 {
            self.buf.drain(..start);
        }
        let end_of_headers = find(&self.buf, b"\r\n\r\n")?;
        let headers = String::from_utf8_lossy(&self.buf[..end_of_headers]).into_owned();
        let length = headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<i64>().ok())
        });
        let body_start = end_of_headers + 4;
        let length = match length.flatten() {
            Some(n) if n >= 0 && (n as usize) <= MAX_MESSAGE_BYTES => n as usize,
            _ => {
                // Skip this header and read on from the next one.
                self.buf.drain(..body_start);
                return Some(malformed(
                    -32700,
                    None,
                    format!("a message header without a usable Content-Length: {headers:?}"),
                ));
            }
        };
        if self.buf.len() < body_start + length {
            return None;
        }
        let checked = if self.trusted {
            Ok(())
        } else {
            check(&self.buf[body_start..body_start + length])
        };
        match checked {
            Ok(()) => {
                let frame: Vec<u8> = self.buf.drain(..body_start + length).collect();
                Some(Frame::Message(frame))
            }
            Err((code, id, why)) => {
                // Only the header is dropped: the body is skipped as noise up to the next
                // header, which a lying length may have swallowed into it.
                self.buf.drain(..body_start);
                Some(malformed(code, id, why))
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The parts of a message that decide whether it is one; `params` and `result` are read past
/// without building them (a `didChange` carries whole files: one tree of them is the server's).
#[derive(serde::Deserialize)]
struct Probe {
    jsonrpc: Option<String>,
    method: Option<serde_json::Value>,
    id: Option<serde_json::Value>,
    #[serde(default)]
    result: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    error: Option<serde::de::IgnoredAny>,
}

/// Whether a body is a JSON-RPC 2.0 message: the error code, the id and why when it is not.
fn check(body: &[u8]) -> Result<(), (i64, Option<serde_json::Value>, String)> {
    let text = std::str::from_utf8(body).map_err(|e| (-32700, None, format!("not UTF-8: {e}")))?;
    let probe: Probe = match serde_json::from_str(text) {
        Ok(p) => p,
        // Valid JSON of another shape (an array, a number) is an invalid request.
        Err(e) if e.is_data() => return Err((-32600, None, "not a JSON object".into())),
        Err(e) => return Err((-32700, None, format!("not JSON: {e}"))),
    };
    if probe.jsonrpc.as_deref() != Some("2.0") {
        return Err((-32600, probe.id, "no \"jsonrpc\": \"2.0\"".into()));
    }
    let is_call = probe
        .method
        .as_ref()
        .is_some_and(serde_json::Value::is_string);
    let is_response = probe.id.is_some() && (probe.result.is_some() || probe.error.is_some());
    if !is_call && !is_response {
        return Err((
            -32600,
            probe.id,
            "neither a request, a notification nor a response".into(),
        ));
    }
    Ok(())
}

fn malformed(code: i64, id: Option<serde_json::Value>, why: String) -> Frame {
    let message = if code == -32700 {
        "Parse error"
    } else {
        "Invalid request"
    };
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "error": {"code": code, "message": message, "data": why},
        "id": id.unwrap_or(serde_json::Value::Null),
    })
    .to_string();
    let mut answer = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    answer.extend_from_slice(body.as_bytes());
    Frame::Malformed { answer, why }
}

/// Reads the editor's stream, passes well-formed messages to the server and sends the answers
/// to malformed ones to the writer.
pub async fn guard_input(
    mut input: impl AsyncRead + Unpin,
    mut to_server: impl AsyncWrite + Unpin,
    answers: mpsc::UnboundedSender<Vec<u8>>,
) {
    let mut reader = Reader::default();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match input.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        reader.push(&chunk[..n]);
        while let Some(frame) = reader.next_frame() {
            match frame {
                Frame::Message(bytes) => {
                    if to_server.write_all(&bytes).await.is_err() {
                        return;
                    }
                }
                Frame::Malformed { answer, why } => {
                    eprintln!("intact lsp: dropped a malformed message: {why}");
                    let _ = answers.send(answer);
                }
            }
        }
    }
    // The editor closed its end: so does the server's input.
    let _ = to_server.shutdown().await;
}

/// Writes the server's messages and the answers to malformed ones, whole messages only.
pub async fn merge_output(
    mut from_server: impl AsyncRead + Unpin,
    mut answers: mpsc::UnboundedReceiver<Vec<u8>>,
    mut output: impl AsyncWrite + Unpin,
) {
    let mut reader = Reader::trusted();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut server_open = true;
    while server_open {
        tokio::select! {
            read = from_server.read(&mut chunk) => match read {
                Ok(0) | Err(_) => server_open = false,
                Ok(n) => {
                    reader.push(&chunk[..n]);
                    while let Some(frame) = reader.next_frame() {
                        let bytes = match frame {
                            Frame::Message(bytes) => bytes,
                            // The server writes what it serialised itself; never malformed.
                            Frame::Malformed { answer, .. } => answer,
                        };
                        if output.write_all(&bytes).await.is_err() {
                            return;
                        }
                    }
                    let _ = output.flush().await;
                }
            },
            Some(answer) = answers.recv() => {
                if output.write_all(&answer).await.is_err() {
                    return;
                }
                let _ = output.flush().await;
            }
        }
    }
    while let Ok(answer) = answers.try_recv() {
        let _ = output.write_all(&answer).await;
    }
    let _ = output.flush().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut v = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        v.extend_from_slice(body);
        v
    }

    fn frames(bytes: &[u8]) -> Vec<Frame> {
        let mut r = Reader::default();
        r.push(bytes);
        std::iter::from_fn(|| r.next_frame()).collect()
    }

    const GOOD: &[u8] = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#;

    #[test]
    fn malformed_messages_are_answered_and_reading_goes_on() {
        let cases: Vec<(&str, Vec<u8>, i64)> = vec![
            ("invalid JSON", frame(b"{bad}"), -32700),
            ("an array", frame(b"[1,2]"), -32600),
            ("no method", frame(br#"{"jsonrpc":"2.0","id":7}"#), -32600),
            ("no jsonrpc", frame(br#"{"id":8,"method":"x"}"#), -32600),
            (
                "not UTF-8",
                frame(b"{\"jsonrpc\":\"2.0\",\"method\":\"x\xff\"}"),
                -32700,
            ),
            (
                "a lying length",
                b"Content-Length: 10\r\n\r\n{}".to_vec(),
                -32700,
            ),
            (
                "a negative length",
                b"Content-Length: -5\r\n\r\n".to_vec(),
                -32700,
            ),
            (
                "a huge length",
                b"Content-Length: 99999999999\r\n\r\n".to_vec(),
                -32700,
            ),
        ];
        for (name, bad, code) in cases {
            let mut bytes = bad;
            bytes.extend(frame(GOOD));
            let got = frames(&bytes);
            assert_eq!(got.len(), 2, "{name}: {got:?}");
            let Frame::Malformed { answer, .. } = &got[0] else {
                panic!("{name}: {got:?}")
            };
            let text = String::from_utf8_lossy(answer);
            assert!(text.contains(&format!("\"code\":{code}")), "{name}: {text}");
            assert_eq!(got[1], Frame::Message(frame(GOOD)), "{name}");
        }
        // The id of an invalid request is answered with.
        let got = frames(&frame(br#"{"id":8,"method":"x"}"#));
        let Frame::Malformed { answer, .. } = &got[0] else {
            panic!()
        };
        assert!(String::from_utf8_lossy(answer).contains("\"id\":8"));
    }

    #[test]
    fn messages_split_across_reads_are_whole() {
        let all = [frame(GOOD), frame(GOOD)].concat();
        let mut r = Reader::default();
        let mut got = Vec::new();
        for b in all.chunks(7) {
            r.push(b);
            got.extend(std::iter::from_fn(|| r.next_frame()));
        }
        assert_eq!(
            got,
            vec![Frame::Message(frame(GOOD)), Frame::Message(frame(GOOD))]
        );
    }
}
