"""``jwt.api_jws``: PyJWT's ``PyJWS``, signing and verifying any bytes (not only JSON claims)
as a compact JWS. Bulwark's algorithms sign and verify in core (the allow-list, ``none``, ``crit``
and key typing decided there, as for ``jwt.decode``); an algorithm object you register on a
``PyJWS`` signs and verifies with its own ``sign`` / ``verify``.

Deliberately not offered: detached payloads (RFC 7797, ``b64: false``) and, as everywhere in
Bulwark, unsigned tokens (``alg: none``)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from typing import Any

from .. import _native
from .algorithms import Algorithm, get_default_algorithms
from .api_jwk import PyJWK
from .exceptions import DecodeError, InvalidAlgorithmError, InvalidSignatureError, InvalidTokenError
from .utils import base64url_encode
from .warnings import RemovedInPyjwt3Warning

__all__ = [
    "PyJWS",
    "decode",
    "decode_complete",
    "encode",
    "get_algorithm_by_name",
    "get_unverified_header",
    "register_algorithm",
    "unregister_algorithm",
]

_UNSET: Any = object()
_DETACHED = "detached payloads (RFC 7797, b64=false) are not supported"


def _warn_ignored(method: str, kwargs: dict[str, Any]) -> None:
    """PyJWT's deprecation warning for keywords a decode call does not know (they are ignored)."""
    if kwargs:
        warnings.warn(
            f"passing additional kwargs to {method}() is deprecated: {tuple(kwargs)} are ignored",
            RemovedInPyjwt3Warning,
            stacklevel=3,
        )


def _bulwark_algorithms() -> dict[str, type[Algorithm]]:
    return {name: type(alg) for name, alg in get_default_algorithms().items()}


_BUILTIN = _bulwark_algorithms()


class PyJWS:
    """PyJWT's ``PyJWS``: ``encode(payload_bytes, key, algorithm)``, ``decode``,
    ``decode_complete``, ``get_unverified_header`` and a per-instance algorithm registry."""

    header_typ = "JWT"

    def __init__(self, algorithms: Sequence[str] | None = None, options: dict[str, Any] | None = None) -> None:
        self._algorithms = get_default_algorithms()
        self._valid_algs = set(algorithms) if algorithms is not None else set(self._algorithms)
        for name in list(self._algorithms):
            if name not in self._valid_algs:
                del self._algorithms[name]
        if options is not None and not isinstance(options, dict):
            raise TypeError("options must be a dict")
        self.options: dict[str, Any] = {**self._get_default_options(), **(options or {})}
        #: Algorithms a caller registered (verified by their own objects), kept as registered.
        self._custom: dict[str, Algorithm] = {}

    @staticmethod
    def _get_default_options() -> dict[str, Any]:
        # Short HMAC secrets are refused unless this is set to False (PyJWT only warns).
        return {"verify_signature": True, "enforce_minimum_key_length": True}

    def register_algorithm(self, alg_id: str, alg_obj: Algorithm) -> None:
        """Adds an algorithm object (a ``jwt.algorithms.Algorithm``) under ``alg_id``."""
        if alg_id in self._algorithms:
            raise ValueError("Algorithm already has a handler.")
        if not isinstance(alg_obj, Algorithm):
            raise TypeError("Object is not of type `Algorithm`")
        self._algorithms[alg_id] = alg_obj
        self._valid_algs.add(alg_id)
        if not self._is_core(alg_id, alg_obj):
            self._custom[alg_id] = alg_obj

    def unregister_algorithm(self, alg_id: str) -> None:
        """Removes ``alg_id``; KeyError when it is not registered."""
        if alg_id not in self._algorithms:
            raise KeyError("The specified algorithm could not be removed because it is not registered.")
        del self._algorithms[alg_id]
        self._valid_algs.remove(alg_id)
        self._custom.pop(alg_id, None)

    def get_algorithms(self) -> list[str]:
        """The names this instance signs and verifies with."""
        return list(self._valid_algs)

    def get_algorithm_by_name(self, alg_name: str) -> Algorithm:
        """The algorithm object for ``alg_name``; NotImplementedError when there is none."""
        try:
            return self._algorithms[alg_name]
        except KeyError:
            raise NotImplementedError("Algorithm not supported") from None

    def _is_core(self, name: str, alg_obj: Algorithm) -> bool:
        """Whether ``name`` is one of Bulwark's own algorithms here (core signs and verifies)."""
        return _BUILTIN.get(name) is type(alg_obj)

    def encode(
        self,
        payload: bytes,
        key: Any,
        algorithm: Any = _UNSET,
        headers: dict[str, Any] | None = None,
        json_encoder: type[json.JSONEncoder] | None = None,
        is_payload_detached: bool = False,
        sort_headers: bool = True,
    ) -> str:
        """Signs ``payload`` (bytes) into a compact JWS."""
        jwk_alg = str(key.algorithm_name) if isinstance(key, PyJWK) else None
        if algorithm is _UNSET:
            name = jwk_alg or "HS256"
        elif algorithm is None:
            name = jwk_alg or "none"
        else:
            name = str(algorithm)
        headers = dict(headers) if headers else {}
        if headers.get("alg"):
            name = headers["alg"]
        if is_payload_detached or headers.get("b64") is False:
            raise InvalidTokenError(_DETACHED)
        if "kid" in headers and not isinstance(headers["kid"], str):
            raise InvalidTokenError("Key ID header parameter must be a string")
        alg_obj = self.get_algorithm_by_name(name)
        if self.header_typ != "JWT":
            headers.setdefault("typ", self.header_typ)
        if self._is_core(name, alg_obj):
            return _native.jws_encode(
                payload, key, name, headers or None, json_encoder,
                bool(self.options.get("enforce_minimum_key_length", True)),
            )
        # An algorithm registered on this instance: its own sign().
        header: dict[str, Any] = {"typ": self.header_typ, "alg": name, **headers}
        if not header["typ"]:
            del header["typ"]
        header_json = json.dumps(header, separators=(",", ":"), cls=json_encoder, sort_keys=sort_headers).encode()
        signing_input = base64url_encode(header_json) + b"." + base64url_encode(payload)
        signature = alg_obj.sign(signing_input, alg_obj.prepare_key(key.key if isinstance(key, PyJWK) else key))
        return (signing_input + b"." + base64url_encode(signature)).decode("ascii")

    def decode_complete(
        self,
        jwt: str | bytes,
        key: Any = "",
        algorithms: Sequence[str] | None = None,
        options: dict[str, Any] | None = None,
        detached_payload: bytes | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """``{"payload": bytes, "header": dict, "signature": bytes}`` of a JWS whose signature
        checks out with ``key`` and an algorithm in ``algorithms``."""
        _warn_ignored("decode_complete", kwargs)
        if options is not None and not isinstance(options, dict):
            raise TypeError("options must be a dict")
        merged = {**self.options, **(options or {})}
        if detached_payload is not None:
            raise DecodeError(_DETACHED)
        if algorithms is None and isinstance(key, PyJWK):
            algorithms = [str(key.algorithm_name)]
        if not merged["verify_signature"]:
            return _native.jws_decode_complete(jwt, key, [], False)
        if not algorithms:
            raise DecodeError(
                'It is required that you pass in a value for the "algorithms" argument when calling decode().'
            )
        # An algorithm the caller registered on this instance verifies with its own object (the
        # caller's choice); everything else is core's: allow-list, none, crit, key, signature.
        custom = self._custom
        if custom:
            parts = _native.jws_parts_unverified(jwt)
            name = parts["header"].get("alg")
            if isinstance(name, str) and name in custom:
                if name not in algorithms:
                    raise InvalidAlgorithmError("The specified alg value is not allowed")
                alg_obj = custom[name]
                token = jwt.encode() if isinstance(jwt, str) else jwt
                prepared = alg_obj.prepare_key(key.key if isinstance(key, PyJWK) else key)
                if not alg_obj.verify(token.rsplit(b".", 1)[0], prepared, parts["signature"]):
                    raise InvalidSignatureError("Signature verification failed")
                parts_out: dict[str, Any] = parts
                return parts_out
        # Only the names this instance still has (unregister_algorithm takes one away).
        allowed = [a for a in algorithms if a in self._algorithms and a not in custom]
        enforce = bool(merged.get("enforce_minimum_key_length", True))
        return _native.jws_decode_complete(jwt, key, allowed, True, enforce)

    def decode(
        self,
        jwt: str | bytes,
        key: Any = "",
        algorithms: Sequence[str] | None = None,
        options: dict[str, Any] | None = None,
        detached_payload: bytes | None = None,
        **kwargs: Any,
    ) -> Any:
        """The verified payload bytes (see ``decode_complete``)."""
        _warn_ignored("decode", kwargs)
        return self.decode_complete(jwt, key, algorithms, options, detached_payload)["payload"]

    def get_unverified_header(self, jwt: str | bytes) -> dict[str, Any]:
        """The header, NOT verified (core still refuses malformed tokens, ``crit`` and a
        non-string ``kid``)."""
        header: dict[str, Any] = _native.jwt_get_unverified_header(jwt)
        return header


_jws_global_obj = PyJWS()
encode = _jws_global_obj.encode
decode_complete = _jws_global_obj.decode_complete
decode = _jws_global_obj.decode
register_algorithm = _jws_global_obj.register_algorithm
unregister_algorithm = _jws_global_obj.unregister_algorithm
get_algorithm_by_name = _jws_global_obj.get_algorithm_by_name
get_unverified_header = _jws_global_obj.get_unverified_header
