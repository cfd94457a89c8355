//! Parameter values the document itself gives: a required parameter with a default or a single
//! allowed value is sent without asking the caller (issue 25.3), a header every operation needs
//! with the same value goes on the connection, and a query string written into a path key is
//! sent as query parameters.

use intact_openapi::model::{Api, KeyLocation, Location, Operation, Param, Scheme, SchemeKind};
use serde_json::Value;

/// The value the document gives a parameter.
#[derive(Clone, Copy)]
pub(super) enum Given<'a> {
    /// The one value its schema allows: a constant, written into the request as it is.
    Only(&'a Value),
    /// Its schema's default: the default of an optional input, which a caller may change.
    Default(&'a Value),
}

impl<'a> Given<'a> {
    pub fn value(self) -> &'a Value {
        match self {
            Given::Only(v) | Given::Default(v) => v,
        }
    }
}

/// What the document gives `p`, leaving out a header value that reads like a description:
/// vendors put prose in `default` ("The version of the API, e.g. 2024-01-01"), and sent as a
/// header it would fail every request.
pub(super) fn given(p: &Param) -> Option<Given<'_>> {
    let usable = |v: &Value| !(p.location == Location::Header && reads_like_prose(v));
    match (&p.single, &p.default) {
        (Some(v), _) if usable(v) => Some(Given::Only(v)),
        (_, Some(v)) if usable(v) => Some(Given::Default(v)),
        _ => None,
    }
}

/// The header value of `p` that [`given`] leaves out because it reads like prose.
pub(super) fn prose_value(p: &Param) -> Option<&str> {
    if p.location != Location::Header {
        return None;
    }
    [&p.single, &p.default]
        .into_iter()
        .flatten()
        .find(|v| reads_like_prose(v))
        .and_then(Value::as_str)
}

/// Description text rather than a value: words, a sentence's end, or too long for a token.
fn reads_like_prose(v: &Value) -> bool {
    let Some(s) = v.as_str() else {
        return false;
    };
    s.chars().any(char::is_whitespace)
        || s.chars().count() > 60
        || s.ends_with(['.', '!', '?', ':', ';'])
}

/// A scalar as the text a header or query parameter carries.
pub(super) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Headers that every operation of the document requires with the same given value (`X-Api-Version:
/// 2`): the connection sends them once instead of each request. Names compare case-insensitively
/// (HTTP header names do); the first operation's spelling is kept.
pub(super) fn connection_headers(api: &Api) -> Vec<(String, String)> {
    let required = |op: &Operation| -> Vec<(String, String)> {
        op.params
            .iter()
            .filter(|p| p.required && p.location == Location::Header)
            .filter_map(|p| Some((p.name.clone(), text(given(p)?.value()))))
            .collect()
    };
    let Some((first, rest)) = api.operations.split_first() else {
        return Vec::new();
    };
    let mut out = required(first);
    for op in rest {
        let theirs = required(op);
        out.retain(|(n, v)| {
            theirs
                .iter()
                .any(|(m, w)| m.eq_ignore_ascii_case(n) && w == v)
        });
        if out.is_empty() {
            break;
        }
    }
    out
}

/// What a connection sends with every request: its headers, and its API key's header or query
/// parameter. An operation's parameter of that name is the connection's to send: a request that
/// sent it too would replace the credential.
#[derive(Clone, Copy)]
pub(super) struct Sent<'a> {
    pub headers: &'a [(String, String)],
    pub key: Option<(KeyLocation, &'a str)>,
}

impl<'a> Sent<'a> {
    pub fn new(headers: &'a [(String, String)], scheme: Option<&'a Scheme>) -> Sent<'a> {
        let key = scheme.and_then(|s| match &s.kind {
            SchemeKind::ApiKey { location, name } => Some((*location, name.as_str())),
            _ => None,
        });
        Sent { headers, key }
    }

    pub fn sends(&self, p: &Param) -> bool {
        match p.location {
            // Header names are case-insensitive (RFC 9110), query names are not.
            Location::Header => {
                self.headers
                    .iter()
                    .any(|(h, _)| h.eq_ignore_ascii_case(&p.name))
                    || self.key.is_some_and(|(l, n)| {
                        l == KeyLocation::Header && n.eq_ignore_ascii_case(&p.name)
                    })
            }
            Location::Query => self
                .key
                .is_some_and(|(l, n)| l == KeyLocation::Query && n == p.name),
            Location::Path | Location::Cookie => false,
        }
    }
}

/// A path key split at its `?`: the path, and the query it holds as (name, value) pairs,
/// percent-decoded (the request encodes them again). `/users?active=true` is how some documents
/// tell operations on one path apart; the query is no part of a request path.
pub(super) fn split_query(path: &str) -> (&str, Vec<(String, String)>) {
    let Some((path, query)) = path.split_once('?') else {
        return (path, Vec::new());
    };
    let pairs = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect();
    (path, pairs)
}

/// `%XX` and `+` (a space in a query) decoded by `percent-encoding`, as `intact-jsonref` decodes a
/// reference's fragment; a malformed escape is kept as written, and text that does not decode to
/// UTF-8 is kept whole.
fn decode(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map_or_else(|_| text.to_string(), std::borrow::Cow::into_owned)
}

/// Whether a GET can be the auth ping as it stands: no required body, no path parameter, and a
/// value for every required query and header parameter (given by the document, or sent by the
/// connection). A cookie is never sent.
pub(super) fn ping_ready(op: &Operation, sent: Sent) -> bool {
    let (path, _) = split_query(&op.path);
    !op.body.as_ref().is_some_and(|b| b.required)
        && !path.contains('{')
        && op
            .params
            .iter()
            .filter(|p| p.required)
            .all(|p| match p.location {
                Location::Header | Location::Query => sent.sends(p) || given(p).is_some(),
                Location::Path | Location::Cookie => false,
            })
}

/// The props a `query` or `header` node needs so that intact sends the parameter as its
/// `style`, `explode` and `allowReserved` say (OpenAPI defaults: form and exploded in a query,
/// simple and not exploded in a header or path), and a warning for what the language cannot
/// write (a path in `label` or `matrix` style).
/// Properties to write on a node, in order.
pub(super) type Props = Vec<(&'static str, intact_syntax::build::Value)>;

pub(super) struct StyleProps {
    pub props: Props,
    pub warning: Option<String>,
}

pub(super) fn style_props(param: Option<&Value>, location: Location) -> StyleProps {
    use intact_model::serialize::Style;
    let mut out = StyleProps {
        props: Vec::new(),
        warning: None,
    };
    let Some(p) = param else {
        return out;
    };
    let style = p
        .get("style")
        .and_then(Value::as_str)
        .and_then(Style::parse);
    let explode = p.get("explode").and_then(Value::as_bool);
    let reserved = p.get("allowReserved").and_then(Value::as_bool) == Some(true);
    match location {
        Location::Query => {
            let style = style.unwrap_or(Style::Form);
            // OpenAPI: explode defaults to true for form only.
            let explode = explode.unwrap_or(style == Style::Form);
            match style {
                Style::Form | Style::SpaceDelimited | Style::PipeDelimited | Style::DeepObject => {
                    if style != Style::Form {
                        out.props.push(("style", style.as_str().into()));
                    }
                    let default = matches!(style, Style::Form | Style::DeepObject);
                    if explode != default {
                        out.props.push(("explode", explode.into()));
                    }
                }
                other => {
                    out.warning = Some(format!(
                        "style \"{}\" is not a query style; it is sent as form",
                        other.as_str()
                    ))
                }
            }
            if reserved {
                out.props.push(("allow-reserved", true.into()));
            }
        }
        Location::Header => {
            if explode == Some(true) {
                out.props.push(("explode", true.into()));
            }
        }
        Location::Path => {
            if let Some(s @ (Style::Label | Style::Matrix)) = style {
                out.warning = Some(format!(
                    "style \"{}\" is not written by intact's paths yet; the value is sent in the simple style (`a,b`): check what the API expects",
                    s.as_str()
                ));
            }
        }
        Location::Cookie => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_split_off_and_decode() {
        assert_eq!(split_query("/users"), ("/users", vec![]));
        assert_eq!(
            split_query("/users?active=true&q=a%20b+c&flag"),
            (
                "/users",
                vec![
                    ("active".into(), "true".into()),
                    ("q".into(), "a b c".into()),
                    ("flag".into(), String::new())
                ]
            )
        );
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz%4"), "%zz%4");
        // An encoded `+` is a plus, not a space.
        assert_eq!(decode("a%2Bb+c"), "a+b c");
    }

    #[test]
    fn prose_is_told_from_values() {
        for v in ["2", "2024-01-01", "application/vnd.acme+json", "v1.2"] {
            assert!(!reads_like_prose(&Value::from(v)), "{v}");
        }
        for v in [
            "The API version to use",
            "Required.",
            "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijx",
        ] {
            assert!(reads_like_prose(&Value::from(v)), "{v}");
        }
        assert!(!reads_like_prose(&Value::from(3)));
    }
}
