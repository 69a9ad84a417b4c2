"""An answerer for long-running fronts (Slack, the REPL) that follows the corpus and the index.

``open_fresh`` makes a one-shot ``ask`` safe; a process that runs for days also needs to notice an
article edited, added or removed after it started, or a ``citebot reindex`` run from a shell. At most
every ``interval`` seconds, before answering, :class:`FollowingAnswerer` checks whether the index is stale
or another version became current, and if so rebuilds (when needed) and reloads, then swaps the answerer
it delegates to. Questions already being answered finish on the answerer they started with.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from . import logs, store
from .answer import Answerer
from .errors import CitebotError
from .indexer import open_fresh, stale_reason
from .tokenize import Tokenizer

log = logs.get(__name__)


class FollowingAnswerer:
    def __init__(self, corpus_dir: Path, index_dir: Path, *, interval: float = 10.0,
                 answerer: Answerer | None = None):
        self.corpus_dir, self.index_dir = Path(corpus_dir), Path(index_dir)
        self.interval = interval
        self._lock = threading.Lock()
        self._tokenizer = Tokenizer()
        self._answerer = answerer or self._load()
        self._checked = time.monotonic()

    def _load(self) -> Answerer:
        from . import progress

        loaded, warning = open_fresh(self.corpus_dir, self.index_dir, tokenizer=self._tokenizer,
                                     notify=progress.notice, progress=progress.Bar())
        if warning:
            log.warning("%s", warning)
        return Answerer(loaded, tokenizer=self._tokenizer, warning=warning)

    @property
    def answerer(self) -> Answerer:
        self.refresh()
        return self._answerer

    def refresh(self, *, force: bool = False) -> bool:
        """Reload when the index no longer serves the corpus; True when it did. Cheap when called often."""
        if not force and time.monotonic() - self._checked < self.interval:
            return False
        with self._lock:
            if not force and time.monotonic() - self._checked < self.interval:
                return False
            self._checked = time.monotonic()
            current = self._answerer
            try:
                reason = stale_reason(self.corpus_dir, self.index_dir, self._tokenizer)
                moved = reason is None and store.resolve(self.index_dir) != current.index.folder
            except CitebotError as e:
                reason, moved = str(e), False
            if reason is None and not moved:
                return False
            log.info("reloading the index: %s", reason or "a new version is current")
            try:
                self._answerer = self._load()
            except CitebotError as e:  # keep answering from what we have
                log.warning("could not reload the index (%s); still answering from the one loaded", e)
                return False
            except BaseException:  # Ctrl-C in the middle of a rebuild: the next question tries again
                self._checked = float("-inf")
                raise
            return True

    def ask(self, *args, **kwargs):
        return self.answerer.ask(*args, **kwargs)

    def __getattr__(self, name):  # index, references, expand, …: whatever the current answerer has
        return getattr(self.answerer, name)
