"""Answers as terminal text and as JSON lines."""

from __future__ import annotations

import json
import textwrap

from .model import Answer

NOT_FOUND = "I couldn't find that in the articles."


def as_json(answer: Answer) -> str:
    return json.dumps(answer.to_json(), ensure_ascii=False)


def as_text(answer: Answer, *, width: int = 100, start: int = 1) -> str:
    if not answer.answered:
        why = f" ({answer.reason})" if answer.reason else ""
        return NOT_FOUND + why
    lines: list[str] = []
    for i, hit in enumerate(answer.hits, start):
        p = hit.passage
        where = " › ".join([p.article, *p.section])
        cites = f"  [{', '.join(map(str, p.citations))}]" if p.citations else ""
        lines.append(f"{i}. {where}{cites}")
        lines.extend(textwrap.wrap(p.text, width=width, initial_indent="   ", subsequent_indent="   "))
        lines.append("")
    by_source: dict[str, list] = {}
    for r in answer.references:
        by_source.setdefault(r.source, []).append(r)
    for source, refs in by_source.items():  # an answer from several articles lists each one's references
        lines.append(f"References — {source}")
        for r in sorted(refs, key=lambda r: r.number):
            text = r.text if not r.missing else "(missing: the article cites this number but does not list it)"
            lines.extend(textwrap.wrap(f"[{r.number}] {text}", width=width,
                                       initial_indent="  ", subsequent_indent="      "))
    return "\n".join(lines).rstrip()
