//! Rules over the whole project model: the project node, names and their resolution, variables,
//! auth, connections, contracts, flows, HTTP requests and tests.

use std::collections::HashMap;

use intact_model::catalogue::{AuthKind, MAX_VARIABLES};
use intact_model::contracts::{self, CONTRACTS, Switch};
use intact_model::symbols::{Site, Symbol, SymbolIndex};
use intact_model::*;

use crate::{Diagnostic, suggest};

pub(crate) fn check_model(a: &Analysis, out: &mut Vec<Diagnostic>) {
    let m = &a.model;
    let cx = Cx {
        a,
        m,
        index: a.symbols(),
    };
    cx.project(out);
    cx.duplicates(out);
    cx.variables(out);
    cx.connections(out);
    cx.contracts(out);
    cx.flows(out);
    cx.tests(out);
    cx.cycles(out);
}

struct Cx<'a> {
    a: &'a Analysis,
    m: &'a Model,
    /// Every name's definition and references: whether a name resolves is read here, once.
    index: &'a SymbolIndex,
}

/// Where a step list lives, for resolving its requests' connection.
struct Owner<'a> {
    connection: Option<&'a Ident>,
    /// The connection a ping belongs to.
    fixed: Option<&'a ConnectionDef>,
    what: &'static str,
    name: &'a str,
}

impl<'a> Cx<'a> {
    fn project(&self, out: &mut Vec<Diagnostic>) {
        let root_file = self.a.file_id(std::path::Path::new(project::ROOT_FILE));
        let main = self.project_def();
        match self.m.projects.as_slice() {
            [] => {
                let loc = Loc::new(root_file.unwrap_or(0), intact_syntax::Span::empty(0));
                if !self.a.files.is_empty() {
                    out.push(
                        Diagnostic::new(
                            "project::missing",
                            loc,
                            "the project has no `project` node",
                        )
                        .label("expected here")
                        .help("add `project \"my_app\" { display-name \"My App\" }` to intact.kdl"),
                    );
                }
            }
            all => {
                let first = main.expect("a project exists");
                for p in all.iter().filter(|p| !std::ptr::eq(*p, first)) {
                    out.push(
                        Diagnostic::new(
                            "project::duplicate",
                            p.loc,
                            "a project has exactly one `project` node",
                        )
                        .label("another project node")
                        .related(first.loc, "the project is defined here")
                        .help("merge them into the one in intact.kdl"),
                    );
                }
            }
        }
        for p in &self.m.projects {
            if Some(p.loc.file) != root_file {
                out.push(
                    Diagnostic::new(
                        "project::misplaced",
                        p.loc,
                        "the `project` node must be in the root intact.kdl",
                    )
                    .label(format!("in {}", self.a.file(p.loc.file).path().display()))
                    .help("move it to intact.kdl at the project root"),
                );
            }
            let caps: Vec<&str> = p.capabilities.iter().map(|c| c.name.as_str()).collect();
            if let Some(em) = p
                .capabilities
                .iter()
                .find(|c| c.name == "entitlement-management")
                && !caps.contains(&"provisioning")
            {
                out.push(
                    Diagnostic::new(
                        "project::capability-dependency",
                        em.loc,
                        "entitlement management needs the provisioning capability",
                    )
                    .label("declared without provisioning")
                    .help("add `capability \"provisioning\"` to the project"),
                );
            }
            let mut seen: Vec<(&str, Loc)> = Vec::new();
            for c in &p.capabilities {
                if let Some((_, first)) = seen.iter().find(|(n, _)| *n == c.name) {
                    out.push(
                        Diagnostic::new(
                            "name::duplicate",
                            c.loc,
                            format!("capability \"{}\" is declared twice", c.name),
                        )
                        .label("declared again")
                        .related(*first, "first declared here")
                        .help("merge the two blocks"),
                    );
                } else {
                    seen.push((&c.name, c.loc));
                }
            }
        }
    }

    fn duplicates(&self, out: &mut Vec<Diagnostic>) {
        let m = self.m;
        dup(out, "variable", m.variables.iter().map(|d| &d.name));
        dup(out, "connection", m.connections.iter().map(|d| &d.name));
        dup(out, "mapping", m.mappings.iter().map(|d| &d.name));
        dup(out, "action", m.actions.iter().map(|d| &d.name));
        dup(out, "flow", m.flows.iter().map(|d| &d.name));
        dup(out, "test", m.tests.iter().map(|d| &d.name));
        for c in &m.connections {
            dup(out, "param", c.params.iter().map(|p| &p.name));
            if let Some(ping) = &c.ping {
                step_dups(out, ping);
            }
        }
        for f in &m.flows {
            dup(out, "flow input", f.inputs.iter().map(|i| &i.name));
            step_dups(out, &f.steps);
        }
        for ac in &m.actions {
            step_dups(out, &ac.steps);
        }
    }

    /// The project node that counts: the one in the root intact.kdl, else the first.
    fn project_def(&self) -> Option<&'a ProjectDef> {
        self.a.project()
    }

    fn connection(&self, name: &str) -> Option<&'a ConnectionDef> {
        self.m.connections.iter().find(|c| c.name.name == name)
    }

    fn flow(&self, name: &str) -> Option<&'a FlowDef> {
        self.m.flows.iter().find(|f| f.name.name == name)
    }

    fn unresolved(&self, what: &str, id: &Ident, candidates: Vec<&str>) -> Diagnostic {
        let mut d = Diagnostic::new(
            "name::unresolved",
            id.loc,
            format!("no {what} named `{}`", id.name),
        )
        .label(format!("unknown {what}"));
        d = match suggest(&id.name, candidates.iter().copied()) {
            Some(best) => d.help(format!("did you mean `{best}`?")).fix(
                format!("Replace with `{best}`"),
                id.loc,
                intact_syntax::quote(best),
            ),
            None if candidates.is_empty() => d.help(format!("the project defines no {what}")),
            None => d.help(format!("defined {what}s: {}", candidates.join(", "))),
        };
        d
    }

    /// `app.NAME` in an expression where the project declares no `NAME`: did-you-mean, or declare
    /// it in the root file beside the project.
    fn unknown_variable(&self, field: &str, loc: Loc, names: &[&str]) -> Diagnostic {
        let id = Ident {
            name: field.to_string(),
            loc,
        };
        let mut d = self.unresolved("tenant variable", &id, names.to_vec());
        unquote_fixes(&mut d);
        let root = self
            .a
            .file_id(std::path::Path::new(project::ROOT_FILE))
            .unwrap_or(loc.file);
        let name = intact_syntax::quote(field);
        d.suggestion(
            format!("Declare tenant variable `{field}`"),
            self.end_of_file(root),
            format!("\nvariable {name} {{\n    label {name}\n}}\n"),
        )
    }

    fn variables(&self, out: &mut Vec<Diagnostic>) {
        let vars = &self.m.variables;
        if vars.len() > MAX_VARIABLES {
            for (i, v) in vars.iter().enumerate().skip(MAX_VARIABLES) {
                out.push(
                    Diagnostic::new(
                        "variable::too-many",
                        v.name.loc,
                        format!("a project has at most {MAX_VARIABLES} tenant variables"),
                    )
                    .label(format!("variable {} of {}", i + 1, vars.len()))
                    .help("derive values in expressions, or move settings into connection params"),
                );
            }
        }
        let names: Vec<&str> = vars.iter().map(|v| v.name.name.as_str()).collect();
        let mut used: HashMap<&str, bool> = names.iter().map(|n| (*n, false)).collect();
        // The names `${…}` reads, from the project's one symbol index.
        for o in self
            .index
            .occurrences
            .iter()
            .filter(|o| o.site == Site::Expression)
        {
            match &o.symbol {
                Symbol::Variable(field) => match used.get_mut(field.as_str()) {
                    Some(u) => *u = true,
                    None => out.push(self.unknown_variable(field, o.loc, &names)),
                },
                Symbol::Param { connection, name } => {
                    let Some(c) = self.connection(connection) else {
                        continue;
                    };
                    let params = c.all_params();
                    let oauth = c.auth.as_ref().is_some_and(|a| a.form == AuthKind::OAuth2);
                    let known =
                        params.iter().any(|p| p.name == *name) || (oauth && name == "access_token");
                    if !known {
                        let id = Ident {
                            name: name.clone(),
                            loc: o.loc,
                        };
                        let mut d = self.unresolved(
                            &format!("param of connection `{}`", c.name.name),
                            &id,
                            params.iter().map(|p| p.name.as_str()).collect(),
                        );
                        unquote_fixes(&mut d);
                        out.push(d);
                    }
                }
                _ => {}
            }
        }
        for c in &self.m.connections {
            for p in &c.params {
                if let Some((from, loc)) = &p.from {
                    match from.strip_prefix("app.") {
                        Some(v) => {
                            if let Some(u) = used.get_mut(v) {
                                *u = true;
                            } else {
                                let mut d = Diagnostic::new("auth::mapping-unknown-variable", *loc, format!("`{from}` names no tenant variable"))
                                    .label("unknown variable");
                                d = match suggest(v, names.iter().copied()) {
                                    Some(best) => d.help(format!("did you mean `app.{best}`?")).fix(format!("Replace with `app.{best}`"), *loc, format!("\"app.{best}\"")),
                                    None => d.help(format!("declare it: `variable \"{v}\" {{ label \"…\" }}`")),
                                };
                                out.push(d);
                            }
                        }
                        None => out.push(
                            Diagnostic::new("schema::invalid-value", *loc, format!("`from=` must name a tenant variable as `app.NAME`, not `{from}`"))
                                .label("not app.NAME")
                                .help("write `from=\"app.subdomain\"`"),
                        ),
                    }
                }
            }
        }
        for t in &self.m.tests {
            for id in &t.app {
                if let Some(u) = used.get_mut(id.name.as_str()) {
                    // A test setting a variable does not make it used.
                    let _ = u;
                } else {
                    out.push(self.unresolved("tenant variable", id, names.clone()));
                }
            }
        }
        for v in vars {
            if used.get(v.name.name.as_str()) == Some(&false) {
                out.push(
                    Diagnostic::new("variable::unused", v.name.loc, format!("tenant variable `{}` is never used", v.name.name))
                        .label("declared here, never referenced")
                        .help(format!("use it as `${{app.{}}}`, or remove it so administrators are not asked for it", v.name.name))
                        .suggestion(format!("Remove the unused variable `{}`", v.name.name), self.whole_lines(v.loc), ""),
                );
            }
        }
    }

    fn connections(&self, out: &mut Vec<Diagnostic>) {
        for c in &self.m.connections {
            let mut urls: Vec<&Template> = c.base_url.iter().collect();
            if let Some(auth) = &c.auth {
                urls.extend(
                    ["token-url", "authorize-url", "refresh-url"]
                        .iter()
                        .filter_map(|k| auth.setting(k)),
                );
            }
            for u in urls {
                if intact_model::urls::is_insecure(&u.text) {
                    out.push(
                        Diagnostic::new("auth::insecure-url", u.loc, "credentials would travel over plain http")
                            .label("http:// to a host that is not loopback")
                            .help("use https://; http:// is allowed only for 127.0.0.1, [::1] and localhost (put local overrides in env files)"),
                    );
                }
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
        for o in self.index.occurrences.iter().filter(|o| !o.is_definition()) {
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

    fn request(
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
                    Diagnostic::new("connection::missing", step.keyword, "this request needs a connection, but the project has none")
                        .label("no connection to send through")
                        .help("add `connection \"api\" { base-url \"https://…\" }` to the project"),
                ),
                1 => {}
                _ => out.push(
                    Diagnostic::new("connection::ambiguous", step.keyword, format!("which connection should this request of {} `{}` use?", owner.what, owner.name))
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
                Diagnostic::new("http::path", path.loc, "a request path must start with `/`")
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
                        "http::body-conflict",
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
            && matches!(method.as_str(), "GET" | "DELETE" | "HEAD")
        {
            out.push(
                Diagnostic::new("http::body-on-get", *loc, format!("a {method} request with a `{kind}` body"))
                    .label("body on a request that usually has none")
                    .help("many servers and proxies drop or refuse it: send the data as `query` parameters, or use POST"),
            );
        }
    }

    fn contracts(&self, out: &mut Vec<Diagnostic>) {
        let ids: Vec<&str> = CONTRACTS.iter().map(|c| c.id).collect();
        let project = self.project_def();
        let provisioning =
            project.and_then(|p| p.capabilities.iter().find(|c| c.name == "provisioning"));
        let is_on = |sw: Switch| project.is_some_and(|p| p.switched_on(sw));
        let mut implemented: HashMap<&str, Vec<&ActionDef>> = HashMap::new();
        for ac in &self.m.actions {
            let Some((id, loc)) = &ac.contract else {
                continue;
            };
            let Some(contract) = contracts::contract(id) else {
                let mut d = Diagnostic::new(
                    "contract::unknown",
                    *loc,
                    format!("`{id}` is not a contract"),
                )
                .label("unknown contract id");
                d = match suggest(id, ids.iter().copied()) {
                    Some(best) => d.help(format!("did you mean \"{best}\"?")).fix(
                        format!("Replace with \"{best}\""),
                        *loc,
                        intact_syntax::quote(best),
                    ),
                    None => d.help("run `intact contracts` for the 22 contract ids"),
                };
                out.push(d);
                continue;
            };
            if !ac.enabled {
                continue;
            }
            implemented.entry(contract.id).or_default().push(ac);
            if !is_on(contract.mandatory_with) {
                if contracts::is_user_operation(contract.id) && provisioning.is_some() {
                    out.push(
                        Diagnostic::new(
                            "contract::feature-suggested",
                            *loc,
                            format!(
                                "`{}` is implemented but its feature is not declared",
                                contract.id
                            ),
                        )
                        .label("the provider calls it anyway")
                        .help(format!(
                            "declare it so the catalog lists it: {}",
                            contract.mandatory_with.describe()
                        )),
                    );
                } else if !contracts::is_user_operation(contract.id) {
                    out.push(
                        Diagnostic::new(
                            "contract::not-called",
                            *loc,
                            format!("no declared capability calls `{}`", contract.id),
                        )
                        .label("the provider would never call this action")
                        .help(format!(
                            "declare {} in intact.kdl, or remove the action",
                            contract.mandatory_with.describe()
                        )),
                    );
                }
            }
        }
        for (id, actions) in &implemented {
            if let [first, rest @ ..] = actions.as_slice() {
                for ac in rest {
                    out.push(
                        Diagnostic::new(
                            "contract::duplicate",
                            ac.contract.as_ref().unwrap().1,
                            format!("`{id}` is implemented twice"),
                        )
                        .label(format!("action `{}`", ac.name.name))
                        .related(
                            first.contract.as_ref().unwrap().1,
                            format!("also implemented by action `{}`", first.name.name),
                        )
                        .help("keep one, or switch one off with `enabled #false`"),
                    );
                }
            }
        }
        let Some(project) = project else { return };
        for contract in CONTRACTS {
            if !is_on(contract.mandatory_with) || implemented.contains_key(contract.id) {
                continue;
            }
            let at = switch_loc(project, contract.mandatory_with).unwrap_or(project.loc);
            let skeleton = contracts::skeleton(contract);
            out.push(
                Diagnostic::new(
                    "contract::missing-action",
                    at,
                    format!(
                        "`{}` is mandatory but no enabled action implements it",
                        contract.id
                    ),
                )
                .label(format!(
                    "{} requires {}",
                    contract.mandatory_with.describe(),
                    contract.id
                ))
                .help(format!("add an action:\n{skeleton}"))
                .suggestion(
                    format!("Add an action for `{}`", contract.id),
                    self.end_of_file(at.file),
                    format!("\n{skeleton}\n"),
                ),
            );
        }
    }

    /// `loc` widened to whole lines: from the start of its first line (when only indentation
    /// stands before it) to after the newline that ends its last; what removing a node removes.
    fn whole_lines(&self, loc: Loc) -> Loc {
        let text = self.a.file(loc.file).text();
        let (start, end) = (loc.span.start as usize, loc.span.end as usize);
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let from = if text[line_start..start].trim().is_empty() {
            line_start
        } else {
            start
        };
        let mut to = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
        // Between two blank lines, one of them goes too.
        let blank_before = from == 0 || text[..from].ends_with("\n\n");
        if blank_before && text[to..].starts_with('\n') {
            to += 1;
        }
        Loc::new(loc.file, intact_syntax::Span::new(from as u32, to as u32))
    }

    /// Where text appended to a file goes, after its last newline (a file without one gets it).
    fn end_of_file(&self, file: intact_model::FileId) -> Loc {
        let text = self.a.file(file).text();
        Loc::new(file, intact_syntax::Span::empty(text.len() as u32))
    }

    fn flows(&self, out: &mut Vec<Diagnostic>) {
        let flow_names: Vec<&str> = self.m.flows.iter().map(|f| f.name.name.as_str()).collect();
        // A `call` of a flow the project does not define, from the symbol index.
        for o in self
            .index
            .occurrences
            .iter()
            .filter(|o| o.site == Site::Call)
        {
            if let Symbol::Flow(name) = &o.symbol
                && self.index.definition(&o.symbol).is_none()
            {
                let id = Ident {
                    name: name.clone(),
                    loc: o.loc,
                };
                out.push(self.unresolved("flow", &id, flow_names.clone()));
            }
        }
        let lists = self
            .m
            .actions
            .iter()
            .map(|a| &a.steps)
            .chain(self.m.flows.iter().map(|f| &f.steps))
            .chain(self.m.connections.iter().filter_map(|c| c.ping.as_ref()));
        for steps in lists {
            structure(steps, out);
            intact_model::walk_steps(steps, &mut |s| {
                let StepKind::Call {
                    flow: Some(fid),
                    args,
                } = &s.kind
                else {
                    return;
                };
                // An unknown flow is reported above.
                let Some(flow) = self.flow(&fid.name) else {
                    return;
                };
                let inputs: Vec<&str> = flow.inputs.iter().map(|i| i.name.name.as_str()).collect();
                for a in args {
                    if !inputs.contains(&a.name.as_str()) {
                        let mut d = Diagnostic::new(
                            "flow::call-arguments",
                            a.loc,
                            format!("flow `{}` has no input `{}`", flow.name.name, a.name),
                        )
                        .label("unknown input")
                        .related(flow.name.loc, "flow defined here");
                        d = match suggest(&a.name, inputs.iter().copied()) {
                            Some(best) => d.help(format!("did you mean `{best}`?")).fix(
                                format!("Replace with `{best}`"),
                                a.loc,
                                best,
                            ),
                            None if inputs.is_empty() => d.help("the flow declares no inputs"),
                            None => d.help(format!("its inputs: {}", inputs.join(", "))),
                        };
                        out.push(d);
                    }
                }
                for i in flow
                    .inputs
                    .iter()
                    .filter(|i| i.required && i.default.is_none())
                {
                    if !args.iter().any(|a| a.name == i.name.name) {
                        out.push(
                            Diagnostic::new(
                                "flow::call-arguments",
                                s.loc,
                                format!(
                                    "the call to `{}` lacks the required input `{}`",
                                    flow.name.name, i.name.name
                                ),
                            )
                            .label(format!("no `{}`", i.name.name))
                            .related(i.name.loc, "declared required here")
                            .help(format!(
                                "add `{} VALUE` inside the call's block",
                                i.name.name
                            )),
                        );
                    }
                }
            });
        }
    }

    fn tests(&self, out: &mut Vec<Diagnostic>) {
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
                        "test::target",
                        a.loc,
                        format!("test `{}` names both an action and a flow", t.name.name),
                    )
                    .label("two targets")
                    .help("a test runs one target: keep `action=` or `flow=`"),
                ),
                (None, None) => out.push(
                    Diagnostic::new(
                        "test::target",
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
    fn test_params(&self, t: &TestDef, out: &mut Vec<Diagnostic>) {
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
            if conn
                .auth
                .as_ref()
                .is_some_and(|a| a.form == AuthKind::OAuth2)
            {
                continue;
            }
            let given: Vec<&str> = t
                .run
                .params
                .iter()
                .filter(|(c, _)| *c == conn.name.name)
                .flat_map(|(_, v)| v.iter().map(|(k, _)| k.as_str()))
                .collect();
            for name in connection_reads(conn) {
                let declared = conn.params.iter().find(|p| p.name.name == name);
                if given.contains(&name.as_str()) || declared.is_some_and(|p| p.from.is_some()) {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        "test::missing-param",
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
    fn mock_path_with_query(&self, r: &MockRoute) -> Option<Diagnostic> {
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
            "test::mock-path",
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

    /// Calls between flows, and between mappings, may not form a cycle.
    fn cycles(&self, out: &mut Vec<Diagnostic>) {
        // Flow → flows it calls, with the call's location.
        let mut graph: CallGraph = Vec::new();
        for f in &self.m.flows {
            let mut calls = Vec::new();
            intact_model::walk_steps(&f.steps, &mut |s| {
                if let StepKind::Call { flow: Some(id), .. } = &s.kind {
                    calls.push((id.name.clone(), id.loc));
                }
            });
            graph.push((f.name.name.clone(), f.name.loc, calls));
        }
        report_cycles(&graph, "flow", out);
        // A mapping calls the mappings whose uses (from the symbol index) lie inside it.
        let uses: Vec<_> = self
            .index
            .occurrences
            .iter()
            .filter(|o| o.site == Site::Expression && matches!(o.symbol, Symbol::Mapping(_)))
            .collect();
        let mut graph = Vec::new();
        for mp in &self.m.mappings {
            let calls = uses
                .iter()
                .filter(|o| {
                    o.loc.file == mp.loc.file
                        && mp.loc.span.start <= o.loc.span.start
                        && o.loc.span.end <= mp.loc.span.end
                })
                .map(|o| (o.symbol.name().to_string(), o.loc))
                .collect();
            graph.push((mp.name.name.clone(), mp.name.loc, calls));
        }
        report_cycles(&graph, "mapping", out);
    }
}

/// Each flow or mapping: its name, where it is defined, and what it calls (name, where).
type CallGraph = Vec<(String, Loc, Vec<(String, Loc)>)>;

fn target_missing(id: &Ident, what: &str, names: &[&str]) -> Diagnostic {
    let mut d = Diagnostic::new(
        "test::unknown-target",
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

fn report_cycles(graph: &CallGraph, what: &str, out: &mut Vec<Diagnostic>) {
    // A duplicated name resolves to its first definition, as everywhere else.
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, (n, ..)) in graph.iter().enumerate() {
        index.entry(n.as_str()).or_insert(i);
    }
    // Iterative DFS with colours; each cycle is reported once, at its smallest member.
    let mut reported: Vec<Vec<usize>> = Vec::new();
    for start in 0..graph.len() {
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        let mut path: Vec<usize> = vec![start];
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let edges = &graph[node].2;
            if *next >= edges.len() {
                stack.pop();
                path.pop();
                continue;
            }
            let target = edges[*next].0.as_str();
            *next += 1;
            let Some(&t) = index.get(target) else {
                continue;
            };
            if t == start {
                let mut members = path.clone();
                members.sort();
                if !reported.contains(&members) {
                    reported.push(members);
                    let names: Vec<&str> = path.iter().map(|&i| graph[i].0.as_str()).collect();
                    let mut d = Diagnostic::new(
                        "flow::cycle",
                        graph[start].1,
                        format!(
                            "{what}s call each other in a loop: {} → {}",
                            names.join(" → "),
                            names[0]
                        ),
                    )
                    .label("starts here")
                    .help(format!(
                        "break the loop: a {what} may not call itself through others"
                    ));
                    for (i, &m) in path.iter().enumerate() {
                        let next = path.get(i + 1).copied().unwrap_or(start);
                        if let Some((_, loc)) = graph[m].2.iter().find(|(n, _)| *n == graph[next].0)
                        {
                            d = d.related(
                                *loc,
                                format!("`{}` calls `{}`", graph[m].0, graph[next].0),
                            );
                        }
                    }
                    out.push(d);
                }
            } else if !path.contains(&t) && t > start {
                stack.push((t, 0));
                path.push(t);
            }
        }
    }
}

/// `else`/`catch` placement and unreachable steps in one step list, recursively.
fn structure(steps: &[Step], out: &mut Vec<Diagnostic>) {
    let mut ended: Option<&Step> = None;
    for (i, s) in steps.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| &steps[p].kind);
        match s.kind {
            StepKind::ElseIf | StepKind::Else
                if !matches!(prev, Some(StepKind::If | StepKind::ElseIf)) =>
            {
                let kw = if matches!(s.kind, StepKind::Else) {
                    "else"
                } else {
                    "else-if"
                };
                out.push(
                    Diagnostic::new(
                        "flow::orphan-else",
                        s.keyword,
                        format!("`{kw}` must follow an `if` or `else-if`"),
                    )
                    .label("no `if` before it")
                    .help("put it right after the `if { … }` block it belongs to, on its own line"),
                );
            }
            StepKind::Catch if !matches!(prev, Some(StepKind::Try)) => out.push(
                Diagnostic::new(
                    "flow::orphan-else",
                    s.keyword,
                    "`catch` must follow a `try`",
                )
                .label("no `try` before it")
                .help("put it right after the `try { … }` block, on its own line"),
            ),
            _ => {}
        }
        if let Some(end) = ended {
            // Branches after an `if` that returned are not unreachable.
            if !matches!(s.kind, StepKind::ElseIf | StepKind::Else | StepKind::Catch) {
                out.push(
                    Diagnostic::new("flow::unreachable", s.keyword, "this step can never run")
                        .label("after the run has ended")
                        .related(end.keyword, "the run ends here")
                        .help("remove it, or move it before the `return`/`fail`"),
                );
                break;
            }
        }
        if matches!(s.kind, StepKind::Return(_) | StepKind::Fail) {
            ended = Some(s);
        }
        structure(&s.body, out);
    }
}

fn switch_loc(p: &ProjectDef, sw: Switch) -> Option<Loc> {
    let prov = || p.capabilities.iter().find(|c| c.name == "provisioning");
    match sw {
        Switch::Capability(name) => p
            .capabilities
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.loc),
        Switch::Feature(f) => {
            prov().and_then(|c| c.features.iter().find(|(x, _)| x == f).map(|(_, l)| *l))
        }
        Switch::GroupOperations | Switch::GroupMembership => prov().map(|c| c.loc),
    }
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

fn dup<'a>(out: &mut Vec<Diagnostic>, what: &str, ids: impl Iterator<Item = &'a Ident>) {
    let mut seen: HashMap<&str, Loc> = HashMap::new();
    for id in ids {
        match seen.get(id.name.as_str()) {
            Some(first) => out.push(
                Diagnostic::new(
                    "name::duplicate",
                    id.loc,
                    format!("{what} `{}` is defined twice", id.name),
                )
                .label("defined again")
                .related(*first, "first defined here")
                .help(format!(
                    "{what} names are unique across the project; rename or remove one"
                )),
            ),
            None => {
                seen.insert(&id.name, id.loc);
            }
        }
    }
}

fn step_dups(out: &mut Vec<Diagnostic>, steps: &[Step]) {
    let mut names = Vec::new();
    intact_model::walk_steps(steps, &mut |s| names.extend(s.name.iter()));
    dup(out, "step", names.into_iter());
}

/// A did-you-mean inside `${…}` replaces the bare name, not a quoted one.
fn unquote_fixes(d: &mut Diagnostic) {
    d.fixes.iter_mut().for_each(|f| {
        f.edits
            .iter_mut()
            .for_each(|e| e.1 = e.1.trim_matches('"').to_string())
    });
}
