"""Strange articles: each indexes sensibly or fails the reindex naming the file; nothing is lost."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot import corpus, store
from bot.answer import Answerer
from bot.errors import CitebotError, CorpusError, EmptyCorpusError
from bot.indexer import open_fresh, reindex
from bot.parse import parse_article


def passages_of(tmp_path, name: str, data: bytes):
    d = tmp_path / "c"
    d.mkdir(exist_ok=True)
    (d / name).write_bytes(data)
    [cf] = [f for f in corpus.scan(d) if f.rel == name]
    articles, _ = corpus.read_articles(cf)
    return [p for a in articles for p in a.passages], articles


def test_windows_line_endings_and_bom(tmp_path):
    data = "\ufeff# Gout\r\n\r\n- Colchicine [1]\r\n\r\n## References\r\n\r\n1. Ref one. 2020.\r\n".encode()
    ps, [art] = passages_of(tmp_path, "g.md", data)
    assert art.title == "Gout" and [p.text for p in ps] == ["Colchicine"]
    assert art.references == {1: "Ref one. 2020."}


def test_tabs_for_indentation_and_citation_ranges(tmp_path):
    data = b"Title\n\nHeading\n\n\t\xe2\x80\xa2 Parent:\n\t\t\xe2\x80\xa2 child 12, 3-5\n\t\xe2\x80\xa2 other 1\n"
    ps, _ = passages_of(tmp_path, "t.txt", data)
    child = next(p for p in ps if p.text == "child")
    assert child.citations == (12, 3, 4, 5) and child.section == ("Heading", "Parent")


def test_reference_list_gaps_duplicates_and_absence(tmp_path):
    _, [art] = passages_of(tmp_path, "r.md", b"# T\n\n- a [1]\n- b [3]\n- c [2]\n\n## References\n\n"
                                            b"1. One. 2001.\n3. Three. 2003.\n3. Dup. 2004.\n")
    assert art.references == {1: "One. 2001.", 3: "Three. 2003."}
    assert art.missing_citations() == [2]
    _, [art] = passages_of(tmp_path, "n.md", b"# T\n\n- a [1]\n")
    assert art.references == {} and art.missing_citations() == [1]


def test_heading_without_body_deep_nesting_and_non_latin(tmp_path):
    md = "# T\n\n## Empty\n\n## Full\n\ntext [1]\n\n" + "".join("  " * i + f"- level {i} [1]\n" for i in range(25))
    ps, _ = passages_of(tmp_path, "d.md", md.encode())
    assert "Empty" not in {s for p in ps for s in p.section}
    assert ps[-1].text == "level 24" and len(ps) == 26
    ps, [art] = passages_of(tmp_path, "ru.md", "# Кальциноз\n\n- Системная склеродермия [1]\n".encode())
    assert art.title == "Кальциноз" and ps[0].text == "Системная склеродермия"


@pytest.mark.parametrize("name,data,expect", [
    ("bad.md", b"# T\n\nok\n\xff\n", "bad.md line 4: not UTF-8"),
    ("bin.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
    ("big.md", None, "over the"),
])
def test_unreadable_articles_fail_reindex_and_keep_previous_index(corpus_dir, index_dir, name, data, expect):
    reindex(corpus_dir, index_dir)
    before = store.resolve(index_dir)
    path = corpus_dir / name
    if data is None:  # a 50 MB file: refused by size, without reading it
        with open(path, "wb") as f:
            f.truncate(50 * 1024 * 1024)
    else:
        path.write_bytes(data)
    with pytest.raises(CorpusError, match=expect) as e:
        reindex(corpus_dir, index_dir)
    assert str(path) in str(e.value)
    assert store.resolve(index_dir) == before
    loaded, warning = open_fresh(corpus_dir, index_dir)
    try:  # closed here: ``e``'s traceback holds this frame, so the file would wait for the cyclic collector
        assert name in warning
        assert Answerer(loaded).ask("Can lupus cause calcinosis?", abstain=False).hits
    finally:
        loaded.passages.close()


def _deny(monkeypatch, target: Path, method: str) -> None:
    """As root, mode bits do not stop anything: make ``Path.<method>`` on ``target`` (or below it) fail as
    the kernel would for another user (EACCES)."""
    real = getattr(Path, method)

    def denied(self, *args, **kwargs):
        if Path(self) == target or target in Path(self).parents:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, method, denied)


def test_unreadable_permissions(corpus_dir, index_dir, monkeypatch):
    reindex(corpus_dir, index_dir)
    before = store.resolve(index_dir)
    p = corpus_dir / "locked.md"
    p.write_text("# x\n\ntext\n")
    p.chmod(0)
    if os.geteuid() == 0:  # root reads files whatever their mode: simulate what another user meets
        _deny(monkeypatch, p, "read_bytes")
    with pytest.raises(CorpusError, match="locked.md.*cannot be read.*Permission denied"):
        reindex(corpus_dir, index_dir)
    assert store.resolve(index_dir) == before  # the previous index still answers


def test_empty_and_furniture_only_files_are_indexed_as_nothing(corpus_dir, index_dir):
    (corpus_dir / "empty.md").write_bytes(b"")
    (corpus_dir / "chrome.txt").write_text("Page\n\nSign in\n\nPersonalize\n\nHelp us tailor your experience\n")
    stats = reindex(corpus_dir, index_dir)
    assert stats.files == 3
    loaded = store.load(index_dir, tokenizer=__import__("bot.tokenize").tokenize.Tokenizer().settings)
    sources = {loaded.passages.get(i).source for i in range(len(loaded.passages))}
    assert sources == {"calcinosis-associated-conditions.txt"}


def test_articles_of_stop_words_only_are_indexed_and_answered_without_warnings(tmp_path, index_dir, capfd):
    """Passages whose every word is a stop word give an index of no terms (average length 0): it is built and a
    question gets "not found", with nothing but the answer printed (no division by zero)."""
    import warnings

    d = tmp_path / "c"
    d.mkdir()
    (d / "a.md").write_text("# The\n\nthe and of it\n\n- and the [1]\n\n## References\n\n1. A.\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats = reindex(d, index_dir)
        loaded = store.load(index_dir, tokenizer=__import__("bot.tokenize").tokenize.Tokenizer().settings)
        answer = Answerer(loaded).ask("what about it?")
    assert stats.passages == 2 and stats.terms == 0 and not answer.answered
    assert capfd.readouterr().err == ""


def test_a_corpus_of_only_empty_files_is_a_clear_error(tmp_path, index_dir):
    d = tmp_path / "c"
    d.mkdir()
    (d / "empty.md").write_bytes(b"")
    with pytest.raises(EmptyCorpusError, match="no passage"):
        reindex(d, index_dir)


def test_hidden_files_backups_and_outside_links_are_skipped(corpus_dir, index_dir, tmp_path):
    (corpus_dir / ".draft.md").write_text("# Hidden\n\n- secret gout passage [1]\n")
    (corpus_dir / "gout.md~").write_text("# Backup\n\n- backup gout passage [1]\n")
    (corpus_dir / ".git").mkdir()
    (corpus_dir / ".git" / "x.md").write_text("# Git\n\n- git gout passage [1]\n")
    outside = tmp_path / "outside.md"
    outside.write_text("# Outside\n\n- outside gout passage [1]\n")
    (corpus_dir / "link-out.md").symlink_to(outside)
    (corpus_dir / "sub").mkdir()
    (corpus_dir / "sub" / "inside.md").write_text("# Inside\n\n- inside gout passage [1]\n")
    (corpus_dir / "link-in.md").symlink_to(corpus_dir / "sub" / "inside.md")
    rels = [f.rel for f in corpus.scan(corpus_dir)]
    assert rels == ["calcinosis-associated-conditions.txt", "link-in.md", "sub/inside.md"]


def test_malformed_jsonl_names_file_and_line(corpus_dir, index_dir):
    (corpus_dir / "docs.jsonl").write_text('{"_id": "a", "title": "t", "text": "x"}\n{broken\n')
    with pytest.raises(CorpusError, match=r"docs.jsonl line 2"):
        reindex(corpus_dir, index_dir)


def test_read_only_index_folder_is_a_clear_error(corpus_dir, tmp_path, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    if os.geteuid() == 0:  # root writes into read-only folders: simulate what another user meets
        _deny(monkeypatch, ro, "mkdir")
    with pytest.raises(CitebotError, match="ro/index: cannot create the index folder.*Permission denied"):
        reindex(corpus_dir, ro / "index")
    assert not (ro / "index").exists()


def test_full_disk_keeps_previous_index(corpus_dir, index_dir, monkeypatch):
    reindex(corpus_dir, index_dir)
    before = store.resolve(index_dir)
    real_save = store.np.save

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.np, "save", full)
    (corpus_dir / "new.md").write_text("# New\n\n- allopurinol passage [1]\n")
    with pytest.raises(CitebotError, match="disk is full.*previous index is still in use"):
        reindex(corpus_dir, index_dir)
    monkeypatch.setattr(store.np, "save", real_save)
    assert store.resolve(index_dir) == before
    assert not list(index_dir.glob(".tmp-*"))


def test_parse_of_every_supported_suffix(tmp_path):
    markdown = "# T\n\nBody text [1]\n\n## References\n\n1. A reference.\n"
    page = "T\n\nHeading\n\nBody text 1\n\nReferences\n\nResearch\n\nA reference.\n\nJournal, 2020\n"
    for name, text in (("a.md", markdown), ("a.markdown", markdown), ("a.txt", page)):
        [article] = parse_article(text, source=name)
        assert [(p.text, p.citations) for p in article.passages] == [("Body text", (1,))], name
        assert 1 in article.references, name


def test_unwritable_index_location_is_a_clear_error_even_as_root(corpus_dir, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the index folder should be")
    with pytest.raises(CitebotError, match="cannot create the index folder"):
        reindex(corpus_dir, blocker / "index")


def test_permission_denied_while_writing_keeps_previous_index(corpus_dir, index_dir, monkeypatch):
    reindex(corpus_dir, index_dir)
    before = store.resolve(index_dir)

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(store.os, "rename", denied)
    with pytest.raises(CitebotError, match="Permission denied.*previous index is still in use"):
        reindex(corpus_dir, index_dir)
    monkeypatch.undo()
    assert store.resolve(index_dir) == before
