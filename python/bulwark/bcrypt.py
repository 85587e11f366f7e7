"""bcrypt with pyca/bcrypt's names: ``from bulwark import bcrypt`` and existing code runs.

``gensalt(rounds=12, prefix=b"2b")``, ``hashpw(password, salt)`` and ``checkpw(password,
hashed_password)`` behave as pyca/bcrypt's, and hashes interoperate both ways, with two
deliberate differences that only ever turn a silent surprise into an error:

- ``hashpw`` raises ``ValueError`` for a password containing a NUL byte (C implementations stop
  at the first NUL, so such hashes do not mean the same thing everywhere); ``checkpw`` returns
  ``False`` for one (no such hash exists), so a login handler never turns it into a 500;
- ``checkpw`` refuses (``ValueError``) a hash whose cost is above ``max_cost`` (keyword, default
  14: 4x the default cost 12) before doing any work, so a stored hash cannot ask for hours of
  CPU per login; pass a higher ``max_cost`` for genuine costlier hashes.
- the ``$2x$`` prefix (the buggy 2011 variant) raises ``ValueError``.

``kdf(password, salt, desired_key_bytes, rounds, ignore_few_rounds=False)`` is bcrypt_pbkdf, as
OpenSSH key files and paramiko use it (any password bytes, NUL included: it is hashed with SHA-512
first). Passwords over 72 bytes raise ``ValueError`` in ``hashpw``, as in pyca/bcrypt 5. The GIL is released while
hashing. For new systems prefer :mod:`bulwark.argon2` or :mod:`bulwark.password`.
"""

from bulwark._native import __version__
from bulwark._native import bcrypt_checkpw as checkpw
from bulwark._native import bcrypt_gensalt as gensalt
from bulwark._native import bcrypt_hashpw as hashpw
from bulwark._native import bcrypt_kdf as kdf

__all__ = ["__version__", "checkpw", "gensalt", "hashpw", "kdf"]
