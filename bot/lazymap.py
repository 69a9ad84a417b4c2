"""A read-only mapping whose values are made from their stored form when first looked up: a one-shot ``ask``
looks up a few of a large index's entries (its articles' references)."""

from __future__ import annotations

from collections.abc import Callable, Mapping


class LazyMap(Mapping):
    def __init__(self, raw: dict, make: Callable):
        if not isinstance(raw, dict):
            raise TypeError("expected an object")
        self._raw, self._make = raw, make
        self._made: dict = {}

    def __getitem__(self, key):
        found = self._made.get(key)
        if found is None:
            found = self._made[key] = self._make(self._raw[key])
        return found

    def stored(self, key):
        """``key``'s value in its stored form (what ``make`` is given), not made."""
        return self._raw[key]

    def __contains__(self, key) -> bool:
        return key in self._raw

    def __iter__(self):
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)
