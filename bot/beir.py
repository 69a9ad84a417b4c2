"""Scoring the ranking on a BEIR-format folder: ``corpus.jsonl``, ``queries.jsonl``, ``qrels/SPLIT.tsv``.

The corpus is indexed exactly as a citebot corpus holding that one ``.jsonl`` file would be (each
document an article, its passages its paragraphs, source ``corpus.jsonl#<id>``), into a temporary
index; each query of the split is ranked without abstaining, a document scores as its best passage,
and the ranking is judged with nDCG@10 and Recall@100 (binary relevance, as BEIR's pytrec_eval).
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CitebotError

DEPTH = 100


class BeirError(CitebotError):
    exit_code = 2


@dataclass(frozen=True)
class BeirReport:
    split: str
    queries: int
    documents: int
    ndcg10: float
    recall100: float
    seconds: float
    per_query: dict = field(default_factory=dict, repr=False)  # query id -> (nDCG@10, Recall@100)
    dense: bool = False
    declined: float = 0.0  # share of the queries ``ask`` declines (every BEIR query has an answer)

    def to_json(self) -> dict:
        out = {"split": self.split, "queries": self.queries, "documents": self.documents,
               "ndcg@10": round(self.ndcg10, 4), "recall@100": round(self.recall100, 4),
               "declined": round(self.declined, 4), "seconds": round(self.seconds, 1)}
        if self.dense:
            out["dense"] = True
        return out

    def halves(self, qrels: dict[str, dict[str, int]]) -> dict[str, dict]:
        """nDCG@10 and Recall@100 on the two halves of ``halves(qrels)`` (and in full)."""
        out = {}
        for name, part in zip(("A", "B"), halves(qrels)):
            got = [self.per_query[q] for q in part if q in self.per_query]
            n = max(len(got), 1)
            out[name] = {"queries": len(got), "ndcg@10": round(sum(x for x, _ in got) / n, 4),
                         "recall@100": round(sum(y for _, y in got) / n, 4)}
        out["full"] = {"queries": self.queries, "ndcg@10": round(self.ndcg10, 4), "recall@100": round(self.recall100, 4)}
        return out


def halves(qrels: dict[str, dict[str, int]]) -> tuple[set[str], set[str]]:
    """Two halves of the judged queries for tuning on one and confirming on the other.

    Queries that share a relevant document (SciFact's paired claims, "X lacks …" / "X shows …") stay
    in the same half; each such group goes to A or B by a hash of its smallest query id, so the split
    is fixed and independent of the order of the file.
    """
    import hashlib

    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for q, rel in qrels.items():
        for d in rel:
            parent[find("q" + q)] = find("d" + d)
    groups: dict[str, list[str]] = {}
    for q in qrels:
        groups.setdefault(find("q" + q), []).append(q)
    a: set[str] = set()
    b: set[str] = set()
    for qs in groups.values():
        key = min(qs, key=lambda q: (len(q), q))
        (a if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 2 == 0 else b).update(qs)
    return a, b


def default_split(folder: Path) -> str:
    """The split to score when none is named: the folder's only ``qrels/*.tsv``, else ``test``."""
    qrels = Path(folder) / "qrels"
    found = sorted(p.stem for p in qrels.glob("*.tsv")) if qrels.is_dir() else []
    if len(found) == 1:
        return found[0]
    if "test" in found or not found:
        return "test"
    raise BeirError(f"{qrels} has several splits ({', '.join(found)}) and no 'test'; pass --split NAME")


def read_queries(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for lineno, line in enumerate(_read(path).split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            out[str(obj.get("_id", obj.get("id")))] = str(obj["text"])
        except (json.JSONDecodeError, KeyError, AttributeError):
            raise BeirError(f"{path} line {lineno}: expected a JSON object with _id and text") from None
    return out


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for lineno, line in enumerate(_read(path).split("\n"), 1):
        cols = line.split("\t")
        if not line.strip() or (lineno == 1 and cols[0] == "query-id"):
            continue
        if len(cols) < 3:
            raise BeirError(f"{path} line {lineno}: expected query-id, corpus-id and score separated by tabs")
        try:
            score = int(float(cols[2]))
        except ValueError:
            raise BeirError(f"{path} line {lineno}: the score {cols[2]!r} is not a number") from None
        out.setdefault(cols[0], {})[cols[1]] = score
    return out


def _read(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BeirError(f"{path} is missing; a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/SPLIT.tsv") from None
    except (OSError, UnicodeDecodeError) as e:
        raise BeirError(f"{path}: cannot read it ({e})") from None


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** relevant.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((r for r in relevant.values() if r > 0), reverse=True)[:k]
    idcg = sum((2**r - 1) / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], relevant: dict[str, int], k: int = 100) -> float:
    rel = {d for d, r in relevant.items() if r > 0}
    return len(rel & set(ranked[:k])) / len(rel) if rel else 0.0


def evaluate(folder: Path, *, split: str = "test", make_answerer=None, work: Path | None = None,
             dense: bool = False) -> BeirReport:
    """Index ``folder/corpus.jsonl`` in a temporary place and score ``split``.

    ``make_answerer(loaded)`` builds the Answerer (default: ``Answerer(loaded)``), so settings can be
    compared on the same index. With ``dense`` (optional extra) the index also holds passage
    embeddings and the ranking fuses them; that index is kept in ``dense_cache(folder)`` so the
    passages are encoded once, not on every run.
    """
    import time

    from .answer import Answerer
    from .indexer import reindex
    from .store import load
    from .tokenize import Tokenizer

    folder = Path(folder)
    queries = read_queries(folder / "queries.jsonl")
    qrels = read_qrels(folder / "qrels" / f"{split}.tsv")
    if not (folder / "corpus.jsonl").is_file():
        raise BeirError(f"{folder}/corpus.jsonl is missing; a BEIR folder holds corpus.jsonl, queries.jsonl, qrels/")
    if dense:
        from . import dense as dense_mod

        dense_mod.require()
    t0 = time.perf_counter()
    tmp = dense_cache(folder) if dense else Path(tempfile.mkdtemp(prefix="citebot-beir-", dir=work))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        corpus_dir = tmp / "corpus"
        corpus_dir.mkdir(exist_ok=True)
        shutil.copyfile(folder / "corpus.jsonl", corpus_dir / "corpus.jsonl")
        tokenizer = Tokenizer()
        reindex(corpus_dir, tmp / "index", tokenizer=tokenizer, dense=dense)
        loaded = load(tmp / "index", tokenizer=tokenizer.settings)
        answerer = make_answerer(loaded) if make_answerer else Answerer(loaded)
        doc_of = [loaded.passages.get(pid).source.rpartition("#")[2] for pid in range(len(loaded.passages))]
        ndcg = recall = 0.0
        declined = 0
        per_query: dict[str, tuple[float, float]] = {}
        judged = [q for q in qrels if q in queries]
        for qid in judged:
            ranked: list[str] = []
            seen: set[str] = set()
            for pid, _ in answerer.rank(queries[qid], k=DEPTH * 2):
                d = doc_of[pid]
                if d not in seen:
                    seen.add(d)
                    ranked.append(d)
            per_query[qid] = (ndcg_at(ranked, qrels[qid], 10), recall_at(ranked, qrels[qid], DEPTH))
            ndcg += per_query[qid][0]
            recall += per_query[qid][1]
            declined += not answerer.ask(queries[qid], top=1).answered
        loaded.passages.close()
    finally:
        if not dense:
            shutil.rmtree(tmp, ignore_errors=True)
    n = max(len(judged), 1)
    return BeirReport(split=split, queries=len(judged), documents=len(doc_of), ndcg10=ndcg / n,
                      recall100=recall / n, seconds=time.perf_counter() - t0, per_query=per_query, dense=dense,
                      declined=declined / n)


def halves_report(report: BeirReport, folder: Path, split: str) -> dict[str, dict]:
    return report.halves(read_qrels(Path(folder) / "qrels" / f"{split}.tsv"))


def dense_cache(folder: Path) -> Path:
    """Where ``evaluate(..., dense=True)`` keeps its index: ``$XDG_CACHE_HOME/citebot/beir-<hash of the folder>``."""
    import hashlib
    import os

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "citebot"
    return base / ("beir-" + hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:12])
