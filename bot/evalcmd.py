"""The ``citebot eval`` command: score a question file, or a BEIR folder, from the command line."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

from .errors import ConfigError


def register(sub, common) -> None:
    from .cli import command

    p = command(sub, "eval", cmd_eval, common)
    p.add_argument("file", nargs="?", metavar="FILE.jsonl", help="question file (see ../shared/eval/README.md)")
    p.add_argument("--beir", metavar="DIR", help="score a BEIR folder (corpus.jsonl, queries.jsonl, qrels/) instead")
    p.add_argument("--split", default=None,
                   help="qrels split for --beir (qrels/SPLIT.tsv; default: the folder's only split, else test)")
    p.add_argument("--halves", action="store_true",
                   help="with --beir: also score the two fixed halves A and B of the split (tune on one, confirm on the other)")
    p.add_argument("--dense", action="store_true",
                   help="with --beir: fuse dense embeddings (needs the optional 'dense' extra; exit 2 without it)")
    p.add_argument("--no-abstain", action="store_true",
                   help="rank every question even where it would decline (judges ranking alone)")
    p.add_argument("--json", action="store_true", help="print the numbers as one JSON object")


def cmd_eval(args) -> int:
    """Score answers: Hit@1, Hit@3, MRR@5 and declines on a question file; nDCG@10 on BEIR.

    citebot eval FILE.jsonl answers each item of FILE (questions, out-of-scope questions and
    conversations, as ../shared/eval/README.md describes) from the corpus and index, and prints
    Hit@1, Hit@3, MRR@5 over the answerable items and the share of out-of-scope questions declined.
    Conversations are also asked with context off (each turn on its own), printed beside their Hit@3.
    Items with "expect_all" (a whole list) add list completeness: the share of the list a default
    answer (top 3) shows, 0 when it declines. --verbose lists each miss with the passage that came
    first instead, and each incomplete list with the list items missing.

    citebot eval FILE.jsonl --corpus DIR scores FILE against any article folder: its index is built in
    a temporary folder, removed afterwards, unless --index (or CITEBOT_INDEX) names one; ./index is
    never touched then.

    citebot eval --beir DIR [--split train] indexes DIR/corpus.jsonl in a temporary folder, ranks
    every query of DIR/qrels/SPLIT.tsv without abstaining and prints nDCG@10 and Recall@100.
    --halves also prints them on two fixed halves of the queries (queries sharing a relevant document
    stay together). --dense fuses the optional dense model's embeddings; the
    BEIR index with its embeddings is cached under ~/.cache/citebot, so only the first run encodes
    the passages.
    """
    if args.beir:
        from . import beir

        if args.dense:
            from . import dense

            dense.require()
        split = args.split or beir.default_split(Path(args.beir))
        if not args.split and not args.json:
            print(f"(split {split}: --split was not given)", file=sys.stderr)
        args.split = split
        report = beir.evaluate(Path(args.beir), split=split, dense=args.dense)
        parts = beir.halves_report(report, Path(args.beir), args.split) if args.halves else None
        if args.json:
            out = report.to_json()
            if parts:
                out["halves"] = parts
            print(json.dumps(out))
        else:
            print(f"{args.beir} ({report.split}: {report.queries:,} queries, {report.documents:,} documents"
                  f"{', BM25 + dense' if args.dense else ''})")
            print(f"nDCG@10 {report.ndcg10:.4f}   Recall@100 {report.recall100:.4f}   "
                  f"declined {report.declined:.3f}   ({report.seconds:.1f} s)")
            for name, r in (parts or {}).items():
                if name != "full":
                    print(f"  half {name} ({r['queries']} queries): nDCG@10 {r['ndcg@10']:.4f}   "
                          f"Recall@100 {r['recall@100']:.4f}")
        return 0
    if args.dense:
        raise ConfigError("--dense applies to --beir; for a question file, reindex with CITEBOT_DENSE=1 instead")
    if not args.file:
        raise ConfigError("give a question file (citebot eval FILE.jsonl) or a BEIR folder (--beir DIR)")
    from . import evaluate
    from .cli import open_answerer

    items = evaluate.load_items(Path(args.file))
    with _index_for(args) as located:
        report = evaluate.evaluate(open_answerer(located), items, abstain=not args.no_abstain)
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        print(evaluate.format_report(report, verbose=args.verbose))
    sys.stdout.flush()
    return 0


@contextlib.contextmanager
def _index_for(args, env=os.environ):
    """``args``, with a temporary index folder when --corpus is given and no index is named.

    So that ``eval FILE --corpus DIR`` scores any corpus without overwriting ``./index``; the temporary
    folder is removed on leaving. With --index or CITEBOT_INDEX, that index is used (and rebuilt when stale).
    """
    if not args.corpus or args.index or env.get("CITEBOT_INDEX"):
        yield args
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="citebot-eval-") as tmp:
        yield argparse.Namespace(**{**vars(args), "index": str(Path(tmp) / "index")})
