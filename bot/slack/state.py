"""What one Slack process remembers between events: the events it has claimed (bounded, in memory).

A thread's conversation is not kept here: it is read back from Slack (``app.conversation``).
"""

from __future__ import annotations

import threading
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
