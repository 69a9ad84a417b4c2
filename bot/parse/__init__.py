"""Article parsers: page text, Markdown and JSONL documents."""

from .dispatch import SUFFIXES, parse_article

__all__ = ["SUFFIXES", "parse_article"]
