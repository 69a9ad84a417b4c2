"""rank-bm25 is the definition of the scores; our inverted index must agree with it."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from rank_bm25 import BM25Plus

from bot.bm25 import BM25Index, BM25Params


def random_corpus(seed: int, n_docs: int = 80, vocab: int = 40):
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(vocab)]
    weights = [1 / (i + 1) for i in range(vocab)]  # Zipf-like: some words in most passages
    return [rng.choices(words, weights, k=rng.randint(1, 15)) for _ in range(n_docs)], words


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scores_equal_rank_bm25(seed):
    docs, words = random_corpus(seed)
    p = BM25Params()  # rank-bm25 at citebot's parameters
    oracle, ours = BM25Plus(docs, k1=p.k1, b=p.b, delta=p.delta), BM25Index.build(docs)
    rng = random.Random(seed + 100)
    queries = [rng.sample(words, 3), ["w0", "w0", "w1"], ["unknown", "w5"], ["w0"], []]
    for q in queries:
        expected = oracle.get_scores(q)
        got = ours.scores(q)
        assert np.max(np.abs(expected - got)) < 1e-9, q
        top = ours.top(q, 10)
        # same ranking: position by position, the oracle's score of our passage is the oracle's
        # i-th best score (passages whose scores tie within 1e-9 may swap places)
        best = np.sort(expected)[::-1][:10]
        assert np.allclose([expected[d] for d, _ in top], best, rtol=0, atol=1e-9), q
        assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)


@pytest.mark.parametrize("repeat, dtype", [(3, np.uint8), (300, np.uint16), (70_000, np.uint32)])
def test_counts_are_stored_narrow_and_score_exactly(repeat, dtype):
    """A posting keeps the word's count in the narrowest type that holds it, not a float64 score; the scores
    worked out from it are rank-bm25's, however often a passage repeats a word."""
    docs, _ = random_corpus(11)
    docs = docs + [["w3"] * repeat + ["w1"]]
    p = BM25Params()
    oracle, ours = BM25Plus(docs, k1=p.k1, b=p.b, delta=p.delta), BM25Index.build(docs)
    assert ours.tf.dtype == dtype and ours.fwd_tf.dtype == dtype
    assert int(ours.tf.max()) == max(max(Counter(d).values()) for d in docs)
    for q in (["w3"], ["w1", "w3", "w0"]):
        assert np.max(np.abs(oracle.get_scores(q) - ours.scores(q))) < 1e-9
        assert ours.top(q, 1)[0][0] == int(np.argmax(oracle.get_scores(q)))


def test_common_term_keeps_positive_weight():
    """BM25Okapi gives a term in half the passages idf 0; BM25Plus must still rank it."""
    docs = [["calcinosis", "skin"], ["calcinosis", "joint"], ["other"], ["thing"]]
    ours = BM25Index.build(docs)
    top = ours.top(["calcinosis"], 2)
    assert {d for d, _ in top} == {0, 1}
    assert top[0][1] > ours.scores(["calcinosis"])[2]


def test_params_are_honoured():
    docs, _ = random_corpus(5)
    params = BM25Params(k1=0.9, b=0.4, delta=0.5)
    oracle = BM25Plus(docs, k1=0.9, b=0.4, delta=0.5)
    ours = BM25Index.build(docs, params)
    assert np.allclose(oracle.get_scores(["w1", "w7"]), ours.scores(["w1", "w7"]), rtol=0, atol=1e-9)


def test_weighted_query_is_a_sum_of_scaled_term_scores():
    docs, _ = random_corpus(7)
    ours = BM25Index.build(docs)
    combined = ours.scores({"w1": 1.0, "w2": 0.25})
    assert np.allclose(combined, ours.scores(["w1"]) + 0.25 * ours.scores(["w2"]), atol=1e-12)


def test_forward_index_lists_each_passage_terms():
    docs, _ = random_corpus(9)
    ours = BM25Index.build(docs)
    for pid, tokens in enumerate(docs):
        assert {ours.terms[t] for t in ours.doc_terms(pid)} == set(tokens)


def _zipf_index(seed: int, n_docs: int = 20_000, vocab: int = 3_000):
    rng = np.random.default_rng(seed)
    p = 1 / np.arange(1, vocab + 1)
    lens = rng.integers(3, 30, size=n_docs)
    ids = rng.choice(vocab, size=int(lens.sum()), p=p / p.sum())
    docs, at = [], 0
    for n in lens:
        docs.append([f"w{i}" for i in ids[at: at + n]])
        at += n
    return BM25Index.build(docs), rng


def _queries(rng, n: int = 200):
    out = []
    for _ in range(n):
        common = rng.integers(0, 20, size=rng.integers(1, 4))  # long postings
        rare = rng.integers(20, 3_000, size=rng.integers(1, 4))
        out.append({f"w{i}": float(rng.choice([1.0, 0.5, 0.3])) for i in [*common, *rare]})
    return out


def test_pruned_top_k_equals_scoring_every_passage(monkeypatch):
    """MaxScore-style pruning (``_top_pruned``) gives exactly the passages and scores of the full sums."""
    import bot.bm25 as b

    index, rng = _zipf_index(0)
    queries = _queries(rng)
    monkeypatch.setattr(b, "PRUNE_MIN_POSTINGS", 1_000)
    pruned = [index.top(q, 10) for q in queries]
    ordered = [index._ordered(index._weighted(q)) for q in queries]
    ran = sum(index._top_pruned(w, 10, index._constant(w)) is not None for w in ordered)
    assert ran > 50  # it ran (and on the others could not stop anywhere, so it left them to the full sums)
    monkeypatch.setattr(b, "PRUNE_MIN_POSTINGS", 10**18)
    full = [index.top(q, 10) for q in queries]
    assert pruned == full
    for q, top in zip(queries[:20], full):
        scores = index.scores(q)
        assert [round(s, 9) for _, s in top] == [round(float(s), 9) for s in np.sort(scores)[::-1][:10]]


def test_compiled_top_k_equals_numpy(monkeypatch):
    """The numba kernel (``kernel.py``, the speed extra; the test extra installs numba) returns the same
    passages and the same floats."""
    pytest.importorskip("numba", reason="numba (the speed extra) is not installed")
    import bot.bm25 as b
    from bot import kernel

    from bot._numba_kernel import SEED

    index, rng = _zipf_index(1)
    common = [{f"w{i}": 1.0, f"w{j}": 0.5, f"w{j + 1}": 0.3} for i in range(5) for j in range(5, 12, 3)]
    queries = _queries(rng) + common + [{"w0": 1.0}, {"w5": 1.0, "unknown": 1.0}, {"w2999": 1.0}]
    first = [index._ordered(index._weighted(q))[0][0] for q in queries if len(index._weighted(q)) > 1]
    seeded = [int(index.indptr[t + 1] - index.indptr[t]) <= SEED for t in first]
    assert any(seeded) and not all(seeded)  # the kernel's both ways in: its first term scored first or not
    monkeypatch.setattr(b, "PRUNE_MIN_POSTINGS", 10**18)
    numpy_top = [index.top(q, 10) for q in queries]
    totals = [int(sum(index.indptr[t + 1] - index.indptr[t] for t, _ in index._weighted(q))) for q in queries]
    cut = sorted(totals)[len(totals) // 2]
    assert min(totals) <= cut < max(totals)
    assert kernel.enable((index.tf.dtype,))
    try:
        # term at a time (``EXHAUSTIVE_MAX``) for none, for the questions with the fewer postings, for all of them
        for most in (-1, cut, 10**18):
            monkeypatch.setattr(b, "EXHAUSTIVE_MAX", most)
            compiled = [index.top(q, 10) for q in queries]
            assert compiled == numpy_top, most
            assert index.top({"w2999": 1.0}, 10) == numpy_top[-1]  # fewer matches than k: the rest in order
            assert not index._local.buf.any()  # the scratch array is handed back all zeros
    finally:
        kernel.disable()


def test_compiled_top_k_reads_each_passage_s_norm_through_its_code(monkeypatch):
    """The kernel reads a passage's length norm as ``table[code]`` (``BM25Index.norm_codes``): every code gives back
    its passage's norm exactly, and with more distinct lengths than a byte can number (here 600) the kernel's
    passages and floats are still numpy's, both ways through it."""
    pytest.importorskip("numba", reason="numba (the speed extra) is not installed")
    import bot.bm25 as b
    from bot import kernel

    rng = np.random.default_rng(5)
    docs = [[f"w{i}" for i in rng.integers(0, 40, size=n)] for n in rng.permutation(np.arange(1, 601))]
    index = BM25Index.build(docs)
    table, code = index.norm_codes
    assert len(table) == 600 and code.dtype == np.uint16
    assert np.array_equal(table[code], index.norm)  # the same floats, not near ones
    other = index.norm * 1.5  # a view (a segment scored with its corpus's statistics) has codes of its own norm
    view = index.view(idf=index.idf, norm=other, max_weight=index.max_weight * 1.5, bound_scale=None)
    assert np.array_equal(view.norm_codes[0][view.norm_codes[1]], other)
    queries = [{f"w{i}": 1.0, f"w{j}": 0.5} for i in range(0, 40, 7) for j in range(3, 40, 9)]
    numpy_top = [index.top(q, 10) for q in queries]
    assert kernel.enable((index.tf.dtype,))
    try:
        for most in (-1, 10**18):  # document at a time, term at a time
            monkeypatch.setattr(b, "EXHAUSTIVE_MAX", most)
            assert [index.top(q, 10) for q in queries] == numpy_top, most
    finally:
        kernel.disable()


@pytest.mark.parametrize("compiled", [False, True])
def test_fewer_matches_than_k_are_filled_unless_a_segment_asks(monkeypatch, compiled):
    """When fewer than ``k`` passages hold a question term, ``top`` fills the list with the first others at the δ
    constant, in passage order; a segment's part of an answer (``ranked(..., fill=False)``) is only the passages
    holding one, every path alike."""
    from bot import kernel

    index = BM25Index.build([["calcinosis", "skin"], ["skin"], ["gout"], ["calcinosis"], ["joint"], ["tophus"]])
    if compiled:
        pytest.importorskip("numba", reason="numba (the speed extra) is not installed")
        assert kernel.enable((index.tf.dtype,))
    try:
        weighted = index._ordered(index._weighted(["calcinosis"]))
        constant = index._constant(weighted)
        held = index.ranked(weighted, 5, constant, fill=False)
        assert sorted(d for d, _ in held) == [0, 3] and all(s > constant for _, s in held)
        top = index.top(["calcinosis"], 5)
        assert top[:2] == held and top[2:] == [(1, constant), (2, constant), (4, constant)]
    finally:
        kernel.disable()


def test_postings_sorted_by_packed_keys_equal_the_two_array_sorts():
    """``from_forward`` sorts (passage, term, count) packed into one int64; too wide to pack, it sorts by arrays."""
    from bot.bm25 import _sorted_both_ways

    rng = np.random.default_rng(3)
    p_doc, p_term = [], []
    for d in range(300):
        terms = rng.choice(500, size=int(rng.integers(1, 20)), replace=False)
        p_doc += [d] * len(terms)
        p_term += list(terms)
    p_doc, p_term = np.array(p_doc, dtype=np.int64), np.array(p_term, dtype=np.int64)
    tf = rng.integers(1, 300, size=len(p_doc)).astype(np.int64)
    packed = _sorted_both_ways(p_doc.copy(), p_term.copy(), tf.copy(), 300, 500)  # it overwrites what it is given
    by_arrays = _sorted_both_ways(p_doc.copy(), p_term.copy(), tf.copy(), 2**40, 2**30)  # 70 bits: not packed
    for a, b in zip(packed, by_arrays):
        assert np.array_equal(a, b)
    fwd_terms, fwd_tf, post_terms, post_docs, post_tf = packed
    assert np.all(np.diff(post_terms) >= 0) and len(post_docs) == len(p_doc)
    assert sorted(zip(post_docs.tolist(), post_terms.tolist(), post_tf.tolist())) == sorted(
        zip(p_doc.tolist(), p_term.tolist(), tf.tolist()))


@pytest.mark.parametrize("chunk", [64, 192, 1 << 16])
def test_bounds_in_chunks_are_the_largest_posting_scores(monkeypatch, chunk):
    """Each term's and each block's bound is the largest score among its postings, whatever the chunks the
    bounds are worked out in (a term's postings split across chunks, chunks ending mid-term)."""
    import bot.bm25 as b

    monkeypatch.setattr(b, "BOUNDS_CHUNK", chunk)
    index, _ = _zipf_index(2)
    assert len(index.docs) > 20 * chunk or chunk == 1 << 16
    rebuilt = BM25Index.from_forward(index.terms, index.fwd_indptr, index.fwd_terms, index.fwd_tf, index.doc_len,
                                     index.params)
    scores = np.concatenate([index.impacts(t, int(index.indptr[t]), int(index.indptr[t + 1]))
                             for t in range(len(index.terms))])
    per_term = [scores[index.indptr[t]: index.indptr[t + 1]].max() for t in range(len(index.terms))]
    per_block = [scores[i: i + (1 << b.BLOCK_SHIFT)].max() for i in range(0, len(scores), 1 << b.BLOCK_SHIFT)]
    assert rebuilt.max_weight.tolist() == per_term
    assert rebuilt.block_max.tolist() == per_block


def test_the_compiled_counting_sort_gives_the_arrays_numpy_sorts(monkeypatch):
    """A large build places its postings by a compiled counting sort (``bm25.COMPILED_SORT_MIN``, numba): every array
    of the index is the one ``_sorted_both_ways`` gives, each passage's terms given in a scrambled order, as a
    reader's numbering gives them."""
    import bot.bm25 as b
    from bot import kernel

    if not kernel.available():
        pytest.skip("numba is not installed (the `speed` extra)")
    small, rng = _zipf_index(5)
    docs = [[small.terms[int(t)] for t in small.doc_terms(d)] for d in range(small.n_docs)]
    docs.insert(7, [f"long{i}" for i in range(500)] + small.terms[:300])  # a data dump: sorted, not inserted
    index = BM25Index.build(docs)
    fwd_terms = np.array(index.fwd_terms, dtype=np.int64)
    fwd_tf = np.array(index.fwd_tf)
    for d in range(index.n_docs):  # each passage's entries in a random order
        s, e = int(index.fwd_indptr[d]), int(index.fwd_indptr[d + 1])
        order = s + rng.permutation(e - s)
        fwd_terms[s:e], fwd_tf[s:e] = fwd_terms[order], fwd_tf[order]
    # the vocabulary as a reader numbers it: in no order, with a term no passage holds
    names = list(index.terms) + ["unused"]
    shuffle = rng.permutation(len(names))
    names = [names[i] for i in shuffle]
    fwd_terms = np.argsort(shuffle)[fwd_terms]
    built = {}
    for how, least, owned in (("compiled", 0, False), ("owned", 0, True), ("numpy", 1 << 62, False)):
        monkeypatch.setattr(b, "COMPILED_SORT_MIN", least)
        given = (fwd_terms.astype(np.int32), fwd_tf.astype(np.int32))
        kept = (given[0].copy(), given[1].copy())
        built[how] = BM25Index.from_forward(names, index.fwd_indptr, *given, index.doc_len, index.params, owned=owned)
        if not owned:  # what is not the builder's to give up is left as it was
            assert np.array_equal(given[0], kept[0]) and np.array_equal(given[1], kept[1])
    assert built["owned"].terms == built["numpy"].terms == index.terms
    for name in ("idf", "max_weight", "block_max", "indptr", "docs", "tf", "doc_len", "fwd_indptr", "fwd_terms",
                 "fwd_tf"):
        theirs = getattr(built["numpy"], name)
        for how in ("compiled", "owned"):
            mine = getattr(built[how], name)
            assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs), (how, name)
        assert np.array_equal(theirs, getattr(index, name)), name
