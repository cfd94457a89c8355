//! Parameter serialisation against the OpenAPI specification's own table of style examples
//! (tests/fixtures/serialization/style-examples.md, with its source): every style, exploded or
//! not, for an empty value, a string, an array and an object. The query, header and path forms
//! the executor sends come from these functions, so this table is what goes on the wire
//! (crates/intact-run/tests/serialization.rs sends some of it to a real server).

use intact_model::serialize::{self, Serialization, Style};
use serde_json::{Value as J, json};

fn table() -> Vec<Vec<String>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/serialization/style-examples.md");
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| style") && !l.starts_with("| ---"))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().replace("\\|", "|"))
                .collect()
        })
        .collect()
}

fn serialise(style: Style, explode: bool, value: &J) -> Result<String, String> {
    let s = Serialization {
        style,
        explode,
        allow_reserved: false,
    };
    match style {
        Style::Matrix | Style::Label | Style::Simple => serialize::path("color", value, s),
        _ => serialize::query("color", value, s)
            .map(|q| q.expect("a value that is not null is sent")),
    }
}

#[test]
fn every_style_serialises_as_the_specification_table_says() {
    let rows = table();
    assert_eq!(rows.len(), 11, "the table has 11 rows: {rows:?}");
    let values = [
        json!(""),
        json!("blue"),
        json!(["blue", "black", "brown"]),
        json!({"R": 100, "G": 200, "B": 150}),
    ];
    let mut failures = Vec::new();
    for row in &rows {
        let style = Style::parse(&row[0]).unwrap_or_else(|| panic!("style {}", row[0]));
        let explode = row[1] == "true";
        for (value, expected) in values.iter().zip(&row[2..6]) {
            let got = serialise(style, explode, value);
            let ok = match (expected.as_str(), &got) {
                ("n/a", Err(_)) => true,
                (want, Ok(g)) => want == g,
                _ => false,
            };
            if !ok {
                failures.push(format!(
                    "{} explode={explode} {value}: expected {expected}, got {got:?}",
                    row[0]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A header is `simple`: the same text as the path form, without percent-encoding.
#[test]
fn headers_are_simple_and_not_encoded() {
    assert_eq!(
        serialize::header(&json!(["blue", "black"]), false).as_deref(),
        Some("blue,black")
    );
    assert_eq!(
        serialize::header(&json!({"R": 100, "G": 200}), true).as_deref(),
        Some("G=200,R=100")
    );
    assert_eq!(
        serialize::header(&json!("a b/c"), false).as_deref(),
        Some("a b/c")
    );
    assert_eq!(serialize::header(&J::Null, false), None);
}

/// Values are percent-encoded (RFC 3986: only unreserved characters stay), unless
/// `allowReserved`; a null value sends nothing; an empty list sends nothing when exploded.
#[test]
fn values_are_encoded_and_null_sends_nothing() {
    let q = |v: J, s: Serialization| serialize::query("q", &v, s).unwrap();
    assert_eq!(
        q(json!("a b&c=d/é"), Serialization::QUERY).as_deref(),
        Some("q=a%20b%26c%3Dd%2F%C3%A9")
    );
    let reserved = Serialization {
        allow_reserved: true,
        ..Serialization::QUERY
    };
    assert_eq!(q(json!("a/b?c"), reserved).as_deref(), Some("q=a/b?c"));
    assert_eq!(q(J::Null, Serialization::QUERY), None);
    assert_eq!(q(json!([]), Serialization::QUERY), None);
    assert_eq!(
        q(json!([1, true]), Serialization::QUERY).as_deref(),
        Some("q=1&q=true")
    );
}
