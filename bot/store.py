"""The index on disk: a versioned folder of plain files, swapped in atomically.

::

    index/
      .lock                 flock held by whoever is (re)building
      current -> v-…        symlink to the version being served (replaced atomically)
      v-20261124T052700.123456-1a2b3c/
        manifest.json       format, version, tokenizer, BM25 parameters, pipeline and vocabulary fingerprints,
                            each corpus file's sha256/size/mtime/passage range/article count,
                            and the size, mtime and sha256 of every file below
        terms.json          the vocabulary, sorted; term id = position
        idf.npy max_weight.npy block_max.npy indptr.npy docs.npy tf.npy doc_len.npy   postings (see bm25.py)
        fwd_indptr.npy fwd_terms.npy fwd_tf.npy                  forward index
        article_of.npy section_of.npy parent_of.npy              the outline (structure.py)
        passages.jsonl      one JSON array per passage: text, citations, article, section, source
        passage_offsets.npy byte offset of each line of passages.jsonl (+ the end)
        references.jsonl    one JSON array per article: its source and {number: text}, read by the line when cited
        references.index.json  each line's source and where it ends, and each article's missing numbers
        abbreviations.json  [[short, long], …] the articles define ("juvenile dermatomyositis (JDM)")
        harvested.json      the same per corpus file (files defining none left out), so an edit harvests its files only
        stems.tsv           word <TAB> stem of the corpus's words, sorted, so a question needs no stemmer (nltk);
                            searched in place (sortedtsv.py), nothing parsed at start
        lexicon.json        the lexicon built for this index, keyed by what it was built from (lexicon.py)
        embeddings.npy      only with the optional dense extra: float32 passages × 384 (dense.py)

A version written by a small edit is in *segments* (``segments.py``): its postings, forward index and
passages are in sub-folders ``seg0`` (the last full build's files, hard-linked) and ``seg1`` (the files read
since), each a single index as above with its own manifest; the version holds what is per passage or per term
of the whole corpus (``terms.json``, ``doc_len.npy`` and the outline, ``seg*.pid.npy``/``seg*.gid.npy``: each
segment's passage and term ids in the corpus) and what is per corpus file.

The ``.npy`` arrays are memory-mapped on load, so opening even a large index reads little; only the
postings of a question's terms and the passages shown are ever touched.

Loading checks, in order: the manifest (format, version, tokenizer); every listed file exists with
its recorded size; its sha256 when it is small (``ALWAYS_HASH_BYTES``) or when its mtime is not the
one recorded at write time; then that the arrays have their dtypes and agree with each other
(lengths, passage and term ids in range). ``load(..., verify="full")`` hashes every file.

No pickle anywhere (``np.load(allow_pickle=False)``, ``json``): a tampered file can give wrong
numbers, which the checks above catch, but cannot run code. A reader resolves ``current`` once and
reads only from that version; the previous version is kept until the next swap so a reader that
started before a swap finishes on the version it started with. An incremental reindex copies
unchanged files' passages and term counts from the current version.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import hashlib
import json
import mmap
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from . import logs
from .bm25 import BLOCK_SHIFT, COUNT_DTYPES, BM25Index, BM25Params
from .errors import CitebotError, IndexBusyError, IndexFormatError
from .lazymap import LazyMap
from .model import Passage
from .sortedtsv import mapped
from .structure import ARRAYS as OUTLINE_ARRAYS, Structure, of_passages

log = logs.get(__name__)

FORMAT = "citebot-index"
VERSION = 10  # 2: the outline arrays (structure.py); 3: text_len, stems.json, lexicon.json; 4: counts, not scores;
# 5: list items marked (passages.jsonl's sixth field, is_item.npy); 6: stems.tsv, sorted, for stems.json;
# 7: block_max.npy (the compiled top-k's block bounds); 8: its blocks of 16 postings, not 64; 9: segments
# (segments.py: a version may be a base and a delta in sub-folders), harvested.json, the lexicon's key;
# 10: references.jsonl and its index, for references.json
ARRAYS = ("idf", "max_weight", "block_max", "indptr", "docs", "tf", "doc_len", "fwd_indptr", "fwd_terms", "fwd_tf")
ARRAY_DTYPES = {
    "article_of": np.int32, "section_of": np.int32, "parent_of": np.int32, "text_len": np.int32, "is_item": np.int8,
    "idf": np.float64, "max_weight": np.float64, "block_max": np.float64, "indptr": np.int64, "docs": np.int32,
    "doc_len": np.int32, "fwd_indptr": np.int64, "fwd_terms": np.int32,
}
CURRENT = "current"
# Loading checks every file's size against the manifest, and its sha256 when it is at most this big,
# or bigger but with another modification time than the one recorded when it was written (edited,
# copied, restored). A larger file rewritten in place with its mtime forged back is caught only by the
# structural checks (lengths; passage and term ids at the end of each sorted run, all of them with
# verify="full") or by load(..., verify="full"), which hashes and checks everything. 64 KiB: at 4 MiB a cold
# ask at 100k passages hashed 11 MB (about 10 ms) of files it had written itself.
ALWAYS_HASH_BYTES = 64 * 1024
KEEP_PREVIOUS = 1


class IndexMissingError(IndexFormatError):
    """There is no index yet."""


@dataclass(frozen=True)
class Built:
    """Everything a build produced, ready to be written."""

    bm25: BM25Index
    passages: Sequence[Passage]  # a list, or PassageLines (already encoded, decoded on access)
    references: dict[str, dict[int, str]]
    missing: dict[str, list[int]]
    corpus: dict[str, dict]  # rel path -> {"sha256", "size", "mtime_ns", "passages": [start, end], "articles"}
    tokenizer: dict
    abbreviations: list = field(default_factory=list)  # [[short, long], …] harvested from the articles
    harvested: dict = field(default_factory=dict)  # corpus file → the [[short, long], …] it defines (files defining any)
    pipeline: str = ""  # fingerprint of the code that turned files into tokens (indexer.pipeline_fingerprint)
    vocabulary: str = ""  # fingerprint of the shipped vocabulary it was built with (lexicon.vocabulary_fingerprint)
    files_read: int = 0  # corpus files parsed and tokenised by this build
    files_reused: int = 0  # unchanged files whose passages and tokens came from the previous version
    workers: int = 0  # processes that read the files (0: the building process itself)
    embeddings: np.ndarray | None = None  # optional dense extra: float32 passages × dim (dense.py)
    structure: Structure | None = None  # the outline arrays (structure.py); computed from the passages when None
    stems: dict = field(default_factory=dict)  # word → stem of the corpus's words, so questions need no stemmer
    lexicon: dict | bytes | None = None  # the lexicon built for this index (lexicon.to_json; as bytes: the previous
    # version's file, unchanged), so no process rebuilds it
    lexicon_key: str | None = None  # what it was built from (lexicon.key), recorded in the manifest
    segments: tuple = ()  # a version in segments (segments.py): one SegmentSpec each; bm25 is then a SegmentedIndex
    gone_bytes: int = 0  # in segments: the bytes of the base's files gone since it was built (indexer.SEGMENT_SHARE)


@dataclass(frozen=True)
class SegmentSpec:
    """One segment of a version to write: an existing single-index folder hard-linked (``folder``), or a new one
    (``built``); the corpus-wide id of each of its passages (``pid``) and terms (``gid``), -1 for none."""

    pid: np.ndarray
    gid: np.ndarray
    folder: Path | None = None
    built: "Built | None" = None
    manifest: dict | None = None  # ``folder``'s manifest, when the caller has it read already


REFERENCES = "references.jsonl"
REFERENCE_INDEX = "references.index.json"


class StoredLine(bytes):
    """An article's line of ``references.jsonl`` (``[source, {"number": text}]``, numbers in order): what an edit
    copies of a file it reuses, written back as it is — neither parsed nor encoded again."""


def stored_references(loaded: "Loaded", src: str):
    """``loaded``'s references of ``src`` as stored (``StoredLine``), or as made when they are held in memory."""
    refs = loaded.references
    return refs.stored(src) if isinstance(refs, References) else refs[src]


class References(LazyMap):
    """source → {number: text}, each article's line of ``references.jsonl`` parsed when it is first looked up. An
    answer cites a few of a library's articles: a load parses only the sources and where their lines end
    (``references.index.json``), not every reference (20,000 articles, 10 MB: 0.13 s of every load, and of a
    one-file edit, which also encoded them all again to write them). What it parses with holds the mapped file,
    not the object itself: dropping a loaded index frees the mapping at once, not at the next cycle collection."""

    def __init__(self, data, sources: list[str], ends: list[int], where: Path):
        super().__init__({src: i for i, src in enumerate(sources)},
                         functools.partial(_parsed_references, data, sources, ends, where))
        self._data, self._ends = data, ends

    def stored(self, src: str) -> StoredLine:
        """``src``'s line as it is stored, not parsed."""
        return StoredLine(_reference_line(self._data, self._ends, self._raw[src]))


def _reference_line(data, ends: list[int], i: int) -> bytes:
    return data[ends[i - 1] if i else 0 : ends[i]]


def _parsed_references(data, sources: list[str], ends: list[int], where: Path, i: int) -> dict[int, str]:
    """Line ``i`` of ``references.jsonl`` as {number: text}, checked to be ``sources[i]``'s."""
    try:
        src, refs = json.loads(_reference_line(data, ends, i))
        if src == sources[i]:
            return {int(n): t for n, t in refs.items()}
    except (ValueError, TypeError, AttributeError):
        pass
    raise IndexFormatError(f"{where}: the line of {sources[i]!r} is not its references; run `citebot reindex`")


def _write_references(folder: Path, built: "Built") -> None:
    """``references.jsonl``, an article a line (a reused one's line copied as it was), and its index."""
    lines = [r if isinstance(r, StoredLine) else
             (_ENCODE([src, {str(n): t for n, t in sorted(r.items())}]) + "\n").encode("utf-8")
             for src, r in built.references.items()]
    with open(folder / REFERENCES, "wb", buffering=1 << 20) as f:
        f.writelines(lines)
    ends = np.cumsum(np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))).tolist()
    _wrote_json(folder / REFERENCE_INDEX, {"sources": list(built.references), "ends": ends, "missing": built.missing})


def _read_references(folder: Path) -> tuple[References, dict]:
    """The references of a version (``References``) and its articles' missing numbers, checked for agreement."""
    index = _read_json(folder / REFERENCE_INDEX)
    sources, ends, missing = index["sources"], index["ends"], index.get("missing", {})
    path = folder / REFERENCES
    data = mapped(path)
    size = len(data)
    if not (isinstance(sources, list) and isinstance(ends, list) and isinstance(missing, dict)
            and len(sources) == len(ends) and all(isinstance(e, int) for e in ends)
            and all(a < b for a, b in zip([0, *ends], ends)) and (ends[-1] if ends else 0) == size):
        raise IndexFormatError(f"{folder}: {REFERENCE_INDEX} does not agree with {REFERENCES}; run `citebot reindex`")
    return References(data, sources, ends, path), missing


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(…, ensure_ascii=False) made an encoder per call


_ESCAPED = json.encoder.encode_basestring  # a string as JSON, quotes included (ensure_ascii=False's escaping)


def encode_passage(p: Passage) -> bytes:
    """One line of passages.jsonl: ``json.dumps([text, citations, article, section, source(, 1)],
    ensure_ascii=False)``, written out (a million passages: 5 s of the encoder's set-up per call)."""
    esc = _ESCAPED
    return (f'[{esc(p.text)}, [{", ".join(map(str, p.citations))}], {esc(p.article)}, '
            f'[{", ".join(map(esc, p.section))}], {esc(p.source)}{", 1]" if p.item else "]"}\n').encode("utf-8")


_DECODE = json.JSONDecoder().decode  # json.loads without its per-call checks and its guess at the bytes' encoding


def decode_passage(line: bytes, pid: int) -> Passage:
    text, cites, article, section, source, *item = _DECODE(line.decode("utf-8"))  # a sixth field, 1: a list item
    return Passage(text=text, citations=tuple(cites), article=article, section=tuple(section), source=source,
                   pid=pid, item=bool(item and item[0]))


class PassageLines(Sequence):
    """Passages kept as their encoded passages.jsonl lines (what an incremental build copies over)."""

    def __init__(self, lines: list[bytes]):
        self.lines = lines

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self.lines)
        return decode_passage(self.lines[i], i)


# -- locking ---------------------------------------------------------------------------------


def _seconds(s: float) -> str:
    """"0.2 s", "12 s": a wait as a person reads it (never "0 s" for a fraction)."""
    return f"{s:.0f} s" if s >= 10 else f"{s:.1f} s".replace(".0 s", " s")


@contextlib.contextmanager
def lock(index_dir: Path, *, wait: float = 120.0):
    """Exclusive build lock on ``index_dir/.lock``; waits up to ``wait`` seconds, then IndexBusyError."""
    index_dir = Path(index_dir)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(index_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise CitebotError(f"{index_dir}: cannot create the index folder or its lock ({e.strerror})") from None
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        f"{index_dir}: another reindex has been running for over {_seconds(wait)}; "
                        "wait for it to finish and try again"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


# -- writing ---------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write(index_dir: Path, built: Built) -> Path:
    """Write ``built`` as a new version and make it current. Call with the lock held."""
    import shutil  # here, not at the top: a cold ``ask`` only reads
    import uuid
    from datetime import datetime, timezone

    index_dir = Path(index_dir)
    tmp = index_dir / f".tmp-{uuid.uuid4().hex[:12]}"
    try:
        tmp.mkdir(parents=True)
        _write_files(tmp, built)
        load_version(tmp, tokenizer=built.tokenizer).passages.close()  # validate before serving it
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%f")
        final = index_dir / f"v-{stamp}-{uuid.uuid4().hex[:6]}"
        os.rename(tmp, final)
        link_tmp = index_dir / f".current-{uuid.uuid4().hex[:12]}"
        os.symlink(final.name, link_tmp)
        os.replace(link_tmp, index_dir / CURRENT)
        _fsync_dir(index_dir)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        reason = "the disk is full" if e.errno == errno.ENOSPC else e.strerror or str(e)
        raise CitebotError(
            f"{index_dir}: cannot write the index ({reason}); the previous index is still in use"
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(index_dir, keep=final.name)
    return final


def _link(source: Path, target: Path) -> None:
    """``target`` as a hard link to ``source``; a copy with its mtime where the file system has no hard links."""
    try:
        os.link(source, target)
    except OSError as e:
        if e.errno == errno.ENOSPC:
            raise
        import shutil

        shutil.copy2(source, target)


def _write_segments(folder: Path, built: Built) -> list[dict]:
    """Each segment in its sub-folder (hard links to an existing index's files, or written anew) with its id maps
    beside it; their manifest entries."""
    out = []
    for i, spec in enumerate(built.segments):
        name = f"seg{i}"
        sub = folder / name
        sub.mkdir()
        if spec.folder is not None:
            for f in sorted(Path(spec.folder).iterdir()):
                if f.is_file() and f.name != "manifest.json":
                    _link(f, sub / f.name)  # the same bytes and mtime: its manifest still vouches for them
            # its manifest without the per-file corpus records (4 MB at 20,000 files, read at every load otherwise)
            kept = {k: v for k, v in (spec.manifest or _read_manifest(Path(spec.folder))).items() if k != "corpus"}
            with open(sub / "manifest.json", "w", encoding="utf-8") as f:
                f.write(_manifest_text(kept))
                f.flush()
                os.fsync(f.fileno())
        else:
            _write_files(sub, spec.built)
        _fsync_dir(sub)  # its entries (the links) as well as its files
        np.save(folder / f"{name}.pid.npy", np.ascontiguousarray(spec.pid, dtype=np.int32), allow_pickle=False)
        np.save(folder / f"{name}.gid.npy", np.ascontiguousarray(spec.gid, dtype=np.int32), allow_pickle=False)
        out.append({"folder": name, "pid": f"{name}.pid.npy", "gid": f"{name}.gid.npy"})
    return out


def _write_files(folder: Path, built: Built) -> None:
    b = built.bm25
    segments = _write_segments(folder, built) if built.segments else None
    if segments is None:
        arrays = {
            "idf": b.idf, "max_weight": b.max_weight, "block_max": b.block_max, "indptr": b.indptr, "docs": b.docs,
            "tf": b.tf, "doc_len": b.doc_len, "fwd_indptr": b.fwd_indptr, "fwd_terms": b.fwd_terms,
            "fwd_tf": b.fwd_tf,
        }
    else:  # the postings, forward index and passages are the segments'; per passage and per term is here
        arrays = {"doc_len": b.doc_len}
    outline = built.structure or of_passages(built.passages)
    arrays.update(outline.arrays())
    for name, arr in arrays.items():
        np.save(folder / f"{name}.npy", np.ascontiguousarray(arr, dtype=ARRAY_DTYPES.get(name, arr.dtype)),
                allow_pickle=False)
    _wrote_json(folder / "terms.json", b.terms)
    if segments is None:
        offsets = np.zeros(len(built.passages) + 1, dtype=np.int64)
        lines = built.passages.lines if isinstance(built.passages, PassageLines) else [
            encode_passage(p) for p in built.passages]
        np.cumsum(np.fromiter(map(len, lines), dtype=np.int64, count=len(lines)), out=offsets[1:])
        with open(folder / "passages.jsonl", "wb", buffering=1 << 20) as f:
            f.writelines(lines)  # one call, not one a line (1M passages: 0.5 s)
        np.save(folder / "passage_offsets.npy", offsets, allow_pickle=False)
    _write_references(folder, built)
    (folder / "abbreviations.json").write_text(json.dumps(built.abbreviations, ensure_ascii=False), encoding="utf-8")
    (folder / HARVESTED).write_text(json.dumps(built.harvested, ensure_ascii=False), encoding="utf-8")
    (folder / STEMS).write_bytes(stems_table(built.stems))
    if isinstance(built.lexicon, bytes):
        (folder / "lexicon.json").write_bytes(built.lexicon)
    elif built.lexicon is not None:
        (folder / "lexicon.json").write_text(json.dumps(built.lexicon, ensure_ascii=False), encoding="utf-8")
    dense_meta = None
    if built.embeddings is not None:
        from . import dense

        dense_meta = dense.save(folder, built.embeddings)
    for p in folder.iterdir():
        if p.is_file():  # a segment's folder fsyncs its own files
            with open(p, "rb") as f:
                os.fsync(f.fileno())
    files = {}
    for p in sorted(folder.iterdir()):
        if p.is_file():
            st = p.stat()
            files[p.name] = {"bytes": st.st_size, "sha256": _sha256_file(p), "mtime_ns": st.st_mtime_ns}
    from datetime import datetime, timezone

    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tokenizer": built.tokenizer,
        "bm25": b.params.to_json(),
        "counts": {"passages": b.n_docs, "terms": len(b.terms), "files": len(built.corpus)},
        "pipeline": built.pipeline,
        "vocabulary": built.vocabulary,
        "corpus": built.corpus,
        "files": files,
    }
    if dense_meta is not None:
        manifest["dense"] = dense_meta
    if segments is not None:
        manifest["segments"] = segments
        manifest["gone_bytes"] = built.gone_bytes
    if built.lexicon_key is not None:
        manifest["lexicon"] = built.lexicon_key
    with open(folder / "manifest.json", "w", encoding="utf-8") as f:
        f.write(_manifest_text(manifest))
        f.flush()
        os.fsync(f.fileno())
    # the check of the version just written (``write``) does not parse it back: 4 MB at 20,000 files, 0.1 s of a
    # one-file edit at 1M passages. Every value in it is one JSON gives back as it is.
    _remember_json(folder / "manifest.json", manifest)


def _manifest_text(manifest: dict) -> str:
    """The manifest as JSON a person can read: a line per key, and per corpus file and index file. Each value is
    encoded by ``json``'s C encoder; ``indent`` would have used its pure-Python one (1M passages, 20,000 files:
    0.5 s of every reindex, a one-file edit's too)."""
    def line(key, value, pad: str) -> str:
        return f"{pad}{_ENCODE(key)}: {_ENCODE(value)}"

    parts = []
    for key, value in manifest.items():
        if key in ("corpus", "files") and isinstance(value, dict) and value:
            # one C call for all the records, then a line each: a record is an object of strings, numbers and lists,
            # so '}, "' occurs only between two records (a quote inside a string is escaped): 20,000 files 0.15 → 0.02 s
            rows = "  " + _ENCODE(value)[1:-1].replace('}, "', '},\n  "')
            parts.append(f" {_ENCODE(key)}: {{\n{rows}\n }}")
        else:
            parts.append(line(key, value, " "))
    return "{\n" + ",\n".join(parts) + "\n}\n"


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _prune(index_dir: Path, *, keep: str) -> None:
    """Drop versions older than the previous one, and leftovers of crashed builds."""
    import shutil

    versions = sorted((p for p in index_dir.glob("v-*") if p.is_dir() and p.name != keep), key=lambda p: p.name)
    for old in versions[: max(0, len(versions) - KEEP_PREVIOUS)]:
        shutil.rmtree(old, ignore_errors=True)
    for junk in index_dir.glob(".tmp-*"):
        shutil.rmtree(junk, ignore_errors=True)
    for junk in index_dir.glob(".current-*"):
        with contextlib.suppress(OSError):
            junk.unlink()


# -- reading ---------------------------------------------------------------------------------


class PassageStore:
    """Passages read on demand from ``passages.jsonl`` (only the hits are ever decoded), memory-mapped: a read is
    a slice, no seek and no system call (an answer reads 25 passages: its blocks' lists whole)."""

    def __init__(self, path: Path, offsets: np.ndarray):
        self._data = mapped(path)  # the map survives the version being pruned, as an open file would
        self._offsets = offsets

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def get(self, pid: int) -> Passage:
        return decode_passage(self._data[int(self._offsets[pid]) : int(self._offsets[pid + 1])], pid)

    def lines(self, start: int, end: int) -> list[bytes]:
        """The encoded lines of passages ``start`` to ``end`` (exclusive), as written."""
        if end <= start:
            return []
        return self._data[int(self._offsets[start]) : int(self._offsets[end])].splitlines(keepends=True)

    def close(self) -> None:
        if isinstance(self._data, mmap.mmap):
            self._data.close()


@dataclass
class Loaded:
    folder: Path
    manifest: dict
    bm25: BM25Index
    passages: PassageStore
    references: dict[str, dict[int, str]]
    missing: dict[str, list[int]]
    abbreviations: list = field(default_factory=list)
    embeddings: np.ndarray | None = None  # dense.py; None when the index has none
    structure: Structure | None = None  # article, section and parent of each passage (structure.py)


STEMS = "stems.tsv"
HARVESTED = "harvested.json"  # each corpus file's "long form (SHORT)" definitions: an edit harvests only what it reads


def read_harvested(folder: Path) -> dict | None:
    """``harvested.json`` of a version (None when it has none or it is unreadable)."""
    try:
        found = json.loads((Path(folder) / HARVESTED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def stems_table(stems: dict[str, str]) -> bytes:
    """``word <TAB> stem`` lines sorted by the word's UTF-8 bytes, as ``SortedTSV`` searches them (a word
    holds no tab or line break: the tokenizer splits on white space)."""
    # sorted as str: UTF-8 keeps code point order, so the bytes come out sorted too (half the time of encoding first)
    return "".join(f"{w}\t{stems[w]}\n" for w in sorted(stems)).encode("utf-8")


def read_stems(folder: Path):
    """The index's word → stem table (``stems.tsv``), searched in place (``.get``; nothing parsed); {} when it
    has none or it is unreadable (the tokenizer then stems those words itself)."""
    from .sortedtsv import SortedTSV

    try:
        return SortedTSV((Path(folder) / STEMS).read_bytes())
    except OSError:
        return {}


def read_stems_dict(folder: Path) -> dict[str, str]:
    """The index's word → stem table as a dict (an incremental reindex preloads and extends it)."""
    table = read_stems(folder)
    return table.as_dict() if table else {}


def read_lexicon(folder: Path) -> dict | None:
    """The lexicon stored at build time (``lexicon.json``), or None."""
    try:
        found = json.loads((Path(folder) / "lexicon.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def resolve(index_dir: Path) -> Path:
    link = Path(index_dir) / CURRENT
    if not link.exists() and not link.is_symlink():
        raise IndexMissingError(f"{index_dir}: there is no index yet; run `citebot reindex`")
    target = link.resolve()
    if not target.is_dir():
        raise IndexFormatError(f"{index_dir}: 'current' points at a missing version; run `citebot reindex`")
    return target


def read_manifest(index_dir: Path) -> dict:
    return _manifest(resolve(index_dir))


_last_manifest: tuple[tuple, dict] | None = None  # (the file's identity, the manifest read from it)
_written: dict[tuple, object] = {}  # identity of a JSON file this process just wrote → what it wrote (``_read_json``)
WRITTEN_KEPT = 8  # a version in segments writes six (terms, references' index and manifest, its own and its delta's)


def _identity(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _wrote_json(path: Path, value) -> None:
    """``value`` written to ``path`` as JSON; remembered, so the check of the version just written (``write``) does
    not parse it back (terms.json: 80,000 terms at 1M passages). Its bytes are still hashed from the disk for the
    manifest."""
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    _remember_json(path, value)


def _remember_json(path: Path, value) -> None:
    """``value``, just written to ``path`` as JSON, as what ``_read_json`` gives while the file is the same."""
    ident = _identity(path)
    if ident is not None:
        if len(_written) >= WRITTEN_KEPT:
            _written.clear()
        _written[ident] = value


def _read_json(path: Path):
    found = _written.get(_identity(path), _written)  # (the dict itself: not found)
    return json.loads(path.read_text(encoding="utf-8")) if found is _written else found


def _manifest(folder: Path) -> dict:
    """The version's manifest, checked; read once per process while the file is the same (the staleness check
    and the load that follows it both need it: 0.5 MB of JSON at 100k passages). Callers must not change it."""
    global _last_manifest
    ident = _identity(folder / "manifest.json")
    if ident is not None and _last_manifest is not None and _last_manifest[0] == ident:
        return _last_manifest[1]
    manifest = _read_manifest(folder)
    if ident is not None:
        _last_manifest = (ident, manifest)
    return manifest


def _read_manifest(folder: Path) -> dict:
    try:
        manifest = _read_json(folder / "manifest.json")
    except FileNotFoundError:
        raise IndexFormatError(f"{folder}: manifest.json is missing; run `citebot reindex`") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise IndexFormatError(f"{folder}/manifest.json is unreadable ({e}); run `citebot reindex`") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexFormatError(f"{folder}: not a citebot index (manifest format); run `citebot reindex`")
    if manifest.get("version") != VERSION:
        raise IndexFormatError(
            f"{folder}: index format version {manifest.get('version')!r}, this citebot reads {VERSION}; "
            "run `citebot reindex`"
        )
    return manifest


def load(index_dir: Path, *, tokenizer: dict, verify: str = "auto") -> Loaded:
    """Load the current version. If a swap (or two) lands while loading, load the new one instead."""
    for _ in range(3):
        folder = resolve(index_dir)
        try:
            return load_version(folder, tokenizer=tokenizer, verify=verify)
        except IndexFormatError:
            if resolve(index_dir) == folder:
                raise
    return load_version(resolve(index_dir), tokenizer=tokenizer, verify=verify)


def _check_file(path: Path, meta: dict, verify: str) -> None:
    """Size always; sha256 for small files, and for large ones when their mtime is not the recorded one."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise IndexFormatError(f"{path} is missing; run `citebot reindex`") from None
    if not path.is_file():
        raise IndexFormatError(f"{path} is not a file; run `citebot reindex`")
    if st.st_size != meta["bytes"]:
        raise IndexFormatError(
            f"{path} is {st.st_size} bytes, the manifest says {meta['bytes']} (truncated or edited); run `citebot reindex`"
        )
    if verify == "auto" and st.st_size > ALWAYS_HASH_BYTES and st.st_mtime_ns == meta.get("mtime_ns"):
        return
    if _sha256_file(path) != meta["sha256"]:
        raise IndexFormatError(f"{path} does not match its checksum (edited?); run `citebot reindex`")


def _largest_id(ids: np.ndarray, indptr: np.ndarray, whole: bool) -> int:
    """The largest of ``ids`` (ascending within each run ``indptr`` delimits): every id read when ``whole``
    (``verify="full"``), else the last of each run. A file whose bytes were hashed holds the ids that were
    written; one trusted by its size and mtime is checked at its runs' ends (at 1M passages reading all 200 MB
    of ids took longer than the rest of a cold ask)."""
    if not len(ids):
        return -1
    if whole:
        return int(ids.max())
    ends = indptr[1:][indptr[1:] > indptr[:-1]] - 1
    return int(ids[ends].max()) if len(ends) else -1


def _arrays(folder: Path, files: dict, names) -> dict[str, np.ndarray]:
    arrays = {}
    for name in names:
        if f"{name}.npy" not in files:
            raise IndexFormatError(f"{folder}: {name}.npy is not in the manifest; run `citebot reindex`")
        arr = np.load(folder / f"{name}.npy", allow_pickle=False, mmap_mode="r")
        if arr.ndim != 1 or (arr.dtype not in COUNT_DTYPES if name in ("tf", "fwd_tf")
                             else arr.dtype != ARRAY_DTYPES[name]):
            raise IndexFormatError(f"{folder}/{name}.npy has the wrong type; run `citebot reindex`")
        arrays[name] = np.asarray(arr)  # a plain ndarray over the mapping: slicing a memmap is slower
    return arrays


def _outline(folder: Path, arrays: dict, n_docs: int) -> Structure:
    outline = Structure(**{name: arrays.pop(name) for name in OUTLINE_ARRAYS})
    if not all(len(a) == n_docs for a in outline.arrays().values()) or (
            n_docs and (int(outline.parent_of.max()) >= n_docs or int(outline.parent_of.min()) < -1)):
        raise IndexFormatError(f"{folder}: the outline arrays do not agree with the passages; run `citebot reindex`")
    return outline


def _single(folder: Path, manifest: dict, terms: list, params: BM25Params, verify: str):
    """A single index's postings, passage offsets and outline (the files checked already)."""
    files = manifest["files"]
    arrays = _arrays(folder, files, ARRAYS + OUTLINE_ARRAYS)
    offsets = np.load(folder / "passage_offsets.npy", allow_pickle=False)
    n_docs, n_terms = len(arrays["doc_len"]), len(terms)
    consistent = (
        n_docs == manifest["counts"]["passages"] == len(offsets) - 1
        and len(arrays["idf"]) == n_terms == len(arrays["max_weight"])
        and len(arrays["indptr"]) == n_terms + 1
        and len(arrays["fwd_indptr"]) == n_docs + 1
        and int(arrays["indptr"][-1]) == len(arrays["docs"]) == len(arrays["tf"])
        and len(arrays["block_max"]) == -(-len(arrays["docs"]) // (1 << BLOCK_SHIFT))
        and int(arrays["fwd_indptr"][-1]) == len(arrays["fwd_terms"]) == len(arrays["fwd_tf"])
        and _largest_id(arrays["docs"], arrays["indptr"], verify == "full") < n_docs
        and _largest_id(arrays["fwd_terms"], arrays["fwd_indptr"], verify == "full") < n_terms
    )
    if not consistent:
        raise IndexFormatError(f"{folder}: the index files do not agree with each other; run `citebot reindex`")
    outline = _outline(folder, arrays, n_docs)
    return BM25Index(terms=terms, params=params, **arrays), offsets, outline


def _ascending(ids: np.ndarray) -> bool:
    """Whether the ids other than -1 are strictly ascending."""
    kept = ids[ids >= 0]
    return bool(np.all(kept[1:] > kept[:-1]))


def _segmented(folder: Path, manifest: dict, terms: list, params: BM25Params, tokenizer: dict, verify: str):
    """A version in segments (segments.py): each segment's index, checked as a single one, and the whole."""
    from .segments import Segment, SegmentedIndex, SegmentedPassages

    arrays = _arrays(folder, manifest["files"], ("doc_len",) + OUTLINE_ARRAYS)
    doc_len = arrays.pop("doc_len")
    n_docs = len(doc_len)
    if n_docs != manifest["counts"]["passages"]:
        raise IndexFormatError(f"{folder}: doc_len.npy does not agree with the manifest; run `citebot reindex`")
    outline = _outline(folder, arrays, n_docs)
    segments, stores = [], []
    try:
        for spec in manifest["segments"]:
            sub = folder / spec["folder"]
            sub_manifest = _read_manifest(sub)
            if sub_manifest.get("tokenizer") != tokenizer or sub_manifest.get("bm25") != manifest.get("bm25"):
                raise IndexFormatError(f"{sub}: a segment built with other settings; run `citebot reindex`")
            for name, meta in sub_manifest["files"].items():
                _check_file(sub / name, meta, verify)
            sub_terms = _read_json(sub / "terms.json")
            bm25, offsets, _ = _single(sub, sub_manifest, sub_terms, params, verify)
            pid = np.load(folder / spec["pid"], allow_pickle=False)
            gid = np.load(folder / spec["gid"], allow_pickle=False)
            if not (pid.dtype == gid.dtype == np.int32 and pid.ndim == gid.ndim == 1 and len(pid) == bm25.n_docs
                    and len(gid) == len(sub_terms) and (not len(pid) or -1 <= int(pid.min()) and int(pid.max()) < n_docs)
                    and (not len(gid) or -1 <= int(gid.min()) and int(gid.max()) < len(terms))
                    and _ascending(pid) and _ascending(gid)):  # both keep their order: sorted corpus, sorted vocabulary
                raise IndexFormatError(f"{folder}: segment {spec['folder']}'s id maps do not agree; run `citebot reindex`")
            stores.append(PassageStore(sub / "passages.jsonl", offsets))
            segments.append(Segment(bm25=bm25, pid=pid, gid=gid))
        if sum(int((s.pid >= 0).sum()) for s in segments) != n_docs:
            raise IndexFormatError(f"{folder}: the segments' passages do not make up the index; run `citebot reindex`")
        index = SegmentedIndex(terms=terms, segments=segments, doc_len=doc_len, params=params)
    except (ValueError, IndexError) as e:
        for st in stores:
            st.close()
        raise IndexFormatError(f"{folder}: the segments do not agree ({e}); run `citebot reindex`") from None
    except BaseException:
        for st in stores:
            st.close()
        raise
    return index, SegmentedPassages(stores, index.seg_of, index.local_of), outline


def load_version(folder: Path, *, tokenizer: dict, verify: str = "auto") -> Loaded:
    """Open one version, checking it first (``verify``: "auto" or "full", see ``ALWAYS_HASH_BYTES``)."""
    if verify not in ("auto", "full"):
        raise ValueError(f"verify must be 'auto' or 'full', not {verify!r}")
    manifest = _manifest(folder)
    if manifest.get("tokenizer") != tokenizer:
        raise IndexFormatError(f"{folder}: built with other tokenizer settings; run `citebot reindex`")
    segmented = "segments" in manifest
    try:
        files = manifest["files"]
        for name, meta in files.items():
            _check_file(folder / name, meta, verify)
        terms = _read_json(folder / "terms.json")
        references, missing = _read_references(folder)
        abbreviations = (json.loads((folder / "abbreviations.json").read_text(encoding="utf-8"))
                         if "abbreviations.json" in files else [])
        params = BM25Params(**{k: manifest["bm25"][k] for k in ("k1", "b", "delta", "variant")})
        if segmented:
            bm25, passages, outline = _segmented(folder, manifest, terms, params, tokenizer, verify)
            embeddings = None
        else:
            bm25, offsets, outline = _single(folder, manifest, terms, params, verify)
            from . import dense

            embeddings = dense.load(folder, manifest, len(offsets) - 1)
    except IndexFormatError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise IndexFormatError(f"{folder}: unreadable index ({e}); run `citebot reindex`") from None
    if not segmented:
        try:
            passages = PassageStore(folder / "passages.jsonl", offsets)
        except OSError as e:  # the version was pruned by two swaps while we loaded it: load() retries
            raise IndexFormatError(f"{folder}/passages.jsonl is unreadable ({e.strerror}); run `citebot reindex`") from None
    return Loaded(
        folder=folder, manifest=manifest, bm25=bm25,
        passages=passages,
        references=references, missing=missing, abbreviations=abbreviations,
        embeddings=embeddings, structure=outline,
    )
