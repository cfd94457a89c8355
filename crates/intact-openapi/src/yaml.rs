//! YAML text to a `serde_json::Value` with `serde_saphyr`, a large description on two threads.
//!
//! Reading YAML is most of a first check of a project with a large description (94 ms of the
//! 0.21 s for Okta's 3.5 MB). A description is a mapping whose keys start at column 0, and the
//! largest of its entries (`paths`) a mapping whose keys start at one indentation. So the text
//! is cut at such key lines into pieces that are each a YAML document of their own: the part
//! before the largest entry, that entry's body in two halves, the part after it. The pieces are
//! read by `serde_saphyr` (each with the same limits) on two threads and joined in order.
//!
//! A cut never changes what the document means, or the reading fails and the whole text is read
//! in one piece instead (which also gives the error with its real line): a key line at the
//! indentation a cut is made at cannot continue a scalar or a block above it (those are
//! indented deeper); a flow collection or quoted scalar cut in two does not read; an alias to an
//! anchor in another piece does not read; a key given in two pieces is refused when joining.
//! `tests/yaml_pieces.rs` reads every YAML description of the corpus both ways and requires the
//! same value, keys in the same order.

use serde_json::{Map, Value};

/// Below this size a text is read in one piece: a thread costs more than it saves.
pub const PIECES_FROM: usize = 256 * 1024;

/// Reads `text`: in pieces when it is at least `pieces_from` bytes and cuts cleanly, else whole.
pub fn read(text: &str, pieces_from: usize) -> Result<Value, serde_saphyr::Error> {
    if text.len() >= pieces_from
        && let Some(v) = in_pieces(text)
    {
        return Ok(v);
    }
    serde_saphyr::from_str(text)
}

/// The offsets of the lines of `text[from..to]` (absolute) that start with a key at exactly
/// `indent` spaces.
fn key_lines(text: &str, from: usize, to: usize, indent: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = from;
    while at < to {
        let end = text[at..to].find('\n').map_or(to, |i| at + i + 1);
        let line = &text[at..end];
        let rest = &line[indent.min(line.len())..];
        let spaces = line.len() - line.trim_start_matches(' ').len();
        if spaces == indent
            && rest
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || matches!(c, '/' | '"' | '\'' | '_'))
        {
            out.push(at);
        }
        at = end;
    }
    out
}

/// `text` read in pieces on two threads, or `None` when it does not cut cleanly (the caller reads
/// it whole).
pub fn in_pieces(text: &str) -> Option<Value> {
    let tops = key_lines(text, 0, text.len(), 0);
    let end_of = |i: usize| tops.get(i + 1).copied().unwrap_or(text.len());
    // The largest top-level entry.
    let big = (0..tops.len()).max_by_key(|&i| end_of(i) - tops[i])?;
    let (start, end) = (tops[big], end_of(big));
    let header_end = start + text[start..end].find('\n')? + 1;
    let body = &text[header_end..end];
    let indent = body
        .lines()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .filter(|&n| n > 0)?;
    // The body's cut nearest the middle of the whole text, so the two threads read about alike.
    let middle = text.len() / 2;
    let cut = key_lines(text, header_end, end, indent)
        .into_iter()
        .filter(|&c| c > header_end)
        .min_by_key(|&c| c.abs_diff(middle))?;
    let pieces = [
        &text[..start],
        &text[header_end..cut],
        &text[cut..end],
        &text[end..],
    ];
    let (first, second) = std::thread::scope(|s| {
        let later = s.spawn(|| (piece(pieces[2]), piece(pieces[3])));
        let now = (piece(pieces[0]), piece(pieces[1]));
        (now, later.join().ok())
    });
    let (before, body1) = first;
    let (body2, after) = second?;
    // The entry's key, as YAML reads it (quoted or not).
    let Value::Object(header) = serde_saphyr::from_str::<Value>(&text[start..header_end]).ok()?
    else {
        return None;
    };
    let (key, value) = header.into_iter().next()?;
    if !value.is_null() {
        return None;
    }
    let mut entry = body1?;
    join(&mut entry, body2?)?;
    let mut whole = before?;
    if whole.insert(key, Value::Object(entry)).is_some() {
        return None;
    }
    join(&mut whole, after?)?;
    Some(Value::Object(whole))
}

/// One piece: a mapping (an empty piece is an empty one), or `None` when it does not read so.
fn piece(text: &str) -> Option<Map<String, Value>> {
    if text.trim().is_empty()
        || text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Some(Map::new());
    }
    match serde_saphyr::from_str::<Value>(text).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// Appends `more` to `into`, refusing a key both have.
fn join(into: &mut Map<String, Value>, more: Map<String, Value>) -> Option<()> {
    for (k, v) in more {
        if into.insert(k, v).is_some() {
            return None;
        }
    }
    Some(())
}
