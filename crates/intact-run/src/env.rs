//! Environments: `env/NAME.toml` gives the tenant variables (`[app]`) and connection params
//! (`[connection.NAME]`, plus an optional `base-url` override) a run uses.
//!
//! A value is a literal, `{ env = "VAR" }` or `{ file = "path" }` (relative to the project root).
//! Values read from a reference are secrets and are registered with the masker. A missing variable
//! or file under `[app]` fails the load, naming it and the environment file, before any request is
//! made; one under `[connection.NAME]` fails when that connection is first used, so that a command
//! on one connection (`intact auth login api`) does not need another connection's secrets.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::mask::Masker;

#[derive(Debug, Default, Clone)]
pub struct Environment {
    pub name: String,
    pub path: PathBuf,
    pub app: BTreeMap<String, String>,
    pub connections: BTreeMap<String, ConnectionEnv>,
}

#[derive(Debug, Default, Clone)]
pub struct ConnectionEnv {
    pub params: BTreeMap<String, String>,
    pub base_url: Option<String>,
    /// Overrides the OAuth 2.0 `token-url` (a local token server; the mock server in tests).
    pub token_url: Option<String>,
    /// Overrides the OAuth 2.0 `authorize-url` (`intact auth login` against a local server).
    pub authorize_url: Option<String>,
    /// Overrides the OAuth 2.0 `refresh-url`.
    pub refresh_url: Option<String>,
    /// Why a value of this section could not be read (an unset variable, a missing file): the
    /// connection fails with it when it is used.
    pub unreadable: Option<EnvError>,
}

impl Environment {
    /// Why connection `name`'s section could not be read, if it could not.
    pub fn unreadable(&self, name: &str) -> Option<&EnvError> {
        self.connections.get(name)?.unreadable.as_ref()
    }

    /// The tenant variables as the `app` object of expressions.
    pub fn app_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.app
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect(),
        )
    }
}

/// Why an environment could not be loaded. Never holds a secret's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvError(pub String);

impl std::fmt::Display for EnvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EnvError {}

/// The environments a project has (file stems under `env/`).
pub fn available(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("env"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let p = e.path();
            (p.extension().is_some_and(|x| x == "toml"))
                .then(|| p.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    names
}

/// The environments a project has, for a message: `environments: dev, local`.
pub fn listing(root: &Path) -> String {
    let names = available(root);
    if names.is_empty() {
        "the project has no env/*.toml yet: write env/NAME.toml with the tenant variables under [app] and each connection's params under [connection.NAME] (docs/cli.md, Environments)".to_string()
    } else {
        format!("environments: {}", names.join(", "))
    }
}

/// Loads `env/NAME.toml` of the project at `root`, resolving references with `lookup_var`
/// (the process environment in real runs).
pub fn load(
    root: &Path,
    name: &str,
    masker: &Masker,
    lookup_var: &dyn Fn(&str) -> Option<String>,
) -> Result<Environment, EnvError> {
    let rel = PathBuf::from("env").join(format!("{name}.toml"));
    let path = root.join(&rel);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        EnvError(format!(
            "cannot read {}: {e} ({})",
            rel.display(),
            listing(root)
        ))
    })?;
    let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        EnvError(format!(
            "{} is not valid TOML: {}",
            rel.display(),
            e.message()
        ))
    })?;
    let mut env = Environment {
        name: name.to_string(),
        path: rel.clone(),
        ..Default::default()
    };
    let resolve = |key: &str, v: &toml::Value| -> Result<String, EnvError> {
        resolve_value(root, &rel, key, v, masker, lookup_var)
    };
    for (section, value) in &doc {
        match (section.as_str(), value) {
            ("app", toml::Value::Table(t)) => {
                for (k, v) in t {
                    env.app.insert(k.clone(), resolve(&format!("app.{k}"), v)?);
                }
            }
            ("connection", toml::Value::Table(conns)) => {
                for (cname, c) in conns {
                    let toml::Value::Table(t) = c else {
                        return Err(EnvError(format!(
                            "{}: [connection.{cname}] must be a table",
                            rel.display()
                        )));
                    };
                    let mut ce = ConnectionEnv::default();
                    for (k, v) in t {
                        let value = match resolve(&format!("connection.{cname}.{k}"), v) {
                            Ok(value) => value,
                            Err(e) => {
                                ce.unreadable.get_or_insert(e);
                                continue;
                            }
                        };
                        if k == "base-url" {
                            ce.base_url = Some(value);
                        } else if k == "token-url" {
                            ce.token_url = Some(value);
                        } else if k == "authorize-url" {
                            ce.authorize_url = Some(value);
                        } else if k == "refresh-url" {
                            ce.refresh_url = Some(value);
                        } else {
                            ce.params.insert(k.clone(), value);
                        }
                    }
                    env.connections.insert(cname.clone(), ce);
                }
            }
            (other, _) => {
                return Err(EnvError(format!(
                    "{}: unknown section `{other}`; the sections are [app] and [connection.NAME]",
                    rel.display()
                )));
            }
        }
    }
    Ok(env)
}

fn resolve_value(
    root: &Path,
    rel: &Path,
    key: &str,
    v: &toml::Value,
    masker: &Masker,
    lookup_var: &dyn Fn(&str) -> Option<String>,
) -> Result<String, EnvError> {
    match v {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        toml::Value::Table(t) => {
            if let Some(toml::Value::String(var)) = t.get("env") {
                let value = lookup_var(var).ok_or_else(|| {
                    EnvError(format!(
                        "{key} in {} reads the environment variable {var}, which is not set",
                        rel.display()
                    ))
                })?;
                masker.add(&value);
                Ok(value)
            } else if let Some(toml::Value::String(file)) = t.get("file") {
                let p = referenced_file(root, file)
                    .map_err(|why| EnvError(format!("{key} in {}: {why}", rel.display())))?;
                let value = std::fs::read_to_string(&p).map_err(|e| {
                    EnvError(format!(
                        "{key} in {} reads the file {file}: {e}",
                        rel.display()
                    ))
                })?;
                let value = value.trim_end_matches(['\n', '\r']).to_string();
                masker.add(&value);
                Ok(value)
            } else {
                Err(EnvError(format!(
                    "{key} in {}: write a value, {{ env = \"VAR\" }} or {{ file = \"path\" }}",
                    rel.display()
                )))
            }
        }
        _ => Err(EnvError(format!(
            "{key} in {}: write a string, {{ env = \"VAR\" }} or {{ file = \"path\" }}",
            rel.display()
        ))),
    }
}

/// The file a `{ file = … }` names: an absolute path as it is; a relative one inside the project,
/// also after symbolic links are followed (docs/security.md, untrusted projects).
fn referenced_file(root: &Path, file: &str) -> Result<PathBuf, String> {
    if Path::new(file).is_absolute() {
        return Ok(PathBuf::from(file));
    }
    let outside = || {
        format!(
            "the file `{file}` is outside the project; an environment reads files of its project, or one named by an absolute path"
        )
    };
    if intact_model::project::climbs_out(file) {
        return Err(outside());
    }
    if intact_model::project::links_out_of(root, file) {
        return Err(format!("{} (through a symbolic link)", outside()));
    }
    Ok(root.join(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_literals_and_references() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("env")).unwrap();
        std::fs::write(dir.path().join("secret.txt"), "from-file\n").unwrap();
        std::fs::write(
            dir.path().join("env/dev.toml"),
            "[app]\nsubdomain = \"acme\"\n[connection.api]\ntoken = { env = \"TOKEN\" }\nkey = { file = \"secret.txt\" }\nbase-url = \"http://127.0.0.1:1/x\"\n",
        )
        .unwrap();
        let m = Masker::new();
        let env = load(dir.path(), "dev", &m, &|v| {
            (v == "TOKEN").then(|| "tok-123".to_string())
        })
        .unwrap();
        assert_eq!(env.app["subdomain"], "acme");
        assert_eq!(env.connections["api"].params["token"], "tok-123");
        assert_eq!(env.connections["api"].params["key"], "from-file");
        assert_eq!(
            env.connections["api"].base_url.as_deref(),
            Some("http://127.0.0.1:1/x")
        );
        assert_eq!(m.mask("tok-123 from-file"), "•••• ••••");
        // An unset variable fails the connection that reads it, not the load.
        let env = load(dir.path(), "dev", &m, &|_| None).unwrap();
        let err = env.unreadable("api").expect("TOKEN is not set");
        assert!(
            err.0.contains("TOKEN") && err.0.contains("env/dev.toml"),
            "{err}"
        );
        let err = load(dir.path(), "prod", &m, &|_| None).unwrap_err();
        assert!(err.0.contains("environments: dev"), "{err}");
    }

    #[test]
    fn files_outside_the_project_need_an_absolute_path() {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("project");
        std::fs::create_dir_all(root.join("env")).unwrap();
        std::fs::write(outer.path().join("outside.txt"), "outside\n").unwrap();
        let m = Masker::new();
        let load_with = |value: &str| {
            std::fs::write(
                root.join("env/dev.toml"),
                format!("[connection.api]\nkey = {{ file = {value:?} }}\n"),
            )
            .unwrap();
            let env = load(&root, "dev", &m, &|_| None)?;
            match env.unreadable("api") {
                Some(e) => Err(e.clone()),
                None => Ok(env),
            }
        };
        let e = load_with("../outside.txt").expect_err("`..` climbs out");
        assert!(e.0.contains("outside the project"), "{}", e.0);
        let e = load_with("secrets/../../outside.txt").expect_err("so does this");
        assert!(e.0.contains("outside the project"), "{}", e.0);
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(outer.path().join("outside.txt"), root.join("link.txt"))
                .unwrap();
            let e = load_with("link.txt").expect_err("a link out of the project");
            assert!(e.0.contains("through a symbolic link"), "{}", e.0);
        }
        let absolute = outer.path().join("outside.txt");
        let env = load_with(absolute.to_str().unwrap()).expect("an absolute path is explicit");
        assert_eq!(env.connections["api"].params["key"], "outside");
    }
}
