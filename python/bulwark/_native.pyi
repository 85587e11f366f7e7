"""Type stubs for the native half of the bulwark package (checked by mypy.stubtest)."""

from typing import Optional, Union

_Digest = Union[str, bytes, bytearray, memoryview]

__all__ = [
    "__version__",
    "compare_digest",
    "random_base32",
    "token_bytes",
    "token_hex",
    "token_urlsafe",
]

__version__: str

def token_bytes(nbytes: Optional[int] = None) -> bytes:
    """Random bytes from the OS CSPRNG (as secrets.token_bytes); 32 when nbytes is None."""

def token_urlsafe(nbytes: Optional[int] = None) -> str:
    """URL-safe text token of nbytes random bytes, base64url without padding."""

def token_hex(nbytes: Optional[int] = None) -> str:
    """Text token of nbytes random bytes as lower-case hex."""

def random_base32(length: int = 32) -> str:
    """Random base32 secret of length characters (at least 32) for TOTP/HOTP."""

def compare_digest(a: _Digest, b: _Digest) -> bool:
    """Constant-time equality of two ASCII str or two bytes-like objects."""
