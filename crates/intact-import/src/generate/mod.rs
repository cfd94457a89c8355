//! The described API to intact KDL: the connection with its auth and ping, tenant variables from
//! server variables, the custom API action, and one flow per chosen operation (the mapping table
//! of openapi-import.md). Every file is built as a KDL tree (`intact_syntax::build`) in memory;
//! [`crate::write`] writes them.
//!
//! [`select`] chooses what to import, [`connection`] writes the connection files, [`flows`] the
//! flow files; naming lives in [`crate::names`].

mod connection;
mod flows;
mod key_format;
mod params;
mod select;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use intact_openapi::Error;
use intact_openapi::model::*;
use intact_openapi::refs::Docs;
use intact_syntax::build::{Doc, Node};

use crate::names::{Unique, name, operation_name};
use crate::{Options, Placement, Plan, PlannedFile};
use intact_model::catalogue::snake_case as snake;

pub(crate) fn generate(
    docs: &Docs,
    api: &Api,
    opts: &Options,
    placement: &Placement,
    version_warning: Option<String>,
) -> Result<Plan, Error> {
    let mut warnings: Vec<String> = version_warning.into_iter().collect();
    warnings.extend(api.notes.iter().cloned());
    let mut notes = Vec::new();
    let copies = copies(docs)?;
    let source = one_line(&copies[0].0.display().to_string(), 200);
    // Where the entry document's copy is, as `schema=` names it.
    let entry = copies[0].0.to_string_lossy().replace('\\', "/");
    let header = format!("Written by `intact import openapi` from {source}.");

    let mut variables: Vec<(String, ServerVariable)> = Vec::new();
    let base_url = connection::base_url(
        api,
        opts,
        &source,
        &mut variables,
        &mut warnings,
        &mut notes,
    )?;
    let chosen = select::schemes(api, opts, &mut warnings, &mut notes)?;
    let connections = connection::names(api, opts, &placement.taken, &chosen)?;
    let selected = select::operations(api, opts)?;
    key_format(opts, &chosen)?;
    let conn_headers = params::connection_headers(api);
    let ping = select::ping(docs, api, opts, chosen.first().copied(), &conn_headers)?;
    if ping.is_none() {
        warnings.push(
            "no GET whose required parameters all have values (a default, a single allowed value, or a header the connection sends) was found for the auth ping; the connection has no `ping` block: add one, or import again with --ping OPERATION_ID"
                .into(),
        );
    }

    let mut files: Vec<PlannedFile> = Vec::new();
    if placement.write_project_file {
        let (doc, project) = project_file(api, &header);
        files.push(planned(
            "intact.kdl",
            &doc,
            format!("the project `{project}`"),
        )?);
    }

    for (i, (conn, scheme)) in connections.iter().enumerate() {
        let mut doc = Doc::new();
        doc.comment(&format!(
            "Written by `intact import openapi` from {source} ({}{}, OpenAPI {}).",
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
        ));
        if i == 0 {
            for n in &notes {
                doc.comment(&one_line(n, 300));
            }
            connection::variables(&mut doc, &variables, &placement.taken);
        }
        doc.push(connection::connection(
            &connection::Connection {
                name: conn,
                scheme: *scheme,
                base_url: &base_url,
                ping,
                headers: &conn_headers,
                key_format: opts.key_format.as_deref(),
            },
            api,
            &selected,
            &mut warnings,
        ));
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
        files.push(planned(&format!("connections/{conn}.kdl"), &doc, what)?);
    }

    // Flows, grouped by first tag, a file per group.
    let conn = &connections[0].0;
    let mut groups: BTreeMap<String, (Doc, usize)> = BTreeMap::new();
    fn group<'g>(
        groups: &'g mut BTreeMap<String, (Doc, usize)>,
        header: &str,
        name: String,
    ) -> &'g mut Doc {
        let (doc, n) = groups.entry(name).or_insert_with(|| {
            let mut doc = Doc::new();
            doc.comment(header);
            (doc, 0)
        });
        doc.blank();
        *n += 1;
        doc
    }
    let mut flow_names = Unique::new(placement.taken.flows.iter().map(String::as_str));
    let custom = flow_names.take("custom_api_action");
    flows::custom_api_action(group(&mut groups, &header, "api".into()), conn, &custom);
    let through = flows::Through {
        name: conn,
        sent: params::Sent::new(&conn_headers, connections[0].1),
    };
    for op in &selected {
        let tag = op
            .tag
            .as_deref()
            .map(snake)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "api".into());
        let flow = flow_names.take(&operation_name(op.id.as_deref(), &op.method, &op.path));
        flows::operation(
            group(&mut groups, &header, tag),
            docs,
            &entry,
            op,
            &flow,
            &through,
            &mut warnings,
        );
    }
    for (group, (doc, n)) in groups {
        let path = match &placement.flows_folder {
            Some(folder) => format!("flows/{folder}/{group}.kdl"),
            None => format!("flows/{group}.kdl"),
        };
        files.push(planned(&path, &doc, format!("{n} flow(s)"))?);
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
        placement: placement.clone(),
    })
}

/// `--key-format` is refused when it has no single `{key}` or no chosen scheme sends an API key.
fn key_format(opts: &Options, chosen: &[&Scheme]) -> Result<(), Error> {
    let Some(format) = &opts.key_format else {
        return Ok(());
    };
    if format.matches("{key}").count() != 1 {
        return Err(Error::new(format!(
            "--key-format {format:?} must hold `{{key}}` once, where the API key goes"
        ))
        .help("e.g. --key-format 'Token token={key}'"));
    }
    let keyed = chosen.iter().any(|s| {
        matches!(
            s.kind,
            SchemeKind::ApiKey {
                location: KeyLocation::Header | KeyLocation::Query,
                ..
            }
        )
    });
    if !keyed {
        return Err(Error::new(
            "--key-format applies to an API key sent in a header or the query, and no chosen security scheme sends one",
        )
        .help("choose an apiKey scheme with --scheme NAME, or leave --key-format out"));
    }
    Ok(())
}

/// `intact.kdl` for an import into an empty folder, and the project's name.
fn project_file(api: &Api, header: &str) -> (Doc, String) {
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
    let mut doc = Doc::new();
    doc.comment(header);
    doc.push(
        Node::new("project")
            .arg(&project)
            .child(Node::new("display-name").arg(display))
            .child(Node::new("version").arg("0.1.0")),
    );
    (doc, project)
}

/// A generated file, printed. The printer's layout is the formatter's (`intact_syntax::build`
/// tests that); debug builds check every generated file against the formatter too, as every test
/// imports the whole corpus that way. Release builds skip it: parsing and formatting every file
/// again cost a third of a large import.
fn planned(path: &str, doc: &Doc, summary: String) -> Result<PlannedFile, Error> {
    let text = doc.print();
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
        .map(|f| intact_jsonref::normalize(&f.path))
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
    fn kdl_strings() {
        assert_eq!(one_line("a\n  b ${x}", 100), "a b $${x}");
        assert_eq!(
            first_sentence("Gets a user. Then more.\nSecond line", 100),
            "Gets a user."
        );
    }
}
