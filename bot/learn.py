"""Fit the re-ranking model (``rerank.py``) on question sets over several libraries, and measure it fairly.

    python -m bot.learn            # leave-one-library-out scores, then fit on all and write data/rerank.json
    python -m bot.learn --check    # only the leave-one-library-out scores

Each answerable item of each set is asked as ``citebot eval`` asks it (ranking only, the model off), and the
first ``rerank.DEPTH`` passages are described by ``rerank.FEATURES``; a passage is a positive when it hits the
item (``evaluate.hits``). The model is linear, fitted by softmax cross-entropy over each item's passages (the
positives sharing the target) with an L2 penalty, on standardised features.

Fair measurement: the sets are grouped by library (sets over the same articles together), and each group is
scored by a model fitted on the other groups only — a library the model never saw, as an unshared library is.
The sets are development data (``../shared`` and ``tests/data``); the product never needs them.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from . import evaluate, rerank

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "eval"
DATA = ROOT / "tests" / "data"

# name: (question file, corpus, library group). The tuning sets only: blind sets 9 and later are never fitted on
SETS = {
    "library": (SHARED / "library" / "questions.jsonl", SHARED / "library" / "corpus", "library"),
    "dev with the library": (SHARED / "dev.jsonl", SHARED / "library" / "corpus", "library"),
    "blind 3": (DATA / "blind_library_3.jsonl", SHARED / "library" / "corpus", "library"),
    "dev": (SHARED / "dev.jsonl", ROOT / "corpus", "seed"),
    "held-out A": (DATA / "heldout_a.jsonl", ROOT / "corpus", "seed"),
    "held-out B": (DATA / "heldout_b.jsonl", ROOT / "corpus", "seed"),
    **{f"blind {i}": (DATA / f"blind_library_{i}" / "questions.jsonl", DATA / f"blind_library_{i}" / "corpus",
                      f"blind {i}") for i in range(4, 9)},
}
L2 = 0.01  # leave-one-library-out Hit@1 / Hit@3 at 0.001 / 0.01 / 0.1 / 1: 0.651/0.832, 0.654/0.832, 0.649/0.824,
# 0.608/0.817 (30 passages deep, an earlier feature set)
STEPS = 3000  # Adam steps on the full batch: the loss has settled by then


def collect(names, workdir: Path):
    """(group, set name, item id, features, labels) for every answerable item whose passages hold a hit."""
    from .answer import Answerer
    from .indexer import open_fresh

    out = []
    for name in names:
        qfile, corpus, group = SETS[name]
        loaded, _ = open_fresh(corpus, workdir / group)
        answerer = Answerer(loaded)
        answerer.settings = replace(answerer.settings, learned=False)
        answerer.sink = []
        for item in evaluate.load_items(qfile):
            if not item.answerable:
                continue
            answerer.sink.clear()
            evaluate.ask_item(answerer, item, abstain=False)
            if answerer.sink[-1] is None:
                continue  # a follow-up within its topic: not re-ordered (``Answerer.ask``)
            pids, x = answerer.sink[-1]
            y = np.array([evaluate.hits(answerer._passage(p).text, answerer._passage(p).citations, item)
                          for p in pids], dtype=np.float64)
            out.append((group, name, item.id, x, y))
    return out


def fit(lists, l2: float = L2, steps: int = STEPS):
    """(weights, means, scales) minimising the mean softmax cross-entropy over ``lists`` (features, labels)."""
    lists = [(x, y) for x, y in lists if y.any()]
    allx = np.vstack([x for x, _ in lists])
    mu = allx.mean(axis=0)
    sd = allx.std(axis=0)
    sd[sd < 1e-9] = 1.0
    depth = max(len(x) for x, _ in lists)
    z = np.zeros((len(lists), depth, allx.shape[1]))
    t = np.zeros((len(lists), depth))
    live = np.zeros((len(lists), depth), dtype=bool)
    for i, (x, y) in enumerate(lists):  # padded to one depth; padding is masked out of the softmax
        z[i, : len(x)] = (x - mu) / sd
        t[i, : len(x)] = y / y.sum()
        live[i, : len(x)] = True
    w = np.zeros(allx.shape[1])
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    lr, b1, b2 = 0.05, 0.9, 0.999
    for step in range(1, steps + 1):  # Adam
        s = np.where(live, z @ w, -np.inf)
        p = np.exp(s - s.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        g = l2 * w + np.einsum("ld,ldf->f", p - t, z) / len(lists)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w -= lr * (m / (1 - b1 ** step)) / (np.sqrt(v / (1 - b2 ** step)) + 1e-8)
    return w, mu, sd


def hits_at(lists, fitted=None):
    """Hit@1 and Hit@3 of ``lists`` in their order (``fitted``: re-ordered by that model). A list with no hit
    counts as a miss."""
    h1 = h3 = 0
    for x, y in lists:
        if fitted is not None:
            w, mu, sd = fitted
            z = ((x - mu) / sd) @ w
            order = sorted(range(len(x)), key=lambda i: (-z[i], i))
            y = y[order]
        h1 += bool(y[:1].any())
        h3 += bool(y[:3].any())
    return h1 / len(lists), h3 / len(lists)


def cross_validate(data, l2: float = L2):
    groups = sorted({g for g, *_ in data})
    rows = []
    for g in groups:
        train = [(x, y) for gg, _, _, x, y in data if gg != g]
        fitted = fit(train, l2)
        for name in sorted({n for gg, n, *_ in data if gg == g}):
            test = [(x, y) for gg, n, _, x, y in data if n == name]
            rows.append((name, len(test), hits_at(test), hits_at(test, fitted)))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bot.learn")
    ap.add_argument("--check", action="store_true", help="leave-one-library-out scores only")
    ap.add_argument("--l2", type=float, default=L2)
    ap.add_argument("--workdir", default="/tmp/citebot-learn")
    args = ap.parse_args(argv)
    names = [n for n, (q, c, _) in SETS.items() if q.exists() and c.exists()]
    if not names:
        print("no question sets found (../shared and tests/data)", file=sys.stderr)
        return 2
    data = collect(names, Path(args.workdir))
    rows = cross_validate(data, args.l2)
    tot = np.zeros(4)
    n = 0
    print(f"{'set':22s} {'items':>5s}  Hit@1 before → after   Hit@3 before → after  (model fitted without its library)")
    for name, k, (b1, b3), (a1, a3) in rows:
        print(f"{name:22s} {k:5d}  {b1:.3f} → {a1:.3f}          {b3:.3f} → {a3:.3f}")
        tot += k * np.array([b1, a1, b3, a3])
        n += k
    tot /= n
    print(f"{'all':22s} {n:5d}  {tot[0]:.3f} → {tot[1]:.3f}          {tot[2]:.3f} → {tot[3]:.3f}")
    if args.check:
        return 0
    w, mu, sd = fit([(x, y) for *_, x, y in data], args.l2)
    out = {
        "about": "re-ranking model (bot/rerank.py), fitted by `python -m bot.learn` on the tuning sets "
                 f"({', '.join(names)}); leave-one-library-out Hit@1 {tot[0]:.3f} -> {tot[1]:.3f}, "
                 f"Hit@3 {tot[2]:.3f} -> {tot[3]:.3f} over {n} items",
        "l2": args.l2,
        "features": list(rerank.FEATURES),
        "weights": [round(float(v), 6) for v in w],
        "means": [round(float(v), 6) for v in mu],
        "scales": [round(float(v), 6) for v in sd],
    }
    rerank.MODEL.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {rerank.MODEL}: " + ", ".join(f"{f} {v:+.2f}" for f, v in zip(rerank.FEATURES, w)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
