"""The errors of the ``limits``-shaped rate-limiting surface (``limits.errors``)."""

from __future__ import annotations

from ..exceptions import BulwarkError, InvalidInputError

__all__ = ["ConfigurationError", "ConcurrentUpdateError", "StorageError"]


class ConfigurationError(InvalidInputError):
    """A storage URI or option Bulwark cannot use (an unknown scheme, a missing option)."""


class ConcurrentUpdateError(BulwarkError):
    """An update to a limit kept failing under concurrent updates."""

    def __init__(self, key: str, attempts: int) -> None:
        super().__init__(f"Unable to update {key} after {attempts} retries")


class StorageError(BulwarkError):
    """A storage failed; the storage's own exception is ``storage_error``. Raised instead of it
    when the storage was made with ``wrap_exceptions=True``."""

    def __init__(self, storage_error: BaseException) -> None:
        super().__init__(str(storage_error))
        self.storage_error = storage_error
