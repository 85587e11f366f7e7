"""PyJWT's exception names and hierarchy, rooted in Bulwark's own exceptions.

``except jwt.InvalidTokenError`` catches every refusal of a token, as with PyJWT; the classes also
derive from ``bulwark.exceptions`` (``ExpiredSignatureError`` is an ``ExpiredError``, and so on).
"""

from ..exceptions import (
    BulwarkError,
    ExpiredError,
    InvalidInputError,
    NotYetValidError,
    VerificationError,
)

__all__ = [
    "PyJWTError",
    "InvalidTokenError",
    "DecodeError",
    "InvalidSignatureError",
    "ExpiredSignatureError",
    "InvalidAudienceError",
    "InvalidIssuerError",
    "InvalidIssuedAtError",
    "ImmatureSignatureError",
    "ImmatureIssuedAtError",
    "InvalidKeyError",
    "InvalidAlgorithmError",
    "MissingRequiredClaimError",
    "InvalidSubjectError",
    "InvalidJTIError",
    "PyJWKError",
    "MissingCryptographyError",
    "PyJWKSetError",
    "PyJWKClientError",
    "PyJWKClientConnectionError",
]


class PyJWTError(BulwarkError):
    """Base class of every JWT exception."""


class InvalidTokenError(PyJWTError, VerificationError):
    """A token was refused (base of every refusal raised by ``decode``)."""


class DecodeError(InvalidTokenError):
    """The token is malformed: segments, base64url, JSON, size or nesting limits, ``crit``."""


class InvalidSignatureError(DecodeError):
    """The signature does not verify."""


class ExpiredSignatureError(InvalidTokenError, ExpiredError):
    """The ``exp`` claim has passed."""


class InvalidAudienceError(InvalidTokenError):
    """The ``aud`` claim does not match the expected audience."""


class InvalidIssuerError(InvalidTokenError):
    """The ``iss`` claim does not match the expected issuer."""


class InvalidIssuedAtError(InvalidTokenError):
    """The ``iat`` claim is not a number (or, as ``ImmatureIssuedAtError``, lies ahead)."""


class ImmatureSignatureError(InvalidTokenError, NotYetValidError):
    """The ``nbf`` or ``iat`` claim lies in the future."""


class ImmatureIssuedAtError(ImmatureSignatureError, InvalidIssuedAtError):
    """The ``iat`` claim lies in the future: caught as either PyJWT name."""


class InvalidKeyError(PyJWTError, InvalidInputError):
    """The key is unusable for the algorithm: wrong type, too short, a PEM given as HMAC secret."""


class InvalidAlgorithmError(InvalidTokenError):
    """The algorithm is ``none``, unknown, or not in the allow-list."""


class MissingRequiredClaimError(InvalidTokenError):
    """A required claim is absent; ``.claim`` names it."""

    def __init__(self, claim: str) -> None:
        super().__init__(claim)
        self.claim = claim

    def __str__(self) -> str:
        return f'Token is missing the "{self.claim}" claim'


class InvalidSubjectError(InvalidTokenError):
    """The ``sub`` claim does not match, or is not a string."""


class InvalidJTIError(InvalidTokenError):
    """The ``jti`` claim is not a string."""


class PyJWKError(PyJWTError):
    """A JWK could not be used."""


class MissingCryptographyError(PyJWKError):
    """Kept for PyJWT compatibility; Bulwark never needs ``cryptography``."""


class PyJWKSetError(PyJWTError):
    """A JWK set could not be used."""


class PyJWKClientError(PyJWTError):
    """The JWKS client could not provide a key."""


class PyJWKClientConnectionError(PyJWKClientError):
    """The JWKS endpoint could not be reached (and no keys were cached)."""
