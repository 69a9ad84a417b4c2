"""JSONL document files (BEIR ``corpus.jsonl`` style): one document per line.

Each line is an object with ``_id`` or ``id``, and ``title`` and ``text``. Each document is an
article; its passages are its paragraphs (split at blank lines); its source is
``<file>#<id>``. Documents carry no reference list.
"""

from __future__ import annotations

import json
import re

from ..errors import CorpusError
from ..model import Article, Passage

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def parse(text: str, *, source: str) -> list[Article]:
    articles: list[Article] = []
    seen: set[str] = set()
    # split on newlines only: splitlines() would also cut at U+2028 or NEL, which JSON strings may hold raw
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as e:
            raise CorpusError(source, f"not a JSON object ({e.msg}); each line must be one document", line=lineno)
        if not isinstance(doc, dict):
            raise CorpusError(source, "expected a JSON object with _id, title and text", line=lineno)
        doc_id = doc.get("_id", doc.get("id"))
        if doc_id is None or str(doc_id).strip() == "":
            raise CorpusError(source, 'document has no "_id" or "id"', line=lineno)
        doc_id = str(doc_id)
        if doc_id in seen:
            raise CorpusError(source, f"document id {doc_id!r} appears twice", line=lineno)
        seen.add(doc_id)
        title = str(doc.get("title") or "").strip()
        body = doc.get("text") or ""
        if not isinstance(body, str):
            raise CorpusError(source, '"text" must be a string', line=lineno)
        doc_source = f"{source}#{doc_id}"
        article = title or doc_id
        paras = [re.sub(r"\s+", " ", p).strip() for p in PARAGRAPH_BREAK.split(body)]
        passages = tuple(
            Passage(text=p, citations=(), article=article, section=(), source=doc_source) for p in paras if p
        )
        if not passages and title:
            passages = (Passage(text=title, citations=(), article=article, section=(), source=doc_source),)
        articles.append(Article(source=doc_source, title=article, passages=passages, references={}))
    return articles
