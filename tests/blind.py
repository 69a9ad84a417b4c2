"""The unseen libraries' numbers, and nothing else: the README's blind tables, from one command.

    .venv/bin/python -m tests.blind

Libraries written by helpers who never saw the code, run on new code a few times and never tuned on: blind 9-11,
19-22 and 24-30 (``tests/data/blind_library_N``). Each is asked as ``citebot eval`` asks it, alone; the nine older ones
pooled; blind 26-30 also among the 72 articles of the gated libraries (``tests.test_library_gate.REPOSITORY_SETS``,
80 articles with the set's own eight), where another set's article may answer a question or hold a look-alike line.
Only counts are printed, never an item: a miss that is read is tuned on, and the set is blind no more. Run it at the
end of a session's changes to answers, report the numbers, and do not change code because of them.
"""

from __future__ import annotations

import json
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tests.test_library_gate import DATA, REPOSITORY_SETS, _asked, _pooled, _report, copy_articles

OLDER = (9, 10, 11, 19, 20, 21, 22, 24, 25)
NEWER = (26, 27, 28, 29, 30)  # 30: twenty-second session


def alone(n: int, work: Path) -> tuple:
    """Blind ``n`` asked of its own articles: with declining, and ranking alone (``--no-abstain``)."""
    folder = DATA / f"blind_library_{n}"
    return _report(folder, work / f"alone_{n}"), _report(folder, work / f"alone_{n}", abstain=False)


def among_gated(n: int, work: Path):
    """Blind ``n`` asked of its articles beside the gated libraries' 72 (``test_library_gate.copy_articles``)."""
    from bot import evaluate

    corpus = work / f"among_{n}" / "corpus"
    copy_articles((*REPOSITORY_SETS, f"blind_library_{n}"), corpus)
    questions = evaluate.load_items(DATA / f"blind_library_{n}" / "questions.jsonl")
    return _asked(corpus, questions, work / f"among_{n}" / "index")


def _numbers(report, ranking=None) -> str:
    """A report's numbers on one line; "—" for a kind of item the set has none of (a mean of nothing is no 0)."""
    d = report.to_json()

    def share(key: str, count: str) -> str:
        return f"{d[key]:.3f}" if d[count] else "—"

    off = d.get("conversations_hit@3_no_context")
    out = (f"Hit@1 {d['hit@1']:.3f}  Hit@3 {d['hit@3']:.3f}  declined {share('declined', 'out_of_scope')}  "
           f"conversations {share('conversations_hit@3', 'conversations')}"
           + (f" ({off:.3f} context off)" if off is not None and d["conversations"] else "")
           + f"  lists {share('completeness', 'expect_all')}")
    if ranking is not None:
        r = ranking.to_json()
        out += f"  | ranking only {r['hit@1']:.3f} / {r['hit@3']:.3f}"
    return out


def _safely(run, n: int, work: Path):
    """``run(n, work)``, or the error's type alone: a message or traceback could quote an article or a question."""
    try:
        return run(n, work)
    except Exception as e:  # noqa: BLE001 - reported by its type only, so nothing of the set is shown
        return type(e).__name__


def main() -> int:
    numbers = list(OLDER + NEWER)
    with tempfile.TemporaryDirectory(prefix="citebot-blind-") as tmp, ProcessPoolExecutor(2) as pool:
        work = Path(tmp)
        runs = dict(zip(numbers, pool.map(_safely, [alone] * len(numbers), numbers, [work] * len(numbers))))
        among = dict(zip(NEWER, pool.map(_safely, [among_gated] * len(NEWER), NEWER, [work] * len(NEWER))))
    failed = {n: r for n, r in {**runs, **{f"{n} among": among[n] for n in NEWER}}.items() if isinstance(r, str)}
    if failed:
        print("failed (error type only): " + ", ".join(f"blind {n}: {r}" for n, r in failed.items()))
        return 1
    gated = sum(1 for name in REPOSITORY_SETS for _ in (DATA / name / "corpus").iterdir())
    for n in numbers:
        print(f"blind {n:>2} alone            {_numbers(*runs[n])}")
    for group in (OLDER, NEWER):
        print(f"blind {', '.join(map(str, group))} pooled  "
              f"{_numbers(_pooled([runs[n][0] for n in group]), _pooled([runs[n][1] for n in group]))}")
    for n in NEWER:
        own = sum(1 for _ in (DATA / f"blind_library_{n}" / "corpus").iterdir())
        print(f"blind {n:>2} among {gated + own} articles {_numbers(among[n])}")
    print(json.dumps({"answerable": sum(runs[n][0].n_answerable for n in numbers)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
