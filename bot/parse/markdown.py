"""Markdown articles.

``#`` headings (the first level-1 heading is the title), ``-``/``*``/``+`` and numbered bullets
nested by indentation, citations as ``[1]``, ``[1, 3]`` or ``[1-3]`` anywhere in a line, and a
``## References`` (or ``Bibliography``) section holding a numbered list (``1. …`` or ``[1] …``).
Front matter, HTML comments and code fences are skipped; inline emphasis, code and links are reduced
to their text.
"""

from __future__ import annotations

import re

from .. import logs
from ..model import Article
from . import citations
from .outline import Block, assemble

HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
ITEM = re.compile(r"^(\s*)(?:[-*+]|\d{1,4}[.)])\s+(.*)$")
REF_ITEM = re.compile(r"^\s*(?:[-*+]\s+)?(?:\[(\d{1,4})\]|(\d{1,4})[.)])\s+(.+)$")
FENCE = re.compile(r"^\s*(```|~~~)")
log = logs.get(__name__)
INLINE = [  # (strings one of which a match needs, pattern, replacement)
    (("![",), re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images
    (("](",), re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links
    (("**", "__"), re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (("*", "_"), re.compile(r"(?<!\w)([*_])(\S(?:.*?\S)?)\1(?!\w)"), r"\2"),
    (("`",), re.compile(r"`([^`]*)`"), r"\1"),
    (("<!--",), re.compile(r"<!--.*?-->"), ""),
    (("<",), re.compile(r"<[^>\s]+>"), ""),
]
# a line none of whose strings are in it (most lines: a citation's "[1]" is not a link) runs no pattern
MARKUP = re.compile("|".join(re.escape(n) for needs, _, _ in INLINE for n in needs))
QUOTE = re.compile(r"^(>\s?)+")


def _inline(text: str) -> str:
    if MARKUP.search(text) is None:
        return text.strip()
    for needs, pattern, repl in INLINE:
        if any(c in text for c in needs):
            text = pattern.sub(repl, text)
    return text.strip()


def _unquoted(s: str) -> str:
    """A stripped line without its ``>`` quote marks."""
    return QUOTE.sub("", s).strip() if s.startswith(">") else s


def _strip(text: str) -> tuple[str, list[int]]:
    return citations.split_bracketed(_inline(text))


def parse(text: str, *, source: str) -> Article:
    lines = [ln.rstrip().expandtabs(4) for ln in text.splitlines()]
    lines = _drop_front_matter(lines)
    blocks: list[Block] = []
    refs: dict[int, str] = {}
    title: str | None = None
    in_refs_level: int | None = None
    last_ref = 0
    indents: list[int] = []
    in_fence = False
    in_comment = False
    i = 0
    while i < len(lines):
        raw = lines[i]
        s = raw.strip()
        i += 1
        if FENCE.match(raw):
            in_fence = not in_fence
            continue
        if in_comment:
            in_comment = "-->" not in s
            continue
        if s.startswith("<!--") and "-->" not in s:
            in_comment = True
            continue
        if in_fence or not s:
            continue
        s = _unquoted(s)
        if not s.strip("-|: "):  # nothing but a table's rule
            continue
        level, head = _heading(lines, i - 1)
        if head is not None:
            if not HEADING.match(raw):
                i += 1  # consume the underline
            head = _inline(head)
            if in_refs_level is not None and level <= in_refs_level:
                in_refs_level = None
            if citations.REFERENCES.match(head):
                in_refs_level = level
                continue
            if title is None and level == 1:
                title = head
                continue
            if in_refs_level is None:
                blocks.append(Block("heading", head, level=level, line=i))
                indents = []
            continue
        if in_refs_level is not None:
            m = REF_ITEM.match(raw)
            if m:
                number = int(m.group(1) or m.group(2))
                if number in refs:  # ambiguous: keep the first, never silently swap texts
                    log.warning("%s line %d: reference %d listed twice; keeping the first", source, i, number)
                else:
                    refs[number] = _inline(m.group(3))
                last_ref = number
            elif refs and last_ref in refs:
                refs[last_ref] = f"{refs[last_ref]} {_inline(s)}"
            continue
        m = ITEM.match(raw)
        if m:
            indent = len(m.group(1))
            while indents and indents[-1] > indent:
                indents.pop()
            if not indents or indent > indents[-1]:
                indents.append(indent)
            text, cites = _strip(m.group(2))
            blocks.append(Block("item", text, level=len(indents) - 1, cites=cites, line=i))
            continue
        if blocks and blocks[-1].kind == "item" and raw.startswith(" "):
            text, cites = _strip(s)
            prev = blocks[-1]
            prev.text = f"{prev.text} {text}"
            prev.cites.extend(n for n in cites if n not in prev.cites)
            continue
        para = [s]
        start = i
        while i < len(lines) and lines[i].strip() and not ITEM.match(lines[i]) and _heading(lines, i)[1] is None:
            if FENCE.match(lines[i]) or (i + 1 < len(lines) and SETEXT.match(lines[i + 1])):
                break
            para.append(_unquoted(lines[i].strip()))
            i += 1
        texts, cites = [], []
        for part in para:
            t, c = _strip(part)
            texts.append(t)
            cites.extend(n for n in c if n not in cites)
        blocks.append(Block("para", " ".join(t for t in texts if t), cites=cites, line=start))
        indents = []
    article_title = title or _fallback_title(blocks, source)
    passages = assemble(blocks, article=article_title, source=source)
    return Article(source=source, title=article_title, passages=tuple(passages), references=refs)


def _heading(lines: list[str], i: int) -> tuple[int, str | None]:
    m = HEADING.match(lines[i]) if "#" in lines[i] else None
    if m:
        return len(m.group(1)), m.group(2)
    if (
        i + 1 < len(lines)
        and SETEXT.match(lines[i + 1])
        and lines[i].strip()
        and not ITEM.match(lines[i])
        and (i == 0 or not lines[i - 1].strip())
    ):
        return (1 if lines[i + 1].strip()[0] == "=" else 2), lines[i].strip()
    return 0, None


def _drop_front_matter(lines: list[str]) -> list[str]:
    if lines and lines[0].strip() == "---":
        for j in range(1, min(len(lines), 200)):
            if lines[j].strip() in ("---", "..."):
                return [""] * (j + 1) + lines[j + 1 :]
    return lines


def _fallback_title(blocks: list[Block], source: str) -> str:
    for b in blocks:
        if b.kind == "heading":
            return b.text
    stem = source.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return stem.replace("-", " ").replace("_", " ").strip() or source
