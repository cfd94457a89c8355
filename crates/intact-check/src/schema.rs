//! Structural rules, driven entirely by the catalogue: which nodes may stand where, their
//! arguments, properties, children and value types (`schema::*`, `name::invalid`, `name::reserved`,
//! `http::status`).
//!
//! Long file: one walk of each file's tree against the catalogue; its checks of arguments,
//! properties, children and values share the walk's state.

use intact_model::catalogue::{self, AuthKind, Body, Grant, Kind, NodeSpec, Ty};
use intact_model::{FileId, Loc, template};
use intact_syntax::{Literal, Node, Value};

use crate::registry::Rule;
use crate::{Diagnostic, suggest};

pub(crate) struct SchemaCheck<'a> {
    pub file: FileId,
    pub out: &'a mut Vec<Diagnostic>,
    /// How many of this file's findings are kept; past it they are only counted (`left_out`),
    /// so that a file of a million mistakes costs its count, not a million findings' memory.
    /// `None` when the file has `intact-ignore` comments: an ignore must see its finding.
    pub budget: Option<usize>,
    pub left_out: crate::LeftOut,
}

impl SchemaCheck<'_> {
    /// Keeps `d`, or counts it once the file's budget is spent.
    fn report(&mut self, d: Diagnostic) {
        match &mut self.budget {
            Some(0) => self.left_out.count(&d),
            Some(n) => {
                *n -= 1;
                self.out.push(d);
            }
            None => self.out.push(d),
        }
    }

    fn loc(&self, span: intact_syntax::Span) -> Loc {
        Loc::new(self.file, span)
    }

    pub fn file(&mut self, nodes: &[Node]) {
        self.children(catalogue::spec(Kind::File), None, nodes);
    }

    /// Checks the children of a node of kind `parent` (with `parent_node`, if not the file).
    fn children(&mut self, parent: &NodeSpec, parent_node: Option<&Node>, nodes: &[Node]) {
        let mut seen: Vec<(Kind, Loc)> = Vec::new();
        let auth_form = match (parent.kind, parent_node) {
            (Kind::Auth, Some(n)) => n
                .arg(0)
                .and_then(|a| a.value.as_str())
                .and_then(catalogue::auth_form),
            _ => None,
        };
        for node in nodes.iter().filter(|n| !n.is_dashed()) {
            let Some(child) = parent.child(node.name()) else {
                if self.budget == Some(0) {
                    // Only counted: its did-you-mean is not worth working out.
                    let loc = self.loc(node.name.span);
                    self.left_out
                        .count_as(Rule::SchemaUnknownNode.severity(), loc);
                } else {
                    self.unknown_node(parent, parent_node, node);
                }
                continue;
            };
            // Auth forms and capabilities narrow what their children may be.
            if let Some(form) = auth_form
                && !form.children.contains(&child.kind)
            {
                let allowed: Vec<&str> = form
                    .children
                    .iter()
                    .map(|k| catalogue::spec(*k).name)
                    .collect();
                self.report(
                    Diagnostic::new(
                        Rule::SchemaUnknownNode,
                        self.loc(node.name.span),
                        format!("`{}` is not part of `auth \"{}\"`", node.name(), form.name),
                    )
                    .label("not allowed in this auth form")
                    .help(if allowed.is_empty() {
                        format!("auth \"{}\" takes no children", form.name)
                    } else {
                        format!("auth \"{}\" takes: {}", form.name, allowed.join(", "))
                    }),
                );
                continue;
            }
            if parent.kind == Kind::Capability
                && parent_node
                    .and_then(|n| n.arg(0))
                    .and_then(|a| a.value.as_str())
                    != Some("provisioning")
            {
                self.report(
                    Diagnostic::new(
                        Rule::SchemaUnknownNode,
                        self.loc(node.name.span),
                        format!("`{}` belongs in `capability \"provisioning\"`", node.name()),
                    )
                    .label("only provisioning takes options")
                    .help("move it into the `capability \"provisioning\" { … }` block"),
                );
                continue;
            }
            if !child.many {
                if let Some((_, first)) = seen.iter().find(|(k, _)| *k == child.kind) {
                    self.report(
                        Diagnostic::new(
                            Rule::SchemaDuplicateChild,
                            self.loc(node.name.span),
                            format!("`{}` is given twice", node.name()),
                        )
                        .label("second one")
                        .related(*first, "first given here")
                        .help("keep one of them"),
                    );
                } else {
                    seen.push((child.kind, self.loc(node.name.span)));
                }
            } else {
                seen.push((child.kind, self.loc(node.name.span)));
            }
            self.node(catalogue::spec(child.kind), node);
        }
        if let Some(pn) = parent_node {
            for c in parent.allowed_children().filter(|c| c.required) {
                if !seen.iter().any(|(k, _)| *k == c.kind) {
                    let name = catalogue::spec(c.kind).name;
                    self.report(
                        Diagnostic::new(
                            Rule::SchemaMissingChild,
                            self.loc(pn.name.span),
                            format!("`{}` needs a `{name}` child", pn.name()),
                        )
                        .label(format!("no `{name}` here"))
                        .help(format!(
                            "add `{name} …` inside the block: {}",
                            catalogue::spec(c.kind).summary
                        )),
                    );
                }
            }
        }
        if parent.kind == Kind::Auth
            && let (Some(form), Some(pn)) = (auth_form, parent_node)
        {
            self.auth_required(form.name, pn, &seen);
        }
    }

    fn auth_required(&mut self, form: &str, node: &Node, seen: &[(Kind, Loc)]) {
        let has = |k: Kind| seen.iter().any(|(s, _)| *s == k);
        let head = self.loc(node.head_span());
        let missing = |what: &str, help: &str| {
            Diagnostic::new(
                Rule::AuthMissingField,
                head,
                format!("`auth \"{form}\"` needs {what}"),
            )
            .label({
                // "no `grant`", not "no a `grant`".
                let bare = ["at least one ", "an ", "a "]
                    .iter()
                    .find_map(|article| what.strip_prefix(article))
                    .unwrap_or(what);
                format!("no {bare}")
            })
            .help(help.to_string())
        };
        match AuthKind::parse(form) {
            Some(AuthKind::OAuth2) => {
                if !has(Kind::Grant) {
                    self.report(missing(
                        "a `grant`",
                        "add `grant \"client-credentials\"` or `grant \"authorization-code\"`",
                    ));
                }
                if !has(Kind::TokenUrl) {
                    self.report(missing(
                        "a `token-url`",
                        "add `token-url \"https://…/oauth/token\"`",
                    ));
                }
                let grant = node
                    .children()
                    .find(|c| c.name() == "grant")
                    .and_then(|c| c.arg(0))
                    .and_then(|a| a.value.as_str())
                    .and_then(Grant::parse);
                if grant == Some(Grant::AuthorizationCode) && !has(Kind::AuthorizeUrl) {
                    self.report(missing(
                        "an `authorize-url` for the authorization-code grant",
                        "add `authorize-url \"https://…/oauth/authorize\"`",
                    ));
                }
                if grant == Some(Grant::ClientCredentials) && has(Kind::Pkce) {
                    let loc = seen.iter().find(|(k, _)| *k == Kind::Pkce).unwrap().1;
                    self.report(
                        Diagnostic::new(
                            Rule::SchemaUnknownNode,
                            loc,
                            "`pkce` applies only to the authorization-code grant",
                        )
                        .label("no effect with client-credentials")
                        .help("remove `pkce`"),
                    );
                }
            }
            Some(AuthKind::ApiKey) if !has(Kind::Header) && !has(Kind::Query) => {
                self.report(missing(
                    "a `header` or `query` that carries the key",
                    "add `header \"X-Api-Key\" \"${auth.api_key}\"`",
                ));
            }
            Some(AuthKind::Custom)
                if !has(Kind::Header) && !has(Kind::Query) && !has(Kind::Cookie) =>
            {
                self.report(missing(
                    "at least one `header`, `query` or `cookie`",
                    "add `header \"Authorization\" \"…\"`",
                ));
            }
            _ => {}
        }
    }

    fn unknown_node(&mut self, parent: &NodeSpec, parent_node: Option<&Node>, node: &Node) {
        let allowed: Vec<&str> = parent
            .allowed_children()
            .map(|c| catalogue::spec(c.kind).name)
            .collect();
        let where_ = match parent_node {
            Some(p) => format!("inside `{}`", p.name()),
            None => "at the top level".to_string(),
        };
        let mut d = Diagnostic::new(
            Rule::SchemaUnknownNode,
            self.loc(node.name.span),
            format!("`{}` is not allowed {where_}", node.name()),
        )
        .label("unknown here");
        // A known node in the wrong place is more useful to name than a spelling.
        let elsewhere = catalogue::SPECS
            .iter()
            .find(|s| s.name == node.name() && s.kind != Kind::File);
        if let Some(best) = suggest(node.name(), allowed.iter().copied()) {
            d = d.help(format!("did you mean `{best}`?")).fix(
                format!("Replace with `{best}`"),
                self.loc(node.name.span),
                best,
            );
        } else if allowed.is_empty() {
            d = d.help(format!(
                "`{}` takes no children",
                parent_node.map_or("", |p| p.name())
            ));
        } else if elsewhere.is_some() {
            d = d.help(format!(
                "`{}` does not belong here; allowed {where_}: {}",
                node.name(),
                allowed.join(", ")
            ));
        } else {
            d = d.help(format!("allowed {where_}: {}", allowed.join(", ")));
        }
        self.report(d);
    }

    fn node(&mut self, spec: &NodeSpec, node: &Node) {
        self.args(spec, node);
        self.props(spec, node);
        match spec.body {
            Body::None => {
                if let Some(b) = node.children_block() {
                    self.report(
                        Diagnostic::new(
                            Rule::SchemaUnexpectedChildren,
                            self.loc(b.open),
                            format!("`{}` takes no `{{ … }}` block", node.name()),
                        )
                        .label("unexpected block")
                        .help(format!(
                            "remove the block; `{}` is written on one line: {}",
                            node.name(),
                            spec.summary
                        )),
                    );
                }
            }
            Body::Nodes | Body::Steps => {
                let children = node.children_block().map_or(&[][..], |b| &b.nodes[..]);
                self.children(spec, Some(node), children);
            }
            Body::Values | Body::Fields => {
                for c in node.children() {
                    self.value_tree(c);
                }
            }
        }
        // The node's value argument comes after its own (a mapping's name, a let's name).
        let value_at = spec
            .args
            .iter()
            .position(|a| a.name == "value")
            .unwrap_or(spec.args.len());
        if spec.body == Body::Values
            && let Some(value) = node.arg(value_at)
            && node.children_block().is_some()
        {
            self.report(
                Diagnostic::new(
                    Rule::SchemaExtraArgument,
                    self.loc(value.span),
                    format!("`{}` takes a value or a block, not both", node.name()),
                )
                .label("value given as well as a block")
                .help("keep either the single value or the `{ … }` tree"),
            );
        }
    }

    /// A value-tree node: any key; checks only values and type annotations.
    fn value_tree(&mut self, node: &Node) {
        if let Some(ty) = &node.ty
            && !matches!(ty.name.as_str(), "array" | "object")
        {
            self.report(
                Diagnostic::new(
                    Rule::SchemaInvalidValue,
                    self.loc(ty.span),
                    format!(
                        "unknown annotation `({})` in a value tree",
                        ty.name.as_str()
                    ),
                )
                .label("not (array) or (object)")
                .help("`(array)key` forces a list, `(object)key` an empty object"),
            );
        }
        for e in node.live_entries() {
            if let Some(k) = &e.key {
                self.report(
                    Diagnostic::new(
                        Rule::SchemaUnknownProperty,
                        self.loc(k.span),
                        format!("`{}=` is a property; value trees use children", k.as_str()),
                    )
                    .label("property in a value tree")
                    .help(format!(
                        "write `{} VALUE` as a child node inside `{{ … }}`",
                        k.as_str()
                    )),
                );
            }
            self.template_syntax(&e.value);
        }
        if node.args().next().is_some() && node.children_block().is_some() {
            self.report(
                Diagnostic::new(
                    Rule::SchemaExtraArgument,
                    self.loc(node.name.span),
                    format!("`{}` has both values and a block", node.name()),
                )
                .label("ambiguous field")
                .help("a field is either `key VALUE…` or `key { … }`"),
            );
        }
        for c in node.children() {
            self.value_tree(c);
        }
    }

    fn args(&mut self, spec: &NodeSpec, node: &Node) {
        let args: Vec<&Literal> = node.args().collect();
        if args.len() < spec.min_args {
            let missing = &spec.args[args.len()];
            self.report(
                Diagnostic::new(
                    Rule::SchemaMissingArgument,
                    self.loc(node.head_span()),
                    format!("`{}` needs its {} argument", node.name(), missing.name),
                )
                .label(format!("missing {}", missing.name))
                .help(format!("{}: {}", missing.name, missing.ty.describe())),
            );
        }
        if let Some(max) = spec.max_args()
            && args.len() > max
        {
            let extra = args[max];
            let what = if max == 0 {
                "no arguments".to_string()
            } else {
                format!("{max} argument(s)")
            };
            self.report(
                Diagnostic::new(
                    Rule::SchemaExtraArgument,
                    self.loc(extra.full_span()),
                    format!("`{}` takes {what}", node.name()),
                )
                .label("extra argument")
                .help(format!("remove it; {}", spec.summary)),
            );
        }
        for (i, lit) in args.iter().enumerate() {
            let Some(ty) = spec.arg_ty(i) else { continue };
            let reserved_check = i == 0 && is_step(spec.kind);
            self.value(ty, lit, reserved_check);
        }
    }

    fn props(&mut self, spec: &NodeSpec, node: &Node) {
        let mut seen: Vec<(&str, Loc)> = Vec::new();
        for (key, lit) in node.props() {
            let Some(p) = spec.prop(key.as_str()) else {
                // Test `app` and `params` take any property: each is a variable or param name.
                if matches!(spec.kind, Kind::TestApp | Kind::TestParams) {
                    self.template_syntax(lit);
                    continue;
                }
                let names: Vec<&str> = spec.props.iter().map(|p| p.name).collect();
                let mut d = Diagnostic::new(
                    Rule::SchemaUnknownProperty,
                    self.loc(key.span),
                    format!("`{}` has no property `{}`", node.name(), key.as_str()),
                )
                .label("unknown property");
                d = match suggest(key.as_str(), names.iter().copied()) {
                    Some(best) => d.help(format!("did you mean `{best}`?")).fix(
                        format!("Replace with `{best}`"),
                        self.loc(key.span),
                        best,
                    ),
                    None if names.is_empty() => {
                        d.help(format!("`{}` takes no properties", node.name()))
                    }
                    None => d.help(format!("`{}` takes: {}", node.name(), names.join(", "))),
                };
                self.report(d);
                continue;
            };
            if !p.repeatable {
                if let Some((_, first)) = seen.iter().find(|(n, _)| *n == p.name) {
                    self.report(
                        Diagnostic::new(
                            Rule::SchemaDuplicateProperty,
                            self.loc(key.span),
                            format!("`{}=` is given twice", p.name),
                        )
                        .label("second value")
                        .related(*first, "first value")
                        .help("KDL would silently keep the last one; keep the one you mean"),
                    );
                } else {
                    seen.push((p.name, self.loc(key.span)));
                }
            }
            self.value(p.ty, lit, false);
        }
        for p in spec.props.iter().filter(|p| p.required) {
            if node.prop(p.name).is_none() {
                self.report(
                    Diagnostic::new(
                        Rule::SchemaMissingProperty,
                        self.loc(node.head_span()),
                        format!("`{}` needs `{}=`", node.name(), p.name),
                    )
                    .label(format!("no {}=", p.name))
                    .help(format!("add `{}=…`: {}", p.name, p.doc)),
                );
            }
        }
    }

    /// Checks one value against its type.
    fn value(&mut self, ty: Ty, lit: &Literal, step_name: bool) {
        let loc = self.loc(lit.span);
        self.template_syntax(lit);
        let is_template = lit.value.as_str().is_some_and(template::has_expressions);
        let wrong = |what: &str| {
            Diagnostic::new(
                Rule::SchemaWrongType,
                loc,
                format!("expected {}, found {what}", ty.describe()),
            )
            .label(format!("this is {what}"))
        };
        // A reference is written like what it names: a name, or a contract id (checked by the
        // contract rules).
        let shape = match ty {
            Ty::Ref(catalogue::Ns::Contract) => Ty::Str,
            Ty::Ref(_) => Ty::Name,
            t => t,
        };
        match (shape, &lit.value) {
            (_, Value::Invalid) => {}
            (Ty::Name, Value::String(s)) => {
                if !catalogue::is_valid_name(s) {
                    let fixed = catalogue::to_snake_case(s);
                    self.report(
                        Diagnostic::new(Rule::NameInvalid, loc, format!("`{s}` is not a valid name"))
                            .label("not snake_case")
                            .help(format!("names are lowercase letters, digits and `_`, starting with a letter: `{fixed}`"))
                            .fix(format!("Rename to `{fixed}`"), loc, intact_syntax::quote(&fixed)),
                    );
                } else if step_name && catalogue::RESERVED_NAMES.contains(&&**s) {
                    self.report(
                        Diagnostic::new(
                            Rule::NameReserved,
                            loc,
                            format!("`{s}` is reserved and cannot name a step"),
                        )
                        .label("reserved name")
                        .help(format!(
                            "pick another name, e.g. `{s}_result`; reserved: {}",
                            catalogue::RESERVED_NAMES.join(", ")
                        )),
                    );
                }
            }
            (Ty::Duration, Value::String(s)) => {
                if catalogue::parse_duration_ms(s).is_none() {
                    self.report(
                        Diagnostic::new(
                            Rule::SchemaInvalidValue,
                            loc,
                            format!("`{s}` is not a duration"),
                        )
                        .label("not a duration")
                        .help("write a whole number with ms, s or m, e.g. \"30s\" or \"500ms\""),
                    );
                }
            }
            (Ty::Size, Value::String(s)) => match catalogue::parse_size_bytes(s) {
                None => self.report(
                    Diagnostic::new(
                        Rule::SchemaInvalidValue,
                        loc,
                        format!("`{s}` is not a size"),
                    )
                    .label("not a size")
                    .help("write a whole number with B, KiB, MiB or GiB, e.g. \"64MiB\""),
                ),
                Some(n) if n > catalogue::MAX_RESPONSE_SIZE_LIMIT || n == 0 => self.report(
                    Diagnostic::new(
                        Rule::SchemaInvalidValue,
                        loc,
                        format!("`{s}` is outside the sizes intact reads"),
                    )
                    .label("between 1B and 1GiB")
                    .help(
                        "bodies are held in memory; give a size from 1B to 1GiB, e.g. \"256MiB\"",
                    ),
                ),
                Some(_) => {}
            },
            (Ty::VariableRef, Value::String(_)) => {} // resolved by the name rules
            (Ty::Str | Ty::Template | Ty::Value | Ty::Text, _)
                if matches!(lit.value, Value::String(_)) => {}
            (Ty::Value, _) => {}
            (Ty::Text, Value::Integer(_) | Value::Float(_) | Value::Bool(_)) => {}
            (Ty::Str | Ty::Template | Ty::Name | Ty::Duration | Ty::Size | Ty::VariableRef, v) => {
                self.report(wrong(v.type_name()).help("quote it to make it a string"))
            }
            (Ty::Int, Value::Integer(_)) | (Ty::Bool, Value::Bool(_)) => {}
            (Ty::Int | Ty::Bool | Ty::Status, Value::String(_)) if is_template => {}
            (Ty::Status, Value::Integer(n)) => {
                if !(100..=599).contains(n) {
                    self.report(
                        Diagnostic::new(
                            Rule::HttpStatus,
                            loc,
                            format!("{n} is not an HTTP status"),
                        )
                        .label("outside 100–599")
                        .help("HTTP statuses are between 100 and 599, e.g. 200, 201, 204, 404"),
                    );
                }
            }
            (Ty::Enum(values), Value::String(s)) => {
                let dynamic = is_template
                    && (values == catalogue::METHODS || values == catalogue::ERROR_TYPES);
                if !values.contains(&&**s) && !dynamic {
                    let mut d = Diagnostic::new(
                        Rule::SchemaInvalidValue,
                        loc,
                        format!("`{s}` is not {}", ty.describe()),
                    )
                    .label("not allowed");
                    d = match suggest(s, values.iter().copied()) {
                        Some(best) => d.help(format!("did you mean \"{best}\"?")).fix(
                            format!("Replace with \"{best}\""),
                            loc,
                            intact_syntax::quote(best),
                        ),
                        None => d.help(format!("use {}", ty.describe())),
                    };
                    self.report(d);
                }
            }
            (_, v) => {
                let help = match (ty, v) {
                    (Ty::Bool, Value::String(s)) if matches!(&**s, "true" | "false") => {
                        format!("write #{s} without quotes")
                    }
                    (Ty::Int | Ty::Status, Value::String(s)) if s.parse::<i64>().is_ok() => {
                        format!("write {s} without quotes")
                    }
                    _ => format!("use {}", ty.describe()),
                };
                self.report(wrong(v.type_name()).help(help));
            }
        }
    }

    /// An unclosed `${` is a syntax error of the expression language.
    fn template_syntax(&mut self, lit: &Literal) {
        let Some(text) = lit.value.as_str() else {
            return;
        };
        for seg in template::segments(text).iter().filter(|s| !s.closed) {
            self.report(
                Diagnostic::new(
                    Rule::ExprSyntax,
                    self.loc(lit.span),
                    "an expression opened with `${` is never closed",
                )
                .label(format!("`${{` at offset {} has no `}}`", seg.offset - 2))
                .help("close it with `}`; write `$${` for a literal `${`"),
            );
        }
    }
}

fn is_step(kind: Kind) -> bool {
    matches!(kind, Kind::Request | Kind::Let | Kind::Call | Kind::ForEach)
}
