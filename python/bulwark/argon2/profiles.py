"""``argon2.profiles``: named parameter sets for ``PasswordHasher.from_parameters``. The two
RFC 9106 profiles (section 4), argon2-cffi's defaults before 21.2, and the cheapest parameters the
variant allows (for tests only)."""

from __future__ import annotations

from . import Parameters, Type

__all__ = ["CHEAPEST", "PRE_21_2", "RFC_9106_HIGH_MEMORY", "RFC_9106_LOW_MEMORY", "get_default_parameters"]

#: RFC 9106's first recommendation: 1 pass over 2 GiB, 4 lanes.
RFC_9106_HIGH_MEMORY = Parameters(Type.ID, 19, salt_len=16, hash_len=32, time_cost=1, memory_cost=2 * 1024 * 1024,
                                  parallelism=4)
#: RFC 9106's second recommendation, for memory-constrained hosts: 3 passes over 64 MiB, 4 lanes
#: (Bulwark's and argon2-cffi's default).
RFC_9106_LOW_MEMORY = Parameters(Type.ID, 19, salt_len=16, hash_len=32, time_cost=3, memory_cost=64 * 1024,
                                 parallelism=4)
#: argon2-cffi's defaults before 21.2.
PRE_21_2 = Parameters(Type.ID, 19, salt_len=16, hash_len=16, time_cost=2, memory_cost=100 * 1024, parallelism=8)
#: The least work Argon2 accepts: for tests only, never for passwords.
CHEAPEST = Parameters(Type.ID, 19, salt_len=8, hash_len=4, time_cost=1, memory_cost=8, parallelism=1)


def get_default_parameters() -> Parameters:
    """The parameters ``PasswordHasher()`` uses: RFC 9106's low-memory profile."""
    return RFC_9106_LOW_MEMORY
