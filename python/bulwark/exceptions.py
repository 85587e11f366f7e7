"""The exception hierarchy of Bulwark. Every exception it raises derives from BulwarkError.

Core error kinds map one-to-one onto these classes (docs/c-abi.md has the table); the submodules add
the names users know from the libraries they stand in for (PyJWT, cryptography, argon2-cffi, ...)
as subclasses of these.
"""

__all__ = [
    "BulwarkError",
    "InvalidInputError",
    "VerificationError",
    "ExpiredError",
    "NotYetValidError",
    "ReplayedCodeError",
    "InsufficientScopeError",
    "OAuthError",
    "RateLimitExceeded",
    "BackendError",
    "InvalidTag",
    "InvalidToken",
]


class BulwarkError(Exception):
    """Base class of every exception Bulwark raises (also used for internal errors)."""


class InvalidInputError(BulwarkError, ValueError):
    """An argument is malformed or out of range; the message says which and why."""


class VerificationError(BulwarkError):
    """A MAC, tag, signature or token did not verify. Carries no detail on purpose."""


class ExpiredError(VerificationError):
    """A token or code is past its validity period."""


class NotYetValidError(VerificationError):
    """A token or code is not valid yet."""


class ReplayedCodeError(VerificationError):
    """A one-time code is valid but was already used (or is older than the last one used)."""


class InsufficientScopeError(BulwarkError):
    """A valid access token lacks a scope the resource needs (answer 403 ``insufficient_scope``)."""


class OAuthError(BulwarkError):
    """An OAuth 2.0 authorization server answered with an error. ``error`` is its code
    (``invalid_grant``, ``access_denied``, ...) and ``description`` its explanation, if any."""

    def __init__(self, message: str = "", *args: object) -> None:
        super().__init__(message, *args)
        code, _, rest = message.partition(": ")
        self.error = code if code and " " not in code else "server_error"
        self.description = rest if code and " " not in code else message


class RateLimitExceeded(BulwarkError):
    """A rate limit denied the request."""


class BackendError(BulwarkError):
    """An external backend (Redis, the OS random source, ...) failed or was unreachable."""


class InvalidTag(VerificationError):
    """An AEAD ciphertext did not authenticate (as cryptography.exceptions.InvalidTag)."""


class InvalidToken(VerificationError):
    """A Fernet token is invalid, tampered or expired (as cryptography.fernet.InvalidToken)."""
