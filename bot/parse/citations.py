"""Citation numbers: ``1, 4`` trailing a page-text line, ``[1]``, ``[1, 3]``, ``[1-3]`` in Markdown."""

from __future__ import annotations

import re

MAX_CITATION = 9999
MAX_RANGE = 200  # a range wider than this is not a citation, it is a typo or data

# The heading that opens an article's reference list, in both formats ("References", "Sources:", …).
REFERENCES = re.compile(r"^\s*(references|bibliography|sources|works cited)\s*:?\s*$", re.IGNORECASE)

_NUM_OR_RANGE = r"\d{1,4}(?:\s*[-–]\s*\d{1,4})?"
# "text 1", "text 2, 6", "text 12, 3-5" — numbers after white space at the very end of a line.
TRAILING = re.compile(rf"(?<=\S)\s+({_NUM_OR_RANGE}(?:\s*,\s*{_NUM_OR_RANGE})*)\s*$")
# "[1]", "[1, 3]", "[1-3]", "[2,4-6]" anywhere in a Markdown line; with the white space before it, it is taken out.
CITED = re.compile(rf"\[({_NUM_OR_RANGE}(?:\s*,\s*{_NUM_OR_RANGE})*)\]")
DASH = re.compile(r"\s*[-–]\s*")


def expand(spec: str) -> list[int]:
    """``"12, 3-5"`` → ``[12, 3, 4, 5]``; order kept, duplicates dropped. Raises ValueError on nonsense."""
    out: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if part.isdecimal():  # one number, the usual case: no range to split
            lo = hi = int(part)
        else:
            bounds = DASH.split(part)
            lo, hi = int(bounds[0]), int(bounds[-1])
        if lo < 1 or hi < lo or hi - lo > MAX_RANGE or hi > MAX_CITATION:
            raise ValueError(f"not a citation: {spec!r}")
        for n in range(lo, hi + 1):
            if n not in out:
                out.append(n)
    return out


def split_trailing(line: str) -> tuple[str, list[int]]:
    """Page-text: ``"Pain and disability 3"`` → ``("Pain and disability", [3])``."""
    m = TRAILING.search(line)
    if not m:
        return line, []
    try:
        nums = expand(m.group(1))
    except ValueError:
        return line, []
    return line[: m.start()].rstrip(), nums


_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:])")


def _close_up(text: str) -> str:
    """``text`` without the white space before each ``. , ; :`` (what taking out a citation leaves)."""
    if text.isascii() and text.isprintable():  # a space is its only white space: four look-ups instead of a scan
        if " ." not in text and " ," not in text and " ;" not in text and " :" not in text:
            return text
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text)


def split_bracketed(line: str) -> tuple[str, list[int]]:
    """Markdown: ``"Colchicine [1, 3]."`` → ``("Colchicine.", [1, 3])``."""
    nums: list[int] = []
    if "[" in line:
        kept: list[str] = []
        at = 0  # the line up to here is kept
        for m in CITED.finditer(line):  # found by its "[" (a pattern opening with white space is tried everywhere)
            try:
                found = expand(m.group(1))
            except ValueError:  # not a citation: left in the text
                continue
            start = m.start()
            while start > at and line[start - 1].isspace():
                start -= 1
            kept.append(line[at:start])
            at = m.end()
            nums.extend(n for n in found if n not in nums)
        if kept:
            kept.append(line[at:])
            line = "".join(kept)
    return _close_up(line).strip(), nums
