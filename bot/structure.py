"""Where each passage sits in its article: article, section and parent, as arrays stored in the index.

Passages are stored in article order. Three ``int32`` arrays, one entry per passage, record the outline
the parser built, so ranking and assembling never re-parse an article:

* ``article_of``: the article (distinct ``source``), numbered in corpus order;
* ``section_of``: the section (distinct ``source`` + section path), numbered in corpus order;
* ``parent_of``: the passage the passage hangs from — the lead-in line ("Calcinosis can be diagnosed
  through:") or parent bullet whose label ends the passage's section path — or -1 for none.

Siblings are the passages with the same ``parent_of`` (and ``section_of``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable

import numpy as np

ARRAYS = ("article_of", "section_of", "parent_of")


def _label(text: str) -> str:
    return text.rstrip().rstrip(":").rstrip()


@dataclass(frozen=True)
class Structure:
    article_of: np.ndarray
    section_of: np.ndarray
    parent_of: np.ndarray

    @property
    def n_articles(self) -> int:
        return int(self.article_of.max()) + 1 if len(self.article_of) else 0

    def article_range(self, pid: int) -> tuple[int, int]:
        """The passages [start, end) of ``pid``'s article (articles are stored one after another)."""
        art = self.article_of[pid]
        return (int(np.searchsorted(self.article_of, art, side="left")),
                int(np.searchsorted(self.article_of, art, side="right")))

    def children(self, pid: int) -> list[int]:
        """Passages hanging from ``pid``, in article order (they follow it within its article)."""
        _, end = self.article_range(pid)
        return (np.flatnonzero(self.parent_of[pid + 1: end] == pid) + pid + 1).tolist()

    def arrays(self) -> dict[str, np.ndarray]:
        return {"article_of": self.article_of, "section_of": self.section_of, "parent_of": self.parent_of}


def compute(lines: Iterable[bytes]) -> Structure:
    """The outline arrays from ``passages.jsonl`` lines (text, citations, article, section, source)."""
    articles: dict[str, int] = {}
    sections: dict[tuple, int] = {}
    art, sec, par = [], [], []
    labels: dict[tuple, int] = {}  # (source, *section path, label) -> the latest passage with that label
    for pid, line in enumerate(lines):
        text, _cites, _title, section, source = json.loads(line)
        a = articles.setdefault(source, len(articles))
        key = (source, *section)
        s = sections.setdefault(key, len(sections))
        art.append(a)
        sec.append(s)
        par.append(labels.get(key, -1))
        labels[(*key, _label(text))] = pid
    return Structure(np.asarray(art, dtype=np.int32), np.asarray(sec, dtype=np.int32),
                     np.asarray(par, dtype=np.int32))
