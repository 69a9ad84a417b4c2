"""BM25Plus scores, exactly as ``rank_bm25.BM25Plus`` defines them, from an inverted index.

rank-bm25 is the definition (``tests/test_bm25.py`` checks scores against it to 1e-9); this module
only reaches the same numbers without a Python loop over every passage:

    score(d, q) = Σ_{t ∈ q} idf(t) · (δ + tf(t,d)·(k1+1) / (k1·(1 - b + b·|d|/avgdl) + tf(t,d)))
    idf(t)      = ln((N + 1) / df(t))

BM25Plus, not Okapi: Okapi's idf is 0 for a term in half the passages and negative above (rank-bm25
floors it with an ε), which on a one-article corpus makes a common but relevant word worthless or
harmful. Plus keeps every idf positive, and its δ makes a passage that contains a term once
better than one that does not, however long.

The postings hold ``idf(t) · tf-part`` for each (term, passage); the δ part is the same for every
passage (rank-bm25 adds ``idf·δ`` even where tf = 0), so it is one constant per question.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BM25Params:
    k1: float = 1.5
    b: float = 0.75
    delta: float = 1.0
    variant: str = "BM25Plus"

    def to_json(self) -> dict:
        return {"variant": self.variant, "k1": self.k1, "b": self.b, "delta": self.delta}


BLOCK = 64  # passages per block when top() cuts the scores into blocks


class BM25Index:
    """Term → passages postings with precomputed BM25Plus weights.

    Arrays (all plain numpy, saved as ``.npy``): ``indptr`` (terms + 1) delimits each term's slice
    of ``docs`` (passage ids, ascending) and ``weights``; ``idf`` per term; ``doc_len`` per passage.
    The forward index ``fwd_indptr`` (passages + 1) / ``fwd_terms`` / ``fwd_tf`` lists each passage's
    distinct terms and their counts: it answers "which question words does this passage hold" and lets
    an incremental reindex reuse an unchanged file's tokens.
    """

    def __init__(
        self, *, terms: list[str], idf, indptr, docs, weights, doc_len, fwd_indptr, fwd_terms, fwd_tf,
        params: BM25Params,
    ):
        self.terms = terms
        self.vocab = {t: i for i, t in enumerate(terms)}
        self.idf = idf
        self.indptr = indptr
        self.docs = docs
        self.weights = weights
        self.doc_len = doc_len
        self.fwd_indptr = fwd_indptr
        self.fwd_terms = fwd_terms
        self.fwd_tf = fwd_tf
        self.params = params
        self.n_docs = int(len(doc_len))
        self._local = threading.local()  # per-thread scratch scores for top()

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def build(cls, token_lists: list[list[str]], params: BM25Params = BM25Params()) -> "BM25Index":
        vocab: dict[str, int] = {}
        add = vocab.setdefault
        ids = np.fromiter((add(t, len(vocab)) for tokens in token_lists for t in tokens), dtype=np.int64)
        doc_len = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
        doc_ids = np.repeat(np.arange(len(token_lists), dtype=np.int64), doc_len)
        return cls.from_arrays(list(vocab), ids, doc_ids, doc_len, params)

    @classmethod
    def from_arrays(cls, terms, term_ids, doc_ids, doc_len, params: BM25Params) -> "BM25Index":
        """Postings from parallel (term id, passage id) arrays, one entry per token."""
        fwd_indptr, fwd_terms, fwd_tf = forward_from_tokens(term_ids, doc_ids, len(doc_len), len(terms))
        return cls.from_forward(terms, fwd_indptr, fwd_terms, fwd_tf, doc_len, params)

    @classmethod
    def from_forward(cls, terms, fwd_indptr, fwd_terms, fwd_tf, doc_len, params: BM25Params) -> "BM25Index":
        """The index from a forward index: passage ``d`` holds terms ``fwd_terms[fwd_indptr[d]:fwd_indptr[d+1]]``
        (distinct within a passage) ``fwd_tf`` times each.

        The vocabulary is made canonical: terms that no passage holds are dropped and the rest sorted,
        so the same passages give the same arrays however they were assembled (full or incremental build).
        """
        n_docs = len(doc_len)
        if n_docs == 0:
            raise ValueError("cannot build an index of zero passages")
        fwd_indptr = np.asarray(fwd_indptr, dtype=np.int64)
        fwd_terms = np.asarray(fwd_terms, dtype=np.int64)
        used = np.zeros(len(terms), dtype=bool)
        used[fwd_terms] = True
        kept = np.flatnonzero(used)
        names = [terms[i] for i in kept]
        order = sorted(range(len(names)), key=names.__getitem__)
        new_id = np.full(len(terms), -1, dtype=np.int64)
        new_id[kept[order]] = np.arange(len(order))
        terms = [names[i] for i in order]
        n_terms = len(terms)
        p_term = new_id[fwd_terms]
        p_doc = np.repeat(np.arange(n_docs, dtype=np.int64), np.diff(fwd_indptr))
        by_doc = np.lexsort((p_term, p_doc))  # forward index: by passage, then term
        p_term, tf = p_term[by_doc], np.asarray(fwd_tf)[by_doc]
        del by_doc
        by_term = np.argsort(p_term, kind="stable")  # postings: by term, then passage (stable keeps passage order)
        df = np.bincount(p_term, minlength=n_terms)
        indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        doc_len = np.asarray(doc_len, dtype=np.int64)
        avgdl = float(doc_len.sum()) / n_docs
        idf = np.log((n_docs + 1) / np.maximum(df, 1)).astype(np.float64)
        k1, b = params.k1, params.b
        norm = k1 * (1 - b + b * doc_len.astype(np.float64) / avgdl)  # per passage
        t_tf = tf[by_term].astype(np.float64)
        docs = p_doc[by_term]
        weights = idf[p_term[by_term]] * ((t_tf * (k1 + 1)) / (norm[docs] + t_tf))
        return cls(
            terms=terms, idf=idf, indptr=indptr, docs=docs.astype(np.int32), weights=weights,
            doc_len=doc_len.astype(np.int32), fwd_indptr=fwd_indptr,
            fwd_terms=p_term.astype(np.int32), fwd_tf=tf.astype(np.int32), params=params,
        )

    # -- scoring ----------------------------------------------------------------------------

    def term_id(self, term: str) -> int | None:
        return self.vocab.get(term)

    def scores(self, query: dict[str, float] | list[str]) -> np.ndarray:
        """Scores of every passage; ``query`` is a token list (repeats count) or token → weight."""
        out = np.zeros(self.n_docs, dtype=np.float64)
        constant = 0.0
        for tid, weight in self._weighted(query):
            s, e = self.indptr[tid], self.indptr[tid + 1]
            out[self.docs[s:e]] += weight * self.weights[s:e]
            constant += weight * self.idf[tid] * self.params.delta
        if constant:
            out += constant
        return out

    def top(self, query, k: int) -> list[tuple[int, float]]:
        """The ``k`` best (passage id, score), best first; ties broken by passage order.

        Only the question terms' postings are touched: their weights are added into a per-thread
        scratch array that is all zeros otherwise. Passages holding no question term all score the δ
        constant; they fill the list, in passage order, when fewer than ``k`` passages match.
        The ``k`` best are found without ranking every match: with few matches, their ids are
        sorted; with many, the array is cut into blocks of ``BLOCK`` and the ``k``-th largest block
        maximum is a score that at least ``k`` passages reach, so only passages at or above it are ranked.
        """
        k = min(int(k), self.n_docs)
        if k <= 0:
            return []
        weighted = self._weighted(query)
        if any(w < 0 for _, w in weighted):
            return self._top_dense(query, k)
        buf = self._scratch()  # all zeros; handed back below (dropped if anything fails half-way)
        indptr, docs, weights = self.indptr, self.docs, self.weights
        constant = 0.0
        parts, scaled = [], []
        for tid, weight in weighted:
            s, e = indptr[tid], indptr[tid + 1]
            parts.append(docs[s:e])
            scaled.append(weights[s:e] if weight == 1.0 else weight * weights[s:e])
            constant += weight * self.idf[tid] * self.params.delta
        if len(parts) == 1:
            matched = parts[0]
            np.add.at(buf, matched, scaled[0])
        elif parts:
            matched = np.concatenate(parts)
            np.add.at(buf, matched, np.concatenate(scaled))
        else:
            matched = np.zeros(0, dtype=np.int32)
        if len(parts) <= 1:
            cand = matched
        elif len(matched) * 64 < self.n_docs:  # few matches: sorting their ids beats scanning every passage
            cand = np.sort(matched)
            cand = cand[np.concatenate(([True], cand[1:] != cand[:-1]))]
        else:
            n_blocks = self.n_docs // BLOCK
            maxima = buf[: n_blocks * BLOCK].reshape(n_blocks, BLOCK).max(axis=1)
            floor = np.partition(maxima, n_blocks - k)[n_blocks - k] if k <= n_blocks else 0.0
            cand = np.flatnonzero(buf >= floor) if floor > 0 else np.flatnonzero(buf > 0)
        sc = buf[cand]
        buf[matched] = 0.0
        self._local.buf = buf
        if constant:
            sc += constant
        if len(sc) > k:
            if len(sc) > 4 * k + 64:
                kth = np.partition(sc, len(sc) - k)[len(sc) - k]
                keep = np.flatnonzero(sc >= kth)
                cand, sc = cand[keep], sc[keep]
            order = np.lexsort((cand, -sc))[:k]
        else:
            order = np.lexsort((cand, -sc))
        out = [(int(d), float(v)) for d, v in zip(cand[order], sc[order])]
        if len(out) < k:  # the rest all score the constant: passage order
            rest = np.setdiff1d(np.arange(min(self.n_docs, k + len(cand))), cand, assume_unique=True)
            out.extend((int(d), float(constant)) for d in rest[: k - len(out)])
        return out

    def _top_dense(self, query, k: int) -> list[tuple[int, float]]:
        scores = self.scores(query)
        if k < self.n_docs:
            cut = np.argpartition(-scores, k - 1)[:k]
        else:
            cut = np.arange(self.n_docs)
        order = cut[np.lexsort((cut, -scores[cut]))]
        return [(int(d), float(scores[d])) for d in order]

    def _scratch(self) -> np.ndarray:
        buf = getattr(self._local, "buf", None)
        if buf is None:
            buf = np.zeros(self.n_docs, dtype=np.float64)
        self._local.buf = None  # owned by this call until handed back
        return buf

    def _weighted(self, query) -> list[tuple[int, float]]:
        items = query.items() if isinstance(query, dict) else ((t, 1.0) for t in query)
        merged: dict[int, float] = {}
        for term, weight in items:
            tid = self.vocab.get(term)
            if tid is not None and weight:
                merged[tid] = merged.get(tid, 0.0) + weight
        return list(merged.items())

    def doc_terms(self, pid: int) -> np.ndarray:
        """Term ids present in passage ``pid``, ascending (from the forward index)."""
        return self.fwd_terms[self.fwd_indptr[pid] : self.fwd_indptr[pid + 1]]


def forward_from_tokens(term_ids, doc_ids, n_docs: int, n_terms: int):
    """(fwd_indptr, fwd_terms, fwd_tf) from one (term id, passage id) pair per token."""
    term_ids = np.asarray(term_ids, dtype=np.int64)
    doc_ids = np.asarray(doc_ids, dtype=np.int64)
    pairs, tf = np.unique(doc_ids * max(n_terms, 1) + term_ids, return_counts=True)
    fwd_indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(pairs // max(n_terms, 1), minlength=n_docs), out=fwd_indptr[1:])
    return fwd_indptr, pairs % max(n_terms, 1), tf.astype(np.int32)
