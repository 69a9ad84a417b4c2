"""An optional compiled top-k (numba, the ``speed`` extra): the same sums as ``bm25.BM25Index.top``'s numpy
path, in the same order, so the same passages and scores — without numpy's per-call overheads.

Importing numba costs about half a second and compiling the kernel more (cached on disk after the first
time), so it is for long-running processes: ``citebot slack`` and ``bench`` switch it on (``enable``); a
one-shot ``citebot ask`` and the REPL (a person types; 3 ms or 2 ms makes no difference) keep numpy. ``CITEBOT_KERNEL=numpy`` turns it off.
"""

from __future__ import annotations

import logging
import os
import threading

import numpy as np

log = logging.getLogger(__name__)

_lock = threading.Lock()
_kernel = None  # the compiled function, once enabled


def available() -> bool:
    if os.environ.get("CITEBOT_KERNEL", "").lower() == "numpy":
        return False
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def enable() -> bool:
    """Compile (or load from numba's cache) the kernel; False when numba is not installed or turned off."""
    global _kernel
    with _lock:
        if _kernel is not None:
            return True
        if not available():
            return False
        try:
            _kernel = _compile()
            _warm(_kernel)
        except Exception as e:  # a broken numba install must not stop the bot: numpy answers the same
            log.warning("the compiled top-k is unavailable (%s); using numpy", e)
            _kernel = None
            return False
        return True


def enable_in_background() -> None:
    """``enable`` on a daemon thread: a long-running front answers with numpy until the kernel is ready. The
    thread blocks SIGINT and SIGTERM, so they reach the main thread (Ctrl-C, a deploy's stop)."""
    if available():
        threading.Thread(target=_enable_quietly, name="citebot-kernel", daemon=True).start()


def _enable_quietly() -> None:
    import signal

    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    enable()


def enabled():
    return _kernel


def disable() -> None:
    global _kernel
    with _lock:
        _kernel = None


def _compile():
    import numba

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

    return top_k


def _warm(kernel) -> None:
    indptr = np.array([0, 2], dtype=np.int64)
    docs = np.array([0, 1], dtype=np.int32)
    buf = np.zeros(2)
    for dtype in (np.uint8, np.uint16, np.uint32):  # every count type an index may hold (bm25.tf_dtype)
        kernel(indptr, docs, np.array([1, 2], dtype=dtype), np.array([1.0, 1.5]), np.array([0.7]), 2.5,
               np.array([0], dtype=np.int64), np.array([1.0]), buf, np.zeros(2, dtype=np.int32), 1, 0.0,
               np.zeros(1, dtype=np.int32), np.zeros(1))
