"""The storage base classes of ``limits.storage.base``: subclass ``Storage`` (and
``MovingWindowSupport`` / ``SlidingWindowCounterSupport`` for those strategies) with
``STORAGE_SCHEME = ["myscheme"]`` and ``storage_from_string("myscheme://...")`` builds it. The
strategies make their decisions in Bulwark's core and call the storage's methods for the counts.
"""

from __future__ import annotations

import functools
from abc import ABC, ABCMeta, abstractmethod
from typing import Any, Callable, ClassVar, TypeVar

from ..errors import StorageError

__all__ = [
    "SCHEMES",
    "Storage",
    "MovingWindowSupport",
    "SlidingWindowCounterSupport",
    "TimestampedSlidingWindow",
]

SCHEMES: dict[str, type[Storage]] = {}
"""Every storage class by the URI schemes it registered."""

F = TypeVar("F", bound=Callable[..., Any])


class StorageRegistry(ABCMeta):
    """Registers each storage class under its ``STORAGE_SCHEME`` names."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kw: Any) -> StorageRegistry:
        cls = super().__new__(mcs, name, bases, namespace, **kw)
        for scheme in namespace.get("STORAGE_SCHEME") or []:
            SCHEMES[scheme] = cls  # type: ignore[assignment]
        return cls


def _wrap_errors(fn: F) -> F:
    """The storage's own errors become ``StorageError`` when it was made with
    ``wrap_exceptions=True``."""
    if getattr(fn, "_bulwark_wrapped", False):
        return fn

    @functools.wraps(fn)
    def inner(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except self.base_exceptions as exc:
            if getattr(self, "wrap_exceptions", False):
                raise StorageError(exc) from exc
            raise

    inner._bulwark_wrapped = True  # type: ignore[attr-defined]
    return inner  # type: ignore[return-value]


def _wrap(cls: type, names: tuple[str, ...]) -> None:
    for name in names:
        fn = getattr(cls, name, None)
        if fn is not None and not getattr(fn, "__isabstractmethod__", False):
            setattr(cls, name, _wrap_errors(fn))


class Storage(metaclass=StorageRegistry):
    """A rate-limit storage (``limits.storage.Storage``)."""

    STORAGE_SCHEME: ClassVar[list[str] | None] = None
    """The URI schemes this class is built for."""

    wrap_exceptions: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        _wrap(cls, ("incr", "get", "get_expiry", "check", "reset", "clear"))
        super().__init_subclass__(**kwargs)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        self.wrap_exceptions = wrap_exceptions

    @property
    @abstractmethod
    def base_exceptions(self) -> type[BaseException] | tuple[type[BaseException], ...]:
        """The exceptions the storage's backend raises (wrapped when ``wrap_exceptions``)."""
        raise NotImplementedError

    @abstractmethod
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Adds ``amount`` to the counter ``key`` (created to expire in ``expiry`` seconds)."""
        raise NotImplementedError

    @abstractmethod
    def get(self, key: str) -> int:
        """The counter ``key``."""
        raise NotImplementedError

    @abstractmethod
    def get_expiry(self, key: str) -> float:
        """When ``key`` expires, Unix seconds."""
        raise NotImplementedError

    @abstractmethod
    def check(self) -> bool:
        """Whether the storage is healthy."""
        raise NotImplementedError

    @abstractmethod
    def reset(self) -> int | None:
        """Forgets every limit."""
        raise NotImplementedError

    @abstractmethod
    def clear(self, key: str) -> None:
        """Forgets ``key``."""
        raise NotImplementedError


class MovingWindowSupport(ABC):
    """A storage that keeps moving-window logs."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        _wrap(cls, ("acquire_entry", "get_moving_window"))
        super().__init_subclass__(**kwargs)

    @abstractmethod
    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Takes ``amount`` entries if they fit under ``limit`` in the last ``expiry`` seconds."""
        raise NotImplementedError

    @abstractmethod
    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """``(start of the window, entries in it)``."""
        raise NotImplementedError


class SlidingWindowCounterSupport(ABC):
    """A storage that keeps sliding-window counters."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        _wrap(cls, ("acquire_sliding_window_entry", "get_sliding_window", "clear_sliding_window"))
        super().__init_subclass__(**kwargs)

    @abstractmethod
    def acquire_sliding_window_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Counts ``amount`` if the weighted count of both windows allows it."""
        raise NotImplementedError

    @abstractmethod
    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        """``(previous count, previous TTL, current count, current TTL)``."""
        raise NotImplementedError

    @abstractmethod
    def clear_sliding_window(self, key: str, expiry: int) -> None:
        """Forgets both windows of ``key``."""
        raise NotImplementedError


class TimestampedSlidingWindow:
    """Marks storages whose sliding windows are aligned to the Unix epoch (``now // expiry``),
    as Bulwark's memory and Redis storages both are."""

    @classmethod
    def sliding_window_keys(cls, key: str, expiry: int, at: float) -> tuple[str, str]:
        """The previous and current window names of ``key`` at ``at``."""
        return f"{key}/{int((at - expiry) / expiry)}", f"{key}/{int(at / expiry)}"
