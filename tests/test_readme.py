"""The README's commands run as pasted, on a fresh copy of the repository (the installed .venv reused).

Every command line of the README's ``sh`` blocks, and of the journal's (``tests/JOURNAL.md``: how each library of
``tests/data`` is scored), that starts with ``.venv/bin/citebot`` or ``make`` is run,
except: blocks whose first line says they need something not shipped (``# needs …``), commands that
connect to Slack (``citebot slack`` without ``--manifest``), and ``make`` targets, which install. The
benchmark runs at a small size (``--passages 300 --questions 20``): the README's size takes minutes. Commands that
differ from one run before only in the library of ``tests/data`` they name (the journal scores each library with the
same line) are not run again: the files and folders they name must exist (``test_a_repeated_command_names_what_is_there``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from .conftest import REPO

SMALL = {"--passages 100000": "--passages 300 --questions 20"}


_LIBRARY = re.compile(r"tests/data/[^/\s]+/")  # a library's folder (a single file of tests/data is no library)


def readme_commands() -> list[str]:
    """The commands to run: the first of each shape (``_shape``)."""
    return _split()[0]


def repeated_commands() -> list[str]:
    """The commands of a shape run already (``readme_commands``)."""
    return _split()[1]


def _split() -> tuple[list[str], list[str]]:
    run, repeated, shapes = [], [], set()
    for command in dict.fromkeys(all_commands()):  # a line written twice is run once
        (repeated if _shape(command) in shapes else run).append(command)
        shapes.add(_shape(command))
    return run, repeated


def _shape(command: str) -> str:
    """A command with the library of ``tests/data`` it names left out."""
    return _LIBRARY.sub("tests/data/…/", command)


def all_commands() -> list[str]:
    text = "\n".join((REPO / name).read_text(encoding="utf-8") for name in ("README.md", "tests/JOURNAL.md"))
    out = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and lines[0].startswith("# needs"):
            continue
        for line in lines:
            command = line.split("  #")[0].strip()
            if not command.startswith(".venv/bin/citebot"):
                continue
            if " slack" in command and "--manifest" not in command:
                continue
            for big, small in SMALL.items():
                command = command.replace(big, small)
            out.append(command)
    return out


@pytest.fixture(scope="module")
def fresh_copy(tmp_path_factory):
    """The repository's tracked and new files, without an index, with the installed .venv linked in."""
    root = tmp_path_factory.mktemp("fresh") / "citebot"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True,
                           text=True, check=True).stdout.split("\n")
    for rel in filter(None, files):
        src = REPO / rel
        if src.is_file():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, root / rel)
    # numba's cache of the compiled top-k, as `make install` leaves it beside the installed checkout (the copies
    # keep their modification times, which the cache checks): the bench line does not compile it again
    for cached in (REPO / "bot" / "__pycache__").glob("_numba_kernel.*.nb[ic]"):
        (root / "bot" / "__pycache__").mkdir(exist_ok=True)
        shutil.copy2(cached, root / "bot" / "__pycache__" / cached.name)
    (root / ".venv").symlink_to(REPO / ".venv")
    return root


def test_the_readme_has_commands_to_check():
    commands = readme_commands()
    assert any(c.startswith(".venv/bin/citebot eval tests/data/") for c in commands)
    assert any("bench" in c for c in commands) and any("--manifest" in c for c in commands)
    assert not any("../shared" in c for c in commands)  # those are marked as needing the development data


@pytest.mark.parametrize("command", readme_commands())
def test_a_readme_command_runs_as_pasted(fresh_copy, command):
    env = {**os.environ, "HOME": str(fresh_copy)}
    for var in ("CITEBOT_CORPUS", "CITEBOT_INDEX", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        env.pop(var, None)
    r = subprocess.run(["bash", "-c", command], cwd=fresh_copy, env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, f"{command}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    assert "Traceback" not in r.stderr


def test_the_command_table_lists_every_command_and_each_has_help():
    import re as _re

    from bot.cli import build_parser

    parser = build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = set(_re.findall(r"^\| `citebot (\w+)", text, _re.M))
    assert table == commands
    for name, sub in parser._subparsers._group_actions[0].choices.items():
        assert sub.format_help().startswith(f"usage: citebot {name}")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_compiles_the_package_again_after_a_source_file_changes(tmp_path):
    """Where PYTHONDONTWRITEBYTECODE is set, stale bytecode is compiled again on every start (0.18 -> 0.21 s a cold ask
    at 100k passages): `make run` and `make test` compile the package again when a file of bot/ is newer than the last
    compile, and not otherwise. Checked on the Makefile in a folder of its own, its stamps in order."""
    shutil.copy2(REPO / "Makefile", tmp_path / "Makefile")
    made = ["pyproject.toml", "bot/x.py", "bot/_numba_kernel.py", ".venv/bin/python", ".venv/.installed",
            ".venv/.bytecode", ".venv/.kernel-compiled"]
    for i, rel in enumerate(made):  # each older than the next: everything up to date
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
        os.utime(path, (1_000_000 + i * 10, 1_000_000 + i * 10))
    for target in ("run", "test"):
        plan = subprocess.run(["make", "-n", target], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
        assert "compileall" not in plan, plan
        plan = subprocess.run(["make", "-n", "-W", "bot/x.py", target], cwd=tmp_path, capture_output=True, text=True,
                              check=True).stdout
        assert "compileall" in plan, plan


def test_a_repeated_command_names_what_is_there():
    """A command not run again (its shape ran: ``readme_commands``) still names a question file that reads as one
    (``evaluate.load_items``) and a corpus folder holding articles."""
    from bot import corpus, evaluate

    repeated = repeated_commands()
    assert len(repeated) > 10 and set(readme_commands()) | set(repeated) == set(all_commands())
    for command in repeated:
        questions = re.findall(r"tests/data/\S+\.jsonl", command)
        folders = re.findall(r"--corpus (\S+)", command)
        assert questions and folders, command
        assert evaluate.load_items(REPO / questions[0]), command
        assert corpus.scan(REPO / folders[0]), command
