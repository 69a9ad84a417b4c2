"""An index in segments: a one-file edit writes a small segment instead of copying the whole index.

A full build writes one index (``bm25.BM25Index``, ``store.py``). An edit that changes little (``indexer``'s
``SEGMENT_SHARE``) writes a new version made of two *segments*, each a complete index of its own in a sub-folder:

* ``seg0``, the **base**: the last full build's files, hard-linked, not copied (at 1M passages, 500 MB that an
  edit used to rewrite). Passages of files edited or removed since are *gone*: they stay in its postings but
  score nothing.
* ``seg1``, the **delta**: every file read since the base was built (edited or added), indexed on its own.

The version itself holds what is per passage or per term of the whole corpus, rewritten at each edit (a few MB
at 1M passages): the vocabulary (``terms.json``, sorted, only terms a live passage holds), each passage's length
and outline, in corpus order; and per segment, the corpus-wide id of each of its passages (``-1``: gone) and of
each of its terms. A passage's id is its place in the corpus, as in a full build, so everything that reads
passages by id (the outline, the answer's assembly, references) reads the same ids whichever way it was built.

Scores use the whole corpus's statistics (live passages, their mean length, each term's live passages), so
they are the ones a full rebuild gives: every posting is scored with the same expression and the same idf and
length norm (``view``); only the order in which a passage's terms are summed may differ from a full build's
(within 1e-12). Each segment's top ``k`` is exact, so their merge is. Pruning bounds were worked out with the
segment's own statistics at its build: with the corpus's they are scaled by the ratio of the idfs and, when the
mean length grew, of the mean lengths (a BM25 score can grow by no more), so they still bound every score.

When the delta and the gone passages grow past the share, the next edit builds one index again (``indexer``).
"""

from __future__ import annotations

from functools import cached_property
from typing import NamedTuple

import numpy as np

from .bm25 import BM25Index, BM25Params, _norm, _ranges

GONE = -1


class Segment(NamedTuple):
    """One segment: its own index and, per passage and per term of it, the corpus-wide id (``GONE``: none)."""

    bm25: BM25Index
    pid: np.ndarray  # int32 per passage of the segment: its id in the corpus, or GONE
    gid: np.ndarray  # int32 per term of the segment: its id in ``terms``, or GONE (no live passage holds it)


def live_df(seg: Segment, n_terms: int) -> np.ndarray:
    """Per corpus-wide term, how many of the segment's live passages hold it."""
    b = seg.bm25
    df = np.diff(b.indptr).astype(np.int64)
    gone = np.flatnonzero(seg.pid < 0)
    if len(gone):
        df -= np.bincount(b.fwd_terms[_ranges(b.fwd_indptr, gone)], minlength=len(df))
    out = np.zeros(n_terms, dtype=np.int64)
    known = seg.gid >= 0
    out[seg.gid[known]] = df[known]
    return out


def runs(seg_of: np.ndarray, local_of: np.ndarray, start: int, end: int):
    """Passages ``start``..``end`` as runs that follow each other in one segment: (segment, first id there, end)."""
    at = start
    while at < end:
        i, lo = int(seg_of[at]), int(local_of[at])
        run = at + 1
        while run < end and seg_of[run] == i and local_of[run] == lo + (run - at):
            run += 1
        yield i, lo, lo + run - at
        at = run


class SegmentedIndex:
    """The ``BM25Index`` interface (what ranking, deciding and building read) over segments."""

    def __init__(self, *, terms: list[str], segments: list[Segment], doc_len: np.ndarray, params: BM25Params):
        self.terms = terms
        self.segments = segments
        self.params = params
        self.k1p1 = params.k1 + 1
        self.doc_len = doc_len
        self.n_docs = n = int(len(doc_len))
        self.seg_of = np.full(n, GONE, dtype=np.int8)  # each passage's segment and its id there
        self.local_of = np.full(n, GONE, dtype=np.int64)
        for i, seg in enumerate(segments):
            live = np.flatnonzero(seg.pid >= 0)
            self.seg_of[seg.pid[live]] = i
            self.local_of[seg.pid[live]] = live
        if n and (self.seg_of < 0).any():
            raise ValueError("a passage of the index is in no segment")

    @cached_property
    def _scoring(self) -> tuple:
        """(idf, norm, max_weight, views, local term ids): the corpus's statistics and each segment's postings
        scored with them, worked out when first scored, not at load: an edit loads the previous version, builds a
        new one and checks it, and scores none of them (1M passages: 0.1 s each)."""
        n, n_terms, params = self.n_docs, len(self.terms), self.params
        norm = _norm(self.doc_len, params)
        df = sum(live_df(s, n_terms) for s in self.segments)
        idf_all = np.log((n + 1) / np.maximum(df, 1)).astype(np.float64)  # as BM25Index.from_forward
        avgdl = float(np.asarray(self.doc_len).sum(dtype=np.int64)) / max(n, 1) or 1.0
        max_weight = np.zeros(n_terms)  # per term, a bound on its score in any passage: the order terms are summed in
        views: list[BM25Index] = []
        local_tid: list[np.ndarray] = []  # per segment: corpus-wide term id → its id there (GONE: none)
        for seg in self.segments:
            b = seg.bm25
            live = np.flatnonzero(seg.pid >= 0)
            known = seg.gid >= 0
            g = np.where(known, seg.gid, 0)
            idf = np.where(known, idf_all[g], b.idf)
            own_avgdl = float(np.asarray(b.doc_len).sum(dtype=np.int64)) / max(b.n_docs, 1) or 1.0
            # (1 + 1e-9): room for the rounding of the ratios, so a bound is never a hair under a score
            scale = np.where(known, idf / b.idf, 1.0) * max(1.0, avgdl / own_avgdl) * (1 + 1e-9)
            seg_norm = np.full(b.n_docs, np.inf)
            seg_norm[live] = norm[seg.pid[live]]
            view = b.view(idf=idf, norm=seg_norm, max_weight=b.max_weight * scale, bound_scale=scale)
            views.append(view)
            local = np.full(n_terms, GONE, dtype=np.int64)
            local[seg.gid[known]] = np.flatnonzero(known)
            local_tid.append(local)
            g = seg.gid[known]  # distinct within a segment
            max_weight[g] = np.maximum(max_weight[g], view.max_weight[known])
        return idf_all, norm, max_weight, views, local_tid

    idf = property(lambda self: self._scoring[0])
    norm = property(lambda self: self._scoring[1])
    max_weight = property(lambda self: self._scoring[2])
    _views = property(lambda self: self._scoring[3])
    _local_tid = property(lambda self: self._scoring[4])

    vocab = BM25Index.vocab  # made when first asked: not by the check of a version just written
    # the same as a single index's: the question's terms, their order and the δ part
    _weighted = BM25Index._weighted
    _ordered = BM25Index._ordered
    _constant = BM25Index._constant
    term_id = BM25Index.term_id
    _top_dense = BM25Index._top_dense
    _filled = BM25Index._filled

    @property
    def count_types(self) -> tuple:
        return tuple({s.bm25.tf.dtype for s in self.segments})

    def _local(self, i: int, weighted: list[tuple[int, float]]) -> list[tuple[int, float]]:
        local = self._local_tid[i]
        return [(int(local[t]), w) for t, w in weighted if local[t] >= 0]

    top = BM25Index.top  # the question's terms weighed and ordered as a single index's, then ``ranked`` here

    def ranked(self, weighted: list[tuple[int, float]], k: int, constant: float) -> list[tuple[int, float]]:
        """The ``k`` best (passage id, score), best first, ties by passage id: each segment's best, merged."""
        k = min(int(k), self.n_docs)
        if k <= 0:
            return []
        found: list[tuple[float, int]] = []
        for i, (seg, view) in enumerate(zip(self.segments, self._views)):
            local = self._local(i, weighted)
            if not local:
                continue
            if len(found) >= k:  # the base's best are in: a small segment that cannot reach them is not read
                found.sort()
                bound = constant + sum(w * float(view.max_weight[t]) for t, w in local)
                if bound * (1 + 1e-9) < -found[k - 1][0]:
                    continue
            pid = seg.pid
            found += [(-s, int(pid[d])) for d, s in view.ranked(local, k, constant, fill=False)
                      if s > constant and pid[d] >= 0]  # a gone passage scores the constant
        found.sort()
        # fewer than k passages hold a question term: the first others follow, at the constant
        return self._filled([(d, -s) for s, d in found[:k]], k, constant)

    def scores(self, query) -> np.ndarray:
        """Scores of every passage (as ``BM25Index.scores``)."""
        out = np.zeros(self.n_docs, dtype=np.float64)
        weighted = self._ordered(self._weighted(query))
        for i, (seg, view) in enumerate(zip(self.segments, self._views)):
            for tid, weight in self._local(i, weighted):
                s, e = view.indptr[tid], view.indptr[tid + 1]
                pids = seg.pid[view.docs[s:e]]
                live = pids >= 0
                out[pids[live]] += (weight * view.impacts(tid, s, e))[live]
        constant = self._constant(weighted)
        if constant:
            out += constant
        return out

    def term_docs(self, tid: int) -> np.ndarray:
        """The passages holding term ``tid``, ascending."""
        out = None
        for i, (seg, view) in enumerate(zip(self.segments, self._views)):
            t = self._local_tid[i][tid]
            if t >= 0:
                pids = seg.pid[view.term_docs(t)]  # ascending: a segment keeps its passages' order
                pids = pids[pids >= 0]
                # merged by insertion (a delta's few among the base's many), not sorted again
                out = pids if out is None else np.insert(out, np.searchsorted(out, pids), pids)
        return np.zeros(0, dtype=np.int32) if out is None else out

    def impacts_for(self, tid: int, pids: np.ndarray) -> np.ndarray:
        out = np.zeros(len(pids))
        pids = np.asarray(pids, dtype=np.int64)
        for i, view in enumerate(self._views):
            t = self._local_tid[i][tid]
            sel = np.flatnonzero(self.seg_of[pids] == i)
            if t >= 0 and len(sel):
                out[sel] = view.impacts_for(t, self.local_of[pids[sel]])
        return out

    def doc_terms(self, pid: int) -> np.ndarray:
        """Term ids present in passage ``pid``, ascending (both vocabularies are sorted, so the ids map in order)."""
        i = int(self.seg_of[pid])
        return self.segments[i].gid[self._views[i].doc_terms(int(self.local_of[pid]))]

    def forward(self, start: int, end: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``BM25Index.forward`` of passages ``start``..``end``, their runs read from the segments holding them."""
        counts, terms, tfs = [], [], []
        for i, lo, hi in runs(self.seg_of, self.local_of, start, end):
            c, t, f = self.segments[i].bm25.forward(lo, hi)  # counts: no statistics needed
            counts.append(c)
            terms.append(self.segments[i].gid[t])
            tfs.append(f)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.uint8)
        return np.concatenate(counts), np.concatenate(terms), np.concatenate(tfs)


class SegmentedPassages:
    """``store.PassageStore``'s interface over the segments' passage files, by corpus-wide passage id."""

    def __init__(self, stores: list, seg_of: np.ndarray, local_of: np.ndarray):
        self._stores, self._seg_of, self._local_of = stores, seg_of, local_of

    def __len__(self) -> int:
        return len(self._seg_of)

    def get(self, pid: int):
        from .store import decode_passage

        lo = int(self._local_of[pid])
        return decode_passage(self._stores[int(self._seg_of[pid])].lines(lo, lo + 1)[0], pid)

    def lines(self, start: int, end: int) -> list[bytes]:
        out: list[bytes] = []
        for i, lo, hi in runs(self._seg_of, self._local_of, start, end):
            out += self._stores[i].lines(lo, hi)
        return out

    def close(self) -> None:
        for s in self._stores:
            s.close()
