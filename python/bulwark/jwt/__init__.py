"""JSON Web Tokens with PyJWT's API: ``from bulwark import jwt`` and PyJWT code runs unchanged.

Signing and verification run natively (AWS-LC through the ``jsonwebtoken`` crate). Stricter than
PyJWT, on purpose (README, "JWT"): ``none`` in any spelling is refused even from the allow-list,
HMAC secrets shorter than the hash output raise ``InvalidKeyError`` unless
``enforce_minimum_key_length`` is turned off, a PEM or SSH public key is never used as an HMAC
secret, tokens over 8 KiB, nested deeper than 32 levels, with duplicate JSON members or an
unknown ``crit`` header are ``DecodeError``, time claims must be numbers, and a ``subject`` that
is asked for must be present.
"""

from __future__ import annotations

import importlib
from collections.abc import Container, Iterable, Sequence
from datetime import timedelta
from typing import Any

from .. import _native
from . import exceptions
from .api_jwk import PyJWK, PyJWKSet
from .exceptions import (
    DecodeError,
    ExpiredSignatureError,
    ImmatureIssuedAtError,
    ImmatureSignatureError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidIssuedAtError,
    InvalidIssuerError,
    InvalidJTIError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidSubjectError,
    InvalidTokenError,
    MissingRequiredClaimError,
    PyJWKClientConnectionError,
    PyJWKClientError,
    PyJWKError,
    PyJWKSetError,
    PyJWTError,
)
from .jwks_client import PyJWKClient

__all__ = [
    "PyJWT",
    "PyJWS",
    "register_algorithm",
    "unregister_algorithm",
    "get_algorithm_by_name",
    "PyJWKClient",
    "PyJWK",
    "PyJWKSet",
    "encode",
    "decode",
    "decode_complete",
    "get_unverified_header",
    "generate_key_pair",
    "InsecureKeyLengthWarning",
    "exceptions",
    "DecodeError",
    "ExpiredSignatureError",
    "ImmatureSignatureError",
    "ImmatureIssuedAtError",
    "InvalidAlgorithmError",
    "InvalidAudienceError",
    "InvalidIssuedAtError",
    "InvalidIssuerError",
    "InvalidJTIError",
    "InvalidKeyError",
    "InvalidSignatureError",
    "InvalidSubjectError",
    "InvalidTokenError",
    "MissingRequiredClaimError",
    "PyJWKClientConnectionError",
    "PyJWKClientError",
    "PyJWKError",
    "PyJWKSetError",
    "PyJWTError",
]


class InsecureKeyLengthWarning(UserWarning):
    """Kept for PyJWT compatibility: Bulwark raises ``InvalidKeyError`` instead of warning."""


encode = _native.jwt_encode
decode = _native.jwt_decode
decode_complete = _native.jwt_decode_complete
get_unverified_header = _native.jwt_get_unverified_header


def generate_key_pair(algorithm: str) -> tuple[str, str]:
    """A new ``(private_pem, public_pem)`` for ``algorithm`` (RSA 2048 for RS*/PS*, P-256 for
    ES256, P-384 for ES384, P-521 for ES512, secp256k1 for ES256K, Ed25519 for EdDSA). Not in
    PyJWT: it saves a trip to ``openssl``."""
    return _native.jwt_generate_key_pair(algorithm)


_UNSET: Any = object()  # "no algorithm argument", which PyJWT tells apart from None


class PyJWT:
    """PyJWT's class form: options given once apply to every ``encode`` / ``decode``."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        # Every option present, with core's defaults for what is not given (as PyJWT merges).
        self.options: dict[str, Any] = _native.jwt_options(options)

    def _merge(self, options: dict[str, Any] | None) -> dict[str, Any]:
        given = dict(options or {})
        if given.get("verify_signature") is False:
            # As PyJWT: a call that skips the signature skips the claim checks it does not name.
            for name, value in _native.jwt_options({"verify_signature": False}).items():
                given.setdefault(name, value)
        return {**self.options, **given}

    def _validate_iss(self, payload: dict[str, Any], issuer: Any) -> None:
        """PyJWT's issuer check of a decoded payload, by core's rule (``InvalidIssuerError``)."""
        if issuer is not None and not isinstance(issuer, str) and not (
            isinstance(issuer, (list, tuple, set, frozenset)) and all(isinstance(i, str) for i in issuer)
        ):
            raise InvalidIssuerError("Invalid issuer")
        only_iss = {name: False for name in self.options if name.startswith("verify_")}
        _native.jwt_validate_claims(payload, {**only_iss, "verify_iss": True, "require": []}, issuer=issuer)

    def encode(
        self,
        payload: dict[str, Any],
        key: Any,
        algorithm: Any = _UNSET,
        headers: dict[str, Any] | None = None,
        json_encoder: Any = None,
        sort_headers: bool = True,
    ) -> str:
        """As ``jwt.encode`` (no ``algorithm``: a PyJWK's own, else HS256);
        ``enforce_minimum_key_length`` comes from the instance options."""
        given = {} if algorithm is _UNSET else {"algorithm": algorithm}
        return _native.jwt_encode(
            payload,
            key,
            headers=headers,
            json_encoder=json_encoder,
            sort_headers=sort_headers,
            enforce_minimum_key_length=bool(self.options.get("enforce_minimum_key_length", True)),
            **given,
        )

    def decode(
        self,
        jwt: str | bytes,
        key: Any = "",
        algorithms: Sequence[str] | None = None,
        options: dict[str, Any] | None = None,
        verify: bool | None = None,
        detached_payload: bytes | None = None,
        audience: str | Iterable[str] | None = None,
        issuer: str | Container[str] | None = None,
        subject: str | None = None,
        leeway: float | timedelta = 0,
    ) -> dict[str, Any]:
        """As ``jwt.decode``, with the instance options under ``options``."""
        return _native.jwt_decode(
            jwt, key, algorithms, self._merge(options), verify, detached_payload,
            audience, issuer, subject, leeway,
        )

    def decode_complete(
        self,
        jwt: str | bytes,
        key: Any = "",
        algorithms: Sequence[str] | None = None,
        options: dict[str, Any] | None = None,
        verify: bool | None = None,
        detached_payload: bytes | None = None,
        audience: str | Iterable[str] | None = None,
        issuer: str | Container[str] | None = None,
        subject: str | None = None,
        leeway: float | timedelta = 0,
    ) -> dict[str, Any]:
        """As ``jwt.decode_complete``, with the instance options under ``options``."""
        return _native.jwt_decode_complete(
            jwt, key, algorithms, self._merge(options), verify, detached_payload,
            audience, issuer, subject, leeway,
        )


# PyJWT's submodules (jwt.algorithms, jwt.utils, ...), imported once the names they re-export
# exist; importing a submodule makes it an attribute of this package.
for _submodule in ("algorithms", "api_jwt", "api_jws", "jwk_set_cache", "types", "utils", "warnings"):
    importlib.import_module(f"{__name__}.{_submodule}")

from .api_jws import (  # noqa: E402  (needs the submodules above)
    PyJWS,
    get_algorithm_by_name,
    register_algorithm,
    unregister_algorithm,
)
