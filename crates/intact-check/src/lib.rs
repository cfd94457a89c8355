//! intact's checker: every rule of `docs/rules/`, run over one [`Analysis`], and the output formats.
//!
//! [`check`] is a pure function of the analysis; the CLI and the language server both call it.
//! A host that checks more than once (the language server) keeps a [`DocumentCache`] and calls
//! [`check_with`], so that the project's OpenAPI documents are read once, not per check; one that
//! has the [`Semantics`] already (an editor snapshot) calls [`check_semantics`].

mod envfiles;
mod ignore;
mod openapi;
mod per_file;
pub mod render;
mod rules;
mod schema;

pub use intact_diagnostics::{Diagnostic, Fix, Label, Rule, Severity, registry};
pub use intact_model::Analysis;
pub use intact_semantic::{DocumentCache, Semantics};
pub use per_file::FileFindings;

use intact_model::{FileId, Loc};
use intact_syntax::Span;

/// Every finding of the project, sorted by file and position (OpenAPI documents read afresh, or
/// from their digest on disk).
pub fn check(a: &Analysis) -> Vec<Diagnostic> {
    check_with(a, &DocumentCache::default())
}

/// What the checker may ask of the machine around the project, in the manner of Taplo's
/// `Environment`: the analysis itself reads no file, so that it stays a pure function of the file
/// texts, and a host that has the files answers what the texts cannot say.
pub trait Host {
    /// Whether the project-relative `path` leads out of the project once symbolic links are
    /// followed (an environment's `{ file = … }`).
    fn links_out(&self, path: &str) -> bool;
}

/// A host that knows nothing beyond the texts (tests, fuzzing, an editor's unsaved buffers).
pub struct TextsOnly;

impl Host for TextsOnly {
    fn links_out(&self, _: &str) -> bool {
        false
    }
}

/// A host over the project's folder on disk (`intact check`, the language server).
pub struct ProjectFolder(pub std::path::PathBuf);

impl Host for ProjectFolder {
    fn links_out(&self, path: &str) -> bool {
        intact_model::project::links_out_of(&self.0, path)
    }
}

/// [`check`], with the OpenAPI documents a host has read already.
pub fn check_with(a: &Analysis, documents: &DocumentCache) -> Vec<Diagnostic> {
    check_in(a, documents, &TextsOnly)
}

/// The findings of reading the texts alone, without checking the project: invalid UTF-8 and KDL
/// syntax errors, in file order. `intact fmt` reports these for a file it will not format.
pub fn syntax_findings(a: &Analysis) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, f) in a.files.iter().enumerate() {
        syntax_of(FileId::from_index(i), f, &mut out);
    }
    out
}

fn syntax_rule(kind: intact_syntax::ErrorKind) -> Rule {
    match kind {
        intact_syntax::ErrorKind::Syntax => Rule::Syntax,
        intact_syntax::ErrorKind::KdlV1 => Rule::SyntaxKdlV1,
    }
}

/// Where the first line of `text` ends, on a character boundary, at most 120 bytes in.
fn first_line_end(text: &str) -> u32 {
    let mut end = text.find('\n').unwrap_or(text.len()).min(120);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end as u32
}

fn syntax_of(file: FileId, f: &intact_model::SourceFile, out: &mut Vec<Diagnostic>) {
    if let Some(limit) = f.too_large {
        let size = |n: u64| match n {
            0..1024 => format!("{n} bytes"),
            1024..1_048_576 => format!("{:.1} KiB", n as f64 / 1024.0),
            _ => format!("{:.1} MiB", n as f64 / 1_048_576.0),
        };
        out.push(
            Diagnostic::new(
                Rule::LimitFileSize,
                // The first line stands for the file: a place an editor shows.
                Loc::new(file, Span::new(0, first_line_end(f.text()))),
                format!(
                    "this file is {} and was not read: the project reads KDL files up to {}",
                    size(f.text().len() as u64),
                    size(limit)
                ),
            )
            .label("not parsed or checked")
            .help("split it into smaller files; if it is meant to be this large, raise `max-file-size` in the `project` node (e.g. `max-file-size \"16MiB\"`)"),
        );
    }
    if let Some(at) = f.input.invalid_utf8_at {
        out.push(
            // The invalid bytes were replaced by U+FFFD (3 bytes) before parsing.
            Diagnostic::new(
                Rule::SyntaxEncoding,
                Loc::new(file, Span::new(at, at + 3)),
                "the file is not valid UTF-8 text",
            )
            .label("first invalid byte")
            .help("save the file as UTF-8; intact project files are text"),
        );
    }
    for e in &f.parse.errors {
        let mut d = Diagnostic::new(
            syntax_rule(e.kind),
            Loc::new(file, e.span),
            e.message.clone(),
        )
        .label("here");
        if let Some(h) = &e.help {
            d = d.help(h.clone());
        }
        if let Some((span, text)) = &e.fix {
            d = d.fix(
                e.help.clone().unwrap_or_default(),
                Loc::new(file, *span),
                text.clone(),
            );
        }
        out.push(d);
    }
}

/// [`check_with`], asking `host` what only the folder can tell.
pub fn check_in(a: &Analysis, documents: &DocumentCache, host: &dyn Host) -> Vec<Diagnostic> {
    // Each file's own findings first, then the typing, which waits for the OpenAPI documents a
    // host may still be reading on another thread (`DocumentCache::prefetch`).
    let own = FileFindings::of_files(a);
    check_semantics_after(a, &Semantics::new(a, documents), host, Some(&own)).0
}

/// Every finding of the project, given its semantics (typed once, shared with the editor
/// features of the same snapshot).
pub fn check_semantics(a: &Analysis, semantics: &Semantics, host: &dyn Host) -> Vec<Diagnostic> {
    check_semantics_after(a, semantics, host, None).0
}

/// [`check_semantics`] after an edit: each file's own findings (syntax, schema) are taken from
/// `earlier`, the check before the edit, for the files it did not touch; returned with this
/// check's, for the next.
pub fn check_semantics_after(
    a: &Analysis,
    semantics: &Semantics,
    host: &dyn Host,
    earlier: Option<&FileFindings>,
) -> (Vec<Diagnostic>, FileFindings) {
    let mut out = Vec::new();
    let mut left_out: std::collections::BTreeMap<FileId, LeftOut> = Default::default();
    let mut files = FileFindings::default();
    for (i, f) in a.files.iter().enumerate() {
        let file = FileId::from_index(i);
        let own = files.of(earlier, file, f);
        out.extend(own.findings.iter().cloned());
        if own.left_out.count > 0 {
            left_out.insert(file, own.left_out.clone());
        }
    }
    rules::check_model(a, semantics.mapping_calls(), &mut out);
    openapi::check(a, semantics.documents(), &mut out);
    out.extend(semantics.findings().iter().cloned());
    envfiles::check(a, host, &mut out);
    let mut out = ignore::apply(a, out);
    out.sort_by(|x, y| (x.loc, x.code, &x.message).cmp(&(y.loc, y.code, &y.message)));
    out.dedup();
    // The name rules and expression typing both see `app.x` and `auth.x`: one finding per name,
    // the name rule's (it knows the definitions and offers the fix).
    let named: std::collections::HashSet<Loc> = out
        .iter()
        .filter(|d| d.code == Rule::NameUnresolved)
        .map(|d| d.loc)
        .collect();
    out.retain(|d| d.code != Rule::ExprUnknownField || !named.contains(&d.loc));
    (cap_per_file(out, left_out), files)
}

/// How many schema findings of one file are kept before the rest are only counted: well past
/// [`MAX_FINDINGS_PER_FILE`], so that the findings shown are the file's first.
const SCHEMA_BUDGET: usize = 5 * MAX_FINDINGS_PER_FILE;

/// Findings of a file that were counted but not kept.
#[derive(Clone, Default)]
pub(crate) struct LeftOut {
    count: usize,
    by_severity: [usize; 3],
    first: Option<Loc>,
}

impl LeftOut {
    fn count(&mut self, d: &Diagnostic) {
        self.count_as(d.severity, d.loc);
    }

    fn count_as(&mut self, severity: Severity, loc: Loc) {
        self.count += 1;
        self.by_severity[severity as usize] += 1;
        self.first = Some(self.first.map_or(loc, |f| f.min(loc)));
    }
}

/// `auth::insecure-url` for a URL that may not carry credentials: `what` names the setting, the
/// verdict says why (plain http, or a spelling that is not `https://HOST/PATH`).
pub(crate) fn insecure_url(
    loc: Loc,
    what: &str,
    verdict: &intact_model::urls::Verdict,
) -> Option<Diagnostic> {
    let problem = verdict.problem()?;
    let message = match verdict {
        intact_model::urls::Verdict::Plain { .. } => {
            format!("{what} would send credentials over plain http")
        }
        _ => format!("{what} is not an absolute https:// URL"),
    };
    Some(
        Diagnostic::new(Rule::AuthInsecureUrl, loc, message)
            .label(problem)
            .help("use https://HOST/PATH; http:// is allowed only for 127.0.0.1, [::1] and localhost (put local overrides in env files)"),
    )
}

/// The most findings shown for one file; `limit::findings` stands for the rest.
pub const MAX_FINDINGS_PER_FILE: usize = 200;

/// Keeps at most [`MAX_FINDINGS_PER_FILE`] findings of each file (the most severe first, shown in
/// file order), and one `limit::findings` for the rest with the severity of the worst of them, so
/// no report or language-server publish grows without bound and a left-out error still fails.
fn cap_per_file(
    out: Vec<Diagnostic>,
    mut left_out: std::collections::BTreeMap<FileId, LeftOut>,
) -> Vec<Diagnostic> {
    let mut per_file: std::collections::BTreeMap<FileId, Vec<Diagnostic>> = Default::default();
    for d in out {
        per_file.entry(d.loc.file).or_default().push(d);
    }
    let mut kept = Vec::new();
    for (file, mut ds) in per_file {
        let counted = left_out.remove(&file).unwrap_or_default();
        if ds.len() <= MAX_FINDINGS_PER_FILE && counted.count == 0 {
            kept.extend(ds);
            continue;
        }
        // Errors first (`Severity` orders them so); stable, so file order stays within each.
        ds.sort_by_key(|d| d.severity);
        let rest = ds.split_off(MAX_FINDINGS_PER_FILE.min(ds.len()));
        let count = |s: Severity| {
            rest.iter().filter(|d| d.severity == s).count() + counted.by_severity[s as usize]
        };
        let (e, w, i) = (
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info),
        );
        let first = rest
            .iter()
            .map(|d| d.loc)
            .chain(counted.first)
            .min()
            .expect("rest or the counted are not empty");
        let mut kinds = Vec::new();
        for (n, what) in [(e, "error(s)"), (w, "warning(s)"), (i, "note(s)")] {
            if n > 0 {
                kinds.push(format!("{n} {what}"));
            }
        }
        let mut summary = Diagnostic::new(
            Rule::LimitFindings,
            Loc::new(file, Span::empty(first.span.start)),
            format!(
                "{} more finding(s) in this file are not shown ({})",
                rest.len() + counted.count,
                kinds.join(", ")
            ),
        )
        .label("the first of them")
        .help(format!(
            "intact shows {MAX_FINDINGS_PER_FILE} findings per file; fix these and check again"
        ));
        summary.severity = [Severity::Error, Severity::Warning, Severity::Info]
            .into_iter()
            .find(|s| count(*s) > 0)
            .expect("rest or the counted are not empty");
        ds.push(summary);
        ds.sort_by(|x, y| (x.loc, x.code, &x.message).cmp(&(y.loc, y.code, &y.message)));
        kept.extend(ds);
    }
    kept
}

pub use intact_expr::suggest;

/// Counts of a set of findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

pub fn summarize(diags: &[Diagnostic]) -> Summary {
    let mut s = Summary::default();
    for d in diags {
        match d.severity {
            Severity::Error => s.errors += 1,
            Severity::Warning => s.warnings += 1,
            Severity::Info => s.infos += 1,
        }
    }
    s
}
