//! One error type for the whole SDK.
//!
//! Every fallible function returns [`Result<T>`]. An [`Error`] carries an [`ErrorKind`], which the
//! C door maps to a `bw_result` code and the Python door to an exception class, and a message that
//! says what exactly was wrong. Messages never contain secrets (keys, passwords, tokens).
//!
//! ```
//! use bulwark::{ErrorKind, jwt};
//! let err = "none".parse::<jwt::Algorithm>().unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::AlgorithmNotAllowed);
//! // Match on the kind, never on the message; every kind has a stable numeric code.
//! assert!(ErrorKind::ALL.iter().any(|k| k.code() == err.kind().code()));
//! ```

use std::fmt;

/// What went wrong, independent of the message. Each kind maps 1:1 to a C result code and a
/// Python exception (see the error table in docs/c-abi.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An argument is malformed, out of range or otherwise unusable (bad length, bad encoding,
    /// unknown algorithm, parameters out of bounds).
    InvalidInput,
    /// A MAC, tag or signature did not verify. Carries no detail about which check failed.
    VerificationFailed,
    /// A token or code is past its validity period.
    Expired,
    /// A token or code is not valid yet.
    NotYetValid,
    /// A rate limit denied the request.
    RateLimited,
    /// An external backend (Redis, the OS random source, …) failed or was unreachable.
    Backend,
    /// A bug: an invariant the library relies on did not hold (also used for caught panics).
    Internal,
    /// A token is structurally broken: segments, base64url, JSON, size or nesting limits.
    Malformed,
    /// A token's `iat` (issued at) lies in the future beyond the leeway.
    IssuedInFuture,
    /// A token's audience (`aud`) does not match what the caller accepts.
    InvalidAudience,
    /// A token's issuer (`iss`) does not match what the caller accepts.
    InvalidIssuer,
    /// A token's subject (`sub`) does not match, or is not a string.
    InvalidSubject,
    /// A claim the caller requires is absent ([`Error::claim`] names it).
    MissingClaim,
    /// A registered claim has the wrong type, e.g. a non-numeric `iat` ([`Error::claim`] names it).
    InvalidClaim,
    /// The token's algorithm is `none`, unknown, or not in the caller's allow-list.
    AlgorithmNotAllowed,
    /// A key is unusable: wrong format, wrong type for the algorithm, too short, or not found.
    InvalidKey,
    /// A one-time code that is valid but was already used (or is older than the last one used);
    /// also an OAuth `state` that is unknown, used or expired (a replayed callback).
    Replayed,
    /// A valid access token without a scope the resource needs (HTTP 403, RFC 6750
    /// `insufficient_scope`); the message names the missing scopes.
    InsufficientScope,
    /// An OAuth 2.0 authorization server answered with an error (`invalid_grant`,
    /// `access_denied`, …); the message starts with its error code.
    OAuth,
}

impl ErrorKind {
    /// Every kind, in code order: what a door walks to prove it maps each one (its tests fail
    /// when a kind is added here and not there).
    pub const ALL: [Self; 19] = [
        Self::InvalidInput,
        Self::VerificationFailed,
        Self::Expired,
        Self::NotYetValid,
        Self::Malformed,
        Self::IssuedInFuture,
        Self::InvalidAudience,
        Self::InvalidIssuer,
        Self::InvalidSubject,
        Self::MissingClaim,
        Self::InvalidClaim,
        Self::AlgorithmNotAllowed,
        Self::InvalidKey,
        Self::InsufficientScope,
        Self::Replayed,
        Self::RateLimited,
        Self::OAuth,
        Self::Internal,
        Self::Backend,
    ];

    /// The kind's stable number, never reused: the C door's `bw_result` code for it (0 is
    /// success and never a kind). Doors look kinds up by this instead of matching with a
    /// wildcard, so a new kind cannot silently become "internal".
    ///
    /// ```
    /// use bulwark::ErrorKind;
    /// assert_eq!(ErrorKind::InvalidInput.code(), 101);
    /// assert!(ErrorKind::ALL.windows(2).all(|w| w[0].code() < w[1].code()));
    /// ```
    #[must_use]
    pub const fn code(self) -> u32 {
        match self {
            Self::InvalidInput => 101,
            Self::VerificationFailed => 300,
            Self::Expired => 400,
            Self::NotYetValid => 401,
            Self::Malformed => 402,
            Self::IssuedInFuture => 403,
            Self::InvalidAudience => 404,
            Self::InvalidIssuer => 405,
            Self::InvalidSubject => 406,
            Self::MissingClaim => 407,
            Self::InvalidClaim => 408,
            Self::AlgorithmNotAllowed => 409,
            Self::InvalidKey => 410,
            Self::InsufficientScope => 411,
            Self::Replayed => 500,
            Self::RateLimited => 600,
            Self::OAuth => 700,
            Self::Internal => 900,
            Self::Backend => 902,
        }
    }

    /// A stable, lower-case name for the kind, used in messages and logs.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidInput => "invalid input",
            Self::VerificationFailed => "verification failed",
            Self::Expired => "expired",
            Self::NotYetValid => "not yet valid",
            Self::RateLimited => "rate limited",
            Self::Backend => "backend error",
            Self::Internal => "internal error",
            Self::Malformed => "malformed token",
            Self::IssuedInFuture => "issued in the future",
            Self::InvalidAudience => "invalid audience",
            Self::InvalidIssuer => "invalid issuer",
            Self::InvalidSubject => "invalid subject",
            Self::MissingClaim => "missing required claim",
            Self::InvalidClaim => "invalid claim",
            Self::AlgorithmNotAllowed => "algorithm not allowed",
            Self::InvalidKey => "invalid key",
            Self::Replayed => "code already used",
            Self::InsufficientScope => "insufficient scope",
            Self::OAuth => "authorization server error",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The SDK's error: a kind plus a human-readable message that names the offending input.
/// One pointer wide, so a `Result` costs its `Ok` value's size and no more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    message: String,
    claim: Option<String>,
}

/// Shorthand for `std::result::Result<T, bulwark::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Makes an error of `kind` with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self(Box::new(Inner {
            kind,
            message: message.into(),
            claim: None,
        }))
    }

    /// The same error, naming the token claim it is about (for [`ErrorKind::MissingClaim`] and
    /// [`ErrorKind::InvalidClaim`]).
    #[must_use]
    pub fn with_claim(mut self, claim: impl Into<String>) -> Self {
        self.0.claim = Some(claim.into());
        self
    }

    /// The token claim this error is about, if any (`"exp"`, `"aud"`, a required claim's name).
    #[must_use]
    pub fn claim(&self) -> Option<&str> {
        self.0.claim.as_deref()
    }

    /// An [`ErrorKind::InvalidInput`] error.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// An [`ErrorKind::VerificationFailed`] error.
    pub fn verification_failed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::VerificationFailed, message)
    }

    /// An [`ErrorKind::Backend`] error.
    pub fn backend(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Backend, message)
    }

    /// An [`ErrorKind::Internal`] error.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// What went wrong, for matching.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The detail message (never contains secret material).
    #[must_use]
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.kind, self.0.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_kind_and_message() {
        let e = Error::invalid_input("nbytes is too large");
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(e.message(), "nbytes is too large");
        assert_eq!(e.to_string(), "invalid input: nbytes is too large");
    }

    #[test]
    fn every_kind_has_a_distinct_name() {
        let kinds = [
            ErrorKind::InvalidInput,
            ErrorKind::VerificationFailed,
            ErrorKind::Expired,
            ErrorKind::NotYetValid,
            ErrorKind::RateLimited,
            ErrorKind::Backend,
            ErrorKind::Internal,
            ErrorKind::Malformed,
            ErrorKind::IssuedInFuture,
            ErrorKind::InvalidAudience,
            ErrorKind::InvalidIssuer,
            ErrorKind::InvalidSubject,
            ErrorKind::MissingClaim,
            ErrorKind::InvalidClaim,
            ErrorKind::AlgorithmNotAllowed,
            ErrorKind::InvalidKey,
            ErrorKind::Replayed,
            ErrorKind::InsufficientScope,
            ErrorKind::OAuth,
        ];
        let names: std::collections::HashSet<_> = kinds.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), kinds.len());
    }
}
