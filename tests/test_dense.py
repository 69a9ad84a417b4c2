"""The optional dense extra: fusion (pure numpy), storage in the index, and the real model when installed.

The CI installs only ``.[test]``: the tests that need the model skip there with a reason; the fusion,
the environment switch and the index files are tested with a stand-in encoder (a bag of letters), so
storage, checks and incremental reuse are covered without PyTorch.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot import beir, dense, store
from bot.answer import Answerer
from bot.rank import Weights
from bot.cli import main
from bot.errors import ConfigError, IndexFormatError
from bot.indexer import reindex
from bot.tokenize import Tokenizer

from .test_eval import _tiny_beir

needs_extra = pytest.mark.skipif(not dense.available(), reason="the optional 'dense' extra is not installed "
                                 "(pip install torch==2.13.0 && pip install -e '.[dense]')")


@pytest.fixture(autouse=True)
def _no_dense_env(monkeypatch, tmp_path):
    monkeypatch.delenv("CITEBOT_DENSE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


class LetterEncoder:
    """Stand-in for the model: unit vectors of letter counts, padded to the model's width."""

    def __init__(self):
        self.encoded = 0

    def encode(self, texts):
        self.encoded += len(texts)
        out = np.zeros((len(texts), dense.DIM), dtype=np.float32)
        for i, t in enumerate(texts):
            for c in t.lower():
                if "a" <= c <= "z":
                    out[i, ord(c) - 97] += 1
            out[i] /= max(np.linalg.norm(out[i]), 1e-9)
        return out


@pytest.fixture
def fake_model(monkeypatch):
    enc = LetterEncoder()
    monkeypatch.setattr(dense, "available", lambda: True)
    monkeypatch.setattr(dense, "encoder", lambda: enc)
    return enc


# -- fusion: pure numpy ------------------------------------------------------------------------


def test_fuse_normalises_each_score_and_mixes_them():
    bm25 = np.array([10.0, 6.0, 2.0, 0.0])
    cos = np.array([0.1, 0.9, 0.5, 0.3])
    # min-max over the candidates (all four): bm25 → 1, .6, .2, 0; dense → 0, 1, .5, .25
    got = dense.fuse(bm25, cos, 4, weight=0.5, pool=4)
    want = {0: 0.5, 1: 0.8, 2: 0.35, 3: 0.125}
    assert [d for d, _ in got] == [1, 0, 2, 3]
    for d, s in got:
        assert s == pytest.approx(want[d])
    assert [d for d, _ in dense.fuse(bm25, cos, 2, weight=0.0, pool=4)] == [0, 1]  # BM25 alone
    assert [d for d, _ in dense.fuse(bm25, cos, 2, weight=1.0, pool=4)] == [1, 2]  # dense alone


def test_fuse_candidates_are_the_union_of_both_top_lists():
    bm25 = np.array([5.0, 4.0, 0.0, 0.0, 0.0, 3.0])
    cos = np.array([0.0, 0.0, 0.0, 0.9, 0.1, 0.0])
    # candidates {0, 1} ∪ {3, 4}; passage 5 (BM25 3.0) is in neither top 2 and is not ranked
    # bm25 over them → 1, .8, 0, 0; dense → 0, 0, 1, 1/9; fused → .5, .4, .5, 1/18
    got = dense.fuse(bm25, cos, 2, weight=0.5, pool=2)
    assert got == [(0, pytest.approx(0.5)), (3, pytest.approx(0.5))]


def test_fuse_ties_go_to_the_lower_id_and_degenerate_inputs():
    assert [d for d, _ in dense.fuse(np.ones(5), np.ones(5), 3)] == [0, 1, 2]
    assert dense.fuse(np.ones(3), np.ones(3), 0) == []
    with pytest.raises(ValueError):
        dense.fuse(np.ones(3), np.ones(4), 2)


def test_citebot_dense_env():
    assert dense.requested({}) is None and dense.requested({"CITEBOT_DENSE": ""}) is None
    assert dense.requested({"CITEBOT_DENSE": "1"}) is True and dense.requested({"CITEBOT_DENSE": "off"}) is False
    with pytest.raises(ConfigError):
        dense.requested({"CITEBOT_DENSE": "maybe"})


# -- without the extra -------------------------------------------------------------------------


@pytest.mark.skipif(dense.available(), reason="the 'dense' extra is installed here")
def test_without_the_extra_dense_is_a_clear_error_and_bm25_still_works(tmp_path, corpus_dir, index_dir, capsys,
                                                                      monkeypatch):
    root = _tiny_beir(tmp_path / "bench")
    assert main(["eval", "--beir", str(root), "--split", "train", "--dense"]) == 2
    assert "'dense' extra" in capsys.readouterr().err
    monkeypatch.setenv("CITEBOT_DENSE", "1")
    assert main(["reindex", "--corpus", str(corpus_dir), "--index", str(index_dir)]) == 2
    assert "pip install" in capsys.readouterr().err
    monkeypatch.delenv("CITEBOT_DENSE")
    assert main(["eval", "--beir", str(root), "--split", "train"]) == 0


# -- the index files, with the stand-in encoder -------------------------------------------------


def test_embeddings_are_a_checked_plain_npy_in_the_index(corpus_dir, index_dir, fake_model):
    reindex(corpus_dir, index_dir, dense=True)
    folder = store.resolve(index_dir)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["dense"]["model"] == dense.MODEL and "embeddings.npy" in manifest["files"]
    arr = np.load(folder / "embeddings.npy", allow_pickle=False)
    assert arr.dtype == np.float32 and arr.shape == (manifest["counts"]["passages"], dense.DIM)
    loaded = store.load(index_dir, tokenizer=Tokenizer().settings)
    assert np.array_equal(loaded.embeddings, arr)
    loaded.passages.close()
    np.save(folder / "embeddings.npy", arr[:, ::-1].copy(), allow_pickle=False)  # same size, other content
    with pytest.raises(IndexFormatError, match="embeddings.npy"):
        store.load(index_dir, tokenizer=Tokenizer().settings)


def test_dense_is_kept_on_rebuild_and_only_changed_passages_are_encoded(corpus_dir, index_dir, fake_model,
                                                                        monkeypatch):
    monkeypatch.setenv("CITEBOT_DENSE", "1")
    reindex(corpus_dir, index_dir)
    first = fake_model.encoded
    monkeypatch.delenv("CITEBOT_DENSE")
    (corpus_dir / "extra.md").write_text("# Extra\n\nA new paragraph about gout.\n", encoding="utf-8")
    reindex(corpus_dir, index_dir)  # recorded in the manifest: kept
    assert fake_model.encoded == first + 1
    assert "dense" in store.read_manifest(index_dir)
    monkeypatch.setenv("CITEBOT_DENSE", "0")
    reindex(corpus_dir, index_dir)
    assert "dense" not in store.read_manifest(index_dir)


def test_answers_fuse_when_the_index_has_embeddings(corpus_dir, index_dir, fake_model, monkeypatch):
    reindex(corpus_dir, index_dir, dense=True)
    loaded = store.load(index_dir, tokenizer=Tokenizer().settings)
    a = Answerer(loaded)
    ranked = a.rank("What conditions are associated with calcinosis?", k=5)
    # fused scores are normalised to [0, 1]; one article adds the same article-level share to each (rank.py)
    assert len(ranked) == 5 and all(0.0 <= s <= 1.0 + Weights().article for _, s in ranked)
    monkeypatch.setenv("CITEBOT_DENSE", "0")
    # BM25's own order (synonym=0: every variant of a concept counted, as the BM25 query sums them)
    plain = Answerer(loaded, ranking=Weights(synonym=0.0)).rank("What conditions are associated with calcinosis?", k=5)
    assert [p for p, _ in plain] == [p for p, _ in loaded.bm25.top(Answerer(loaded)._weighted_query(a.expand(
        "What conditions are associated with calcinosis?"), []), 5)]
    assert a.ask("What conditions are associated with calcinosis?").answered
    loaded.passages.close()


def test_halves_keep_queries_sharing_a_document_together():
    qrels = {str(i): {f"d{i // 2}": 1} for i in range(40)}
    a, b = beir.halves(qrels)
    assert a | b == set(qrels) and not a & b and a and b
    for i in range(0, 40, 2):
        assert (str(i) in a) == (str(i + 1) in a)


# -- the real model ------------------------------------------------------------------------------


@needs_extra
def test_real_model_offline_ranks_the_tiny_beir_folder(tmp_path, capsys):
    root = _tiny_beir(tmp_path / "bench")
    assert main(["eval", "--beir", str(root), "--split", "train", "--dense", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dense"] is True and out["ndcg@10"] == 1.0
    vecs = dense.encoder().encode(["statins lower cholesterol", "cholesterol-lowering statin drugs", "a fracture"])
    assert vecs.shape == (3, dense.DIM) and vecs.dtype == np.float32
    assert float(vecs[0] @ vecs[1]) > float(vecs[0] @ vecs[2])


def test_fused_scores_get_no_theme_credit(tmp_path, fake_model):
    """The credit for a word an article is about is in BM25's units (``rank.Levels.themes``); fused scores are
    normalised, so with embeddings in the index the ranking is the same with the credit as without it."""
    from .test_rank import BRONCHIOLITIS, CHILD_SEPSIS, CROUP, OTITIS

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in {"otitis.md": OTITIS, "croup.md": CROUP, "sepsis.md": CHILD_SEPSIS,
                       "bronchiolitis.md": BRONCHIOLITIS}.items():
        (corpus / name).write_text(text, encoding="utf-8")
    reindex(corpus, tmp_path / "index", dense=True)
    loaded = store.load(tmp_path / "index", tokenizer=Tokenizer().settings)
    try:
        question = "amox dose for AOM?"
        fused = Answerer(loaded).rank(question, k=10)
        assert fused == Answerer(loaded, ranking=Weights(theme=0.0)).rank(question, k=10)
        levels = Answerer(loaded).levels
        pids = np.array([p for p, _ in fused])
        assert levels.themes({"aom": 1.0}, pids, levels.s.article_of[pids]).any()  # BM25 scores would get it
    finally:
        loaded.passages.close()

