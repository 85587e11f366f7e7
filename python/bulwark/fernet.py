"""Fernet tokens with cryptography's names: ``from bulwark.fernet import Fernet`` in place of
``from cryptography.fernet import Fernet``; tokens interoperate both ways.

``Fernet(key)``, ``Fernet.generate_key()``, ``encrypt``, ``decrypt(token, ttl=None)``,
``encrypt_at_time``, ``decrypt_at_time``, ``extract_timestamp`` and ``MultiFernet`` (with
``rotate``) behave as cryptography's. Every bad token raises :class:`InvalidToken`, whatever
was wrong with it.
"""

from bulwark._native import Fernet, MultiFernet
from bulwark.exceptions import InvalidToken

__all__ = ["Fernet", "InvalidToken", "MultiFernet"]
