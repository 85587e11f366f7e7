"""``jwt.types``: the typed dicts of PyJWT's options, for annotations."""

from __future__ import annotations

from typing import Any, Callable, TypedDict

__all__ = ["FullOptions", "HashlibHash", "JWKDict", "Options", "SigOptions"]

#: A JSON Web Key as a dict.
JWKDict = dict[str, Any]
#: A hashlib constructor such as ``hashlib.sha256``.
HashlibHash = Callable[..., Any]


class SigOptions(TypedDict, total=False):
    """What ``PyJWS`` reads from ``options``."""

    verify_signature: bool
    enforce_minimum_key_length: bool


class Options(TypedDict, total=False):
    """What ``jwt.decode`` reads from ``options`` (every key optional)."""

    verify_signature: bool
    require: list[str]
    strict_aud: bool
    verify_aud: bool
    verify_exp: bool
    verify_iat: bool
    verify_iss: bool
    verify_jti: bool
    verify_nbf: bool
    verify_sub: bool
    enforce_minimum_key_length: bool


class FullOptions(TypedDict):
    """``Options`` with every key present (what a ``PyJWT`` holds after merging defaults)."""

    verify_signature: bool
    require: list[str]
    strict_aud: bool
    verify_aud: bool
    verify_exp: bool
    verify_iat: bool
    verify_iss: bool
    verify_jti: bool
    verify_nbf: bool
    verify_sub: bool
    enforce_minimum_key_length: bool
