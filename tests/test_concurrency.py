"""Two reindexes at once, and queries while the index is swapped."""

from __future__ import annotations

import subprocess
import sys
import threading

from bot import store
from bot.answer import Answerer
from bot.errors import IndexBusyError
from bot.indexer import reindex
from bot.tokenize import Tokenizer

from .conftest import MARKDOWN_ARTICLE, REPO
from .test_cli import citebot


def test_two_reindex_processes_at_once_both_finish_and_leave_one_whole_index(corpus_dir, index_dir):
    args = [sys.executable, "-m", "bot", "reindex", "--corpus", str(corpus_dir), "--index", str(index_dir)]
    procs = [subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    loaded = store.load(index_dir, tokenizer=Tokenizer().settings)
    assert len(loaded.passages) == loaded.manifest["counts"]["passages"] > 0
    assert not list(index_dir.glob(".tmp-*"))


def test_reindex_that_cannot_wait_fails_cleanly(corpus_dir, index_dir):
    with store.lock(index_dir):
        r = citebot("reindex", "--corpus", str(corpus_dir), "--index", str(index_dir), "--wait", "0.2")
    assert r.returncode == IndexBusyError.exit_code
    assert "another reindex" in r.stderr and "Traceback" not in r.stderr


def test_queries_during_swaps_get_whole_answers_from_one_version(corpus_dir, index_dir):
    reindex(corpus_dir, index_dir)
    small = store.load(index_dir, tokenizer=Tokenizer().settings).manifest["counts"]["passages"]
    errors: list[BaseException] = []
    seen_counts: set[int] = set()
    stop = threading.Event()

    def writer():
        try:
            for i in range(6):
                gout = corpus_dir / "gout.md"
                if i % 2 == 0:
                    gout.write_text(MARKDOWN_ARTICLE, encoding="utf-8")
                else:
                    gout.unlink()
                reindex(corpus_dir, index_dir)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            stop.set()

    def reader():
        try:
            while not stop.is_set():
                loaded = store.load(index_dir, tokenizer=Tokenizer().settings)
                n = loaded.manifest["counts"]["passages"]
                assert len(loaded.passages) == n
                answer = Answerer(loaded).ask("Can lupus cause calcinosis?")
                assert answer.answered and "lupus" in answer.hits[0].passage.text.lower()
                seen_counts.add(n)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert seen_counts <= {small, small + 8}  # the gout article has 8 passages
