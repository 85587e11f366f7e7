"""argon2-cffi's exception names, also part of Bulwark's hierarchy (all are BulwarkError)."""

from bulwark import exceptions as _e

__all__ = [
    "Argon2Error",
    "HashingError",
    "InvalidHash",
    "InvalidHashError",
    "UnsupportedParametersError",
    "VerificationError",
    "VerifyMismatchError",
]


class Argon2Error(_e.BulwarkError):
    """Base class of the Argon2 errors that are not about a malformed hash."""


class VerificationError(Argon2Error, _e.VerificationError):
    """Verification failed."""


class VerifyMismatchError(VerificationError):
    """The password does not match the hash."""


class HashingError(Argon2Error):
    """Hashing failed."""


class InvalidHashError(_e.InvalidInputError):
    """The hash is malformed (a ValueError, as in argon2-cffi)."""


InvalidHash = InvalidHashError
"""Deprecated alias of InvalidHashError, kept because argon2-cffi keeps it."""


class UnsupportedParametersError(_e.InvalidInputError):
    """The parameters are outside what this build supports (a ValueError)."""
