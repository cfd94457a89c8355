//! Which URLs may carry credentials: one rule for the checker (`auth::insecure-url`, project and
//! environment files) and the executor (environment overrides, before any request).

use url::Host;

/// Whether `url` sends what it carries in clear to another machine: an `http://` URL (any case) whose
/// host is not a literal loopback address (`127.0.0.0/8`, `::1`) or `localhost`. A name that merely
/// starts with `127.` (`127.0.0.1.nip.io`) is another machine. A URL that does not parse (a template
/// with `${…}` in its port) counts as insecure when its scheme is http.
pub fn is_insecure(url: &str) -> bool {
    let http = url
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("http://"));
    if !http {
        return false;
    }
    match url::Url::parse(url) {
        Ok(u) => !match u.host() {
            Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_literal_loopback_may_use_http() {
        for secure in [
            "https://api.example.com",
            "http://127.0.0.1:8080/v2",
            "http://127.1.2.3/x",
            "http://localhost/x",
            "HTTP://LOCALHOST:80/x",
            "http://[::1]:80/",
            "ftp://example.com",
        ] {
            assert!(!is_insecure(secure), "{secure}");
        }
        for insecure in [
            "http://api.example.com/x",
            "HTTP://192.0.2.2/api",
            "Http://api.example.com",
            "http://127.0.0.1.evil.example",
            "http://127.0.0.1.nip.io/x",
            "http://user@evil.example",
            "http://localhost.evil.example",
            "http://${app.subdomain}.example.com",
            "http://api.example.com:${app.port}/",
        ] {
            assert!(is_insecure(insecure), "{insecure}");
        }
    }
}
