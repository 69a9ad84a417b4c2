"""rank-bm25 is the definition of the scores; our inverted index must agree with it."""

from __future__ import annotations

import random

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
    oracle, ours = BM25Plus(docs), BM25Index.build(docs)
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
