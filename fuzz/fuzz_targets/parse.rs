//! The parser and formatter on arbitrary text: no panic, tokens cover every byte, and formatting
//! is idempotent and keeps the document.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let p = intact_syntax::parse(&text);
    let covered: usize = p.tokens.iter().map(|t| t.span.len() as usize).sum();
    assert_eq!(covered, text.len());
    for e in &p.errors {
        assert!(e.span.end as usize <= text.len() && e.span.start <= e.span.end);
    }
    if let Ok(once) = intact_syntax::format::format(&text, &p) {
        let again = intact_syntax::parse(&once);
        assert!(again.errors.is_empty(), "formatted output does not parse: {once:?}");
        let twice = intact_syntax::format::format(&once, &again).unwrap();
        assert_eq!(once, twice, "format is not idempotent");
    }
});
