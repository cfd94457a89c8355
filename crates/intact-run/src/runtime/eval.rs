//! Templates and value trees evaluated on a frame: its variables and `steps`, the project's
//! mappings, the secret watch (a value read from a secret param is masked from then on), and an
//! expression's failure named by its step, place and text.

use super::*;

impl Runtime {
    pub(crate) fn eval(&self, tree: &Tree, frame: &Frame) -> Result<J, Failure> {
        let vars: Vec<(&str, &J)> = frame
            .vars
            .iter()
            .map(|(k, v)| (k.as_str(), &**v))
            .chain(std::iter::once(("steps", &*frame.steps)))
            .collect();
        let mappings: Arc<dyn Mappings> = self.mappings.clone();
        let mut seen = self.secret_watch(frame);
        failing_place(|| eval_tree_seen(tree, &vars, &self.programs, mappings, &mut seen))
            .map_err(|(e, place)| self.expression_failure(e, place.as_ref(), frame))
    }

    /// An expression that failed, named by its step, its place and its text:
    /// ``an expression failed in step `list` at flows/people.kdl:4:31 `${input.page.cursor}`: no
    /// field `cursor` in `input.page```.
    pub(super) fn expression_failure(
        &self,
        message: String,
        place: Option<&Place>,
        frame: &Frame,
    ) -> Failure {
        let mut text = String::from("an expression failed");
        if let Some(s) = frame.step {
            match &s.name {
                Some(n) => text.push_str(&format!(" in step `{}`", n.name)),
                None => text.push_str(&format!(" in `{}`", self.analysis.text_at(s.keyword))),
            }
        }
        if let Some(p) = place {
            text.push_str(&format!(
                " at {} `${{{}}}`",
                self.analysis.place(p.loc),
                p.expr
            ));
        }
        text.push_str(": ");
        text.push_str(&message);
        Failure {
            step: frame
                .step
                .and_then(|s| s.name.as_ref())
                .map(|n| n.name.clone()),
            ..Failure::new(text)
        }
    }

    pub(super) fn eval_text_with(
        &self,
        text: &str,
        frame: &Frame,
        extra: &[(&str, &J)],
    ) -> Result<J, Failure> {
        self.eval_text_at(text, frame, extra, None)
    }

    /// A text evaluated outside its template (a path segment); `at` is where it is written, for a
    /// failure that happens in the text itself rather than in a mapping it calls.
    pub(super) fn eval_text_at(
        &self,
        text: &str,
        frame: &Frame,
        extra: &[(&str, &J)],
        at: Option<Place>,
    ) -> Result<J, Failure> {
        let mut vars: Vec<(&str, &J)> =
            frame.vars.iter().map(|(k, v)| (k.as_str(), &**v)).collect();
        vars.push(("steps", &*frame.steps));
        vars.extend_from_slice(extra);
        let mappings: Arc<dyn Mappings> = self.mappings.clone();
        let mut seen = self.secret_watch(frame);
        failing_place(|| eval_text_seen(text, &vars, &self.programs, mappings, &mut seen))
            .map_err(|(e, place)| self.expression_failure(e, place.or(at).as_ref(), frame))
    }
}
