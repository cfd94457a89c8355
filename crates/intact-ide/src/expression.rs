//! Completion inside `${…}`: the names in scope (`input`, `steps`, `app`, `auth`, `item`, `error`…),
//! functions and mappings, and after a `.` the fields of the known type (a contract's input, a
//! step's result, an OpenAPI response, `error`). The scope is the checker's own
//! ([`intact_check::scope_at`]); the text before the cursor is read leniently, so that a half-typed
//! expression (`${steps.r.bo`, no closing `}`) completes.

use intact_expr::functions::{BUILTINS, TYPE_NAMES};
use intact_expr::{Env, Type};
use intact_model::Analysis;
use intact_syntax::{Literal, Span};

use crate::FilePosition;
use crate::completion::{CompletionItem, CompletionKind};

/// The completions at `pos` when it is inside an open `${` of `literal`, else `None`.
pub(crate) fn completions(
    analysis: &Analysis,
    pos: FilePosition,
    literal: &Literal,
) -> Option<Vec<CompletionItem>> {
    let text = analysis.file(pos.file).text();
    let start = literal.span.start as usize;
    let before = text.get(start..pos.offset as usize)?;
    let open = before.rfind("${")?;
    let typed = &before[open + 2..];
    if typed.contains('}') {
        return None;
    }
    // The path being typed: `steps.r.bo` → head `steps.r`, partial `bo`.
    let path_len = typed
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .map(char::len_utf8)
        .sum::<usize>();
    let path = &typed[typed.len() - path_len..];
    let (head, partial) = match path.rsplit_once('.') {
        Some((h, p)) => (Some(h), p),
        None => (None, path),
    };
    let replace = Span::new(pos.offset - partial.len() as u32, pos.offset);
    let env = intact_check::scope_at(analysis, pos.file, pos.offset).unwrap_or_default();
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

/// The roots in scope, the functions and the mappings.
fn names(env: &Env, replace: Span) -> Vec<CompletionItem> {
    let mut out: Vec<CompletionItem> = env
        .vars
        .iter()
        .map(|(n, t)| item(n, CompletionKind::Variable, t.describe(), None, replace))
        .collect();
    for f in BUILTINS.iter().filter(|f| f.function) {
        out.push(item(
            f.name,
            CompletionKind::Function,
            f.signature.to_string(),
            Some(f.doc.to_string()),
            replace,
        ));
    }
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

/// What may follow `head.`: the fields of its type, and the methods its kind takes.
fn members(env: &Env, head: &str, replace: Span) -> Vec<CompletionItem> {
    let mut parts = head.split('.');
    let Some(mut ty) = parts.next().and_then(|root| env.var(root)).cloned() else {
        return Vec::new();
    };
    for part in parts {
        ty = match &ty {
            Type::Object(o) => match o.field(part) {
                Some(f) => f.ty.clone(),
                None => match &o.additional {
                    Some(t) => t.clone(),
                    None => return Vec::new(),
                },
            },
            Type::Map(t) => (**t).clone(),
            _ => return Vec::new(),
        };
    }
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
        for f in BUILTINS.iter().filter(|f| f.method) {
            out.push(item(
                f.name,
                CompletionKind::Function,
                f.signature.to_string(),
                Some(f.doc.to_string()),
                replace,
            ));
        }
    }
    out
}
