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

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def build(cls, token_lists: list[list[str]], params: BM25Params = BM25Params()) -> "BM25Index":
        vocab: dict[str, int] = {}
        ids: list[int] = []
        doc_len = np.zeros(len(token_lists), dtype=np.int64)
        for d, tokens in enumerate(token_lists):
            doc_len[d] = len(tokens)
            for tok in tokens:
                tid = vocab.get(tok)
                if tid is None:
                    tid = vocab[tok] = len(vocab)
                ids.append(tid)
        term_ids = np.asarray(ids, dtype=np.int64)
        doc_ids = np.repeat(np.arange(len(token_lists), dtype=np.int64), doc_len)
        return cls.from_arrays(list(vocab), term_ids, doc_ids, doc_len, params)

    @classmethod
    def from_arrays(cls, terms, term_ids, doc_ids, doc_len, params: BM25Params) -> "BM25Index":
        """Postings from parallel (term id, passage id) arrays, one entry per token."""
        n_terms, n_docs = len(terms), len(doc_len)
        if n_docs == 0:
            raise ValueError("cannot build an index of zero passages")
        key = term_ids * n_docs + doc_ids
        pairs, tf = np.unique(key, return_counts=True)
        p_term = pairs // n_docs
        p_doc = (pairs % n_docs).astype(np.int32)
        df = np.bincount(p_term, minlength=n_terms)
        indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        avgdl = float(doc_len.sum()) / n_docs
        idf = np.log((n_docs + 1) / np.maximum(df, 1)).astype(np.float64)
        k1, b = params.k1, params.b
        tf = tf.astype(np.float64)
        dl = doc_len[p_doc].astype(np.float64)
        weights = idf[p_term] * ((tf * (k1 + 1)) / (k1 * (1 - b + b * dl / avgdl) + tf))
        by_doc = np.lexsort((p_term, p_doc))
        fwd_indptr = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(np.bincount(p_doc, minlength=n_docs), out=fwd_indptr[1:])
        return cls(
            terms=list(terms), idf=idf, indptr=indptr, docs=p_doc, weights=weights,
            doc_len=np.asarray(doc_len, dtype=np.int32), fwd_indptr=fwd_indptr,
            fwd_terms=p_term[by_doc].astype(np.int32), fwd_tf=tf[by_doc].astype(np.int32), params=params,
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
        """The ``k`` best (passage id, score), best first; ties broken by passage order."""
        scores = self.scores(query)
        k = min(k, self.n_docs)
        if k <= 0:
            return []
        if k < self.n_docs:
            cut = np.argpartition(-scores, k - 1)[:k]
        else:
            cut = np.arange(self.n_docs)
        order = cut[np.lexsort((cut, -scores[cut]))]
        return [(int(d), float(scores[d])) for d in order]

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
