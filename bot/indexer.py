"""Corpus → passages → BM25 index on disk, and keeping that index fresh.

``reindex`` builds under the index lock, writes a new version and swaps it in; a corpus error leaves
the current version untouched. ``open_fresh`` is what ``ask``/``repl``/``slack`` use: it never
serves an index older than the corpus without saying so (it rebuilds first; if the rebuild fails on a
bad article it answers from the previous index and returns a warning naming the file).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import corpus, store
from .bm25 import BM25Index, BM25Params
from .errors import CitebotError, CorpusError
from .lexicon import harvest
from .model import Passage
from .tokenize import Tokenizer

log = logging.getLogger(__name__)

DEFAULT_PARAMS = BM25Params()


def document_text(p: Passage) -> str:
    """What a passage is matched on: its own text, its section path and its article title."""
    return " \n".join((p.text, " ".join(p.section), p.article))


@dataclass(frozen=True)
class Stats:
    files: int
    articles: int
    passages: int
    terms: int
    seconds: float
    folder: Path
    missing: dict[str, list[int]]


def build(corpus_dir: Path, tokenizer: Tokenizer, params: BM25Params = DEFAULT_PARAMS,
          progress: Callable[[int, int], None] | None = None) -> store.Built:
    files = corpus.scan(corpus_dir)
    passages: list[Passage] = []
    tokens: list[list[str]] = []
    references: dict[str, dict[int, str]] = {}
    missing: dict[str, list[int]] = {}
    records: dict[str, dict] = {}
    for i, cf in enumerate(files):
        articles, digest = corpus.read_articles(cf)
        start = len(passages)
        for art in articles:
            for p in art.passages:
                if not p.text.strip():
                    raise CorpusError(str(cf.path), "produced an empty passage (parser bug); please report it")
                passages.append(p)
                tokens.append(tokenizer(document_text(p)))
            if art.references:
                references[art.source] = dict(art.references)
            gaps = art.missing_citations()
            if gaps:
                missing[art.source] = gaps
        records[cf.rel] = {"sha256": digest, "size": cf.size, "mtime_ns": cf.mtime_ns,
                           "passages": [start, len(passages)]}
        if progress:
            progress(i + 1, len(files))
    corpus.require_passages(len(passages), corpus_dir, len(files))
    _validate(passages, references, missing)
    bm25 = BM25Index.build(tokens, params)
    abbreviations = harvest(p.text for p in passages)
    return store.Built(bm25=bm25, passages=passages, references=references, missing=missing,
                       corpus=records, tokenizer=tokenizer.settings, abbreviations=abbreviations)


def _validate(passages: list[Passage], references: dict, missing: dict) -> None:
    for p in passages:
        listed = references.get(p.source, {})
        gaps = set(missing.get(p.source, ()))
        for n in p.citations:
            if n not in listed and n not in gaps:
                raise CitebotError(f"{p.source}: citation {n} is neither a reference nor reported missing")


def reindex(corpus_dir: Path, index_dir: Path, *, tokenizer: Tokenizer | None = None,
            params: BM25Params = DEFAULT_PARAMS, wait: float = 120.0,
            progress: Callable[[int, int], None] | None = None) -> Stats:
    tokenizer = tokenizer or Tokenizer()
    t0 = time.perf_counter()
    with store.lock(index_dir, wait=wait):
        built = build(Path(corpus_dir), tokenizer, params, progress)
        folder = store.write(Path(index_dir), built)
    return Stats(
        files=len(built.corpus), articles=len({p.source for p in built.passages}), passages=len(built.passages),
        terms=len(built.bm25.terms), seconds=time.perf_counter() - t0, folder=folder, missing=built.missing,
    )


def changes(manifest: dict, corpus_dir: Path) -> list[str]:
    """What changed in the corpus since ``manifest`` was built: ``["added x.md", "edited y.txt", …]``."""
    recorded: dict[str, dict] = manifest.get("corpus", {})
    out: list[str] = []
    now = {cf.rel: cf for cf in corpus.scan(corpus_dir)}
    for rel, cf in now.items():
        old = recorded.get(rel)
        if old is None:
            out.append(f"added {rel}")
        elif old.get("size") != cf.size or old.get("mtime_ns") != cf.mtime_ns:
            try:
                digest = corpus.sha256(corpus.read_bytes(cf))
            except CorpusError:
                digest = None
            if digest != old.get("sha256"):
                out.append(f"edited {rel}")
    out.extend(f"removed {rel}" for rel in recorded if rel not in now)
    return out


def open_fresh(corpus_dir: Path, index_dir: Path, *, tokenizer: Tokenizer | None = None,
               rebuild: bool = True, wait: float = 120.0) -> tuple[store.Loaded, str | None]:
    """Load the index, rebuilding it first when missing, unreadable or older than the corpus.

    Returns the loaded index and a warning (or None) to show the user when the corpus could not be
    indexed and the previous index is answering instead.
    """
    tokenizer = tokenizer or Tokenizer()
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    reason = None
    try:
        manifest = store.read_manifest(index_dir)
        if manifest.get("tokenizer") != tokenizer.settings:
            reason = "the tokenizer changed"
        else:
            diff = changes(manifest, corpus_dir)
            if diff:
                reason = "the corpus changed (" + ", ".join(diff[:3]) + (", …" if len(diff) > 3 else "") + ")"
    except store.IndexMissingError:
        reason = "there is no index yet"
    except CitebotError as e:
        reason = f"the index is unusable ({e})"
    if reason is None:
        try:
            return store.load(index_dir, tokenizer=tokenizer.settings), None
        except CitebotError as e:
            reason = f"the index is unusable ({e})"
    if not rebuild:
        raise CitebotError(f"{index_dir}: {reason}; run `citebot reindex`")
    log.info("rebuilding the index: %s", reason)
    try:
        reindex(corpus_dir, index_dir, tokenizer=tokenizer, wait=wait)
    except (CorpusError, CitebotError) as e:
        try:
            loaded = store.load(index_dir, tokenizer=tokenizer.settings)
        except CitebotError:
            raise e from None
        return loaded, f"{e} — answering from the previous index, built {loaded.manifest.get('created')}"
    return store.load(index_dir, tokenizer=tokenizer.settings), None
