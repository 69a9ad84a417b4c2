"""A shipped TSV file sorted by its first column, searched in place: a lookup is a binary search over the
file's bytes, realigned to line starts, so nothing is parsed or indexed at start-up (a one-shot ``citebot ask``
reads only the lines it needs). Lines are named by the byte offset where they start. A shipped file is mapped
(``mapped``), not read: a lookup touches a few pages of it."""

from __future__ import annotations

import bisect
import mmap
from collections.abc import Iterator
from pathlib import Path

_UNSEEN = object()
DICT_AFTER = 2000  # searches before a table reads every line into a dict (a question makes a few dozen)
# searches before a table notes the key of the line at every ``SAMPLE_BYTES`` (a cold ``ask`` searches the English stem
# table some 200 times for the deciding word lists and the question: each search then bisects one stretch of
# ~100 lines, not the file)
SAMPLE_AFTER = 16
SAMPLE_BYTES = 4096


def mapped(path: Path) -> bytes | mmap.mmap:
    """The bytes of ``path`` mapped read-only (read instead when it cannot be mapped: an empty file): sliced and
    searched as bytes are, without reading the file. drug_names.tsv is 3.5 MB: read whole it cost a cold ``ask``
    about 2 ms, and the English stem tables 3 ms more. An install replaces the shipped files, never rewrites them
    in place; a file rewritten in place while mapped would crash the process that maps it."""
    with open(path, "rb") as f:
        try:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (ValueError, OSError):  # empty (b""), or a file system that cannot map files: read instead
            return f.read()


def starts_with(data, prefix: bytes) -> bool:
    """``data.startswith(prefix)`` for bytes or a mapping (``mmap`` has no ``startswith``)."""
    return data[: len(prefix)] == prefix


class SortedTSV:
    """Lines ``key <TAB> value`` sorted by the key's UTF-8 bytes, after a header of ``#`` lines; ``data`` is the
    file's bytes or its mapping (``mapped``)."""

    def __init__(self, data):
        self.data = data
        body = 0
        while data[body: body + 1] == b"#":  # the header
            e = data.find(b"\n", body)
            body = len(data) if e < 0 else e + 1
        self.body, self.end = body, len(data)
        self._memo: dict[str, object] = {}  # questions repeat their words: each looked up once
        self._searches = 0
        self._all: dict[str, str] | None = None  # every line, once a build has searched many (``DICT_AFTER``)
        self._starts: list[int] | None = None  # line starts about ``SAMPLE_BYTES`` apart, the first line's first
        self._keys: list[bytes] = []  # their keys, ascending

    def __bool__(self) -> bool:
        return self.body < self.end

    def _line_end(self, at: int) -> int:
        e = self.data.find(b"\n", at)
        return self.end if e < 0 else e

    def next(self, at: int) -> int:
        """The start of the line after the one starting at ``at``."""
        return min(self._line_end(at) + 1, self.end)

    def key(self, at: int) -> bytes:
        line = self.data[at: self._line_end(at)]
        return line[: line.find(b"\t")]

    def value(self, at: int) -> str:
        line = self.data[at: self._line_end(at)]
        return line[line.find(b"\t") + 1:].decode("utf-8")

    def _sample(self) -> None:
        """Note the line starting at or after every ``SAMPLE_BYTES``-th byte and its key."""
        starts, at = [], self.body
        while at < self.end:
            starts.append(at)
            e = self.data.find(b"\n", at + SAMPLE_BYTES)
            if e < 0:
                break
            at = e + 1
        self._keys = [self.key(at) for at in starts]
        self._starts = starts

    def first_at_or_after(self, key: bytes) -> int:
        """The start of the first line whose key is ``key`` or after it; ``end`` when there is none."""
        data, lo, hi = self.data, self.body, self.end  # both line starts; the answer lies in [lo, hi]
        if self._starts is not None:  # between the last sampled line before ``key`` and the first at or after it
            i = bisect.bisect_left(self._keys, key)
            if i:
                lo = self._starts[i - 1]
            if i < len(self._starts):
                hi = self._starts[i]
        while lo < hi:
            mid = (lo + hi) // 2
            s = data.rfind(b"\n", lo, mid)
            s = lo if s < 0 else s + 1  # the start of the line holding byte ``mid``: lo <= s <= mid < hi
            e = self._line_end(s)
            if data[s: e].split(b"\t", 1)[0] < key:
                lo = min(e + 1, self.end)
            else:
                hi = s
        return lo

    def keys(self) -> Iterator[bytes]:
        at = self.body
        while at < self.end:
            yield self.key(at)
            at = self.next(at)

    def as_dict(self) -> dict[str, str]:
        """Every line read at once: key → value."""
        return dict(line.split("\t", 1) for line in self.data[self.body:].decode("utf-8").split("\n") if "\t" in line)

    def get(self, key: str, default=None):
        """The value of ``key``'s line, or ``default``. After ``DICT_AFTER`` searches (a reindex stems tens of
        thousands of words) every line is read into a dict once: a search costs ~50 µs, a dict look-up nothing."""
        if self._all is not None:
            return self._all.get(key, default)
        found = self._memo.get(key, _UNSEEN)
        if found is _UNSEEN:
            self._searches += 1
            if self._searches == SAMPLE_AFTER:
                self._sample()
            if self._searches > DICT_AFTER:
                self._all = self.as_dict()
                return self._all.get(key, default)
            k = key.encode("utf-8")
            at = self.first_at_or_after(k)
            found = self.value(at) if at < self.end and self.key(at) == k else None
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
