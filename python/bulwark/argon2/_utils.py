"""``argon2._utils``: argon2-cffi's helper names (type checks, base64 lengths) and
``Parameters`` / ``extract_parameters``, for code that imports them from here."""

from __future__ import annotations

from . import Parameters, _check_types, extract_parameters

__all__ = ["NoneType", "Parameters", "_check_types", "_decoded_str_len", "extract_parameters"]

NoneType = type(None)


def _decoded_str_len(length: int) -> int:
    """How many bytes unpadded base64 text of ``length`` characters decodes to."""
    whole, rest = divmod(length, 4)
    return whole * 3 + {0: 0, 2: 1, 3: 2}.get(rest, 0)
