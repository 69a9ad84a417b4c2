"""Ranking: which passages answer a question, judged at three levels — article, section, passage.

A library's articles share most of their words: "first line", "dose", "treatment" and "risk" are in
every article, so a passage that shares only those ask-words with the question must not beat one from
the article the question is about. Each passage's score is therefore

    score(p) = bm25(p) + top · (ARTICLE · A(article(p)) / max A + SECTION · S(section(p)) / max S)

where ``bm25(p)`` is the passage's BM25Plus score (``bm25.py``), ``top`` the best of those, and ``A``
and ``S`` are BM25 scores of the same weighted query computed over *articles* and *sections* as
documents: a term's frequency there is the number of the group's passages that hold it, its idf is
over articles (sections). A word found in every article ("dose") gets an article idf near zero, a
word found in one ("calciphylaxis") a high one, so the article level tells the question's topic
words from its ask-words by corpus statistics alone. With one article, ``A`` is the same for every
passage and changes nothing; the section level still prefers a passage whose section is about the
question.

A conversation adds a *topic*: the articles and sections of its earlier answered turns. A follow-up
that names no topic of its own ("what dose is used?") has that prior added to ``A`` and ``S``; one
whose own words point at another article starts a new topic (``topic_of``).

Only the ``CANDIDATES`` best passages by BM25 are re-scored, so the cost follows the question's
postings, not the corpus size.

Settings (measured on the library set, ``../shared/eval/library``, a tuning set), ranking only, Hit@1/Hit@3:

* ``article``: 0 / 0.2 / 0.5 / 1.0 → 0.523/0.677, 0.554/0.677, 0.523/0.662, 0.523/0.631; dev with the library
  as corpus Hit@1 0.743 / 0.771 / 0.714 / 0.686. SciFact nDCG@10 0.6958 at 0 and 0.6870 at 0.2 before the
  one-passage scaling (``article_share``), 0.6958 after.
* ``section``: 0.3 → 0.400/0.615 (section scores favour long sections); ``items`` (a lead-in scored by the
  section its list makes up): 0.05 / 0.2 / 0.5 → Hit@3 up to 0.738, but Hit@1 and the dev set fell (dev Hit@1
  0.714 / 0.571 / 0.343). Both 0.
* ``topic``: 0.2 to 2.0 give the same library scores; the two-article test (``tests/test_conversation.py``)
  fails below 0.2, so 0.3: enough to hold a follow-up to its topic, little enough to leave it when the
  follow-up's own words point elsewhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .bm25 import BM25Index
from .structure import Structure

CANDIDATES = 100  # passages re-scored with their article and section (50, 100, 300: same library scores)


@dataclass(frozen=True)
class Weights:
    article: float = 0.2  # share of the best passage score the best article adds
    section: float = 0.0  # the same for the best section
    items: float = 0.0  # the same for a lead-in or parent, by the section its own items make up
    topic: float = 0.3  # a conversation's topic: share of the best passage score its article adds
    topic_section: float = 0.1  # the same for the sections of its answers
    k1: float = 1.2
    b: float = 0.75


@dataclass(frozen=True)
class Topic:
    """A conversation's topic: weights of the articles and sections its answered turns came from."""

    articles: dict[int, float] = field(default_factory=dict)
    sections: dict[int, float] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.articles)


class Levels:
    """BM25 over articles and over sections, from the passage postings and the outline arrays."""

    def __init__(self, bm25: BM25Index, structure: Structure, weights: Weights = Weights()):
        self.bm25 = bm25
        self.s = structure
        self.w = weights
        self.n_articles = structure.n_articles
        self.n_sections = structure.n_sections
        self.art_len = np.bincount(structure.article_of, minlength=self.n_articles).astype(np.float64)
        self.sec_len = np.bincount(structure.section_of, minlength=self.n_sections).astype(np.float64)
        # An article of one passage says nothing its passage does not: the article level counts by the share
        # of an article's passages that are not the one being scored (0 for one-passage abstracts).
        self.article_share = 1.0 - 1.0 / max(float(self.art_len.mean()), 1.0) if self.n_articles else 0.0
        # the section a passage's own items make up (a lead-in's list), -1 for a passage without items
        self.child_section = np.full(len(structure.parent_of), -1, dtype=np.int64)
        has_parent = np.flatnonzero(structure.parent_of >= 0)
        self.child_section[structure.parent_of[has_parent]] = structure.section_of[has_parent]

    def _group_scores(self, weighted, level: np.ndarray, n_groups: int, lengths: np.ndarray) -> np.ndarray:
        out = np.zeros(n_groups, dtype=np.float64)
        if n_groups == 0:
            return out
        avg = float(lengths.mean())
        norm = self.w.k1 * (1 - self.w.b + self.w.b * lengths / avg)
        bm = self.bm25
        for tid, weight in weighted:
            docs = bm.docs[bm.indptr[tid]: bm.indptr[tid + 1]]
            counts = np.bincount(level[docs], minlength=n_groups)  # O(postings + groups), no sort
            groups = np.flatnonzero(counts)
            idf = math.log((n_groups + 1) / len(groups))
            c = counts[groups].astype(np.float64)
            out[groups] += weight * idf * c * (self.w.k1 + 1) / (c + norm[groups])
        return out

    def article_scores(self, query: dict[str, float]) -> np.ndarray:
        return self._group_scores(self.bm25._weighted(query), self.s.article_of, self.n_articles, self.art_len)

    def section_scores(self, query: dict[str, float]) -> np.ndarray:
        return self._group_scores(self.bm25._weighted(query), self.s.section_of, self.n_sections, self.sec_len)

    def article_idf(self, term: str) -> float | None:
        """How concentrated a term is in few articles: ln((N+1)/df) over articles; None when unknown."""
        tid = self.bm25.term_id(term)
        if tid is None:
            return None
        docs = self.bm25.docs[self.bm25.indptr[tid]: self.bm25.indptr[tid + 1]]
        return math.log((self.n_articles + 1) / len(np.unique(self.s.article_of[docs])))

    def held_elsewhere(self, term: str, articles) -> bool:
        """Whether ``term`` is in the index but in none of ``articles``."""
        tid = self.bm25.term_id(term)
        if tid is None:
            return False
        docs = self.bm25.docs[self.bm25.indptr[tid]: self.bm25.indptr[tid + 1]]
        return not np.isin(self.s.article_of[docs], list(articles)).any()

    def rerank(self, query: dict[str, float], ranked: list[tuple[int, float]], k: int,
               topic: Topic | None = None) -> list[tuple[int, float]]:
        """``ranked`` (BM25's best, best first) re-scored with their article and section; the ``k`` best."""
        if not ranked:
            return []
        weighted = self.bm25._weighted(query)
        top = max(s for _, s in ranked)
        arts = np.zeros(self.n_articles)
        if self.w.article and self.article_share:
            arts = _unit(self._group_scores(weighted, self.s.article_of, self.n_articles, self.art_len))
        secs = np.zeros(self.n_sections)
        if self.w.section or self.w.items:  # both 0 by default: sections cost a pass over the postings
            secs = _unit(self._group_scores(weighted, self.s.section_of, self.n_sections, self.sec_len))
        prior_a = np.zeros(len(arts))
        prior_s = np.zeros(len(secs))
        if topic:
            for a, v in topic.articles.items():
                prior_a[a] = v
            for s_, v in topic.sections.items():
                prior_s[s_] = v
        pids = np.fromiter((p for p, _ in ranked), dtype=np.int64, count=len(ranked))
        base = np.fromiter((s for _, s in ranked), dtype=np.float64, count=len(ranked))
        own_sec = secs[self.s.section_of[pids]]
        kids = self.child_section[pids]
        list_sec = np.where(kids >= 0, secs[np.maximum(kids, 0)], 0.0)
        boost = (self.w.article * self.article_share * arts[self.s.article_of[pids]] + self.w.section * own_sec
                 + self.w.items * list_sec + self.w.topic * prior_a[self.s.article_of[pids]]
                 + self.w.topic_section * prior_s[self.s.section_of[pids]])
        final = base + top * boost
        order = np.lexsort((pids, -final))[:k]
        return [(int(pids[i]), float(final[i])) for i in order]

    def topic_of(self, ranked: list[tuple[int, float]], depth: int = 3) -> Topic:
        """The topic an answer gives a conversation: the article of its best passage, and the sections of
        its best passages within that article."""
        if not ranked:
            return Topic()
        art = int(self.s.article_of[ranked[0][0]])
        secs: dict[int, float] = {}
        for rank, (pid, _) in enumerate(ranked[:depth]):
            if int(self.s.article_of[pid]) == art:
                s = int(self.s.section_of[pid])
                secs[s] = max(secs.get(s, 0.0), 1.0 / (rank + 1))
        return Topic({art: 1.0}, secs)


def _unit(x: np.ndarray) -> np.ndarray:
    m = float(x.max()) if len(x) else 0.0
    return x / m if m > 0 else x
