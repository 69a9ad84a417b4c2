"""Article parsers: page text, Markdown and JSONL documents.

``SUFFIXES`` lives here and the parsers load at the first article parsed: the staleness check before every
cold ``ask`` scans the corpus for these suffixes but parses nothing (importing the parsers cost it ~8 ms)."""

from __future__ import annotations

SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "pagetext", ".jsonl": "jsonl"}


def parse_article(text: str, *, source: str):
    """Parse one decoded corpus file (``dispatch.parse_article``)."""
    from .dispatch import parse_article as parse

    return parse(text, source=source)


__all__ = ["SUFFIXES", "parse_article"]
