//! `intact call`: the custom API action, one authenticated request through a connection. The
//! request is the command line's, not the project's, so it is described as a step of its own
//! whose places are the connection's name: a failure names the connection it went through.

use intact_model::{Exec, HeaderParam, QueryParam, Request, StepKind};
use serde_json::Value as J;

use super::*;

/// One request of `intact call`: through which connection, what to send.
#[derive(Debug)]
pub struct CustomCall<'a> {
    pub connection: &'a str,
    pub method: &'a str,
    /// Relative to the connection's base URL, starting with `/`.
    pub path: &'a str,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub json: Option<J>,
}

impl Runtime {
    /// The custom API action: one authenticated request through a connection; the response as
    /// `{status, headers, body}`, masked.
    pub async fn call(&self, request: CustomCall<'_>) -> Result<J, Failure> {
        self.call_unmasked(request)
            .await
            .map_err(|f| self.masked(f))
    }

    async fn call_unmasked(&self, request: CustomCall<'_>) -> Result<J, Failure> {
        let CustomCall {
            connection,
            method,
            path,
            query,
            headers,
            json,
        } = request;
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
                query: query
                    .iter()
                    .map(|(k, v)| QueryParam::new(k, text(v)))
                    .collect(),
                headers: headers
                    .iter()
                    .map(|(k, v)| HeaderParam {
                        name: k.clone(),
                        value: text(v),
                        explode: false,
                    })
                    .collect(),
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
