"""The numba functions behind ``kernel.py`` (imported only when the compiled top-k is switched on).

They live at module level so that numba's on-disk cache (``cache=True``, in ``__pycache__``) finds them again in
the next process: functions made inside another function were compiled anew in every process (4–5 s each time).
"""

import numba
import numpy as np


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


@numba.njit(cache=True, nogil=True)
def top_k(indptr, docs, tf, norm, idf, k1p1, tids, tw, buf, touched, k, constant, out_ids, out_scores):
    """Accumulate the postings of ``tids`` (weights ``tw``) into ``buf``, each posting's score worked out from
    its count as ``bm25._impacts`` does (the same float64 operations in the same order); the ``k`` best touched passages
    by (score desc, passage asc), the constant added, into ``out_*``; ``buf`` is zero again on return.
    Returns how many."""
    n = 0
    for i in range(tids.shape[0]):
        t = tids[i]
        w = tw[i]
        term_idf = idf[t]
        for p in range(indptr[t], indptr[t + 1]):
            d = docs[p]
            if buf[d] == 0.0:
                touched[n] = d
                n += 1
            f = np.float64(tf[p])
            impact = term_idf * ((f * k1p1) / (norm[d] + f))
            if w == 1.0:
                buf[d] += impact
            else:
                buf[d] += w * impact
    size = 0
    for j in range(n):
        d = touched[j]
        s = buf[d] + constant
        if size < k:
            push(out_scores, out_ids, size, s, d)
            size += 1
        elif not worse(s, d, out_scores[0], out_ids[0]):
            replace_root(out_scores, out_ids, size, s, d)
    for j in range(n):
        buf[touched[j]] = 0.0
    return size
