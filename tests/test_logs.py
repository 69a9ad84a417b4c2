"""citebot's loggers (``bot/logs.py``): ``logging`` is imported only when a record could be shown, and every
record that is shown goes through the command line's set-up, in real processes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import REPO


@pytest.fixture
def dirs(corpus_dir, seeded_index):
    return ["--corpus", str(corpus_dir), "--index", str(seeded_index)]


def _python(code: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], input=stdin, capture_output=True, text=True,
                          cwd=REPO, timeout=120)


def test_a_record_below_the_set_level_imports_nothing_and_one_above_is_shown_as_set_up():
    code = """
import sys
from bot import logs
logs.configure(verbose=False, now=False)
log = logs.get("bot.example")
log.debug("hidden %s", 1)
log.info("hidden too")
print("logging loaded:", "logging" in sys.modules)
log.warning("shown %s", 2)
print("logging loaded:", "logging" in sys.modules)
"""
    r = _python(code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:2] == ["logging loaded: False", "logging loaded: True"]
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith(" WARNING bot.example: shown 2"), r.stderr  # basicConfig's format


def test_verbose_shows_info_and_a_library_loaded_first_gets_the_set_up_at_once():
    code = """
import logging, sys
from bot import logs
logs.configure(verbose=True, now=False)
logging.getLogger("other").info("from a library")
logs.get("bot.example").info("said %s", "this")
logs.get("bot.example").debug("not this")
"""
    r = _python(code)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    assert [line.split(" ", 2)[-1] for line in lines] == ["INFO other: from a library", "INFO bot.example: said this"]


def test_a_library_loaded_later_logs_through_the_set_up_once_citebot_is_ready_and_records_name_their_caller():
    """``logs.ready()`` (before citebot imports sentence-transformers or numba) applies the set-up: a quiet library's
    warning is not shown, another's is formatted; a debug or info line names the function that logged it."""
    code = """
import sys
from bot import logs
logs.configure(verbose=False, quiet=("noisy",), now=False)
logs.ready()
import logging
logging.getLogger("noisy").warning("not shown")
logging.getLogger("other").warning("shown")
logging.getLogger().setLevel(logging.INFO)
logging.getLogger().handlers[0].setFormatter(logging.Formatter("%(funcName)s %(message)s"))
def caller():
    logs.get("bot.example").info("from caller")
caller()
"""
    r = _python(code)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    assert [line.split(" ", 2)[-1] for line in lines[:1]] == ["WARNING other: shown"] and lines[1:] == ["caller from caller"]


def test_a_one_shot_ask_that_declines_or_answers_imports_no_logging(dirs):
    """A cold ``citebot ask`` logs nothing unless it rebuilds or warns: ``logging`` (about 5 ms) is not imported,
    whether it answers or declines (a decline's reason is a debug line)."""
    code = ("import sys; from bot import cli; code = cli.main(sys.argv[1:]); "
            "print('logging' in sys.modules, code)")
    r = _python(code, "ask", "--json", *dirs, stdin="Can lupus cause calcinosis?\nWhat is the capital of France?\n")
    assert r.returncode == 0, r.stderr
    *answers, last = r.stdout.strip().splitlines()
    assert len(answers) == 2 and last == "False 0"
    r = _python(code, "reindex", *dirs)  # other commands set logging up before they run
    assert r.returncode == 0 and r.stdout.strip().endswith("True 0"), r.stderr
