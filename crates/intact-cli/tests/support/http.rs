//! A real HTTP server on 127.0.0.1 for the binary's tests (std only).

/// A server that answers every request with `body` and reports each request's text.
pub fn answering_server(body: &'static str) -> (String, std::sync::mpsc::Receiver<String>) {
    answering_server_with("200 OK", body)
}

/// A server on 127.0.0.1 that answers every request with `status` and the JSON `body`, and
/// sends each request it read.
#[allow(dead_code)]
pub fn answering_server_with(
    status: &'static str,
    body: &'static str,
) -> (String, std::sync::mpsc::Receiver<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 8192];
            let n = s.read(&mut buf).unwrap_or(0);
            let _ = tx.send(String::from_utf8_lossy(&buf[..n]).into_owned());
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (format!("http://{addr}"), rx)
}
