//! Secrets kept where they belong (`secret::exposed`, `secret::literal`).

use intact_model::{ConnectionDef, Loc, ParamDef, Role, Step, StepKind, template};

use super::*;

impl ModelRules<'_> {
    /// A password param (or token) may be used only by its connection's base URL, headers and auth,
    /// and in request headers sent through that same connection.
    pub(super) fn secrets(&self, out: &mut Vec<Diagnostic>) {
        let m = self.m;
        let check = |steps: &[Step], conn: Option<&ConnectionDef>, out: &mut Vec<Diagnostic>| {
            let Some(c) = conn else { return };
            let secret = c.secret_params();
            intact_model::walk_steps(steps, &mut |s| {
                let to_other_connection = matches!(&s.kind, StepKind::Request(r) if r.connection.as_ref().is_some_and(|n| n.name != c.name.name));
                for t in &s.templates {
                    if t.role == Role::Header && !to_other_connection {
                        continue;
                    }
                    for (at, field) in template::members(&t.text, "auth") {
                        if !secret.iter().any(|x| x == field) {
                            continue;
                        }
                        let where_ = match t.role {
                            Role::Path => "into a request path",
                            Role::Query => "into a query parameter",
                            Role::Body => "into a request body",
                            Role::Log => "into a log line",
                            Role::Header => "to another connection",
                            Role::Value => "into a value of the run (it may end in an output)",
                        };
                        out.push(
                                Diagnostic::new(Rule::SecretExposed, t.sub_loc(at, field.len()), format!("the secret `auth.{field}` goes {where_}"))
                                    .label("secret used here")
                                    .help(format!(
                                        "a secret (a password param, or a param the auth sends as a credential) may be used only by connection `{}`'s headers and auth, and so may every value computed from it; send it there (e.g. `auth \"custom\" {{ header … }}`)",
                                        c.name.name
                                    )),
                            );
                    }
                }
            });
        };
        for ac in &m.actions {
            check(
                &ac.steps,
                m.connection(ac.connection.as_ref().map(|n| n.name.as_str())),
                out,
            );
        }
        for f in &m.flows {
            check(
                &f.steps,
                m.connection(f.connection.as_ref().map(|n| n.name.as_str())),
                out,
            );
        }
        for mp in &m.mappings {
            let mut ts = Vec::new();
            mp.tree.templates(&mut ts);
            for t in ts {
                for (at, field) in template::members(&t.text, "auth") {
                    out.push(
                        Diagnostic::new(
                            Rule::SecretExposed,
                            t.sub_loc(at, field.len()),
                            format!("a mapping reads the connection param `auth.{field}`"),
                        )
                        .label("params are not in scope in mappings")
                        .help("mappings build data; pass what they need as their argument"),
                    );
                }
            }
        }
        // A literal credential in a connection: a password param's default, or an auth value
        // without any `${…}`.
        for c in &m.connections {
            let secret = c.secret_params();
            for p in c.params.iter().filter(|p| secret.contains(&p.name.name)) {
                if let Some(at) = self.literal_default(p) {
                    out.push(
                        Diagnostic::new(
                            Rule::SecretLiteral,
                            at,
                            format!(
                                "{} `{}` has a literal value",
                                if p.password { "password param" } else { "secret param" },
                                p.name.name
                            ),
                        )
                        .label("literal secret")
                        .help("remove the `default`: the administrator enters the value at install time, and runs read it from the environment (`{ env = \"VAR\" }` in `env/NAME.toml`)"),
                    );
                }
            }
            let Some(auth) = &c.auth else { continue };
            let literal = auth
                .settings
                .iter()
                .filter(|(k, _)| matches!(k.as_str(), "token" | "password"))
                .map(|(_, t)| t)
                .chain(auth.credentials.iter().map(|(_, _, t)| t))
                .filter(|t| !template::has_expressions(&t.text) && !t.text.is_empty());
            for t in literal {
                out.push(
                    Diagnostic::new(Rule::SecretLiteral, t.loc, "a credential is written into the project")
                        .label("literal secret")
                        .help("declare a password param and use it (`${auth.token}`); its value comes from the environment at run time"),
                );
            }
        }
    }

    /// The location of a param's `default` when it is text without `${…}`. The model does not
    /// keep defaults (nothing runs with them), so this reads the param's node.
    fn literal_default(&self, p: &ParamDef) -> Option<Loc> {
        fn find(
            nodes: &[intact_syntax::Node],
            span: intact_syntax::Span,
        ) -> Option<&intact_syntax::Node> {
            nodes.iter().find_map(|n| {
                if n.span == span {
                    return Some(n);
                }
                (n.span.start <= span.start && span.end <= n.span.end)
                    .then(|| n.blocks.iter().find_map(|b| find(&b.nodes, span)))
                    .flatten()
            })
        }
        let file = self.a.file(p.loc.file);
        let node = find(&file.parse.document.nodes, p.loc.span)?;
        let value = node
            .children()
            .filter(|c| c.name() == "default")
            .find_map(|c| c.arg(0))?;
        let text = value.value.as_str()?;
        (!text.is_empty() && !template::has_expressions(text))
            .then(|| Loc::new(p.loc.file, value.span))
    }
}
