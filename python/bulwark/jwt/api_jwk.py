"""``PyJWK`` and ``PyJWKSet``: JSON Web Keys as PyJWT presents them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .. import _native
from .._native import JwtKey
from ..exceptions import BulwarkError
from .algorithms import get_default_algorithms
from .exceptions import InvalidKeyError, PyJWKError, PyJWKSetError

__all__ = ["PyJWK", "PyJWKSet"]

_KTY_NAMES = {
    "HMAC": "oct", "RSA": "RSA", "EC-P256": "EC", "EC-P384": "EC", "EC-P521": "EC", "EC-secp256k1": "EC",
    "Ed25519": "OKP",
}


class PyJWK:
    """One JSON Web Key. ``.key`` is what ``jwt.decode`` (and, for private keys, ``encode``)
    accepts; the PyJWK itself is accepted too."""

    def __init__(self, jwk_data: dict[str, Any], algorithm: str | None = None) -> None:
        if not isinstance(jwk_data, dict):
            raise PyJWKError("a JWK must be a dict")
        try:
            self.key = JwtKey.from_jwk(jwk_data)
        except BulwarkError as e:
            # A key that cannot be read is InvalidKeyError, as in PyJWT (PyJWKError is for a key
            # no algorithm fits).
            raise InvalidKeyError(str(e)) from e
        self._jwk_data = jwk_data
        self.key_type: str = jwk_data.get("kty", _KTY_NAMES[self.key.key_type])
        self.key_id: str | None = jwk_data.get("kid")
        self.public_key_use: str | None = jwk_data.get("use")
        self.algorithm_name: str | None = (
            algorithm or self.key.algorithm or jwk_data.get("alg") or self.key.default_algorithm
        )
        found = get_default_algorithms().get(self.algorithm_name or "")
        if found is None:
            raise PyJWKError(f"Unable to find an algorithm for key: {self.algorithm_name}")
        #: The algorithm object for this key's ``alg`` (PyJWT's attribute name).
        self.Algorithm = found

    @staticmethod
    def from_dict(obj: dict[str, Any], algorithm: str | None = None) -> PyJWK:
        """A key from a JWK dict."""
        return PyJWK(obj, algorithm)

    @staticmethod
    def from_json(data: str, algorithm: str | None = None) -> PyJWK:
        """A key from JWK JSON text."""
        return PyJWK(json.loads(data), algorithm)

    def __repr__(self) -> str:
        return f"PyJWK(key_type={self.key_type!r}, key_id={self.key_id!r})"


class PyJWKSet:
    """A JWK set. Unusable entries (``use: enc``, unsupported types) are skipped, as PyJWT does;
    a set with no usable key at all raises ``PyJWKSetError``."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        if not isinstance(keys, list):
            raise PyJWKSetError("Invalid JWK Set value")
        if not keys:
            raise PyJWKSetError("The JWK Set did not contain any keys")
        self.keys: list[PyJWK] = []
        for k in keys:
            if not isinstance(k, dict) or not _native.jwk_is_signature_key(k):  # core's rule
                continue
            try:
                self.keys.append(PyJWK(k))
            except (PyJWKError, InvalidKeyError):
                continue
        if not self.keys:
            raise PyJWKSetError("The JWK Set did not contain any usable keys.")

    @staticmethod
    def from_dict(obj: dict[str, Any]) -> PyJWKSet:
        """A set from ``{"keys": [...]}``."""
        if not isinstance(obj, dict) or "keys" not in obj:
            raise PyJWKSetError("The JWK Set did not contain any keys")
        return PyJWKSet(obj["keys"])

    @staticmethod
    def from_json(data: str) -> PyJWKSet:
        """A set from JWKS JSON text."""
        return PyJWKSet.from_dict(json.loads(data))

    def __getitem__(self, kid: str) -> PyJWK:
        index = _native.jwk_select([k.key_id for k in self.keys], kid)  # core's selection rule
        if index is None:
            raise KeyError(f"keyset has no key for kid: {kid}")
        return self.keys[index]

    def __len__(self) -> int:
        return len(self.keys)

    def __iter__(self) -> Iterator[PyJWK]:
        return iter(self.keys)
