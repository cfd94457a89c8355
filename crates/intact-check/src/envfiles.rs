//! Environments (`env/NAME.toml`): what `intact run` and `intact test --live` would refuse or
//! misread, found before a run: `env::invalid` (not TOML, or not the shape of an environment),
//! `env::unknown-name` (a section or key nothing reads, with did-you-mean) and `secret::literal`
//! (a password param written as a literal in a committed file).
//!
//! Values are never copied into a message: a literal secret is pointed at, not repeated.

use intact_model::{Analysis, ConnectionDef, FileId, Loc};
use intact_syntax::Span;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::Diagnostic;

use crate::registry::Rule;
use intact_model::project::ENV_CONNECTION_SETTINGS as CONNECTION_SETTINGS;

pub(crate) fn check(a: &Analysis, host: &dyn crate::Host, out: &mut Vec<Diagnostic>) {
    for (i, f) in a.files.iter().enumerate() {
        let path = f.path();
        if !intact_model::project::is_env_file(path) {
            continue;
        }
        EnvFile {
            a,
            host,
            file: FileId::from_index(i),
            out,
        }
        .check(f.text());
    }
}

struct EnvFile<'a, 'o> {
    a: &'a Analysis,
    host: &'a dyn crate::Host,
    file: FileId,
    out: &'o mut Vec<Diagnostic>,
}

fn span(r: std::ops::Range<usize>) -> Span {
    Span::new(r.start as u32, r.end as u32)
}

impl EnvFile<'_, '_> {
    fn loc(&self, r: std::ops::Range<usize>) -> Loc {
        Loc::new(self.file, span(r))
    }

    fn check(&mut self, text: &str) {
        let doc = match DeTable::parse(text) {
            Ok(d) => d,
            Err(e) => {
                let at = e.span().unwrap_or(0..0);
                let d = Diagnostic::new(
                    Rule::EnvInvalid,
                    self.loc(at),
                    format!("the environment is not valid TOML: {}", e.message().trim()),
                )
                .label("here")
                .help("write `key = \"value\"` lines under [app] and [connection.NAME]");
                self.out.push(d);
                return;
            }
        };
        // Every declared tenant variable the environment leaves out: a run that reads it stops
        // before its first request, so say so here, where it is cheap.
        let given: Vec<String> = match doc.get_ref().get("app").map(|v| v.get_ref()) {
            Some(DeValue::Table(t)) => t.iter().map(|(k, _)| k.get_ref().to_string()).collect(),
            _ => Vec::new(),
        };
        let missing: Vec<&str> = self
            .a
            .model
            .variables
            .iter()
            .map(|v| v.name.name.as_str())
            .filter(|v| !given.iter().any(|g| g == v))
            .collect();
        if !missing.is_empty() {
            let list: Vec<String> = missing.iter().map(|v| format!("`{v}`")).collect();
            let at = doc
                .get_ref()
                .iter()
                .find(|(k, _)| k.get_ref().as_ref() == "app")
                .map_or(0..0, |(k, _)| k.span());
            self.out.push(
                Diagnostic::new(
                    Rule::EnvMissingVariable,
                    self.loc(at),
                    format!(
                        "this environment gives no value for the tenant variable(s) {}",
                        list.join(", ")
                    ),
                )
                .label("not given here")
                .help(format!(
                    "add `{} = \"…\"` under [app]; a run that reads it stops before its first request",
                    missing[0]
                )),
            );
        }
        for (key, value) in doc.get_ref() {
            match (key.get_ref().as_ref(), value.get_ref()) {
                ("app", DeValue::Table(t)) => self.app(t),
                ("connection", DeValue::Table(conns)) => {
                    for (name, c) in conns {
                        self.connection(name, c);
                    }
                }
                (other, _) => {
                    let hint = crate::suggest(other, ["app", "connection"])
                        .map(|s| format!("did you mean [{s}]? "))
                        .unwrap_or_default();
                    self.out.push(
                        Diagnostic::new(
                            Rule::EnvInvalid,
                            self.loc(key.span()),
                            format!("`{other}` is not a section of an environment"),
                        )
                        .label("unknown section")
                        .help(format!(
                            "{hint}an environment has [app] (tenant variables) and [connection.NAME] (connection params)"
                        )),
                    );
                }
            }
        }
    }

    fn app(&mut self, t: &DeTable) {
        let names: Vec<&str> = self
            .a
            .model
            .variables
            .iter()
            .map(|v| v.name.name.as_str())
            .collect();
        for (key, value) in t {
            let k = key.get_ref().as_ref();
            self.value_shape(&format!("app.{k}"), value);
            if !names.contains(&k) {
                self.unknown(
                    key,
                    &format!("the project has no tenant variable `{k}`"),
                    &names,
                );
            }
        }
    }

    fn connection(&mut self, name: &Spanned<std::borrow::Cow<'_, str>>, c: &Spanned<DeValue>) {
        let n = name.get_ref().as_ref();
        let DeValue::Table(t) = c.get_ref() else {
            self.out.push(
                Diagnostic::new(
                    Rule::EnvInvalid,
                    self.loc(c.span()),
                    format!("`connection.{n}` must be a table of params"),
                )
                .label("not a table")
                .help(format!(
                    "write [connection.{n}] on its own line, then `param = \"value\"` lines"
                )),
            );
            return;
        };
        let model = &self.a.model;
        let Some(conn) = model.connections.iter().find(|x| x.name.name == n) else {
            let names: Vec<&str> = model
                .connections
                .iter()
                .map(|x| x.name.name.as_str())
                .collect();
            self.unknown(
                name,
                &format!("the project has no connection `{n}`"),
                &names,
            );
            return;
        };
        let params = conn.all_params();
        for (key, value) in t {
            let k = key.get_ref().as_ref();
            self.value_shape(&format!("connection.{n}.{k}"), value);
            if CONNECTION_SETTINGS.contains(&k) {
                if k == "refresh_token" {
                    self.literal_secret(conn, k, value);
                }
                if let DeValue::String(url) = value.get_ref()
                    && k != "refresh_token"
                {
                    let verdict = intact_model::urls::judge(url);
                    let what = format!("`connection.{n}.{k}`");
                    self.out
                        .extend(crate::insecure_url(self.loc(value.span()), &what, &verdict));
                }
                continue;
            }
            match params.iter().find(|p| p.name == k) {
                Some(p) if p.secret => self.literal_secret(conn, k, value),
                Some(_) => {}
                None => {
                    let known: Vec<&str> = params
                        .iter()
                        .map(|p| p.name.as_str())
                        .chain(CONNECTION_SETTINGS.iter().copied())
                        .collect();
                    self.unknown(key, &format!("connection `{n}` has no param `{k}`"), &known);
                }
            }
        }
    }

    fn unknown(&mut self, key: &Spanned<std::borrow::Cow<'_, str>>, message: &str, known: &[&str]) {
        let k = key.get_ref().as_ref();
        let mut d = Diagnostic::new(Rule::EnvUnknownName, self.loc(key.span()), message)
            .label("nothing reads this");
        match crate::suggest(k, known.iter().copied()) {
            Some(s) => {
                d = d.help(format!("did you mean `{s}`?")).fix(
                    format!("rename to `{s}`"),
                    self.loc(key.span()),
                    s,
                );
            }
            None if known.is_empty() => d = d.help("remove it"),
            None => d = d.help(format!("the names here are: {}", known.join(", "))),
        }
        self.out.push(d);
    }

    /// A value is a string, number or boolean, or a table with `env` or `file`.
    fn value_shape(&mut self, key: &str, value: &Spanned<DeValue>) {
        let ok = match value.get_ref() {
            DeValue::String(_) | DeValue::Integer(_) | DeValue::Float(_) | DeValue::Boolean(_) => {
                true
            }
            DeValue::Table(t) => {
                t.len() == 1
                    && t.iter().all(|(k, v)| {
                        matches!(k.get_ref().as_ref(), "env" | "file")
                            && matches!(v.get_ref(), DeValue::String(_))
                    })
            }
            _ => false,
        };
        if let DeValue::Table(t) = value.get_ref()
            && let Some((_, v)) = t.iter().find(|(k, _)| k.get_ref().as_ref() == "file")
            && let DeValue::String(file) = v.get_ref()
            && let Some(how) = if intact_model::project::climbs_out(file) {
                Some("climbs out of the project")
            } else if !std::path::Path::new(file.as_ref()).is_absolute()
                && self.host.links_out(file)
            {
                Some("leaves the project through a symbolic link")
            } else {
                None
            }
        {
            self.out.push(
                Diagnostic::new(
                    Rule::EnvInvalid,
                    self.loc(v.span()),
                    format!("`{key}` reads `{file}`, outside the project"),
                )
                .label(how)
                .help("an environment reads files of its project; name a file elsewhere by its absolute path, so that a reviewer sees it"),
            );
        }
        if !ok {
            self.out.push(
                Diagnostic::new(
                    Rule::EnvInvalid,
                    self.loc(value.span()),
                    format!("`{key}` is neither a value nor a reference"),
                )
                .label("not a value")
                .help(
                    "write a string, a number, a boolean, { env = \"VAR\" } or { file = \"path\" }",
                ),
            );
        }
    }

    fn literal_secret(&mut self, conn: &ConnectionDef, key: &str, value: &Spanned<DeValue>) {
        if !matches!(value.get_ref(), DeValue::String(_) | DeValue::Integer(_)) {
            return;
        }
        let c = &conn.name.name;
        let var = format!("{}_{}", c, key).to_uppercase();
        self.out.push(
            Diagnostic::new(
                Rule::SecretLiteral,
                self.loc(value.span()),
                format!("`{key}` of connection `{c}` is a secret written as a literal"),
            )
            .label("a secret in a committed file")
            .help(format!(
                "read it from the environment: {key} = {{ env = \"{var}\" }}, and rotate the value that was committed"
            ))
            .fix(
                format!("read `{key}` from ${var}"),
                self.loc(value.span()),
                format!("{{ env = \"{var}\" }}"),
            ),
        );
    }
}
