"""An answer's blocks (``assemble.py``) as Slack's native lists: ``rich_text`` with ``rich_text_list``.

Each answer block becomes a small context line with its article and section path, then one ``rich_text``
block: the lead-in in bold, its items as bullet lists (``indent`` for nesting), ``[n]`` after each item and
the items that matched the question in bold. A trimmed list gets a "Show all" button. The references
follow in context blocks, sorted by number per article, with links where a reference holds a URL, a DOI or
a PMID. Slack's limits (documented at api.slack.com/reference/block-kit): at most 50 blocks a message (we
keep answers to ``MAX_ANSWER_BLOCKS``), 3,000 characters in a context or section text; ``slack_sdk`` does
not bound ``rich_text`` text, so each item is cut to ``MAX_ITEM`` and each list block to ``MAX_RICH``.
Cuts never split an HTML entity (``&amp;``) or leave a bold mark open.
"""

from __future__ import annotations

import json
import re

MAX_ITEM = 1000  # characters of one item's text
MAX_RICH = 3000  # characters of text in one rich_text block
MAX_CONTEXT = 3000  # characters of one context element's text
MAX_ANSWER_BLOCKS = 20  # blocks in one answer message
SHOW_ALL = "citebot_show_all"

_URL = re.compile(r"https?://[^\s<>|]+")
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s<>|]+[^\s<>|.,;])")
_PMID = re.compile(r"\bPMID:?\s*(\d{5,9})\b")
_ENTITY_TAIL = re.compile(r"&[a-z]{0,5}$")


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, ending in "…"; never inside ``&amp;`` nor with ``*`` open."""
    if len(text) <= limit:
        return text
    out = text[: limit - 1]
    out = _ENTITY_TAIL.sub("", out)  # "&am" left by the cut would show as text
    if out.count("*") % 2:  # an unclosed bold mark would bold the rest of the message
        out = out[: out.rfind("*")]
    return out.rstrip() + "…"


def _cites(numbers) -> str:
    return f" [{', '.join(map(str, numbers))}]" if numbers else ""


def _section(text: str, *, bold: bool = False) -> dict:
    el: dict = {"type": "text", "text": text}
    if bold:
        el["style"] = {"bold": True}
    return {"type": "rich_text_section", "elements": [el]}


def rich_block(block) -> dict:
    """One answer block as a ``rich_text`` block (plain text elements: no markup to escape)."""
    elements: list[dict] = []
    budget = MAX_RICH
    if block.lead is not None:
        lead = cut(block.lead.text + _cites(block.lead.citations), MAX_ITEM)
        elements.append(_section(lead, bold=True))
        budget -= len(lead)
    run: list[dict] = []
    depth = None
    for item in block.items:
        text = cut(item.text + _cites(item.citations), min(MAX_ITEM, max(budget, 2)))
        if budget <= 1:
            break
        budget -= len(text)
        if block.lead is None and len(block.items) == 1:  # a paragraph
            elements.append(_section(text, bold=False))
            continue
        if depth is not None and item.depth != depth:
            elements.append({"type": "rich_text_list", "style": "bullet", "indent": depth, "elements": run})
            run = []
        depth = item.depth
        run.append(_section(text, bold=item.matched))
    if run:
        elements.append({"type": "rich_text_list", "style": "bullet", "indent": depth, "elements": run})
    return {"type": "rich_text", "elements": elements}


def where_line(rank: int, block) -> dict:
    path = " › ".join([block.article, *block.section])
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(f"*{rank}.* {escape(path)}", MAX_CONTEXT)}]}


def show_all_button(block) -> dict | None:
    if not block.more or block.lead is None:
        return None
    value = json.dumps({"pid": block.lead.pid})
    return {"type": "actions", "elements": [{"type": "button", "action_id": SHOW_ALL, "value": value,
                                              "text": {"type": "plain_text", "text": f"Show all (+{block.more} more)"}}]}


def linked(text: str) -> str:
    """A reference's text, escaped, with its URL, DOI or PMID as a link."""
    out = escape(text)
    url = _URL.search(text)
    if url:
        return out.replace(escape(url.group(0)), f"<{url.group(0)}|{escape(url.group(0))}>", 1)
    doi = _DOI.search(text)
    if doi:
        return out + f" <https://doi.org/{doi.group(1)}|doi>"
    pmid = _PMID.search(text)
    if pmid:
        return out + f" <https://pubmed.ncbi.nlm.nih.gov/{pmid.group(1)}/|PubMed>"
    return out


def reference_blocks(refs) -> list[dict]:
    """References per article, sorted by number, in context blocks of at most 10 elements each."""
    lines_by_source: dict[str, list[str]] = {}
    for r in sorted(refs, key=lambda r: r.number):
        text = linked(r.text) if r.text is not None else f"_missing: the article cites [{r.number}] but does not list it_"
        lines_by_source.setdefault(r.source, []).append(f"[{r.number}] {text}")
    elements = []
    for source, lines in lines_by_source.items():
        chunk = f"*References — {escape(source)}*"
        for line in lines:
            line = cut(line, MAX_CONTEXT - 200)
            if len(chunk) + 1 + len(line) > MAX_CONTEXT:
                elements.append({"type": "mrkdwn", "text": chunk})
                chunk = line
            else:
                chunk += "\n" + line
        elements.append({"type": "mrkdwn", "text": chunk})
    return [{"type": "context", "elements": elements[i: i + 10]} for i in range(0, len(elements), 10)]


def answer_blocks(answer) -> list[dict]:
    """The blocks of an answered question (without echo, caution and buttons)."""
    body: list[dict] = []
    for rank, block in enumerate(answer.blocks, 1):
        part = [where_line(rank, block), rich_block(block)]
        button = show_all_button(block)
        if button:
            part.append(button)
        body.extend(part)
    refs = reference_blocks(answer.references)
    return body + ([{"type": "divider"}] + refs if refs else [])
