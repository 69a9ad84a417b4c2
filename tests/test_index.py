"""The index on disk: round trip, freshness, atomic swap, failures that lose nothing."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from bot import indexer, store
from bot.answer import Answerer
from bot.errors import CorpusError, EmptyCorpusError, IndexFormatError
from bot.indexer import build, open_fresh, reindex
from bot.tokenize import Tokenizer

from .conftest import MARKDOWN_ARTICLE


def test_save_load_round_trip_gives_identical_scores(corpus_dir, index_dir):
    tok = Tokenizer()
    built = build(corpus_dir, tok)
    with store.lock(index_dir):
        store.write(index_dir, built)
    loaded = store.load(index_dir, tokenizer=tok.settings)
    for q in (["calcinosi"], ["surgic", "excis"], ["antibodi", "anticentromer", "nothing"]):
        assert np.array_equal(built.bm25.scores(q), loaded.bm25.scores(q))
    assert loaded.bm25.terms == built.bm25.terms
    assert [loaded.passages.get(i).text for i in range(len(built.passages))] == [p.text for p in built.passages]
    assert loaded.references["calcinosis-associated-conditions.txt"][2].startswith("Research")
    assert loaded.missing == {"calcinosis-associated-conditions.txt": [6]}


def test_manifest_records_version_tokenizer_params_and_hashes(corpus_dir, index_dir):
    reindex(corpus_dir, index_dir)
    m = store.read_manifest(index_dir)
    assert m["format"] == "citebot-index" and m["version"] == store.VERSION
    assert m["tokenizer"] == Tokenizer().settings
    assert m["bm25"]["variant"] == "BM25Plus"
    [(rel, rec)] = m["corpus"].items()
    import hashlib

    assert rec["sha256"] == hashlib.sha256((corpus_dir / rel).read_bytes()).hexdigest()
    assert set(m["files"]) >= {"terms.json", "passages.jsonl", "tf.npy", "references.jsonl", "references.index.json"}


@pytest.mark.parametrize("change", ["add", "edit", "remove"])
def test_stale_index_is_rebuilt_before_answering(corpus_dir, index_dir, change):
    reindex(corpus_dir, index_dir)
    before = store.resolve(index_dir)
    if change == "add":
        (corpus_dir / "gout.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    elif change == "edit":
        seed = next(corpus_dir.glob("*.txt"))
        seed.write_text(seed.read_text() + "\nExtra paragraph about allopurinol. 1\n", encoding="utf-8")
        (corpus_dir / "gout.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")  # two files so removal is possible
    else:
        (corpus_dir / "gout.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")
        reindex(corpus_dir, index_dir)
        before = store.resolve(index_dir)
        (corpus_dir / "gout.md").unlink()
    loaded, warning = open_fresh(corpus_dir, index_dir)
    assert warning is None
    assert loaded.folder != before
    answer = Answerer(loaded).ask("Which drug is the first choice for long-term urate lowering?", abstain=False)
    top_sources = {h.passage.source for h in answer.hits}
    if change == "remove":
        assert "gout.md" not in top_sources
    else:
        assert answer.hits[0].passage.source == "gout.md"


def test_unchanged_corpus_is_not_rebuilt(corpus_dir, index_dir):
    reindex(corpus_dir, index_dir)
    before = store.resolve(index_dir)
    seed = next(corpus_dir.glob("*.txt"))
    seed.touch()  # new mtime, same bytes: the hash says unchanged
    loaded, _ = open_fresh(corpus_dir, index_dir)
    assert loaded.folder == before


def test_undecodable_article_fails_reindex_naming_file_and_line(corpus_dir, index_dir):
    reindex(corpus_dir, index_dir)
    before = store.resolve(index_dir)
    (corpus_dir / "bad.md").write_bytes(b"# Title\n\nfine line\n\xff\xfe broken\n")
    with pytest.raises(CorpusError) as e:
        reindex(corpus_dir, index_dir)
    assert "bad.md line 4" in str(e.value) and "UTF-8" in str(e.value)
    assert store.resolve(index_dir) == before
    loaded, warning = open_fresh(corpus_dir, index_dir)
    assert "bad.md line 4" in warning and "previous index" in warning
    assert Answerer(loaded).ask("What percentage of systemic sclerosis patients develop calcinosis?").answered


def test_empty_corpus_is_a_clear_error(tmp_path, index_dir):
    (tmp_path / "empty").mkdir()
    with pytest.raises(EmptyCorpusError, match="no article files"):
        reindex(tmp_path / "empty", index_dir)


def test_postings_take_five_bytes_each(corpus_dir, index_dir):
    """A posting on disk is a passage id and a one-byte count (scores are worked out as they are read)."""
    reindex(corpus_dir, index_dir)
    folder = store.resolve(index_dir)
    n = int(np.load(folder / "indptr.npy")[-1])
    postings = sum((folder / f).stat().st_size for f in ("docs.npy", "tf.npy"))
    assert n > 100 and postings <= 5 * n + 256  # + the two .npy headers
    assert not (folder / "weights.npy").exists()
    loaded = store.load(index_dir, tokenizer=Tokenizer().settings)
    assert loaded.bm25.tf.dtype == np.uint8


@pytest.mark.parametrize("damage", ["truncate", "edit", "delete", "version", "manifest"])
def test_damaged_index_is_detected_on_load(corpus_dir, index_dir, damage):
    reindex(corpus_dir, index_dir)
    folder = store.resolve(index_dir)
    if damage == "truncate":
        data = (folder / "tf.npy").read_bytes()
        (folder / "tf.npy").write_bytes(data[: len(data) // 2])
    elif damage == "edit":
        terms = json.loads((folder / "terms.json").read_text())
        terms[0], terms[1] = terms[1], terms[0]
        (folder / "terms.json").write_text(json.dumps(terms))
    elif damage == "delete":
        (folder / "idf.npy").unlink()
    elif damage == "version":
        m = json.loads((folder / "manifest.json").read_text())
        m["version"] = 999
        (folder / "manifest.json").write_text(json.dumps(m))
    else:
        (folder / "manifest.json").write_text("{not json")
    with pytest.raises(IndexFormatError, match="reindex"):
        store.load(index_dir, tokenizer=Tokenizer().settings)
    # ask/repl rebuild it from the corpus instead of failing
    loaded, warning = open_fresh(corpus_dir, index_dir)
    assert warning is None and loaded.folder != folder
    assert Answerer(loaded).ask("Can lupus cause calcinosis?", abstain=False).hits


def test_old_version_is_kept_for_readers_and_older_ones_pruned(corpus_dir, index_dir):
    first = reindex(corpus_dir, index_dir).folder
    second = reindex(corpus_dir, index_dir).folder
    third = reindex(corpus_dir, index_dir).folder
    assert not first.exists() and second.exists() and third.exists()
    assert store.resolve(index_dir) == third


def test_an_edit_that_keeps_the_file_size_is_noticed_and_served(corpus_dir, index_dir):
    """Same size, new content: the index must not keep serving the old words (size alone proves nothing)."""
    reindex(corpus_dir, index_dir)
    seed = next(corpus_dir.glob("*.txt"))
    text = seed.read_text(encoding="utf-8")
    edited = text.replace("Colchicine", "Zyxwvutsrq", 1)
    assert edited != text and len(edited.encode()) == len(text.encode())
    seed.write_text(edited, encoding="utf-8")
    manifest = store.read_manifest(index_dir)
    assert indexer.changes(manifest, corpus_dir) == [f"edited {seed.name}"]
    loaded, warning = open_fresh(corpus_dir, index_dir)
    assert warning is None
    assert loaded.bm25.term_id("zyxwvutsrq") is not None and loaded.bm25.term_id("colchicin") is None
    loaded.passages.close()


def test_a_citation_neither_listed_nor_reported_missing_is_a_parser_bug_caught():
    """The consistency check between passages and reference lists (the parser reports gaps; anything else
    would give a reader another entry's text or nothing)."""
    from bot.errors import CitebotError
    from bot.model import Passage

    p = Passage("Allopurinol first", (9,), "Gout", ("Treatment",), "gout.md")
    with pytest.raises(CitebotError, match="gout.md: citation 9 is neither a reference nor reported missing"):
        indexer._validate([p], {"gout.md": {1: "A"}}, {})
    indexer._validate([p], {"gout.md": {1: "A"}}, {"gout.md": [9]})  # reported missing: fine


@pytest.mark.parametrize("tick", [indexer.TICK, 3])
def test_a_passage_is_indexed_on_its_text_section_path_and_title(corpus_dir, monkeypatch, tick):
    """Each passage's term counts are those of ``document_text`` (its text, section path and title) tokenised whole,
    though the reader tokenises a file's repeated paths and titles once, and its passages ``TICK`` at a time (3: the
    seed article read in many pieces)."""
    from collections import Counter

    monkeypatch.setattr(indexer, "TICK", tick)
    tok = Tokenizer()
    built = build(corpus_dir, tok)
    b = built.bm25
    counts, terms, tf = b.forward(0, b.n_docs)
    ends = np.cumsum(counts)
    with_path = 0
    for pid, p in enumerate(built.passages):
        lo = ends[pid] - counts[pid]
        got = Counter({b.terms[int(t)]: int(n) for t, n in zip(terms[lo : ends[pid]], tf[lo : ends[pid]])})
        want = Counter(tok.stem(w) for w in tok.words(indexer.document_text(p)))
        assert got == want, p.text
        assert int(b.doc_len[pid]) == sum(want.values())
        with_path += bool(p.section)
    assert with_path > 10


def test_references_are_read_by_the_line_when_cited(corpus_dir, index_dir):
    """``references.jsonl`` holds an article a line, found through ``references.index.json`` and parsed when its
    article is first cited: a damaged line fails that look-up only, with a clear error; and a reader keeps the
    version it loaded after two swaps have pruned it."""
    (corpus_dir / "gout.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    reindex(corpus_dir, index_dir)
    loaded = store.load(index_dir, tokenizer=Tokenizer().settings)
    refs = loaded.references
    assert len(refs) == 2 and "gout.md" in refs
    gout = dict(refs["gout.md"])
    assert gout and all(isinstance(n, int) and isinstance(t, str) for n, t in gout.items())
    seed = next(s for s in refs if s != "gout.md")
    folder = loaded.folder
    lines = (folder / "references.jsonl").read_bytes().splitlines(keepends=True)
    assert [json.loads(line)[0] for line in lines] == list(refs)
    damaged = b"".join(line if json.loads(line)[0] != "gout.md" else line.replace(b"gout.md", b"gout.xx")
                       for line in lines)
    (folder / "references.jsonl").write_bytes(damaged)  # the same length: the index still agrees with the file
    mine, _ = store._read_references(folder)
    assert mine[seed] == refs[seed]
    with pytest.raises(IndexFormatError, match="reindex"):
        mine["gout.md"]
    (folder / "references.jsonl").write_bytes(b"".join(lines))
    assert store._read_references(folder)[0]["gout.md"] == gout
    fresh = store.load(index_dir, tokenizer=Tokenizer().settings)
    reindex(corpus_dir, index_dir, full=True)
    reindex(corpus_dir, index_dir, full=True)
    assert not folder.exists()
    assert fresh.references["gout.md"] == gout  # read from the mapping it holds, not from the path
    for held in (loaded, fresh):
        held.passages.close()
    import gc
    import weakref

    gc.disable()  # what holds the mapped file is freed when the index is dropped, not left to the cycle collector
    try:
        held = store.load(index_dir, tokenizer=Tokenizer().settings)
        assert held.references["gout.md"] == gout
        refs = weakref.ref(held.references)
        held.passages.close()
        del held, loaded, fresh
        assert refs() is None
    finally:
        gc.enable()


def test_the_stored_lexicon_is_the_same_bytes_whatever_the_hash_seed():
    """``lexicon.json`` numbers its phrases as it meets them; sets met in hash order gave each process other numbers,
    so two builds of one corpus differed in that file. Two processes, two seeds, the same bytes."""
    import subprocess
    import sys

    code = ("import json; from bot import lexicon; from bot.tokenize import Tokenizer; t = Tokenizer(); "
            "print(json.dumps(lexicon.to_json(lexicon.build(t), 'k'), ensure_ascii=False))")
    out = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    assert out[0] and out[0] == out[1]


def test_the_shipped_vocabulary_is_worked_out_once_per_process_and_each_build_gets_its_own_copy(tmp_path, monkeypatch):
    """The shipped files' lexicon, the shipped lists' words and their stems are the same for every build with one
    tokenizer's settings: a process works them out once (``lexicon._shipped``, ``indexer._stem_shipped_lists``).
    Each build must still get what a build from scratch gets: its own abbreviations and nobody else's (the lexicon
    is copied, never added to), and the shipped lists' stems in its word → stem table (handed to its tokenizer)."""
    import json

    from bot import indexer, lexicon
    from bot.tokenize import Tokenizer

    def from_scratch(abbreviations):
        tok = Tokenizer()
        return lexicon.to_json(lexicon._add_abbreviations(lexicon._from_rows(tok, lexicon.lexicon_files()), tok,
                                                          abbreviations), "k")

    made = []
    real = lexicon._from_rows
    monkeypatch.setattr(lexicon, "_from_rows", lambda *a: made.append(1) or real(*a))
    monkeypatch.setattr(lexicon, "_SHIPPED", {})
    # "XYZ" adds a link to a phrase the shipped lexicon has: a build sharing that phrase's set would leave it there
    first = [["EF", "ejection fraction"], ["RAI", "radioactive iodine", "general"], ["XYZ", "heart attack"]]
    second = [["EF", "estimated flow"], ["AF", "atrial fibrillation"]]
    for abbreviations in (first, second, first):
        built = lexicon.to_json(lexicon.build(Tokenizer(), abbreviations=abbreviations), "k")
        monkeypatch.setattr(lexicon, "_from_rows", real)
        assert json.dumps(built) == json.dumps(from_scratch(abbreviations))
        monkeypatch.setattr(lexicon, "_from_rows", lambda *a: made.append(1) or real(*a))
    assert len(made) == 1  # the shipped files read once

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "af.md").write_text("# AF\n\n- Warfarin prevents stroke [1].\n\n## References\n\n1. A. J 2020.\n")
    monkeypatch.setattr(indexer, "_SHIPPED_WORDS", {})
    tables = []
    for name in ("a", "b"):  # the second build's tokenizer stems none of the shipped lists' words itself
        indexer.reindex(corpus, tmp_path / name)
        tables.append((tmp_path / name / "current" / "stems.tsv").read_bytes())
    assert tables[0] == tables[1] and b"anticoagul" in tables[0]  # a lexicon word no article here uses
