//! `intact call`: the custom API action, one authenticated request through a connection. The
//! request is the command line's, not the project's, so it is described as a step of its own
//! whose places are the connection's name: a failure names the connection it went through.

use intact_model::{Exec, Request, StepKind};
use serde_json::Value as J;

use super::*;

impl Runtime {
    /// The custom API action: one authenticated request through a connection.
    pub async fn call(
        &self,
        connection: &str,
        method: &str,
        path: &str,
        query: Vec<(String, String)>,
        headers: Vec<(String, String)>,
        json: Option<J>,
    ) -> Result<J, Failure> {
        self.call_unmasked(connection, method, path, query, headers, json)
            .await
            .map_err(|f| self.masked(f))
    }

    async fn call_unmasked(
        &self,
        connection: &str,
        method: &str,
        path: &str,
        query: Vec<(String, String)>,
        headers: Vec<(String, String)>,
        json: Option<J>,
    ) -> Result<J, Failure> {
        let conn = self.connection(Some(connection)).ok_or_else(|| {
            Failure::before_any_request(format!("no connection named `{connection}`"))
        })?;
        if !path.starts_with('/') {
            return Err(Failure::before_any_request(format!(
                "the path `{path}` must start with `/` (it is relative to the connection's base URL)"
            )));
        }
        // The request is the command line's, not the project's: a failure names the connection
        // it went through.
        let loc = conn.name.loc;
        let text = |s: &str| Tree::Scalar(intact_syntax::Value::String(s.into()), loc);
        let step = Step {
            kind: StepKind::Request(Request {
                method: Some((method.to_string(), loc)),
                path: None,
                connection: Some(Ident {
                    name: connection.to_string(),
                    loc,
                }),
                operation: None,
                bodies: Vec::new(),
                // Any status is an answer here: the caller sees it.
                expect: (100..600).map(|s| (s, loc)).collect(),
            }),
            name: Some(Ident {
                name: "call".into(),
                loc,
            }),
            loc,
            keyword: loc,
            templates: Vec::new(),
            body: Vec::new(),
            exec: Exec {
                args: vec![text(method), text(path)],
                query: query.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
                headers: headers.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
                body: json.map(|j| (intact_model::BodyKind::Json, json_tree(&j, loc))),
                ..Exec::default()
            },
        };
        self.variables_given(&[], Some(conn))?;
        let frame = self.connection_frame(conn)?;
        let result = self.request(&step, &frame).await?;
        Ok(self.masker.mask_json(&result))
    }
}
