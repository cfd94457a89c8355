//! Why a run failed: `Failure`, its executionStatus error type, and the output it leaves.

use intact_expr::eval::json_text as text_of;
use serde_json::{Map, Value as J, json};

/// The error types of executionStatus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorType {
    ResourceNotFound,
    RateLimitExceeded,
    InvalidCredentials,
    TokenExpired,
    GenericFailure,
}

impl ErrorType {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::ResourceNotFound => "RESOURCE_NOT_FOUND",
            ErrorType::RateLimitExceeded => "RATE_LIMIT_EXCEEDED",
            ErrorType::InvalidCredentials => "INVALID_CREDENTIALS",
            ErrorType::TokenExpired => "TOKEN_EXPIRED",
            ErrorType::GenericFailure => "GENERIC_FAILURE",
        }
    }

    pub(crate) fn parse(s: &str) -> ErrorType {
        match s {
            "RESOURCE_NOT_FOUND" => ErrorType::ResourceNotFound,
            "RATE_LIMIT_EXCEEDED" => ErrorType::RateLimitExceeded,
            "INVALID_CREDENTIALS" => ErrorType::InvalidCredentials,
            "TOKEN_EXPIRED" => ErrorType::TokenExpired,
            _ => ErrorType::GenericFailure,
        }
    }

    pub(crate) fn from_status(status: u16) -> ErrorType {
        match status {
            404 => ErrorType::ResourceNotFound,
            429 => ErrorType::RateLimitExceeded,
            401 => ErrorType::InvalidCredentials,
            _ => ErrorType::GenericFailure,
        }
    }
}

/// What kind of failure a run ended in: it decides exit codes (docs/cli.md), never the message
/// text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// A problem of the run itself (invalid input, an unknown action, a missing tenant variable,
    /// no token): nothing was sent for it.
    BeforeAnyRequest,
    /// A request or token request could not be sent (DNS, connect, TLS): the remote side was not
    /// reached.
    Unreachable,
    /// Anything after a request went out: an answer that fails the run, a timeout, a `fail`
    /// step, an output that does not fit the contract.
    Run,
}

/// Why a run failed. Messages are masked before they are shown.
#[derive(Clone, Debug)]
pub struct Failure {
    pub message: String,
    pub error_type: ErrorType,
    pub status: Option<u16>,
    pub step: Option<String>,
    /// The innermost step that failed, where it is written (a report marks it in its flow's
    /// graph).
    pub at: Option<intact_model::Loc>,
    /// Boxed: a failure travels in every `Result` of a run, and most have no body.
    pub body: Option<Box<J>>,
    pub request_id: Option<String>,
    pub kind: FailureKind,
}

impl Failure {
    /// A failure of the run itself, before any request ([`FailureKind::BeforeAnyRequest`]).
    pub fn before_any_request(message: impl Into<String>) -> Failure {
        Failure {
            kind: FailureKind::BeforeAnyRequest,
            ..Failure::new(message)
        }
    }

    /// A request that could not be sent ([`FailureKind::Unreachable`]).
    pub(crate) fn unreachable(message: impl Into<String>) -> Failure {
        Failure {
            kind: FailureKind::Unreachable,
            ..Failure::new(message)
        }
    }

    /// Whether nothing was sent for it: the caller reports it as a usage problem.
    pub fn is_before_any_request(&self) -> bool {
        self.kind == FailureKind::BeforeAnyRequest
    }

    pub(crate) fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            error_type: ErrorType::GenericFailure,
            status: None,
            step: None,
            at: None,
            body: None,
            request_id: None,
            kind: FailureKind::Run,
        }
    }

    pub(crate) fn as_error_value(&self) -> J {
        intact_model::run_values::error(
            &self.message,
            self.status,
            self.error_type.as_str(),
            self.step.as_deref(),
            self.body.as_deref(),
        )
    }
}

pub(crate) fn root_cause(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

pub(crate) fn with_status(mut output: J, status: &str, failure: Option<&Failure>) -> J {
    if !output.is_object() {
        output = json!({});
    }
    let has_own = output.get("executionStatus").is_some();
    if !has_own || failure.is_some() {
        let mut es = json!({"status": status});
        if let Some(f) = failure {
            let mut err = Map::new();
            err.insert("code".into(), J::String(f.error_type.as_str().into()));
            err.insert("summary".into(), J::String(f.message.clone()));
            err.insert("type".into(), J::String(f.error_type.as_str().into()));
            if let Some(s) = f.status {
                err.insert("httpStatusCode".into(), J::from(s));
            }
            if let Some(r) = &f.request_id {
                err.insert("requestId".into(), J::String(r.clone()));
            }
            if let Some(b) = &f.body {
                err.insert("details".into(), J::Array(vec![J::String(text_of(b))]));
            }
            es["errors"] = J::Array(vec![J::Object(err)]);
        }
        output["executionStatus"] = es;
    }
    output
}

/// `json omit-null=#true`: every object field whose value is null goes, at any depth (list elements
/// stay, so positions keep their meaning).
pub(crate) fn drop_null_fields(v: &mut J) {
    match v {
        J::Object(o) => {
            o.retain(|_, x| !x.is_null());
            o.values_mut().for_each(drop_null_fields);
        }
        J::Array(a) => a.iter_mut().for_each(drop_null_fields),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_types_read_back_and_come_from_statuses() {
        for t in [
            ErrorType::ResourceNotFound,
            ErrorType::RateLimitExceeded,
            ErrorType::InvalidCredentials,
            ErrorType::TokenExpired,
            ErrorType::GenericFailure,
        ] {
            assert_eq!(ErrorType::parse(t.as_str()), t);
        }
        assert_eq!(
            ErrorType::parse("SOMETHING_ELSE"),
            ErrorType::GenericFailure
        );
        assert_eq!(ErrorType::from_status(404), ErrorType::ResourceNotFound);
        assert_eq!(ErrorType::from_status(429), ErrorType::RateLimitExceeded);
        assert_eq!(ErrorType::from_status(401), ErrorType::InvalidCredentials);
        assert_eq!(ErrorType::from_status(500), ErrorType::GenericFailure);
    }

    #[test]
    fn a_failure_becomes_the_execution_status() {
        let f = Failure {
            status: Some(404),
            error_type: ErrorType::ResourceNotFound,
            request_id: Some("req-1".into()),
            body: Some(Box::new(json!({"detail": "no user"}))),
            ..Failure::new("request `get` got 404: no user")
        };
        let out = with_status(J::Null, "FAILURE", Some(&f));
        let e = &out["executionStatus"]["errors"][0];
        assert_eq!(out["executionStatus"]["status"], "FAILURE");
        assert_eq!(e["code"], "RESOURCE_NOT_FOUND");
        assert_eq!(e["httpStatusCode"], 404);
        assert_eq!(e["requestId"], "req-1");
        assert_eq!(e["details"][0], "{\"detail\":\"no user\"}");
        // An output that set its own status keeps it when nothing failed.
        let own = json!({"executionStatus": {"status": "PARTIAL"}});
        assert_eq!(with_status(own.clone(), "SUCCESS", None), own);
    }

    #[test]
    fn omit_null_drops_fields_at_any_depth_but_keeps_list_positions() {
        let mut v = json!({"a": null, "b": {"c": null, "d": 1}, "e": [null, {"f": null}]});
        drop_null_fields(&mut v);
        assert_eq!(v, json!({"b": {"d": 1}, "e": [null, {}]}));
    }
}
