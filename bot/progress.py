"""Signs of life on a terminal while the index is built: a one-line reason, then a live count (tqdm).

Everything goes to standard error, and only when it is a terminal, so ``--json`` output and pipes stay
clean. The count is of passages read (and files, in the description), so one large JSONL file moves the
bar as its documents are read instead of jumping from nothing to done.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Tick:
    """How far a build is: files finished of ``files_total``, passages read so far."""

    files_done: int
    files_total: int
    passages: int


class Bar:
    """A tqdm bar of passages on stderr, described by the files done; a no-op when stderr is not a terminal."""

    def __init__(self, label: str = "reading articles", stream=None, *, force: bool = False):
        self.stream = stream or sys.stderr
        self.label = label
        self.enabled = force or _is_tty(self.stream)
        self._bar = None

    def __call__(self, tick: Tick) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=None, unit=" passages", file=self.stream, leave=True, dynamic_ncols=True,
                             mininterval=0.2)
        self._bar.set_description(f"{self.label} ({tick.files_done:,}/{tick.files_total:,} files)", refresh=False)
        self._bar.update(tick.passages - self._bar.n)
        if tick.files_done >= tick.files_total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def notice(message: str, stream=None) -> None:
    """One line on a terminal's stderr ("citebot: rebuilding the index: the corpus changed (…)…")."""
    stream = stream or sys.stderr
    if _is_tty(stream):
        print(f"citebot: {message}", file=stream, flush=True)


def _is_tty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
