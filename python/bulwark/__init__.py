"""Bulwark: security primitives for API services, on a Rust core.

Top level: secure random tokens and constant-time comparison, named as in Python's ``secrets``
and ``hmac`` modules, plus the exception hierarchy rooted at :class:`BulwarkError`.
"""

from bulwark._native import (
    __version__,
    compare_digest,
    random_base32,
    token_bytes,
    token_hex,
    token_urlsafe,
)
from bulwark.exceptions import (
    BackendError,
    BulwarkError,
    ExpiredError,
    InsufficientScopeError,
    InvalidInputError,
    InvalidTag,
    InvalidToken,
    NotYetValidError,
    OAuthError,
    RateLimitExceeded,
    ReplayedCodeError,
    VerificationError,
)

__all__ = [
    "__version__",
    "BackendError",
    "BulwarkError",
    "ExpiredError",
    "InsufficientScopeError",
    "InvalidInputError",
    "InvalidTag",
    "InvalidToken",
    "NotYetValidError",
    "OAuthError",
    "RateLimitExceeded",
    "ReplayedCodeError",
    "VerificationError",
    "compare_digest",
    "random_base32",
    "token_bytes",
    "token_hex",
    "token_urlsafe",
]
