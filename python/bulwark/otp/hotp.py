"""``pyotp.hotp``: counter-based codes."""

from . import HOTP

__all__ = ["HOTP"]
