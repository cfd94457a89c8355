//! Tests and `test-defaults`: their targets, the params and mocks they set, mock routes.

use intact_model::symbols::{Site, Symbol};
use intact_model::{ConnectionDef, Ident, Loc, MockRoute, TestDef, template};

use super::*;
use crate::registry::Rule;
use crate::{Diagnostic, suggest};

impl<'a> ModelRules<'a> {
    pub(super) fn tests(&self, out: &mut Vec<Diagnostic>) {
        let actions: Vec<&str> = self
            .m
            .actions
            .iter()
            .map(|a| a.name.name.as_str())
            .collect();
        let flows: Vec<&str> = self.m.flows.iter().map(|a| a.name.name.as_str()).collect();
        // A target the project does not define, from the symbol index.
        for o in self
            .index
            .occurrences
            .iter()
            .filter(|o| o.site == Site::TestTarget)
        {
            if self.index.definition(&o.symbol).is_some() {
                continue;
            }
            let id = Ident {
                name: o.symbol.name().to_string(),
                loc: o.loc,
            };
            out.push(match o.symbol {
                Symbol::Action(_) => target_missing(&id, "action", &actions),
                _ => target_missing(&id, "flow", &flows),
            });
        }
        for t in &self.m.tests {
            match (&t.action, &t.flow) {
                (Some(_), None) | (None, Some(_)) => {}
                (Some(a), Some(_)) => out.push(
                    Diagnostic::new(
                        Rule::TestTarget,
                        a.loc,
                        format!("test `{}` names both an action and a flow", t.name.name),
                    )
                    .label("two targets")
                    .help("a test runs one target: keep `action=` or `flow=`"),
                ),
                (None, None) => out.push(
                    Diagnostic::new(
                        Rule::TestTarget,
                        t.name.loc,
                        format!("test `{}` names no target", t.name.name),
                    )
                    .label("nothing to run")
                    .help("add `action=\"…\"` or `flow=\"…\"`"),
                ),
            }
        }
        for t in &self.m.tests {
            self.test_params(t, out);
        }
        // Defaults are checked as written too, in case no test uses them yet; what tests took
        // from them is reported once (findings are deduplicated).
        for t in self.m.tests.iter().chain(&self.m.test_defaults) {
            for r in &t.run.routes {
                if let Some(d) = self.mock_path_with_query(r) {
                    out.push(d);
                }
            }
        }
    }

    /// A test that mocks a connection must give each param the connection's auth and URL read
    /// (`auth.NAME`), or the run fails on the missing value; a param with `from=` falls back to
    /// its tenant variable, and a test that reads an environment (`env`) may get them there.
    pub(super) fn test_params(&self, t: &TestDef, out: &mut Vec<Diagnostic>) {
        if t.run.env.is_some() {
            return;
        }
        let mut seen = Vec::new();
        for r in &t.run.routes {
            let Some(conn) = self.connection(&r.connection) else {
                continue;
            };
            if seen.contains(&&conn.name.name) {
                continue;
            }
            seen.push(&conn.name.name);
            // OAuth 2.0 tokens come from the mock server's token endpoint.
            if conn.is_oauth2() {
                continue;
            }
            let given: Vec<&str> = t
                .run
                .params
                .iter()
                .filter(|(c, _)| c.name == conn.name.name)
                .flat_map(|(_, v)| v.iter().map(|(k, _)| k.name.as_str()))
                .collect();
            for name in connection_reads(conn) {
                let declared = conn.params.iter().find(|p| p.name.name == name);
                if given.contains(&name.as_str()) || declared.is_some_and(|p| p.from.is_some()) {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        Rule::TestMissingParam,
                        t.name.loc,
                        format!(
                            "test `{}` gives no value for `{name}` of connection `{}`, which its requests need",
                            t.name.name, conn.name.name
                        ),
                    )
                    .label(format!("no `{name}`"))
                    .help(format!(
                        "add `params \"{}\" {name}=\"…\"` to the test, or to a `test-defaults` block for every test",
                        conn.name.name
                    )),
                );
            }
        }
    }

    /// `on "GET" "/people?after=x"`: a route's path never holds a query; its parameters are
    /// matched by `query` children, which the fix writes.
    pub(super) fn mock_path_with_query(&self, r: &MockRoute) -> Option<Diagnostic> {
        let (path, query) = r.path.split_once('?')?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        let lines: Vec<String> = pairs
            .iter()
            .map(|(k, v)| {
                format!(
                    "query {} {}",
                    intact_syntax::quote(k),
                    intact_syntax::quote(v)
                )
            })
            .collect();
        let mut d = Diagnostic::new(
            Rule::TestMockPath,
            r.path_loc,
            format!("the mock route's path `{}` holds a query", r.path),
        )
        .label("`?` starts a query")
        .help(if lines.is_empty() {
            format!("write the path without `?`: \"{path}\"")
        } else {
            format!(
                "write the path without its query, and match the query with `query` children:\n{}",
                lines.join("\n")
            )
        });
        // The fix: the path alone, and the `query` lines first in the route's block.
        let text = self.a.file(r.loc.file).text();
        let head_end = r.loc.span.end as usize;
        let after = &text[head_end..];
        let open = after.len() - after.trim_start_matches([' ', '\t']).len();
        if after[open..].starts_with('{') {
            let line_start = text[..r.loc.span.start as usize]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let indent: String = text[line_start..]
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            let brace = (head_end + open + 1) as u32;
            let inserted: String = lines.iter().map(|l| format!("\n{indent}    {l}")).collect();
            d = d.fix_edits(
                "move the query into `query` children",
                vec![
                    (r.path_loc, intact_syntax::quote(path)),
                    (
                        Loc::new(r.loc.file, intact_syntax::Span::empty(brace)),
                        inserted,
                    ),
                ],
            );
        }
        Some(d)
    }
}

fn target_missing(id: &Ident, what: &str, names: &[&str]) -> Diagnostic {
    let mut d = Diagnostic::new(
        Rule::TestUnknownTarget,
        id.loc,
        format!("no {what} named `{}` to test", id.name),
    )
    .label(format!("unknown {what}"));
    d = match suggest(&id.name, names.iter().copied()) {
        Some(best) => d.help(format!("did you mean `{best}`?")).fix(
            format!("Replace with `{best}`"),
            id.loc,
            intact_syntax::quote(best),
        ),
        None => d.help(format!("the test must name an existing {what}")),
    };
    d
}

/// The params (`auth.NAME`) a connection's URL, headers and auth read when a request goes through
/// it, the implicit ones of basic and bearer auth included.
fn connection_reads(conn: &ConnectionDef) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    if let Some(auth) = &conn.auth {
        let implicit: &[&str] = match auth.form {
            AuthKind::Basic => &["username", "password"],
            AuthKind::Bearer => &["token"],
            _ => &[],
        };
        // Without its setting, the form reads the param of the same name.
        for n in implicit {
            if auth.setting(n).is_none() {
                names.push((*n).to_string());
            }
        }
    }
    for t in conn.templates() {
        names.extend(
            template::members(&t.text, "auth")
                .into_iter()
                .map(|(_, f)| f.to_string()),
        );
    }
    names.sort();
    names.dedup();
    names
}
