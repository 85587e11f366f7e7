"""Steam Guard codes (``pyotp.contrib.Steam``): five characters of Steam's alphabet every 30
seconds, computed and compared by core like every other code."""

from __future__ import annotations

from typing import Any

from ... import _native
from .. import TOTP

__all__ = ["Steam"]


class Steam(TOTP):
    """Steam Guard's TOTP: SHA-1, 30-second steps, five characters from
    ``23456789BCDFGHJKMNPQRTVWXY`` (``digits`` and ``interval`` are accepted as pyotp accepts them,
    and do not apply)."""

    def __new__(cls, s: str, name: str | None = None, issuer: str | None = None, interval: int = 30,
                digits: int = 5, *, allow_short_secret: bool = False) -> Steam:
        return _native.NativeOtp.__new__(cls, s, 6, "SHA1", 30, 0, allow_short_secret, "steam")

    def __init__(self, s: str, name: str | None = None, issuer: str | None = None, interval: int = 30,
                 digits: int = 5, *, allow_short_secret: bool = False) -> None:
        super().__init__(s, 6, None, name, issuer, 30, allow_short_secret=allow_short_secret)
        self.digits = 5

    def provisioning_uri(self, name: str | None = None, issuer_name: str | None = None,
                         image: str | None = None, **kwargs: Any) -> str:
        """The ``otpauth://totp/`` URI with ``encoder=steam``."""
        if kwargs:
            raise TypeError(f"unsupported URI parameters: {sorted(kwargs)}")
        return _native.otp_build_uri("totp", self.secret, name if name else self.name,
                                     issuer_name if issuer_name else self.issuer, "SHA1", 6, 30, 0, image, "steam")
