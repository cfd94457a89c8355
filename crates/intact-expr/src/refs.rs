//! The names an expression uses, read from its syntax tree: `root.field` for each scope a project
//! defines (`app.subdomain`, `steps.created`) and `name(…)` for each global call (a mapping).
//! Name resolution (the symbol index, the checker's rules, what a run may read) is built on this.

use cel::common::ast::{EntryExpr, Expr, IdedExpr};

use crate::Parsed;

/// A name used by an expression; offsets are bytes within the expression text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reference<'a> {
    /// `root.field` where `root` is a name of the expression's scope (`app`, `auth`, `steps`,
    /// `input`), not a variable of a `map`/`filter`/`exists`/`all`.
    Member {
        root: &'a str,
        field: &'a str,
        offset: usize,
    },
    /// `name(…)` called without a receiver: a function or a mapping.
    Call { name: &'a str, offset: usize },
}

/// The names `text` uses, in order of their place; none when it does not parse (its syntax error
/// is reported on its own).
pub fn references(text: &str) -> Vec<Reference<'_>> {
    match crate::parse(text) {
        Ok(parsed) => parsed.references(text),
        Err(_) => Vec::new(),
    }
}

impl Parsed {
    /// The names this expression (parsed from `text`) uses, in order of their place.
    pub fn references<'a>(&self, text: &'a str) -> Vec<Reference<'a>> {
        let mut walk = Walk {
            parsed: self,
            text,
            locals: Vec::new(),
            out: Vec::new(),
        };
        walk.expr(&self.expr);
        walk.out.sort_by_key(|r| match r {
            Reference::Member { offset, .. } | Reference::Call { offset, .. } => *offset,
        });
        walk.out
    }
}

struct Walk<'p, 'a> {
    parsed: &'p Parsed,
    text: &'a str,
    /// Variables of the comprehensions around (`u` in `users.map(u, u.id)`), which shadow scopes.
    locals: Vec<&'p str>,
    out: Vec<Reference<'a>>,
}

impl<'p, 'a> Walk<'p, 'a> {
    /// `name` as written at or after `from` (skipping blanks), as a slice of the text.
    fn name_at(&self, from: usize, name: &str) -> Option<(&'a str, usize)> {
        let rest = self.text.get(from..)?;
        let start = from + (rest.len() - rest.trim_start().len());
        let found = self.text.get(start..start + name.len())?;
        (found == name).then_some((found, start))
    }

    fn expr(&mut self, e: &'p IdedExpr) {
        match &e.expr {
            Expr::Select(s) => {
                if let Expr::Ident(root) = &s.operand.expr
                    && !self.locals.contains(&root.as_str())
                    && let Some((root_start, _)) = self.parsed.range(s.operand.id)
                    && let Some((dot, _)) = self.parsed.range(e.id)
                    && let Some((root, _)) = self.name_at(root_start, root)
                    && let Some(after_dot) = self.text[dot..].find('.').map(|i| dot + i + 1)
                    && let Some((field, offset)) = self.name_at(after_dot, &s.field)
                {
                    self.out.push(Reference::Member {
                        root,
                        field,
                        offset,
                    });
                }
                self.expr(&s.operand);
            }
            Expr::Call(c) => {
                match &c.target {
                    Some(t) => self.expr(t),
                    // Operators are calls too (`_+_`, `!_`, `@in`): only names are references.
                    // The parser places a call at its `(`; the name is written just before.
                    None if c.func_name.starts_with(|ch: char| ch.is_ascii_alphabetic()) => {
                        if let Some((paren, _)) = self.parsed.range(e.id)
                            && let Some(before) = self.text.get(..paren).map(str::trim_end)
                            && before.ends_with(c.func_name.as_str())
                        {
                            let offset = before.len() - c.func_name.len();
                            self.out.push(Reference::Call {
                                name: &self.text[offset..before.len()],
                                offset,
                            });
                        }
                    }
                    None => {}
                }
                for a in &c.args {
                    self.expr(a);
                }
            }
            Expr::List(l) => l.elements.iter().for_each(|x| self.expr(x)),
            Expr::Map(m) => {
                for entry in &m.entries {
                    if let EntryExpr::MapEntry(me) = &entry.expr {
                        self.expr(&me.key);
                        self.expr(&me.value);
                    }
                }
            }
            Expr::Struct(st) => {
                for entry in &st.entries {
                    if let EntryExpr::StructField(f) = &entry.expr {
                        self.expr(&f.value);
                    }
                }
            }
            Expr::Comprehension(c) => {
                self.expr(&c.iter_range);
                let base = self.locals.len();
                self.locals.push(&c.iter_var);
                if let Some(v) = &c.iter_var2 {
                    self.locals.push(v);
                }
                self.locals.push(&c.accu_var);
                for x in [&c.accu_init, &c.loop_cond, &c.loop_step, &c.result] {
                    self.expr(x);
                }
                self.locals.truncate(base);
            }
            Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_members_and_calls_where_they_are_written() {
        let text = "scim_user(steps.get.body) + app . sub + 'app.no' + x.size() + has(input.id)";
        let r = references(text);
        assert_eq!(
            r,
            vec![
                Reference::Call {
                    name: "scim_user",
                    offset: 0
                },
                Reference::Member {
                    root: "steps",
                    field: "get",
                    offset: 16
                },
                Reference::Member {
                    root: "app",
                    field: "sub",
                    offset: 34
                },
                Reference::Member {
                    root: "input",
                    field: "id",
                    offset: 72
                },
            ]
        );
        for r in r {
            if let Reference::Member { field, offset, .. } = r {
                assert_eq!(&text[offset..offset + field.len()], field);
            }
        }
    }

    #[test]
    fn macro_variables_shadow_scopes() {
        // `app` is the lambda's variable here, not the tenant variables.
        let r = references("input.apps.map(app, app.id)");
        assert_eq!(
            r,
            vec![Reference::Member {
                root: "input",
                field: "apps",
                offset: 6
            }]
        );
        let r = references("input.users.exists(u, u.id == app.owner)");
        assert!(r.contains(&Reference::Member {
            root: "app",
            field: "owner",
            offset: 34
        }));
    }

    #[test]
    fn text_that_does_not_parse_has_no_references() {
        assert!(references("app.").is_empty());
        assert!(references("app.x +").is_empty());
    }
}
