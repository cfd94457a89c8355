//! The format of an API key header's value as a scheme's description shows it (issue 25.4):
//! `Authorization: SSWS {API Token}` is sent as `SSWS ${auth.api_key}`.

/// How an API key header's value is written around the key, as the scheme's description shows
/// it: Okta's "`Authorization: SSWS {API Token}`" gives (`SSWS `, ``), "`Token token=<API_KEY>`"
/// gives (`Token token=`, ``). Read from the text after `HEADER:`, else from a code span that
/// starts with a scheme word; a bare placeholder (`X-API-Key: {key}`) is the key as it is.
pub(super) fn of(header: &str, description: &str) -> Option<(String, String)> {
    let text = description.replace("&lt;", "<").replace("&gt;", ">");
    let lower = text.to_ascii_lowercase();
    let named = format!("{}:", header.to_ascii_lowercase());
    let mut from = 0;
    while let Some(i) = lower[from..].find(&named) {
        let at = from + i;
        from = at + named.len();
        let before = lower[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            continue;
        }
        let rest = text[from..].trim_start_matches([' ', '\t']);
        let value = rest.split(['`', '\n', '\r']).next().unwrap_or("");
        if let Some((prefix, suffix)) = around_placeholder(value) {
            return (!prefix.is_empty() || !suffix.is_empty()).then_some((prefix, suffix));
        }
    }
    // A code span alone: `Bearer <token>`, `ApiKey {key}`. One that names a header or a URL
    // (a `:` before the placeholder) is about something else.
    for span in text.split('`').skip(1).step_by(2) {
        if let Some((prefix, suffix)) = around_placeholder(span)
            && prefix.starts_with(|c: char| c.is_ascii_alphabetic())
            && !prefix.contains(':')
        {
            return Some((prefix, suffix));
        }
    }
    None
}

/// The text before and after the key's placeholder in a header value: `{…}`, `<…>`, or an
/// upper-case name of a key or token (`YOUR_API_KEY`). The text after it ends at a space and
/// loses a sentence's closing punctuation; a value with nothing of a header about it is None.
fn around_placeholder(value: &str) -> Option<(String, String)> {
    let value = value.trim_start();
    let mut found: Option<(usize, usize)> = None;
    for (open, close) in [('{', '}'), ('<', '>')] {
        if let Some(i) = value.find(open)
            && let Some(j) = value[i + 1..].find(close)
            && (1..=40).contains(&j)
            && found.is_none_or(|(a, _)| i < a)
        {
            found = Some((i, i + 1 + j + 1));
        }
    }
    if found.is_none() {
        let mut at = 0;
        for word in value.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            let start = value[at..].find(word).map(|k| at + k).unwrap_or(at);
            at = start + word.len();
            if word.len() >= 3
                && word
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                && (word.contains("KEY") || word.contains("TOKEN"))
            {
                found = Some((start, start + word.len()));
                break;
            }
        }
    }
    let (start, end) = found?;
    let prefix = &value[..start];
    // A sentence before the placeholder is prose, not the header's value.
    if prefix.chars().count() > 40 || prefix.contains(". ") || prefix.contains(['`', '\n']) {
        return None;
    }
    let after = &value[end..];
    let mut suffix = after
        .split(char::is_whitespace)
        .next()
        .unwrap_or("")
        .trim_end_matches(['.', ',', ';', ':', ')', '!', '?'])
        .to_string();
    // A quote closes one opened before the key, or the quoted text the value stood in.
    if (prefix.matches('"').count() + suffix.matches('"').count()) % 2 == 1 {
        suffix = suffix.trim_end_matches('"').to_string();
    }
    let prefix = prefix.trim_start_matches('"').to_string();
    Some((prefix, suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_formats_come_from_the_description() {
        let f = |h: &str, d: &str| of(h, d).map(|(p, s)| format!("{p}<api_key>{s}"));
        let okta = "Pass the API token as the Authorization header value prefixed with SSWS: `Authorization: SSWS {API Token}`";
        assert_eq!(f("Authorization", okta).as_deref(), Some("SSWS <api_key>"));
        assert_eq!(f("Authorization", "Discord bot token"), None);
        assert_eq!(f("X-API-Key", "X-API-Key: {key}"), None);
        assert_eq!(f("X-API-Key", "API key request header"), None);
        for (d, want) in [
            ("authorization: Key <key>", "Key <api_key>"),
            (
                "Send `Authorization: Token token=<API_KEY>` with every request.",
                "Token token=<api_key>",
            ),
            (
                "Authorization: Token token=YOUR_API_KEY. Keys are per user.",
                "Token token=<api_key>",
            ),
            ("Use the format `Bearer <token>`.", "Bearer <api_key>"),
            ("Format: `ApiKey {key}`", "ApiKey <api_key>"),
            (
                "Example: \"Authorization: Bearer {token}\"",
                "Bearer <api_key>",
            ),
            (
                "Authorization: Token token=\"{key}\", user=me",
                "Token token=\"<api_key>\"",
            ),
            ("Authorization: SSWS &lt;token&gt;", "SSWS <api_key>"),
        ] {
            assert_eq!(f("Authorization", d).as_deref(), Some(want), "{d}");
        }
        // Another header's format, a URL, or prose around a placeholder is not this header's.
        for d in [
            "`X-Other: Bearer {token}`",
            "See `https://example.com/{id}` for keys.",
            "Authorization: get it from the console. Then send {key}",
            "XAuthorization: Bearer {t}",
        ] {
            assert_eq!(f("Authorization", d), None, "{d}");
        }
    }
}
