//! Editor features in environment files (`env/NAME.toml`), which are TOML, not KDL: completion
//! of section headers (`[app]`, `[connection.NAME]`) and of the keys a section takes (the tenant
//! variables under `[app]`, a connection's params and run settings under `[connection.NAME]`).

use intact_model::project::ENV_CONNECTION_SETTINGS;
use intact_syntax::Span;

use crate::item::{CompletionItem, CompletionKind};
use crate::{FilePosition, Snapshot};

/// What the cursor is in: the section a key would go in, and what is typed of the key.
enum Place<'t> {
    /// Inside `[…]` of a header line.
    Header { typed: &'t str, start: u32 },
    /// At the start of a line (a key being typed) under `section`.
    Key {
        section: Option<&'t str>,
        typed: &'t str,
        start: u32,
    },
    /// After `=` or anywhere else: nothing to offer.
    Value,
}

fn place(text: &str, offset: u32) -> Place<'_> {
    let before = &text[..(offset as usize).min(text.len())];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = &before[line_start..];
    let trimmed = line.trim_start();
    let indent = (line.len() - trimmed.len()) as u32;
    if let Some(inside) = trimmed.strip_prefix('[') {
        return Place::Header {
            typed: inside,
            start: line_start as u32 + indent + 1,
        };
    }
    if trimmed.contains('=') || trimmed.contains('#') {
        return Place::Value;
    }
    let section = before[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find_map(|l| l.strip_prefix('[').and_then(|l| l.split(']').next()));
    Place::Key {
        section: section.map(str::trim),
        typed: trimmed,
        start: line_start as u32 + indent,
    }
}

/// Completion in an environment file.
pub fn completions(analysis: &Snapshot, pos: FilePosition) -> Vec<CompletionItem> {
    let text = analysis.file(pos.file).text();
    let m = &analysis.model;
    let item = |label: String, insert: String, detail: Option<String>, start: u32| CompletionItem {
        label,
        kind: CompletionKind::Property,
        detail,
        documentation: None,
        insert,
        replace: Span::new(start, pos.offset),
    };
    let mut out = Vec::new();
    match place(text, pos.offset) {
        Place::Header { typed, start } => {
            let mut sections = vec![("app".to_string(), "the tenant variables".to_string())];
            sections.extend(m.connections.iter().map(|c| {
                (
                    format!("connection.{}", c.name.name),
                    format!("the params of connection `{}`", c.name.name),
                )
            }));
            for (name, detail) in sections.into_iter().filter(|(n, _)| n.starts_with(typed)) {
                out.push(item(name.clone(), name, Some(detail), start));
            }
        }
        Place::Key {
            section,
            typed,
            start,
        } => {
            let given = |key: &str| {
                text.lines().any(|l| {
                    l.trim_start()
                        .strip_prefix(key)
                        .is_some_and(|r| r.trim_start().starts_with('='))
                })
            };
            match section {
                Some("app") => {
                    for v in &m.variables {
                        let name = &v.name.name;
                        if name.starts_with(typed) && !given(name) {
                            out.push(item(
                                name.clone(),
                                format!("{name} = "),
                                v.label.clone().or_else(|| Some("tenant variable".into())),
                                start,
                            ));
                        }
                    }
                }
                Some(s) => {
                    let Some(conn) = s
                        .strip_prefix("connection.")
                        .and_then(|n| m.connection(Some(n.trim())))
                    else {
                        return out;
                    };
                    for p in conn.all_params() {
                        if p.name.starts_with(typed) && !given(&p.name) {
                            let detail = if p.secret {
                                "param (a secret: write { env = \"VAR\" })"
                            } else {
                                "param"
                            };
                            out.push(item(
                                p.name.clone(),
                                format!("{} = ", p.name),
                                Some(detail.into()),
                                start,
                            ));
                        }
                    }
                    for s in ENV_CONNECTION_SETTINGS {
                        if s.starts_with(typed) && !given(s) {
                            out.push(item(
                                s.to_string(),
                                format!("{s} = "),
                                Some("run setting".into()),
                                start,
                            ));
                        }
                    }
                }
                None => {}
            }
        }
        Place::Value => {}
    }
    out
}

/// Hover on a key of an environment file: what it gives a value to (a tenant variable with its
/// label, a connection's param, whether it is a secret), from the symbol index.
pub fn hover(analysis: &Snapshot, pos: FilePosition) -> Option<crate::Hover> {
    use intact_model::symbols::{Site, Symbol};
    let index = analysis.symbols();
    let o = index
        .at(pos.file, pos.offset)
        .filter(|o| o.site == Site::Env)?;
    let m = &analysis.model;
    let markdown = match &o.symbol {
        Symbol::Variable(name) => {
            let v = m.variables.iter().find(|v| &v.name.name == name)?;
            let mut text = format!("**tenant variable `{name}`**");
            if let Some(l) = &v.label {
                text.push_str(&format!(": {l}"));
            }
            if let Some(d) = &v.description {
                text.push_str(&format!("\n\n{d}"));
            }
            text.push_str(&format!("\n\nRead in the project as `${{app.{name}}}`."));
            text
        }
        Symbol::Connection(name) => format!(
            "**connection `{name}`**: the params and run settings this environment gives it."
        ),
        Symbol::Param { connection, name } => {
            let c = m.connection(Some(connection))?;
            let info = c.all_params().iter().find(|p| &p.name == name)?;
            let secret = if info.secret {
                " A secret: give it as `{ env = \"VAR\" }` or `{ file = \"path\" }`, never as a literal."
            } else {
                ""
            };
            format!(
                "**param `{name}` of connection `{connection}`**: read as `${{auth.{name}}}`.{secret}"
            )
        }
        _ => return None,
    };
    Some(crate::Hover {
        markdown,
        span: o.loc.span,
        rule_links: Vec::new(),
    })
}
