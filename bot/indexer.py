"""Corpus → passages → BM25 index on disk, and keeping that index fresh.

``reindex`` builds under the index lock, writes a new version and swaps it in; a corpus error leaves
the current version untouched. ``open_fresh`` is what ``ask``/``repl``/``slack`` use: it never
serves an index older than the corpus without saying so (it rebuilds first; if the rebuild fails on a
bad article it answers from the previous index and returns a warning naming the file).
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from . import corpus, logs, store
from .bm25 import BM25Index, BM25Params, forward_from_tokens
from .errors import CitebotError, CorpusError
from .lexicon import general_abbreviations, harvest
from .model import Passage
from .progress import Tick
from .structure import of_passages
from .tokenize import Tokenizer

log = logs.get(__name__)

DEFAULT_PARAMS = BM25Params()


def document_parts(p: Passage) -> tuple[str, str, str]:
    """What a passage is matched on: its own text, its section path and its article title.

    Counting the title twice gave SciFact train nDCG@10 0.697 → 0.703 but cost the dev set Hit@3
    0.971 → 0.943 (an article's title is shared by all its passages and only lengthens short ones),
    so it is counted once. The reader tokenises the parts apart (``_read_file``: a file's paths and
    title once); no word spans two parts (``tokenize.PATTERN``)."""
    return p.text, " ".join(p.section), p.article


def document_text(p: Passage) -> str:
    """``document_parts`` as one text."""
    return " \n".join(document_parts(p))


@dataclass(frozen=True)
class Stats:
    files: int
    articles: int
    passages: int
    terms: int
    seconds: float
    folder: Path
    missing: dict[str, list[int]]
    files_read: int = 0  # corpus files parsed and tokenised by this reindex
    files_reused: int = 0  # unchanged files whose passages and tokens were taken from the previous index
    workers: int = 0  # processes that read the files (0: this one; indexer._workers)


# What turns a corpus file into passages and tokens. An incremental reindex reuses a file's tokens
# only when this fingerprint is the one recorded in the previous index; any change to these modules
# (or to document_text) therefore means one full rebuild.
PIPELINE_MODULES = ("corpus", "model", "indexer", "tokenize", "parse", "lexicon")  # lexicon: harvest, harvested.json


def pipeline_fingerprint() -> str:
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for name in PIPELINE_MODULES:
        path = root / name
        files = sorted(path.glob("*.py")) if path.is_dir() else [root / f"{name}.py"]
        for f in files:
            h.update(f.name.encode() + b"\0")
            with contextlib.suppress(OSError):
                h.update(f.read_bytes())
    for fn in (document_parts, document_text):
        code = fn.__code__
        h.update(code.co_code + repr((code.co_consts, code.co_names)).encode())
    return h.hexdigest()[:16]


class _Assembly:
    """Passages, term ids and per-file records, appended file by file in corpus order."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.lines: list[bytes] = []
        self.doc_len: list[np.ndarray] = []
        self.counts: list[np.ndarray] = []  # forward index: each passage's number of distinct terms,
        self.tids: list[np.ndarray] = []  # then each one's term
        self.tfs: list[np.ndarray] = []  # and count
        self.references: dict[str, dict[int, str]] = {}
        self.missing: dict[str, list[int]] = {}
        self.records: dict[str, dict] = {}
        self._remap: np.ndarray | None = None
        self._readers: dict[int, tuple[np.ndarray, int]] = {}  # reader → its ids' ids here (a buffer, its length)
        self._prev: store.Loaded | None = None  # the previous version runs were copied from
        self._copied: list[tuple[int, int, int]] = []  # each run: (start, end) there, and where it starts here
        self._pending: tuple | None = None  # (previous index, start, end): a run of reused passages
        self._counted = 0  # passages whose term counts are in doc_len/counts/tids/tfs
        self.outline: list[dict[str, np.ndarray]] = []  # the outline arrays, part by part (structure.py)
        self._articles = self._sections = 0  # outline ids handed out so far

    def add_outline(self, part: dict[str, np.ndarray]) -> None:
        """The outline of a freshly read file's passages (``structure.of_passages``'s arrays), numbered on from the rest."""
        self._flush()
        self._append_outline(part, 0, 0, self._counted)

    def _append_outline(self, part: dict, art0: int, sec0: int, pid_shift: int) -> None:
        """``part``'s arrays renumbered: articles and sections from ``art0``/``sec0`` onwards (ids in a part
        are dense, in order of first appearance) continue this build's numbering; parents move by ``pid_shift``."""
        art = part["article_of"].astype(np.int64) - art0 + self._articles
        sec = part["section_of"].astype(np.int64) - sec0 + self._sections
        par = part["parent_of"].astype(np.int64)
        par = np.where(par >= 0, par + pid_shift, -1)
        self.outline.append({"article_of": art, "section_of": sec, "parent_of": par, "text_len": part["text_len"],
                             "is_item": part["is_item"]})
        if len(art):
            self._articles = int(art.max()) + 1
            self._sections = int(sec.max()) + 1

    def structure(self):
        from .structure import ARRAYS as OUTLINE_ARRAYS, Structure

        self._flush()
        if not self.outline:
            return None
        return Structure(**{n: np.concatenate([p[n] for p in self.outline]).astype(store.ARRAY_DTYPES[n])
                            for n in OUTLINE_ARRAYS})

    def add_tokens(self, reader: int, new: list[str], ids: np.ndarray, terms: np.ndarray, counts: np.ndarray,
                   tf: np.ndarray, lens: np.ndarray) -> None:
        """Passages of a freshly read file (their lines already appended), as its reader counted them
        (``_Read``): each passage's ``counts[j]`` distinct terms, as positions ``terms`` in the file's distinct
        terms ``ids`` (``reader``'s numbering, which ``new`` extends), ``tf`` times each; ``lens`` tokens per passage."""
        self._flush()
        known, n = self._readers.get(reader, (np.zeros(0, dtype=np.int32), 0))  # int32: the ids an index keeps
        if new:  # the reader's ids → this build's, in the order the reader numbered them (= corpus order)
            if n + len(new) > len(known):
                known = np.concatenate([known[:n], np.zeros(max(len(new), n), dtype=np.int32)])
            known[n : n + len(new)] = _numbered(self.vocab, new)
            n += len(new)
        self._readers[reader] = (known, n)
        start = self._counted
        if not len(lens):
            return
        self._counted += len(lens)
        remap = known[ids]
        self.doc_len.append(np.asarray(lens, dtype=np.int64))
        self.counts.append(np.asarray(counts, dtype=np.int64))
        self.tids.append(remap[terms])  # ascending within a passage by the file's numbering: from_forward sorts
        self.tfs.append(tf)

    def add_previous(self, prev: store.Loaded, start: int, end: int) -> None:
        """Passages ``start``..``end`` of the previous version, copied with their term counts. Runs of
        unchanged files that follow each other are copied as one (``_flush``): an edit to one file of
        20,000 copies two runs, not 19,999 files."""
        if end <= start:
            return
        self.lines.extend(prev.passages.lines(start, end))
        run = self._pending
        if run is not None and run[0] is prev and run[2] == start:
            self._pending = (prev, run[1], end)
            return
        self._flush()
        self._pending = (prev, start, end)

    def _flush(self) -> None:
        run, self._pending = self._pending, None
        if run is None:
            return
        prev, start, end = run
        b = prev.bm25
        self._prev = prev
        self._copied.append((start, end, self._counted))
        if self._remap is None:
            self._remap = np.array(_numbered(self.vocab, b.terms), dtype=np.int32)
        new_start = self._counted
        o = prev.structure
        part = {n: np.asarray(a[start:end]) for n, a in o.arrays().items()}
        self._append_outline(part, int(o.article_of[start]), int(o.section_of[start]), new_start - start)
        self._counted += end - start
        counts, terms, tf = b.forward(start, end)
        self.doc_len.append(np.asarray(b.doc_len[start:end], dtype=np.int64))
        self.counts.append(counts)
        self.tids.append(self._remap[terms])
        self.tfs.append(np.asarray(tf))

    @property
    def n_passages(self) -> int:
        return len(self.lines)

    def index(self, params: BM25Params) -> BM25Index:
        self._flush()
        doc_len = np.concatenate(self.doc_len)
        fwd_indptr = np.zeros(len(doc_len) + 1, dtype=np.int64)
        np.cumsum(np.concatenate(self.counts), out=fwd_indptr[1:])
        tids, tfs = np.concatenate(self.tids), np.concatenate(self.tfs)
        self.counts = self.tids = self.tfs = []
        previous = None
        if isinstance(getattr(self._prev, "bm25", None), BM25Index):  # an edit: the copied passages' postings are spliced
            pid_map = np.full(self._prev.bm25.n_docs, -1, dtype=np.int64)
            for start, end, at in self._copied:
                pid_map[start:end] = np.arange(at, at + end - start)
            previous = (self._prev.bm25, self._remap, pid_map)
        return BM25Index.from_forward(list(self.vocab), fwd_indptr, tids, tfs, doc_len, params, previous=previous,
                                      owned=True)


def _numbered(vocab: dict[str, int], words: list[str]) -> list[int]:
    """Each of ``words`` (distinct) as its id in ``vocab``; a word not there yet gets the next id, in order of first
    appearance. Most words of a file are known: they are looked up in one pass (``map``), about ten times faster than
    numbering them one by one (at 1M passages, 15M look-ups: the building process's largest share of adding a file)."""
    ids = list(map(vocab.get, words))
    if None in ids:
        for i, k in enumerate(ids):
            if k is None:
                ids[i] = vocab.setdefault(words[i], len(vocab))
    return ids


def _sources_by_file(prev: store.Loaded, rels) -> dict[str, list[str]]:
    """Previous index's article sources (``rel`` or ``rel#id``) grouped by corpus file."""
    rels = set(rels)
    out: dict[str, list[str]] = {}
    for src in set(prev.references) | set(prev.missing):
        rel = src if src in rels else next(
            (src[:i] for i, c in enumerate(src) if c == "#" and src[:i] in rels), None)
        if rel is not None:
            out.setdefault(rel, []).append(src)
    return out


def _reusable(previous: store.Loaded | None, tokenizer: Tokenizer, fingerprint: str) -> dict[str, dict]:
    if previous is None:
        return {}
    m = previous.manifest
    if m.get("tokenizer") != tokenizer.settings or m.get("pipeline") != fingerprint:
        log.info("full rebuild: the tokenizer or the parsing code changed since the last index")
        return {}
    recs = m.get("corpus", {})
    if not all(isinstance(r, dict) and {"sha256", "size", "passages", "articles"} <= r.keys() for r in recs.values()):
        return {}
    return recs


def build(corpus_dir: Path, tokenizer: Tokenizer, params: BM25Params = DEFAULT_PARAMS,
          progress: Callable[[Tick], None] | None = None, *,
          previous: store.Loaded | None = None, dense: bool = False) -> store.Built:
    """Read the corpus into a new index.

    With ``previous`` (the index being replaced), a file whose size and mtime, or failing that whose
    sha256, are the ones recorded there is not parsed again: its passages, references and term
    counts are copied from ``previous`` (term ids remapped through its vocabulary). BM25 statistics
    are then recomputed over the whole corpus, so the result equals a full build. With ``dense``
    (the optional extra, ``dense.py``) passage embeddings are computed too, reusing ``previous``'s
    for unchanged passages.
    """
    fingerprint = pipeline_fingerprint()
    files = corpus.scan(corpus_dir)
    old = _reusable(previous, tokenizer, fingerprint)
    old_sources = _sources_by_file(previous, old) if old else {}
    asm = _Assembly()
    read = reused = 0
    plan = []  # (file, its record in the previous index when it is reused, bytes already read)
    for cf in files:
        rec = old.get(cf.rel)
        data = digest = None
        if rec is not None and (rec["size"], rec.get("mtime_ns")) != (cf.size, cf.mtime_ns):
            if rec["size"] == cf.size:
                data = corpus.read_bytes(cf)
                digest = corpus.sha256(data)
            if digest != rec["sha256"]:
                rec = None
        plan.append((cf, rec, data))
    fresh = [(cf, data) for cf, rec, data in plan if rec is None]
    # the previous index's word → stem table (nltk's stems of its words): an edited article's known words need
    # no stemmer, so an edit imports no nltk (1–5 s) unless the article brings new words
    previous_stems = store.read_stems_dict(previous.folder) if (previous is not None and old) else {}
    tokenizer.preload(previous_stems)
    workers = _workers(fresh)
    results = _read_in_workers(fresh, workers, tokenizer) if workers else None
    numbering = _Terms()  # this process's, when it reads the files itself
    # each file's "long form (SHORT)" definitions as recorded: a reused file's are not harvested again (harvest is in
    # the fingerprint); None for an index written before harvested.json
    before = store.read_harvested(previous.folder) if old else None
    segmenting = _segment_start(plan, previous, old, dense, params, before)
    if segmenting is not None:
        try:
            return _build_segmented(corpus_dir, plan, previous, segmenting, old_sources, results, tokenizer, params,
                                    progress, fingerprint, previous_stems, workers, numbering)
        finally:
            if results is not None:
                results.close()
    try:
        for i, (cf, rec, data) in enumerate(plan):
            start = asm.n_passages
            if rec is not None:
                s, e = rec["passages"]
                asm.add_previous(previous, s, e)
                for src in old_sources.get(cf.rel, ()):
                    if src in previous.references:
                        asm.references[src] = store.stored_references(previous, src)
                    if src in previous.missing:
                        asm.missing[src] = list(previous.missing[src])
                articles, digest = rec["articles"], rec["sha256"]
                reused += 1
            else:
                if results is not None:
                    r = next(results)
                else:
                    tick = (lambda n, i=i: progress(Tick(i, len(files), start + n))) if progress else None
                    r = _read_file(cf, data, tokenizer, tick, numbering=numbering)
                _add_read(asm, r, tokenizer)
                articles, digest = r.articles, r.digest
                read += 1
            asm.records[cf.rel] = {"sha256": digest, "size": cf.size, "mtime_ns": cf.mtime_ns,
                                   "passages": [start, asm.n_passages], "articles": articles}
            if progress:
                progress(Tick(i + 1, len(files), asm.n_passages))
    finally:
        if results is not None:
            results.close()  # a failed build stops the worker processes
    corpus.require_passages(asm.n_passages, corpus_dir, len(files))
    bm25 = asm.index(params)
    reused_files = {cf.rel for cf, rec, _ in plan if rec is not None}
    harvested = {}
    for rel, rec in asm.records.items():
        if before is not None and rel in reused_files:
            pairs = before.get(rel, [])
        else:
            pairs = _harvest(asm.lines[slice(*rec["passages"])])
        if pairs:
            harvested[rel] = pairs
    embeddings = None
    if dense:
        from . import dense as dense_mod

        embeddings = dense_mod.embed_passages(asm.lines, previous)
    return _finish(store.Built(bm25=bm25, passages=store.PassageLines(asm.lines), references=asm.references,
                               missing=asm.missing, corpus=asm.records, tokenizer=tokenizer.settings,
                               pipeline=fingerprint, files_read=read, files_reused=reused, workers=workers,
                               embeddings=embeddings, structure=asm.structure(), harvested=harvested),
                   tokenizer, previous, previous_stems)


def _harvest(lines) -> list[list[str]]:
    """The "long form (SHORT)" definitions of passages ``lines`` (encoded); only a line with a parenthesis can hold one."""
    return harvest(store.decode_passage(line, 0).text for line in lines if b"(" in line)


def _finish(built: store.Built, tokenizer: Tokenizer, previous: store.Loaded | None,
            previous_stems: dict) -> store.Built:
    """``built`` with what every build adds last: the abbreviations its files define (``harvested``, all files
    together) and the general ones its vocabulary uses, its lexicon (the previous one when built from the same) and
    its word → stem table."""
    from dataclasses import replace

    from . import lexicon as lexmod

    abbreviations = [list(p) for p in sorted({tuple(p) for pairs in built.harvested.values() for p in pairs})]
    vocab = built.bm25.vocab
    kept = _kept_words(built, tokenizer, previous, previous_stems, abbreviations)
    if kept is not None:  # an edit that brings no new term nor definition: the previous version's words hold
        abbreviations, stems, key = kept
        stems.update(_new_stems(tokenizer, stems, vocab))
    else:
        stemmed: set[str] = set()
        abbreviations = abbreviations + general_abbreviations(tokenizer, vocab, abbreviations, stemmed)
        # word → stem for the corpus's words (the previous index's for the files reused, while their stems are
        # still index terms) and the shipped word lists: a question then needs no stemmer (tokenize.py)
        stems = previous_stems
        english = english_words(tokenizer)  # shipped in the package: not repeated in the index
        listed = _stem_shipped_lists(tokenizer, english) | stemmed
        stems.update(tokenizer.known())
        stems = {w: s for w, s in stems.items() if w not in english and (s in vocab or w in listed)}
        key = lexmod.key(tokenizer, abbreviations)
    lexicon = None
    if previous is not None and previous.manifest.get("lexicon") == key:  # unchanged: the file's bytes reused
        with contextlib.suppress(OSError):
            lexicon = (previous.folder / "lexicon.json").read_bytes()
    if lexicon is None:
        lexicon = store.read_lexicon(previous.folder) if previous is not None else None  # unchanged: reused
        if lexicon is None or lexicon.get("key") != key:
            lexicon = lexmod.to_json(lexmod.build(tokenizer, abbreviations=abbreviations), key)
    return replace(built, abbreviations=abbreviations, vocabulary=lexmod.vocabulary_fingerprint(), stems=stems,
                   lexicon=lexicon, lexicon_key=key)


def _kept_words(built: store.Built, tokenizer: Tokenizer, previous: store.Loaded | None, previous_stems: dict,
                defined: list):
    """(abbreviations, word → stem table, lexicon key) of ``previous`` when they are this build's too, else None: the same
    vocabulary (terms), pipeline and lexicon key (tokenizer, shipped vocabulary, and all its abbreviations when
    ``defined``, the harvested ones, are the same) — as after an edit of one article in a large corpus that
    brings no new term. The general abbreviations depend on nothing else, and each word of the previous table
    passed the same filter; only words met for the first time are to be added (``_new_stems``). At 1M passages
    this saves a one-file edit 0.2 s."""
    from . import lexicon as lexmod

    if previous is None or not previous_stems or previous.manifest.get("pipeline") != built.pipeline:
        return None
    abbreviations = defined + [p for p in previous.abbreviations if len(p) == 3 and p[2] == lexmod.GENERAL]
    key = lexmod.key(tokenizer, abbreviations)
    if previous.manifest.get("lexicon") != key:
        return None
    if built.bm25.terms != previous.bm25.terms:
        return None
    return abbreviations, previous_stems, key


def _new_stems(tokenizer: Tokenizer, known: dict, vocab) -> dict:
    """The stems of words this build stemmed that ``known`` lacks and the full filter of ``_finish`` would keep:
    an index term's, not a shipped English word's (a word of the shipped lists or the general abbreviations is in
    ``known`` already, kept or left out by that filter when the previous version was built)."""
    from .english import word_stems

    new = {w: s for w, s in tokenizer.known().items() if w not in known and s in vocab}
    table = word_stems(tokenizer) if new else None
    return {w: s for w, s in new.items() if not (table and table.get(w) is not None)}


# An edit writes segments (segments.py) instead of one new index when the delta's files and the base's gone ones
# (this edit's and earlier edits') are at most this share of the corpus's bytes; else everything is built as one
# index again (which also folds the segments back into one).
SEGMENT_SHARE = 0.05


def _segments_of(previous: store.Loaded):
    """The previous version's base segment and its folder, and where each of its passages is: (segment, id there)."""
    from .segments import Segment, SegmentedIndex

    b = previous.bm25
    if isinstance(b, SegmentedIndex):
        return b.segments[0], previous.folder / "seg0", b.seg_of, b.local_of
    n = b.n_docs
    ident = np.arange(n, dtype=np.int64)
    return (Segment(bm25=b, pid=ident, gid=np.arange(len(b.terms), dtype=np.int64)), previous.folder,
            np.zeros(n, dtype=np.int8), ident)


def _gone_bytes(plan, previous: store.Loaded, old: dict, seg_of: np.ndarray) -> tuple[int, int]:
    """(bytes of the files the delta would hold, bytes of the base's files gone, before and by this edit); ``seg_of``:
    the segment of each of ``previous``'s passages."""
    kept = {cf.rel for cf, rec, _ in plan if rec is not None}
    delta = sum(cf.size for cf, rec, _ in plan if rec is None)  # read again
    gone = int(previous.manifest.get("gone_bytes", 0))  # by earlier edits
    for rel, rec in old.items():
        s, e = rec["passages"]
        in_delta = e > s and seg_of[s] != 0
        if in_delta and rel in kept:
            delta += rec["size"]  # carried in the delta
        elif not in_delta and rel not in kept:
            gone += rec["size"]  # gone from the base now
    return delta, gone


def _segment_start(plan, previous: store.Loaded | None, old: dict, dense: bool, params: BM25Params,
                   before: dict | None):
    """What an edit in segments starts from — ``_segments_of(previous)``, the bytes of the base's files gone, each
    file's harvested definitions (``before``, as ``previous`` recorded them) — or None when this edit builds one
    index."""
    if previous is None or not old or dense or previous.embeddings is not None:
        return None
    if previous.manifest.get("bm25") != params.to_json():  # the base was scored otherwise: one index again
        return None
    if before is None:  # an index written before harvested.json: one index again
        return None
    split = _segments_of(previous)
    delta, gone = _gone_bytes(plan, previous, old, split[2])
    if delta + gone > SEGMENT_SHARE * (sum(cf.size for cf, _, _ in plan) or 1):
        return None
    return split, gone, before


def _build_segmented(corpus_dir: Path, plan, previous: store.Loaded, start: tuple, old_sources: dict, results,
                     tokenizer: Tokenizer, params: BM25Params, progress, fingerprint: str, previous_stems: dict,
                     workers: int, numbering: _Terms) -> store.Built:
    """``build`` as segments: the previous base kept (its passages of files edited or removed since now gone), and
    every other file — read now, or carried from the previous delta — indexed as a new delta."""
    from .segments import Segment, SegmentedIndex

    (base, base_folder, seg_of, local_of), gone_bytes, before = start
    b = base.bm25
    base_pid = np.full(b.n_docs, -1, dtype=np.int64)
    delta = _Assembly()  # the files not in the base, in corpus order
    logical = _Assembly()  # the whole corpus's outline, in corpus order (only its outline is used)
    doc_len: list[np.ndarray] = []
    delta_pid: list[np.ndarray] = []
    references: dict[str, dict[int, str]] = {}
    missing: dict[str, list[int]] = {}
    records: dict[str, dict] = {}
    harvested: dict[str, list] = {}
    o = previous.structure
    outline = o.arrays()
    n = read = reused = 0
    run = None  # (start, end) of reused passages of the base that follow each other: copied as one

    def flush() -> None:
        nonlocal run
        if run is not None:
            s, e, at = run
            logical._append_outline({k: a[s:e] for k, a in outline.items()}, int(o.article_of[s]),
                                    int(o.section_of[s]), at - s)
            doc_len.append(np.asarray(previous.bm25.doc_len[s:e], dtype=np.int64))
            base_pid[local_of[s:e]] = np.arange(at, at + e - s)
            run = None

    for i, (cf, rec, data) in enumerate(plan):
        start = n
        if rec is not None:
            s, e = rec["passages"]
            if e > s and seg_of[s] == 0:
                if run is not None and run[1] == s:
                    run = (run[0], e, run[2])
                else:
                    flush()
                    run = (s, e, n)
            elif e > s:  # carried from the previous delta
                flush()
                delta.add_previous(previous, s, e)
                logical._append_outline({k: a[s:e] for k, a in outline.items()}, int(o.article_of[s]),
                                        int(o.section_of[s]), n - s)
                doc_len.append(np.asarray(previous.bm25.doc_len[s:e], dtype=np.int64))
                delta_pid.append(np.arange(n, n + e - s))
            n += e - s
            for src in old_sources.get(cf.rel, ()):
                if src in previous.references:
                    references[src] = store.stored_references(previous, src)
                if src in previous.missing:
                    missing[src] = list(previous.missing[src])
            articles, digest = rec["articles"], rec["sha256"]
            if cf.rel in before:
                harvested[cf.rel] = before[cf.rel]
            reused += 1
        else:
            flush()
            r = next(results) if results is not None else _read_file(cf, data, tokenizer, numbering=numbering)
            if pairs := _harvest(r.lines):
                harvested[cf.rel] = pairs
            _add_read(delta, r, tokenizer)
            logical._append_outline(r.outline, 0, 0, n)
            doc_len.append(np.asarray(r.lens, dtype=np.int64))
            delta_pid.append(np.arange(n, n + len(r.lens)))
            references.update(r.references)
            missing.update(r.missing)
            n += len(r.lens)
            articles, digest = r.articles, r.digest
            read += 1
        records[cf.rel] = {"sha256": digest, "size": cf.size, "mtime_ns": cf.mtime_ns, "passages": [start, n],
                           "articles": articles}
        if progress:
            progress(Tick(i + 1, len(plan), n))
    flush()
    corpus.require_passages(n, corpus_dir, len(plan))
    d_bm25 = delta.index(params) if delta.n_passages else None
    terms, gid_base, gid_delta = _vocabulary(b, base_pid, d_bm25)
    specs = [store.SegmentSpec(pid=base_pid, gid=gid_base, folder=base_folder,
                               manifest=None if base_folder != previous.folder else previous.manifest)]
    segs = [Segment(bm25=b, pid=base_pid, gid=gid_base)]
    if d_bm25 is not None:
        d_pid = np.concatenate(delta_pid)
        specs.append(store.SegmentSpec(pid=d_pid, gid=gid_delta, built=store.Built(
            bm25=d_bm25, passages=store.PassageLines(delta.lines), references={}, missing={}, corpus={},
            tokenizer=tokenizer.settings, pipeline=fingerprint, structure=delta.structure())))
        segs.append(Segment(bm25=d_bm25, pid=d_pid, gid=gid_delta))
    index = SegmentedIndex(terms=terms, segments=segs, doc_len=np.concatenate(doc_len).astype(np.int32),
                           params=params)
    return _finish(store.Built(bm25=index, passages=store.PassageLines([]), references=references, missing=missing,
                               corpus=records, tokenizer=tokenizer.settings, pipeline=fingerprint, files_read=read,
                               files_reused=reused, workers=workers, structure=logical.structure(),
                               segments=tuple(specs), harvested=harvested,
                               gone_bytes=gone_bytes),
                   tokenizer, previous, previous_stems)


def _vocabulary(b: BM25Index, base_pid: np.ndarray, delta: BM25Index | None):
    """The corpus's vocabulary as a full build's (sorted; only terms a live passage holds): the base's terms some
    live passage still holds with the delta's, and each segment's term → its id there (-1: none)."""
    from bisect import bisect_left

    from .segments import Segment, live_df

    live = live_df(Segment(bm25=b, pid=base_pid, gid=np.arange(len(b.terms))), len(b.terms)) > 0
    extra: list[str] = []  # the delta's terms no live base passage holds: sorted, as the delta's vocabulary is
    if delta is not None:
        extra = [t for t in delta.terms if (k := b.vocab.get(t)) is None or not live[k]]
    at = np.array([bisect_left(b.terms, t) for t in extra], dtype=np.int64)  # where each goes among the base's
    gid_base = np.where(live, np.cumsum(live) - 1 + np.searchsorted(at, np.arange(len(live)), side="right"), -1)
    gid_extra = np.r_[0, np.cumsum(live)][at] + np.arange(len(extra))
    terms: list = [None] * (int(live.sum()) + len(extra))
    for k in np.flatnonzero(live).tolist():
        terms[gid_base[k]] = b.terms[k]
    for j, t in enumerate(extra):
        terms[gid_extra[j]] = t
    gid_delta = None
    if delta is not None:
        where = {t: int(g) for t, g in zip(extra, gid_extra)}
        gid_delta = np.array([where[t] if t in where else gid_base[b.vocab[t]] for t in delta.terms], dtype=np.int64)
    return terms, gid_base, gid_delta


def _stem_shipped_lists(tokenizer: Tokenizer, english: frozenset[str]) -> frozenset[str]:
    """The words of the shipped lists a question is read with (lexicon, intents, generic words, units), those not in the
    shipped English table (``english``, whose stems the index does not repeat) stemmed, so their stems go in the
    index's table. Not looking up the English ones' stems saves a one-file edit at 1M about 0.1 s. The words and those
    stems are the same for every build with the same tokenizer: worked out once per process (``_SHIPPED_WORDS``), and
    handed to each build's tokenizer after that."""
    key = (tokenizer.settings_key, len(english))
    with _SHIPPED_LOCK:
        got = _SHIPPED_WORDS.get(key)
        if got is None:
            words = _shipped_words(tokenizer)
            got = _SHIPPED_WORDS[key] = (words, {w: tokenizer.stem(w) for w in words if w not in english})
    words, stems = got
    tokenizer.preload(stems)
    return words


def _shipped_words(tokenizer: Tokenizer) -> frozenset[str]:
    from .data import path as data_path

    from . import lexicon as lexmod

    from .values import UNITS

    texts = [lexmod.lexicon_text()] + [data_path(n).read_text(encoding="utf-8") for n in ("intents.tsv", "generic.txt")]
    texts.append(" ".join(UNITS))  # the units deciding counts as generic words (``decide.Decider``)
    return frozenset(w for text in texts for w in tokenizer.words(text))


_SHIPPED_LOCK = threading.Lock()
# (tokenizer settings, how many words the English table has) → (the shipped lists' words, the stems of those the English
# table lacks); the shipped files are part of the package: a process that sees them change is one whose package changed
# under it
_SHIPPED_WORDS: dict[tuple[str, int], tuple[frozenset[str], dict[str, str]]] = {}
_ENGLISH_WORDS: dict[str, frozenset[str]] = {}  # tokenizer settings → the shipped English table's words


def english_words(tokenizer: Tokenizer) -> frozenset[str]:
    """The words of the shipped English word → stem table (empty when it was made by another tokenizer); read once per
    process and tokenizer settings."""
    from .english import word_stems

    key = tokenizer.settings_key
    with _SHIPPED_LOCK:
        got = _ENGLISH_WORDS.get(key)
        if got is None:
            table = word_stems(tokenizer)
            body = table.data[table.body:].decode("utf-8") if table else ""  # every line's key at once: 5x table.keys()
            got = frozenset(line.partition("\t")[0] for line in body.split("\n") if line)
            if got:  # none: another tokenizer's table, or one that could not be read just now (tried again next time)
                _ENGLISH_WORDS[key] = got
        return got


TICK = 2000  # passages tokenized between two progress ticks within one file
# Articles to read in all at least this big are read by worker processes, one per core: parsing and tokenising are
# two thirds of a reindex. Below it one process does it: forking the workers and sending every file's passages
# back costs more than it saves (20,000 passages, 3 MB: 6.5 s either way; 100,000, 16 MB: 21.6 → 16.7 s).
PARALLEL_MIN_BYTES = 8 << 20
CHUNK = 8  # files handed to a worker at a time


@dataclass
class _Read:
    """One freshly read corpus file, ready to be added to a build (``_Assembly``)."""

    digest: str
    lines: list[bytes]  # its passages (``store.encode_passage``)
    outline: dict  # ``structure.of_passages``'s arrays for them
    reader: int  # who numbered its terms (``_Terms``): 0 this process, else a worker process's id
    new: list[str]  # the terms its reader numbered first in this file, in that order (ids on from the last file's)
    ids: np.ndarray  # the reader's ids of the file's distinct terms, ascending
    terms: np.ndarray  # each passage's distinct terms, as positions in ``ids`` (``bm25.forward_from_tokens``)
    counts: np.ndarray  # how many distinct terms each passage has
    tf: np.ndarray  # each one's count in its passage
    lens: np.ndarray  # tokens per passage
    references: dict[str, dict[int, str]]
    missing: dict[str, list[int]]
    articles: int
    stems: dict[str, str]  # word → stem of its words, from a worker (the index's stems table needs them)


class _Terms:
    """A reader's numbering of terms, kept from file to file: a word met in an earlier file costs one look-up, and
    only the terms first met in a file are sent with it (a file's 700 distinct terms, as strings, cost a worker
    and the building process more to send and number than the rest of the file)."""

    def __init__(self, reader: int = 0) -> None:
        self.reader = reader
        self.of_word: dict[str, int] = {}  # word → its term's id
        self.ids: dict[str, int] = {}  # term → id, in order of first appearance
        self.new: list[str] = []  # terms numbered since the last ``take_new``

    def take_new(self) -> list[str]:
        new, self.new = self.new, []
        return new


def _read_file(cf: corpus.CorpusFile, data: bytes | None, tokenizer: Tokenizer, tick=None, *,
               stems: bool = False, numbering: _Terms | None = None) -> _Read:
    return _counted([_read_text(cf, data, tokenizer, tick, stems=stems, numbering=numbering)])[0]


def _read_text(cf: corpus.CorpusFile, data: bytes | None, tokenizer: Tokenizer, tick=None, *,
               stems: bool = False, numbering: _Terms | None = None) -> tuple[_Read, np.ndarray]:
    """A file read, its passages' term ids in a row (what ``_counted`` counts)."""
    if data is None:
        data = corpus.read_bytes(cf)
    digest = corpus.sha256(data)
    articles = corpus.parse_bytes(cf, data)
    passages: list[Passage] = []
    references: dict[str, dict[int, str]] = {}
    missing: dict[str, list[int]] = {}
    for art in articles:
        for p in art.passages:
            if not p.text.strip():
                raise CorpusError(str(cf.path), "produced an empty passage (parser bug); please report it")
            passages.append(p)
        if art.references:
            references[art.source] = dict(art.references)
        gaps = art.missing_citations()
        if gaps:
            missing[art.source] = gaps
    _validate(passages, references, missing)
    lines = [store.encode_passage(p) for p in passages]
    outline = of_passages(passages).arrays()
    # A passage is matched on its text, section path and title (``document_parts``); the path and title repeat
    # from passage to passage, so each is tokenised once per file.
    # The passages are read TICK at a time: a file of a million passages holds one array of term ids, not lists.
    words = tokenizer.words
    parts: dict[str, list[str]] = {}
    numbering = numbering or _Terms()
    of_word, ids = numbering.of_word, numbering.ids
    seen: dict[str, str] = {}
    lens = np.zeros(len(passages), dtype=np.int64)
    chunks: list[np.ndarray] = []
    for start in range(0, len(passages), TICK):
        docs: list[list[str]] = []
        for p in passages[start : start + TICK]:
            text, path, title = document_parts(p)
            head = parts.get(path)
            if head is None:
                head = parts[path] = words(path)
            tail = parts.get(title)
            if tail is None:
                tail = parts[title] = words(title)
            docs.append(words(text) + head + tail)
        flat = [w for doc in docs for w in doc]
        got = list(map(of_word.get, flat))
        if None in got:
            remembered = tokenizer.remembered
            for w in dict.fromkeys(w for w, k in zip(flat, got) if k is None):  # each new word once, in order
                t = remembered(w)
                if t is None:
                    t = tokenizer.stem(w)
                    if stems:  # a worker: the words it stems anew go back to the caller's table, each once
                        seen[w] = t
                k = ids.get(t)
                if k is None:
                    k = ids[t] = len(ids)
                    numbering.new.append(t)
                of_word[w] = k
            got = list(map(of_word.__getitem__, flat))
        chunks.append(np.array(got, dtype=np.int64))
        lens[start : start + len(docs)] = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        if tick and start + TICK <= len(passages):
            tick(start + TICK)
    got = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)  # the term arrays, filled in by ``_counted``
    read = _Read(digest, lines, outline, numbering.reader, numbering.take_new(), empty, empty, empty, empty, lens,
                 references, missing, len(articles), seen)
    return read, got


def _counted(reads: list[tuple[_Read, np.ndarray]]) -> list[_Read]:
    """``reads`` (a file's ``_Read`` and its passages' term ids, token by token) with each passage's distinct terms
    and counts worked out (``_Read.ids``/``terms``/``counts``/``tf``), for several files at once: a handful of numpy
    calls for a worker's batch of files instead of a dozen per file (about 0.3 ms a file, 5 s of a 1M build). The
    arrays are those each file would get alone: its distinct ids ascending, each passage's terms in that order."""
    got = np.concatenate([g for _, g in reads])
    lens = np.concatenate([r.lens for r, _ in reads])
    n_docs, n_files = len(lens), len(reads)
    width = int(got.max()) + 1 if len(got) else 1  # the reader's ids: the batch's terms are among the first ``width``
    fwd_indptr, term, tf = forward_from_tokens(got, np.repeat(np.arange(n_docs, dtype=np.int64), lens), n_docs, width)
    counts = np.diff(fwd_indptr)
    file_docs = np.fromiter((len(r.lens) for r, _ in reads), dtype=np.int64, count=n_files)
    doc_at = np.r_[0, np.cumsum(file_docs)]
    entry_at = fwd_indptr[doc_at]
    file_of = np.repeat(np.arange(n_files, dtype=np.int64), np.diff(entry_at))
    held, local = np.unique(file_of * width + term, return_inverse=True)  # each file's distinct terms, ascending
    held_file, held_term = np.divmod(held, width)
    first_held = np.searchsorted(held_file, np.arange(n_files + 1))
    local = local.reshape(-1) - first_held[file_of]
    out = []
    for f, (r, _) in enumerate(reads):
        d, e = slice(doc_at[f], doc_at[f + 1]), slice(entry_at[f], entry_at[f + 1])
        r.ids, r.terms = held_term[first_held[f]:first_held[f + 1]], local[e].astype(np.int32)
        r.counts, r.tf = counts[d], tf[e]
        out.append(r)
    return out


_WORKER_TOKENIZER: Tokenizer | None = None  # the caller's, inherited by forked workers
_WORKER_TERMS: _Terms | None = None  # a worker's numbering (``_Terms``), empty when forked


def _read_in_worker(items: list) -> list[_Read]:
    """A batch of files (file, bytes) read, their terms counted together (``_counted``)."""
    global _WORKER_TERMS
    if _WORKER_TERMS is None:
        import os

        _WORKER_TERMS = _Terms(os.getpid())
    return _counted([_read_text(cf, data, _WORKER_TOKENIZER, stems=True, numbering=_WORKER_TERMS)
                     for cf, data in items])


def _workers(fresh: list) -> int:
    """How many worker processes read ``fresh`` (file, bytes): one per core (at most 8), or 0 — this process
    reads them — below ``PARALLEL_MIN_BYTES``, on one core, or when this process runs other threads (the Slack
    front rebuilding in place): workers are forked, and a fork copies other threads' locks mid-use. Forked, not
    spawned: a spawned worker imports the caller's main script again, which a script without a
    ``__main__`` guard does not survive."""
    import os
    import threading

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if (cores < 2 or len(fresh) < 2 * cores or sum(cf.size for cf, _ in fresh) < PARALLEL_MIN_BYTES
            or threading.active_count() > 1 or not hasattr(os, "fork")):
        return 0
    return min(cores, 8)


def _read_in_workers(fresh: list, workers: int, tokenizer: Tokenizer):
    """``_Read`` of each of ``fresh``, in order, from ``workers`` processes; a failure (a bad article) stops them."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _WORKER_TOKENIZER, _WORKER_TERMS
    tokenizer.load()  # its word tables and nltk's stemmer loaded once here, not in every worker
    _WORKER_TOKENIZER, _WORKER_TERMS = tokenizer, None
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    try:
        for batch in pool.map(_read_in_worker, [fresh[i : i + CHUNK] for i in range(0, len(fresh), CHUNK)]):
            yield from batch
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _add_read(asm: _Assembly, r: _Read, tokenizer: Tokenizer) -> None:
    asm.add_outline(r.outline)
    asm.lines.extend(r.lines)
    asm.add_tokens(r.reader, r.new, r.ids, r.terms, r.counts, r.tf, r.lens)
    asm.references.update(r.references)
    asm.missing.update(r.missing)
    if r.stems:
        tokenizer.preload(r.stems)


def _validate(passages: list[Passage], references: dict, missing: dict) -> None:
    for p in passages:
        listed = references.get(p.source, {})
        gaps = set(missing.get(p.source, ()))
        for n in p.citations:
            if n not in listed and n not in gaps:
                raise CitebotError(f"{p.source}: citation {n} is neither a reference nor reported missing")


def _previous(index_dir: Path, tokenizer: Tokenizer) -> store.Loaded | None:
    try:
        return store.load(index_dir, tokenizer=tokenizer.settings)
    except CitebotError as e:
        if not isinstance(e, store.IndexMissingError):
            log.info("full rebuild: the previous index cannot be reused (%s)", e)
        return None


def reindex(corpus_dir: Path, index_dir: Path, *, tokenizer: Tokenizer | None = None,
            params: BM25Params = DEFAULT_PARAMS, wait: float = 120.0,
            progress: Callable[[Tick], None] | None = None, full: bool = False,
            only_if_stale: bool = False, dense: bool | None = None) -> Stats | None:
    """Build and swap in a new index; unchanged files are reused from the current one unless ``full``.

    With ``only_if_stale``, checks again once the lock is held and returns None without building when
    the index already serves the corpus (someone else rebuilt it meanwhile). ``dense``: compute passage
    embeddings (optional extra); None means ``CITEBOT_DENSE``, else what the current index recorded
    (``dense.wanted``).
    """
    from . import dense as dense_mod

    tokenizer = tokenizer or Tokenizer()
    t0 = time.perf_counter()
    with store.lock(index_dir, wait=wait):
        if only_if_stale and stale_reason(Path(corpus_dir), Path(index_dir), tokenizer, params) is None:
            try:
                store.load(Path(index_dir), tokenizer=tokenizer.settings).passages.close()
                return None
            except CitebotError:
                pass  # fresh but damaged: rebuild
        use_dense = dense_mod.wanted(dense, Path(index_dir))
        previous = None if full else _previous(Path(index_dir), tokenizer)
        try:
            built = build(Path(corpus_dir), tokenizer, params, progress, previous=previous, dense=use_dense)
        finally:
            if previous is not None:
                previous.passages.close()
        folder = store.write(Path(index_dir), built)
    return Stats(
        files=len(built.corpus), articles=sum(r["articles"] for r in built.corpus.values()),
        passages=built.bm25.n_docs, terms=len(built.bm25.terms), seconds=time.perf_counter() - t0,
        folder=folder, missing=built.missing, files_read=built.files_read, files_reused=built.files_reused,
        workers=built.workers,
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


def stale_reason(corpus_dir: Path, index_dir: Path, tokenizer: Tokenizer,
                 params: BM25Params = DEFAULT_PARAMS) -> str | None:
    """Why the current index cannot serve this corpus with this citebot, or None when it can."""
    try:
        manifest = store.read_manifest(index_dir)
    except store.IndexMissingError:
        return "there is no index yet"
    except CitebotError as e:
        return f"the index is unusable ({e})"
    if manifest.get("tokenizer") != tokenizer.settings:
        return "the tokenizer changed"
    if manifest.get("pipeline") != pipeline_fingerprint() or manifest.get("bm25") != params.to_json():
        return "citebot's way of reading articles or scoring changed"
    from .lexicon import vocabulary_fingerprint

    if manifest.get("vocabulary") != vocabulary_fingerprint():  # rebuilt reusing every file: a new lexicon
        return "citebot's vocabulary (bot/data) changed"
    from . import dense

    asked = dense.requested()
    if asked is not None and asked != bool(manifest.get("dense")):
        return "CITEBOT_DENSE " + ("asks for" if asked else "turns off") + " passage embeddings"
    diff = changes(manifest, corpus_dir)
    if diff:
        return "the corpus changed (" + ", ".join(diff[:3]) + (", …" if len(diff) > 3 else "") + ")"
    return None


def open_fresh(corpus_dir: Path, index_dir: Path, *, tokenizer: Tokenizer | None = None,
               rebuild: bool = True, wait: float = 120.0, notify: Callable[[str], None] | None = None,
               progress: Callable[[Tick], None] | None = None) -> tuple[store.Loaded, str | None]:
    """Load the index, rebuilding it first when missing, unreadable or older than the corpus.

    Returns the loaded index and a warning (or None) to show the user when the corpus could not be
    indexed and the previous index is answering instead. ``notify`` hears why a rebuild starts (one
    line), ``progress`` how it goes (``progress.py``).
    """
    tokenizer = tokenizer or Tokenizer()
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    reason = stale_reason(corpus_dir, index_dir, tokenizer)
    if reason is None:
        try:
            return store.load(index_dir, tokenizer=tokenizer.settings), None
        except CitebotError as e:
            reason = f"the index is unusable ({e})"
    if not rebuild:
        raise CitebotError(f"{index_dir}: {reason}; run `citebot reindex`")
    log.info("rebuilding the index: %s", reason)
    if notify:
        notify(f"rebuilding the index: {reason}…")
    try:
        # another process may have rebuilt it while we waited for the lock: then there is nothing to do
        reindex(corpus_dir, index_dir, tokenizer=tokenizer, wait=wait, only_if_stale=True, progress=progress)
    except (CorpusError, CitebotError) as e:
        try:
            loaded = store.load(index_dir, tokenizer=tokenizer.settings)
        except CitebotError:
            raise e from None
        return loaded, f"{e} — answering from the previous index, built {loaded.manifest.get('created')}"
    return store.load(index_dir, tokenizer=tokenizer.settings), None
