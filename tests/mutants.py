#!/usr/bin/env python3
"""Mutation check: plant one known bug at a time and see whether the test suite notices.

    make mutants                          # every entry of tests/mutants.txt
    .venv/bin/python tests/mutants.py --list
    .venv/bin/python tests/mutants.py --only 3        # one entry (or --only 3,5)
    .venv/bin/python tests/mutants.py --jobs 2        # two mutants at a time (the machine has 2 cores)

Not a test module (pytest collects ``test_*.py`` only) and not part of ``make test``: a full run takes
15-30 minutes, one whole-suite run (about 2 minutes) per surviving mutant.

For each entry of the mutant list (format: the top of ``tests/mutants.txt``):

1. the repository is snapshotted once, at start (tracked and untracked-but-not-ignored files,
   ``git ls-files -co --exclude-standard``; so no ``.venv``, ``index/current``, ``index/v-*``, caches), and
   every entry's ``old:`` text must occur exactly once in its file there, else nothing runs and the
   stale entries are named (the code moved: update the entry);
2. the snapshot is copied into a temporary folder, as ``<tmp>/main`` with ``<tmp>/shared`` linked to the
   real ``../shared`` (``tests/conftest.py`` looks for development data beside the clone), and the one
   mutation is applied;
3. pytest runs there: ``.venv/bin/python -m pytest -x -q -p no:cacheprovider [files]`` with the copy as the
   working directory and first on ``PYTHONPATH``, so the tests and every subprocess they start
   (``python -m bot …``; also ``.venv/bin/citebot``, which just imports ``bot.cli``) import the MUTATED
   copy: the venv's editable install of /work/main is a path entry that ``site`` appends after
   ``PYTHONPATH``'s. This is checked for every copy before its tests run.

   The entry's ``tests:`` files run first; if they do not catch the mutant, the rest of the suite runs
   too (``--quick`` stops after the listed files), so SURVIVED means the whole suite missed it.

A mutant is KILLED when a test fails (or errors, or the run times out), SURVIVED when every test
passes. A kill is confirmed by running the killing test on an unmutated copy: a test that fails there
too (broken by work in progress, not by the mutant) is deselected and the mutant run again.

Exit status: 0 every mutant killed, 1 some survived, 2 a broken entry or a run that could not be judged.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_LIST = REPO / "tests" / "mutants.txt"
PYTHON = REPO / ".venv" / "bin" / "python"
SKIP_PARTS = {".venv", ".git", "__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache"}
HEADERS = ("file", "desc", "tests")


class EntryError(Exception):
    pass


@dataclass
class Entry:
    number: int
    line: int  # where the entry starts in the list file
    file: str = ""
    desc: str = ""
    tests: list[str] = field(default_factory=list)
    old: str = ""
    new: str = ""

    def label(self) -> str:
        return f"entry {self.number} (line {self.line}, {self.file}: {self.desc or 'no desc'})"


@dataclass
class Result:
    entry: Entry
    status: str  # KILLED, SURVIVED, TIMEOUT (counted as killed), ERROR
    seconds: float
    killer: str = ""  # first failing test
    detail: str = ""  # its failure line, or why the run could not be judged
    stages: str = ""  # which test files ran
    deselected: list[str] = field(default_factory=list)


# -- the list file --------------------------------------------------------------------------

def parse(path: Path) -> list[Entry]:
    """Blocks separated by ``---`` lines; see the top of tests/mutants.txt."""
    entries: list[Entry] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[tuple[int, list[str]]] = []
    start, cur = 1, []
    for i, raw in enumerate(lines, 1):
        if raw.rstrip() == "---":
            blocks.append((start, cur))
            start, cur = i + 1, []
        else:
            cur.append(raw)
    blocks.append((start, cur))
    for start, block in blocks:
        # header part: "key: value" lines, comments and blank lines until "old:"
        i = 0
        fields: dict[str, str] = {}
        while i < len(block) and block[i].rstrip() != "old:":
            text = block[i].strip()
            if text and not text.startswith("#"):
                key, sep, value = text.partition(":")
                if not sep or key.strip() not in HEADERS:
                    raise EntryError(f"{path}:{start + i}: expected one of {', '.join(h + ':' for h in HEADERS)} "
                                     f"or old:, got {text!r}")
                fields[key.strip()] = value.strip()
            i += 1
        if i == len(block):
            if fields:
                raise EntryError(f"{path}:{start}: entry has no old: section")
            continue  # the documentation at the top, or an empty block
        try:
            j = next(k for k in range(i + 1, len(block)) if block[k].rstrip() == "new:")
        except StopIteration:
            raise EntryError(f"{path}:{start}: entry has no new: section") from None
        e = Entry(number=len(entries) + 1, line=start, file=fields.get("file", ""), desc=fields.get("desc", ""),
                  tests=fields.get("tests", "").split(), old=_section(block[i + 1 : j]), new=_section(block[j + 1 :]))
        if not e.file:
            raise EntryError(f"{path}:{start}: {e.label()} has no file:")
        if not e.old.strip():
            raise EntryError(f"{path}:{start}: {e.label()} has an empty old: section")
        entries.append(e)
    return entries


def _section(lines: list[str]) -> str:
    """The verbatim lines of an old:/new: section, blank lines at either end dropped."""
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return "\n".join(lines)


def mutated(root: Path, e: Entry) -> str:
    """The text of ``e``'s file under ``root`` with the mutation applied; EntryError naming the entry when
    its old text is not there exactly once (the code moved), or the result does not compile."""
    target = root / e.file
    try:
        text = target.read_text(encoding="utf-8")
    except OSError as err:
        raise EntryError(f"{e.label()}: cannot read {e.file} ({err.strerror})") from None
    n = text.count(e.old)
    if n != 1:
        where = "does not occur" if n == 0 else f"occurs {n} times"
        raise EntryError(f"{e.label()}: the old: text {where} in {e.file} (the code moved? update the entry)"
                         f"\n    old: {e.old.splitlines()[0].strip()!r}")
    if e.old == e.new:
        raise EntryError(f"{e.label()}: old: and new: are the same")
    out = text.replace(e.old, e.new)
    if target.suffix == ".py":
        try:
            compile(out, str(target), "exec")
        except SyntaxError as err:
            raise EntryError(f"{e.label()}: the mutated file does not compile ({err.msg}, line {err.lineno})") from None
    for t in e.tests:
        if not (root / t.split("::")[0]).exists():
            raise EntryError(f"{e.label()}: tests: {t} does not exist")
    return out


def mutate(root: Path, e: Entry) -> None:
    (root / e.file).write_text(mutated(root, e), encoding="utf-8")


# -- copies -----------------------------------------------------------------------------------

def snapshot(dest: Path) -> None:
    """Tracked and untracked-not-ignored files of the working tree (deleted ones skipped)."""
    try:
        out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, check=True,
                             capture_output=True).stdout.decode()
        names = [n for n in out.split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        names = [str(p.relative_to(REPO)) for p in REPO.rglob("*") if p.is_file()
                 and not SKIP_PARTS & set(p.relative_to(REPO).parts)
                 and not re.match(r"index/(current|v-|\.tmp-|\.lock)", str(p.relative_to(REPO)))]
    for name in sorted(set(names)):
        src = REPO / name
        if not src.is_file() or SKIP_PARTS & set(Path(name).parts):
            continue
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / name)
    # what tests expect of a checkout: the installed .venv (tests/test_readme.py runs .venv/bin/citebot, which
    # imports the copy's bot through PYTHONPATH) and a git work tree (`git ls-files` copies the repository)
    (dest / ".venv").symlink_to(REPO / ".venv", target_is_directory=True)
    subprocess.run(["git", "init", "-q"], cwd=dest, capture_output=True)


def make_copy(base: Path, parent: Path) -> Path:
    """``parent/main`` (a copy of ``base``) beside ``parent/shared`` (the real ../shared, when present)."""
    parent.mkdir(parents=True)
    shutil.copytree(base, parent / "main", symlinks=True)
    shared = REPO.parent / "shared"
    if shared.is_dir():
        (parent / "shared").symlink_to(shared, target_is_directory=True)
    return parent / "main"


def env_for(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(copy), *filter(None, [os.environ.get("PYTHONPATH")])])
    env.pop("PYTEST_ADDOPTS", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def check_imports(copy: Path) -> None:
    """The copy's ``bot`` is what ``python -m bot`` and the console script get, not the editable install."""
    env = env_for(copy)
    probe = "import bot, bot.cli; print(bot.__file__)"
    for argv, cwd in (([str(PYTHON), "-c", probe], copy), ([str(PYTHON), "-c", probe], Path(tempfile.gettempdir()))):
        got = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True).stdout.strip()
        if not got or not Path(got).resolve().is_relative_to(copy.resolve()):
            raise RuntimeError(f"{copy}: `import bot` gives {got or 'nothing'!r}, not the copy; PYTHONPATH is not "
                               "enough here, so the mutants would be tested against the unmutated code")


# -- running ----------------------------------------------------------------------------------

# "FAILED tests/x.py::test[param] - message": a parameter may hold spaces and " - ", a message brackets
FAILED = re.compile(r"^(FAILED|ERROR) (\S*?\[.*?\](?= - |$)|\S+)(?: - (.*))?$", re.M)


def pytest(copy: Path, args: list[str], timeout: float, exitfirst: bool = True) -> tuple[int | None, str]:
    argv = [str(PYTHON), "-m", "pytest", *(["-x"] if exitfirst else []), "-q", "-p", "no:cacheprovider", "-rfE",
            "--tb=short", *args]
    try:
        r = subprocess.run(argv, cwd=copy, env=env_for(copy), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return None, out
    return r.returncode, r.stdout + r.stderr


def first_failure(output: str) -> tuple[str, str]:
    """The first failing test's id and its first ``E`` line (the summary line is cut to the terminal width)."""
    m = FAILED.search(output)
    if m:
        why = next((ln[1:].strip() for ln in output.splitlines() if ln.startswith("E ") and ln[1:].strip()),
                   (m.group(3) or "").strip())
        return m.group(2), why
    tail = [ln for ln in output.strip().splitlines() if ln.strip()]
    return "", tail[-1] if tail else ""


class Runner:
    def __init__(self, base: Path, work: Path, args):
        self.base, self.work, self.args = base, work, args
        self._pristine: Path | None = None
        self._pristine_lock = threading.Lock()
        self._verdicts: dict[str, bool] = {}  # test id -> passes on the unmutated code
        self.broken: set[str] = set()  # tests failing on the unmutated code, once a mutant's kill was one
        self._surveyed = False

    def _pristine_copy(self) -> Path:
        if self._pristine is None:
            self._pristine = make_copy(self.base, self.work / "pristine")
            check_imports(self._pristine)
        return self._pristine

    def survey(self) -> None:
        """Once: the whole suite on the unmutated code, so every test failing there is deselected at once
        (rather than one rerun of a mutant per such test)."""
        with self._pristine_lock:
            if self._surveyed:
                return
            self._surveyed = True
            print("mutants: a test fails without any mutant; running the suite unmutated once to find all such "
                  "tests", flush=True)
            rc, out = pytest(self._pristine_copy(), ["tests"], self.args.timeout * 3, exitfirst=False)
            for m in FAILED.finditer(out):
                self.broken.add(m.group(2))
                self._verdicts[m.group(2)] = False

    def passes_unmutated(self, test_id: str) -> bool:
        with self._pristine_lock:
            if test_id not in self._verdicts:
                rc, _ = pytest(self._pristine_copy(), [test_id], self.args.timeout)
                self._verdicts[test_id] = rc == 0
            return self._verdicts[test_id]

    def run(self, e: Entry) -> Result:
        t0 = time.monotonic()
        copy = make_copy(self.base, self.work / f"m{e.number:02d}")
        try:
            mutate(copy, e)
            check_imports(copy)
            listed = [t for t in e.tests]
            stages = [(" ".join(listed), listed)] if listed else []
            if not listed or not self.args.quick:
                rest = ["tests"] + [f"--ignore={t}" for t in listed if "::" not in t]
                stages.append(("the rest of the suite" if listed else "the whole suite", rest))
            deselected: list[str] = sorted(self.broken)
            ran: list[str] = []
            for label, files in stages:
                ran.append(label)
                while True:
                    # an explicit path beats --ignore: leave an ignored file out of the listed ones
                    keep = [f for f in files if f not in deselected]
                    if not any(not f.startswith("-") for f in keep):
                        break
                    skip = [f"--deselect={d}" if "::" in d else f"--ignore={d}" for d in deselected]
                    rc, out = pytest(copy, keep + skip, self.args.timeout)
                    if self.args.verbose:
                        print(f"--- entry {e.number}: pytest {' '.join(files)}\n{out}", flush=True)
                    if rc is None:
                        return Result(e, "TIMEOUT", time.monotonic() - t0, detail=f"over {self.args.timeout:.0f}s",
                                      stages=" then ".join(ran), deselected=deselected)
                    if rc in (0, 5):  # passed, or nothing left to run
                        break
                    test, detail = first_failure(out)
                    if rc not in (1, 2) or not test:
                        return Result(e, "ERROR", time.monotonic() - t0, detail=f"pytest exit {rc}: {detail}",
                                      stages=" then ".join(ran), deselected=deselected)
                    if test in deselected:
                        return Result(e, "ERROR", time.monotonic() - t0, detail=f"{test} failed though deselected",
                                      stages=" then ".join(ran), deselected=deselected)
                    if not self.passes_unmutated(test):  # fails without the mutant too: not evidence
                        self.survey()
                        deselected.extend(t for t in sorted(self.broken | {test}) if t not in deselected)
                        continue
                    return Result(e, "KILLED", time.monotonic() - t0, killer=test, detail=detail,
                                  stages=" then ".join(ran), deselected=deselected)
            return Result(e, "SURVIVED", time.monotonic() - t0, stages=" then ".join(ran), deselected=deselected)
        except (EntryError, RuntimeError, OSError) as err:
            return Result(e, "ERROR", time.monotonic() - t0, detail=str(err))
        finally:
            if not self.args.keep:
                shutil.rmtree(copy.parent, ignore_errors=True)


# -- reporting --------------------------------------------------------------------------------

def fmt_time(s: float) -> str:
    return f"{s:.0f}s" if s < 60 else f"{int(s // 60)}m{int(s % 60):02d}s"


def line_for(r: Result) -> str:
    e = r.entry
    head = f"{e.number:>3}  {r.status:<8} {fmt_time(r.seconds):>6}  {e.file}: {e.desc}"
    if r.status in ("KILLED",):
        head += f"\n{'':21}by {r.killer}" + (f"  ({r.detail[:100]})" if r.detail else "")
    elif r.status in ("ERROR", "TIMEOUT"):
        head += f"\n{'':21}{r.detail[:300]}"
    elif r.status == "SURVIVED":
        head += f"\n{'':21}tests run: {r.stages}"
    if r.deselected:
        head += f"\n{'':21}{len(r.deselected)} test{'s' if len(r.deselected) != 1 else ''} deselected (failing " \
                "without the mutant too; listed at the end)"
    return head


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Plant the bugs of tests/mutants.txt one at a time; report which the "
                                             "tests catch.")
    ap.add_argument("--file", type=Path, default=DEFAULT_LIST, help="the mutant list (default: tests/mutants.txt)")
    ap.add_argument("--only", help="run only these entries: N or N,M,...")
    ap.add_argument("--list", action="store_true", help="list the entries and check they still apply; run nothing")
    ap.add_argument("--jobs", type=int, default=1, help="mutants run at a time (default 1)")
    ap.add_argument("--quick", action="store_true", help="run only an entry's tests: files, not then the rest")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per pytest run before it counts as killed")
    ap.add_argument("--keep", action="store_true", help="keep the temporary copies (their path is printed)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print pytest's output")
    args = ap.parse_args(argv)

    try:
        entries = parse(args.file)
    except (EntryError, OSError) as err:
        print(f"mutants: {err}", file=sys.stderr)
        return 2
    if args.only:
        try:
            wanted = {int(x) for x in args.only.split(",") if x.strip()}
        except ValueError:
            ap.error(f"--only takes entry numbers like 3 or 3,5, not {args.only!r}")
        unknown = wanted - {e.number for e in entries}
        if unknown:
            ap.error(f"no entry {', '.join(map(str, sorted(unknown)))}; there are {len(entries)} (see --list)")
        entries = [e for e in entries if e.number in wanted]

    work = Path(tempfile.mkdtemp(prefix="citebot-mutants-"))
    try:
        base = work / "base"
        base.mkdir()
        snapshot(base)
        problems = []
        for e in entries:  # every entry must still apply before anything runs
            try:
                mutated(base, e)
            except EntryError as err:
                problems.append(str(err))
        if args.list:
            for e in entries:
                tests = " ".join(e.tests) or "(whole suite)"
                print(f"{e.number:>3}  {e.file}: {e.desc}\n{'':5}tests: {tests}")
        if problems:
            one = len(problems) == 1
            print(f"\nmutants: {len(problems)} entr{'y' if one else 'ies'} of {args.file} no longer "
                  f"appl{'ies' if one else 'y'}; nothing was run:", file=sys.stderr)
            for p in problems:
                print(f"  {p}", file=sys.stderr)
            return 2
        if args.list:
            return 0

        print(f"mutants: {len(entries)} from {args.file.relative_to(REPO) if args.file.is_relative_to(REPO) else args.file}"
              f", {args.jobs} at a time; copies under {work}", flush=True)
        runner = Runner(base, work, args)
        t0 = time.monotonic()
        results: dict[int, Result] = {}
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = {pool.submit(runner.run, e): e for e in entries}
            for f in as_completed(futures):
                r = f.result()
                results[r.entry.number] = r
                print(line_for(r), flush=True)
        ordered = [results[e.number] for e in entries]
        count = {s: sum(r.status == s for r in ordered) for s in ("KILLED", "TIMEOUT", "SURVIVED", "ERROR")}
        print("\n" + "=" * 100)
        print(f"{'#':>3}  {'result':<8} {'time':>6}  mutant")
        for r in ordered:
            print(line_for(r))
        unreliable = sorted({t for r in ordered for t in r.deselected})
        if unreliable:
            print(f"tests that failed on the unmutated code too, so deselected where they fired ({len(unreliable)}):")
            for t in unreliable:
                print(f"    {t}")
        killed = count["KILLED"] + count["TIMEOUT"]
        judged = killed + count["SURVIVED"]
        score = f"{100 * killed / judged:.0f}%" if judged else "n/a"
        print("=" * 100)
        print(f"mutants: {len(ordered)} run in {fmt_time(time.monotonic() - t0)}: {killed} killed"
              + (f" ({count['TIMEOUT']} by timeout)" if count["TIMEOUT"] else "")
              + f", {count['SURVIVED']} survived, {count['ERROR']} errors; mutation score {score}")
        if count["ERROR"]:
            return 2
        return 1 if count["SURVIVED"] else 0
    finally:
        if args.keep:
            print(f"(copies kept under {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
