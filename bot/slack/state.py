"""What the Slack app remembers between events: what it has answered, and each thread's questions.

Both are bounded (least recently used entries go first) and in memory: after a restart, a thread's
follow-ups need a fresh mention.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict


class Seen:
    """A bounded set of keys; ``claim`` is true only for the first caller with a given key."""

    def __init__(self, size: int = 10_000):
        self.size = size
        self._keys: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, *keys) -> bool:
        """True if none of ``keys`` was claimed before; all of them are claimed now either way."""
        with self._lock:
            fresh = not any(k in self._keys for k in keys if k is not None)
            for k in keys:
                if k is None:
                    continue
                self._keys[k] = True
                self._keys.move_to_end(k)
            while len(self._keys) > self.size:
                self._keys.popitem(last=False)
            return fresh


class Threads:
    """Per conversation (channel, thread): whether the bot replied there, and the questions it answered.

    Questions older than ``ttl`` seconds are forgotten, so yesterday's DM does not colour today's.
    """

    def __init__(self, size: int = 5_000, turns: int = 10, ttl: float = 3600.0, clock=time.monotonic):
        self.size, self.turns, self.ttl, self.clock = size, turns, ttl, clock
        self._threads: OrderedDict[tuple, list[tuple[float, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def known(self, key: tuple) -> bool:
        with self._lock:
            return key in self._threads

    def context(self, key: tuple) -> tuple[str, ...]:
        now = self.clock()
        with self._lock:
            turns = self._threads.get(key, [])
            return tuple(q for t, q in turns if now - t <= self.ttl)

    def joined(self, key: tuple, question: str | None = None) -> None:
        """The bot replied in ``key``; ``question`` (when answered) becomes context for what follows."""
        with self._lock:
            turns = self._threads.setdefault(key, [])
            self._threads.move_to_end(key)
            if question:
                turns.append((self.clock(), question))
                del turns[: -self.turns]
            while len(self._threads) > self.size:
                self._threads.popitem(last=False)
