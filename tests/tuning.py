"""The tuning sets pooled, as the README's "18 tuning sets" numbers are measured, with what changed since a saved run.

    .venv/bin/python -m tests.tuning                      # per set and pooled: first answers, first three, declines…
    .venv/bin/python -m tests.tuning --save /tmp/before.json
    .venv/bin/python -m tests.tuning --compare /tmp/before.json   # … and every item whose outcome changed
    .venv/bin/python -m tests.tuning --ranking                    # … and the pooled numbers of ranking alone

The 18 sets: ``dev.jsonl`` and the held-out sets A and B on the bundled article; the shared library set and blind
set 3 on the shared library's articles; the 13 libraries in ``tests/data`` written by helpers who never saw the code
(blind 4-8, libraries 12-15, blind 16-18 and 23: each a tuning set once it was run). More lines are printed apart,
as the README reports them: ``dev.jsonl`` with the shared library as its corpus, and the 48 conversations of each of
``conversations_28`` and ``conversations_31`` (each thread asked of its own library). A set that needs ``../shared``
is left out, with a note, where ``../shared`` is absent. Every set is a tuning set: the blind libraries never run here are 9-11, 19-22 and 24-29.

Indexes are built under ``--work DIR`` (kept, so a second run only checks them) or a temporary folder. Sets are
asked in two worker processes. ``citebot eval`` scores one set; this pools them, which is what a change must be
judged on: one set moves by single items.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.test_library_gate import CONVERSATION_SETS, REPOSITORY_SETS, _asked, conversations_by_library

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
SHARED = REPO.parent / "shared" / "eval"
SEED = REPO / "corpus"
LIBRARY = SHARED / "library"
LIBRARIES = REPOSITORY_SETS + ("blind_library_23",)  # the gated libraries and blind 23, a tuning set since it ran


@dataclass(frozen=True)
class TuningSet:
    name: str
    questions: Path
    corpus: Path
    pooled: bool = True  # one of the 18 pooled sets (dev with the library and the conversation sets are reported apart)
    items: tuple | None = None  # the items themselves, when they are a part of a file (a conversation set's library)


def tuning_sets(shared: Path = SHARED) -> tuple[list[TuningSet], list[str]]:
    """The sets to ask, and a note for each set left out because ``shared`` is absent."""
    library = shared / "library"
    sets, missing = [], []
    for name, questions, corpus, pooled in (
            ("dev", shared / "dev.jsonl", SEED, True),
            ("heldout_a", DATA / "heldout_a.jsonl", SEED, True),
            ("heldout_b", DATA / "heldout_b.jsonl", SEED, True),
            ("library", library / "questions.jsonl", library / "corpus", True),
            ("blind_library_3", DATA / "blind_library_3.jsonl", library / "corpus", True),
            ("dev_with_library", shared / "dev.jsonl", library / "corpus", False)):
        if questions.is_file() and corpus.is_dir():
            sets.append(TuningSet(name, questions, corpus, pooled))
        else:
            missing.append(f"{name}: {questions if not questions.is_file() else corpus} is absent")
    sets += [TuningSet(name, DATA / name / "questions.jsonl", DATA / name / "corpus") for name in LIBRARIES]
    sets += [TuningSet(f"{name}/{lib}", DATA / name / "questions.jsonl", DATA / lib / "corpus", False, tuple(items))
             for name in CONVERSATION_SETS for lib, items in sorted(conversations_by_library(name).items())]
    return sets, missing


def outcomes(tuning: TuningSet, work: Path, abstain: bool = True) -> list[dict]:
    """Every item of ``tuning`` asked as ``citebot eval`` asks it (``abstain=False``: as ``--no-abstain``, ranking
    alone), one plain record per item (conversations are not asked again with their context off: these numbers do not
    need it)."""
    from bot import evaluate

    items = list(tuning.items) if tuning.items is not None else evaluate.load_items(tuning.questions)
    report = _asked(tuning.corpus, items, work / tuning.name.replace("/", "__"), abstain=abstain, context_off=False)
    return [{"set": tuning.name, "pooled": tuning.pooled, "id": o.item.id, "kind": o.item.kind,
             "answered": o.answered, "rank": o.rank, "completeness": o.completeness, "question": o.item.question}
            for o in report.outcomes]


def mark(record: dict) -> str:
    """An item's outcome in one character: the rank of its first hit, "x" none in five, "-" declined; an
    out-of-scope item "D" declined, "a" answered."""
    if record["kind"] == "out-of-scope":
        return "a" if record["answered"] else "D"
    if not record["answered"]:
        return "-"
    return str(record["rank"]) if record["rank"] else "x"


def counts(records: list[dict]) -> dict:
    """First answers, first three, declined out-of-scope items, conversations in the first three and the summed
    list completeness of ``records``, with the number of items each is out of."""
    answerable = [r for r in records if r["kind"] != "out-of-scope"]
    out_of_scope = [r for r in records if r["kind"] == "out-of-scope"]
    conversations = [r for r in answerable if r["kind"] == "conversation"]
    lists = [r["completeness"] for r in records if r["completeness"] is not None]

    def in_three(r):  # as ``evaluate.Outcome.hit3``: a declined answer shows no passage, so it has no rank
        return r["rank"] is not None and r["rank"] <= 3

    return {"answerable": len(answerable), "first": sum(r["answered"] and r["rank"] == 1 for r in answerable),
            "three": sum(map(in_three, answerable)), "out_of_scope": len(out_of_scope),
            "declined": sum(not r["answered"] for r in out_of_scope), "conversations": len(conversations),
            "conversations_three": sum(map(in_three, conversations)), "lists": len(lists),
            "completeness": round(sum(lists), 2)}


def line(name: str, c: dict) -> str:
    return (f"{name:<38} first {c['first']:>3} / three {c['three']:>3} of {c['answerable']:>3}   declined "
            f"{c['declined']:>3} of {c['out_of_scope']:>3}   conversations {c['conversations_three']:>3} of "
            f"{c['conversations']:>3}   lists {c['completeness']:>5} of {c['lists']:>2}")


def report(records: list[dict]) -> str:
    """One line per set, the 18 pooled, and the two reported apart."""
    names = list(dict.fromkeys(r["set"] for r in records))
    rows = [line(n, counts([r for r in records if r["set"] == n])) for n in names]
    pooled = [r for r in records if r["pooled"]]
    n_pooled = len({r["set"] for r in pooled})
    rows.append(line(f"{n_pooled} tuning sets pooled", counts(pooled)))
    for name in CONVERSATION_SETS:
        part = [r for r in records if r["set"].startswith(f"{name}/")]
        if part:
            rows.append(line(name, counts(part)))
    return "\n".join(rows)


def changes(before: list[dict], after: list[dict]) -> list[str]:
    """The items whose outcome (``mark``) or list completeness differs between two runs, one line each; an item of one
    run only is "new" or "gone" (a set left out of one run, as without ``../shared``, shows as gone)."""
    old = {(r["set"], r["id"]): r for r in before}
    now = {(r["set"], r["id"]) for r in after}
    out = []
    for r in after:
        b = old.get((r["set"], r["id"]))
        if b is None:
            out.append(f"{r['set']} {r['id']}: new, {mark(r)} | {r['question'][:80]}")
        elif mark(b) != mark(r) or b["completeness"] != r["completeness"]:
            lists = "" if r["completeness"] is None else f" (list {b['completeness']} -> {r['completeness']})"
            out.append(f"{r['set']} {r['id']}: {mark(b)} -> {mark(r)}{lists} | {r['question'][:80]}")
    out += [f"{r['set']} {r['id']}: gone, was {mark(r)} | {r['question'][:80]}" for r in before
            if (r["set"], r["id"]) not in now]
    return out


def run(work: Path, shared: Path = SHARED, abstain: bool = True) -> tuple[list[dict], list[str]]:
    sets, missing = tuning_sets(shared)
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(outcomes, sets, [work] * len(sets), [abstain] * len(sets)))
    return [r for rs in results for r in rs], missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.tuning", description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, help="build and keep the indexes here (default: a temporary folder)")
    parser.add_argument("--save", type=Path, help="write every item's outcome to this JSON file")
    parser.add_argument("--compare", type=Path, help="list the items whose outcome differs from this saved run")
    parser.add_argument("--ranking", action="store_true",
                        help="also the pooled numbers of ranking alone (as citebot eval --no-abstain): what declining "
                             "answerable questions costs")
    args = parser.parse_args(argv)
    before = json.loads(args.compare.read_text(encoding="utf-8")) if args.compare else None  # a wrong path fails now
    with tempfile.TemporaryDirectory(prefix="citebot-tuning-") as tmp:
        records, missing = run(args.work or Path(tmp))
        ranked = run(args.work or Path(tmp), abstain=False)[0] if args.ranking else None
    for note in missing:
        print(f"left out: {note}", file=sys.stderr)
    print(report(records))
    if ranked is not None:  # declining aside: the answerable items' first and first three (nothing is declined)
        print(line("ranking alone, the same pooled", counts([r for r in ranked if r["pooled"]])))
    if args.compare:
        print(f"\nchanged since {args.compare}:")
        print("\n".join(changes(before, records)) or "nothing")
    if args.save:
        args.save.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
