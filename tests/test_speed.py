"""The fast paths give rank-bm25's numbers: candidate-only top-k, canonical vocabulary, cheap load checks."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Plus

from bot import store
from bot.bm25 import BM25Index, BM25Params
from bot.errors import IndexFormatError
from bot.indexer import reindex
from bot.tokenize import Tokenizer


def random_corpus(seed: int, n_docs: int, vocab: int):
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(vocab)]
    weights = [1 / (i + 3) for i in range(vocab)]
    return [rng.choices(words, weights, k=rng.randint(1, 20)) for _ in range(n_docs)], words


def expected_top(scores: np.ndarray, k: int) -> list[int]:
    """Best first, ties by passage order: the definition top() must meet exactly."""
    return [int(d) for d in np.lexsort((np.arange(len(scores)), -scores))[:k]]


@pytest.mark.parametrize("seed,n_docs,vocab", [(0, 60, 30), (1, 400, 300), (2, 1500, 2000), (3, 200, 15)])
def test_top_matches_rank_bm25_scores_and_ranking(seed, n_docs, vocab):
    docs, words = random_corpus(seed, n_docs, vocab)
    params = BM25Params(k1=1.2, b=0.7, delta=0.8)
    oracle, ours = BM25Plus(docs, k1=1.2, b=0.7, delta=0.8), BM25Index.build(docs, params)
    rng = random.Random(seed)
    rare = words[-5:]
    queries = [
        rng.sample(words, 4), [words[0], words[0], words[3]], ["unknown", words[7]], ["unknown"], [],
        rare, [rare[0]], [words[0], words[1], words[2], words[3], words[4]],  # long postings: the scan path
        [rare[1], rare[1], rare[2], "nope"],  # short postings: the sort path, repeated term
    ]
    for q in queries:
        expected = oracle.get_scores(q)
        assert np.max(np.abs(expected - ours.scores(q))) < 1e-9, q
        for k in (1, 5, 10, n_docs, n_docs + 3):
            top = ours.top(q, k)
            ids = [d for d, _ in top]
            assert len(ids) == min(k, n_docs) == len(set(ids)), q
            # scores within 1e-9 of the oracle's, position by position, and the exact tie order
            assert np.allclose([s for _, s in top], [expected[d] for d in ids], rtol=0, atol=1e-9), q
            assert ids == expected_top(ours.scores(q), k), (q, k)


def test_weighted_queries_take_the_same_path():
    docs, _ = random_corpus(4, 300, 50)
    ours = BM25Index.build(docs)
    for q in ({"w1": 1.0, "w2": 0.25, "w40": 0.3}, {"w3": 2.0}, {"w1": 1.0, "w2": -0.5}):
        assert ours.top(q, 7) == [(d, float(ours.scores(q)[d])) for d in expected_top(ours.scores(q), 7)]


def test_scratch_array_is_left_clean_between_questions():
    docs, _ = random_corpus(5, 200, 40)
    ours = BM25Index.build(docs)
    first = ours.top(["w1", "w9"], 5)
    ours.top(["w2", "w3", "w4", "w5"], 5)
    assert ours.top(["w1", "w9"], 5) == first


def test_vocabulary_is_canonical_whatever_the_passage_order():
    docs, _ = random_corpus(6, 50, 30)
    a, b = BM25Index.build(docs), BM25Index.build(list(reversed(docs)))
    assert a.terms == sorted(a.terms) == b.terms
    assert np.array_equal(a.idf, b.idf)


def test_large_index_file_is_hashed_when_its_mtime_changed(corpus_dir, index_dir, monkeypatch):
    monkeypatch.setattr(store, "ALWAYS_HASH_BYTES", 0)  # every file counts as large
    reindex(corpus_dir, index_dir)
    folder = store.resolve(index_dir)
    tok = Tokenizer().settings
    store.load(index_dir, tokenizer=tok)  # size + mtime as recorded: trusted
    path = folder / "tf.npy"
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF  # same size, different bytes, new mtime
    path.write_bytes(bytes(data))
    with pytest.raises(IndexFormatError, match="checksum"):
        store.load(index_dir, tokenizer=tok)


def _forge(path, edit) -> None:
    """Rewrite an index file in place with ``edit`` and forge its mtime back: the quick check trusts it."""
    import os

    st = path.stat()
    edit(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_forged_ids_out_of_range_are_caught_at_run_ends_and_anywhere_in_full(corpus_dir, index_dir, monkeypatch):
    """A large id file trusted by its size and mtime is checked at the end of each term's (or passage's)
    sorted run, not read whole; ``verify="full"`` reads every id."""
    monkeypatch.setattr(store, "ALWAYS_HASH_BYTES", 0)  # every file counts as large
    reindex(corpus_dir, index_dir)
    folder = store.resolve(index_dir)
    tok = Tokenizer().settings
    for name, ptr in (("docs.npy", "indptr.npy"), ("fwd_terms.npy", "fwd_indptr.npy")):
        indptr = np.load(folder / ptr)
        original = (folder / name).read_bytes()
        longest = int(np.argmax(np.diff(indptr)))
        for where, caught_quickly in ((int(indptr[longest + 1]) - 1, True), (int(indptr[longest]), False)):
            def edit(path, at=where):
                a = np.load(path)
                a[at] = 10 ** 9
                np.save(path, a, allow_pickle=False)

            _forge(folder / name, edit)
            if caught_quickly:
                with pytest.raises(IndexFormatError, match="do not agree"):
                    store.load(index_dir, tokenizer=tok)
            else:
                store.load(index_dir, tokenizer=tok)  # inside a run: only the full check reads it
                with pytest.raises(IndexFormatError, match="checksum"):
                    store.load(index_dir, tokenizer=tok, verify="full")
            _forge(folder / name, lambda path: path.write_bytes(original))
        store.load(index_dir, tokenizer=tok, verify="full")


def test_a_cold_ask_reads_the_manifest_once(corpus_dir, index_dir, monkeypatch):
    """The staleness check and the load that follows share one parse of the manifest (0.5 MB at 100k
    passages); a manifest rewritten since is read again."""
    import json

    from bot.indexer import open_fresh

    reindex(corpus_dir, index_dir)
    store._last_manifest = None
    reads = []
    real = store._read_manifest
    monkeypatch.setattr(store, "_read_manifest", lambda folder: reads.append(folder) or real(folder))
    open_fresh(corpus_dir, index_dir, rebuild=False)
    assert len(reads) == 1
    path = store.resolve(index_dir) / "manifest.json"
    m = json.loads(path.read_text())
    m["version"] = 999
    path.write_text(json.dumps(m))
    with pytest.raises(IndexFormatError, match="version 999"):
        store.load(index_dir, tokenizer=Tokenizer().settings)
    assert len(reads) == 2


def test_full_verification_hashes_everything(corpus_dir, index_dir, monkeypatch):
    import os

    monkeypatch.setattr(store, "ALWAYS_HASH_BYTES", 0)
    reindex(corpus_dir, index_dir)
    folder = store.resolve(index_dir)
    path = folder / "passages.jsonl"
    st = path.stat()
    data = path.read_bytes().replace(b"a", b"e", 1)
    path.write_bytes(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # mtime forged back
    store.load(index_dir, tokenizer=Tokenizer().settings)  # not caught by the quick check...
    with pytest.raises(IndexFormatError, match="checksum"):
        store.load(index_dir, tokenizer=Tokenizer().settings, verify="full")  # ...but by the full one
