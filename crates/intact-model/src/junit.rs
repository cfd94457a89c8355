//! JUnit XML, the one writer of `intact check`, `intact test` and `intact verify` reports
//! (decision 0008): callers describe suites and cases; counts, times, layout and escaping are
//! decided here, so that a finding's or a failure's text never breaks a CI's report.

use std::fmt::Write as _;
use std::time::Duration;

/// A whole report: `<testsuites>`, its counts the sums of its suites'.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub name: String,
    pub time: Option<Duration>,
    pub suites: Vec<Suite>,
}

/// A `<testsuite>`: its counts are its cases'.
#[derive(Clone, Debug, Default)]
pub struct Suite {
    pub name: String,
    pub time: Option<Duration>,
    pub cases: Vec<Case>,
}

/// A `<testcase>`.
#[derive(Clone, Debug)]
pub struct Case {
    pub name: String,
    pub classname: String,
    pub time: Option<Duration>,
    pub outcome: CaseOutcome,
    /// `<system-out>`: what the case printed or did (already masked by the caller).
    pub output: Option<String>,
}

#[derive(Clone, Debug)]
pub enum CaseOutcome {
    Passed,
    /// `<failure>`: the case ran and did not hold.
    Failed(Failure),
    /// `<error>`: the case could not run.
    Errored(Failure),
    /// `<skipped>`, with the reason.
    Skipped(String),
}

/// What a `<failure>` or an `<error>` says.
#[derive(Clone, Debug, Default)]
pub struct Failure {
    /// The one-line summary (`message=`).
    pub message: String,
    /// `type=`, when there is one (a finding's code).
    pub kind: Option<String>,
    /// The whole text (the element's content).
    pub text: String,
}

#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    skipped: usize,
    errors: usize,
}

impl Counts {
    fn of(cases: &[Case]) -> Counts {
        let mut c = Counts {
            tests: cases.len(),
            ..Counts::default()
        };
        for case in cases {
            match case.outcome {
                CaseOutcome::Passed => {}
                CaseOutcome::Failed(_) => c.failures += 1,
                CaseOutcome::Errored(_) => c.errors += 1,
                CaseOutcome::Skipped(_) => c.skipped += 1,
            }
        }
        c
    }

    fn add(&mut self, o: Counts) {
        self.tests += o.tests;
        self.failures += o.failures;
        self.skipped += o.skipped;
        self.errors += o.errors;
    }

    /// ` tests=… failures=… skipped=…[ time=…] errors=…`.
    fn attributes(&self, time: Option<Duration>) -> String {
        let mut out = format!(
            " tests=\"{}\" failures=\"{}\" skipped=\"{}\"",
            self.tests, self.failures, self.skipped
        );
        if let Some(t) = time {
            out.push_str(&seconds(t));
        }
        let _ = write!(out, " errors=\"{}\"", self.errors);
        out
    }
}

/// ` time="1.234"`: seconds with three decimals (a `Duration` is never negative, so never
/// `-0.000`).
fn seconds(t: Duration) -> String {
    format!(" time=\"{:.3}\"", t.as_secs_f64())
}

impl Report {
    /// The report as XML.
    pub fn xml(&self) -> String {
        let mut total = Counts::default();
        let mut body = String::new();
        for s in &self.suites {
            let counts = Counts::of(&s.cases);
            let _ = writeln!(
                body,
                "  <testsuite name=\"{}\"{}>",
                text(&s.name),
                counts.attributes(s.time)
            );
            total.add(counts);
            for c in &s.cases {
                case(&mut body, c);
            }
            body.push_str("  </testsuite>\n");
        }
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"{}\"{}>\n{body}</testsuites>\n",
            text(&self.name),
            total.attributes(self.time)
        )
    }
}

fn case(out: &mut String, c: &Case) {
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\"{}",
        text(&c.name),
        text(&c.classname),
        c.time.map(seconds).unwrap_or_default()
    );
    if matches!(c.outcome, CaseOutcome::Passed) && c.output.is_none() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    let problem = |out: &mut String, tag: &str, f: &Failure| {
        let kind = f
            .kind
            .as_deref()
            .map(|k| format!(" type=\"{}\"", text(k)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "      <{tag} message=\"{}\"{kind}>{}</{tag}>",
            text(&f.message),
            text(&f.text)
        );
    };
    match &c.outcome {
        CaseOutcome::Passed => {}
        CaseOutcome::Failed(f) => problem(out, "failure", f),
        CaseOutcome::Errored(f) => problem(out, "error", f),
        CaseOutcome::Skipped(why) => {
            let _ = writeln!(out, "      <skipped message=\"{}\"/>", text(why));
        }
    }
    if let Some(o) = &c.output {
        let _ = writeln!(out, "      <system-out>{}</system-out>", text(o));
    }
    out.push_str("    </testcase>\n");
}

/// Text for an XML attribute or element: the five special characters escaped, and the characters
/// XML 1.0 cannot carry even escaped (most controls, U+FFFE, U+FFFF) written as `\u{…}`, so that
/// a failure quoting a terminal escape sequence still gives a report CI can read.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if ((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
                || matches!(c, '\u{FFFE}' | '\u{FFFF}') =>
            {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_xml_cannot_carry_is_written_as_an_escape() {
        assert_eq!(
            super::text("a<b> & \"c\" 'd'\t\u{1b}[0m\u{FFFF}"),
            "a&lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;\t\\u{1b}[0m\\u{ffff}"
        );
    }

    fn case(name: &str, outcome: CaseOutcome) -> Case {
        Case {
            name: name.into(),
            classname: "c".into(),
            time: None,
            outcome,
            output: None,
        }
    }

    #[test]
    fn counts_are_summed_from_the_cases_and_every_outcome_has_its_element() {
        let failure = Failure {
            message: "m <1>".into(),
            kind: Some("k".into()),
            text: "all of it".into(),
        };
        let report = Report {
            name: "r".into(),
            time: Some(Duration::from_millis(1500)),
            suites: vec![
                Suite {
                    name: "one".into(),
                    time: Some(Duration::ZERO),
                    cases: vec![
                        case("ok", CaseOutcome::Passed),
                        case("bad", CaseOutcome::Failed(failure.clone())),
                        case("later", CaseOutcome::Skipped("why".into())),
                    ],
                },
                Suite {
                    name: "two".into(),
                    time: None,
                    cases: vec![Case {
                        output: Some("out".into()),
                        ..case("broke", CaseOutcome::Errored(failure))
                    }],
                },
            ],
        };
        let xml = report.xml();
        assert_eq!(
            xml,
            r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="r" tests="4" failures="1" skipped="1" time="1.500" errors="1">
  <testsuite name="one" tests="3" failures="1" skipped="1" time="0.000" errors="0">
    <testcase name="ok" classname="c"/>
    <testcase name="bad" classname="c">
      <failure message="m &lt;1&gt;" type="k">all of it</failure>
    </testcase>
    <testcase name="later" classname="c">
      <skipped message="why"/>
    </testcase>
  </testsuite>
  <testsuite name="two" tests="1" failures="0" skipped="0" errors="1">
    <testcase name="broke" classname="c">
      <error message="m &lt;1&gt;" type="k">all of it</error>
      <system-out>out</system-out>
    </testcase>
  </testsuite>
</testsuites>
"#
        );
    }
}
