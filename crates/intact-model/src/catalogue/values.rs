//! Values the language reads from text: user-given names, durations, sizes.

/// Whether `name` is a valid user-given name.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The snake_case spelling of a name, for the help of `name::invalid`, a refused rename and
/// `intact init`; "name" when nothing of it survives.
pub fn to_snake_case(name: &str) -> String {
    let out = snake_case(name);
    if out.is_empty() { "name".into() } else { out }
}

/// snake_case, the one converter (the importer names what it writes with it too): `getUser` →
/// `get_user`, `X-Request-ID` → `x_request_id`, `repos/get-content` → `repos_get_content`,
/// `HTTPServer` → `http_server`; a leading digit gets `n_`; empty when nothing ASCII survives.
/// Written here rather than taken from `heck`: a name is `^[a-z][a-z0-9_]*$`, and heck keeps
/// Unicode letters and leading digits (docs/decisions/0007-snake-case.md).
pub fn snake_case(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                // The last capital of an acronym starts the next word: HTTPServer → http_server.
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_');
    match out.chars().next() {
        Some(c) if c.is_ascii_lowercase() => out.to_string(),
        Some(_) => format!("n_{out}"),
        None => String::new(),
    }
}

/// Parses a duration such as "30s", "500ms", "2m" into milliseconds.
pub fn parse_duration_ms(text: &str) -> Option<u64> {
    let (num, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = num.parse().ok()?;
    match unit {
        "ms" => Some(n),
        "s" => n.checked_mul(1000),
        "m" => n.checked_mul(60_000),
        _ => None,
    }
}

/// The largest `max-response-size`: bodies are held in memory, and parsed JSON takes several
/// times its text.
pub const MAX_RESPONSE_SIZE_LIMIT: u64 = 1024 * 1024 * 1024;

/// Parses a size such as "64MiB", "512KiB", "1GiB", "100B" into bytes.
pub fn parse_size_bytes(text: &str) -> Option<u64> {
    let (num, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = num.parse().ok()?;
    let factor: u64 = match unit {
        "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_enums_name_what_the_catalogue_lists() {
        use crate::catalogue::*;
        let kinds: Vec<&str> = AuthKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(kinds, AUTH_FORMS);
        let specs: Vec<&str> = AUTH_FORM_SPECS.iter().map(|f| f.name).collect();
        assert_eq!(specs, AUTH_FORMS);
        let grants: Vec<&str> = Grant::ALL.iter().map(|g| g.as_str()).collect();
        assert_eq!(grants, GRANTS);
        let client_auths: Vec<&str> = ClientAuth::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(client_auths, CLIENT_AUTHS);
    }

    use crate::catalogue::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size_bytes("64MiB"), Some(64 << 20));
        assert_eq!(parse_size_bytes("512KiB"), Some(512 << 10));
        assert_eq!(parse_size_bytes("1GiB"), Some(1 << 30));
        assert_eq!(parse_size_bytes("100B"), Some(100));
        assert_eq!(parse_size_bytes("64MB"), None);
        assert_eq!(parse_size_bytes("MiB"), None);
        assert_eq!(parse_size_bytes("99999999999999GiB"), None);
    }

    #[test]
    fn specs_are_in_kind_order() {
        for (i, s) in SPECS.iter().enumerate() {
            assert_eq!(s.kind as usize, i, "{} is out of order", s.name);
        }
        assert_eq!(SPECS.len(), Kind::TestDefaults as usize + 1);
    }

    #[test]
    fn child_names_are_unique_per_parent() {
        for s in SPECS {
            let mut names: Vec<&str> = s.allowed_children().map(|c| spec(c.kind).name).collect();
            names.sort();
            let before = names.len();
            names.dedup();
            assert_eq!(
                before,
                names.len(),
                "{} has two children with one name",
                s.name
            );
        }
    }

    #[test]
    fn snake_case_spellings() {
        assert_eq!(to_snake_case("createUser"), "create_user");
        assert_eq!(to_snake_case("Create-User"), "create_user");
        assert_eq!(to_snake_case("9lives"), "n_9lives");
        assert_eq!(to_snake_case("HTTPServer"), "http_server");
        assert_eq!(to_snake_case("--"), "name");
        assert_eq!(snake_case("getUser"), "get_user");
        assert_eq!(snake_case("X-Request-ID"), "x_request_id");
        assert_eq!(snake_case("repos/get-content"), "repos_get_content");
        assert_eq!(snake_case("yourOktaDomain"), "your_okta_domain");
        assert_eq!(snake_case("page[size]"), "page_size");
        assert_eq!(snake_case("$filter"), "filter");
        assert_eq!(snake_case("2fa"), "n_2fa");
        assert_eq!(snake_case("Ünïcode"), "n_code");
        assert_eq!(snake_case("--"), "");
        assert_eq!(snake_case("already_snake_1"), "already_snake_1");
        assert!(is_valid_name("create_user2"));
        assert!(!is_valid_name("Create"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("30s"), Some(30_000));
        assert_eq!(parse_duration_ms("500ms"), Some(500));
        assert_eq!(parse_duration_ms("s"), None);
        assert_eq!(parse_duration_ms("3h"), None);
    }
}
