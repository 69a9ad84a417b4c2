"""Signs of life while the index is built (``bot/progress.py``), on a terminal only."""

from __future__ import annotations

import io
import os
import pty
import sys

from bot.progress import Bar, Tick, notice

from .conftest import REPO
from .test_cli import citebot
from .test_repl import _Terminal


def test_the_bar_counts_passages_and_names_files():
    out = io.StringIO()
    bar = Bar(stream=out, force=True)
    for tick in (Tick(0, 2, 2000), Tick(0, 2, 4000), Tick(1, 2, 5000), Tick(2, 2, 5200)):
        bar(tick)
    text = out.getvalue()
    assert "5200 passages" in text.replace(",", "") and "(2/2 files)" in text


def test_nothing_is_printed_when_stderr_is_not_a_terminal():
    out = io.StringIO()  # not a tty
    Bar(stream=out)(Tick(1, 1, 10))
    notice("rebuilding", stream=out)
    assert out.getvalue() == ""


def test_piped_ask_prints_no_progress(corpus_dir, index_dir):
    r = citebot("ask", "--corpus", str(corpus_dir), "--index", str(index_dir), "Can lupus cause calcinosis?")
    assert r.returncode == 0 and r.stderr == ""


def _on_a_terminal(args) -> bytes:
    pid, fd = pty.fork()
    if pid == 0:  # child: the real CLI on a terminal
        os.chdir(REPO)
        os.execv(sys.executable, [sys.executable, "-m", "bot", *args])
    term = _Terminal(fd)
    return pid, fd, term


def test_a_rebuild_before_answering_says_why_and_shows_progress(corpus_dir, index_dir):
    pid, fd, term = _on_a_terminal(["ask", "--corpus", str(corpus_dir), "--index", str(index_dir),
                                    "Can lupus cause calcinosis?"])
    try:
        term.expect(b"citebot: rebuilding the index: there is no index yet")
        term.expect(b"passages")
        term.expect(b"Systemic lupus erythematosus")
    finally:
        os.waitpid(pid, 0)
        os.close(fd)


def test_ask_without_a_question_on_a_terminal_says_it_reads_stdin(corpus_dir, index_dir):
    pid, fd, term = _on_a_terminal(["ask", "--corpus", str(corpus_dir), "--index", str(index_dir)])
    try:
        term.expect(b"reading questions from stdin, one per line; Ctrl-D to end")
        os.write(fd, b"Can lupus cause calcinosis?\n")
        term.expect(b"Systemic lupus erythematosus")
        os.write(fd, b"\x04")
    finally:
        os.waitpid(pid, 0)
        os.close(fd)
