"""A shipped TSV file sorted by its first column, searched in place: a lookup is a binary search over line
offsets, so nothing is parsed at start-up (a one-shot ``citebot ask`` reads only the lines it needs)."""

from __future__ import annotations

import numpy as np


_UNSEEN = object()


class SortedTSV:
    """Lines ``key <TAB> value`` sorted by the key's UTF-8 bytes, after a header of ``#`` lines."""

    def __init__(self, data: bytes):
        body = data.find(b"\n", data.rfind(b"\n#")) + 1 if data.startswith(b"#") else 0
        self.data = data
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
        ends = ends[ends >= body]
        self.starts = np.concatenate(([body], ends[:-1] + 1)).astype(np.int64)
        self.ends = ends.astype(np.int64)
        self._memo: dict[str, object] = {}  # questions repeat their words: each looked up once

    def __len__(self) -> int:
        return len(self.starts)

    def key(self, i: int) -> bytes:
        line = self.data[self.starts[i]: self.ends[i]]
        return line[: line.find(b"\t")]

    def value(self, i: int) -> str:
        line = self.data[self.starts[i]: self.ends[i]]
        return line[line.find(b"\t") + 1:].decode("utf-8")

    def first_at_or_after(self, key: bytes) -> int:
        lo, hi = 0, len(self)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.key(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def get(self, key: str, default=None):
        """The value of ``key``'s line, or ``default``."""
        found = self._memo.get(key, _UNSEEN)
        if found is _UNSEEN:
            k = key.encode("utf-8")
            i = self.first_at_or_after(k)
            found = self.value(i) if i < len(self) and self.key(i) == k else None
            if len(self._memo) < 100_000:
                self._memo[key] = found
        return default if found is None else found

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None


class FloatColumn:
    """A ``SortedTSV`` whose values are numbers: ``get`` returns a float."""

    def __init__(self, table: SortedTSV):
        self.table = table

    def get(self, key: str, default=None):
        v = self.table.get(key)
        return default if v is None else float(v)

    def __contains__(self, key: str) -> bool:
        return key in self.table
