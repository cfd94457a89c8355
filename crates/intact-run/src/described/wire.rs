//! What was sent, read back as values: the query's fragments decoded into pairs, the path matched
//! against the operation's template, and a parameter's texts turned into the value its schema
//! describes (a repeated or delimited parameter is a list, a number's text a number), so that the
//! value is validated and not its text: `limit=10` fits `type: integer`, `limit=ten` does not.

use intact_model::serialize::Style;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value as J};

/// The type of a schema (one of intact's: `string`, `integer`, …, `any`), `$ref`s followed.
pub(super) type TypeOf<'a> = &'a dyn Fn(&J) -> &'static str;

/// The query's parameters, decoded, in order. A fragment is one or more `name=value` pairs joined
/// by `&` (an exploded list is one fragment, `id=a&id=b`).
pub(super) fn query_pairs<'a>(
    fragments: impl IntoIterator<Item = &'a str>,
) -> Vec<(String, String)> {
    fragments
        .into_iter()
        .flat_map(|f| f.split('&'))
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(t: &str) -> String {
    percent_decode_str(t).decode_utf8_lossy().into_owned()
}

/// The path parameters of `path` (as sent: percent-encoded, relative to the base URL) by the
/// operation's `template` (`/teams/{id}`), each decoded; `None` when the path is not the
/// template's.
pub(super) fn path_params(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let trim = |p: &'_ str| -> String {
        let t = p.trim_end_matches('/');
        if t.is_empty() { "/".into() } else { t.into() }
    };
    let (template, path) = (trim(template), trim(path));
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut out = Vec::new();
    for (ts, ps) in t.iter().zip(&p) {
        segment(ts, &decode(ps), &mut out)?;
    }
    Some(out)
}

/// One segment of the template (`{id}`, `{id}.json`, `v{major}.{minor}`) against the one sent:
/// its literal text must match, and each `{name}` takes the text up to the next literal.
fn segment(template: &str, sent: &str, out: &mut Vec<(String, String)>) -> Option<()> {
    let (mut t, mut s) = (template, sent);
    loop {
        let Some(open) = t.find('{') else {
            return (t == s).then_some(());
        };
        s = s.strip_prefix(&t[..open])?;
        let close = open + t[open..].find('}')?;
        let name = &t[open + 1..close];
        t = &t[close + 1..];
        let literal = &t[..t.find('{').unwrap_or(t.len())];
        let end = if literal.is_empty() {
            // Two parameters side by side cannot be told apart: the first takes the rest.
            s.len()
        } else if literal.len() == t.len() {
            s.len()
                .checked_sub(literal.len())
                .filter(|_| s.ends_with(literal))?
        } else {
            s.find(literal)?
        };
        out.push((name.to_string(), s[..end].to_string()));
        s = &s[end..];
    }
}

/// How a parameter is laid out on the wire: its `style` and `explode` in the document, or their
/// defaults for where it is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Layout {
    pub style: Style,
    pub explode: bool,
}

impl Layout {
    pub fn of(param: &J, in_query: bool) -> Layout {
        let style = param
            .get("style")
            .and_then(J::as_str)
            .and_then(Style::parse)
            .unwrap_or(if in_query { Style::Form } else { Style::Simple });
        let explode = param
            .get("explode")
            .and_then(J::as_bool)
            .unwrap_or(style == Style::Form);
        Layout { style, explode }
    }

    /// What separates the items of a list or an object in one text.
    fn delimiter(self) -> char {
        match self.style {
            Style::SpaceDelimited => ' ',
            Style::PipeDelimited => '|',
            Style::Label if self.explode => '.',
            _ => ',',
        }
    }
}

/// A path parameter's text without what its style puts before the value (`.` for label,
/// `;name=` for matrix); an exploded matrix list gives one text per item.
pub(super) fn path_texts(text: &str, name: &str, layout: Layout) -> Vec<String> {
    match layout.style {
        Style::Label => vec![text.strip_prefix('.').unwrap_or(text).to_string()],
        Style::Matrix => {
            let prefix = format!("{name}=");
            let items: Vec<String> = text
                .split(';')
                .filter(|p| !p.is_empty())
                .map(|p| p.strip_prefix(&prefix).unwrap_or(p).to_string())
                .collect();
            if items.is_empty() {
                vec![String::new()]
            } else {
                items
            }
        }
        _ => vec![text.to_string()],
    }
}

/// The value of a parameter sent as `texts` (one per occurrence), read as its `schema` says:
/// a list from each occurrence (exploded form) or from one text split at the style's delimiter,
/// an object from `k,v` pairs (or `k=v` when exploded), a scalar coerced to the schema's type.
/// Texts that do not read as the type stay text, so that the schema's rule names them.
pub(super) fn value(texts: &[String], layout: Layout, schema: &J, ty: TypeOf) -> J {
    let exploded_form = layout.explode && layout.style == Style::Form;
    let exploded_matrix = layout.explode && layout.style == Style::Matrix;
    match ty(schema) {
        "array" => {
            let item = schema.get("items").map_or("any", ty);
            let parts: Vec<&str> = if exploded_form || exploded_matrix {
                texts.iter().map(String::as_str).collect()
            } else {
                texts
                    .iter()
                    .flat_map(|t| t.split(layout.delimiter()))
                    .collect()
            };
            J::Array(parts.into_iter().map(|p| coerce(p, item)).collect())
        }
        "object" => {
            let props = schema.get("properties");
            let prop = |k: &str| props.and_then(|p| p.get(k)).map_or("any", ty);
            let text = texts.first().map_or("", String::as_str);
            let parts: Vec<&str> = text.split(layout.delimiter()).collect();
            let mut m = Map::new();
            if layout.explode && parts.iter().all(|p| p.contains('=')) {
                for p in parts {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    m.insert(k.to_string(), coerce(v, prop(k)));
                }
            } else {
                for pair in parts.chunks(2) {
                    let v = pair.get(1).copied().unwrap_or("");
                    m.insert(pair[0].to_string(), coerce(v, prop(pair[0])));
                }
            }
            J::Object(m)
        }
        t => match texts {
            [one] => coerce(one, t),
            many => J::Array(many.iter().map(|x| coerce(x, t)).collect()),
        },
    }
}

/// A `deepObject` parameter (`filter[role]=admin&filter[active]=true`) from the query's pairs;
/// `None` when none was sent.
pub(super) fn deep_object(
    pairs: &[(String, String)],
    name: &str,
    schema: &J,
    ty: TypeOf,
) -> Option<J> {
    let props = schema.get("properties");
    let mut m = Map::new();
    for (k, v) in pairs {
        if let Some(key) = k
            .strip_prefix(name)
            .and_then(|r| r.strip_prefix('['))
            .and_then(|r| r.strip_suffix(']'))
        {
            let t = props.and_then(|p| p.get(key)).map_or("any", ty);
            m.insert(key.to_string(), coerce(v, t));
        }
    }
    (!m.is_empty()).then_some(J::Object(m))
}

/// A text as the type says, when it reads as one: `10` an integer, `1.5` a number, `true` a
/// boolean; otherwise the text itself.
pub(super) fn coerce(text: &str, ty: &str) -> J {
    let number = || {
        text.parse::<i64>()
            .map(J::from)
            .ok()
            .or_else(|| text.parse::<u64>().map(J::from).ok())
            .or_else(|| {
                text.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(J::Number)
            })
    };
    let read = match ty {
        "integer" | "number" => number(),
        "boolean" => match text {
            "true" => Some(J::Bool(true)),
            "false" => Some(J::Bool(false)),
            _ => None,
        },
        _ => None,
    };
    read.unwrap_or_else(|| J::String(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ty(s: &J) -> &'static str {
        intact_openapi::lower::schema_type(s)
    }

    fn texts(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn query_fragments_decode_into_pairs() {
        let frags = ["ids=a&ids=b", "q=x%20y%2Cz", "flag"];
        assert_eq!(
            query_pairs(frags),
            vec![
                ("ids".into(), "a".into()),
                ("ids".into(), "b".into()),
                ("q".into(), "x y,z".into()),
                ("flag".into(), String::new())
            ]
        );
    }

    #[test]
    fn paths_match_their_template_segment_by_segment() {
        assert_eq!(
            path_params("/teams/{id}/members/{m}", "/teams/T%201/members/7"),
            Some(vec![("id".into(), "T 1".into()), ("m".into(), "7".into())])
        );
        assert_eq!(
            path_params("/files/{name}.json", "/files/a.b.json"),
            Some(vec![("name".into(), "a.b".into())])
        );
        assert_eq!(
            path_params("/v{major}.{minor}/x", "/v2.1/x"),
            Some(vec![
                ("major".into(), "2".into()),
                ("minor".into(), "1".into())
            ])
        );
        assert_eq!(path_params("/teams/{id}", "/teams/a/b"), None);
        assert_eq!(path_params("/teams/{id}", "/groups/a"), None);
        assert_eq!(path_params("/teams/", "/teams"), Some(vec![]));
        // A `/` inside a value is encoded, so it stays in its segment.
        assert_eq!(
            path_params("/teams/{id}", "/teams/a%2Fb"),
            Some(vec![("id".into(), "a/b".into())])
        );
    }

    #[test]
    fn texts_read_as_the_schema_says() {
        let form = Layout::of(&json!({}), true);
        let simple = Layout::of(&json!({}), false);
        let int = json!({"type": "integer"});
        assert_eq!(value(&texts(&["10"]), form, &int, &ty), json!(10));
        assert_eq!(value(&texts(&["ten"]), form, &int, &ty), json!("ten"));
        assert_eq!(value(&texts(&["1.5"]), form, &int, &ty), json!(1.5));
        let bools = json!({"type": "boolean"});
        assert_eq!(value(&texts(&["true"]), form, &bools, &ty), json!(true));
        let list = json!({"type": "array", "items": {"type": "integer"}});
        // Exploded form: one item per occurrence; otherwise split at the delimiter.
        assert_eq!(
            value(&texts(&["1", "x"]), form, &list, &ty),
            json!([1, "x"])
        );
        assert_eq!(value(&texts(&["1,2"]), simple, &list, &ty), json!([1, 2]));
        let pipes = Layout::of(&json!({"style": "pipeDelimited", "explode": false}), true);
        assert_eq!(value(&texts(&["1|2"]), pipes, &list, &ty), json!([1, 2]));
        // A scalar sent twice is a list, which its schema then refuses.
        assert_eq!(value(&texts(&["1", "2"]), form, &int, &ty), json!([1, 2]));
        let obj = json!({"type": "object", "properties": {"n": {"type": "integer"}}});
        assert_eq!(
            value(&texts(&["n,1,s,x"]), simple, &obj, &ty),
            json!({"n": 1, "s": "x"})
        );
        let exploded = Layout::of(&json!({"explode": true}), false);
        assert_eq!(
            value(&texts(&["n=1,s=x"]), exploded, &obj, &ty),
            json!({"n": 1, "s": "x"})
        );
        let pairs = vec![
            ("f[n]".to_string(), "2".to_string()),
            ("g".to_string(), "x".to_string()),
        ];
        assert_eq!(deep_object(&pairs, "f", &obj, &ty), Some(json!({"n": 2})));
        assert_eq!(deep_object(&pairs, "h", &obj, &ty), None);
    }

    #[test]
    fn label_and_matrix_path_values_lose_their_prefix() {
        let label = Layout::of(&json!({"style": "label"}), false);
        assert_eq!(path_texts(".a,b", "id", label), texts(&["a,b"]));
        let matrix = Layout::of(&json!({"style": "matrix", "explode": true}), false);
        assert_eq!(path_texts(";id=a;id=b", "id", matrix), texts(&["a", "b"]));
        let list = json!({"type": "array", "items": {"type": "string"}});
        assert_eq!(
            value(&texts(&["a", "b"]), matrix, &list, &ty),
            json!(["a", "b"])
        );
    }
}
