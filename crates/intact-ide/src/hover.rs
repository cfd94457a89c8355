//! Hover in KDL: a node's and a property's documentation from the catalogue, an argument's meaning,
//! and what a reference names (a contract's title and output, a connection's base URL).

use intact_model::catalogue::{Ns, Ty};
use intact_model::contracts;
use intact_syntax::Span;
use intact_syntax::cursor::{self, Part};

use crate::resolve::spec_of;
use crate::{FilePosition, Snapshot};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    /// Markdown.
    pub markdown: String,
    /// The text the hover is about.
    pub span: Span,
    /// The codes whose rule page the markdown links, each as
    /// `](`[`intact_check::registry::url`]`)`: a host that can open pages (the language server
    /// writes them under the cache folder) points these links there.
    pub rule_links: Vec<intact_check::Rule>,
}

/// What to show for the thing at `pos`, if anything: the findings there (their rule's summary
/// and page), of those the snapshot knows, then what the thing is.
pub fn hover(analysis: &Snapshot, pos: FilePosition) -> Option<Hover> {
    let about = if intact_model::project::is_env_file(analysis.file(pos.file).path()) {
        crate::env::hover(analysis, pos)
    } else {
        thing(analysis, pos)
    };
    let findings: Vec<&intact_check::Diagnostic> = analysis
        .known_findings()
        .iter()
        .filter(|d| d.loc.file == pos.file && d.loc.span.touches(pos.offset))
        .collect();
    if findings.is_empty() {
        return about;
    }
    let mut markdown: Vec<String> = findings
        .iter()
        .map(|d| {
            let summary = d.code.info().summary;
            let stop = if summary.ends_with('.') { "" } else { "." };
            format!(
                "**`{}`** ({}): {summary}{stop} See [{}]({}).",
                d.code,
                d.severity.as_str(),
                d.code,
                intact_check::registry::url(d.code)
            )
        })
        .collect();
    let span = about.as_ref().map_or(findings[0].loc.span, |h| h.span);
    if let Some(h) = about {
        markdown.push(h.markdown);
    }
    Some(Hover {
        markdown: markdown.join("\n\n---\n\n"),
        span,
        rule_links: findings.iter().map(|d| d.code).collect(),
    })
}

/// What the thing at `pos` is.
fn thing(analysis: &Snapshot, pos: FilePosition) -> Option<Hover> {
    let file = analysis.file(pos.file);
    let c = cursor::at(&file.parse.document, file.text(), pos.offset);
    // Inside `${…}`: the type of the path under the cursor.
    if let Part::Arg { literal, .. } | Part::PropValue { literal, .. } = &c.part {
        if let Some(h) = crate::expression::hover(analysis, pos, literal) {
            return Some(h);
        }
        // Inside `${…}` the property's documentation would describe something else than what
        // the cursor is on (issue 26.8).
        if crate::expression::inside(analysis, pos, literal) {
            return None;
        }
    }
    let node = c.node()?;
    let spec = spec_of(&c.ancestors)?;
    match &c.part {
        Part::NodeName => Some(Hover {
            markdown: format!("**`{}`**: {}\n\n{}", spec.name, spec.summary, spec.doc),
            span: node.name.span,
            rule_links: Vec::new(),
        }),
        Part::PropKey { key } => {
            let p = spec.prop(key.as_str())?;
            Some(Hover {
                markdown: format!("**`{}=`** ({}): {}", p.name, p.ty.describe(), p.doc),
                span: key.span,
                rule_links: Vec::new(),
            })
        }
        Part::Arg { index, literal } => {
            let arg = spec.args.get(*index);
            let ty = arg.map(|a| a.ty).or(spec.rest)?;
            let about = arg.map_or(String::new(), |a| {
                format!("**{}** ({}): {}", a.name, ty.describe(), a.doc)
            });
            Some(Hover {
                markdown: join(about, named(analysis, ty, literal.value.as_str())),
                span: literal.span,
                rule_links: Vec::new(),
            })
        }
        Part::PropValue { key, literal } => {
            let p = spec.prop(key.as_str())?;
            Some(Hover {
                markdown: join(
                    format!("**`{}=`** ({}): {}", p.name, p.ty.describe(), p.doc),
                    named(analysis, p.ty, literal.value.as_str()),
                ),
                span: literal.span,
                rule_links: Vec::new(),
            })
        }
        Part::NewNode | Part::Head { .. } => None,
    }
}

fn join(a: String, b: Option<String>) -> String {
    match b {
        Some(b) if a.is_empty() => b,
        Some(b) => format!("{a}\n\n{b}"),
        None => a,
    }
}

/// What a reference's value names, in a few lines.
fn named(analysis: &Snapshot, ty: Ty, value: Option<&str>) -> Option<String> {
    let (Ty::Ref(ns), Some(name)) = (ty, value) else {
        return None;
    };
    let m = &analysis.model;
    match ns {
        Ns::Contract => {
            let c = contracts::contract(name)?;
            let output = if c.output_fields.is_empty() {
                String::new()
            } else {
                format!(
                    "\n\nReturns: {}, executionStatus.",
                    c.output_fields
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            Some(format!(
                "Contract **{}**: {}. Mandatory with `{}`.{output}",
                c.id,
                c.title,
                c.mandatory_with.describe()
            ))
        }
        Ns::Connection => {
            let conn = m.connection(Some(name))?;
            let base = conn
                .base_url
                .as_ref()
                .map_or("no base-url".to_string(), |t| format!("`{}`", t.text));
            let auth = conn
                .auth
                .as_ref()
                .map_or("no auth".to_string(), |a| format!("auth \"{}\"", a.form));
            Some(format!("Connection `{name}`: {base}, {auth}."))
        }
        Ns::Flow => {
            let f = m.flows.iter().find(|f| f.name.name == name)?;
            let inputs: Vec<String> = f
                .inputs
                .iter()
                .map(|i| match &i.ty {
                    Some(t) => format!("`{}` ({t})", i.name.name),
                    None => format!("`{}`", i.name.name),
                })
                .collect();
            Some(if inputs.is_empty() {
                format!("Flow `{name}`, no inputs.")
            } else {
                format!("Flow `{name}`, inputs: {}.", inputs.join(", "))
            })
        }
        Ns::Action => {
            let a = m.actions.iter().find(|a| a.name.name == name)?;
            Some(match &a.contract {
                Some((id, _)) => format!("Action `{name}` for contract `{id}`."),
                None => format!("Action `{name}`."),
            })
        }
    }
}
