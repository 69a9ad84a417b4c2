"""The numba functions behind ``kernel.py`` (imported only when the compiled top-k is switched on) and the counting
sort a large build places its postings with (``bm25.COMPILED_SORT_MIN``).

They live at module level so that numba's on-disk cache (``cache=True``, in ``__pycache__``) finds them again in
the next process: functions made inside another function were compiled anew in every process (4–5 s each time).
"""

import numba
import numpy as np

from .bm25 import BLOCK_SHIFT as SHIFT  # 16 postings per block of ``block_max``


@numba.njit(cache=True, nogil=True, inline="always")
def worse(s1, d1, s2, d2):
    """Whether (score s1, passage d1) ranks below (s2, d2): lower score, or a tie and a later passage."""
    return s1 < s2 or (s1 == s2 and d1 > d2)


# ``scores``/``ids`` hold a min-heap of the best so far: the root is the worst kept, the first to go.
@numba.njit(cache=True, nogil=True)
def push(scores, ids, size, s, d):
    """Add (s, d) to a heap of ``size`` entries: moved up past every entry it ranks below."""
    c = size
    while c > 0:
        parent = (c - 1) // 2
        if worse(scores[parent], ids[parent], s, d):
            break
        scores[c], ids[c] = scores[parent], ids[parent]
        c = parent
    scores[c], ids[c] = s, d


@numba.njit(cache=True, nogil=True)
def replace_root(scores, ids, size, s, d):
    """Put (s, d) in the root's place: moved down past every child that ranks below it."""
    c = 0
    while 2 * c + 1 < size:
        child = 2 * c + 1
        if child + 1 < size and worse(scores[child + 1], ids[child + 1], scores[child], ids[child]):
            child += 1
        if worse(s, d, scores[child], ids[child]):
            break
        scores[c], ids[c] = scores[child], ids[child]
        c = child
    scores[c], ids[c] = s, d


@numba.njit(cache=True, nogil=True, inline="always")
def _keep(scores, ids, size, k, s, d):
    """Offer (s, d) to the heap of the ``k`` best kept so far (``size`` of them): its size after, or -1 when
    (s, d) ranks below all ``k``."""
    if size < k:
        push(scores, ids, size, s, d)
        return size + 1
    if not worse(s, d, scores[0], ids[0]):
        replace_root(scores, ids, size, s, d)
        return size
    return -1


@numba.njit(cache=True, nogil=True, inline="always")
def _seek(docs, p, end, d):
    """The first position at or after ``p`` (below ``end``) whose passage is ``d`` or later: galloping, then
    binary search."""
    if p >= end or docs[p] >= d:
        return p
    step = 1
    lo = p
    hi = p + 1
    while hi < end and docs[hi] < d:
        lo = hi
        step *= 2
        hi = lo + step
    if hi > end:
        hi = end
    while lo < hi:  # docs[lo] < d; the answer is in (lo, hi]
        mid = (lo + hi) // 2
        if docs[mid] < d:
            lo = mid + 1
        else:
            hi = mid
    return lo


SEED = 2048  # a first term with at most this many postings is scored first, in full (``top_k``)


@numba.njit(cache=True, nogil=True, inline="always")
def _block_last(p, end):
    """The last position of the block holding position ``p``, within a list ending at ``end``."""
    last = (((p >> SHIFT) + 1) << SHIFT) - 1
    return last if last < end else end - 1


@numba.njit(cache=True, nogil=True, inline="always")
def _weighted_impact(tf, p, d, code, norm, term_idf, k1p1, w):
    """The score posting ``p`` (of passage ``d``) adds, times the question's weight ``w``: ``bm25._impacts``'s
    float64 operations in the same order (1.0 · x is x). The passage's length norm is ``norm[code[d]]``: its
    index's few distinct norms, by code (``BM25Index.norm_codes``)."""
    f = np.float64(tf[p])
    impact = term_idf * ((f * k1p1) / (norm[code[d]] + f))
    return impact if w == 1.0 else w * impact


@numba.njit(cache=True, nogil=True, inline="always")
def _pass_over_from(docs, cur, end, lo, hi, d):
    """Move the walked lists ``lo``… ``hi - 1`` that are at passage ``d`` past it."""
    for i in range(lo, hi):
        if cur[i] < end[i] and docs[cur[i]] == d:
            cur[i] += 1


@numba.njit(cache=True, nogil=True)
def top_k(indptr, docs, tf, code, norm, idf, k1p1, tids, tw, bw, bounds, block_max, k, constant, out_ids, out_scores):
    """The ``k`` best passages by (score desc, passage asc), document at a time with block-max MaxScore pruning
    (Turtle & Flood 1995; Ding & Suel 2011; as PISA's ``block_max_maxscore``), into ``out_*``; returns how many.

    ``tids`` come in the order every path adds them (``BM25Index._ordered``: highest bound first) with their
    weights ``tw`` and bounds (weight × the term's largest score); ``bw`` is what ``block_max`` is multiplied by
    for each (its weight, times a scale when the postings were bounded with other statistics: ``BM25Index.view``). A passage's score is its terms' weighted
    impacts summed in that order from 0.0, the δ ``constant`` added last: the same floats as numpy's paths.

    Once ``k`` passages are kept, the terms whose bounds together cannot lift a passage to the ``k``-th best
    are not walked: they are only looked up (galloping search) for passages the others bring. ``block_max[p >>
    SHIFT]`` is at least every score (before a question's weight) of the postings at positions of that block,
    whichever terms they belong to, so a passage's bound is what each term can add in the block where that
    passage would be: passages whose bound falls short are passed over before any score is worked out, a
    passage is left as soon as what its remaining terms can add falls short, and a block of a walked list
    that no other walked list reaches into is skipped whole when it cannot lift its passages. A first term with
    few postings (``SEED``) has its passages scored first, in full, which sets the k-th best high from the
    start; they are then passed over. Bounds are compared with room for rounding: pruning may keep a passage,
    never lose one."""
    m = tids.shape[0]
    cur = np.empty(m, dtype=np.int64)
    shallow = np.empty(m, dtype=np.int64)
    end = np.empty(m, dtype=np.int64)
    nb = np.zeros(m + 1)  # the block bounds of the looked-up terms at the passage in hand, summed from the end
    left = np.zeros(m + 1)
    for i in range(m):
        cur[i] = indptr[tids[i]]
        shallow[i] = cur[i]
        end[i] = indptr[tids[i] + 1]
    none = np.iinfo(np.int32).max
    size = 0
    theta = -np.inf
    margin = 0.0
    first = 0  # 1 once the first term's passages are scored: they are passed over from then on
    if m > 1 and end[0] - cur[0] <= SEED:
        # the first term (the highest bound: usually the rarest) has its passages scored first, in full, so the
        # k-th best starts near where it ends, not at the first k passages met
        for p0 in range(cur[0], end[0]):
            d = docs[p0]
            s = 0.0
            for i in range(m):
                p = p0 if i == 0 else _seek(docs, cur[i], end[i], d)
                if i:
                    cur[i] = p
                if p < end[i] and docs[p] == d:
                    s += _weighted_impact(tf, p, d, code, norm, idf[tids[i]], k1p1, tw[i])
            size = max(size, _keep(out_scores, out_ids, size, k, s + constant, d))
        for i in range(1, m):
            cur[i] = indptr[tids[i]]
        first = 1
        if size == k:
            theta = out_scores[0]
            margin = 1e-9 * (abs(theta) + 1.0)
    for i in range(m - 1, first - 1, -1):
        left[i] = left[i + 1] + bounds[i]
    essential = m
    while essential > first and size == k and left[essential - 1] + constant < theta - margin:
        essential -= 1
    while True:
        d = none
        at = -1  # the walked list holding d, when only one does
        after = none  # the next passage of the other walked lists
        for i in range(first, essential):
            if cur[i] < end[i]:
                x = docs[cur[i]]
                if x < d:
                    after = d
                    d = x
                    at = i
                elif x == d:
                    at = -1
                elif x < after:
                    after = x
        if d == none:
            break
        if first:
            p = _seek(docs, cur[0], end[0], d)
            cur[0] = p
            if p < end[0] and docs[p] == d:
                _pass_over_from(docs, cur, end, first, essential, d)
                continue
        if size == k and at >= 0:
            # up to ``after``, list ``at`` is the only walked one: its blocks there that cannot reach the k-th
            # best, with every looked-up term at its largest, are skipped whole
            last = _block_last(cur[at], end[at])
            if (docs[last] < after
                    and bw[at] * block_max[cur[at] >> SHIFT] + left[essential] + constant < theta - margin):
                cur[at] = last + 1
                continue
        if size == k:
            ub = constant
            for i in range(first, essential):
                if cur[i] < end[i] and docs[cur[i]] == d:
                    ub += bw[i] * block_max[cur[i] >> SHIFT]
            if ub + left[essential] < theta - margin:  # short even with the looked-up terms at their largest
                _pass_over_from(docs, cur, end, first, essential, d)
                continue
            nb[m] = 0.0
            for i in range(m - 1, essential - 1, -1):
                p = shallow[i]
                if p < cur[i]:
                    p = cur[i]
                while p < end[i] and docs[_block_last(p, end[i])] < d:
                    p = _block_last(p, end[i]) + 1
                shallow[i] = p
                nb[i] = nb[i + 1] + (bw[i] * block_max[p >> SHIFT] if p < end[i] else 0.0)
            if ub + nb[essential] < theta - margin:
                _pass_over_from(docs, cur, end, first, essential, d)
                continue
        else:
            for i in range(essential, m + 1):
                nb[i] = left[i]
        partial = 0.0  # the passage's score: its terms' weighted impacts in their order (the same floats as numpy's)
        for i in range(first, essential):
            p = cur[i]
            if p < end[i] and docs[p] == d:
                partial += _weighted_impact(tf, p, d, code, norm, idf[tids[i]], k1p1, tw[i])
                cur[i] = p + 1
        dropped = False
        for i in range(essential, m):
            if size == k and partial + nb[i] + constant < theta - margin:
                dropped = True
                break
            p = cur[i]
            if shallow[i] > p:
                p = shallow[i]
            p = _seek(docs, p, end[i], d)
            cur[i] = p
            if p < end[i] and docs[p] == d:
                partial += _weighted_impact(tf, p, d, code, norm, idf[tids[i]], k1p1, tw[i])
        if dropped:
            continue
        kept = _keep(out_scores, out_ids, size, k, partial + constant, d)
        if kept < 0:
            continue
        size = kept
        if size == k:
            theta = out_scores[0]
            margin = 1e-9 * (abs(theta) + 1.0)
            while essential > first and left[essential - 1] + constant < theta - margin:
                essential -= 1
    return size


# error_model "numpy": a division by zero would give inf, not raise — it cannot happen (``norm`` + a count ≥ 1 is
# positive), and leaving out the check on every posting made this loop about 15 % faster
@numba.njit(cache=True, nogil=True, error_model="numpy")
def top_k_exhaustive(indptr, docs, tf, code, norm, idf, k1p1, tids, tw, k, constant, acc, out_ids, out_scores):
    """``top_k`` term at a time, for a question whose terms have few postings (``bm25.EXHAUSTIVE_MAX``): each
    term's weighted impacts are added into ``acc`` (all zeros, one float per passage), every term in ``tids``'s
    order, so a passage's sum is the same floats as ``top_k``'s; then each passage met is offered once to the ``k``
    best and its ``acc`` set back to zero (it is left all zeros). A passage that scores nothing (gone from a
    segment: ``norm`` is inf) is not offered. No bookkeeping per passage: with few postings one pass over all of
    them beats ``top_k``'s document-at-a-time pruning."""
    m = tids.shape[0]
    for i in range(m):
        t = tids[i]
        term_idf = idf[t]
        w = tw[i]
        for p in range(indptr[t], indptr[t + 1]):
            d = docs[p]
            acc[d] += _weighted_impact(tf, p, d, code, norm, term_idf, k1p1, w)
    size = 0
    for i in range(m):
        t = tids[i]
        for p in range(indptr[t], indptr[t + 1]):
            d = docs[p]
            s = acc[d]
            if s > 0.0:
                acc[d] = 0.0
                kept = _keep(out_scores, out_ids, size, k, s + constant, d)
                if kept >= 0:
                    size = kept
    return size


@numba.njit(cache=True, nogil=True)
def best_first(scores, ids, size):
    """The heap of the ``size`` best kept (``push``/``replace_root``) put in order, best first: score descending,
    then passage ascending (heap sort: the worst, at the root, goes to the end, one by one)."""
    n = size
    while n > 1:
        n -= 1
        s, d = scores[n], ids[n]
        scores[n], ids[n] = scores[0], ids[0]
        replace_root(scores, ids, n, s, d)


@numba.njit(cache=True, nogil=True)
def top(indptr, docs, tf, code, norm, idf, k1p1, max_weight, bound_scale, block_max, tids, tw, k, constant,
        exhaustive_max, acc, out_ids, out_scores):
    """The ``k`` best passages for terms ``tids`` weighed ``tw`` (in ``BM25Index._ordered`` order), best first, into
    ``out_*``; returns how many. Term at a time (``top_k_exhaustive``, into ``acc``) when the terms have at most
    ``exhaustive_max`` postings, else document at a time with pruning (``top_k``; its bounds worked out here from
    ``max_weight`` and, when it is not empty, ``bound_scale``). One call from Python does it all: each numpy
    operation and sort left to ``BM25Index`` cost a few microseconds more than its work, with the caches the
    postings left cold."""
    total = 0
    for i in range(tids.shape[0]):
        total += indptr[tids[i] + 1] - indptr[tids[i]]
    if total <= exhaustive_max:
        size = top_k_exhaustive(indptr, docs, tf, code, norm, idf, k1p1, tids, tw, k, constant, acc, out_ids,
                                out_scores)
    else:
        bounds = tw * max_weight[tids]
        bw = tw * bound_scale[tids] if bound_scale.shape[0] else tw  # what block_max is multiplied by
        size = top_k(indptr, docs, tf, code, norm, idf, k1p1, tids, tw, bw, bounds, block_max, k, constant, out_ids,
                     out_scores)
    best_first(out_scores, out_ids, size)
    return size


INSERTION_MAX = 32  # a passage with more terms than this has them sorted, not inserted one by one (k² / 4 steps)


@numba.njit(cache=True, nogil=True)
def postings_both_ways(fwd_indptr, p_term, tf, new_id, n_terms, counts):
    """``bm25._sorted_both_ways`` for a forward index (passage ``d``'s entries at ``fwd_indptr[d]:fwd_indptr[d+1]``,
    its terms distinct, in any order, numbered as the caller numbered them): each entry's term renumbered through
    ``new_id`` (into ``n_terms``) and each passage's entries sorted by it, in place; then the postings by term, then
    passage, placed by counting, not by sorting every posting again: each one's passage returned (``docs``), its
    count written to ``counts`` (of the index's type), with each term's number of postings (``df``). Nothing the
    size of the postings is made but ``docs``: on this VM each 100 MB of fresh memory cost 0.3-1 s. 1M passages
    (25.6M postings): 1.5 s against numpy's 5.7."""
    n_docs = len(fwd_indptr) - 1
    df = np.zeros(n_terms, dtype=np.int64)
    for d in range(n_docs):  # a passage's terms in order: its few by insertion, many (a data dump) by a sort
        lo, hi = fwd_indptr[d], fwd_indptr[d + 1]
        for i in range(lo, hi):
            t = new_id[p_term[i]]
            p_term[i] = t
            df[t] += 1
        if hi - lo > INSERTION_MAX:
            order = np.argsort(p_term[lo:hi])  # distinct terms: any sort gives the one order
            p_term[lo:hi] = p_term[lo:hi][order]
            tf[lo:hi] = tf[lo:hi][order]
            continue
        for i in range(lo + 1, hi):
            t, c = p_term[i], tf[i]
            j = i - 1
            while j >= lo and p_term[j] > t:
                p_term[j + 1] = p_term[j]
                tf[j + 1] = tf[j]
                j -= 1
            p_term[j + 1] = t
            tf[j + 1] = c
    at = np.empty(n_terms, dtype=np.int64)  # where each term's postings start, then the next free place
    total = 0
    for t in range(n_terms):
        at[t] = total
        total += df[t]
    docs = np.empty(len(p_term), dtype=np.int32)
    for d in range(n_docs):  # passages in order: each term's postings come out ascending
        for i in range(fwd_indptr[d], fwd_indptr[d + 1]):
            t = p_term[i]
            pos = at[t]
            at[t] = pos + 1
            docs[pos] = d
            counts[pos] = tf[i]
    return docs, df
