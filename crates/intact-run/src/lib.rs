//! intact's executor: runs actions and flows against real APIs.
//!
//! - [`env`]: environments (`env/NAME.toml`) with secret references;
//! - [`mask`]: secrets masked in everything printed;
//! - [`Runtime`]: steps in order with the CEL evaluator, requests through connections with their
//!   authentication, retries, timeouts; inputs and outputs validated against the contract;
//!   `executionStatus` filled in.
//!
//! Not yet: OAuth 2.0 authorization code login, test mocks (`intact test`), `intact ping`/`call`.

pub mod env;
pub mod mask;
mod runtime;

pub use runtime::{ErrorType, Failure, Outcome, Runtime, Trace};

/// Installs the TLS crypto provider (ring) once per process; reqwest needs one with
/// `rustls-no-provider`.
pub fn init_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
