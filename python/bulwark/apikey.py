"""API keys: ``<prefix>_<40 base62>_<6-character checksum>`` with a public key id, a keyed hash
to store (never the key), and constant-time verification.

>>> from bulwark import apikey
>>> issued = apikey.generate("bw_live")                 # hand issued.key to the client once
>>> hasher = apikey.KeyHasher(b"pepper from your secret store, 32+ bytes")
>>> stored = hasher.hash(issued.key)                    # store this and issued.key_id
>>> hasher.verify(issued.key, stored)
True
"""

from typing import NamedTuple

from bulwark import _native
from bulwark._native import KeyHasher

__all__ = ["ApiKey", "KeyHasher", "ParsedKey", "generate", "is_well_formed", "parse"]


class ApiKey(NamedTuple):
    """A generated key: the secret ``key`` and its public ``key_id`` (safe to log)."""

    key: str
    key_id: str

    def __repr__(self) -> str:
        return f"ApiKey(key='<hidden>', key_id={self.key_id!r})"


class ParsedKey(NamedTuple):
    """The public parts of a well-formed key."""

    prefix: str
    key_id: str
    checksum: str


def generate(prefix: str = "bw_live") -> ApiKey:
    """A new key under ``prefix`` (lower-case letters/digits in ``_``-separated words)."""
    return ApiKey(*_native.apikey_generate(prefix))


def parse(key: str) -> ParsedKey:
    """Split and check a presented key; raises ``InvalidInputError`` (a ValueError) if malformed."""
    return ParsedKey(*_native.apikey_parse(key))


def is_well_formed(key: str) -> bool:
    """True if ``key`` has the right format and checksum (for scanners; no lookup needed)."""
    try:
        _native.apikey_parse(key)
    except ValueError:
        return False
    return True
