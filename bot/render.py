"""Answers as terminal text and as JSON lines."""

from __future__ import annotations

import json
import os
import sys
import textwrap

from .model import Answer

NOT_FOUND = "I couldn't find that in the articles."


def as_json(answer: Answer) -> str:
    return json.dumps(answer.to_json(), ensure_ascii=False)


def columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size`` finds it (``COLUMNS``, else the terminal of standard
    output, else 80), without importing shutil (with zlib, bz2 and lzma: 2–3 ms of a cold ``citebot ask``)."""
    try:
        width = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        width = 0
    if width <= 0:
        try:
            width = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            width = 0
    return width if width > 0 else 80


def terminal_width(stream) -> int | None:
    """The terminal's width when ``stream`` is one; None (no wrapping) when output is piped."""
    try:
        return columns() if stream.isatty() else None
    except (AttributeError, ValueError, OSError):
        return None


def _wrap(text: str, width: int | None, first: str, rest: str) -> list[str]:
    """``text`` wrapped at ``width`` (never mid-word: a file name or a long word stays whole); one line when
    ``width`` is None."""
    if width is None:
        return [first + text]
    return textwrap.wrap(text, width=max(width, len(rest) + 20), initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first]


def _cites(numbers) -> str:
    return f" [{', '.join(map(str, numbers))}]" if numbers else ""


def _block_lines(i: int, block, width: int | None) -> list[str]:
    lines = _wrap(" › ".join([block.article, *block.section]), width, f"{i}. ", "   ")
    if block.lead is not None or len(block.items) > 1:  # a list: under its lead-in, or its heading
        if block.lead is not None:
            lines += _wrap(block.lead.text + _cites(block.lead.citations), width, "   ", "   ")
        for item in block.items:
            pad = "   " + "  " * (item.depth + 1)
            mark = "▸ " if item.matched else "• "
            lines += _wrap(item.text + _cites(item.citations), width, pad[:-2] + mark, pad)
        if block.more:
            lines.append(f"   + {block.more} more (:more shows the whole list)")
    else:
        for item in block.items:
            lines += _wrap(item.text + _cites(item.citations), width, "   ", "   ")
    return lines


def as_text(answer: Answer, *, width: int | None = 100, start: int = 1) -> str:
    """An answer for the terminal: each block (``assemble.py``) as the article shows it — its section path
    once, the lead-in, its items nested with ``[n]`` after each (▸ marks the items that matched) — then the
    references per article, sorted by number. ``width`` None: no wrapping (piped output)."""
    if not answer.answered:
        why = f" ({answer.reason})" if answer.reason else ""
        return NOT_FOUND + why
    lines: list[str] = []
    if answer.blocks:
        for i, block in enumerate(answer.blocks, start):
            lines += _block_lines(i, block, width)
            lines.append("")
    for i, hit in enumerate(() if answer.blocks else answer.hits, start):
        p = hit.passage
        where = " › ".join([p.article, *p.section])
        lines += _wrap(f"{where}{_cites(p.citations)}", width, f"{i}. ", "   ")
        lines += _wrap(p.text, width, "   ", "   ")
        lines.append("")
    by_source: dict[str, list] = {}
    for r in answer.references:
        by_source.setdefault(r.source, []).append(r)
    for source, refs in by_source.items():  # an answer from several articles lists each one's references
        lines.append(f"References — {source}")
        for r in sorted(refs, key=lambda r: r.number):
            text = r.text if not r.missing else "(missing: the article cites this number but does not list it)"
            lines += _wrap(f"[{r.number}] {text}", width, "  ", "      ")
    return "\n".join(lines).rstrip()
