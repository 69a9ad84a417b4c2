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


def test_a_loaded_version_keeps_answering_across_two_swaps(corpus_dir, index_dir):
    """A reader holding a version while two swaps land (the second prunes its folder) still answers whole."""
    reindex(corpus_dir, index_dir)
    held = store.load(index_dir, tokenizer=Tokenizer().settings)
    n = held.manifest["counts"]["passages"]
    before = Answerer(held).ask("Can lupus cause calcinosis?")
    (corpus_dir / "gout.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    reindex(corpus_dir, index_dir)
    (corpus_dir / "gout.md").unlink()
    reindex(corpus_dir, index_dir)
    assert store.resolve(index_dir) != held.folder and not held.folder.exists()  # swapped twice, pruned
    after = Answerer(held).ask("Can lupus cause calcinosis?")
    assert len(held.passages) == n and after.hits == before.hits
    held.passages.close()


def test_queries_during_swaps_get_whole_answers_from_one_version(corpus_dir, index_dir):
    reindex(corpus_dir, index_dir)
    small = store.load(index_dir, tokenizer=Tokenizer().settings).manifest["counts"]["passages"]
    errors: list[BaseException] = []
    seen_counts: list[int] = []
    seen = threading.Condition()
    stop = threading.Event()

    def wait_until_read(count: int, since: int) -> None:
        """Until a reader has answered from the version with ``count`` passages (after ``since`` reads)."""
        with seen:
            assert seen.wait_for(lambda: count in seen_counts[since:], timeout=60), "no reader saw the swap"

    def writer():
        try:
            for i in range(2):  # an add, then a removal
                gout = corpus_dir / "gout.md"
                if i % 2 == 0:
                    gout.write_text(MARKDOWN_ARTICLE, encoding="utf-8")
                else:
                    gout.unlink()
                with seen:
                    since = len(seen_counts)
                reindex(corpus_dir, index_dir)  # readers keep loading while this swaps
                wait_until_read(small + 8 if i % 2 == 0 else small, since)
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
                loaded.passages.close()
                with seen:
                    seen_counts.append(n)
                    seen.notify_all()
        except BaseException as e:
            errors.append(e)
            stop.set()

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert set(seen_counts) == {small, small + 8}  # both versions answered, nothing in between (gout: 8 passages)
    assert len(seen_counts) >= 6  # every swap was followed by reads of the new version


def test_threads_read_one_passage_store_at_once_with_no_lock(corpus_dir, index_dir):
    """The passage store is memory-mapped, so threads answering at once read it without a lock (the answerer keeps
    none): each read is a slice of the map. A store that seeks a shared file handle and then reads would hand one
    thread the bytes another thread's seek pointed at."""
    reindex(corpus_dir, index_dir)
    loaded = store.load(index_dir, tokenizer=Tokenizer().settings)
    pids = list(range(len(loaded.passages))) * 40
    expected = {pid: loaded.passages.get(pid) for pid in set(pids)}
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def read(offset: int) -> None:
        try:
            start.wait(timeout=30)
            for pid in pids[offset:] + pids[:offset]:
                assert loaded.passages.get(pid) == expected[pid], pid
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=read, args=(i * 7,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    loaded.passages.close()
    assert not errors, errors[:3]
