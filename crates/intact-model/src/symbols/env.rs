//! The names environment files (`env/*.toml`) use, for the symbol index: a rename, references
//! and definition reach their keys.

use super::{Builder, Form, Site, Symbol};
use crate::{FileId, Loc};

impl Builder<'_> {
    /// The names environment files use: `[app]` keys are tenant variables, `[connection.NAME]`
    /// names a connection and its keys that connection's params (settings such as `base-url` are
    /// no names). A file that is not valid TOML has none (the env rules report it).
    pub(super) fn env_files(&mut self) {
        use toml::de::{DeTable, DeValue};
        for (i, f) in self.analysis.files.iter().enumerate() {
            let path = f.path();
            if !crate::project::is_env_file(path) {
                continue;
            }
            let Ok(doc) = DeTable::parse(f.text()) else {
                continue;
            };
            let file = FileId::from_index(i);
            let loc = |r: std::ops::Range<usize>| {
                Loc::new(file, intact_syntax::Span::new(r.start as u32, r.end as u32))
            };
            for (key, value) in doc.get_ref() {
                match (key.get_ref().as_ref(), value.get_ref()) {
                    ("app", DeValue::Table(t)) => {
                        for (k, _) in t {
                            let symbol = Symbol::Variable(k.get_ref().to_string());
                            self.push(symbol, loc(k.span()), Form::TomlKey, Site::Env);
                        }
                    }
                    ("connection", DeValue::Table(conns)) => {
                        for (name, c) in conns {
                            let conn = name.get_ref().to_string();
                            let params: Vec<String> = self
                                .model
                                .connection(Some(&conn))
                                .map(|c| c.all_params().iter().map(|p| p.name.clone()).collect())
                                .unwrap_or_default();
                            self.push(
                                Symbol::Connection(conn.clone()),
                                loc(name.span()),
                                Form::TomlKey,
                                Site::Env,
                            );
                            let DeValue::Table(keys) = c.get_ref() else {
                                continue;
                            };
                            for (k, _) in keys {
                                let name = k.get_ref().to_string();
                                if params.contains(&name) {
                                    let symbol = Symbol::Param {
                                        connection: conn.clone(),
                                        name,
                                    };
                                    self.push(symbol, loc(k.span()), Form::TomlKey, Site::Env);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}
