"""Long-running fronts follow the corpus: an article added after start is answered without a restart."""

from __future__ import annotations

from bot.fresh import FollowingAnswerer
from bot.indexer import reindex

from .conftest import MARKDOWN_ARTICLE

GOUT_Q = "Which drug is the first choice for long-term urate lowering?"


def test_article_added_after_start_is_answered(corpus_dir, index_dir):
    a = FollowingAnswerer(corpus_dir, index_dir, interval=0)
    first = a.ask(GOUT_Q, abstain=False)
    assert all(h.passage.source != "gout.md" for h in first.hits)
    (corpus_dir / "gout.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    answer = a.ask(GOUT_Q)
    assert answer.answered and answer.hits[0].passage.source == "gout.md"


def test_reindex_from_another_shell_is_picked_up_and_checks_are_rate_limited(corpus_dir, index_dir):
    a = FollowingAnswerer(corpus_dir, index_dir, interval=3600)
    (corpus_dir / "gout.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    reindex(corpus_dir, index_dir)  # someone else rebuilt
    assert a.refresh() is False  # not yet: checked less than an interval ago
    assert all(h.passage.source != "gout.md" for h in a.ask(GOUT_Q, abstain=False).hits)
    assert a.refresh(force=True) is True
    assert a.ask(GOUT_Q).hits[0].passage.source == "gout.md"
    assert a.refresh(force=True) is False  # nothing changed since


def test_broken_article_keeps_the_loaded_index_answering(corpus_dir, index_dir):
    a = FollowingAnswerer(corpus_dir, index_dir, interval=0)
    (corpus_dir / "bad.md").write_bytes(b"# T\n\n\xff\n")
    answer = a.ask("Can lupus cause calcinosis?")
    assert answer.answered
    assert "bad.md" in (a.warning or "")


def test_an_interrupted_rebuild_is_tried_again_at_the_next_question(corpus_dir, index_dir, monkeypatch):
    """Ctrl-C during an automatic rebuild must not leave the old index answering until the next check."""
    a = FollowingAnswerer(corpus_dir, index_dir, interval=3600)
    (corpus_dir / "gout.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    real = a._load

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(a, "_load", interrupted)
    try:
        a.refresh(force=True)
    except KeyboardInterrupt:
        pass
    monkeypatch.setattr(a, "_load", real)
    answer = a.ask(GOUT_Q)  # within the hour: retried now, not in an hour
    assert answer.answered and answer.hits[0].passage.source == "gout.md"
