"""citebot's loggers, made without importing ``logging`` until one is used.

``logging`` and what it imports (traceback, string…) cost a cold ``citebot ask`` about 5 ms, and an ask that
neither rebuilds nor warns logs nothing. ``get(name)`` stands for ``logging.getLogger(name)`` and imports
``logging`` at its first call; ``configure`` is the command line's ``logging.basicConfig``, applied then (or now,
when ``logging`` is loaded already: a library such as slack_bolt imported it), and ``ready`` applies it before
citebot loads a library that logs on its own, so every record goes through it.
"""

from __future__ import annotations

import sys
import threading

_lock = threading.Lock()
_pending: dict | None = None  # basicConfig's arguments, until logging is imported
_quiet: tuple[str, ...] = ()  # loggers set to CRITICAL then


def configure(*, verbose: bool, quiet: tuple[str, ...] = (), now: bool = True) -> None:
    """Records at INFO with ``verbose``, else WARNING, to stderr; the ``quiet`` libraries' only at CRITICAL
    unless ``verbose``. Applied ``now`` (importing logging), else when a citebot logger is first used or at once
    if logging is loaded already."""
    global _pending, _quiet
    _pending = {"level": 20 if verbose else 30, "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
                "stream": sys.stderr}
    _quiet = () if verbose else quiet
    if now or "logging" in sys.modules:
        ready()


def ready() -> None:
    """Apply the set-up now: before citebot imports a library that logs on its own (the dense extra's
    sentence-transformers, numba), so its records are formatted, and quiet when it is one of the ``quiet``."""
    global _pending
    import logging

    with _lock:
        pending, _pending = _pending, None
        if pending is not None:
            logging.basicConfig(**pending)
            for name in _quiet:
                logging.getLogger(name).setLevel(logging.CRITICAL)


def shutdown() -> None:
    """``logging.shutdown()`` when logging was used."""
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()


class Logger:
    """``logging.getLogger(name)``, made at its first use."""

    __slots__ = ("name", "_logger")

    def __init__(self, name: str):
        self.name = name
        self._logger = None

    def debug(self, *args, **kwargs) -> None:
        if _would_show(10):
            kwargs.setdefault("stacklevel", 2)  # the record names the caller, not this method
            self._real().debug(*args, **kwargs)

    def info(self, *args, **kwargs) -> None:
        if _would_show(20):
            kwargs.setdefault("stacklevel", 2)
            self._real().info(*args, **kwargs)

    def _real(self):
        if self._logger is None:
            import logging

            ready()
            self._logger = logging.getLogger(self.name)
        return self._logger

    def __getattr__(self, attr: str):  # warning, error, exception, isEnabledFor, setLevel…
        return getattr(self._real(), attr)


def _would_show(level: int) -> bool:
    """Whether a record at ``level`` could reach a handler. Not while logging is not loaded and the level is below
    the one ``configure`` set (WARNING when it was not called: no handler but logging's last resort, which shows
    WARNING and above): then no handler can exist yet, and a declined ``ask``'s debug line costs no import."""
    if "logging" in sys.modules:
        return True
    return level >= (_pending["level"] if _pending is not None else 30)


def get(name: str) -> Logger:
    return Logger(name)
