"""``argon2._password_hasher``: where argon2-cffi defines ``PasswordHasher``."""

from __future__ import annotations

from . import PasswordHasher

__all__ = ["PasswordHasher", "_ensure_bytes"]


def _ensure_bytes(s: bytes | str, encoding: str) -> bytes:
    """``s`` as bytes: str is encoded with ``encoding``."""
    return s if isinstance(s, bytes) else s.encode(encoding)
