"""Where each passage sits in its article: article, section and parent, as arrays stored in the index.

Passages are stored in article order. Three ``int32`` arrays, one entry per passage, record the outline
the parser built, so ranking and assembling never re-parse an article:

* ``article_of``: the article (distinct ``source``), numbered in corpus order;
* ``section_of``: the section (distinct ``source`` + section path), numbered in corpus order;
* ``parent_of``: the passage the passage hangs from — the lead-in line ("Calcinosis can be diagnosed
  through:") or parent bullet whose label ends the passage's section path — or -1 for none;
* ``text_len``: the passage's length in characters (assembling asks it of many passages it never shows).

Siblings are the passages with the same ``parent_of`` (and ``section_of``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterable

import numpy as np

ARRAYS = ("article_of", "section_of", "parent_of", "text_len", "is_item")


def _label(text: str) -> str:
    return text.rstrip().rstrip(":").rstrip()


@dataclass(frozen=True, eq=False)
class Structure:
    article_of: np.ndarray
    section_of: np.ndarray
    parent_of: np.ndarray
    text_len: np.ndarray
    is_item: np.ndarray  # 1 for a list item (a bullet), 0 for a paragraph or lead-in line

    @property
    def n_articles(self) -> int:
        return int(self.article_of.max()) + 1 if len(self.article_of) else 0

    def children(self, pid: int) -> list[int]:
        """Passages hanging from ``pid``, in article order (they follow it within its article)."""
        order, start = self._by_parent
        return order[start[pid]: start[pid + 1]].tolist()

    def children_flagged(self, pid: int) -> tuple[list[int], list[bool]]:
        """``children(pid)`` and, for each, whether it has children of its own (``parents``)."""
        order, start = self._by_parent
        kids = order[start[pid]: start[pid + 1]]
        return kids.tolist(), self.parents(kids)

    def parents(self, pids) -> list[bool]:
        """For each of ``pids`` (a list or an array), whether it has children (one array read for them all)."""
        _, start = self._by_parent
        at = np.asarray(pids, dtype=np.int64)
        return (start[at + 1] > start[at]).tolist()

    def has_children(self, pid: int) -> bool:
        _, start = self._by_parent
        return bool(start[pid + 1] > start[pid])

    def top_level(self, section: int) -> list[int]:
        """The passages of ``section`` that hang from no other passage, in article order."""
        order, start = self._by_section
        return order[start[section]: start[section + 1]].tolist()

    def top_level_shape(self, section: int) -> tuple[int, bool, int]:
        """(how many passages of ``section`` hang from no other, whether all of them are list items, the longest
        one's length in characters), read from arrays worked out once for every section (assembling asks it of
        each section a hit is in, ``assemble.Assembler._heading_items``)."""
        count, all_items, longest = self._shapes
        return int(count[section]), bool(all_items[section]), int(longest[section])

    @cached_property
    def _shapes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        order, start = self._by_section
        count = np.diff(start)
        all_items = np.ones(len(count), dtype=bool)  # an empty section: no passage that is not an item
        longest = np.zeros(len(count), dtype=np.int64)
        full = np.flatnonzero(count)
        if len(full):  # each non-empty section's run of ``order`` ends where the next non-empty one starts
            all_items[full] = np.minimum.reduceat(self.is_item[order], start[full]).astype(bool)
            longest[full] = np.maximum.reduceat(self.text_len[order], start[full])
        return count, all_items, longest

    @cached_property
    def _by_parent(self) -> tuple[np.ndarray, np.ndarray]:
        """Passages grouped by parent (a stable sort keeps article order): built once, on first use."""
        return _groups(self.parent_of + 1, len(self.parent_of) + 1, shift=1)

    @cached_property
    def _by_section(self) -> tuple[np.ndarray, np.ndarray]:
        n_sections = int(self.section_of.max()) + 1 if len(self.section_of) else 0
        keep = np.flatnonzero(self.parent_of < 0)
        order, start = _groups(self.section_of[keep], n_sections)
        return keep[order], start

    def arrays(self) -> dict[str, np.ndarray]:
        return {"article_of": self.article_of, "section_of": self.section_of, "parent_of": self.parent_of,
                "text_len": self.text_len, "is_item": self.is_item}


def _groups(keys: np.ndarray, n: int, shift: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(positions sorted by key, stably; start of each key's run) for keys in [0, n); with ``shift``, the
    runs are indexed by ``key - shift`` (key 0, "no parent", is left out)."""
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys, minlength=n)
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    return order, start[shift:]


def compute(lines: Iterable[bytes]) -> Structure:
    """The outline arrays from ``passages.jsonl`` lines."""
    from .store import decode_passage  # here: store imports this module

    return of_passages(decode_passage(line, pid) for pid, line in enumerate(lines))


def of_passages(passages: Iterable) -> Structure:
    """The outline arrays of ``passages`` (``model.Passage``: text, section path, source, list item or not), in
    passage order."""
    articles: dict[str, int] = {}
    sections: dict[tuple, int] = {}
    art, sec, par, size, item = [], [], [], [], []
    labels: dict[tuple, int] = {}  # (source, *section path, label) -> the latest passage with that label
    for pid, p in enumerate(passages):
        text = p.text
        a = articles.setdefault(p.source, len(articles))
        key = (p.source, *p.section)
        s = sections.setdefault(key, len(sections))
        art.append(a)
        sec.append(s)
        par.append(labels.get(key, -1))
        size.append(len(text))
        item.append(1 if p.item else 0)
        labels[(*key, _label(text))] = pid
    return Structure(np.asarray(art, dtype=np.int32), np.asarray(sec, dtype=np.int32),
                     np.asarray(par, dtype=np.int32), np.asarray(size, dtype=np.int32),
                     np.asarray(item, dtype=np.int8))
