"""BM25Plus scores, exactly as ``rank_bm25.BM25Plus`` defines them, from an inverted index.

rank-bm25 is the definition (``tests/test_bm25.py`` checks scores against it to 1e-9); this module
only reaches the same numbers without a Python loop over every passage:

    score(d, q) = Σ_{t ∈ q} idf(t) · (δ + tf(t,d)·(k1+1) / (k1·(1 - b + b·|d|/avgdl) + tf(t,d)))
    idf(t)      = ln((N + 1) / df(t))

BM25Plus, not Okapi: Okapi's idf is 0 for a term in half the passages and negative above (rank-bm25
floors it with an ε), which on a one-article corpus makes a common but relevant word worthless or
harmful. Plus keeps every idf positive, and its δ makes a passage that contains a term once
better than one that does not, however long.

Each (term, passage) posting holds the term's count in the passage, in the narrowest unsigned integer
type that fits (one byte in practice: ``tf_dtype``), not its score: the score ``idf(t) · tf-part`` is
worked out when the posting is read (``impacts``), from the count, the term's idf and the passage's
length norm (one float per passage, computed at load), by the same float64 expression as ever — so the
scores are exact, and the postings take 5 bytes each (passage id and count) instead of 12. The δ part is
the same for every passage (rank-bm25 adds ``idf·δ`` even where tf = 0), so it is one constant per question.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import logs

log = logs.get(__name__)


@dataclass(frozen=True)
class BM25Params:
    """BM25Plus's parameters. ``k1`` 2.0 (term frequency saturates later): a passage's text, section path and
    article title that repeat a topic word count it more. Against 1.5, on the library tuning sets (Hit@1 /
    Hit@3): library 0.615 / 0.785 → 0.646 / 0.785, blind 4 0.438 / 0.500 → 0.500 / 0.531, blind 5 Hit@3 0.562 →
    0.594 and conversations 0.375 → 0.500, blind 3 unchanged, held-out B Hit@1 0.839 → 0.871; it cost dev
    Hit@1 0.886 → 0.857 (dev with the library as corpus 0.771 → 0.743), library list completeness 0.714 →
    0.690 and SciFact nDCG@10 0.7014 → 0.6951. 2.5 and 3.0 gave less on the libraries (library conversations
    0.750 → 0.667), b 0.5 / 0.85 / 0.9 less everywhere."""

    k1: float = 2.0
    b: float = 0.75
    delta: float = 1.0
    variant: str = "BM25Plus"

    def to_json(self) -> dict:
        return {"variant": self.variant, "k1": self.k1, "b": self.b, "delta": self.delta}


BLOCK = 64  # passages per block when top() cuts the scores into blocks
# ``block_max`` holds the largest score of each 16 postings (the compiled top-k's blocks). 16 against 64, alternating A/B
# of the kernel on 400 questions (three rounds): 1M passages p50 0.368 → 0.327 ms, p90 1.72 → 1.26, p99 3.7 → 3.0; 100k
# p50 0.079 → 0.071 ms. 8 was about the same as 16 with twice the array (12.5 MB at 1M for 16); 32 half the gain; 128
# slower. Tighter bounds pass over more passages before their scores are worked out.
BLOCK_SHIFT = 4
PRUNE_MIN_POSTINGS = 20_000  # fewer postings than this: scoring them all is as fast as pruning
# The compiled top-k adds every posting into an accumulator, term at a time, when the question's terms have at most
# this many (``_numba_kernel.top_k_exhaustive``), and prunes document at a time above. Single calls, questions as
# ``citebot bench`` writes them, the two kernels taking turns (six rounds of 1,000 questions), p50 / mean of the
# kernel call alone against pruning for every question: 100k passages 0.131 / 0.181 → 0.091 / 0.160 ms (another
# 1,000: 0.094 / 0.132 → 0.074 / 0.117), 1M 0.659 / 1.097 → 0.640 / 1.091. 8,000 and 16,000 gave a little less at
# 100k; every question term at a time was faster at 100k (0.118 / 0.134) and 5× slower at 1M, where an 8 MB
# accumulator is read at random. Since the norms are read by code (``norm_codes``) a posting costs less term at a
# time: the kernel alone, the cuts taking turns six rounds of 1,000 questions, p50 / mean at 100k 12,000: 64.7 /
# 117.6 µs, 16,000: 61.0 / 100.4, 20,000: 63.7 / 96.7 (a first run: 71.2 / 116.1, 63.3 / 102.7, 24,000 69.0 /
# 98.9); at 1M the three within the noise of each other (444.9, 463.3, 450.9 µs p50; a first run 488.6 at
# 12,000, 474.0 at 20,000).
EXHAUSTIVE_MAX = 16_000
_NO_SCALE = np.ones(0)  # an index's own bounds: nothing to scale them by (``view``'s bound_scale is None)


COUNT_DTYPES = (np.uint8, np.uint16, np.uint32)  # what ``tf_dtype`` gives: every count type an index may hold


def tf_dtype(max_tf: int):
    """The narrowest unsigned integer type that holds every count: uint8 unless a word repeats 256 times."""
    return np.uint8 if max_tf <= 0xFF else np.uint16 if max_tf <= 0xFFFF else np.uint32


class BM25Index:
    """Term → passages postings with their counts; BM25Plus scores worked out as they are read.

    Arrays (all plain numpy, saved as ``.npy``): ``indptr`` (terms + 1) delimits each term's slice
    of ``docs`` (passage ids, ascending) and ``tf`` (the term's count in each); ``idf`` and
    ``max_weight`` (the largest score a term adds to any passage) per term; ``block_max`` the largest score of
    each 64 postings (positions ``64·i`` to ``64·i + 63`` of ``docs``, whichever terms they belong to: the compiled
    top-k's block bounds); ``doc_len`` per passage.
    The forward index ``fwd_indptr`` (passages + 1) / ``fwd_terms`` / ``fwd_tf`` lists each passage's
    distinct terms and their counts: it answers "which question words does this passage hold" and lets
    an incremental reindex reuse an unchanged file's tokens.
    """

    def __init__(
        self, *, terms: list[str], idf, indptr, docs, tf, doc_len, fwd_indptr, fwd_terms, fwd_tf,
        params: BM25Params, max_weight, block_max,
    ):
        self.terms = terms
        self.idf = idf
        self.indptr = indptr
        self.docs = docs
        self.tf = tf
        self.doc_len = doc_len
        self.fwd_indptr = fwd_indptr
        self.fwd_terms = fwd_terms
        self.fwd_tf = fwd_tf
        self.params = params
        self.n_docs = int(len(doc_len))
        self.norm = _norm(doc_len, params)  # each passage's length norm, the denominator's constant part
        self.k1p1 = params.k1 + 1
        # each term's largest posting score: the most it can add to a passage (``top``'s pruning bound)
        self.max_weight = max_weight
        self.block_max = block_max  # the largest score of each block of postings (the compiled top-k's bounds)
        self.bound_scale = None  # per term, what ``block_max`` is multiplied by to bound its scores (``view``)
        self._local = threading.local()  # per-thread scratch scores for top()

    def view(self, *, idf, norm, max_weight, bound_scale) -> "BM25Index":
        """The same postings scored with other collection statistics: a segment of a larger index
        (``segments.py``) scores its passages with the whole index's ``idf`` (per term of this one) and ``norm``
        (per passage of this one; ``inf`` for a passage that is gone: it then adds nothing). ``max_weight`` and
        ``bound_scale`` (what ``block_max`` is multiplied by) must still bound every posting's score."""
        v = object.__new__(BM25Index)
        v.__dict__.update(self.__dict__)
        v.idf, v.norm, v.max_weight, v.bound_scale = idf, norm, max_weight, bound_scale
        v.__dict__.pop("norm_codes", None)  # worked out again from its own norm when asked
        v._local = threading.local()
        return v

    @cached_property
    def norm_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """(distinct norms, each passage's code into them): ``norm`` as the compiled top-k reads it. A norm is a
        function of a passage's length, and lengths are few (the bench's 100k and 1M passages: 24 and 23; SciFact's
        5,183: 342), so the kernel's look-up per posting lands in a table that stays in the cache, through codes of
        2 bytes a passage instead of 8: the kernel alone 10 % faster at 100k, 15 % at 1M (p50, bench questions).
        The same floats: each code gives back its passage's norm exactly. Worked out when first asked (1M
        passages: 41 ms)."""
        table, code = np.unique(self.norm, return_inverse=True)
        return table, code.astype(np.uint16 if len(table) <= 1 << 16 else np.uint32)

    @property
    def count_types(self) -> tuple:
        """The count types of its postings (what the compiled top-k is compiled for: ``kernel.enable``)."""
        return (self.tf.dtype,)

    @cached_property
    def vocab(self) -> dict[str, int]:
        """term → id; made when first asked (a segment of a larger index is never asked: 1M passages, 35 ms).
        ``dict(zip(...))``: the bench's 1M vocabulary (80,001 terms) in 9.8 ms against 13.9 for a comprehension."""
        return dict(zip(self.terms, range(len(self.terms))))

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
        return cls.from_forward(terms, fwd_indptr, fwd_terms, fwd_tf, doc_len, params, owned=True)

    @classmethod
    def from_forward(cls, terms, fwd_indptr, fwd_terms, fwd_tf, doc_len, params: BM25Params,
                     previous=None, owned: bool = False) -> "BM25Index":
        """The index from a forward index: passage ``d`` holds terms ``fwd_terms[fwd_indptr[d]:fwd_indptr[d+1]]``
        (distinct within a passage) ``fwd_tf`` times each.

        The vocabulary is made canonical: terms that no passage holds are dropped and the rest sorted,
        so the same passages give the same arrays however they were assembled (full or incremental build).

        ``previous`` — (an earlier index, each of its term ids' id in ``terms``, each of its passages' id here or
        -1) — says which passages were copied from that index, in their old order: their postings are taken
        from it as they are, and only the others' are placed among them (``_spliced``), with the same result.
        ``owned``: ``fwd_terms`` and ``fwd_tf`` are the caller's to give up (overwritten instead of copied).
        """
        n_docs = len(doc_len)
        if n_docs == 0:
            raise ValueError("cannot build an index of zero passages")
        fwd_indptr = np.asarray(fwd_indptr, dtype=np.int64)
        fwd_terms = np.asarray(fwd_terms)
        if fwd_terms.dtype.kind not in "iu":
            fwd_terms = fwd_terms.astype(np.int64)
        used = np.zeros(len(terms), dtype=bool)
        used[fwd_terms] = True
        kept = np.flatnonzero(used)
        names = [terms[i] for i in kept]
        order = sorted(range(len(names)), key=names.__getitem__)
        # the new ids as int32 (what the index keeps): at 1M passages each 25M-entry int64 copy costs ~0.1 s to fill
        new_id = np.full(len(terms), -1, dtype=np.int32)
        new_id[kept[order]] = np.arange(len(order), dtype=np.int32)
        terms = [names[i] for i in order]
        n_terms = len(terms)
        small = tf_dtype(int(np.max(fwd_tf)) if len(fwd_tf) else 0)  # the counts' type (every path keeps them all)
        spliced = None
        if previous is not None:
            prev, prev_ids, pid_map = previous
            # copies: the splice sorts a new passage's entries in place
            spliced = _spliced(prev, new_id[prev_ids], pid_map, fwd_indptr, new_id[fwd_terms],
                               np.array(fwd_tf, dtype=np.int64), n_docs, n_terms)
        if spliced is not None:
            p_term, tf, df, docs, t_tf = spliced
        else:
            compiled = _compiled_sort() if len(fwd_terms) >= COMPILED_SORT_MIN else None
            if compiled is not None:  # the same arrays, placed by counting (``_numba_kernel.postings_both_ways``)
                # int32, the one type it is compiled for, renumbered and sorted in place (a copy unless owned)
                p_term = fwd_terms if owned and fwd_terms.dtype == np.int32 else fwd_terms.astype(np.int32)
                tf = fwd_tf if owned and fwd_tf.dtype == np.int32 else np.array(fwd_tf, dtype=np.int32)
                t_tf = np.empty(len(tf), dtype=small)
                docs, df = compiled(fwd_indptr, p_term, tf, new_id, n_terms, t_tf)
            else:
                p_doc = np.repeat(np.arange(n_docs, dtype=np.int64), np.diff(fwd_indptr))
                p_term, tf, _, docs, t_tf = _sorted_both_ways(p_doc, new_id[fwd_terms].astype(np.int64),
                                                              np.array(fwd_tf, dtype=np.int64), n_docs, n_terms)
                df = np.bincount(p_term, minlength=n_terms)
        indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        doc_len = np.asarray(doc_len, dtype=np.int64)
        idf = np.log((n_docs + 1) / np.maximum(df, 1)).astype(np.float64)
        norm = _norm(doc_len, params)
        max_weight, block_max = _bounds(idf, indptr, docs, t_tf, norm, params.k1 + 1)
        return cls(
            terms=terms, idf=idf, indptr=indptr, docs=docs.astype(np.int32, copy=False),
            tf=t_tf.astype(small, copy=False), doc_len=doc_len.astype(np.int32), fwd_indptr=fwd_indptr,
            fwd_terms=p_term.astype(np.int32, copy=False), fwd_tf=tf.astype(small), params=params,
            max_weight=max_weight, block_max=block_max,
        )

    # -- scoring ----------------------------------------------------------------------------

    def term_id(self, term: str) -> int | None:
        return self.vocab.get(term)

    def impacts(self, tid: int, s: int, e: int) -> np.ndarray:
        """The scores term ``tid`` adds to the passages of its postings ``s:e`` (before the question's weight)."""
        return _impacts(self.idf[tid], self.tf[s:e], self.norm[self.docs[s:e]], self.k1p1)

    def impacts_at(self, tid: int, positions: np.ndarray, docs: np.ndarray) -> np.ndarray:
        """The same for postings at ``positions`` (of passages ``docs``)."""
        return _impacts(self.idf[tid], self.tf[positions], self.norm[docs], self.k1p1)

    def scores(self, query: dict[str, float] | list[str]) -> np.ndarray:
        """Scores of every passage; ``query`` is a token list (repeats count) or token → weight."""
        out = np.zeros(self.n_docs, dtype=np.float64)
        weighted = self._ordered(self._weighted(query))
        for tid, weight in weighted:
            s, e = self.indptr[tid], self.indptr[tid + 1]
            out[self.docs[s:e]] += weight * self.impacts(tid, s, e)
        constant = self._constant(weighted)
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
        weighted = self._ordered(weighted)
        return self.ranked(weighted, k, self._constant(weighted))

    def ranked(self, weighted: list[tuple[int, float]], k: int, constant: float, *, fill: bool = True
               ) -> list[tuple[int, float]]:
        """``top`` of (term id, weight) pairs already in the order their scores are summed, all weights > 0, with
        the δ ``constant`` given. ``fill=False``: only the passages holding a question term, even when they are
        fewer than ``k`` (a segment's part of the answer: ``segments.py``)."""
        k = min(int(k), self.n_docs)
        if k <= 0:
            return []
        best = self._held(weighted, k, constant)
        return self._filled(best, k, constant) if fill else best

    def _held(self, weighted: list[tuple[int, float]], k: int, constant: float) -> list[tuple[int, float]]:
        """The ``k`` best passages holding a question term (fewer when fewer hold one), best first."""
        from . import kernel

        compiled = kernel.enabled()
        if compiled is not None:  # the compiled path: same sums, same order, same answer
            return self._top_compiled(compiled, weighted, k, constant)
        pruned = self._top_pruned(weighted, k, constant)
        if pruned is not None:
            return pruned
        buf = self._scratch()  # all zeros; handed back below (dropped if anything fails half-way)
        indptr, docs, tf = self.indptr, self.docs, self.tf
        parts = [docs[indptr[t] : indptr[t + 1]] for t, _ in weighted]
        if parts:  # every term's postings scored at once: one pass of each operation, not one per term
            matched = np.concatenate(parts) if len(parts) > 1 else parts[0]
            counts = np.concatenate([tf[indptr[t] : indptr[t + 1]] for t, _ in weighted])
            lengths = [len(p) for p in parts]
            tids = [t for t, _ in weighted]
            impacts = _impacts(np.repeat(self.idf[tids], lengths), counts, self.norm[matched], self.k1p1)
            np.add.at(buf, matched, np.repeat([w for _, w in weighted], lengths) * impacts)  # w · impact, as ever
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
        return self._best(cand, sc, k)

    def _best(self, cand: np.ndarray, sc: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` best of passages ``cand`` scoring ``sc`` (the δ ``constant`` included), best first, ties
        by passage order."""
        if len(sc) > k:
            if len(sc) > 4 * k + 64:
                kth = np.partition(sc, len(sc) - k)[len(sc) - k]
                keep = np.flatnonzero(sc >= kth)
                cand, sc = cand[keep], sc[keep]
            order = np.lexsort((cand, -sc))[:k]
        else:
            order = np.lexsort((cand, -sc))
        return [(int(d), float(v)) for d, v in zip(cand[order], sc[order])]

    def _filled(self, out: list[tuple[int, float]], k: int, constant: float) -> list[tuple[int, float]]:
        """``out`` (the passages holding a question term, best first) and, when they are fewer than ``k``, the first
        others in passage order at the δ ``constant`` (they hold none)."""
        if len(out) < k:
            held = {d for d, _ in out}
            out += [(d, float(constant)) for d in range(min(self.n_docs, k + len(out))) if d not in held][: k - len(out)]
        return out

    def _constant(self, weighted: list[tuple[int, float]]) -> float:
        """The δ part of BM25Plus, the same for every passage: one sum, in ``_ordered`` order, for every path."""
        constant, idf, delta = 0.0, self.idf, self.params.delta
        for tid, weight in weighted:
            constant += weight * idf[tid] * delta
        return float(constant)

    def _top_compiled(self, compiled, weighted: list[tuple[int, float]], k: int, constant: float):
        """``top`` through the numba kernel (``kernel.py``), the ``k`` best kept: with at most ``EXHAUSTIVE_MAX``
        postings among the question's terms, term at a time into this thread's scratch array; with more, document
        at a time with block-max MaxScore pruning. One compiled call, which also puts them best first."""
        if not weighted:
            return []
        ids, scores = np.zeros(k, dtype=np.int32), np.zeros(k)
        tids, tw = zip(*weighted)  # two small arrays from tuples: a third of what np.fromiter costs
        tids, tw = np.array(tids, dtype=np.int64), np.array(tw, dtype=np.float64)
        scale = _NO_SCALE if self.bound_scale is None else self.bound_scale
        buf = self._scratch()  # all zeros, and left so by the kernel: handed back (dropped if it fails)
        table, code = self.norm_codes
        size = compiled(self.indptr, self.docs, self.tf, code, table, self.idf, self.k1p1, self.max_weight, scale,
                        self.block_max, tids, tw, k, constant, EXHAUSTIVE_MAX, buf, ids, scores)
        self._local.buf = buf
        return list(zip(ids[:size].tolist(), scores[:size].tolist()))

    def _top_pruned(self, weighted: list[tuple[int, float]], k: int, constant: float
                    ) -> list[tuple[int, float]] | None:
        """The ``k`` best by MaxScore-style pruning, term at a time (Turtle & Flood 1995), or None when the
        question's postings are too few for it to pay (``top`` then scores them all).

        Terms are read from the highest bound (weight × the term's largest posting) down, their postings
        added in full, while a passage not yet met could still reach the ``k``-th best partial score. Once
        the bound of the terms left is below it, no new passage can enter the top ``k``: the long, common
        terms left are then only looked up for the passages already met (binary search in their sorted
        postings), and passages that can no longer reach the ``k``-th best are dropped as it rises. The
        scores are the same sums as ``scores`` gives, so the result is the same top ``k``.
        """
        indptr = self.indptr
        lengths = [int(indptr[t + 1] - indptr[t]) for t, _ in weighted]
        total = sum(lengths)
        if len(weighted) < 2 or total < PRUNE_MIN_POSTINGS or total * 64 < self.n_docs:
            return None
        n = len(weighted)  # ``top`` sorted them by bound, highest first
        left = [0.0] * (n + 1)  # left[j]: the most terms j… can still add
        for j in range(n - 1, -1, -1):
            t, w = weighted[j]
            left[j] = left[j + 1] + w * float(self.max_weight[t])
        before = np.cumsum([0] + lengths)  # before[j]: postings of the terms ahead of j
        # the k-th best partial score never exceeds what the terms read so far can add: unless that is
        # above what the rest can add before some long list, pruning cannot stop anywhere — do not try
        if not any(left[j] < left[0] - left[j] and lengths[j] > 4 * before[j] for j in range(1, n)):
            return None
        docs = self.docs
        buf = self._scratch()
        met: list[np.ndarray] = []
        read = 0
        j = 0
        ok = False
        try:
            while j < n:
                t, w = weighted[j]
                s, e = int(indptr[t]), int(indptr[t + 1])
                if read >= k and (e - s) > 4 * read and left[j] < left[0] - left[j]:  # can new passages still win?
                    cand = self._met(buf, met, read)
                    theta = float(np.partition(buf[cand], len(cand) - k)[len(cand) - k]) if len(cand) >= k else 0.0
                    if left[j] < theta:
                        break
                part = docs[s:e]
                np.add.at(buf, part, w * self.impacts(t, s, e))  # w · impact: 1.0 · x is x
                met.append(part)
                read += e - s
                j += 1
            cand = self._met(buf, met, read) if met else np.zeros(0, dtype=np.int64)
            sc = buf[cand]
            for jj in range(j, n):  # the rest: only for passages already met that can still win
                if len(cand) > k:
                    theta = float(np.partition(sc, len(sc) - k)[len(sc) - k])
                    keep = sc + left[jj] >= theta
                    cand, sc = cand[keep], sc[keep]
                t, w = weighted[jj]
                s, e = int(indptr[t]), int(indptr[t + 1])
                plist = docs[s:e]
                pos = np.searchsorted(plist, cand)
                pos[pos >= len(plist)] = len(plist) - 1
                hit = plist[pos] == cand
                sc[hit] += w * self.impacts_at(t, s + pos[hit], cand[hit])
            ok = True
        finally:
            if ok:  # zero again and handed back; a failure half-way drops it (as ``top`` does)
                for part in met:
                    buf[part] = 0.0
                self._local.buf = buf
        return self._best(cand, sc + constant, k)

    def _met(self, buf: np.ndarray, met: list[np.ndarray], read: int) -> np.ndarray:
        """The distinct passages of the postings read so far, ascending (every posting weight is > 0, so
        with many of them a scan of the scores is the cheapest way to tell them)."""
        if read * 8 > self.n_docs:
            return np.flatnonzero(buf)
        ids = np.sort(np.concatenate(met))
        return ids[np.concatenate(([True], ids[1:] != ids[:-1]))]

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

    def _ordered(self, weighted: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """The terms in the order every scoring path adds them: highest bound (weight × largest posting)
        first, as pruning reads them, so that ``scores``, ``top`` and its pruned and compiled paths give
        bit-identical sums."""
        mw = self.max_weight
        return sorted(weighted, key=lambda tw: (-tw[1] * float(mw[tw[0]]), tw[0]))

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

    def term_docs(self, tid: int) -> np.ndarray:
        """The passages holding term ``tid``, ascending."""
        return self.docs[self.indptr[tid] : self.indptr[tid + 1]]

    def impacts_for(self, tid: int, pids: np.ndarray) -> np.ndarray:
        """The score term ``tid`` adds to each of passages ``pids`` (before a question's weight; 0 where it is
        not held)."""
        out = np.zeros(len(pids))
        s, e = int(self.indptr[tid]), int(self.indptr[tid + 1])
        docs = self.docs[s:e]
        if not len(docs) or not len(pids):
            return out
        at = np.minimum(np.searchsorted(docs, pids), len(docs) - 1)
        hit = docs[at] == pids
        out[hit] = self.impacts_at(tid, s + at[hit], pids[hit])
        return out

    def forward(self, start: int, end: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Passages ``start``..``end`` of the forward index: each one's number of distinct terms, then their
        term ids and counts (what an incremental build copies of an unchanged file)."""
        lo, hi = int(self.fwd_indptr[start]), int(self.fwd_indptr[end])
        return np.diff(self.fwd_indptr[start : end + 1]), self.fwd_terms[lo:hi], self.fwd_tf[lo:hi]


def _sorted_both_ways(p_doc, p_term, tf, n_docs: int, n_terms: int):
    """The (passage, term, count) triples — one per distinct term of a passage — in the forward index's order (by
    passage, then term) and in the postings' (by term, then passage): ``(fwd terms, fwd counts, posting terms,
    posting passages, posting counts)``.

    Each triple is packed into one int64 key when the three fit in 62 bits (up to 2^24 passages × 2^22 terms with
    counts below 2^16), and the keys sorted: at 1M passages (25M triples) that takes 1.6 s where sorting by two
    arrays (``np.lexsort``, a stable ``argsort``) took 16. The pairs are distinct, so both orders are the same,
    whatever the sort; numpy's stable one merges runs already in order (the passages come in order). The arrays given
    are the caller's to give up: they are overwritten."""
    t_bits = max(1, (n_terms - 1).bit_length())
    d_bits = max(1, (n_docs - 1).bit_length())
    c_bits = max(1, int(tf.max()).bit_length()) if len(tf) else 1
    if t_bits + d_bits + c_bits > 62:
        by_doc = np.lexsort((p_term, p_doc))
        p_term, tf = p_term[by_doc], tf[by_doc]
        p_doc = p_doc[by_doc]
        by_term = np.argsort(p_term, kind="stable")
        return p_term, tf, p_term[by_term], p_doc[by_term], tf[by_term]
    c_mask, t_mask, d_mask = (1 << c_bits) - 1, (1 << t_bits) - 1, (1 << d_bits) - 1
    # in place where it can (the three arrays are the caller's to give up): each new 25M-entry array at 1M passages
    # costs more to fault in than to fill, and the plain expressions made seventeen
    key = np.left_shift(p_doc, t_bits + c_bits, out=p_doc)
    key |= np.left_shift(p_term, c_bits, out=p_term)
    key |= tf
    key.sort(kind="stable")  # the passages in order, each one's few terms not: 1.7 → 0.3 s at 1M (quicksort → stable)
    tf = np.bitwise_and(key, c_mask, out=tf)
    p_term = np.right_shift(key, c_bits, out=p_term)
    p_term &= t_mask
    key >>= t_bits + c_bits  # the passage of each
    key <<= c_bits
    key |= tf
    key |= p_term << (d_bits + c_bits)
    key.sort(kind="stable")  # each term's passages already ascending: 1.8 → 1.3 s at 1M
    post_term = key >> (d_bits + c_bits)
    docs = key >> c_bits
    docs &= d_mask
    key &= c_mask
    return p_term, tf, post_term, docs, key


# A build of at least this many postings has them placed by the compiled counting sort when numba is installed
# (``_numba_kernel.postings_both_ways``; importing numba costs about half a second, compiling it once per machine a
# few seconds): at 1M passages 1.5 s against 5.7 s for ``_sorted_both_ways``, the same arrays.
COMPILED_SORT_MIN = 4_000_000


def _compiled_sort():
    """The compiled counting sort, or None without numba (or with ``CITEBOT_KERNEL=numpy``)."""
    from . import kernel

    if not kernel.available():
        return None
    try:
        from ._numba_kernel import postings_both_ways
    except Exception as e:  # a broken numba install must not stop a build: numpy gives the same arrays
        log.warning("the compiled sort is unavailable (%s); sorting with numpy", e)
        return None
    return postings_both_ways


SPLICE_MAX = 0.02  # splice when at most this share of the postings are removed or added, else sort them all


def _spliced(prev: "BM25Index", prev_term: np.ndarray, pid_map: np.ndarray, fwd_indptr: np.ndarray,
             p_term: np.ndarray, tf: np.ndarray, n_docs: int, n_terms: int):
    """``_sorted_both_ways``'s arrays (with per-term counts instead of each posting's term) for an index whose
    passages were mostly copied from ``prev``: its passage ``i`` is passage ``pid_map[i]`` here (-1: gone; the
    copied keep their order) and its term ``t`` is term ``prev_term[t]`` (-1: gone; both vocabularies sorted, so
    the order holds). The copied passages' postings are ``prev``'s, already by term then passage: the gone
    passages' postings are cut out and the new passages' (a one-file edit: a few hundred) put in their places,
    O(postings) copying instead of sorting every posting again (1M passages: 4.4 s). None when too much changed
    (``SPLICE_MAX``) or the copied passages are not in their old order: then everything is sorted."""
    kept = pid_map >= 0
    kept_to = pid_map[kept]
    if len(kept_to) > 1 and not np.all(kept_to[1:] > kept_to[:-1]):
        return None
    gone = np.flatnonzero(~kept)
    copied = np.zeros(n_docs, dtype=bool)
    copied[kept_to] = True
    fresh = np.flatnonzero(~copied)
    starts, ends = fwd_indptr[fresh], fwd_indptr[fresh + 1]
    n_fresh = int((ends - starts).sum())
    n_gone = int((prev.fwd_indptr[gone + 1] - prev.fwd_indptr[gone]).sum())
    if n_fresh + n_gone > SPLICE_MAX * max(len(prev.docs), 1):
        return None
    # forward order (passage, then term): a copied passage's terms are already in order, a new one's sorted here
    # (in place: ``from_forward``'s own arrays)
    f_doc = np.repeat(fresh.astype(np.int64), ends - starts)
    slots = _ranges(fwd_indptr, fresh)
    order = np.lexsort((p_term[slots], f_doc))
    p_term[slots], tf[slots] = p_term[slots][order], tf[slots][order]
    f_term, f_tf = p_term[slots], tf[slots]
    # the gone passages' postings, found through the previous forward index
    cut = []
    for d in gone.tolist():
        for t in prev.fwd_terms[prev.fwd_indptr[d]: prev.fwd_indptr[d + 1]].tolist():
            s, e = int(prev.indptr[t]), int(prev.indptr[t + 1])
            cut.append(s + int(np.searchsorted(prev.docs[s:e], d)))
    cut = np.asarray(cut, dtype=np.int64)
    docs = np.delete(pid_map.astype(np.int32)[prev.docs], cut) if len(cut) else pid_map.astype(np.int32)[prev.docs]
    t_tf = np.delete(np.asarray(prev.tf), cut)
    # per-term counts of what is left, in the new numbering
    left = np.diff(prev.indptr) - np.bincount(prev.fwd_terms[_ranges(prev.fwd_indptr, gone)], minlength=len(prev_term))
    df = np.zeros(n_terms, dtype=np.int64)
    live = prev_term >= 0
    df[prev_term[live]] = left[live]
    if n_fresh:
        by_term = np.lexsort((f_doc, f_term))
        f_term, f_doc, f_tf = f_term[by_term], f_doc[by_term], f_tf[by_term]
        base = np.r_[0, np.cumsum(df)]
        at = np.empty(n_fresh, dtype=np.int64)
        for i, (t, d) in enumerate(zip(f_term.tolist(), f_doc.tolist())):
            s, e = int(base[t]), int(base[t + 1])
            at[i] = s + int(np.searchsorted(docs[s:e], d))
        docs = np.insert(docs, at, f_doc.astype(np.int32))
        if int(f_tf.max()) > np.iinfo(t_tf.dtype).max:  # a new passage repeats a word more than the old counts held
            t_tf = t_tf.astype(np.int64)
        t_tf = np.insert(t_tf, at, f_tf.astype(t_tf.dtype))
        df += np.bincount(f_term, minlength=n_terms)
    return p_term, tf, df, docs, t_tf


def _ranges(indptr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The positions ``indptr[r]:indptr[r + 1]`` of each of ``rows``, concatenated."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    starts, ends = indptr[rows], indptr[rows + 1]
    lens = ends - starts
    return np.repeat(starts - np.cumsum(np.r_[0, lens[:-1]]), lens) + np.arange(int(lens.sum()), dtype=np.int64)


def _norm(doc_len, params: BM25Params) -> np.ndarray:
    """k1 · (1 − b + b · |d| / avgdl) per passage."""
    doc_len = np.asarray(doc_len)
    if not len(doc_len):
        return np.zeros(0)
    avgdl = float(doc_len.sum(dtype=np.int64)) / len(doc_len) or 1.0  # 0: every passage is stop words only
    return params.k1 * (1 - params.b + params.b * doc_len.astype(np.float64) / avgdl)


def _impacts(idf, tf, norm, k1p1: float) -> np.ndarray:
    """idf · tf·(k1+1) / (norm + tf): one expression for every path (``kernel.py`` repeats it), so the same bits."""
    tf = np.asarray(tf, dtype=np.float64)
    return idf * ((tf * k1p1) / (norm + tf))


BOUNDS_CHUNK = 1 << 16  # postings scored at a time for the bounds: a multiple of the block, small enough for the cache


def _bounds(idf, indptr, docs, tf, norm, k1p1: float) -> tuple[np.ndarray, np.ndarray]:
    """Each term's largest posting score and each block's (the largest of its postings' ``_impacts``), worked out
    ``BOUNDS_CHUNK`` postings at a time: at 1M passages, scoring all 25M postings at once made a dozen 200 MB arrays,
    the largest share of a one-file edit's time (1.8 s). Same values: the same expression per posting, and maxima."""
    n, n_terms = len(docs), len(indptr) - 1
    max_weight = np.zeros(n_terms, dtype=np.float64)
    block_max = np.zeros(-(-n >> BLOCK_SHIFT), dtype=np.float64)
    starts = np.asarray(indptr[:-1], dtype=np.int64)
    for c in range(0, n, BOUNDS_CHUNK):
        e = min(c + BOUNDS_CHUNK, n)
        lo = int(np.searchsorted(starts, c, side="right")) - 1  # the term posting ``c`` belongs to
        hi = int(np.searchsorted(starts, e, side="left"))  # terms starting before ``e``: lo .. hi - 1
        cuts = np.maximum(starts[lo:hi], c) - c  # where each of those terms' postings begin in this chunk
        w = _impacts(np.repeat(idf[lo:hi], np.diff(np.r_[cuts, e - c])), tf[c:e], norm[docs[c:e]], k1p1)
        block_max[c >> BLOCK_SHIFT: -(-e >> BLOCK_SHIFT)] = _max_per_block(w)
        ts = slice(lo, hi)
        max_weight[ts] = np.maximum(max_weight[ts], np.maximum.reduceat(w, cuts))
    return max_weight, block_max


def _max_per_block(weights: np.ndarray) -> np.ndarray:
    """The largest weight of each ``1 << BLOCK_SHIFT`` postings (the last block may be shorter)."""
    if not len(weights):
        return np.zeros(0, dtype=np.float64)
    return np.maximum.reduceat(np.asarray(weights), np.arange(0, len(weights), 1 << BLOCK_SHIFT)).astype(np.float64)


def forward_from_tokens(term_ids, doc_ids, n_docs: int, n_terms: int):
    """(fwd_indptr, fwd_terms, fwd_tf) from one (term id, passage id) pair per token."""
    term_ids = np.asarray(term_ids, dtype=np.int64)
    doc_ids = np.asarray(doc_ids, dtype=np.int64)
    pairs, tf = np.unique(doc_ids * max(n_terms, 1) + term_ids, return_counts=True)
    fwd_indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(pairs // max(n_terms, 1), minlength=n_docs), out=fwd_indptr[1:])
    return fwd_indptr, pairs % max(n_terms, 1), tf.astype(np.int32)
