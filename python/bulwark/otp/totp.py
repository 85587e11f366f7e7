"""``pyotp.totp``: time-based codes."""

from . import TOTP

__all__ = ["TOTP"]
