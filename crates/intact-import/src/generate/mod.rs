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
use intact_openapi::model::{Api, KeyLocation, Operation, Scheme, SchemeKind, ServerVariable};
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
    let chosen = Chosen::new(
        docs,
        api,
        opts,
        placement,
        &source,
        &mut warnings,
        &mut notes,
    )?;

    let mut files: Vec<PlannedFile> = Vec::new();
    if placement.write_project_file {
        let (doc, project) = project_file(api, &header);
        files.push(planned(
            "intact.kdl",
            &doc,
            format!("the project `{project}`"),
        )?);
    }
    let builder = Builder {
        api,
        opts,
        placement,
        chosen: &chosen,
        source: &source,
        header: &header,
    };
    builder.connection_files(&notes, &mut files, &mut warnings)?;
    builder.flow_files(docs, &entry, &mut files, &mut warnings)?;
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

/// What the document and the options decide before any file is built.
struct Chosen<'a> {
    base_url: String,
    /// The server variables the base URL reads, as tenant variables.
    variables: Vec<(String, ServerVariable)>,
    /// The connections to write: a name each, and the security scheme it authenticates with.
    connections: Vec<(String, Option<&'a Scheme>)>,
    /// The operations that become flows.
    operations: Vec<&'a Operation>,
    /// Headers every operation requires with one value, written on the connection.
    headers: Vec<(String, String)>,
    /// The operation the auth ping runs.
    ping: Option<&'a Operation>,
}

impl<'a> Chosen<'a> {
    fn new(
        docs: &Docs,
        api: &'a Api,
        opts: &Options,
        placement: &Placement,
        source: &str,
        warnings: &mut Vec<String>,
        notes: &mut Vec<String>,
    ) -> Result<Chosen<'a>, Error> {
        let mut variables: Vec<(String, ServerVariable)> = Vec::new();
        let base_url = connection::base_url(api, opts, source, &mut variables, warnings, notes)?;
        let schemes = select::schemes(api, opts, warnings, notes)?;
        let connections = connection::names(api, opts, &placement.taken, &schemes)?;
        let operations = select::operations(api, opts)?;
        key_format(opts, &schemes)?;
        let headers = params::connection_headers(api);
        let ping = select::ping(docs, api, opts, schemes.first().copied(), &headers)?;
        if ping.is_none() {
            warnings.push(
                "no GET whose required parameters all have values (a default, a single allowed value, or a header the connection sends) was found for the auth ping; the connection has no `ping` block: add one, or import again with --ping OPERATION_ID"
                    .into(),
            );
        }
        Ok(Chosen {
            base_url,
            variables,
            connections,
            operations,
            headers,
            ping,
        })
    }
}

/// Builds the connection and flow files from what was chosen.
struct Builder<'a> {
    api: &'a Api,
    opts: &'a Options,
    placement: &'a Placement,
    chosen: &'a Chosen<'a>,
    /// The document, as the files' header comments name it.
    source: &'a str,
    header: &'a str,
}

impl Builder<'_> {
    /// A file per connection; the first also holds the notes and the tenant variables.
    fn connection_files(
        &self,
        notes: &[String],
        files: &mut Vec<PlannedFile>,
        warnings: &mut Vec<String>,
    ) -> Result<(), Error> {
        let (api, chosen) = (self.api, self.chosen);
        for (i, (conn, scheme)) in chosen.connections.iter().enumerate() {
            let mut doc = Doc::new();
            doc.comment(&format!(
                "Written by `intact import openapi` from {} ({}{}, OpenAPI {}).",
                self.source,
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
                for n in notes {
                    doc.comment(&one_line(n, 300));
                }
                connection::variables(&mut doc, &chosen.variables, &self.placement.taken);
            }
            doc.push(connection::connection(
                &connection::Connection {
                    name: conn,
                    scheme: *scheme,
                    base_url: &chosen.base_url,
                    ping: chosen.ping,
                    headers: &chosen.headers,
                    key_format: self.opts.key_format.as_deref(),
                },
                api,
                &chosen.operations,
                warnings,
            ));
            let what = match scheme {
                Some(s) => format!(
                    "connection `{conn}` (auth from scheme `{}`){}",
                    s.name,
                    if i == 0 && !chosen.variables.is_empty() {
                        format!(", {} tenant variable(s)", chosen.variables.len())
                    } else {
                        String::new()
                    }
                ),
                None => format!("connection `{conn}` (no auth)"),
            };
            files.push(planned(&format!("connections/{conn}.kdl"), &doc, what)?);
        }
        Ok(())
    }

    /// The flows through the first connection, grouped by first tag, a file per group; the custom
    /// API action goes to `api`.
    fn flow_files(
        &self,
        docs: &Docs,
        entry: &str,
        files: &mut Vec<PlannedFile>,
        warnings: &mut Vec<String>,
    ) -> Result<(), Error> {
        let (conn, scheme) = &self.chosen.connections[0];
        let mut groups: BTreeMap<String, (Doc, usize)> = BTreeMap::new();
        let mut flow_names = Unique::new(self.placement.taken.flows.iter().map(String::as_str));
        let custom = flow_names.take("custom_api_action");
        flows::custom_api_action(
            flow_group(&mut groups, self.header, "api".into()),
            conn,
            &custom,
        );
        let through = flows::Through {
            name: conn,
            sent: params::Sent::new(&self.chosen.headers, *scheme),
        };
        for op in &self.chosen.operations {
            let tag = op
                .tag
                .as_deref()
                .map(snake)
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "api".into());
            let flow = flow_names.take(&operation_name(op.id.as_deref(), &op.method, &op.path));
            flows::operation(
                flow_group(&mut groups, self.header, tag),
                docs,
                entry,
                op,
                &flow,
                &through,
                warnings,
            );
        }
        for (group, (doc, n)) in groups {
            let path = match &self.placement.flows_folder {
                Some(folder) => format!("flows/{folder}/{group}.kdl"),
                None => format!("flows/{group}.kdl"),
            };
            files.push(planned(&path, &doc, format!("{n} flow(s)"))?);
        }
        Ok(())
    }
}

/// The flow file of group `name` (its doc, and how many flows it holds), begun with `header` the
/// first time, ready for one more flow.
fn flow_group<'g>(
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
            Ok((Path::new(crate::DESCRIPTION_DIR).join(rel), i))
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
