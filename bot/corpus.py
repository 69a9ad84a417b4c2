"""Finding and reading the articles of a corpus folder.

Policy (also in the README):

* Articles are files ending ``.md``/``.markdown`` (Markdown), ``.txt`` (page text) or ``.jsonl``
  (one document per line), found in the corpus folder and its sub-folders.
* Hidden files and folders (``.name``) and editor leftovers (``name~``, ``#name#``, ``.swp``) are
  skipped, as are files with other suffixes.
* A symbolic link is followed only when it points inside the corpus folder; one that points outside
  is refused (skipped with a warning), so a corpus cannot pull in arbitrary files.
* Files must be UTF-8 (a BOM is allowed). Undecodable bytes, NUL bytes (a binary file) or a file over
  the size limit fail the reindex with the file, and the line where it makes sense, named.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import NamedTuple

from . import logs
from .errors import CorpusError, EmptyCorpusError
from .model import Article
from .parse import SUFFIXES, parse_article

log = logs.get(__name__)

MAX_ARTICLE_BYTES = 16 * 1024 * 1024  # a Markdown or text article larger than this is not an article
MAX_JSONL_BYTES = 4 * 1024 * 1024 * 1024


class CorpusFile(NamedTuple):
    """One article file as a scan found it (a named tuple: the staleness check before every cold ``ask`` makes
    one per corpus file, and a frozen dataclass costs twice as much to make)."""

    rel: str  # path relative to the corpus folder, with "/" separators: the passages' source
    where: str  # the file's path (a string: a scan makes thousands, a ``Path`` each costs)
    size: int
    mtime_ns: int

    @property
    def path(self) -> Path:
        return Path(self.where)


def _skipped(name: str) -> bool:
    return name.startswith(".") or name.endswith("~") or (name.startswith("#") and name.endswith("#")) or name.endswith(
        (".swp", ".swo", ".tmp", ".bak", ".orig")
    )


def _inside(link: Path, real_root: Path) -> bool:
    """Whether a symbolic link points inside the corpus folder; says so in the log when it does not."""
    if link.resolve().is_relative_to(real_root):
        return True
    log.warning("corpus: skipping %s: the link points outside the corpus folder", link)
    return False


def scan(corpus_dir: Path) -> list[CorpusFile]:
    """Every article file of the corpus, sorted by relative path. ``os.scandir``: one ``stat`` per file
    (the staleness check before every cold ``ask`` runs this over the whole corpus)."""
    root = Path(corpus_dir)
    if not root.is_dir():
        raise CorpusError(str(root), "the corpus folder does not exist; create it or pass --corpus DIR")
    real_root = root.resolve()
    found: list[CorpusFile] = []
    pending = [(str(root), "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as e:
            raise CorpusError(folder, f"cannot be read ({e.strerror})") from None
        for entry in entries:
            name = entry.name
            if _skipped(name):
                continue
            is_link = entry.is_symlink()
            if entry.is_dir(follow_symlinks=False):
                pending.append((entry.path, f"{prefix}{name}/"))
                continue
            if is_link and Path(entry.path).is_dir():
                if _inside(Path(entry.path), real_root):
                    log.warning("corpus: not following folder link %s (link the files instead)", entry.path)
                continue
            dot = name.rfind(".")
            if dot <= 0 or name[dot:].lower() not in SUFFIXES:  # os.path.splitext's suffix, without its cost
                continue
            if is_link:
                p = Path(entry.path)
                if not _inside(p, real_root):
                    continue
                if not p.resolve().is_file():
                    log.warning("corpus: skipping %s: broken link", p)
                    continue
            try:
                st = entry.stat()  # a link's target (links were checked above)
            except OSError as e:
                raise CorpusError(entry.path, f"cannot be read ({e.strerror})") from None
            found.append(CorpusFile(rel=prefix + name, where=entry.path, size=st.st_size, mtime_ns=st.st_mtime_ns))
    return sorted(found, key=lambda f: f.rel)


def read_bytes(cf: CorpusFile) -> bytes:
    limit = MAX_JSONL_BYTES if cf.rel.lower().endswith(".jsonl") else MAX_ARTICLE_BYTES
    if cf.size > limit:
        raise CorpusError(
            str(cf.path), f"is {cf.size:,} bytes, over the {limit:,}-byte limit for one article; split it"
        )
    try:
        return cf.path.read_bytes()
    except OSError as e:
        raise CorpusError(str(cf.path), f"cannot be read ({e.strerror}); fix its permissions or remove it") from None


def decode(data: bytes, path: str) -> str:
    """UTF-8 text (BOM dropped, CRLF/CR folded to LF). Errors name the line."""
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise CorpusError(path, "holds NUL bytes: this looks like a binary file, not an article", line=line)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise CorpusError(
            path, f"not UTF-8 (byte 0x{data[e.start]:02x} at column {col}); save the file as UTF-8", line=line
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_articles(cf: CorpusFile) -> tuple[list[Article], str]:
    """Parse one corpus file; returns its articles and the content hash of its bytes."""
    data = read_bytes(cf)
    return parse_bytes(cf, data), sha256(data)


def parse_bytes(cf: CorpusFile, data: bytes) -> list[Article]:
    """The articles of one corpus file whose bytes were already read."""
    text = decode(data, str(cf.path))
    try:
        articles = parse_article(text, source=cf.rel)
    except CorpusError as e:
        if e.path == cf.rel:  # re-locate the error at the real path
            raise CorpusError(str(cf.path), str(e).split(": ", 1)[1], line=e.line) from None
        raise
    return articles


def require_passages(n_passages: int, corpus_dir: Path, n_files: int) -> None:
    if n_passages == 0:
        what = "no article files" if n_files == 0 else f"{n_files} file(s) but no passage in any of them"
        raise EmptyCorpusError(
            f"{corpus_dir}: the corpus has {what}; add a .md, .txt or .jsonl article and run `citebot reindex`"
        )
