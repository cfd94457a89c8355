//! The LSP byte stream between the editor and `tower-lsp-server`, guarded.
//!
//! `tower-lsp-server` answers a message it cannot decode and then stops reading (its framed reader
//! ends at the first error), so one bad message from a buggy or hostile client ends the server and
//! an editor restarts it in a loop. Here every message is read first: one the server's decoder
//! accepts is passed on; any other is answered with the JSON-RPC error (-32700 parse error, -32600
//! invalid request, with the request's id when it has a valid one), logged on standard error, and
//! dropped, and the stream is read on from the next `Content-Length` header. What the decoder
//! accepts is mirrored here without building the message (`check`), and a test holds the two
//! together on every kind of message (`what_the_guard_passes_the_server_decodes`).
//!
//! Messages are passed on under a header of our own (`Content-Length` only): the server's header
//! parser stops at a third header, a lowercase name or a `charset` other than exactly `utf-8`, all
//! of which a client may send. The server's own output and these answers share standard output
//! through one writer that only ever writes whole messages.

use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

/// The largest message accepted; a longer `Content-Length` is treated as malformed.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// The deepest nesting of arrays and objects the server's decoder reads: serde_json refuses the
/// 128th level, and the guard's own reading skips values without a limit, so it counts.
const MAX_DEPTH: usize = 127;

const HEADER: &[u8] = b"Content-Length:";

/// The longest headers accepted (LSP sends one or two short ones).
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// One message as it arrived, or why it cannot be passed on.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// A well-formed message: its body under a `Content-Length` header, to pass on.
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
        // belonged to, or it never was a message). Without a header, only the tail is kept, which
        // may be the start of one: a client that never sends one must not fill the memory.
        let Some(start) = find(&self.buf, HEADER) else {
            let noise = self.buf.len().saturating_sub(HEADER.len() - 1);
            self.buf.drain(..noise);
            return None;
        };
        if start > 0 {
            self.buf.drain(..start);
        }
        let Some(end_of_headers) = find(&self.buf, b"\r\n\r\n") else {
            if self.buf.len() <= MAX_HEADER_BYTES {
                return None;
            }
            // Headers that never end: skip this one and look for the next.
            self.buf.drain(..HEADER.len());
            return Some(malformed(
                -32700,
                None,
                format!("message headers longer than {MAX_HEADER_BYTES} bytes"),
            ));
        };
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
                let mut frame = format!("Content-Length: {length}\r\n\r\n").into_bytes();
                frame.extend(self.buf.drain(..body_start + length).skip(body_start));
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

/// Header names are case-insensitive (as in HTTP); a `content-length` header is one too.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// The parts of a message that decide whether it is one; `params` and `result` are read past
/// without building them (a `didChange` carries whole files: one tree of them is the server's).
#[derive(serde::Deserialize)]
struct Probe {
    jsonrpc: Option<String>,
    method: Option<serde_json::Value>,
    // A null id or result is there (as for the server's decoder), not missing: `"result": null`
    // answers many requests.
    #[serde(default, deserialize_with = "present")]
    id: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "present")]
    result: Option<serde::de::IgnoredAny>,
    error: Option<serde_json::Value>,
}

fn present<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

type Refusal = (i64, Option<serde_json::Value>, String);

/// Whether the server's decoder takes a body (`tower_lsp_server::jsonrpc::Message`, a response or
/// else a request): the error code, the id to answer with and why when it does not.
fn check(body: &[u8]) -> Result<(), Refusal> {
    let text = std::str::from_utf8(body).map_err(|e| (-32700, None, format!("not UTF-8: {e}")))?;
    let probe: Probe = match serde_json::from_str(text) {
        Ok(p) => p,
        // Valid JSON of another shape (an array, a number, a repeated field) is an invalid request.
        Err(e) if e.is_data() => {
            return Err((-32600, None, format!("not a JSON-RPC message: {e}")));
        }
        Err(e) => return Err((-32700, None, format!("not JSON: {e}"))),
    };
    // JSON-RPC answers an id it cannot read with null. The decoder reads integers (i64) and
    // strings; `1.0` is refused too, since answering it as `1` or `1.0` would be a guess at how
    // the client compares ids.
    let id = match probe.id {
        Some(id) if tower_lsp_server::jsonrpc::Id::deserialize(&id).is_err() => {
            return Err((
                -32600,
                None,
                format!(
                    "an id that is neither an integer nor a string: {}",
                    shown(&id)
                ),
            ));
        }
        id => id,
    };
    let refuse = |why: String| Err((-32600, id.clone(), why));
    if probe.jsonrpc.as_deref() != Some("2.0") {
        return refuse("no \"jsonrpc\": \"2.0\"".into());
    }
    let is_call = probe
        .method
        .as_ref()
        .is_some_and(serde_json::Value::is_string);
    let is_response = id.is_some()
        && (probe.result.is_some()
            || probe
                .error
                .as_ref()
                .is_some_and(|e| tower_lsp_server::jsonrpc::Error::deserialize(e).is_ok()));
    if !is_call && !is_response {
        return refuse("neither a request, a notification nor a response".into());
    }
    if nesting(body) > MAX_DEPTH {
        return refuse(format!(
            "arrays and objects nested deeper than {MAX_DEPTH} levels"
        ));
    }
    Ok(())
}

/// A value for a message: what a hostile client sends may be megabytes long.
fn shown(value: &serde_json::Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(80) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

/// How deep arrays and objects nest in a body that is valid JSON.
fn nesting(body: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &b in body {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
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

    /// An id the server cannot read is answered with null, and the next message is read.
    #[test]
    fn invalid_ids_are_answered_with_null() {
        for id in [
            "{}",
            "{\"a\":1}",
            "[1]",
            "true",
            "1.5",
            "1.0",
            "9223372036854775808",
        ] {
            let body = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"textDocument/hover"}}"#);
            let got = frames(&[frame(body.as_bytes()), frame(GOOD)].concat());
            let Frame::Malformed { answer, why } = &got[0] else {
                panic!("{id}: {got:?}")
            };
            let text = String::from_utf8_lossy(answer);
            assert!(
                text.contains(r#""code":-32600"#) && text.contains(r#""id":null"#),
                "{id}: {text}"
            );
            assert!(why.contains(id), "{id}: {why}");
            assert_eq!(got[1], Frame::Message(frame(GOOD)), "{id}");
        }
    }

    /// Whatever headers a message came with, it is passed on under `Content-Length` alone.
    #[test]
    fn messages_are_passed_on_under_a_plain_header() {
        let headers = [
            "content-length: {n}\r\n\r\n",
            "Content-Length: {n}\r\nContent-Type: application/vscode-jsonrpc; charset=UTF-8\r\n\r\n",
            "Content-Type: application/vscode-jsonrpc\r\nContent-Length: {n}\r\nX-A: 1\r\n\r\n",
        ];
        for h in headers {
            let mut bytes = h.replace("{n}", &GOOD.len().to_string()).into_bytes();
            bytes.extend_from_slice(GOOD);
            assert_eq!(frames(&bytes), vec![Frame::Message(frame(GOOD))], "{h:?}");
        }
    }

    /// tower-lsp-server's decoder (its crate-private `Message`, built from the same public parts):
    /// a decoding error ends its reading.
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    #[allow(dead_code)]
    enum ServerMessage {
        Response(tower_lsp_server::jsonrpc::Response),
        Request(tower_lsp_server::jsonrpc::Request),
    }

    fn decodes(body: &str) -> bool {
        serde_json::from_str::<ServerMessage>(body).is_ok()
    }

    /// Every combination of version, id, method, result and error, repeated fields and deep
    /// nesting: what the guard passes on, the server decodes; and every call (a string method) and
    /// every response it decodes is passed on.
    #[test]
    fn what_the_guard_passes_the_server_decodes() {
        let versions = [r#""2.0""#, r#""1.0""#, "2", "null", ""];
        let ids = [
            "1",
            "-1",
            "0",
            r#""s""#,
            "null",
            "",
            "{}",
            "[1]",
            "true",
            "1.5",
            "1.0",
            "1e3",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775809",
        ];
        let methods = [r#""x""#, "5", "null", "", r#"{"a":1}"#];
        let bodies = [
            "",
            r#""params":{"a":[1,{"b":"]]}}\"[["}]}"#,
            r#""params":null"#,
            r#""result":1"#,
            r#""result":null"#,
            r#""error":{"code":-32601,"message":"m"}"#,
            r#""error":{"code":-32601,"message":"m","data":[1]}"#,
            r#""error":{"code":-32601,"message":"m","extra":1}"#,
            r#""error":{"code":1.5,"message":"m"}"#,
            r#""error":"x""#,
            r#""error":null"#,
            r#""result":1,"error":"x""#,
            r#""id":2"#,
        ];
        let field = |name: &str, v: &str| (!v.is_empty()).then(|| format!(r#""{name}":{v}"#));
        let mut checked = 0;
        for version in versions {
            for id in ids {
                for method in methods {
                    for rest in bodies {
                        let fields: Vec<String> = [
                            field("jsonrpc", version),
                            field("id", id),
                            field("method", method),
                            (!rest.is_empty()).then(|| rest.to_string()),
                        ]
                        .into_iter()
                        .flatten()
                        .collect();
                        let body = format!("{{{}}}", fields.join(","));
                        let passed = check(body.as_bytes()).is_ok();
                        let decoded = decodes(&body);
                        assert!(!passed || decoded, "passed on, not decoded: {body}");
                        let call = decoded && method.starts_with('"');
                        let response =
                            serde_json::from_str::<tower_lsp_server::jsonrpc::Response>(&body)
                                .is_ok();
                        if (call || response) && !rest.starts_with(r#""id""#) {
                            assert!(passed, "decoded, not passed on: {body}");
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 4000);
        // The decoder's nesting limit, exactly; brackets in strings do not count.
        for levels in 120..135 {
            let body = format!(
                r#"{{"jsonrpc":"2.0","method":"x","params":{}"[{{\"\\"{}}}"#,
                "[".repeat(levels - 1),
                "]".repeat(levels - 1)
            );
            assert_eq!(
                check(body.as_bytes()).is_ok(),
                decodes(&body),
                "{levels} levels"
            );
            assert_eq!(check(body.as_bytes()).is_ok(), levels <= MAX_DEPTH);
        }
    }

    /// Bytes that never make a message are not kept: noise without a header, headers without
    /// an end. Reading goes on at the next message.
    #[test]
    fn floods_are_not_kept() {
        let mut r = Reader::default();
        for _ in 0..64 {
            r.push(&[b'a'; 64 * 1024]);
            assert_eq!(r.next_frame(), None);
        }
        assert!(r.buf.len() < HEADER.len(), "{}", r.buf.len());
        r.push(b"Content-Length: 5\r\nX: ");
        let mut answered = false;
        for _ in 0..64 {
            r.push(&[b'b'; 64 * 1024]);
            while let Some(frame) = r.next_frame() {
                assert!(matches!(frame, Frame::Malformed { .. }), "{frame:?}");
                answered = true;
            }
        }
        assert!(answered);
        assert!(r.buf.len() <= MAX_HEADER_BYTES, "{}", r.buf.len());
        r.push(&frame(GOOD));
        assert_eq!(r.next_frame(), Some(Frame::Message(frame(GOOD))));
        // A long invalid id is answered and logged shortened.
        let id = format!("[{}1]", "1,".repeat(100_000));
        let body = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"x"}}"#);
        let Some(Frame::Malformed { answer, why }) = frames(&frame(body.as_bytes())).pop() else {
            panic!()
        };
        assert!(
            answer.len() < 400 && why.len() < 200,
            "{} {}",
            answer.len(),
            why.len()
        );
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
