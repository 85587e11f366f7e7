"""``pyotp.contrib``: other OTP flavours."""

from .steam import Steam

__all__ = ["Steam"]
