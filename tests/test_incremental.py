"""Incremental reindex: unchanged files are reused, not re-read, and the result equals a full rebuild."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot import corpus, indexer, store
from bot.bench.synth import generate
from bot.indexer import reindex, stale_reason
from bot.tokenize import Tokenizer

from .conftest import MARKDOWN_ARTICLE

ARRAYS = ("idf", "max_weight", "block_max", "indptr", "docs", "tf", "doc_len", "fwd_indptr", "fwd_terms", "fwd_tf")


@pytest.fixture
def many(corpus_dir):
    """The seed article, a Markdown article and six synthetic ones in a sub-folder."""
    (corpus_dir / "gout.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    generate(corpus_dir / "synth", 300, seed=3, questions=1)
    return corpus_dir


@pytest.fixture
def reads(monkeypatch):
    """The relative paths of the corpus files whose bytes were read."""
    seen: list[str] = []
    real = corpus.read_bytes

    def counting(cf):
        seen.append(cf.rel)
        return real(cf)

    monkeypatch.setattr(corpus, "read_bytes", counting)
    return seen


def assert_same_index(incremental: store.Loaded, full: store.Loaded) -> None:
    for name in ARRAYS:
        assert np.array_equal(getattr(incremental.bm25, name), getattr(full.bm25, name)), name
    assert incremental.bm25.terms == full.bm25.terms
    assert (incremental.folder / "passages.jsonl").read_bytes() == (full.folder / "passages.jsonl").read_bytes()
    assert incremental.references == full.references and incremental.missing == full.missing
    assert incremental.manifest["corpus"] == full.manifest["corpus"]
    from bot.structure import compute

    lines = (full.folder / "passages.jsonl").read_bytes().splitlines(keepends=True)
    for name, arr in compute(lines).arrays().items():  # the outline, copied and renumbered for reused files
        assert np.array_equal(getattr(incremental.structure, name), arr), name
        assert np.array_equal(getattr(full.structure, name), arr), name
    assert store.read_lexicon(incremental.folder) == store.read_lexicon(full.folder)
    for q in (["calcinosi"], ["allopurinol", "gout", "gout"], ["nothing"]):
        assert incremental.bm25.top(q, 20) == full.bm25.top(q, 20)


def full_rebuild(corpus_dir, tmp_path) -> store.Loaded:
    reindex(corpus_dir, tmp_path / "full-index", full=True)
    return store.load(tmp_path / "full-index", tokenizer=Tokenizer().settings)


def load(index_dir) -> store.Loaded:
    return store.load(index_dir, tokenizer=Tokenizer().settings)


def test_editing_one_file_rereads_only_that_file(many, index_dir, tmp_path, reads):
    first = reindex(many, index_dir)
    assert first.files_read == first.files == 8 and first.files_reused == 0
    target = sorted((many / "synth").rglob("*.md"))[2]
    text = target.read_text(encoding="utf-8").replace("\n## References", "\n- A new bullet on gout [1]\n\n## References", 1)
    target.write_text(text, encoding="utf-8")
    reads.clear()
    stats = reindex(many, index_dir)
    assert (stats.files_read, stats.files_reused) == (1, 7)
    assert reads == [target.relative_to(many).as_posix()]
    assert stats.passages == first.passages + 1
    assert_same_index(load(index_dir), full_rebuild(many, tmp_path))


def test_adding_and_removing_files_equals_a_full_rebuild(many, index_dir, tmp_path, reads):
    reindex(many, index_dir)
    gone = sorted((many / "synth").rglob("*.md"))[0]
    gone.unlink()
    (many / "new.md").write_text(MARKDOWN_ARTICLE.replace("Gout", "Pseudogout"), encoding="utf-8")
    reads.clear()
    stats = reindex(many, index_dir)
    assert (stats.files_read, stats.files_reused, stats.files) == (1, 7, 8)
    assert reads == ["new.md"]
    loaded = load(index_dir)
    assert not any(loaded.passages.get(i).source == gone.name for i in range(loaded.bm25.n_docs))
    assert_same_index(loaded, full_rebuild(many, tmp_path))


def _edit(many: Path, how: str) -> None:
    synth = sorted((many / "synth").rglob("*.md"))
    if how == "bullet with a new word":
        text = synth[2].read_text(encoding="utf-8")
        synth[2].write_text(text.replace("\n## References", "\n- Zyxquon helps gout [1]\n\n## References", 1),
                            encoding="utf-8")
    elif how == "file removed":
        synth[0].unlink()
    elif how == "file added first, its words new":
        (many / "aaa.md").write_text("# Qqvorn\n\nQqvorn brandnewword flarp [1].\n\n## References\n\n1. A. B.\n",
                                     encoding="utf-8")
    elif how == "first and last files edited, words gone":
        first = sorted(many.glob("*.txt"))[0]  # the seed article: most of its words appear nowhere else
        first.write_text("Calcinosis\n\nOnly this line is left.\n", encoding="utf-8")
        synth[-1].write_text(synth[-1].read_text(encoding="utf-8") + "\n- one more bullet [1]\n", encoding="utf-8")
    elif how == "a word repeated 300 times":  # more than the one-byte counts of the index before
        (many / "zzz.md").write_text("# Repeats\n\n" + "gout " * 300 + "[1]\n\n## References\n\n1. A. B.\n",
                                     encoding="utf-8")


def test_edits_splice_the_previous_postings_into_the_same_index(many, index_dir, tmp_path, monkeypatch):
    """An edit keeps the previous index's postings of the files it copies and puts the new passages' among
    them (``bm25._spliced``), instead of sorting every posting again: after each of five edits in turn, the
    same arrays as a full build."""
    from bot import bm25

    reindex(many, index_dir)
    monkeypatch.setattr(bm25, "SPLICE_MAX", 1.0)  # these corpora are small: an edit is more than 2 % of them
    monkeypatch.setattr(indexer, "SEGMENT_SHARE", 0.0)  # one index, not segments (test_segments.py)
    used = []
    real = bm25._spliced
    monkeypatch.setattr(bm25, "_spliced", lambda *a: used.append(real(*a)) or used[-1])
    for i, how in enumerate(("bullet with a new word", "file removed", "file added first, its words new",
                             "first and last files edited, words gone", "a word repeated 300 times")):
        _edit(many, how)
        used.clear()
        reindex(many, index_dir)
        assert len(used) == 1 and used[0] is not None, how
        assert_same_index(load(index_dir), full_rebuild(many, tmp_path / str(i)))


def test_touched_file_is_hashed_not_parsed(many, index_dir, monkeypatch):
    reindex(many, index_dir)
    (many / "gout.md").touch()
    parsed = []
    real = corpus.parse_bytes
    monkeypatch.setattr(corpus, "parse_bytes", lambda cf, data: parsed.append(cf.rel) or real(cf, data))
    stats = reindex(many, index_dir)
    assert stats.files_read == 0 and parsed == []


def test_nothing_changed_reads_nothing(many, index_dir, reads):
    reindex(many, index_dir)
    reads.clear()
    stats = reindex(many, index_dir)
    assert (stats.files_read, stats.files_reused) == (0, 8) and reads == []


def test_changed_parsing_code_means_a_full_rebuild(many, index_dir, monkeypatch):
    reindex(many, index_dir)
    monkeypatch.setattr(indexer, "pipeline_fingerprint", lambda: "other-code")
    assert reindex(many, index_dir).files_read == 8


def test_new_shipped_vocabulary_makes_the_index_stale_and_rebuilds_it_reusing_every_file(many, index_dir,
                                                                                          monkeypatch):
    """A deploy that changes bot/data (the lexicon files, the abbreviation table): the index built with the old
    vocabulary is stale, so the first process to look rebuilds it once — reusing every file, as nothing was
    read differently — instead of every process rebuilding its lexicon (and importing nltk) until someone
    reindexes."""
    from bot import lexicon

    reindex(many, index_dir)
    tok = Tokenizer()
    assert stale_reason(many, index_dir, tok) is None
    monkeypatch.setattr(lexicon, "vocabulary_fingerprint", lambda: "new-vocabulary")
    assert "vocabulary" in stale_reason(many, index_dir, tok)
    stats = reindex(many, index_dir, only_if_stale=True)
    assert stats is not None and (stats.files_read, stats.files_reused) == (0, 8)
    assert store.read_manifest(index_dir)["vocabulary"] == "new-vocabulary"
    assert stale_reason(many, index_dir, tok) is None


def test_full_flag_and_unreadable_previous_index_rebuild_everything(many, index_dir):
    reindex(many, index_dir)
    assert reindex(many, index_dir, full=True).files_read == 8
    folder = store.resolve(index_dir)
    (folder / "terms.json").write_text(json.dumps(["x"]))  # damaged: not reused, rebuilt from the corpus
    assert reindex(many, index_dir).files_read == 8


def test_jsonl_documents_keep_their_sources(tmp_path, index_dir):
    c = tmp_path / "c"
    c.mkdir()
    docs = [{"_id": f"d{i}", "title": f"Doc {i}", "text": f"calcium deposit number {i}"} for i in range(5)]
    (c / "docs.jsonl").write_text("\n".join(json.dumps(d) for d in docs), encoding="utf-8")
    (c / "gout.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    reindex(c, index_dir)
    (c / "gout.md").write_text(MARKDOWN_ARTICLE + "\nMore about colchicine [2].\n", encoding="utf-8")
    stats = reindex(c, index_dir)
    assert stats.files_read == 1 and stats.articles == 6
    assert_same_index(load(index_dir), full_rebuild(c, tmp_path))
    shutil.rmtree(tmp_path / "full-index")


def test_a_same_size_edit_is_read_again_not_reused(many, index_dir, tmp_path, reads):
    reindex(many, index_dir)
    target = sorted((many / "synth").rglob("*.md"))[1]
    text = target.read_text(encoding="utf-8")
    words = [w for w in text.split() if w.isalpha() and len(w) >= 6]
    edited = text.replace(words[0], words[0][::-1], 1)
    assert edited != text and len(edited.encode()) == len(text.encode())
    target.write_text(edited, encoding="utf-8")
    reads.clear()
    stats = reindex(many, index_dir)
    assert stats.files_read == 1 and target.relative_to(many).as_posix() in reads
    assert_same_index(load(index_dir), full_rebuild(many, tmp_path))


def test_a_file_added_first_moves_every_reused_outline_and_equals_a_full_rebuild(many, index_dir, tmp_path,
                                                                                monkeypatch):
    """A new file that sorts before the others: every reused passage moves, and so must its parent link
    (the seed article's lists hang from their lead-ins), its article and its section numbers. (One index here;
    ``test_segments.py`` makes the same edit in segments.)"""
    monkeypatch.setattr(indexer, "SEGMENT_SHARE", 0.0)
    reindex(many, index_dir)
    (many / "0-first.md").write_text(MARKDOWN_ARTICLE.replace("Gout", "Pseudogout"), encoding="utf-8")
    stats = reindex(many, index_dir)
    assert stats.files_read == 1
    loaded = load(index_dir)
    assert (loaded.structure.parent_of >= 0).sum() > 10
    assert_same_index(loaded, full_rebuild(many, tmp_path))


def _reindex_in_workers(corpus: Path, index: Path) -> subprocess.CompletedProcess:
    """A full ``reindex`` in a fresh single-threaded process with the worker threshold at 0, so the files are read
    by worker processes (a pytest-xdist worker runs threads, so there they would be read in-process)."""
    code = ("import sys; from pathlib import Path; from bot import indexer; indexer.PARALLEL_MIN_BYTES = 0; "
            "s = indexer.reindex(Path(sys.argv[1]), Path(sys.argv[2]), full=True); print('workers', s.workers)")
    return subprocess.run([sys.executable, "-c", code, str(corpus), str(index)], capture_output=True, text=True,
                          timeout=120)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: the files are always read in-process")
def test_files_read_by_worker_processes_give_the_same_index(tmp_path):
    corpus = tmp_path / "corpus"
    generate(corpus, 1500, seed=5, questions=1)
    (corpus / "gout.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    run = _reindex_in_workers(corpus, tmp_path / "parallel")
    assert run.returncode == 0, run.stderr
    assert int(run.stdout.split()[-1]) >= 2
    stats = reindex(corpus, tmp_path / "serial")
    assert stats.workers == 0
    a, b = store.resolve(tmp_path / "serial"), store.resolve(tmp_path / "parallel")
    for name in (*ARRAYS, "article_of", "section_of", "parent_of", "text_len", "passage_offsets"):
        assert (a / f"{name}.npy").read_bytes() == (b / f"{name}.npy").read_bytes(), name
    for name in ("passages.jsonl", "terms.json", "references.jsonl", "references.index.json", "abbreviations.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    stems = (a / "stems.tsv").read_bytes()
    assert stems and stems == (b / "stems.tsv").read_bytes()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: the files are always read in-process")
def test_a_bad_article_read_by_a_worker_fails_naming_file_and_line(tmp_path):
    corpus = tmp_path / "corpus"
    generate(corpus, 1500, seed=6, questions=1)
    index = tmp_path / "index"
    assert _reindex_in_workers(corpus, index).returncode == 0
    before = store.resolve(index)
    (corpus / "synth-bad.md").write_bytes(b"# T\n\nok\n\xff\n")
    run = _reindex_in_workers(corpus, index)
    assert run.returncode != 0
    assert "synth-bad.md line 4: not UTF-8" in run.stderr
    assert store.resolve(index) == before


def test_an_edit_with_known_words_needs_no_stemmer(corpus_dir, index_dir):
    """The previous index's word → stem table (its words, and those of the shipped abbreviation table it read)
    serves the edited article's words: an edit that brings no new word imports no nltk (1–5 s)."""
    (corpus_dir / "gout.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    reindex(corpus_dir, index_dir)
    with open(corpus_dir / "gout.md", "a", encoding="utf-8") as f:
        f.write("\n- Colchicine for gout flares [1]\n")
    code = ("import sys; from pathlib import Path; from bot import indexer; "
            "s = indexer.reindex(Path(sys.argv[1]), Path(sys.argv[2])); "
            "print(s.files_read, 'nltk' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code, str(corpus_dir), str(index_dir)], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["1", "False"]
