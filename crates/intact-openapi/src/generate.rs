//! The [`Api`] model to intact KDL: the connection with its auth and ping, tenant variables from
//! server variables, the custom API action, and one flow per chosen operation (the mapping
//! table of openapi-import.md). Everything is built in memory; [`crate::write`] writes it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use intact_model::catalogue::MAX_VARIABLES;

use crate::model::*;
use crate::names::{Unique, name, operation_name, snake};
use crate::refs::Docs;
use crate::{Error, Options, Plan, PlannedFile};

pub fn generate(
    docs: &Docs,
    api: &Api,
    opts: &Options,
    version_warning: Option<String>,
) -> Result<Plan, Error> {
    let mut warnings: Vec<String> = version_warning.into_iter().collect();
    warnings.extend(api.notes.iter().cloned());
    let mut notes = Vec::new();
    let copies = copies(docs)?;
    let source = one_line(&copies[0].0.display().to_string(), 200);
    // Where the entry document's copy is, as `schema=` names it.
    let entry = copies[0].0.to_string_lossy().replace('\\', "/");

    // Where requests go.
    let mut variables: Vec<(String, ServerVariable)> = Vec::new();
    let base_url = match &opts.base_url {
        Some(url) => {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(
                    Error::new(format!("--base-url {url} is not an absolute http(s) URL"))
                        .help("write it in full, e.g. --base-url https://api.example.com/v2"),
                );
            }
            url.trim_end_matches('/').to_string()
        }
        None => {
            let Some(server) = api.servers.get(opts.server) else {
                return Err(if api.servers.is_empty() {
                    Error::new(format!(
                        "{source} names no server, so intact cannot tell where requests go"
                    ))
                    .help("pass the API's address: --base-url https://api.example.com/v1")
                } else {
                    Error::new(format!(
                        "--server {} is out of range: the document has {} server(s): {}",
                        opts.server,
                        api.servers.len(),
                        api.servers
                            .iter()
                            .enumerate()
                            .map(|(i, s)| format!("{i} = {}", s.url))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                    .help("servers are numbered from 0")
                });
            };
            server_url(server, &mut variables, &mut warnings, &mut notes)?
        }
    };

    // How requests authenticate.
    let chosen = choose_schemes(api, opts, &mut warnings, &mut notes)?;
    let base_name = match &opts.connection {
        Some(n) => {
            if !intact_model::catalogue::is_valid_name(n) {
                return Err(
                    Error::new(format!("--connection {n} is not a valid name")).help(format!(
                        "use lowercase letters, digits and `_`, e.g. {}",
                        name(n, "api", "api")
                    )),
                );
            }
            n.clone()
        }
        None => connection_base_name(&api.title),
    };
    let taken = &opts.taken;
    if opts.connection.is_some() && taken.connections.contains(&base_name) {
        return Err(Error::new(format!(
            "the project already has a connection `{base_name}` in a file this import does not write"
        ))
        .help("choose another name with --connection NAME, or import into another folder with --out"));
    }
    let mut conn_names = Unique::new(taken.connections.iter().map(String::as_str));
    let connections: Vec<(String, Option<&Scheme>)> = if chosen.is_empty() {
        vec![(conn_names.take(&base_name), None)]
    } else if chosen.len() == 1 {
        vec![(conn_names.take(&base_name), Some(chosen[0]))]
    } else {
        let mut u = conn_names;
        chosen
            .iter()
            .map(|s| {
                (
                    u.take(&format!("{base_name}_{}", name(&s.name, "auth", "auth"))),
                    Some(*s),
                )
            })
            .collect()
    };

    let selected = select_operations(api, opts)?;
    let ping = choose_ping(docs, api, opts, chosen.first().copied())?;
    if ping.is_none() {
        warnings.push(
            "no GET without required parameters was found for the auth ping; the connection has no `ping` block: add one, or import again with --ping OPERATION_ID"
                .into(),
        );
    }

    let mut files: Vec<PlannedFile> = Vec::new();
    if opts.write_project_file {
        let words: Vec<String> = api
            .title
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| w.to_ascii_lowercase())
            .collect();
        let project = name(&words.join("_"), "api_integration", "app");
        let display = if api.title.is_empty() {
            "API integration".to_string()
        } else {
            one_line(&api.title, 80)
        };
        let mut t = String::new();
        let _ = writeln!(t, "// Written by `intact import openapi` from {source}.");
        let _ = writeln!(t, "project {} {{", q(&project));
        let _ = writeln!(t, "display-name {}", q(&display));
        let _ = writeln!(t, "version \"0.1.0\"");
        let _ = writeln!(t, "}}");
        files.push(planned(
            "intact.kdl",
            t,
            format!("the project `{project}`"),
        )?);
    }

    for (i, (conn, scheme)) in connections.iter().enumerate() {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "// Written by `intact import openapi` from {source} ({}{}, OpenAPI {}).",
            one_line(
                if api.title.is_empty() {
                    "untitled"
                } else {
                    &api.title
                },
                80
            ),
            if api.api_version.is_empty() {
                String::new()
            } else {
                format!(" {}", one_line(&api.api_version, 40))
            },
            api.openapi
        );
        if i == 0 {
            for n in &notes {
                let _ = writeln!(t, "// {}", one_line(n, 300));
            }
            for (vname, var) in &variables {
                // The project's own tenant variable of that name serves this connection too.
                if taken.variables.contains(vname) {
                    continue;
                }
                let _ = writeln!(t, "variable {} {{", q(vname));
                let label = var
                    .description
                    .as_deref()
                    .map(|d| first_sentence(d, 80))
                    .filter(|d| !d.is_empty())
                    .unwrap_or_else(|| var.name.clone());
                let _ = writeln!(t, "label {}", q(&label));
                let mut desc = var
                    .description
                    .as_deref()
                    .map(|d| one_line(d, 300))
                    .unwrap_or_default();
                if !var.choices.is_empty() {
                    if !desc.is_empty() {
                        desc.push(' ');
                    }
                    desc.push_str(&format!("One of: {}.", var.choices.join(", ")));
                }
                if !desc.is_empty() {
                    let _ = writeln!(t, "description {}", q(&desc));
                }
                if !var.default.is_empty() {
                    let _ = writeln!(t, "example {}", q(&var.default));
                }
                let _ = writeln!(t, "}}");
            }
        }
        let _ = writeln!(t, "connection {} {{", q(conn));
        let _ = writeln!(t, "base-url {}", q(&base_url));
        if let Some(s) = scheme {
            auth_block(&mut t, s, api, &selected, &base_url, &mut warnings);
        }
        if let Some(op) = ping {
            let _ = writeln!(
                t,
                "// The auth ping: `intact ping` runs it to prove the credentials work."
            );
            let _ = writeln!(t, "ping {{");
            let _ = writeln!(
                t,
                "request \"ping\" \"GET\" {}{}",
                q(&op.path.replace("${", "$${")),
                operation_prop(op)
            );
            let _ = writeln!(t, "}}");
        }
        let _ = writeln!(t, "}}");
        let what = match scheme {
            Some(s) => format!(
                "connection `{conn}` (auth from scheme `{}`){}",
                s.name,
                if i == 0 && !variables.is_empty() {
                    format!(", {} tenant variable(s)", variables.len())
                } else {
                    String::new()
                }
            ),
            None => format!("connection `{conn}` (no auth)"),
        };
        files.push(planned(&format!("connections/{conn}.kdl"), t, what)?);
    }

    // Flows, grouped by first tag.
    let conn = &connections[0].0;
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut flow_names = Unique::new(taken.flows.iter().map(String::as_str));
    let custom = flow_names.take("custom_api_action");
    groups
        .entry("api".into())
        .or_default()
        .push(custom_api_action(conn, &custom));
    for op in &selected {
        let group = op
            .tag
            .as_deref()
            .map(snake)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "api".into());
        let flow = flow_names.take(&operation_name(op.id.as_deref(), &op.method, &op.path));
        let text = operation_flow(docs, &entry, op, &flow, conn, &mut warnings);
        groups.entry(group).or_default().push(text);
    }
    for (group, flows) in groups {
        let mut t = String::new();
        let _ = writeln!(t, "// Written by `intact import openapi` from {source}.");
        let n = flows.len();
        for f in flows {
            t.push('\n');
            t.push_str(&f);
        }
        let path = match &opts.flows_folder {
            Some(folder) => format!("flows/{folder}/{group}.kdl"),
            None => format!("flows/{group}.kdl"),
        };
        files.push(planned(&path, t, format!("{n} flow(s)"))?);
    }

    for (rel, file) in copies.iter().map(|(rel, i)| (rel, &docs.files[*i])) {
        files.push(PlannedFile {
            path: rel.clone(),
            bytes: file.bytes.clone(),
            summary: format!("a byte-for-byte copy of {}", file.path.display()),
        });
    }
    Ok(Plan {
        files,
        warnings,
        notes,
    })
}

/// The layout of generated text: four spaces per open block, blank lines collapsed, one newline
/// at the end. The generator writes one node per line, opens a block at the end of a line and
/// closes it on a line of its own, so this is exactly what `intact fmt` would print.
fn layout(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut depth = 0usize;
    let mut blank = false;
    for line in text.lines() {
        let l = line.trim();
        if l.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push('\n');
            blank = false;
        }
        if l.starts_with('}') {
            depth = depth.saturating_sub(1);
        }
        for _ in 0..depth {
            out.push_str("    ");
        }
        out.push_str(l);
        out.push('\n');
        if l.ends_with('{') && !l.starts_with("//") {
            depth += 1;
        }
    }
    out
}

/// A generated file, in the canonical layout of `intact fmt` by [`layout`]. Parsing and
/// formatting every file again cost a third of a large import, so that is done only in debug
/// builds, where a difference is an error: every test imports the whole corpus that way.
fn planned(path: &str, text: String, summary: String) -> Result<PlannedFile, Error> {
    let text = layout(&text);
    if cfg!(debug_assertions) {
        let formatted = intact_syntax::format::format_text(&text).map_err(|e| {
            Error::new(format!(
                "internal error: the KDL generated for {path} does not parse ({e})"
            ))
            .help("please report this with the OpenAPI document that caused it")
        })?;
        if formatted != text {
            let (line, (got, want)) = text
                .lines()
                .zip(formatted.lines())
                .enumerate()
                .find(|(_, (a, b))| a != b)
                .unwrap_or((0, ("", "")));
            return Err(Error::new(format!(
                "internal error: the KDL generated for {path} is not in the canonical layout (line {}: `{got}`, canonical `{want}`)",
                line + 1
            ))
            .help("please report this with the OpenAPI document that caused it"));
        }
    }
    Ok(PlannedFile {
        path: PathBuf::from(path),
        bytes: text.into_bytes(),
        summary,
    })
}

/// Where each file of the document is copied: under `openapi/`, keeping the layout relative to
/// the folder that holds them all, so relative `$ref`s still resolve in the copy.
fn copies(docs: &Docs) -> Result<Vec<(PathBuf, usize)>, Error> {
    let paths: Vec<PathBuf> = docs
        .files
        .iter()
        .map(|f| crate::refs::normalize(&f.path))
        .collect();
    let dirs: Vec<PathBuf> = paths
        .iter()
        .map(|p| p.parent().map(Path::to_path_buf).unwrap_or_default())
        .collect();
    let mut common = dirs[0].clone();
    for d in &dirs[1..] {
        while !d.starts_with(&common) {
            if !common.pop() {
                break;
            }
        }
    }
    docs.files
        .iter()
        .zip(&paths)
        .enumerate()
        .map(|(i, (f, path))| {
            let rel = path.strip_prefix(&common).unwrap_or(path);
            let safe = rel
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
            if !safe || rel.as_os_str().is_empty() {
                return Err(Error::new(format!(
                    "cannot place a copy of {} under openapi/",
                    f.path.display()
                )));
            }
            Ok((Path::new("openapi").join(rel), i))
        })
        .collect()
}

fn server_url(
    server: &Server,
    variables: &mut Vec<(String, ServerVariable)>,
    warnings: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Result<String, Error> {
    let mut url = server.url.trim().to_string();
    // `{scheme}://…` (uspto, scalar): intact sends credentials over https only.
    if let Some(rest) = url.strip_prefix('{')
        && let Some((var, after)) = rest.split_once('}')
        && after.starts_with("://")
    {
        notes.push(format!(
            "the server's `{{{var}}}` scheme variable is fixed to https"
        ));
        url = format!("https{after}");
    }
    if !url.contains("://") {
        return Err(Error::new(format!(
            "the document's server URL `{}` is relative: it is resolved against wherever the document is served, which intact cannot know",
            server.url
        ))
        .help("pass the API's address: --base-url https://api.example.com/v1"));
    }
    if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or("");
        if !(host == "localhost" || host.starts_with("127.") || host == "[") {
            warnings.push(format!("the server `{}` uses http://; the connection uses https:// because intact sends credentials over https only (check that the API serves https, or pass --base-url)", server.url));
            url = format!("https://{rest}");
        }
    }
    let mut out = String::new();
    let mut rest = url.as_str();
    let mut vnames = Unique::default();
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open].replace("${", "$${"));
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let var = &after[..close];
        match server.variables.iter().find(|v| v.name == var) {
            Some(v) if variables.iter().any(|(_, w)| w.name == v.name) => {
                let n = &variables
                    .iter()
                    .find(|(_, w)| w.name == v.name)
                    .map(|(n, _)| n.clone())
                    .unwrap_or_default();
                out.push_str(&format!("${{app.{n}}}"));
            }
            Some(v) if variables.len() < MAX_VARIABLES => {
                let n = vnames.take(&name(&v.name, "server", "value"));
                out.push_str(&format!("${{app.{n}}}"));
                variables.push((n, v.clone()));
            }
            Some(v) => {
                warnings.push(format!(
                    "more than {MAX_VARIABLES} server variables: `{}` is fixed to its default `{}`",
                    v.name, v.default
                ));
                out.push_str(&v.default);
            }
            None => {
                warnings.push(format!("the server URL names `{{{var}}}`, which it does not declare; it is kept as a tenant variable"));
                if variables.len() >= MAX_VARIABLES {
                    return Err(Error::new(format!(
                        "the server URL `{}` has too many variables",
                        server.url
                    ))
                    .help("pass --base-url"));
                }
                let n = vnames.take(&name(var, "server", "value"));
                out.push_str(&format!("${{app.{n}}}"));
                // A variable declared nowhere still gets a label: its own name.
                variables.push((
                    n,
                    ServerVariable {
                        name: var.to_string(),
                        default: String::new(),
                        description: None,
                        choices: Vec::new(),
                    },
                ));
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(&rest.replace("${", "$${"));
    Ok(out.trim_end_matches('/').to_string())
}

fn supported(kind: &SchemeKind) -> Result<(), String> {
    match kind {
        SchemeKind::Basic | SchemeKind::Bearer | SchemeKind::ApiKey { .. } => Ok(()),
        SchemeKind::OAuth2(flows) => {
            if flows
                .iter()
                .any(|f| matches!(f.grant, Grant::AuthorizationCode | Grant::ClientCredentials))
            {
                Ok(())
            } else {
                Err("its only OAuth 2.0 flows are implicit or password, which hand tokens to a browser or take a user's password; intact uses authorization code or client credentials: ask the vendor for one of those and write `auth \"oauth2\"` by hand".into())
            }
        }
        SchemeKind::OpenIdConnect(url) => Err(format!(
            "OpenID Connect discovery ({url}) is not read; look up its authorization and token endpoints and write `auth \"oauth2\"` with them"
        )),
        SchemeKind::MutualTls => {
            Err("mutual TLS client certificates are not supported by intact's connections".into())
        }
        SchemeKind::Http(s) => Err(format!(
            "the HTTP `{s}` scheme has no intact auth form; `auth \"custom\"` with a header may fit"
        )),
    }
}

fn choose_schemes<'a>(
    api: &'a Api,
    opts: &Options,
    warnings: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Result<Vec<&'a Scheme>, Error> {
    if api.schemes.is_empty() {
        warnings.push("the document declares no security schemes; the connection has no `auth`: add one (see `intact explain auth::missing-field` for the forms)".into());
        return Ok(Vec::new());
    }
    if !opts.schemes.is_empty() {
        let mut out = Vec::new();
        for wanted in &opts.schemes {
            let Some(s) = api.schemes.iter().find(|s| &s.name == wanted) else {
                return Err(Error::new(format!(
                    "--scheme {wanted}: the document has no such security scheme"
                ))
                .help(format!(
                    "its schemes are: {}",
                    api.schemes
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            };
            if let Err(why) = supported(&s.kind) {
                return Err(Error::new(format!(
                    "--scheme {wanted} cannot be generated: {why}"
                )));
            }
            if !out.iter().any(|o: &&Scheme| o.name == s.name) {
                out.push(s);
            }
        }
        return Ok(out);
    }
    let mut first = None;
    for s in &api.schemes {
        match supported(&s.kind) {
            Ok(()) if first.is_none() => first = Some(s),
            Ok(()) => {}
            Err(why) => warnings.push(format!(
                "security scheme `{}` is not generated: {why}",
                s.name
            )),
        }
    }
    let Some(first) = first else {
        warnings.push("no security scheme of the document can be generated; the connection has no `auth`: add one".into());
        return Ok(Vec::new());
    };
    let rest: Vec<&str> = api
        .schemes
        .iter()
        .filter(|s| s.name != first.name && supported(&s.kind).is_ok())
        .map(|s| s.name.as_str())
        .collect();
    if !rest.is_empty() {
        notes.push(format!(
            "auth from security scheme `{}`; the document also offers {}: import again with --scheme NAME (repeatable) for a connection per scheme",
            first.name,
            rest.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(vec![first])
}

/// `connection` name from the API's title: `GitHub v3 REST API` → `github`, `Okta Admin
/// Management` → `okta_admin_management`.
fn connection_base_name(title: &str) -> String {
    // Words as the title spells them, lower-cased: `GitHub` is one word, not `git_hub`.
    let words: Vec<String> = title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .filter(|w| {
            !matches!(
                w.as_str(),
                "api" | "apis" | "rest" | "http" | "https" | "openapi" | "the" | "n"
            )
        })
        .filter(|w| {
            !(w.chars().all(|c| c.is_ascii_digit())
                || (w.starts_with('v') && w[1..].chars().all(|c| c.is_ascii_digit())))
        })
        .take(3)
        .collect();
    let n = words.join("_");
    if n.is_empty() || !n.starts_with(|c: char| c.is_ascii_lowercase()) {
        "api".into()
    } else {
        n
    }
}

fn select_operations<'a>(api: &'a Api, opts: &Options) -> Result<Vec<&'a Operation>, Error> {
    if !opts.operations.is_empty() {
        let mut out = Vec::new();
        for id in &opts.operations {
            match api
                .operations
                .iter()
                .find(|o| o.id.as_deref() == Some(id.as_str()))
            {
                Some(op) => out.push(op),
                None => {
                    let ids: Vec<&str> = api
                        .operations
                        .iter()
                        .filter_map(|o| o.id.as_deref())
                        .collect();
                    return Err(Error::new(format!(
                        "--operations {id}: the document has no operation with that operationId"
                    ))
                    .help(match closest(id, &ids) {
                        Some(c) => format!("did you mean `{c}`?"),
                        None => "operationIds are case-sensitive".into(),
                    }));
                }
            }
        }
        out.sort_by(|a, b| {
            (&a.path, method_rank(&a.method)).cmp(&(&b.path, method_rank(&b.method)))
        });
        out.dedup_by(|a, b| a.at == b.at);
        return Ok(out);
    }
    if !opts.tags.is_empty() {
        for t in &opts.tags {
            if !api
                .operations
                .iter()
                .any(|o| o.tag.as_deref() == Some(t.as_str()))
            {
                let mut tags: Vec<&str> = api
                    .operations
                    .iter()
                    .filter_map(|o| o.tag.as_deref())
                    .collect();
                tags.sort();
                tags.dedup();
                return Err(
                    Error::new(format!("--tag {t}: no operation has that tag first")).help(
                        match closest(t, &tags) {
                            Some(c) => format!("did you mean `{c}`?"),
                            None => format!("the tags are: {}", tags.join(", ")),
                        },
                    ),
                );
            }
        }
        return Ok(api
            .operations
            .iter()
            .filter(|o| o.tag.as_ref().is_some_and(|t| opts.tags.contains(t)))
            .collect());
    }
    Ok(api.operations.iter().collect())
}

fn closest<'a>(wanted: &str, among: &[&'a str]) -> Option<&'a str> {
    let lower = wanted.to_ascii_lowercase();
    among
        .iter()
        .copied()
        .find(|c| c.to_ascii_lowercase() == lower)
        .or_else(|| {
            among.iter().copied().find(|c| {
                let c = c.to_ascii_lowercase();
                c.contains(&lower) || lower.contains(&c)
            })
        })
}

fn required_inputs(op: &Operation) -> bool {
    op.params.iter().any(|p| p.required)
        || op.body.as_ref().is_some_and(|b| b.required)
        || op.path.contains('{')
}

fn choose_ping<'a>(
    docs: &Docs,
    api: &'a Api,
    opts: &Options,
    scheme: Option<&Scheme>,
) -> Result<Option<&'a Operation>, Error> {
    if let Some(id) = &opts.ping {
        let Some(op) = api
            .operations
            .iter()
            .find(|o| o.id.as_deref() == Some(id.as_str()))
        else {
            let ids: Vec<&str> = api
                .operations
                .iter()
                .filter_map(|o| o.id.as_deref())
                .collect();
            return Err(Error::new(format!(
                "--ping {id}: the document has no operation with that operationId"
            ))
            .help(
                closest(id, &ids)
                    .map(|c| format!("did you mean `{c}`?"))
                    .unwrap_or_else(|| "operationIds are case-sensitive".into()),
            ));
        };
        if op.method != "GET" || required_inputs(op) {
            return Err(Error::new(format!(
                "--ping {id} is {} {}: a ping must be a GET with no required parameters",
                op.method, op.path
            ))
            .help("choose an operation that reads something small, such as the current user"));
        }
        return Ok(Some(op));
    }
    const PREFERRED: &[&str] = &["/me", "/users/me", "/user", "/account", "/users/@me"];
    let needs_auth = |op: &Operation| -> bool {
        let sec = op.effective_security(api);
        !sec.is_empty()
            && sec.iter().all(|r| !r.is_empty())
            && scheme.is_none_or(|s| sec.iter().any(|r| r.iter().any(|(n, _)| *n == s.name)))
    };
    let best = api
        .operations
        .iter()
        .filter(|o| o.method == "GET" && !required_inputs(o) && !o.deprecated)
        .min_by_key(|o| {
            // `/api/v1/users/me` is `/users/me`; `/api/v1/meta/types/user` is not `/user`.
            let lower = o.path.trim_end_matches('/').to_ascii_lowercase();
            let segments: Vec<&str> = lower.split('/').filter(|s| !s.is_empty()).collect();
            let skip = segments
                .iter()
                .take_while(|s| {
                    **s == "api"
                        || (s.starts_with('v')
                            && s[1..].chars().all(|c| c.is_ascii_digit() || c == '.'))
                        || s.chars().all(|c| c.is_ascii_digit() || c == '.')
                })
                .count();
            let p = format!("/{}", segments[skip..].join("/"));
            let preferred = PREFERRED
                .iter()
                .position(|s| p == *s)
                .unwrap_or(PREFERRED.len());
            let list = o
                .success()
                .and_then(|r| r.schema.as_ref())
                .and_then(|at| docs.deref(at).ok())
                .is_some_and(|(_, schema)| crate::lower::schema_type(schema) == "array")
                || p.rsplit('/').next().is_some_and(|last| last.ends_with('s'));
            (
                !needs_auth(o),
                preferred,
                !list,
                o.path.len(),
                o.path.clone(),
            )
        });
    Ok(best)
}

/// A connection param with its label.
fn param(t: &mut String, name: &str, label: &str) {
    let _ = writeln!(t, "param {} {{\nlabel {}\n}}", q(name), q(label));
}

fn auth_block(
    t: &mut String,
    s: &Scheme,
    api: &Api,
    ops: &[&Operation],
    base_url: &str,
    warnings: &mut Vec<String>,
) {
    let title = if api.title.is_empty() {
        "API".to_string()
    } else {
        one_line(&api.title, 60)
    };
    // "Okta Admin Management API API key" reads badly.
    let title = title
        .strip_suffix(" API")
        .map(str::to_string)
        .unwrap_or(title);
    match &s.kind {
        SchemeKind::Basic => {
            param(t, "username", &format!("{title} user name"));
            param(t, "password", &format!("{title} password"));
            let _ = writeln!(t, "auth \"basic\"");
        }
        SchemeKind::Bearer => {
            param(t, "token", &format!("{title} API token"));
            let _ = writeln!(t, "auth \"bearer\" {{\ntoken \"${{auth.token}}\"\n}}");
        }
        SchemeKind::ApiKey {
            location,
            name: key,
        } => match location {
            KeyLocation::Header | KeyLocation::Query => {
                let where_ = if *location == KeyLocation::Header {
                    "header"
                } else {
                    "query"
                };
                param(
                    t,
                    "api_key",
                    &format!("{title} API key (sent as the {key} {where_})"),
                );
                let prefix = (*location == KeyLocation::Header)
                    .then(|| key_prefix(key, s.description.as_deref().unwrap_or("")))
                    .flatten();
                if let Some(p) = &prefix {
                    warnings.push(format!(
                        "scheme `{}`: the {key} header is sent as `{p} <api_key>`, as the scheme's description says; check it",
                        s.name
                    ));
                }
                let value = match &prefix {
                    Some(p) => format!("{p} ${{auth.api_key}}"),
                    None => "${auth.api_key}".to_string(),
                };
                let _ = writeln!(
                    t,
                    "auth \"api-key\" {{\n{where_} {} {}\n}}",
                    q(key),
                    q(&value)
                );
            }
            KeyLocation::Cookie => {
                let p = name(key, "api_key", "key");
                let _ = writeln!(
                    t,
                    "param {} {{\nlabel {}\ntype \"password\"\n}}",
                    q(&p),
                    q(&format!("{title} API key (sent as the {key} cookie)"))
                );
                let _ = writeln!(
                    t,
                    "auth \"custom\" {{\ncookie {} \"${{auth.{p}}}\"\n}}",
                    q(key)
                );
            }
        },
        SchemeKind::OAuth2(flows) => {
            let Some(flow) = flows
                .iter()
                .find(|f| f.grant == Grant::AuthorizationCode)
                .or_else(|| flows.iter().find(|f| f.grant == Grant::ClientCredentials))
            else {
                return;
            };
            if flows.len() > 1 {
                let others: Vec<&str> = flows
                    .iter()
                    .filter(|f| f.grant != flow.grant)
                    .map(|f| grant_name(f.grant))
                    .collect();
                warnings.push(format!(
                    "security scheme `{}` offers the {} grant(s) too; the connection uses {}",
                    s.name,
                    others.join(", "),
                    grant_name(flow.grant)
                ));
            }
            let mut scopes: Vec<&str> = api
                .security
                .iter()
                .chain(ops.iter().flat_map(|o| o.security.iter().flatten()))
                .flat_map(|r| r.iter())
                .filter(|(n, _)| *n == s.name)
                .flat_map(|(_, sc)| sc.iter().map(String::as_str))
                .collect();
            scopes.sort();
            scopes.dedup();
            param(t, "client_id", &format!("{title} OAuth 2.0 client ID"));
            param(
                t,
                "client_secret",
                &format!("{title} OAuth 2.0 client secret"),
            );
            let _ = writeln!(t, "auth \"oauth2\" {{");
            match flow.grant {
                Grant::AuthorizationCode => {
                    let _ = writeln!(t, "grant \"authorization-code\"");
                    if let Some(u) = &flow.authorization_url {
                        let _ =
                            writeln!(t, "authorize-url {}", q(&absolute(u, base_url, warnings)));
                    }
                }
                _ => {
                    let _ = writeln!(t, "grant \"client-credentials\"");
                }
            }
            if let Some(u) = &flow.token_url {
                let _ = writeln!(t, "token-url {}", q(&absolute(u, base_url, warnings)));
            }
            if let Some(u) = &flow.refresh_url
                && Some(u) != flow.token_url.as_ref()
            {
                let _ = writeln!(t, "refresh-url {}", q(&absolute(u, base_url, warnings)));
            }
            if !scopes.is_empty() {
                let _ = writeln!(
                    t,
                    "scope {}",
                    scopes.iter().map(|s| q(s)).collect::<Vec<_>>().join(" ")
                );
            }
            if flow.grant == Grant::AuthorizationCode {
                let _ = writeln!(t, "pkce #true");
            }
            let _ = writeln!(t, "}}");
        }
        SchemeKind::OpenIdConnect(_) | SchemeKind::MutualTls | SchemeKind::Http(_) => {}
    }
}

fn grant_name(g: Grant) -> &'static str {
    match g {
        Grant::AuthorizationCode => "authorization code",
        Grant::ClientCredentials => "client credentials",
        Grant::Implicit => "implicit",
        Grant::Password => "password",
    }
}

/// An OAuth URL resolved against the server URL (Okta writes `/oauth2/v1/token`), as RFC 3986
/// resolves a reference against a base; plain http becomes https as for the server.
fn absolute(url: &str, base: &str, warnings: &mut Vec<String>) -> String {
    let escaped = url.trim().replace("${", "$${");
    let url = escaped.as_str();
    let out = if url.contains("://") {
        url.to_string()
    } else {
        let (scheme, rest) = base.split_once("://").unwrap_or(("https", base));
        let (authority, path) = rest
            .split_once('/')
            .map(|(a, p)| (a, format!("/{p}")))
            .unwrap_or((rest, String::new()));
        if let Some(net) = url.strip_prefix("//") {
            format!("{scheme}://{net}")
        } else if url.starts_with('/') {
            format!("{scheme}://{authority}{url}")
        } else {
            let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            format!("{scheme}://{authority}{dir}/{url}")
        }
    };
    if let Some(rest) = out.strip_prefix("http://")
        && !rest.starts_with("localhost")
        && !rest.starts_with("127.")
    {
        warnings.push(format!(
            "the OAuth URL `{url}` uses http://; written as https://"
        ));
        return format!("https://{rest}");
    }
    out
}

fn operation_prop(op: &Operation) -> String {
    match &op.id {
        Some(id) => format!(" operation={}", q(id)),
        None => String::new(),
    }
}

/// The scheme word an API key header carries before the key, when the scheme's description shows
/// it the way vendors write it: Okta's "`Authorization: SSWS {API Token}`" gives `SSWS`.
fn key_prefix(header: &str, description: &str) -> Option<String> {
    let lower = description.to_ascii_lowercase();
    let at = lower.find(&format!("{}:", header.to_ascii_lowercase()))?;
    let rest = description[at + header.len() + 1..].trim_start();
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let after = rest[word.len()..].trim_start();
    // Only a word followed by a placeholder for the key is a prefix: `SSWS {token}`, `Key <key>`.
    (!word.is_empty() && (after.starts_with('{') || after.starts_with('<'))).then_some(word)
}

fn custom_api_action(conn: &str, flow: &str) -> String {
    format!(
        r#"// The custom API action: one request through the connection, chosen at run time.
// `relative_url` starts with `/` and is relative to the connection's base URL.
flow {flow} connection={conn} {{
    description "One authenticated request: method, relative URL, query, headers and JSON body"
    input "method" type="string" required=#true
    input "relative_url" type="string" required=#true
    input "query" type="object"
    input "headers" type="object"
    input "body" type="any"
    if "${{input.body == null}}" {{
        request "call" "${{input.method}}" "${{input.relative_url}}" {{
            queries "${{input.query}}"
            headers "${{input.headers}}"
        }}
        return "${{steps.call}}"
    }}
    request "call_with_body" "${{input.method}}" "${{input.relative_url}}" {{
        queries "${{input.query}}"
        headers "${{input.headers}}"
        json "${{input.body}}"
    }}
    return "${{steps.call_with_body}}"
}}
"#,
        conn = q(conn),
        flow = q(flow)
    )
}

/// Headers that OpenAPI says a parameter may not define: the connection and auth set them.
fn ignored_header(name: &str) -> bool {
    ["accept", "content-type", "authorization"].contains(&name.to_ascii_lowercase().as_str())
}

fn operation_flow(
    docs: &Docs,
    entry: &str,
    op: &Operation,
    flow: &str,
    conn: &str,
    warnings: &mut Vec<String>,
) -> String {
    let mut t = String::new();
    // Every text from the document goes into a comment through `one_line`: a newline in an
    // operationId must never end the comment and start KDL of its own.
    let label = op
        .id
        .as_deref()
        .map(|i| format!("`{}` ", one_line(i, 200)))
        .unwrap_or_default();
    let _ = writeln!(
        t,
        "// {label}{} {}{}",
        op.method,
        one_line(&op.path, 200),
        if op.deprecated { " (deprecated)" } else { "" }
    );
    let _ = writeln!(t, "flow {} connection={} {{", q(flow), q(conn));
    if let Some(d) = op
        .summary
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .or(op.description.as_deref())
        .map(|d| first_sentence(d, 200))
        .filter(|d| !d.is_empty())
    {
        let _ = writeln!(t, "description {}", q(&d));
    }
    let mut inputs = Unique::new(["body"]);
    let mut path_names: Vec<(String, String)> = Vec::new();
    let mut query = Vec::new();
    let mut headers = Vec::new();
    let mut input_lines = Vec::new();
    let input_line = |n: &str, ty: &str, required: bool, default: Option<&serde_json::Value>| {
        let mut l = format!("input {} type={}", q(n), q(ty));
        if required {
            l.push_str(" required=#true");
        } else if let Some(d) = default {
            match d {
                serde_json::Value::String(s) => l.push_str(&format!(" default={}", q(s))),
                serde_json::Value::Bool(b) => l.push_str(&format!(" default=#{b}")),
                serde_json::Value::Number(n) if ty == "integer" && n.is_i64() => {
                    l.push_str(&format!(" default={n}"))
                }
                serde_json::Value::Number(n) if ty == "number" => {
                    l.push_str(&format!(" default={n}"))
                }
                _ => {}
            }
        }
        l
    };
    for p in &op.params {
        if p.location == Location::Cookie {
            warnings.push(format!("{}: cookie parameter `{}` is not sent (intact requests have no cookie node); add it as a `header \"Cookie\"` if the API needs it", docs.describe(&op.at), p.name));
            continue;
        }
        if p.location == Location::Header && ignored_header(&p.name) {
            continue;
        }
        let n = inputs.take(&name(&p.name, "param", p.location.as_str()));
        input_lines.push(input_line(&n, p.ty, p.required, p.default.as_ref()));
        match p.location {
            Location::Path => path_names.push((p.name.clone(), n)),
            Location::Query => query.push((p.name.clone(), n)),
            Location::Header => headers.push((p.name.clone(), n)),
            Location::Cookie => {}
        }
    }
    // Build the path, declaring any `{param}` the document forgot to list.
    let mut path = String::new();
    let mut rest = op.path.as_str();
    while let Some(open) = rest.find('{') {
        path.push_str(&rest[..open].replace("${", "$${"));
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            path.push_str(&rest[open..].replace("${", "$${"));
            rest = "";
            break;
        };
        let pname = &after[..close];
        let n = match path_names.iter().find(|(o, _)| o == pname) {
            Some((_, n)) => n.clone(),
            None => {
                let n = inputs.take(&name(pname, "param", "path"));
                input_lines.push(input_line(&n, "string", true, None));
                path_names.push((pname.to_string(), n.clone()));
                n
            }
        };
        path.push_str(&format!("${{input.{n}}}"));
        rest = &after[close + 1..];
    }
    path.push_str(&rest.replace("${", "$${"));
    if !path.starts_with('/') {
        path.insert(0, '/');
    }

    let mut body_lines = Vec::new();
    if let Some(b) = &op.body {
        let base = b
            .media_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let resolved = b.schema.as_ref().and_then(|at| docs.deref(at).ok());
        let schema = resolved.as_ref().map(|(_, v)| *v);
        if base == "application/json" || base.ends_with("+json") {
            let ty = schema.map(crate::lower::schema_type).unwrap_or("any");
            let mut line = input_line("body", ty, b.required, None);
            // The body's schema types the input, so that a call is checked against it. Only
            // into the entry document, which the checker reads schemas from.
            if let Some((at, _)) = resolved.as_ref().filter(|(at, _)| at.file == 0) {
                let _ = write!(line, " schema={}", q(&format!("{entry}#{}", at.pointer)));
            }
            input_lines.push(line);
            body_lines.push("json \"${input.body}\"".to_string());
            if base != "application/json" {
                headers_literal(&mut body_lines, &b.media_type);
            }
        } else if base == "application/x-www-form-urlencoded" {
            let fields: Vec<(&String, bool)> = schema
                .and_then(|s| s.get("properties"))
                .and_then(|p| p.as_object())
                .map(|props| {
                    let required: Vec<&str> = schema
                        .and_then(|s| s.get("required"))
                        .and_then(|r| r.as_array())
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v.as_str())
                        .collect();
                    props
                        .keys()
                        .map(|k| (k, required.contains(&k.as_str())))
                        .collect()
                })
                .unwrap_or_default();
            if fields.is_empty() {
                input_lines.push(input_line("body", "string", b.required, None));
                headers_literal(&mut body_lines, &b.media_type);
                body_lines.push("body \"${input.body}\"".to_string());
            } else {
                let mut form = String::from("form {\n");
                for (field, required) in fields {
                    let n = inputs.take(&name(field, "field", "field"));
                    let ty = schema
                        .and_then(|s| {
                            s.pointer(&format!("/properties/{}", crate::refs::escape(field)))
                        })
                        .map(crate::lower::schema_type)
                        .filter(|t| matches!(*t, "string" | "integer" | "number" | "boolean"))
                        .unwrap_or("string");
                    input_lines.push(input_line(&n, ty, required && b.required, None));
                    let _ = writeln!(form, "{} \"${{input.{n}}}\"", q(field));
                }
                form.push('}');
                body_lines.push(form);
            }
        } else if base.starts_with("multipart/") {
            warnings.push(format!("{}: the {} body is not generated (intact has no multipart bodies); write the request body by hand", docs.describe(&op.at), b.media_type));
            body_lines.push(format!(
                "// The {} body is not generated: intact has no multipart bodies yet.",
                one_line(&b.media_type, 80)
            ));
        } else {
            input_lines.push(input_line("body", "string", b.required, None));
            headers_literal(&mut body_lines, &b.media_type);
            body_lines.push("body \"${input.body}\"".to_string());
        }
    }
    for l in input_lines {
        let _ = writeln!(t, "{l}");
    }
    let mut block = String::new();
    for (k, n) in &query {
        let _ = writeln!(block, "query {} \"${{input.{n}}}\"", q(k));
    }
    for (k, n) in &headers {
        let _ = writeln!(block, "header {} \"${{input.{n}}}\"", q(k));
    }
    for l in &body_lines {
        let _ = writeln!(block, "{l}");
    }
    let method =
        if METHODS.iter().any(|m| m.eq_ignore_ascii_case(&op.method)) && op.method != "TRACE" {
            op.method.as_str()
        } else {
            "GET"
        };
    if matches!(method, "GET" | "DELETE") && body_lines.iter().any(|l| !l.starts_with("//")) {
        let _ = writeln!(
            t,
            "// intact-ignore: http::body-on-get the OpenAPI document gives this {method} a request body"
        );
    }
    let _ = write!(
        t,
        "request \"call\" {} {}{}",
        q(method),
        q(&path),
        operation_prop(op)
    );
    if block.is_empty() {
        t.push('\n');
    } else {
        let _ = writeln!(t, " {{\n{block}}}");
    }
    let _ = writeln!(t, "return \"${{steps.call.body}}\"");
    let _ = writeln!(t, "}}");
    t
}

fn headers_literal(lines: &mut Vec<String>, media_type: &str) {
    lines.push(format!("header \"Content-Type\" {}", q(media_type)));
}

/// A KDL string literal (the one encoder, in intact-syntax).
pub use intact_syntax::quote as q;

/// Text for a one-line string or comment: whitespace collapsed, at most `max` characters, and
/// `${` written so that it is never read as an expression.
fn one_line(text: &str, max: usize) -> String {
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = collapsed.chars().take(max).collect();
    if collapsed.chars().count() > max {
        out.push('…');
    }
    out.replace("${", "$${")
}

/// The first sentence (or line) of a description, without Markdown links' targets.
fn first_sentence(text: &str, max: usize) -> String {
    let line = text.trim().lines().next().unwrap_or("").trim();
    let sentence = match line.find(". ") {
        Some(i) => &line[..=i],
        None => line,
    };
    one_line(sentence, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_prefixes_come_from_the_description() {
        let okta = "Pass the API token as the Authorization header value prefixed with SSWS: `Authorization: SSWS {API Token}`";
        assert_eq!(key_prefix("Authorization", okta).as_deref(), Some("SSWS"));
        assert_eq!(key_prefix("Authorization", "Discord bot token"), None);
        assert_eq!(key_prefix("X-API-Key", "X-API-Key: {key}"), None);
        assert_eq!(
            key_prefix("Authorization", "authorization: Key <key>").as_deref(),
            Some("Key")
        );
    }

    #[test]
    fn kdl_strings() {
        assert_eq!(one_line("a\n  b ${x}", 100), "a b $${x}");
        assert_eq!(
            first_sentence("Gets a user. Then more.\nSecond line", 100),
            "Gets a user."
        );
    }

    #[test]
    fn oauth_urls_resolve_against_the_server() {
        let mut w = Vec::new();
        let base = "https://${app.your_okta_domain}/api";
        assert_eq!(
            absolute("/oauth2/v1/token", base, &mut w),
            "https://${app.your_okta_domain}/oauth2/v1/token"
        );
        assert_eq!(
            absolute("token", "https://a.example/v1/x", &mut w),
            "https://a.example/v1/token"
        );
        assert_eq!(
            absolute("//auth.example/t", base, &mut w),
            "https://auth.example/t"
        );
        assert_eq!(
            absolute("https://b.example/t", base, &mut w),
            "https://b.example/t"
        );
        assert!(w.is_empty());
        assert_eq!(
            absolute("http://b.example/t", base, &mut w),
            "https://b.example/t"
        );
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn connection_names() {
        assert_eq!(connection_base_name("GitHub v3 REST API"), "github");
        assert_eq!(
            connection_base_name("Okta Admin Management"),
            "okta_admin_management"
        );
        assert_eq!(connection_base_name(""), "api");
        assert_eq!(connection_base_name("123"), "api");
        assert_eq!(connection_base_name("Swagger Petstore"), "swagger_petstore");
    }
}
