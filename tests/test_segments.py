"""An edit written as segments (``segments.py``) answers as a full rebuild of the same corpus does."""

from __future__ import annotations

import errno
import json
import os
import random

import numpy as np
import pytest

from bot import bm25, indexer, kernel, store
from bot.answer import Answerer
from bot.bench.synth import generate
from bot.errors import CorpusError, IndexFormatError
from bot.indexer import reindex
from bot.render import as_json
from bot.segments import SegmentedIndex
from bot.structure import ARRAYS as OUTLINE_ARRAYS
from bot.tokenize import Tokenizer

from .conftest import MARKDOWN_ARTICLE

QUESTIONS = ("How is calcinosis treated?", "gout flare colchicine dose", "which antibodies go with calcinosis?",
             "allopurinol in kidney disease", "what about surgery?", "zyxquon", "diltiazem for calcinosis")


@pytest.fixture
def library(corpus_dir):
    """The seed article, a Markdown article and 40 synthetic ones: an edited file, counted as read and as gone
    from the base, is under 5 % of the corpus."""
    (corpus_dir / "gout.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    generate(corpus_dir / "synth", 2000, seed=5, questions=1)
    return corpus_dir


@pytest.fixture
def small(corpus_dir, monkeypatch):
    """The seed article, a Markdown article and 12 synthetic ones, with edits of up to half of it in segments."""
    (corpus_dir / "gout.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    generate(corpus_dir / "synth", 600, seed=5, questions=1)
    monkeypatch.setattr(indexer, "SEGMENT_SHARE", 0.5)
    return corpus_dir


def load(index_dir) -> store.Loaded:
    return store.load(index_dir, tokenizer=Tokenizer().settings)


def _queries(bm25, n: int = 50) -> list[list[str]]:
    rng = random.Random(11)
    words = bm25.terms
    return [[rng.choice(words) for _ in range(rng.randint(1, 5))] for _ in range(n)] + [["zzznotaword"]]


def assert_answers_as_a_full_rebuild(seg: store.Loaded, full: store.Loaded) -> None:
    """Same vocabulary and statistics; the same top 10 (scores within 1e-9) on both ranking paths; the same
    passages, outline, references, lexicon and answers."""
    s, f = seg.bm25, full.bm25
    assert isinstance(s, SegmentedIndex)
    assert s.terms == f.terms and s.n_docs == f.n_docs
    assert np.array_equal(s.idf, f.idf) and np.array_equal(s.norm, f.norm) and np.array_equal(s.doc_len, f.doc_len)
    # numpy; compiled, term at a time (these small indexes' questions have few postings); compiled, pruned
    paths = [None] + ([bm25.EXHAUSTIVE_MAX, -1] if kernel.available() else [])
    default = bm25.EXHAUSTIVE_MAX
    try:
        for most in paths:
            if most is None:
                kernel.disable()
            else:
                kernel.enable(COUNT_TYPES)
                bm25.EXHAUSTIVE_MAX = most
            for q in _queries(f):
                a, b = s.top(q, 10), f.top(q, 10)
                assert [d for d, _ in a] == [d for d, _ in b], q
                assert np.allclose([x for _, x in a], [x for _, x in b], rtol=0, atol=1e-9), q
    finally:
        kernel.disable()
        bm25.EXHAUSTIVE_MAX = default
    q = {t: 1.0 + i / 7 for i, t in enumerate(f.terms[::97])}
    assert np.allclose(s.scores(q), f.scores(q), rtol=0, atol=1e-9)
    pids = np.arange(f.n_docs)
    for tid in range(0, len(f.terms), 29):
        assert np.array_equal(s.term_docs(tid), f.term_docs(tid))
        assert np.allclose(s.impacts_for(tid, pids), f.impacts_for(tid, pids), rtol=0, atol=1e-12)
    for pid in range(f.n_docs):
        assert np.array_equal(s.doc_terms(pid), f.doc_terms(pid))
        assert seg.passages.get(pid) == full.passages.get(pid)
    for mine, theirs in zip(s.forward(0, s.n_docs), f.forward(0, f.n_docs)):
        assert np.array_equal(mine, theirs)
    assert seg.passages.lines(0, f.n_docs) == full.passages.lines(0, f.n_docs)
    for name in OUTLINE_ARRAYS:
        assert np.array_equal(getattr(seg.structure, name), getattr(full.structure, name)), name
    assert dict(seg.references) == dict(full.references) and seg.missing == full.missing
    assert seg.abbreviations == full.abbreviations
    assert store.read_harvested(seg.folder) == store.read_harvested(full.folder)
    for name in ("references.jsonl", "references.index.json"):
        assert (seg.folder / name).read_bytes() == (full.folder / name).read_bytes(), name
    assert seg.manifest["corpus"] == full.manifest["corpus"]
    assert store.read_lexicon(seg.folder) == store.read_lexicon(full.folder)
    assert store.read_stems_dict(seg.folder) == store.read_stems_dict(full.folder)
    a, b = Answerer(seg), Answerer(full)
    for question in QUESTIONS:
        assert as_json(a.ask(question)) == as_json(b.ask(question)), question


COUNT_TYPES = (np.uint8, np.uint16)


def full_rebuild(corpus_dir, folder) -> store.Loaded:
    reindex(corpus_dir, folder, full=True)
    return load(folder)


def _synth(library):
    return sorted((library / "synth").rglob("*.md"))


def test_a_one_file_edit_writes_segments_and_links_the_base(library, index_dir, tmp_path):
    """With the default share: the previous index's files become the base by hard link (same inode, nothing
    copied), only the edited file is read, and the version answers as a full rebuild does."""
    reindex(library, index_dir)
    before = load(index_dir).folder
    f = _synth(library)[7]
    f.write_text(f.read_text(encoding="utf-8").replace("\n## References", "\n- Zyxquon helps gout [1]\n"
                                                        "- and a second new bullet [2]\n\n## References", 1),
                 encoding="utf-8")
    stats = reindex(library, index_dir)
    assert stats.files_read == 1
    seg = load(index_dir)
    assert [s["folder"] for s in seg.manifest["segments"]] == ["seg0", "seg1"]
    for name in ("docs.npy", "tf.npy", "passages.jsonl", "fwd_terms.npy"):
        assert os.stat(seg.folder / "seg0" / name).st_ino == os.stat(before / name).st_ino, name
    assert seg.bm25.segments[1].bm25.n_docs < 60  # the delta: the edited file's passages only
    # loading (as an edit loads the previous version and checks the new one) works out no scoring statistics
    assert "_scoring" not in vars(seg.bm25)
    assert seg.bm25.top(["gout"], 3) and "_scoring" in vars(seg.bm25)
    assert_answers_as_a_full_rebuild(seg, full_rebuild(library, tmp_path / "full"))


@pytest.mark.parametrize("how", ["file added first", "file removed", "edited twice", "edited, then a base file",
                                 "a word repeated 300 times", "a known word in a new form"])
def test_edits_in_segments_answer_as_a_full_rebuild(small, index_dir, tmp_path, how):
    """Each kind of edit, and edits that follow each other (the delta carried over, more base passages gone)."""
    reindex(small, index_dir)
    synth = _synth(small)
    steps = {
        "file added first": [lambda: (small / "0-first.md").write_text(
            MARKDOWN_ARTICLE.replace("Gout", "Pseudogout"), encoding="utf-8")],
        "file removed": [lambda: synth[3].unlink()],
        "edited twice": [lambda: synth[5].write_text(synth[5].read_text() + "\n- one more bullet [1]\n"),
                         lambda: synth[5].write_text(synth[5].read_text().replace("- one more bullet [1]\n", ""))],
        "edited, then a base file": [
            lambda: synth[5].write_text(synth[5].read_text() + "\n- one more bullet [1]\n"),
            lambda: sorted(small.glob("*.txt"))[0].write_text("Calcinosis\n\nOnly this line is left.\n")],
        "a word repeated 300 times": [lambda: (small / "zzz.md").write_text(
            "# Repeats\n\n" + "gout " * 300 + "[1]\n\n## References\n\n1. A. B.\n", encoding="utf-8")],
        # no new term, so the previous version's words are kept (``indexer._kept_words``): the new form's stem must
        # still join the word → stem table, as a full rebuild's
        "a known word in a new form": [lambda: synth[5].write_text(synth[5].read_text().replace(
            "\n## References", "\n- Allopurinols [1]\n\n## References", 1))],
    }[how]
    for i, step in enumerate(steps):
        step()
        assert reindex(small, index_dir).files_read == (how != "file removed")
        seg = load(index_dir)
        assert "segments" in seg.manifest
        assert_answers_as_a_full_rebuild(seg, full_rebuild(small, tmp_path / f"full{i}"))


def test_past_the_share_an_edit_builds_one_index_again(small, index_dir, tmp_path, monkeypatch):
    """Segments are folded back into one index when the delta and the gone passages outgrow the share."""
    reindex(small, index_dir)
    synth = _synth(small)
    synth[1].write_text(synth[1].read_text() + "\n- one more bullet [1]\n")
    reindex(small, index_dir)
    assert "segments" in load(index_dir).manifest
    monkeypatch.setattr(indexer, "SEGMENT_SHARE", 0.001)
    synth[2].write_text(synth[2].read_text() + "\n- another bullet [1]\n")
    reindex(small, index_dir)
    one = load(index_dir)
    assert "segments" not in one.manifest
    full = full_rebuild(small, tmp_path / "full")
    for name in ("idf", "docs", "tf", "indptr", "fwd_terms", "block_max"):
        assert np.array_equal(getattr(one.bm25, name), getattr(full.bm25, name)), name
    assert one.bm25.terms == full.bm25.terms


def test_a_damaged_segment_is_refused_and_rebuilt(small, index_dir):
    """A segment's id map or file that does not agree: the version is refused with the file named, and the
    next ``open_fresh`` rebuilds (the previous version keeps answering meanwhile)."""
    reindex(small, index_dir)
    synth = _synth(small)
    synth[1].write_text(synth[1].read_text() + "\n- one more bullet [1]\n")
    reindex(small, index_dir)
    folder = load(index_dir).folder
    pid = np.load(folder / "seg1.pid.npy")
    pid[0] = len(pid) * 1000  # a passage id out of range, the file's size unchanged
    np.save(folder / "seg1.pid.npy", pid)
    with pytest.raises(IndexFormatError, match="seg1.pid.npy"):
        load(index_dir)
    loaded, warning = indexer.open_fresh(small, index_dir)
    assert warning is None and loaded.bm25.n_docs == json.loads((folder / "manifest.json").read_text())[
        "counts"]["passages"]


def test_without_hard_links_the_base_is_copied(small, index_dir, tmp_path, monkeypatch):
    """A file system that refuses hard links (some network and FUSE mounts): the base's files are copied with their
    times, and the edit still succeeds and answers as a full rebuild."""
    reindex(small, index_dir)

    def refuse(*_):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", refuse)
    f = _synth(small)[7]
    f.write_text(f.read_text(encoding="utf-8") + "\n- one more bullet [1]\n", encoding="utf-8")
    reindex(small, index_dir)
    seg = load(index_dir)
    assert "segments" in seg.manifest
    assert_answers_as_a_full_rebuild(seg, full_rebuild(small, tmp_path / "full"))


def test_an_undecodable_edit_fails_naming_the_line_and_the_segments_keep_answering(small, index_dir):
    """A bad article met by an edit in segments: the reindex fails naming the file and line, the current version
    (itself in segments) stays, and ``open_fresh`` answers from it with a warning naming the file."""
    reindex(small, index_dir)
    synth = _synth(small)
    synth[1].write_text(synth[1].read_text() + "\n- one more bullet [1]\n")
    reindex(small, index_dir)
    before = store.resolve(index_dir)
    bad = synth[2]
    bad.write_bytes(bad.read_bytes() + b"\n- \xff broken\n")
    with pytest.raises(CorpusError, match=r"line \d+: not UTF-8") as e:
        reindex(small, index_dir)
    assert str(bad) in str(e.value) and store.resolve(index_dir) == before
    loaded, warning = indexer.open_fresh(small, index_dir)
    assert bad.name in warning and "segments" in loaded.manifest
    assert Answerer(loaded).ask("How is calcinosis treated?", abstain=False).hits


def test_passages_gone_by_earlier_edits_count_towards_the_share(library, index_dir):
    """Files removed one at a time: each edit alone is under the share, but the base's gone files add up, and
    once they pass it the next edit builds one index again (the gone postings are not kept for ever)."""
    reindex(library, index_dir)
    synth = _synth(library)
    synth[3].unlink()
    reindex(library, index_dir)
    first = load(index_dir)
    assert "segments" in first.manifest and first.manifest["gone_bytes"] > 0
    synth[4].unlink()  # this one alone is under the share too
    reindex(library, index_dir)
    assert "segments" not in load(index_dir).manifest


def test_other_scoring_parameters_build_one_index_again(small, index_dir):
    """The base was scored with other BM25 parameters (an upgrade changed them): the edit is not written as
    segments, whose base would keep the old ones, but as one index scored with the new."""
    from bot.bm25 import BM25Params

    reindex(small, index_dir)
    reindex(small, index_dir, params=BM25Params(k1=1.5))
    loaded = load(index_dir)
    assert "segments" not in loaded.manifest and loaded.manifest["bm25"]["k1"] == 1.5
    assert loaded.bm25.params.k1 == 1.5


def test_the_manifest_remembered_when_written_is_the_one_read_back(small, index_dir, monkeypatch):
    """The check of a version just written takes its manifest from memory (``store._remember_json``), not from
    the file: that is sound only while what was written is what JSON gives back, for a full build and an edit."""
    remembered = []
    real = store._remember_json
    monkeypatch.setattr(store, "_remember_json", lambda path, m: (
        remembered.append(m) if path.name == "manifest.json" and path.parent.name.startswith(".tmp-") else None,
        real(path, m)))
    reindex(small, index_dir)
    synth = _synth(small)
    synth[5].write_text(synth[5].read_text().replace("\n## References", "\n- one more bullet [1]\n\n## References", 1))
    for built in ("one index", "segments"):
        loaded = load(index_dir)
        assert ("segments" in loaded.manifest) == (built == "segments")
        assert remembered[-1] == json.loads((loaded.folder / "manifest.json").read_text(encoding="utf-8"))
        reindex(small, index_dir)
