"""``pyotp.otp``: the base class of TOTP and HOTP."""

from . import OTP

__all__ = ["OTP"]
