"""The page-text format: an article copied as text from a web page.

Layout, as the seed shows it::

    (site navigation, banners)      <- page furniture, when the copy starts above the title
    Page title                      <- the first line standing alone that is not a sentence
    (site banners, review status,   <- page furniture
     "Personalize" prompts)
    Heading                         <- the body starts at the heading above the first cited line
    Paragraph text 1                <- trailing numbers are citations: "1", "2, 6", "12, 3-5"
    Lead-in line:
      • Bullet 1, 4                 <- "•" bullets, nested by indentation
        • Sub-bullet
    References                      <- a line reading just "References"
    Type line / title / source line <- one entry per group; the source line ends with a year
    (disclaimer, "follow-up" blocks) <- furniture: everything after the last reference entry

Furniture is recognised by that layout, not by its wording: the body is the stretch from the
heading directly above the first line that carries a citation to the ``References`` line, and the
reference list ends at the first group of lines that is not a reference entry (no source line with a
year within four lines). A page with no citation at all keeps everything after its title.

The title is found by layout too: the first line between blank lines (or the text's start) that does not end as a
sentence does (".", ";", ",", ":"), above the heading the body starts at, and is one phrase — a site's navigation
lines ("Skip to content", "Home", "Sign in") come as one block, and its cookie notice as sentences run on in one line,
often ending in a bar of links ("Accept | Reject non-essential | Cookie policy"); a page without such a line, or without
a citation, keeps its first line, and its passages are those the first line as title gives.

Plain text does not mark heading levels: the first heading of the body is the top heading, and a
heading directly followed by another heading is read as that heading's parent.
"""

from __future__ import annotations

import re

from ..model import Article
from . import citations
from .outline import Block, assemble

BULLET = re.compile(r"^(\s*)[•◦▪‣●○■□\-–*]\s+(.*)$")
NUMBERED_REF = re.compile(r"^\s*\[?(\d{1,4})[.)\]]\s+(.+)$")
YEAR_END = re.compile(r"\b(1[89]\d\d|20\d\d)[a-z]?\W*$")
MAX_HEADING_CHARS = 120
MAX_HEADING_WORDS = 14
MAX_REF_LINES = 4
MAX_TITLE_CHARS = 200


def _alone(lines: list[str], i: int) -> bool:
    """Whether line ``i`` has text and stands between blank lines (or the text's ends), not a bullet."""
    return (bool(lines[i].strip()) and not BULLET.match(lines[i]) and (i == 0 or not lines[i - 1].strip())
            and (i + 1 >= len(lines) or not lines[i + 1].strip()))


def _is_heading(lines: list[str], i: int) -> bool:
    s = lines[i].strip()
    return (_alone(lines, i) and len(s) <= MAX_HEADING_CHARS and len(s.split()) <= MAX_HEADING_WORDS
            and s[-1] not in ".:;,!" and not citations.split_trailing(s)[1])


def _title_at(lines: list[str], first: int, end: int) -> int:
    """Where the title is among ``lines[first:end]``, the text above the body (see the module's docstring): ``first``
    when none stands alone ("Gout" over a subtitle line keeps its title, and the body's first heading is not taken).
    A title is one phrase or question: a line holding a sentence's end and more after it, or a bar of short links,
    is a banner however it ends ("This site uses cookies. Some are essential … Accept | Reject | Cookie policy")."""
    for i in range(first, end):
        line = lines[i].strip()
        if _alone(lines, i) and len(line) <= MAX_TITLE_CHARS and line[-1] not in ".;,:" and not _banner(line):
            return i
    return first


# a sentence's end inside a line: three words or more, the last of them lower-case, then "." or "!" and a capital
# ("This site uses cookies. Some …"); not "Gout! What you need to know", "Candida spp. Infections", "Ask Prof. Smith",
# "U.S. Guidelines", "Adults: management. NICE guideline", nor a title of two questions ("What is gout? How …")
SENTENCE_INSIDE = re.compile(r"\b[A-Za-z]+(?: [a-z]+){2,}[.!][\"')\]]?\s+[A-Z]")
LINK_WORDS = 3  # a link in a bar of links is this many words at most ("Reject non-essential", "Manage cookie settings")


def _banner(line: str) -> bool:
    """Whether a line is page furniture by its shape: sentences run on in one line, or a bar of short links ("Sign in
    | Register | Subscribe"). A title with its site after one bar ("Gout | NHS inform") is no banner."""
    if SENTENCE_INSIDE.search(line):
        return True
    links = line.split(" | ")
    return len(links) >= 3 and all(len(link.split()) <= LINK_WORDS for link in links)


def _parse_references(lines: list[str]) -> dict[int, str]:
    """Entries after the References line; stops at the first group that is not an entry."""
    body = [ln.strip() for ln in lines if ln.strip()]
    refs: dict[int, str] = {}
    if body and NUMBERED_REF.match(body[0]):
        for ln in body:
            m = NUMBERED_REF.match(ln)
            if m:
                last = int(m.group(1))
                refs.setdefault(last, m.group(2).strip())  # a duplicate number keeps the first entry
            elif refs:
                refs[last] = f"{refs[last]} {ln}"
        return refs
    entry: list[str] = []
    for ln in body:
        entry.append(ln)
        if YEAR_END.search(ln):
            refs[len(refs) + 1] = _format_entry(entry)
            entry = []
        elif len(entry) >= MAX_REF_LINES:
            break
    return refs


def _format_entry(lines: list[str]) -> str:
    """``["Research", "Calcinosis in scleroderma.", "Current opinion…, 2018"]`` → one line."""
    kind = lines[0] if len(lines) >= 3 and len(lines[0].split()) <= 2 and lines[0][-1] not in ".," else ""
    parts = lines[1:] if kind else lines
    text = " ".join(p if p[-1] in ".?!" else p + "." for p in parts[:-1])
    text = f"{text} {parts[-1]}".strip()
    return f"{kind}: {text}" if kind else text


def parse(text: str, *, source: str) -> Article:
    lines = [ln.rstrip().expandtabs(4) for ln in text.splitlines()]
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None:
        return Article(source=source, title=source, passages=(), references={})
    ref_at = next((i for i in range(first + 1, len(lines)) if citations.REFERENCES.match(lines[i])), len(lines))
    cited = next(
        (i for i in range(first + 1, ref_at) if lines[i].strip() and citations.split_trailing(lines[i].strip())[1]),
        None,
    )
    start = first + 1
    if cited is not None:
        start = next((i for i in range(cited - 1, first, -1) if _is_heading(lines, i)), first + 1)
        first = _title_at(lines, first, start)  # above the body; a page with no citation keeps its first line
    title = lines[first].strip()

    refs = _parse_references(lines[ref_at + 1 :]) if ref_at < len(lines) else {}

    blocks = _blocks(lines, start, ref_at)
    passages = assemble(blocks, article=title, source=source)
    return Article(source=source, title=title, passages=tuple(passages), references=refs)


def _blocks(lines: list[str], start: int, end: int) -> list[Block]:
    blocks: list[Block] = []
    indents: list[int] = []  # indentation of open bullet levels
    pending_heading: Block | None = None
    top = True
    i = start
    while i < end:
        raw = lines[i]
        s = raw.strip()
        if not s:
            i += 1
            continue
        m = BULLET.match(raw)
        if m:
            indent = len(m.group(1))
            while indents and indents[-1] >= indent + 1 and indents[-1] > indent:
                indents.pop()
            if not indents or indent > indents[-1]:
                indents.append(indent)
            text, cites = citations.split_trailing(m.group(2).strip())
            blocks.append(Block("item", text, level=len(indents) - 1, cites=cites, line=i + 1))
            pending_heading = None
        elif _is_heading(lines, i):
            level = 1 if top else 2
            if pending_heading is not None and pending_heading.level >= 2 and pending_heading is blocks[-1]:
                level = pending_heading.level + 1
            top = False
            block = Block("heading", s, level=level, line=i + 1)
            blocks.append(block)
            pending_heading = block
            indents = []
        elif blocks and blocks[-1].kind == "item" and raw.startswith(" ") and indents:
            # an indented continuation line of the previous bullet
            text, cites = citations.split_trailing(s)
            prev = blocks[-1]
            prev.text = f"{prev.text} {text}"
            prev.cites.extend(n for n in cites if n not in prev.cites)
        else:
            para = [s]
            j = i + 1
            while j < end and lines[j].strip() and not BULLET.match(lines[j]):
                para.append(lines[j].strip())
                j += 1
            texts, cites = [], []
            for part in para:
                t, c = citations.split_trailing(part)
                texts.append(t)
                cites.extend(n for n in c if n not in cites)
            blocks.append(Block("para", " ".join(texts), cites=cites, line=i + 1))
            indents = []
            pending_heading = None
            i = j
            continue
        i += 1
    return blocks
