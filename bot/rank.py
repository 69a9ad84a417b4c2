"""Ranking: which passages answer a question, judged at two levels — article and passage.

A library's articles share most of their words: "first line", "dose", "treatment" and "risk" are in
every article, so a passage that shares only those ask-words with the question must not beat one from
the article the question is about. Each passage's score is therefore

    score(p) = bm25(p) + top · ARTICLE · share · A(article(p)) / max A

where ``bm25(p)`` is the passage's BM25Plus score (``bm25.py``), ``top`` the best of those, and ``A`` the
BM25 score of the same weighted query over *articles* as documents: a term's frequency there is the
number of the article's passages that hold it, its idf is over articles. A word found in every article
("dose") gets an article idf near zero, a word found in one ("calciphylaxis") a high one, so the article
level tells the question's topic words from its ask-words by corpus statistics alone. With one article,
``A`` is the same for every passage and changes nothing; ``share`` (1 − 1/passages per article) makes it
nothing for one-passage abstracts.

A conversation adds a *topic*: the article of its last answer and the sections of its best passages
(``topic_of``). A follow-up that keeps the topic gets that prior added (``TOPIC`` × top for the article,
``TOPIC_SECTION`` × top for the sections); one whose own words point at another article starts a new
topic (``answer.Answerer.continues``).

Only the ``CANDIDATES`` best passages by BM25 are re-scored, so the cost follows the question's
postings, not the corpus size.

Settings (measured on the library set, ``../shared/eval/library``, a tuning set), ranking only, Hit@1/Hit@3:

* ``article``: 0 / 0.2 / 0.5 / 1.0 → 0.523/0.677, 0.554/0.677, 0.523/0.662, 0.523/0.631; dev with the library
  as corpus Hit@1 0.743 / 0.771 / 0.714 / 0.686. SciFact nDCG@10 0.6958 at 0 and 0.6870 at 0.2 before the
  one-passage scaling (``article_share``), 0.6958 after.
* tried and not kept: a section level (BM25 over sections), 0.3 → 0.400/0.615 (section scores favour long
  sections); a lead-in scored by the section its list makes up, 0.05 / 0.2 / 0.5 → Hit@3 up to 0.738 but
  Hit@1 and the dev set fell (dev Hit@1 0.714 / 0.571 / 0.343).
* tried and not kept (tenth session): an article-local idf — each term's contribution among the candidates
  re-weighted by its idf over its article's passages instead of the corpus's, added at 0.05 / 0.1 / 0.2 / 0.4 of the
  best score: the 12 gated libraries pooled, ranking alone, Hit@1 0.526 → 0.516 / 0.505 / 0.505 / 0.477, the library
  set 0.692 → 0.677 / 0.646 / 0.615 / 0.585. Within an article, the words it is about are in many of its passages,
  so they counted for little and the question's ask-words ("dose") decided alone (as the seventh session's
  within-article idf, README).
* ``synonym``: the BM25 query sums every variant of a concept, so a passage saying "therapy and
  management" scores "treated" twice; ``redundancy`` takes back this share of the second and further
  variants among the candidates (a question's own words are never folded into another concept, nor an
  alternative two of its words share). 0 / 0.5 / 0.7 / 1.0 → library Hit@1/Hit@3 0.538/0.692,
  0.554/0.723, 0.554/0.738, 0.554/0.738, conversations Hit@3 0.50 / 0.50 / 0.58 / 0.58; dev Hit@1 0.857 /
  0.857 / 0.829 / 0.800; dev with the library 0.800 / 0.771 / 0.743 / 0.714; SciFact nDCG@10 0.6971 →
  0.7035 at 0.5. So 0.5, halfway to Lucene's one-term synonym query.
* ``theme`` / ``theme_share`` (twenty-first session; ``Levels.themes``): a passage lacking a word its article is about
  (held by ``theme_share`` of the article's passages and at least two of them, by at most a third of the articles
  and not by all) is credited ``theme`` of one occurrence. Over the 18 tuning sets pooled (``python -m
  tests.tuning``; 614 answerable, 154 out of scope) first answers 363 → 367, first three 455 → 456, declines, conversations and lists unchanged (6 items moved,
  none lost); the twelve gated libraries alone Hit@1 0.5286 → 0.5365, Hit@3 0.6849 → 0.6875; as one library of 72
  articles Hit@1 0.4609 → 0.4583 (−1); the shared library set one first answer more ("what if EF is 30%");
  conversations_28, the dev sets and SciFact unchanged. At 0.4 / 0.5 / 0.7: 369 / 369 / 368 first, 455 / 455 / 454
  in three, conversations 95 / 95 / 94 (the shared set's "echo looks suspicious - how do we confirm it?" out of the
  first three); a share of 0.1 / 0.2 / 0.4 / 0.6: 360 / 367 / 365 / 363 first, 452 / 454 / 455 / 455 in three,
  conversations 94 / 94 / 96 / 96; an article about a word by a count of 3 of its passages, as deciding reads it
  (at 0.5), cost 14 first answers (a long article is "about" its common words); without the third-of-the-articles
  bound the one library lost another first answer, and in a library of one article (the seed) every word would
  be its theme. Small gains: near ties broken.
* ``topic``: 0.2 to 2.0 give the same library scores; the two-article test (``tests/test_conversation.py``)
  fails below 0.2, so 0.3: enough to hold a follow-up to its topic, little enough to leave it when the
  follow-up's own words point elsewhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .bm25 import BM25Index, _impacts
from .structure import Structure

# passages re-scored with their article. 30 / 50 / 100 / 300: the same library scores; at 30 blind sets 5 and 6 (tuning
# sets) gain Hit@1 +0.03 each and no tuning-set score falls (SciFact nDCG@10 0.6951 either way); blind 10, run after
# (not tuned on), shows one of its four lists no longer whole. At 1M passages the compiled top-k keeps 30 in 0.5–0.9 ms
# where 100 took 0.8–1.3 (the fewer kept, the sooner the 30th best rises and prunes)
CANDIDATES = 30
# A theme (``Levels.themes``) is held by at most this share of the articles (one of two or three), and by at least this
# many of its article's passages: one line of a short article names a word in passing (the 18 tuning sets the same at
# 1, 2 and 3).
THEME_ARTICLES = 1 / 3
THEME_PASSAGES = 2
COUNTS_CACHED = 4_000_000  # (article, count) pairs kept for the terms asked about (``Levels._per_article``): 32 MB


@dataclass(frozen=True)
class Weights:
    article: float = 0.2  # share of the best passage score the best article adds
    topic: float = 0.3  # a conversation's topic: share of the best passage score its article adds
    topic_section: float = 0.1  # the same for the sections of its answers
    synonym: float = 0.5  # share of a concept's second and further variants taken back (1: the best variant only)
    theme: float = 0.3  # a word its article is about, which a passage lacks: the share of one occurrence it is credited
    theme_share: float = 0.3  # share of an article's passages that must hold a word for the article to be about it
    k1: float = 1.2
    b: float = 0.75


@dataclass(frozen=True)
class Topic:
    """A conversation's topic: weights of the articles and sections its answered turns came from."""

    articles: dict[int, float] = field(default_factory=dict)
    sections: dict[int, float] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.articles)


# A word held by at most this many articles gets the mapping of them (``Levels.holding``, a dict: fastest to ask again
# and again); one held by more is looked up in its sorted articles (``Levels.count``)
MAPPED_ARTICLES = 256


class Levels:
    """BM25 over articles, from the passage postings and the outline arrays; a conversation's topic."""

    def __init__(self, bm25: BM25Index, structure: Structure, weights: Weights = Weights()):
        self.bm25 = bm25
        self.s = structure
        self.w = weights
        self.n_articles = structure.n_articles
        self.art_len = np.bincount(structure.article_of, minlength=self.n_articles).astype(np.float64)
        # An article of one passage says nothing its passage does not: the article level counts by the share
        # of an article's passages that are not the one being scored (0 for one-passage abstracts).
        self.article_share = 1.0 - 1.0 / max(float(self.art_len.mean()), 1.0) if self.n_articles else 0.0
        self._held: dict[str, dict[int, int]] = {}  # term → its articles' passage counts (``holding``)
        self._counts: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # term id → (articles, passage counts)
        self._cached = 0  # articles held in ``_counts``, all terms together
        self._themes: dict[int, np.ndarray] = {}  # term id → the articles it is a theme of (``_themes_of``)

    def article_scores(self, query: dict[str, float], groups=(), weighted=None) -> np.ndarray:
        """BM25 of ``query`` over articles: a term's frequency is the number of the article's passages holding
        it, its idf is over articles. With ``groups`` (``concepts``), a concept's second and further variants
        count ``Weights.synonym`` less, as in a passage's score (``redundancy``): "abx" brings 29 antibiotics, and
        the article listing most of them — the urinary tract infection article's regimens — outscored the
        cellulitis article for "how many days of abx for uncomplicated cellulitis". Over the twelve tuning
        libraries as one library (``python -m tests.test_library_gate --one-library``) Hit@1 0.411 → 0.417, Hit@3
        0.583 → 0.591, conversations 0.585 → 0.610, lists 0.708 → 0.723; each library alone Hit@1 0.464 → 0.466;
        the shared library set and the dev sets unchanged. Taking the further variants back wholly (1.0) gained
        more on the one library (0.422 / 0.596 / 0.622) and cost the shared library set a first answer.
        ``weighted``: ``query``'s (term id, weight) pairs (``BM25Index._weighted``), when the caller has them."""
        out = np.zeros(self.n_articles, dtype=np.float64)
        if self.n_articles == 0:
            return out
        norm = self.w.k1 * (1 - self.w.b + self.w.b * self.art_len / float(self.art_len.mean()))
        # the scores of each term a concept has more than one variant of, kept apart to take the repeats back (an
        # array of every article's each: at 1M passages 20,000 articles, so only for those terms)
        apart = {self.bm25.term_id(x) for variants in groups if len(variants) > 1 for v in variants for x in v} \
            if self.w.synonym else set()
        by_term: dict[int, np.ndarray] = {}
        for tid, weight in self.bm25._weighted(query) if weighted is None else weighted:
            arts, counts = self._per_article(tid)
            idf = math.log((self.n_articles + 1) / len(arts))
            c = counts.astype(np.float64)
            score = weight * idf * c * (self.w.k1 + 1) / (c + norm[arts])
            out[arts] += score
            if tid in apart:
                by_term[tid] = np.zeros(self.n_articles)
                by_term[tid][arts] = score
        if by_term:
            none = np.zeros(self.n_articles)

            def contrib(stem: str) -> np.ndarray:
                tid = self.bm25.term_id(stem)
                return by_term.get(tid, none) if tid is not None else none

            out -= self.w.synonym * _counted_again(groups, contrib, self.n_articles)
        return out

    def _per_article(self, tid: int) -> tuple[np.ndarray, np.ndarray]:
        """The articles holding term ``tid`` and how many of their passages do: worked out from its postings
        (a common word's are long: 100,000 at 1M passages) once per process while ``COUNTS_CACHED`` allows, as
        the article level and deciding both read them and a library's questions come back to the same words."""
        got = self._counts.get(tid)
        if got is None:
            docs = self.bm25.term_docs(tid)
            counts = np.bincount(self.s.article_of[docs], minlength=self.n_articles)  # no sort
            arts = np.flatnonzero(counts)
            got = (arts.astype(np.int32), counts[arts].astype(np.int32))
            if self._cached + len(arts) > COUNTS_CACHED:
                self._counts.clear()
                self._held.clear()
                self._themes.clear()
                self._cached = 0
            self._counts[tid] = got
            self._cached += len(arts)
        return got

    def holding(self, term: str) -> dict[int, int]:
        """Article → how many of its passages hold ``term`` ({} when the index lacks it); memoised, as a
        question asks about few terms (deciding reads it for every passage it judges)."""
        got = self._held.get(term)
        if got is None:
            tid = self.bm25.term_id(term)
            got = {}
            if tid is not None:
                arts, counts = self._per_article(tid)
                got = dict(zip(arts.tolist(), counts.tolist()))
            if len(self._held) > 50_000:
                self._held.clear()
            self._held[term] = got
        return got

    def count(self, term: str, article: int) -> int:
        """How many of ``article``'s passages hold ``term``: ``holding(term).get(article, 0)``, but for a word in many
        articles read off its sorted articles (a bisection) instead of making the mapping of them all — a common word
        at 1M passages is in 20,000 articles, and deciding asks this for every passage it judges."""
        held = self._held.get(term)
        if held is None:
            tid = self.bm25.term_id(term)
            if tid is None:
                return 0
            arts, counts = self._per_article(tid)
            if len(arts) > MAPPED_ARTICLES:
                i = int(np.searchsorted(arts, article))
                return int(counts[i]) if i < len(arts) and arts[i] == article else 0
            held = self.holding(term)
        return held.get(article, 0)

    def held_in(self, term: str, articles) -> bool:
        """Whether ``term`` is in one of ``articles``."""
        return any(self.count(term, a) for a in articles)

    def about(self, term: str, article: int) -> bool:
        """Whether ``article`` is about ``term``: at least ``Weights.theme_share`` of its passages hold it, and
        ``THEME_PASSAGES`` of them (a theme's share, however many other articles hold it too: ``_themes_of``)."""
        return bool(self._about(article, self.count(term, article)))

    def _about(self, articles, counts):
        """Whether each of ``articles`` is about a word ``counts`` of its passages hold (``about``, ``_themes_of``)."""
        return (counts >= THEME_PASSAGES) & (counts >= self.w.theme_share * self.art_len[articles])

    def held_elsewhere(self, term: str, articles) -> bool:
        """Whether ``term`` is in the index but in none of ``articles``."""
        tid = self.bm25.term_id(term)
        return tid is not None and len(self._per_article(tid)[0]) > 0 and not self.held_in(term, articles)

    def within(self, query: dict[str, float], own, topic: Topic) -> dict[str, float]:
        """``query`` of a follow-up within ``topic`` with its ``own`` terms weighed by their rarity in the topic's
        articles where that is the greater: the idf of a term held by n of the topic articles' N passages,
        ln((N + 1) / n), in place of its idf over the library. "she's 20 wks pregnant" after "outpt abx for pyelo?"
        asks which line of the UTI article, where one passage names pregnancy; in a library with an obstetrics
        article beside it, "pregnant" is a common word, and the earlier turn's words would choose the line."""
        arts = list(topic.articles)
        n_topic = float(sum(self.art_len[a] for a in arts))
        out = dict(query)
        for term in own:
            tid = self.bm25.term_id(term)
            if tid is None or term not in out:
                continue
            n = sum(self.count(term, a) for a in arts)
            if n:
                out[term] *= max(1.0, math.log((n_topic + 1) / n) / float(self.bm25.idf[tid]))
        return out

    def rerank(self, query: dict[str, float], ranked: list[tuple[int, float]], k: int,
               topic: Topic | None = None, groups=(), bm25_units: bool = True) -> list[tuple[int, float]]:
        """``ranked`` (BM25's best, best first) re-scored with their article and the topic; the ``k`` best.
        ``bm25_units``: the scores are BM25's (not fused with dense ones), so a theme's credit can be added to them."""
        if not ranked:
            return []
        top = max(s for _, s in ranked)
        pids = np.fromiter((p for p, _ in ranked), dtype=np.int64, count=len(ranked))
        base = np.fromiter((s for _, s in ranked), dtype=np.float64, count=len(ranked))
        art_of = self.s.article_of[pids]
        weighted = self.bm25._weighted(query)  # the question's term ids, for the themes and the article level alike
        if bm25_units and self.w.theme and self.article_share:
            base += self.themes(query, pids, art_of, weighted)
        boost = np.zeros(len(pids))
        if self.w.article and self.article_share:
            boost += self.w.article * self.article_share * _unit(self.article_scores(query, groups, weighted))[art_of]
        if topic:
            sec_of = self.s.section_of[pids].tolist()
            boost += self.w.topic * np.array([topic.articles.get(a, 0.0) for a in art_of.tolist()])
            boost += self.w.topic_section * np.array([topic.sections.get(x, 0.0) for x in sec_of])
        final = base - self.w.synonym * redundancy(self.bm25, query, groups, pids) + top * boost
        order = np.lexsort((pids, -final))[:k]
        return [(int(pids[i]), float(final[i])) for i in order]

    def themes(self, query: dict[str, float], pids: np.ndarray, art_of: np.ndarray, weighted=None) -> np.ndarray:
        """What each passage of ``pids`` (of articles ``art_of``) is credited for the question's words its article is
        about but it does not hold itself: ``Weights.theme`` of one occurrence's BM25 weight (the word's impact at a
        count of 1, for the passage's length, times its weight in the question).

        A word is a theme of an article when at least ``Weights.theme_share`` of the article's passages hold it, and
        ``THEME_PASSAGES`` of them, and at most ``THEME_ARTICLES`` of the articles do, not all (it tells the article
        apart: not "dose" in a drug article; nothing in a library of one article). Deciding reads a passage within
        its article too, with a count of passages (``decide.Decider.theme``, ``Settings.theme_passages``); ranking
        reads a share, as a long article would otherwise be "about" its common words (the module's settings: a
        count of 3 here cost 14 first answers). In an otitis media article whose every other line says AOM, "amox
        dose for AOM?" is about its dosing line "High-dose amoxicillin, 80 to 90 mg/kg/day …" as much as about a line
        that names AOM beside amoxicillin: the credit breaks such near ties.

        Per word, not per concept: a passage holding the concept in another form (the title's "acute otitis media"
        for "AOM") is still credited for the form it lacks, since the lines that write the theme in both forms
        count it twice (``redundancy`` takes back only ``Weights.synonym`` of the second). Credited per concept,
        and not at all where a passage holds any form, the 18 tuning sets gave 365 first answers against 367."""
        out = np.zeros(len(pids))
        bm = self.bm25
        for tid, weight in bm._weighted(query) if weighted is None else weighted:
            of = self._themes_of(tid)
            if not len(of):
                continue
            theme = of[np.minimum(np.searchsorted(of, art_of), len(of) - 1)] == art_of
            if not theme.any():
                continue
            lacking = theme & (bm.impacts_for(tid, pids) <= 0)
            if lacking.any():
                out[lacking] += self.w.theme * weight * _impacts(bm.idf[tid], 1.0, bm.norm[pids[lacking]], bm.k1p1)
        return out

    def _themes_of(self, tid: int) -> np.ndarray:
        """The articles term ``tid`` is a theme of (``themes``), ascending; worked out once per process, as its counts
        are."""
        got = self._themes.get(tid)
        if got is None:
            arts, counts = self._per_article(tid)
            if len(arts) > max(1.0, THEME_ARTICLES * self.n_articles) or len(arts) == self.n_articles:
                got = arts[:0]  # in every article (one of one), or in many: it tells none apart
            else:
                got = arts[self._about(arts, counts)]
            self._themes[tid] = got
        return got

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


def lists_first(bm25: BM25Index, structure: Structure, ranked: list[tuple[int, float]], query: dict[str, float],
                depth: int) -> list[tuple[int, float]]:
    """Auto-merging along the outline: a list item among the first ``depth`` passages that holds none of the
    question's words beyond those its lead-in holds matched as the *list* did (its lead-in and heading words,
    which every sibling shares), so the lead-in, which shows the whole list, takes its place and the item
    follows. An item matching words of its own ("does rituximab help?") stays."""
    if not ranked:
        return ranked
    asked = {bm25.term_id(t) for t in query} - {None}
    at = {pid: i for i, (pid, _) in enumerate(ranked)}
    before: dict[int, int] = {}  # position -> lead-in to put there
    for i, (pid, _) in enumerate(ranked[:depth]):
        par = int(structure.parent_of[pid])
        if par < 0 or at.get(par, len(ranked)) < i or par in before.values():
            continue
        own = set(bm25.doc_terms(pid).tolist()) & asked
        if own and own <= set(bm25.doc_terms(par).tolist()):
            before[i] = par
    if not before:
        return ranked
    out: list[tuple[int, float]] = []
    moved = set(before.values())
    for i, (pid, score) in enumerate(ranked):
        if i in before:
            out.append((before[i], score))
        if pid not in moved:
            out.append((pid, score))
    return out


def concepts(turns) -> list[list[tuple[str, ...]]]:
    """Each concept of the expanded ``turns`` as its variants: a lexicon phrase or a stem, then its alternatives."""
    out = []
    own = {t for turn in turns for t in turn.terms}
    seen: dict[str, str] = {}
    shared: set[str] = set()
    for turn in turns:
        for t, variants in turn.alternates.items():
            for s in {v[0] for v in variants if len(v) == 1}:
                if seen.setdefault(s, t) != t:
                    shared.add(s)
    for turn in turns:
        in_phrase = {s for p in turn.phrases for s in p}

        def alts(variants):  # an alternative holding another word of the question is not this concept's,
            # nor one that stands for two of its words ("lead" for both "complications" and "cause")
            return [v for v in variants if not own.intersection(v) and not shared.intersection(v)]

        out += [[p, *alts(a)] for p, a in turn.phrases.items()]
        out += [[(t,), *alts(turn.alternates.get(t, ()))] for t in dict.fromkeys(turn.terms)
                if t not in in_phrase and turn.alternates.get(t)]
    return out


def redundancy(bm25: BM25Index, query: dict[str, float], groups, pids: np.ndarray) -> np.ndarray:
    """For each passage of ``pids``: how much its BM25 score counts one concept more than once.

    The query sums every variant of a concept ("treat", "therapy", "management"), so a passage saying
    two of them scores the concept twice. A concept should count once, by its best variant (as Lucene's
    synonym queries do): this is the sum of each concept's stems minus its best variant, per passage."""
    out = np.zeros(len(pids))
    if not groups or not len(pids):
        return out
    cache: dict[str, np.ndarray] = {}

    def contrib(stem: str) -> np.ndarray:
        c = cache.get(stem)
        if c is None:
            c = np.zeros(len(pids))
            tid = bm25.term_id(stem)
            w = query.get(stem, 0.0)
            if tid is not None and w:
                c = w * bm25.impacts_for(tid, pids)
            cache[stem] = c
        return c

    return _counted_again(groups, contrib, len(pids))


def _counted_again(groups, contrib, n: int) -> np.ndarray:
    """Per item (a passage, an article), what ``contrib(stem)`` (an array of ``n``) sums for each concept of
    ``groups`` beyond its best variant: the concept's stems minus the variant scoring most, a stem counted in one
    concept only."""
    out = np.zeros(n)
    counted: set[str] = set()
    for variants in groups:
        stems = {s for v in variants for s in v if s not in counted}
        if len(variants) < 2 or not stems:
            continue
        total = sum(contrib(s) for s in stems)
        best = np.max([sum(contrib(s) for s in v if s in stems) if any(s in stems for s in v) else np.zeros(n)
                       for v in variants], axis=0)
        out += total - best
        counted |= stems
    return out


def _unit(x: np.ndarray) -> np.ndarray:
    m = float(x.max()) if len(x) else 0.0
    return x / m if m > 0 else x
