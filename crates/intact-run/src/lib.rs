//! intact's executor: runs actions and flows against real APIs.
//!
//! - [`env`]: environments (`env/NAME.toml`) with secret references;
//! - [`mask`]: secrets masked in everything printed;
//! - [`Runtime`]: steps in order with the CEL evaluator, requests through connections with their
//!   authentication, retries, timeouts; inputs and outputs validated against the contract;
//!   `executionStatus` filled in.
//!
//! - [`Conformance`]: what a request with `operation=` sends checked against the OpenAPI
//!   operation it names ([`Descriptions`]), and in `intact test` the mocks' answers too;
//! - [`oauth`]: OAuth 2.0 tokens (client credentials, refresh tokens) and the owner-only token
//!   store; [`login`]: `intact auth login` (authorization code with PKCE);
//! - [`testing`]: `intact test`, with mocks served by a real HTTP server on 127.0.0.1, or
//!   `--live` against an environment.

mod described;
pub mod env;
pub mod exchange;
mod failure;
pub mod login;
pub mod mask;
pub mod oauth;
pub mod recording;
mod runtime;
pub mod testing;

pub use described::{Conformance, Descriptions};
pub use exchange::{Exchange, Recorder, Replay};
pub use failure::{ErrorType, Failure, FailureKind};
pub use runtime::{CustomCall, Outcome, Runtime, Shared};

/// Receives trace lines, already masked.
pub type Trace = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

/// Installs the TLS crypto provider (ring) once per process; reqwest needs one with
/// `rustls-no-provider`.
pub fn init_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
