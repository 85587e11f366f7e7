"""``jwt.utils``: the encoding helpers of PyJWT (base64url, big-endian integers as JWK members)
and its key-format tests, the latter by core's rule (the one that keeps a PEM or SSH key from
ever being read as an HMAC secret)."""

from __future__ import annotations

import base64
import binascii
from typing import Union

from .. import _native

__all__ = [
    "base64url_decode",
    "base64url_encode",
    "bytes_from_int",
    "force_bytes",
    "from_base64url_uint",
    "is_pem_format",
    "is_ssh_key",
    "number_to_bytes",
    "bytes_to_number",
    "to_base64url_uint",
]


def force_bytes(value: Union[bytes, str]) -> bytes:
    """``value`` as bytes: str is encoded as UTF-8; anything else is a ``TypeError``."""
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes):
        return value
    raise TypeError("Expected a string value")


def base64url_decode(input: Union[bytes, str]) -> bytes:
    """Decodes base64url with or without its padding."""
    data = force_bytes(input)
    try:
        return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))
    except binascii.Error as e:
        raise binascii.Error(f"invalid base64url: {e}") from None


def base64url_encode(input: bytes) -> bytes:
    """Encodes as base64url without padding."""
    return base64.urlsafe_b64encode(input).rstrip(b"=")


def bytes_from_int(val: int, *, bit_length: Union[int, None] = None) -> bytes:
    """``val`` as big-endian bytes: the fewest that hold it, or ``bit_length`` rounded up to bytes."""
    if val < 0:
        raise ValueError("Must be a positive integer")
    size = (bit_length if bit_length is not None else max(val.bit_length(), 1)) + 7
    return val.to_bytes(size // 8, "big")


def to_base64url_uint(val: int, *, bit_length: Union[int, None] = None) -> bytes:
    """A non-negative integer as a JWK member: big-endian bytes in base64url."""
    return base64url_encode(bytes_from_int(val, bit_length=bit_length))


def from_base64url_uint(val: Union[bytes, str]) -> int:
    """The integer of a JWK member (base64url of big-endian bytes)."""
    return int.from_bytes(base64url_decode(val), "big")


def number_to_bytes(num: int, num_bytes: int) -> bytes:
    """``num`` as exactly ``num_bytes`` big-endian bytes."""
    return num.to_bytes(num_bytes, "big")


def bytes_to_number(string: bytes) -> int:
    """The integer of big-endian bytes."""
    return int.from_bytes(string, "big")


def is_pem_format(key: bytes) -> bool:
    """Whether ``key`` holds PEM (core's rule)."""
    return _native.jwt_key_text_format(force_bytes(key)) == "pem"


def is_ssh_key(key: bytes) -> bool:
    """Whether ``key`` is an OpenSSH public key (core's rule)."""
    return _native.jwt_key_text_format(force_bytes(key)) == "ssh"
