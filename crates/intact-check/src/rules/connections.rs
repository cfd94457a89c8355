//! Connections and their auth, and each request's connection, method, bodies and expected statuses.

use intact_model::symbols::{Site, Symbol};
use intact_model::{Ident, Request, Step, StepKind, Template, catalogue};

use super::*;
use crate::Diagnostic;
use crate::registry::Rule;

impl<'a> ModelRules<'a> {
    pub(super) fn connections(&self, out: &mut Vec<Diagnostic>) {
        for c in &self.m.connections {
            let mut urls: Vec<(&str, &Template)> =
                c.base_url.iter().map(|u| ("base-url", u)).collect();
            if let Some(auth) = &c.auth {
                urls.extend(
                    ["token-url", "authorize-url", "refresh-url"]
                        .into_iter()
                        .filter_map(|k| Some((k, auth.setting(k)?))),
                );
            }
            for (setting, u) in urls {
                let verdict = intact_model::urls::judge_template(&u.text);
                out.extend(crate::insecure_url(
                    u.loc,
                    &format!("`{setting}`"),
                    &verdict,
                ));
            }
        }
        let owners = self
            .m
            .actions
            .iter()
            .map(|ac| {
                (
                    Owner {
                        connection: ac.connection.as_ref(),
                        fixed: None,
                        what: "action",
                        name: &ac.name.name,
                    },
                    &ac.steps,
                )
            })
            .chain(self.m.flows.iter().map(|f| {
                (
                    Owner {
                        connection: f.connection.as_ref(),
                        fixed: None,
                        what: "flow",
                        name: &f.name.name,
                    },
                    &f.steps,
                )
            }))
            .chain(self.m.connections.iter().filter_map(|c| {
                c.ping.as_ref().map(|p| {
                    (
                        Owner {
                            connection: None,
                            fixed: Some(c),
                            what: "ping of connection",
                            name: &c.name.name,
                        },
                        p,
                    )
                })
            }));
        let names: Vec<&str> = self
            .m
            .connections
            .iter()
            .map(|c| c.name.name.as_str())
            .collect();
        // Every `connection` a definition, a request or a test names, from the symbol index.
        for o in self
            .index
            .occurrences
            .iter()
            .filter(|o| !o.is_definition() && o.site != Site::Env)
        {
            if let Symbol::Connection(name) = &o.symbol
                && self.connection(name).is_none()
            {
                let id = Ident {
                    name: name.clone(),
                    loc: o.loc,
                };
                out.push(self.unresolved("connection", &id, names.clone()));
            }
        }
        for (owner, steps) in owners {
            intact_model::walk_steps(steps, &mut |s| {
                let StepKind::Request(req) = &s.kind else {
                    return;
                };
                self.request(&owner, s, req, &names, out);
            });
        }
    }

    pub(super) fn request(
        &self,
        owner: &Owner,
        step: &Step,
        req: &Request,
        names: &[&str],
        out: &mut Vec<Diagnostic>,
    ) {
        match &req.connection {
            // An unknown one is reported with every other connection reference (`connections`).
            Some(_) => {}
            None if owner.connection.is_none() && owner.fixed.is_none() => match self.m.connections.len() {
                0 => out.push(
                    Diagnostic::new(Rule::ConnectionMissing, step.keyword, "this request needs a connection, but the project has none")
                        .label("no connection to send through")
                        .help("add `connection \"api\" { base-url \"https://…\" }` to the project"),
                ),
                1 => {}
                _ => out.push(
                    Diagnostic::new(Rule::ConnectionAmbiguous, step.keyword, format!("which connection should this request of {} `{}` use?", owner.what, owner.name))
                        .label("no connection named")
                        .help(format!("the project has several ({}); add `connection=\"…\"` to the request or to its {}", names.join(", "), owner.what)),
                ),
            },
            None => {}
        }
        if let Some(path) = &req.path
            && !path.text.starts_with('/')
            && !path.text.starts_with("${")
        {
            let fixed = format!("/{}", path.text);
            out.push(
                Diagnostic::new(Rule::HttpPath, path.loc, "a request path must start with `/`")
                    .label("relative to the connection's base URL")
                    .help(if path.text.contains("://") {
                        "put the scheme and host in the connection's `base-url`; the path is what follows it".to_string()
                    } else {
                        format!("write \"{fixed}\"")
                    }),
            );
        }
        if req.bodies.len() > 1 {
            let (first, rest) = req.bodies.split_first().unwrap();
            for (kind, loc) in rest {
                out.push(
                    Diagnostic::new(
                        Rule::HttpBodyConflict,
                        *loc,
                        format!(
                            "a request has one body, but `{kind}` is given after `{}`",
                            first.0
                        ),
                    )
                    .label("second body")
                    .related(first.1, "first body")
                    .help("keep one of `json`, `form` and `body`"),
                );
            }
        }
        if let (Some((method, _)), Some((kind, loc))) = (&req.method, req.bodies.first())
            && catalogue::Method::parse(method).is_some_and(catalogue::Method::body_is_unusual)
        {
            out.push(
                Diagnostic::new(Rule::HttpBodyOnGet, *loc, format!("a {method} request with a `{kind}` body"))
                    .label("body on a request that usually has none")
                    .help("many servers and proxies drop or refuse it: send the data as `query` parameters, or use POST"),
            );
        }
    }
}
