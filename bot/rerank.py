"""Learned re-ranking: the first ``DEPTH`` passages of an answer re-ordered by a linear model of what makes a
passage the answer, with weights fitted on question sets over several libraries (``bot/learn.py``).

The hand-set steps before it (BM25, the article level, coverage, the lead's tie-break) each move a passage by a
rule; this step weighs their signals, and a few more, against each other. The moves after it (a list asked for,
the kind asked for, a follow-up's own detail) and deciding are unchanged (``answer.Answerer.ask``). Each passage
is described by ``FEATURES``, computed from the question, the index and the passage alone:

* ``score``: its score from the steps before, over the first one's;
* ``article``: its article's score at the article level (``rank.Levels.article_scores``) over the best;
* ``coverage``: the share of the question's concepts it holds (``decide.py``); ``fits``: it is the kind of
  information asked for (a dose, a treatment), when one is;
* ``text``, ``heading``, ``title``: the share of the query's weight (weight × idf of each term) found in the
  passage's own words, in its section path, in its article's title: a passage that says the topic itself, not
  only under a heading that does;
* ``rarest``: it holds the query's rarest term (highest weight × idf);
* ``lead_in``, ``lead``: a line that items hang from; its article's lead (a first passage that is no list item);
* ``own``: the share of the judged question's own words (by idf) the passage holds in any field, no alternative
  counted; ``pairs``: the share of its adjacent word pairs ("low sodium") found adjacent in the passage's text
  or section path;
* ``lead_text``, ``lead_list``: a lead-in line's ``text`` share, and a lead-in when the question asks for a list
  (``expand.Expanded.wants_list``): the line naming what its items are answers "which drugs …".

Left out, each measured by leave-one-library-out Hit@1 / Hit@3 (``python -m bot.learn``; 0.639 / 0.816 with
these): the passage's place before (1/(1 + place); with it 0.621 / 0.822 at 30 deep), its coverage read within
its article (0.639 / 0.816 with it: the same, and 0.6 ms a question), being a list item and its length (0.639 /
0.816 with them). Weights may be negative: ``score`` already holds the article level and coverage, and a
negative weight takes back part of what a rule gave.

The model is a dot product with the weights of ``data/rerank.json`` (with the features' means and scales, and
how they were fitted and measured). Re-ordering keeps the scores in order: the passage placed j-th takes the
j-th best score of the head.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

DEPTH = 10  # passages re-ordered: the coverage re-ranking's (``answer.RERANK_DEPTH``); leave-one-library-out Hit@1/Hit@3 at
# 5 / 10 / 15 / 30: 0.639/0.788, 0.639/0.816, 0.648/0.816, 0.645/0.819; at 30 a question took 2.6 ms more (coverage)
FEATURES = ("score", "article", "coverage", "fits", "text", "heading", "title", "rarest", "lead_in", "lead", "own",
            "pairs", "lead_text", "lead_list")
(C_SCORE, C_ARTICLE, C_COVERAGE, C_FITS, C_TEXT, C_HEADING, C_TITLE, C_RAREST, C_LEAD_IN, C_LEAD, C_OWN, C_PAIRS,
 C_LEAD_TEXT, C_LEAD_LIST) = range(len(FEATURES))
MODEL = Path(__file__).parent / "data" / "rerank.json"


@lru_cache(maxsize=1)
def model(path: Path = MODEL):
    """(weights, means, scales) from ``path``; None when the file holds no weights (re-ranking off)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    if list(data.get("features", ())) != list(FEATURES):
        return None  # fitted on another set of features: not applicable
    return (np.asarray(data["weights"], dtype=np.float64), np.asarray(data["means"], dtype=np.float64),
            np.asarray(data["scales"], dtype=np.float64))


class Describer:
    """Features of an answerer's passages for one question."""

    def __init__(self, answerer):
        self.a = answerer
        self._fields = lru_cache(maxsize=8192)(self._fields_of)

    def _fields_of(self, pid: int) -> tuple[frozenset, frozenset, frozenset, frozenset]:
        p = self.a._passage(pid)
        tok = self.a.tokenizer
        text, heading = tok(p.text), tok(" ".join(p.section))
        pairs = frozenset(zip(text, text[1:])) | frozenset(zip(heading, heading[1:]))
        return frozenset(text), frozenset(heading), frozenset(tok(p.article)), pairs

    def matrix(self, query: dict[str, float], ranked: list[tuple[int, float]], judgement) -> np.ndarray:
        a = self.a
        bm = a.index.bm25
        n = len(ranked)
        x = np.zeros((n, len(FEATURES)), dtype=np.float64)
        if not n:
            return x
        terms = [(t, w * float(bm.idf[bm.vocab[t]])) for t, w in query.items() if t in bm.vocab and w > 0]
        mass = sum(w for _, w in terms) or 1.0
        rarest = max(terms, key=lambda tw: tw[1])[0] if terms else None
        levels = a.levels
        s = levels.s if levels is not None else None
        arts = levels.article_scores(query) if levels is not None else None
        art_best = float(arts.max()) if arts is not None and len(arts) and arts.max() > 0 else 1.0
        top = ranked[0][1] if ranked[0][1] > 0 else 1.0
        wanted = bool(judgement.wanted)
        idf = lambda t: float(bm.idf[bm.vocab[t]]) if t in bm.vocab else 0.0
        own = [(t, idf(t)) for t in dict.fromkeys(judgement.judged.terms)]
        own_mass = sum(w for _, w in own) or 1.0
        seq = judgement.judged.terms
        pairs = [((u, v), min(idf(u), idf(v))) for u, v in dict.fromkeys(zip(seq, seq[1:])) if u != v]
        pair_mass = sum(w for _, w in pairs)
        for i, (pid, score) in enumerate(ranked):
            text, heading, title, adjacent = self._fields(pid)
            row = x[i]
            row[C_SCORE] = score / top
            row[C_COVERAGE] = judgement.coverage(pid, False)
            row[C_FITS] = 1.0 if wanted and judgement.fits(pid) else 0.0
            row[C_TEXT] = sum(w for t, w in terms if t in text) / mass
            row[C_HEADING] = sum(w for t, w in terms if t in heading) / mass
            row[C_TITLE] = sum(w for t, w in terms if t in title) / mass
            row[C_RAREST] = 1.0 if rarest is not None and (rarest in text or rarest in heading or rarest in title) else 0.0
            row[C_OWN] = sum(w for t, w in own if t in text or t in heading or t in title) / own_mass
            row[C_PAIRS] = sum(w for p, w in pairs if p in adjacent) / pair_mass if pair_mass else 0.0
            if s is not None:
                art = int(s.article_of[pid])
                row[C_ARTICLE] = float(arts[art]) / art_best if arts is not None and len(arts) else 0.0
                row[C_LEAD_IN] = 1.0 if len(s.children(pid)) else 0.0
                first = pid == 0 or int(s.article_of[pid - 1]) != art
                row[C_LEAD] = 1.0 if first and not s.is_item[pid] else 0.0
                row[C_LEAD_TEXT] = row[C_LEAD_IN] * row[C_TEXT]
                row[C_LEAD_LIST] = row[C_LEAD_IN] * float(bool(judgement.judged.wants_list))
        return x


def reorder(ranked: list[tuple[int, float]], x: np.ndarray, fitted) -> list[tuple[int, float]]:
    """``ranked``'s head (``len(x)`` passages) ordered by the model's score, ties kept in their order; each
    passage takes the score of the place it lands on."""
    w, mu, sd = fitted
    z = ((x - mu) / sd) @ w
    n = len(x)
    order = sorted(range(n), key=lambda i: (-z[i], i))
    head = [(ranked[i][0], ranked[j][1]) for j, i in enumerate(order)]
    return head + ranked[n:]
