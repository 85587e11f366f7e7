"""Authenticated encryption with cryptography's names: ``AESGCM`` and ``ChaCha20Poly1305``
(``from bulwark.aead import AESGCM`` in place of
``from cryptography.hazmat.primitives.ciphers.aead import AESGCM``), plus :class:`Keyring`.

Differences from cryptography, each an error rather than a surprise: AES keys must be 256 bits
and nonces 12 bytes. ``decrypt`` raises :class:`InvalidTag` (a ``bulwark.VerificationError``).
Inputs of 64 KiB or more are processed with the GIL released.

``Keyring`` encrypts with a random nonce per message into a versioned format that names its key
(``0x01 || key id (u32 BE) || nonce || ciphertext || tag``), so ciphertexts survive rotation:

>>> ring = Keyring.generate()
>>> blob = ring.encrypt(b"secret", aad=b"user:42")
>>> ring.rotate()
2
>>> ring.decrypt(blob, aad=b"user:42")
b'secret'
"""

from bulwark._native import AESGCM, ChaCha20Poly1305, Keyring
from bulwark.exceptions import InvalidTag

__all__ = ["AESGCM", "ChaCha20Poly1305", "InvalidTag", "Keyring"]
