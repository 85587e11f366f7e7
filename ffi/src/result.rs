//! `bw_result`: the one result type of the C ABI, and the thread-local detail message.
//!
//! Codes come in numbered blocks and are never renumbered; a retired code stays as a comment.
//! - 0: success
//! - 1xx: arguments (NULL, invalid, buffer too small, invalid UTF-8)
//! - 2xx: passwords
//! - 3xx: encryption and verification (AEAD, Fernet, MACs)
//! - 4xx: tokens (JWT) and validity periods
//! - 5xx: one-time passwords
//! - 6xx: rate limiting
//! - 7xx: OAuth 2.0 (the authorization server's own errors)
//! - 9xx: failures not caused by the input (backend, internal, caught panic)

use std::cell::RefCell;
use std::ffi::c_char;

/// Result code returned by every `bw_` function; `BW_OK` (0) means success.
///
/// Treat unknown values as errors: later versions add codes, and `bw_result_str` names any value.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum bw_result {
    /// Success.
    BW_OK = 0,
    /// A required pointer argument was NULL (a NULL pointer with length 0 is an empty input).
    BW_ERR_NULL_PARAMETER = 100,
    /// An argument is malformed or out of range; `bw_last_error_message` says which and why.
    BW_ERR_INVALID_INPUT = 101,
    /// The output buffer is too small; `*out_len` holds the size needed.
    BW_ERR_BUFFER_TOO_SMALL = 102,
    /// A text argument is not valid UTF-8.
    BW_ERR_INVALID_UTF8 = 103,
    /// A MAC, tag, signature or token did not verify (no detail is given, on purpose).
    BW_ERR_VERIFICATION_FAILED = 300,
    /// A token or code has expired.
    BW_ERR_EXPIRED = 400,
    /// A token or code is not valid yet (JWT `nbf` ahead).
    BW_ERR_NOT_YET_VALID = 401,
    /// A token is malformed: segments, base64url, JSON, size/nesting limits, unknown `crit`.
    BW_ERR_MALFORMED = 402,
    /// A JWT's `iat` lies in the future beyond the leeway.
    BW_ERR_ISSUED_IN_FUTURE = 403,
    /// A JWT's `aud` does not match the accepted audiences.
    BW_ERR_INVALID_AUDIENCE = 404,
    /// A JWT's `iss` does not match the accepted issuers.
    BW_ERR_INVALID_ISSUER = 405,
    /// A JWT's `sub` does not match, or is not a string.
    BW_ERR_INVALID_SUBJECT = 406,
    /// A required JWT claim is missing (the message names it).
    BW_ERR_MISSING_CLAIM = 407,
    /// A registered JWT claim has the wrong type (the message names it).
    BW_ERR_INVALID_CLAIM = 408,
    /// The token's algorithm is `none`, unknown, or not in the allow-list.
    BW_ERR_ALGORITHM_NOT_ALLOWED = 409,
    /// A key is unusable: wrong format, wrong type for the algorithm, too short, or not found.
    BW_ERR_INVALID_KEY = 410,
    /// A valid access token lacks a scope the resource needs (answer 403 insufficient_scope).
    BW_ERR_INSUFFICIENT_SCOPE = 411,
    /// A one-time code is valid but was already used (or is older than the last one used).
    BW_ERR_OTP_REPLAYED = 500,
    /// A rate limit denied the request.
    BW_ERR_RATE_LIMITED = 600,
    /// An OAuth 2.0 authorization server answered with an error; the message starts with its
    /// error code (`invalid_grant`, `access_denied`, …).
    BW_ERR_OAUTH = 700,
    /// A bug inside the library: an invariant did not hold.
    BW_ERR_INTERNAL = 900,
    /// A panic inside the library was caught at the boundary (a bug; please report it).
    BW_ERR_PANIC = 901,
    /// An external backend failed (the OS random source, Redis, …).
    BW_ERR_BACKEND = 902,
}

impl bw_result {
    /// Every code, for tests and for `bw_result_str`.
    pub(crate) const ALL: [bw_result; 24] = [
        Self::BW_OK,
        Self::BW_ERR_NULL_PARAMETER,
        Self::BW_ERR_INVALID_INPUT,
        Self::BW_ERR_BUFFER_TOO_SMALL,
        Self::BW_ERR_INVALID_UTF8,
        Self::BW_ERR_VERIFICATION_FAILED,
        Self::BW_ERR_EXPIRED,
        Self::BW_ERR_NOT_YET_VALID,
        Self::BW_ERR_MALFORMED,
        Self::BW_ERR_ISSUED_IN_FUTURE,
        Self::BW_ERR_INVALID_AUDIENCE,
        Self::BW_ERR_INVALID_ISSUER,
        Self::BW_ERR_INVALID_SUBJECT,
        Self::BW_ERR_MISSING_CLAIM,
        Self::BW_ERR_INVALID_CLAIM,
        Self::BW_ERR_ALGORITHM_NOT_ALLOWED,
        Self::BW_ERR_INVALID_KEY,
        Self::BW_ERR_INSUFFICIENT_SCOPE,
        Self::BW_ERR_OTP_REPLAYED,
        Self::BW_ERR_RATE_LIMITED,
        Self::BW_ERR_OAUTH,
        Self::BW_ERR_INTERNAL,
        Self::BW_ERR_PANIC,
        Self::BW_ERR_BACKEND,
    ];

    /// A static, NUL-terminated description of the code.
    pub(crate) const fn description(self) -> &'static str {
        match self {
            Self::BW_OK => "success\0",
            Self::BW_ERR_NULL_PARAMETER => "a required pointer argument was NULL\0",
            Self::BW_ERR_INVALID_INPUT => "invalid input\0",
            Self::BW_ERR_BUFFER_TOO_SMALL => "output buffer too small\0",
            Self::BW_ERR_INVALID_UTF8 => "text argument is not valid UTF-8\0",
            Self::BW_ERR_VERIFICATION_FAILED => "verification failed\0",
            Self::BW_ERR_EXPIRED => "expired\0",
            Self::BW_ERR_NOT_YET_VALID => "not yet valid\0",
            Self::BW_ERR_MALFORMED => "malformed token\0",
            Self::BW_ERR_ISSUED_IN_FUTURE => "token issued in the future (iat)\0",
            Self::BW_ERR_INVALID_AUDIENCE => "invalid audience\0",
            Self::BW_ERR_INVALID_ISSUER => "invalid issuer\0",
            Self::BW_ERR_INVALID_SUBJECT => "invalid subject\0",
            Self::BW_ERR_MISSING_CLAIM => "missing required claim\0",
            Self::BW_ERR_INVALID_CLAIM => "invalid claim\0",
            Self::BW_ERR_ALGORITHM_NOT_ALLOWED => "algorithm not allowed\0",
            Self::BW_ERR_INVALID_KEY => "invalid key\0",
            Self::BW_ERR_INSUFFICIENT_SCOPE => "insufficient scope\0",
            Self::BW_ERR_OTP_REPLAYED => "one-time code already used\0",
            Self::BW_ERR_RATE_LIMITED => "rate limited\0",
            Self::BW_ERR_OAUTH => "authorization server error\0",
            Self::BW_ERR_INTERNAL => "internal error\0",
            Self::BW_ERR_PANIC => "internal error: panic caught at the C boundary\0",
            Self::BW_ERR_BACKEND => "backend error\0",
        }
    }

    /// The code for a core error kind (the README's error table).
    pub(crate) fn from_kind(kind: bulwark::ErrorKind) -> Self {
        // Core numbers every kind; the code of a kind is its bw_result. A kind without a
        // code here is a bug the test `every_error_kind_has_its_own_code` catches.
        Self::ALL
            .iter()
            .copied()
            .find(|r| *r as u32 == kind.code())
            .unwrap_or(Self::BW_ERR_INTERNAL)
    }
}

/// Description for an integer that may not be a known code.
pub(crate) fn describe(code: u32) -> *const c_char {
    bw_result::ALL
        .iter()
        .find(|r| **r as u32 == code)
        .map_or("unknown bw_result code\0", |r| r.description())
        .as_ptr()
        .cast()
}

/// A failed call: the code to return and the detail message to keep for the thread.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: bw_result,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(code: bw_result, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn null(name: &str) -> Self {
        Self::new(bw_result::BW_ERR_NULL_PARAMETER, format!("{name} is NULL"))
    }
}

impl From<bulwark::Error> for Failure {
    fn from(e: bulwark::Error) -> Self {
        Self::new(bw_result::from_kind(e.kind()), e.message())
    }
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records the detail message of the latest failure on this thread.
pub(crate) fn set_last_error(message: &str) {
    // A NUL inside would cut the C string short; no message of ours has one, but be safe.
    let clean = message.replace('\0', "?");
    LAST_ERROR.with(|m| *m.borrow_mut() = clean);
}

/// The detail message of the latest failure on this thread ("" when none).
pub(crate) fn last_error() -> String {
    LAST_ERROR.with(|m| m.borrow().clone())
}
