"""Pick the parser for a corpus file by its suffix."""

from __future__ import annotations

from ..model import Article
from . import SUFFIXES, jsonl, markdown, pagetext


def parse_article(text: str, *, source: str) -> list[Article]:
    """Parse one decoded corpus file; ``source`` is its path relative to the corpus folder."""
    kind = SUFFIXES.get("." + source.rsplit(".", 1)[-1].lower()) if "." in source else None
    if kind == "markdown":
        return [markdown.parse(text, source=source)]
    if kind == "jsonl":
        return jsonl.parse(text, source=source)
    return [pagetext.parse(text, source=source)]
