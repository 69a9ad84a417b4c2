"""The REPL: a conversation, scriptable through stdin, and interactive on a terminal."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import sys
import time

import pytest

from .conftest import REPO
from .test_cli import citebot
from .slack_stub import wait_until


@pytest.fixture(autouse=True)
def _seeded(seeded_index):
    """The tests here are about the REPL and the CLI's messages, not building: the seed's index is there."""


def turns(corpus_dir, index_dir, *lines):
    r = citebot("repl", "--json", "--corpus", str(corpus_dir), "--index", str(index_dir),
                stdin="\n".join(lines) + "\n")
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


def test_follow_up_is_understood_in_context(corpus_dir, index_dir):
    first, follow = turns(corpus_dir, index_dir, "Which drugs treat calcinosis?", "what about surgery?")
    assert first["answered"]
    assert follow["answered"]
    assert "surgic" in follow["passages"][0]["text"].lower()


def test_follow_up_with_a_pronoun_uses_the_earlier_turn(corpus_dir, index_dir):
    _, follow = turns(corpus_dir, index_dir, "How common is calcinosis in systemic sclerosis?",
                      "which antibodies go with it?")
    texts = " ".join(p["text"] for p in follow["passages"]).lower()
    assert "anticentromere" in texts or "anti-pm/scl" in texts


def test_reset_forgets_the_conversation(corpus_dir, index_dir):
    """After :reset a follow-up is answered exactly as on its own, and not as in the conversation."""
    q, follow = "Which antibodies are linked to calcinosis in systemic sclerosis?", "and in children?"
    in_context = turns(corpus_dir, index_dir, q, follow)[1]
    out = turns(corpus_dir, index_dir, q, ":reset", follow)
    alone = turns(corpus_dir, index_dir, follow)[0]
    assert out[1] == {"reset": True}
    texts = lambda a: [p["text"] for p in a["passages"]]  # noqa: E731
    assert texts(out[2]) == texts(alone)
    assert texts(in_context) != texts(alone), "pick a follow-up whose answer depends on the context"


def test_more_shows_the_next_passages(corpus_dir, index_dir):
    first, more = turns(corpus_dir, index_dir, "What complications can calcinosis deposits cause?", ":more")
    assert first["answered"] and more["passages"]
    assert not {p["text"] for p in first["passages"]} & {p["text"] for p in more["passages"]}
    assert max(p["score"] for p in more["passages"]) <= min(p["score"] for p in first["passages"])


def test_quit_stops_reading(corpus_dir, index_dir):
    out = turns(corpus_dir, index_dir, "Can lupus cause calcinosis?", ":quit", "Can lupus cause calcinosis?")
    assert len(out) == 1


class _Terminal:
    """What the child printed, read as it comes; ``expect`` waits for text after the last match."""

    def __init__(self, fd: int):
        self.fd, self.buf, self.pos = fd, b"", 0

    def expect(self, needle: bytes, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while (at := self.buf.find(needle, self.pos)) < 0:
            if time.monotonic() > deadline:
                raise AssertionError(f"never saw {needle!r}; got {self.buf[self.pos:][-500:]!r}")
            r, _, _ = select.select([self.fd], [], [], 0.5)
            if r:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                self.buf += chunk
        self.pos = at + len(needle)


def _read_until_quiet(fd) -> None:
    """Drain what the child printed (so it never blocks on a full terminal), for up to 0.1 s."""
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            os.read(fd, 4096)
        except OSError:
            pass


def test_interactive_terminal_help_ctrl_c_and_ctrl_d(corpus_dir, index_dir):
    pid, fd = pty.fork()
    if pid == 0:  # child: the real CLI on a terminal
        # as a terminal would start it: a harness that runs the tests in the background (a non-interactive
        # shell's `cmd &`) leaves SIGINT ignored, and an ignored signal stays ignored across exec
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.chdir(REPO)
        os.execv(sys.executable, [sys.executable, "-m", "bot", "repl", "--corpus", str(corpus_dir),
                                  "--index", str(index_dir)])
    term = _Terminal(fd)
    try:
        term.expect(b"citebot> ")
        os.write(fd, b":help\r")
        term.expect(b":reset")
        term.expect(b"citebot> ")
        os.write(fd, b"Can lupus cause calcinosis?\r")
        term.expect(b"Systemic lupus erythematosus")
        term.expect(b"citebot> ")
        # CPython's readline checks for signals only once its select() is waiting: a SIGINT in the
        # microseconds between drawing the prompt and that select() waits for the next key press.
        wait_until(lambda: _waiting_for_input(pid), what="readline waiting for a key")
        os.write(fd, b"\x03")  # Ctrl-C at the prompt: back to the prompt, not out
        try:
            term.expect(b"^C")
        except AssertionError as e:
            raise AssertionError(f"{e}; the REPL: {_signal_state(pid)}") from None
        term.expect(b"citebot> ")
        os.write(fd, b"Can lupus cause calcinosis?\r")  # still answering
        term.expect(b"Systemic lupus erythematosus")
        term.expect(b"citebot> ")  # the prompt is up: readline owns the terminal again
        wait_until(lambda: _waiting_for_input(pid), what="readline waiting for a key")
        os.write(fd, b"\x04")  # Ctrl-D: clean exit
        deadline = time.monotonic() + 30
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                raise AssertionError("the REPL did not exit on Ctrl-D")
            _read_until_quiet(fd)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.close(fd)


def _signal_state(pid: int) -> str:
    """The child's signal masks, threads and wait channel (/proc), for a failure message."""
    try:
        with open(f"/proc/{pid}/status") as f:
            lines = [ln.strip() for ln in f if ln.split(":")[0] in ("State", "Threads", "SigPnd", "ShdPnd",
                                                                     "SigBlk", "SigIgn", "SigCgt")]
        with open(f"/proc/{pid}/wchan") as f:
            lines.append("wchan " + f.read())
        tasks = sorted(os.listdir(f"/proc/{pid}/task"))
        for t in tasks:
            with open(f"/proc/{pid}/task/{t}/status") as f:
                blk = [ln.strip() for ln in f if ln.startswith(("Name", "SigBlk"))]
            with open(f"/proc/{pid}/task/{t}/wchan") as f:
                lines.append(f"task {t} {blk} wchan {f.read()}")
        return "; ".join(lines)
    except OSError as e:
        return f"unreadable ({e})"


def _waiting_for_input(pid: int) -> bool:
    """Whether process ``pid`` sleeps in select()/poll() (Linux /proc): readline is waiting for a key."""
    try:
        with open(f"/proc/{pid}/wchan") as f:
            wchan = f.read()
    except OSError:
        return False
    return "poll" in wchan or "select" in wchan
