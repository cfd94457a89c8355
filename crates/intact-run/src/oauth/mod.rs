//! OAuth 2.0 tokens for `auth "oauth2"` connections: access tokens by client credentials or by a
//! refresh token (`tokens`: the token source the runtime is given) and the token store in the
//! user's cache folder (`store`). Neither knows the runtime; `intact auth login` (authorization
//! code with PKCE) is `crate::login`, built on the runtime.
//!
//! Every token and secret met here is registered with the masker before anything that could print
//! it runs; the store is the only place tokens are written.

mod store;
mod tokens;

pub(crate) use store::unix_now;
pub use store::{StoredTokens, TokenStore};
pub(crate) use tokens::{Endpoint, OAuthClient, TokenAnswer, TokenSource};
