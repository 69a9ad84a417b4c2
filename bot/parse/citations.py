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
# "[1]", "[1, 3]", "[1-3]", "[2,4-6]" anywhere in a Markdown line.
BRACKETED = re.compile(rf"\s*\[({_NUM_OR_RANGE}(?:\s*,\s*{_NUM_OR_RANGE})*)\]")
DASH = re.compile(r"\s*[-–]\s*")


def expand(spec: str) -> list[int]:
    """``"12, 3-5"`` → ``[12, 3, 4, 5]``; order kept, duplicates dropped. Raises ValueError on nonsense."""
    out: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
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


def split_bracketed(line: str) -> tuple[str, list[int]]:
    """Markdown: ``"Colchicine [1, 3]."`` → ``("Colchicine.", [1, 3])``."""
    nums: list[int] = []

    def take(m: re.Match) -> str:
        try:
            found = expand(m.group(1))
        except ValueError:
            return m.group(0)
        nums.extend(n for n in found if n not in nums)
        return ""

    text = BRACKETED.sub(take, line) if "[" in line else line
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text).strip(), nums
