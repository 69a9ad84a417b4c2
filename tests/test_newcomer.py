"""What a new user meets: honest messages, clean JSON, usage errors in the right command's words."""

from __future__ import annotations

import json

import pytest

from bot import store

from .test_cli import citebot
from .test_repl import turns


@pytest.fixture(autouse=True)
def _seeded(seeded_index):
    """The tests here are about the CLI's messages, not building: the seed's index is there."""


@pytest.fixture
def dirs(corpus_dir, index_dir):
    return ["--corpus", str(corpus_dir), "--index", str(index_dir)]


def test_repl_json_prints_only_json_lines(corpus_dir, index_dir):
    out = turns(corpus_dir, index_dir, ":help", ":bogus", "Can lupus cause calcinosis?", ":reset")
    assert "help" in out[0] and ":more" in out[0]["help"]
    assert "unknown command" in out[1]["error"]
    assert out[2]["answered"] and out[3] == {"reset": True}


def test_more_after_a_declined_follow_up_says_which_question_it_continues(corpus_dir, index_dir):
    out = turns(corpus_dir, index_dir, "Which drugs treat calcinosis?", "what is the capital of France?", ":more")
    assert out[1]["answered"] is False and out[1]["reason"]["code"] == "not_covered"
    assert out[2]["continues"] == "Which drugs treat calcinosis?"
    plain = citebot("repl", "--corpus", str(corpus_dir), "--index", str(index_dir),
                    stdin="Which drugs treat calcinosis?\nwhat is the capital of France?\n:more\n")
    assert "(more for your last answered question: 'Which drugs treat calcinosis?')" in plain.stdout
    fresh = turns(corpus_dir, index_dir, "Which drugs treat calcinosis?", ":more")
    assert "continues" not in fresh[1]


def test_reindex_names_the_numbers_missing_from_reference_lists(dirs):
    r = citebot("reindex", *dirs)
    assert r.returncode == 0, r.stderr
    assert "calcinosis-associated-conditions.txt cites [6], not in its reference list" in r.stdout


def test_declined_json_carries_a_reason_code(dirs):
    r = citebot("ask", "--json", *dirs, "What is the capital of France?")
    obj = json.loads(r.stdout)
    assert obj["answered"] is False
    assert obj["reason"] == {"code": "not_covered", "message": "the articles do not cover this question"}


@pytest.mark.parametrize("top", ["0", "-1", "51", "three"])
def test_a_bad_top_is_a_usage_error(dirs, top):
    r = citebot("ask", *dirs, "--top", top, "Can lupus cause calcinosis?")
    assert r.returncode == 2 and "citebot ask: error: argument --top" in r.stderr and not r.stdout


def test_an_unknown_option_is_reported_in_its_commands_usage(dirs):
    r = citebot("ask", "--bogus", *dirs, "x")
    assert r.returncode == 2
    assert r.stderr.startswith("usage: citebot ask") and "unrecognized arguments: --bogus" in r.stderr


def test_the_lock_error_says_how_long_it_waited(corpus_dir, index_dir):
    with store.lock(index_dir):
        r = citebot("reindex", "--corpus", str(corpus_dir), "--index", str(index_dir), "--wait", "0.2")
    assert "running for over 0.2 s" in r.stderr


def test_eval_help_explains_verbose_once(corpus_dir):
    r = citebot("eval", "--help")
    lines = [line for line in r.stdout.splitlines() if "-v, --verbose" in line]
    assert len(lines) == 1 and "each miss" in r.stdout
