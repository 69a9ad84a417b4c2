"""The real CLI process: ask (--json, stdin batch), reindex, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import REPO


def citebot(*args, stdin: str | None = None, env: dict | None = None, cwd=None):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
        env=full_env, cwd=cwd or REPO, timeout=120,
    )


@pytest.fixture
def dirs(corpus_dir, seeded_index):
    return ["--corpus", str(corpus_dir), "--index", str(seeded_index)]


def test_ask_json_schema_and_references(dirs):
    r = citebot("ask", *dirs, "--json", "--top", "5", "--no-abstain",
                "Which experimental imaging, ultrasonography or computed tomography, diagnoses calcinosis?")
    assert r.returncode == 0, r.stderr
    [line] = r.stdout.splitlines()
    obj = json.loads(line)
    assert set(obj) == {"question", "answered", "passages", "references", "blocks", "reason"}
    assert obj["reason"] is None
    assert len(obj["passages"]) == 5
    for p in obj["passages"]:
        assert set(p) == {"text", "citations", "article", "section", "source", "score"}
        assert p["source"] == "calcinosis-associated-conditions.txt"
        assert isinstance(p["score"], float)
    scores = [p["score"] for p in obj["passages"]]
    assert scores == sorted(scores, reverse=True)
    cited = {(p["source"], n) for p in obj["passages"] for n in p["citations"]}
    assert {(r["source"], r["number"]) for r in obj["references"]} == cited
    assert len(obj["references"]) == len(cited)
    by_number = {r["number"]: r for r in obj["references"]}
    assert by_number[6] == {"source": "calcinosis-associated-conditions.txt", "number": 6, "text": None,
                            "missing": True}
    for r in obj["references"]:
        if r["number"] != 6:
            assert r["missing"] is False and r["text"]


def test_ask_declines_out_of_scope(dirs):
    r = citebot("ask", *dirs, "--json", "What is the capital of France?")
    assert r.returncode == 0, r.stderr
    obj = json.loads(r.stdout)
    assert obj["answered"] is False and obj["passages"] == [] and obj["references"] == []
    r = citebot("ask", *dirs, "How do I reset my password?")
    assert "couldn't find that in the articles" in r.stdout
    assert "References" not in r.stdout


def test_ask_text_shows_path_citations_and_full_references(dirs):
    r = citebot("ask", *dirs, "What percentage of systemic sclerosis patients develop calcinosis?")
    assert r.returncode == 0, r.stderr
    assert "Affects approximately 25% of patients with systemic sclerosis" in r.stdout
    assert "Systemic Sclerosis" in r.stdout and "[2]" in r.stdout
    assert "Calcinosis in scleroderma. Current opinion in rheumatology, 2018" in r.stdout


def test_stdin_batch_answers_one_json_line_per_question(dirs):
    questions = ["Can lupus cause calcinosis?", "", "What is the capital of France?",
                 "What percentage of systemic sclerosis patients develop calcinosis?"]
    r = citebot("ask", *dirs, "--json", stdin="\n".join(questions) + "\n")
    assert r.returncode == 0, r.stderr
    objs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [o["question"] for o in objs] == [q for q in questions if q]
    assert [o["answered"] for o in objs] == [True, False, True]
    assert "approximately 25%" in objs[2]["passages"][0]["text"]


def test_environment_variables_name_the_folders(corpus_dir, index_dir, tmp_path):
    r = citebot("reindex", env={"CITEBOT_CORPUS": str(corpus_dir), "CITEBOT_INDEX": str(index_dir)}, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "indexed" in r.stdout and (index_dir / "current").is_symlink()


def test_failed_reindex_exits_nonzero_and_old_index_keeps_answering(dirs, corpus_dir):
    assert citebot("reindex", *dirs).returncode == 0
    (corpus_dir / "broken.txt").write_bytes(b"Title\n\nGood line 1\n\xc3\x28 bad\n")
    r = citebot("reindex", *dirs)
    assert r.returncode == 1
    assert "broken.txt line 4" in r.stderr and "Traceback" not in r.stderr
    r = citebot("ask", *dirs, "--json", "Can lupus cause calcinosis?")
    assert r.returncode == 0
    assert json.loads(r.stdout)["answered"] is True
    assert "broken.txt line 4" in r.stderr and "previous index" in r.stderr


def test_missing_corpus_folder_is_a_one_line_error(tmp_path):
    r = citebot("reindex", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "idx"))
    assert r.returncode == 1
    assert "corpus folder does not exist" in r.stderr and "Traceback" not in r.stderr


def test_help_lists_the_commands():
    r = citebot("--help")
    assert r.returncode == 0
    for cmd in ("ask", "repl", "reindex", "eval", "bench", "slack"):
        assert cmd in r.stdout
    r = citebot("ask", "--help")
    assert "--no-abstain" in r.stdout and "CITEBOT_CORPUS" in r.stdout


def test_a_core_command_imports_no_other_command_s_module(dirs):
    """``citebot ask`` builds only its own command line: the Slack, eval and bench modules are not imported (a cold
    ask's start), and its options, errors and answers are those of the whole command line."""
    code = ("import sys; from bot import cli; code = cli.main(sys.argv[1:]); "
            "print(sorted(m for m in cli.COMMAND_MODULES if m in sys.modules), code)")
    r = subprocess.run([sys.executable, "-c", code, "ask", "--json", *dirs, "Can lupus cause calcinosis?"],
                       capture_output=True, text=True, cwd=REPO, timeout=120)
    assert r.returncode == 0, r.stderr
    *answer, imported = r.stdout.strip().splitlines()
    assert json.loads(answer[0])["answered"] and imported == "[] 0"
    r = citebot("ask", "--bogus", *dirs, "x")
    assert r.returncode == 2 and "usage: citebot ask" in r.stderr and "--bogus" in r.stderr


def test_a_cold_ask_piped_imports_no_shutil_and_help_keeps_the_terminal_s_width(dirs):
    """argparse makes a formatter for every argument and would import shutil for the terminal's width (2–3 ms of a
    cold ask, ``cli._Formatter``); an answer written to a pipe never needs it. Help is still as wide as the
    terminal says (``COLUMNS``, as shutil reads it)."""
    code = ("import sys; from bot import cli; code = cli.main(sys.argv[1:]); "
            "print('shutil' in sys.modules, code)")
    r = subprocess.run([sys.executable, "-c", code, "ask", *dirs, "Can lupus cause calcinosis?"],
                       capture_output=True, text=True, cwd=REPO, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "lupus" in r.stdout.lower() and r.stdout.strip().splitlines()[-1] == "False 0"
    for columns in (50, 120):
        r = subprocess.run([sys.executable, "-m", "bot", "ask", "--help"], capture_output=True, text=True, cwd=REPO,
                           timeout=120, env={**os.environ, "COLUMNS": str(columns)})
        lines = r.stdout.splitlines()  # the description is the command's docstring as written: the rest is wrapped
        widths = [len(line) for line in lines[next(i for i, x in enumerate(lines) if x.endswith("arguments:")):]]
        assert r.returncode == 0 and max(widths) <= columns - 2, r.stdout
        assert max(widths) > 40 if columns == 50 else max(widths) > 80, r.stdout


def test_a_one_shot_ask_leaves_without_the_interpreter_s_teardown(dirs, tmp_path):
    """``citebot ask`` ends the process itself once its output is flushed (``cli._leave``: the teardown took 60 ms
    of a cold ask): an exit handler does not run, the whole answer is in the file stdout went to (block-buffered),
    and the exit status is kept. Other commands, and an ask that fails, end as usual."""
    code = ("import atexit, sys; atexit.register(print, 'teardown', file=sys.stderr); "
            "from bot.cli import run; run()")
    out = tmp_path / "out.jsonl"
    with open(out, "w") as f:
        r = subprocess.run([sys.executable, "-c", code, "ask", "--json", *dirs],
                           input="Can lupus cause calcinosis?\nWhat is the capital of France?\n",
                           stdout=f, stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "teardown" not in r.stderr
    assert [json.loads(line)["answered"] for line in out.read_text().splitlines()] == [True, False]
    r = subprocess.run([sys.executable, "-c", code, "ask", "--corpus", str(tmp_path / "nope"),
                        "--index", str(tmp_path / "idx"), "x"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert r.returncode == 1 and "teardown" in r.stderr and "corpus folder does not exist" in r.stderr
    r = subprocess.run([sys.executable, "-c", code, "--help"], capture_output=True, text=True, cwd=REPO,
                       timeout=120)
    assert r.returncode == 0 and "teardown" in r.stderr
