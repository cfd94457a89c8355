//! Completion inside `${…}`: the names in scope (`input`, `steps`, `app`, `auth`, `item`, `error`…),
//! functions and mappings, and after a `.` the fields of the known type (a contract's input, a
//! step's result, an OpenAPI response, `error`). The scope is the checker's own
//! ([`Snapshot::scope_at`](crate::Snapshot::scope_at), from `intact-semantic`); the text before the cursor is read leniently, so that a half-typed
//! expression (`${steps.r.bo`, no closing `}`) completes.

use intact_expr::functions::{BUILTINS, TYPE_NAMES};
use intact_expr::{Env, Type};
use intact_syntax::{Literal, Span};

use crate::item::{CompletionItem, CompletionKind};
use crate::{FilePosition, Snapshot};

/// The completions at `pos` when it is inside an open `${` of `literal`, else `None`.
pub(crate) fn completions(
    analysis: &Snapshot,
    pos: FilePosition,
    literal: &Literal,
) -> Option<Vec<CompletionItem>> {
    let text = analysis.file(pos.file).text();
    let typed = expression_before(text, literal, pos.offset)?;
    // The path being typed: `steps.r.bo` → head `steps.r`, partial `bo`.
    let path = path_before(typed);
    let (head, partial) = match path.rsplit_once('.') {
        Some((h, p)) => (Some(h), p),
        None => (None, path),
    };
    let replace = Span::new(pos.offset - partial.len() as u32, pos.offset);
    let env = analysis.scope_at(pos).unwrap_or_default();
    Some(match head {
        None => names(&env, replace),
        Some("") => Vec::new(),
        Some(h) => members(&env, h, replace),
    })
}

fn item(
    label: &str,
    kind: CompletionKind,
    detail: String,
    doc: Option<String>,
    replace: Span,
) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind,
        detail: Some(detail),
        documentation: doc,
        insert: label.to_string(),
        replace,
    }
}

/// CEL's `has` macro, which the function table does not list (it is not a function).
const HAS_SIGNATURE: &str = "has(x.field) -> bool";
const HAS_DOC: &str = "Whether the field is there (a macro: its argument is a field read, not evaluated). `has(a.b.c)` is false when `a.b` is absent too.";

/// intact's functions that `which` keeps, with their signatures and docs.
fn builtins(
    which: impl Fn(&intact_expr::functions::Function) -> bool,
    replace: Span,
) -> impl Iterator<Item = CompletionItem> {
    BUILTINS.iter().filter(move |f| which(f)).map(move |f| {
        item(
            f.name,
            CompletionKind::Function,
            f.signature.to_string(),
            Some(f.doc.to_string()),
            replace,
        )
    })
}

/// The roots in scope, the functions and the mappings.
fn names(env: &Env, replace: Span) -> Vec<CompletionItem> {
    let mut out: Vec<CompletionItem> = env
        .vars
        .iter()
        .map(|(n, t)| item(n, CompletionKind::Variable, t.describe(), None, replace))
        .collect();
    out.extend(builtins(|f| f.function, replace));
    // CEL's `has` is a macro, not a function, so the table above does not list it; it is how a
    // field that may be absent is read.
    out.push(item(
        "has",
        CompletionKind::Function,
        HAS_SIGNATURE.into(),
        Some(HAS_DOC.into()),
        replace,
    ));
    let mut mappings: Vec<(&String, &Type)> = env.mappings.iter().collect();
    mappings.sort_by_key(|(n, _)| n.as_str());
    for (name, t) in mappings {
        out.push(item(
            name,
            CompletionKind::Function,
            format!("mapping: {}({}) -> {}", name, "it", t.describe()),
            None,
            replace,
        ));
    }
    // Type names that are not also conversion functions (`int(x)` is offered above).
    for t in TYPE_NAMES
        .iter()
        .filter(|t| !BUILTINS.iter().any(|f| f.name == **t))
    {
        out.push(item(t, CompletionKind::Value, "type".into(), None, replace));
    }
    out
}

/// The type of a dotted path (`steps.r.body`) in `env`, and the description of its last field.
fn resolve(env: &Env, path: &str) -> Option<(Type, Option<String>)> {
    let mut parts = path.split('.');
    let mut ty = env.var(parts.next()?)?.clone();
    let mut doc = None;
    for part in parts {
        (ty, doc) = match &ty {
            Type::Object(o) => match o.field(part) {
                Some(f) => (f.ty.clone(), f.description.clone()),
                None => (o.additional.clone()?, None),
            },
            Type::Map(t) => ((**t).clone(), None),
            _ => return None,
        };
    }
    Some((ty, doc))
}

/// What may follow `head.`: the fields of its type, and the methods its kind takes.
fn members(env: &Env, head: &str, replace: Span) -> Vec<CompletionItem> {
    let Some((ty, _)) = resolve(env, head) else {
        return Vec::new();
    };
    let mut out: Vec<CompletionItem> = match &ty {
        Type::Object(o) => o
            .fields
            .iter()
            .map(|f| {
                let detail = if f.required {
                    f.ty.describe()
                } else {
                    format!("{} (optional)", f.ty.describe())
                };
                item(
                    &f.name,
                    CompletionKind::Field,
                    detail,
                    f.description.clone(),
                    replace,
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    let methods: &[&str] = match ty {
        Type::List(_) => &["map", "filter", "exists", "all", "exists_one", "size"],
        _ => &[],
    };
    for m in methods {
        out.push(item(
            m,
            CompletionKind::Function,
            "list macro".into(),
            None,
            replace,
        ));
    }
    if matches!(ty, Type::String) {
        out.extend(builtins(|f| f.method, replace));
    }
    out
}

/// The text of `literal` from its start to `offset`, when `offset` is inside an open `${`: the
/// part of the expression before the cursor.
fn expression_before<'t>(text: &'t str, literal: &Literal, offset: u32) -> Option<&'t str> {
    let before = text.get(literal.span.start as usize..offset as usize)?;
    let open = before.rfind("${")?;
    let typed = &before[open + 2..];
    (!typed.contains('}')).then_some(typed)
}

/// The dotted path that ends `typed` (`steps.r.bo` of `${lower(steps.r.bo`).
fn path_before(typed: &str) -> &str {
    let len: usize = typed
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .map(char::len_utf8)
        .sum();
    &typed[typed.len() - len..]
}

/// The type of the path under the cursor inside `${…}` (`steps.r.body` when on `body`).
pub(crate) fn hover(
    analysis: &Snapshot,
    pos: FilePosition,
    literal: &Literal,
) -> Option<crate::Hover> {
    let text = analysis.file(pos.file).text();
    let typed = expression_before(text, literal, pos.offset)?;
    let at = pos.offset as usize;
    let start = at - path_before(typed).len();
    let end = at
        + text[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .map(char::len_utf8)
            .sum::<usize>();
    let path = text[start..end].trim_matches('.');
    if path.is_empty() {
        return None;
    }
    // A call (`size(…)`, `s.lower()`, `scim_user(…)`): its signature and documentation.
    if text[end..].trim_start().starts_with('(') {
        let name = path.rsplit('.').next().unwrap_or(path);
        let name_start = end - name.len();
        let markdown = match intact_expr::functions::builtin(name) {
            Some(f) => format!("```\n{}\n```\n\n{}", f.signature, f.doc),
            None if name == "has" => format!("```\n{HAS_SIGNATURE}\n```\n\n{HAS_DOC}"),
            None => {
                let m = analysis
                    .model
                    .mappings
                    .iter()
                    .find(|m| m.name.name == name)?;
                format!(
                    "```\n{name}(it)\n```\n\nThe mapping `{name}` ({}): its value tree, with `it` the argument.",
                    analysis.place(m.name.loc)
                )
            }
        };
        return Some(crate::Hover {
            markdown,
            span: Span::new(name_start as u32, end as u32),
            rule_links: Vec::new(),
        });
    }
    let env = analysis.scope_at(pos)?;
    let (ty, doc) = resolve(&env, path)?;
    let mut markdown = format!("`{path}`: {}", ty.describe());
    if let Some(d) = doc {
        markdown.push_str(&format!("\n\n{d}"));
    }
    if let Some(var) = path.strip_prefix("app.")
        && let Some(v) = analysis.model.variables.iter().find(|v| v.name.name == var)
        && let Some(label) = &v.label
    {
        markdown.push_str(&format!("\n\nTenant variable: {label}"));
    }
    Some(crate::Hover {
        markdown,
        span: Span::new(start as u32, end as u32),
        rule_links: Vec::new(),
    })
}

/// Whether `pos` is inside a `${…}` of `literal`.
pub(crate) fn inside(analysis: &Snapshot, pos: FilePosition, literal: &Literal) -> bool {
    expression_before(analysis.file(pos.file).text(), literal, pos.offset).is_some()
}

/// A function's or mapping's signature while its arguments are typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// `split(s, separator) -> list(string)`.
    pub label: String,
    pub documentation: Option<String>,
    /// The parameters' labels, as they stand in `label`.
    pub parameters: Vec<String>,
    /// The parameter the cursor is in.
    pub active: usize,
}

/// The signature of the call whose arguments the cursor is in, inside `${…}`.
pub fn signature_help(analysis: &Snapshot, pos: FilePosition) -> Option<Signature> {
    let f = analysis.file(pos.file);
    let c = intact_syntax::cursor::at(&f.parse.document, f.text(), pos.offset);
    let (intact_syntax::cursor::Part::Arg { literal, .. }
    | intact_syntax::cursor::Part::PropValue { literal, .. }) = c.part
    else {
        return None;
    };
    let typed = expression_before(f.text(), literal, pos.offset)?;
    // The innermost `(` not closed before the cursor, and the commas at its depth.
    let (mut depth, mut commas, mut open) = (0usize, 0usize, None);
    let mut in_string = None;
    for (i, ch) in typed.char_indices().rev() {
        if let Some(q) = in_string {
            if ch == q {
                in_string = None;
            }
            continue;
        }
        match ch {
            '\'' | '"' => in_string = Some(ch),
            ')' | ']' => depth += 1,
            '(' | '[' if depth > 0 => depth -= 1,
            '(' => {
                open = Some(i);
                break;
            }
            '[' => return None,
            ',' if depth == 0 => commas += 1,
            _ => {}
        }
    }
    let open = open?;
    let name_start = typed[..open]
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let name = &typed[name_start..open];
    let (label, documentation) = match intact_expr::functions::builtin(name) {
        Some(f) => (f.signature.to_string(), Some(f.doc.to_string())),
        None if analysis.model.mappings.iter().any(|m| m.name.name == name) => (
            format!("{name}(it) -> object"),
            Some(format!("The mapping `{name}`.")),
        ),
        None => return None,
    };
    let parameters = label
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(params, _)| {
            params
                .split(", ")
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Some(Signature {
        label,
        documentation,
        parameters,
        active: commas,
    })
}
