//! Which URLs may carry credentials: one rule for the checker (`auth::insecure-url`, project and
//! environment files) and the executor (every URL it evaluates, before any request).
//!
//! The verdict is taken on the URL as a URL parser reads it, never on its text: WHATWG parsing
//! (the `url` crate, and so `reqwest`) reads `http:HOST`, `HTTP:HOST`, `http:/HOST`, `http:\\HOST`
//! and ` http://HOST` all as `http://HOST`, so a prefix test on `http://` let every one of them
//! send credentials in clear. A URL must also be written as what it is: `https://HOST…` (or
//! `http://` to a literal loopback host), no other spelling, so that a reader sees where the
//! credentials go.

use url::Host;

/// What a URL does with the credentials it carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// `https://` to some host.
    Https,
    /// `http://` to a literal loopback host (`127.0.0.0/8`, `::1`, `localhost`): never leaves the
    /// machine.
    Loopback,
    /// `http://` to another machine: credentials in clear.
    Plain { host: String },
    /// Not an absolute `https://` (or loopback `http://`) URL written as one; `why` says what is
    /// wrong in words a fix can follow.
    Malformed { why: String },
    /// A template whose scheme or host is computed: only the evaluated URL can be judged (the
    /// executor does, before any request).
    Unknown,
}

impl Verdict {
    /// Whether credentials may travel to this URL.
    pub fn is_safe(&self) -> bool {
        matches!(self, Verdict::Https | Verdict::Loopback)
    }

    /// One sentence for a diagnostic's label or a run's failure.
    pub fn problem(&self) -> Option<String> {
        match self {
            Verdict::Https | Verdict::Loopback | Verdict::Unknown => None,
            Verdict::Plain { host } => Some(format!(
                "plain http to `{host}`, a host that is not loopback"
            )),
            Verdict::Malformed { why } => Some(why.clone()),
        }
    }
}

/// The verdict on a concrete URL (an evaluated template, an environment's value).
pub fn judge(url: &str) -> Verdict {
    let malformed = |why: String| Verdict::Malformed { why };
    if let Some(c) = url
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || *c == '\\')
    {
        let what = match c {
            ' ' => "a space".to_string(),
            '\t' => "a tab".to_string(),
            '\\' => "a backslash".to_string(),
            c => format!("the character U+{:04X}", c as u32),
        };
        return malformed(format!(
            "the URL has {what}, which URL parsers drop or read as `/`: write it as `https://HOST/PATH`"
        ));
    }
    let Some(colon) = url.find(':') else {
        return malformed("not an absolute URL: write it as `https://HOST/PATH`".into());
    };
    let scheme = &url[..colon];
    let https = scheme.eq_ignore_ascii_case("https");
    if !https && !scheme.eq_ignore_ascii_case("http") {
        return malformed(format!(
            "`{scheme}:` is not `https:`: write it as `https://HOST/PATH`"
        ));
    }
    if !url[colon + 1..].starts_with("//") {
        return malformed(format!(
            "`{scheme}:` is not followed by `//`, so the host is hidden in the text: write it as `https://HOST/PATH`"
        ));
    }
    let parsed = match url::Url::parse(url) {
        Ok(u) => u,
        Err(e) => {
            return malformed(format!(
                "not a valid URL ({e}): write it as `https://HOST/PATH`"
            ));
        }
    };
    judge_parsed(&parsed)
}

/// The verdict on a parsed URL: what the executor sends is judged again here, just before it goes
/// out.
pub fn judge_parsed(url: &url::Url) -> Verdict {
    let Some(host) = url.host() else {
        return Verdict::Malformed {
            why: "the URL has no host: write it as `https://HOST/PATH`".into(),
        };
    };
    match url.scheme() {
        "https" => Verdict::Https,
        "http" => {
            let loopback = match &host {
                Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
                Host::Ipv4(ip) => ip.is_loopback(),
                Host::Ipv6(ip) => ip.is_loopback(),
            };
            if loopback {
                Verdict::Loopback
            } else {
                Verdict::Plain {
                    host: host.to_string(),
                }
            }
        }
        other => Verdict::Malformed {
            why: format!("`{other}:` is not `https:`: write it as `https://HOST/PATH`"),
        },
    }
}

/// The verdict on a template written in a project (`base-url "https://${app.sub}.acme.example"`):
/// each `${…}` stands for a value that cannot widen what the literal text says. A template whose
/// scheme is computed (it starts with `${`) is [`Verdict::Unknown`]; one whose host is computed is
/// `https` or plain http (the value may name any machine).
pub fn judge_template(text: &str) -> Verdict {
    let segments = crate::template::segments(text);
    if segments.is_empty() {
        return judge(&text.replace("$${", "${"));
    }
    if segments[0].offset == 2 {
        return Verdict::Unknown;
    }
    // `0` is a valid host label, port and path segment, so the literal parts are judged as they
    // stand; a host that is all template becomes `0.0.0.0`, which is not loopback.
    let mut concrete = String::new();
    let mut at = 0;
    for s in &segments {
        concrete.push_str(&text[at..s.offset - 2].replace("$${", "${"));
        concrete.push('0');
        at = (s.offset + s.expr.len() + usize::from(s.closed)).min(text.len());
    }
    concrete.push_str(&text[at..].replace("$${", "${"));
    judge(&concrete)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_and_literal_loopback_http_are_safe() {
        for safe in [
            "https://api.example.com",
            "HTTPS://API.example.com/x",
            "http://127.0.0.1:8080/v2",
            "http://127.1.2.3/x",
            "http://localhost/x",
            "HTTP://LOCALHOST:80/x",
            "http://[::1]:80/",
        ] {
            assert!(judge(safe).is_safe(), "{safe}: {:?}", judge(safe));
        }
        for plain in [
            "http://api.example.com/x",
            "HTTP://192.0.2.2/api",
            "Http://api.example.com",
            "http://127.0.0.1.evil.example",
            "http://127.0.0.1.nip.io/x",
            "http://user@evil.example",
            "http://localhost.evil.example",
            "http://[::ffff:192.0.2.2]/",
        ] {
            assert!(
                matches!(judge(plain), Verdict::Plain { .. }),
                "{plain}: {:?}",
                judge(plain)
            );
        }
    }

    /// The spellings of the safety review (issue 23): each one is `http://192.0.2.2…` to a URL
    /// parser, and each one passed the old prefix test.
    #[test]
    fn every_spelling_a_parser_reads_as_http_is_refused() {
        for odd in [
            "http:192.0.2.2:18390",
            "HTTP:192.0.2.2",
            "http:/192.0.2.2",
            "http:\\\\192.0.2.2",
            "http:\\192.0.2.2",
            " http://192.0.2.2",
            "\thttp://192.0.2.2",
            "http://192.0.2.2 ",
            "\u{0}http://192.0.2.2",
            "https:192.0.2.2",
            "https:/api.example.com",
            "ftp://example.com",
            "//api.example.com",
            "api.example.com",
            "",
            "http://",
            "https://[::1",
        ] {
            let v = judge(odd);
            assert!(matches!(v, Verdict::Malformed { .. }), "{odd:?}: {v:?}");
            assert!(v.problem().unwrap().contains("https://HOST/PATH"), "{v:?}");
        }
    }

    #[test]
    fn templates_are_judged_on_their_literal_parts() {
        assert_eq!(
            judge_template("https://${app.sub}.acme.example/v2"),
            Verdict::Https
        );
        assert_eq!(
            judge_template("http://localhost:${app.port}/"),
            Verdict::Loopback
        );
        assert_eq!(judge_template("${app.base_url}"), Verdict::Unknown);
        assert!(matches!(
            judge_template("http://${app.subdomain}.example.com"),
            Verdict::Plain { .. }
        ));
        assert!(matches!(
            judge_template("http://${app.host}/x"),
            Verdict::Plain { .. }
        ));
        assert!(matches!(
            judge_template("http:${app.host}/x"),
            Verdict::Malformed { .. }
        ));
        assert!(matches!(
            judge_template(" https://${app.host}"),
            Verdict::Malformed { .. }
        ));
    }
}
