//! Semantic tokens: what each name of a file is, for an editor to colour beyond its grammar. Node
//! names are keywords, property keys properties, and every name the symbol index knows gets its
//! kind (a flow, a step, a tenant variable, a param…), in KDL and inside `${…}` alike; intact's
//! functions inside `${…}` are functions of the library.

use intact_expr::Reference;
use intact_expr::functions::BUILTINS;
use intact_model::symbols::Symbol;
use intact_model::template;
use intact_model::{FileId, Template};
use intact_syntax::{Node, Span};

use crate::Snapshot;

/// The kinds of tokens, in the order of the legend an editor is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Keyword,
    Property,
    Variable,
    Parameter,
    Function,
    Method,
    Namespace,
    Class,
    EnumMember,
    Event,
}

impl TokenKind {
    pub const ALL: &'static [TokenKind] = &[
        TokenKind::Keyword,
        TokenKind::Property,
        TokenKind::Variable,
        TokenKind::Parameter,
        TokenKind::Function,
        TokenKind::Method,
        TokenKind::Namespace,
        TokenKind::Class,
        TokenKind::EnumMember,
        TokenKind::Event,
    ];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub span: Span,
    pub kind: TokenKind,
    /// Where the thing is defined (rather than used).
    pub definition: bool,
    /// One of intact's built-in functions.
    pub library: bool,
}

/// The tokens of `file`, in order, without overlaps.
pub fn tokens(analysis: &Snapshot, file: FileId) -> Vec<Token> {
    let f = analysis.file(file);
    let mut out = Vec::new();
    fn walk(nodes: &[Node], out: &mut Vec<Token>) {
        for n in nodes.iter().filter(|n| !n.is_dashed()) {
            out.push(token(n.name.span, TokenKind::Keyword, false));
            for (k, _) in n.props() {
                out.push(token(k.span, TokenKind::Property, false));
            }
            for b in &n.blocks {
                walk(&b.nodes, out);
            }
        }
    }
    walk(&f.parse.document.nodes, &mut out);
    for o in analysis
        .symbols()
        .occurrences
        .iter()
        .filter(|o| o.loc.file == file)
    {
        let kind = match &o.symbol {
            Symbol::Variable(_) | Symbol::Step { .. } => TokenKind::Variable,
            Symbol::Param { .. } | Symbol::FlowInput { .. } => TokenKind::Parameter,
            Symbol::Mapping(_) | Symbol::Flow(_) => TokenKind::Function,
            Symbol::Action(_) => TokenKind::Method,
            Symbol::Connection(_) => TokenKind::Namespace,
            Symbol::Test(_) => TokenKind::Class,
            Symbol::Contract(_) => TokenKind::EnumMember,
        };
        out.push(token(o.loc.span, kind, o.is_definition()));
    }
    let mut templates: Vec<&Template> = Vec::new();
    collect_templates(analysis, file, &mut templates);
    for t in templates {
        for seg in template::segments(&t.text) {
            for r in intact_expr::references(seg.expr) {
                if let Reference::Call { name, offset } = r
                    && BUILTINS.iter().any(|b| b.name == name)
                {
                    let loc = t.sub_loc(seg.offset + offset, name.len());
                    out.push(Token {
                        library: true,
                        ..token(loc.span, TokenKind::Function, false)
                    });
                }
            }
        }
    }
    // The symbol index's kinds win over the grammar's for the same span; nested ones are dropped.
    out.sort_by_key(|t| (t.span.start, std::cmp::Reverse(t.span.end)));
    let mut kept: Vec<Token> = Vec::with_capacity(out.len());
    for t in out {
        match kept.last_mut() {
            Some(last) if last.span == t.span => *last = t,
            Some(last) if t.span.start < last.span.end => {}
            _ => kept.push(t),
        }
    }
    kept
}

fn token(span: Span, kind: TokenKind, definition: bool) -> Token {
    Token {
        span,
        kind,
        definition,
        library: false,
    }
}

/// Every template of the model written in `file`.
fn collect_templates<'a>(analysis: &'a Snapshot, file: FileId, out: &mut Vec<&'a Template>) {
    let m = &analysis.model;
    let mut add = |t: &'a Template| {
        if t.loc.file == file {
            out.push(t);
        }
    };
    fn steps<'a>(list: &'a [intact_model::Step], add: &mut dyn FnMut(&'a Template)) {
        for s in list {
            s.templates.iter().for_each(&mut *add);
            steps(&s.body, add);
            for b in s.branches() {
                steps(std::slice::from_ref(b), add);
            }
        }
    }
    for c in &m.connections {
        c.templates().for_each(&mut add);
        if let Some(p) = &c.ping {
            steps(p, &mut add);
        }
    }
    for mp in &m.mappings {
        let mut ts = Vec::new();
        mp.tree.templates(&mut ts);
        ts.into_iter().for_each(&mut add);
    }
    for a in &m.actions {
        steps(&a.steps, &mut add);
    }
    for f in &m.flows {
        steps(&f.steps, &mut add);
    }
    for t in &m.tests {
        t.templates.iter().for_each(&mut add);
    }
}
