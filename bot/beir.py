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
from dataclasses import dataclass
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

    def to_json(self) -> dict:
        return {"split": self.split, "queries": self.queries, "documents": self.documents,
                "ndcg@10": round(self.ndcg10, 4), "recall@100": round(self.recall100, 4),
                "seconds": round(self.seconds, 1)}


def read_queries(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for lineno, line in enumerate(_read(path).splitlines(), 1):
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
    for lineno, line in enumerate(_read(path).splitlines(), 1):
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


def evaluate(folder: Path, *, split: str = "test", make_answerer=None, work: Path | None = None) -> BeirReport:
    """Index ``folder/corpus.jsonl`` in a temporary place and score ``split``.

    ``make_answerer(loaded)`` builds the Answerer (default: ``Answerer(loaded)``), so settings can be
    compared on the same index.
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
    t0 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="citebot-beir-", dir=work))
    try:
        corpus_dir = tmp / "corpus"
        corpus_dir.mkdir()
        shutil.copyfile(folder / "corpus.jsonl", corpus_dir / "corpus.jsonl")
        tokenizer = Tokenizer()
        reindex(corpus_dir, tmp / "index", tokenizer=tokenizer)
        loaded = load(tmp / "index", tokenizer=tokenizer.settings)
        answerer = make_answerer(loaded) if make_answerer else Answerer(loaded)
        doc_of = [loaded.passages.get(pid).source.rpartition("#")[2] for pid in range(len(loaded.passages))]
        ndcg = recall = 0.0
        judged = [q for q in qrels if q in queries]
        for qid in judged:
            ranked: list[str] = []
            seen: set[str] = set()
            for pid, _ in answerer.rank(queries[qid], k=DEPTH * 2):
                d = doc_of[pid]
                if d not in seen:
                    seen.add(d)
                    ranked.append(d)
            ndcg += ndcg_at(ranked, qrels[qid], 10)
            recall += recall_at(ranked, qrels[qid], DEPTH)
        loaded.passages.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    n = max(len(judged), 1)
    return BeirReport(split=split, queries=len(judged), documents=len(doc_of), ndcg10=ndcg / n,
                      recall100=recall / n, seconds=time.perf_counter() - t0)
