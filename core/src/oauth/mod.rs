//! OAuth 2.0 for API services, both sides.
//!
//! - **Client** ([`Client`]): the authorization-code flow with PKCE (RFC 7636), `state` and
//!   `nonce` kept single-use and bound to a session in an [`AuthorizationStore`] (memory or
//!   Redis), the callback's checks (error responses, RFC 9207 `iss`), token requests and
//!   responses, and client credentials through a caching [`TokenSource`]. The HTTP is the
//!   caller's ([`Transport`]); what to send and what to accept is decided here.
//! - **Resource server**: JWT access tokens per RFC 9068 ([`AccessTokenVerifier`]), opaque
//!   tokens by RFC 7662 introspection with a bounded cache ([`Introspector`]), and the scope
//!   check ([`AccessToken::require_scopes`], `InsufficientScope` → HTTP 403).
//!
//! Errors: the server's own refusals are [`crate::ErrorKind::OAuth`] (the message starts with its
//! code), a replayed callback [`crate::ErrorKind::Replayed`], a missing scope
//! [`crate::ErrorKind::InsufficientScope`].

mod client;
pub mod form;
pub mod pkce;
mod resource;
mod store;

pub use client::{
    check_id_token, check_id_token_with, check_redirect_uri, check_scope_token, is_jwk_set,
    parse_scope, parse_token_response, Callback, Client, ClientConfig, HttpRequest, HttpResponse,
    TokenResponse, TokenSource, TokenSourceOptions, Transport, MAX_RESPONSE_LEN,
};
pub use resource::{
    parse_introspection, AccessToken, AccessTokenVerifier, Introspector, IntrospectorOptions,
};
pub use store::{AuthorizationStore, PendingAuthorization, StoreOptions, MAX_BINDING_LEN, MAX_TTL};
