"""``jwt.api_jwt``: PyJWT's ``PyJWT`` class and module functions, here as in ``jwt``."""

from . import PyJWT, decode, decode_complete, encode

__all__ = ["PyJWT", "decode", "decode_complete", "encode"]
