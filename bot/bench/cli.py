"""The ``citebot bench`` command."""

from __future__ import annotations

import sys


def cmd_bench(args) -> int:
    """Time reindex, index load, a cold ask and questions, next to rank-bm25 and bm25s.

    Indexes a deterministic synthetic corpus of --passages N passages (Markdown articles with cited
    bullets over a Zipf vocabulary; same seed, same files) or a BEIR folder (--beir DIR holding
    corpus.jsonl and queries.jsonl), in a temporary folder unless --workdir is given. Prints reindex
    seconds and peak memory (the `citebot reindex` child process), reindex after editing one
    article, index bytes, load seconds, a cold `citebot ask`, and per-question p50/p99 and questions
    per second for citebot, plain rank-bm25 `get_scores` and bm25s (when installed) on the same
    passages and questions. At large N rank-bm25 is timed on a sample of the questions (see
    --baseline-questions). --json prints one JSON object instead of the table.
    """
    from ..errors import ConfigError
    from .run import run, table

    if args.beir and args.passages:
        raise ConfigError("give either --passages N or --beir DIR, not both")
    if args.beir is None and (args.passages or 10_000) < 10:
        raise ConfigError("--passages must be at least 10")
    if args.beir is not None:
        from pathlib import Path

        if not (Path(args.beir) / "corpus.jsonl").is_file() or not (Path(args.beir) / "queries.jsonl").is_file():
            raise ConfigError(f"{args.beir}: a BEIR folder holds corpus.jsonl and queries.jsonl")

    def log(msg: str) -> None:
        if args.verbose or sys.stderr.isatty():
            print(f"bench: {msg}", file=sys.stderr, flush=True)

    report = run(passages=None if args.beir else (args.passages or 10_000), beir=args.beir,
                 questions=args.questions, seed=args.seed, workdir=args.workdir,
                 baseline_questions=args.baseline_questions, baselines=not args.no_baselines, log=log)
    if args.json:
        import json

        print(json.dumps(report.to_json(), indent=1))
    else:
        print(table(report))
    return 0


def register(sub, common) -> None:
    from ..cli import command

    p = command(sub, "bench", cmd_bench, common)
    p.add_argument("--passages", type=int, metavar="N", help="synthetic corpus size (default 10000)")
    p.add_argument("--beir", metavar="DIR", help="a BEIR dataset folder instead (corpus.jsonl, queries.jsonl)")
    p.add_argument("--questions", type=int, default=200, metavar="Q", help="synthetic questions (default 200)")
    p.add_argument("--seed", type=int, default=0, help="synthetic corpus seed (default 0)")
    p.add_argument("--workdir", metavar="DIR", help="keep the corpus and index here instead of a temporary folder")
    p.add_argument("--baseline-questions", type=int, metavar="Q",
                   help="questions timed with rank-bm25 (default: all up to 20k passages, fewer above)")
    p.add_argument("--no-baselines", action="store_true", help="time citebot only")
    p.add_argument("--json", action="store_true", help="print one JSON object")
