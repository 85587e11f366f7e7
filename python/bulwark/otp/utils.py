"""``pyotp.utils``: URI building and string comparison, on Bulwark's core."""

from __future__ import annotations

import unicodedata
from typing import Any

from .. import _native
from .._native import compare_digest

__all__ = ["build_uri", "compare_digest", "strings_equal"]


def strings_equal(s1: str, s2: str) -> bool:
    """Whether two codes are equal, compared in constant time after NFKC normalisation (so a
    code typed with full-width digits still matches), as pyotp."""
    a = unicodedata.normalize("NFKC", s1).encode("utf-8")
    b = unicodedata.normalize("NFKC", s2).encode("utf-8")
    return compare_digest(a, b)


def build_uri(secret: str, name: str, initial_count: int | None = None, issuer: str | None = None,
              algorithm: str | None = None, digits: int | None = None, period: int | None = None,
              **kwargs: Any) -> str:
    """The ``otpauth://`` URI (``hotp`` when ``initial_count`` is given, else ``totp``), written
    byte for byte as pyotp writes it by core's builder. ``image`` (an https URL) and ``encoder``
    (``"steam"``) are the extra parameters it takes."""
    image = kwargs.pop("image", None)
    encoder = kwargs.pop("encoder", None)
    if kwargs:
        raise TypeError(f"unsupported URI parameters: {sorted(kwargs)}")
    for value in (image, encoder):
        if value is not None and not isinstance(value, str):
            raise ValueError("All otpauth uri parameters must be strings")
    kind = "totp" if initial_count is None else "hotp"
    return _native.otp_build_uri(kind, secret, name, issuer, (algorithm or "sha1").upper(), digits or 6,
                                 period or 30, initial_count or 0, image, encoder)
