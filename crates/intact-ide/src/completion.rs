//! Completion in KDL: the node names allowed where the cursor is, property names, and the values a
//! value's type allows (enum values, booleans, names of connections, flows and actions, contract
//! ids). Each item says which text it replaces, so that an editor replaces what was typed.

use intact_model::Model;
use intact_model::catalogue::{self, NodeSpec, Ty};
use intact_syntax::cursor::{self, Part};
use intact_syntax::{Node, Span, quote};

use crate::item::{CompletionItem, CompletionKind};
use crate::resolve::{allowed_children, names, spec_of};
use crate::{FilePosition, Snapshot};

/// The completions at `pos`, in the order to show them.
pub fn completions(analysis: &Snapshot, pos: FilePosition) -> Vec<CompletionItem> {
    let file = analysis.file(pos.file);
    // Environment files are TOML: their own keys, never KDL nodes.
    if intact_model::project::is_env_file(file.path()) {
        return crate::env::completions(analysis, pos);
    }
    let text = file.text();
    let doc = &file.parse.document;
    let c = cursor::at(doc, text, pos.offset);
    // Inside `${…}` of a string: the expression's names and fields.
    if let Part::Arg { literal, .. } | Part::PropValue { literal, .. } = &c.part
        && let Some(items) = crate::expression::completions(analysis, pos, literal)
    {
        return items;
    }
    let here = Span::new(pos.offset, pos.offset);
    // Right after `key=` (nothing typed yet): the property's values, never property names, which
    // a client would insert as `key=default=` (issue 26.3).
    if let Some(key) = key_before_equals(text, pos.offset)
        && let Some(spec) = spec_of(&c.ancestors)
        && let Some(p) = spec.prop(key)
    {
        return values(&analysis.model, p.ty, here);
    }
    let n = c.ancestors.len();
    // The nodes beside the cursor's: a block's children, or the file's top-level nodes.
    fn siblings<'d>(doc: &'d intact_syntax::Document, path: &[&'d Node]) -> Vec<&'d Node> {
        match path.last() {
            Some(p) => p.children().collect(),
            None => doc.live_nodes().collect(),
        }
    }
    // A project has one `project` node, in whichever file it is (the catalogue allows one per
    // file, since files are checked one by one).
    let one_project = |mut items: Vec<CompletionItem>, typing: Option<&Node>| {
        let elsewhere = analysis
            .model
            .projects
            .iter()
            .any(|p| typing.is_none_or(|t| p.loc.file != pos.file || p.loc.span != t.span));
        if elsewhere {
            items.retain(|i| i.label != "project");
        }
        items
    };
    match &c.part {
        Part::NewNode if n == 0 => {
            let mut items = one_project(node_names(&[], &siblings(doc, &[]), None, here), None);
            items.extend(skeletons(analysis, here));
            items
        }
        Part::NewNode => {
            let beside = siblings(doc, &c.ancestors);
            tree_fields(analysis, &c.ancestors, &beside, here)
                .unwrap_or_else(|| node_names(&c.ancestors, &beside, None, here))
        }
        Part::NodeName => {
            let node = c.ancestors[n - 1];
            let path = &c.ancestors[..n - 1];
            let items = node_names(path, &siblings(doc, path), Some(node), node.name.span);
            if path.is_empty() {
                one_project(items, Some(node))
            } else {
                items
            }
        }
        Part::Head { next_arg } => {
            let (Some(node), Some(spec)) = (c.node(), spec_of(&c.ancestors)) else {
                return Vec::new();
            };
            let mut out = match spec.arg_ty(*next_arg) {
                Some(ty) => values(&analysis.model, ty, here),
                None => Vec::new(),
            };
            out.extend(properties(spec, node, here));
            out
        }
        Part::Arg { index, literal } => {
            let (Some(node), Some(spec)) = (c.node(), spec_of(&c.ancestors)) else {
                return Vec::new();
            };
            match spec.arg_ty(*index) {
                Some(ty) => inside_quotes(text, values(&analysis.model, ty, literal.full_span())),
                // A bare word past the arguments is a property being typed.
                None => properties(spec, node, literal.span),
            }
        }
        Part::PropKey { key } => {
            let (Some(node), Some(spec)) = (c.node(), spec_of(&c.ancestors)) else {
                return Vec::new();
            };
            properties(spec, node, key.span)
        }
        Part::PropValue { key, literal } if key.as_str() == "schema" => {
            inside_quotes(text, schema_pointers(analysis, literal.full_span()))
        }
        Part::PropValue { key, literal } => {
            let Some(spec) = spec_of(&c.ancestors) else {
                return Vec::new();
            };
            match spec.prop(key.as_str()) {
                Some(p) => inside_quotes(text, values(&analysis.model, p.ty, literal.full_span())),
                None => Vec::new(),
            }
        }
    }
}

/// A whole action for each contract the project does not implement yet, the mandatory ones first:
/// its request to fill in and a return with the contract's output fields.
fn skeletons(analysis: &Snapshot, replace: Span) -> Vec<CompletionItem> {
    let m = &analysis.model;
    let implemented = |id| {
        m.actions
            .iter()
            .any(|a| a.enabled && a.contract_id() == Some(id))
    };
    let project = analysis.project();
    let mut out: Vec<(bool, CompletionItem)> = intact_model::contracts::CONTRACTS
        .iter()
        .filter(|c| !implemented(c.id))
        .map(|c| {
            let is_mandatory = project.is_some_and(|p| p.switched_on(c.mandatory_with));
            (
                !is_mandatory,
                CompletionItem {
                    label: format!("action for {}", c.id),
                    kind: CompletionKind::Node,
                    detail: Some(if is_mandatory {
                        format!("{} (mandatory here)", c.title)
                    } else {
                        c.title.to_string()
                    }),
                    documentation: Some(format!(
                        "An action for the contract `{}`, with its output fields to fill in.",
                        c.id
                    )),
                    insert: intact_model::contracts::skeleton(c),
                    replace,
                },
            )
        })
        .collect();
    out.sort_by_key(|(later, _)| *later);
    out.into_iter().map(|(_, i)| i).collect()
}

/// The node names that may stand in the block of `path`'s last node (the file at the top), but
/// those that may be given once and already are among `siblings` (not counting `typing`, the node
/// being named).
fn node_names(
    path: &[&Node],
    siblings: &[&Node],
    typing: Option<&Node>,
    replace: Span,
) -> Vec<CompletionItem> {
    let Some(spec) = spec_of(path) else {
        return Vec::new();
    };
    let parent = path.last().copied();
    allowed_children(spec, parent)
        .into_iter()
        .filter(|c| {
            let name = catalogue::spec(c.kind).name;
            c.many
                || !siblings
                    .iter()
                    .any(|s| s.name() == name && typing.is_none_or(|t| !std::ptr::eq(*s, t)))
        })
        .map(|c| {
            let s = catalogue::spec(c.kind);
            CompletionItem {
                label: s.name.to_string(),
                kind: CompletionKind::Node,
                detail: Some(s.summary.to_string()),
                documentation: Some(s.doc.to_string()),
                insert: s.name.to_string(),
                replace,
            }
        })
        .collect()
}

/// The properties of `spec` that `node` does not give yet (repeatable ones always).
fn properties(spec: &NodeSpec, node: &Node, replace: Span) -> Vec<CompletionItem> {
    spec.props
        .iter()
        .filter(|p| p.repeatable || node.prop(p.name).is_none())
        .map(|p| CompletionItem {
            label: p.name.to_string(),
            kind: CompletionKind::Property,
            detail: Some(p.ty.describe()),
            documentation: Some(p.doc.to_string()),
            insert: format!("{}=", p.name),
            replace,
        })
        .collect()
}

/// The values a value of type `ty` may take, when they form a closed set.
fn values(model: &Model, ty: Ty, replace: Span) -> Vec<CompletionItem> {
    let item = |label: String, kind: CompletionKind, detail: Option<String>, insert: String| {
        CompletionItem {
            label,
            kind,
            detail,
            documentation: None,
            insert,
            replace,
        }
    };
    match ty {
        Ty::Enum(values) => values
            .iter()
            .map(|v| item(v.to_string(), CompletionKind::Value, None, quote(v)))
            .collect(),
        Ty::Bool => ["#true", "#false"]
            .iter()
            .map(|v| item(v.to_string(), CompletionKind::Value, None, v.to_string()))
            .collect(),
        Ty::Ref(ns) => names(model, ns)
            .into_iter()
            .map(|(name, detail)| {
                let insert = quote(&name);
                item(name, CompletionKind::Reference, Some(detail), insert)
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The property key when the text just before `offset` is `key=` with nothing typed after it.
fn key_before_equals(text: &str, offset: u32) -> Option<&str> {
    let before = text.get(..offset as usize)?.strip_suffix('=')?;
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .map_or(0, |i| i + 1);
    let key = &before[start..];
    let after = text.get(offset as usize..).unwrap_or("");
    let typed = after.starts_with(|c: char| !c.is_whitespace() && c != '{' && c != ';');
    (!key.is_empty() && !typed).then_some(key)
}

/// Items that replace a whole quoted string (`"DEL|"`) edit only what is between its quotes: a
/// client that cannot replace text right of the cursor would otherwise keep the closing quote
/// and write it twice (`on "DELETE""`, issue 26.5).
fn inside_quotes(text: &str, mut items: Vec<CompletionItem>) -> Vec<CompletionItem> {
    for item in &mut items {
        let Some(written) = text.get(item.replace.range()) else {
            continue;
        };
        let quoted = |t: &str| t.len() >= 2 && t.starts_with('"') && t.ends_with('"');
        if quoted(written) && quoted(&item.insert) {
            item.replace = Span::new(item.replace.start + 1, item.replace.end - 1);
            item.insert = item.insert[1..item.insert.len() - 1].to_string();
        }
    }
    items
}

/// The fields a value tree takes where the cursor is, not given yet, required ones first: the
/// inputs of the flow a `call` names, the contract's output fields in an action's `return`
/// (nested objects too), and a test's `input` (the contract's or flow's inputs) and `expect`
/// (the contract's output).
fn tree_fields(
    analysis: &Snapshot,
    ancestors: &[&Node],
    given: &[&Node],
    here: Span,
) -> Option<Vec<CompletionItem>> {
    use intact_expr::Type;
    use intact_model::contracts::{Side, contract_type};
    let m = &analysis.model;
    let k = ancestors
        .iter()
        .rposition(|n| matches!(n.name(), "return" | "call" | "input" | "expect"))?;
    let owner = k.checked_sub(1).map(|i| ancestors[i]);
    let root = ancestors[k];
    let path: Vec<&str> = ancestors[k + 1..].iter().map(|n| n.name()).collect();
    let contract_of = |n: &Node| {
        let id = n.prop("contract").or_else(|| n.prop("action"))?;
        let id = id.value.as_str()?;
        // A test names its action; the action names its contract.
        match m.actions.iter().find(|a| a.name.name == id) {
            Some(a) => a.contract_id(),
            None => intact_model::contracts::ContractId::parse(id),
        }
    };
    // A flow's inputs, for a `call` and a test of the flow.
    let flow_inputs = |flow: &str| -> Option<Vec<(String, String, bool)>> {
        let f = m.flows.iter().find(|f| f.name.name == flow)?;
        Some(
            f.inputs
                .iter()
                .map(|i| {
                    let ty = i.ty.clone().unwrap_or_else(|| "any".into());
                    (i.name.name.clone(), ty, i.required)
                })
                .collect(),
        )
    };
    // (name, type description, required) of each field offered.
    let fields: Vec<(String, String, bool)> = match (root.name(), owner.map(|o| o.name())) {
        ("call", _) if path.is_empty() => flow_inputs(root.arg(1)?.value.as_str()?)?,
        ("return", Some("action")) => {
            object_fields(contract_type(contract_of(owner?)?, Side::Output)?, &path)?
        }
        ("input" | "expect", Some("test")) => {
            let test = owner?;
            if let Some(flow) = test.prop("flow").and_then(|l| l.value.as_str()) {
                if root.name() == "expect" || !path.is_empty() {
                    return None;
                }
                flow_inputs(flow)?
            } else {
                let side = if root.name() == "input" {
                    Side::Input
                } else {
                    Side::Output
                };
                object_fields(contract_type(contract_of(test)?, side)?, &path)?
            }
        }
        _ => return None,
    };
    let taken: Vec<&str> = given.iter().map(|n| n.name()).collect();
    let mut items: Vec<(bool, CompletionItem)> = fields
        .into_iter()
        .filter(|(name, ..)| !taken.contains(&name.as_str()) && name != "executionStatus")
        .map(|(name, ty, required)| {
            let detail = if required {
                format!("{ty} (required)")
            } else {
                ty
            };
            (
                required,
                CompletionItem {
                    label: name.clone(),
                    kind: CompletionKind::Field,
                    detail: Some(detail),
                    documentation: None,
                    insert: format!("{} ", intact_syntax::build::node_name(&name)),
                    replace: here,
                },
            )
        })
        .collect();
    items.sort_by_key(|(required, _)| !*required);
    return Some(items.into_iter().map(|(_, i)| i).collect());

    /// The fields of the object at `path` inside `ty` (a list's items for a list).
    fn object_fields(ty: Type, path: &[&str]) -> Option<Vec<(String, String, bool)>> {
        let mut t = ty;
        for p in path {
            let Type::Object(o) = t else { return None };
            t = match &o.field(p)?.ty {
                Type::List(item) => (**item).clone(),
                other => other.clone(),
            };
        }
        let Type::Object(o) = t else { return None };
        Some(
            o.fields
                .iter()
                .map(|f| (f.name.clone(), f.ty.describe(), f.required))
                .collect(),
        )
    }
}

/// What `schema="` may name: each schema under `components/schemas` of the project's OpenAPI
/// documents (`#/components/schemas/User`, or `openapi/FILE#/…` when there are several), and the
/// top-level fields of each contract's input and output (`contract:create-user.input#/properties/user`).
fn schema_pointers(analysis: &Snapshot, replace: Span) -> Vec<CompletionItem> {
    use intact_model::contracts::{CONTRACTS, Side, contract_type};
    // The schemas' names are in the documents' digests: a keystroke reads no document.
    let documents = intact_semantic::Documents::read(analysis, analysis.documents());
    let entries: Vec<_> = documents.component_schemas().collect();
    let mut out = Vec::new();
    for (path, schemas) in &entries {
        let prefix = if entries.len() == 1 {
            String::new()
        } else {
            path.display().to_string()
        };
        for schema in schemas.iter() {
            let pointer = format!(
                "{prefix}#/components/schemas/{}",
                intact_jsonref::fragment_token(&schema.name)
            );
            out.push(CompletionItem {
                label: pointer.clone(),
                kind: CompletionKind::Reference,
                detail: schema
                    .description
                    .clone()
                    .or_else(|| Some(format!("schema in {}", path.display()))),
                documentation: None,
                insert: quote(&pointer),
                replace,
            });
        }
    }
    for c in CONTRACTS {
        for (side, word) in [(Side::Input, "input"), (Side::Output, "output")] {
            let Some(intact_expr::Type::Object(o)) = contract_type(c.id, side) else {
                continue;
            };
            for f in o.fields.iter().filter(|f| f.name != "executionStatus") {
                let pointer = format!("contract:{}.{word}#/properties/{}", c.id, f.name);
                out.push(CompletionItem {
                    label: pointer.clone(),
                    kind: CompletionKind::Reference,
                    detail: Some(format!("{} of {}'s {word}", f.ty.describe(), c.id)),
                    documentation: None,
                    insert: quote(&pointer),
                    replace,
                });
            }
        }
    }
    out
}
