"""Answers as Slack Block Kit: quoted passages, the references they cite, a caution, buttons.

Everything user- or article-supplied is escaped (``&``, ``<``, ``>``) so it can never become a link or
a mention, and an echoed question has its mentions removed. Slack's limits are met by splitting long
text over several sections and, past 50 blocks, dropping the lowest-ranked passages with a note:
an answer is made to fit, never rejected.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..model import Answer, Hit, Reference
from ..question import clean
from ..render import NOT_FOUND

MAX_SECTION = 3000   # characters in a section's text
MAX_BLOCKS = 50      # blocks in a message
MAX_VALUE = 2000     # characters in a button's value
MAX_ECHO = 300       # characters of the question echoed back
MAX_FALLBACK = 400   # characters of the notification text

CAUTION = ("Not medical advice: these are passages retrieved from the articles, not a clinical judgement. "
           "Verify against the sources before acting.")

VOTE_UP = "citebot_vote_up"
VOTE_DOWN = "citebot_vote_down"
SHARE = "citebot_share"

_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)


def escape(text: str) -> str:
    """Slack's three control characters as entities: nothing in ``text`` can become markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def defuse(text: str) -> str:
    """A question as Slack sent it, made safe to echo: no mention, broadcast or link survives."""
    plain = clean(text)  # <@U…>, <!here>, <#C…> removed; links reduced to their label
    plain = _BROADCAST.sub(lambda m: "@\u2060" + m.group(1), plain)  # word joiner: no @here keyword
    return escape(plain)


def trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Message:
    """What to post: the fallback ``text`` (notifications, screen readers) and the ``blocks``."""

    text: str
    blocks: tuple[dict, ...]

    def kwargs(self) -> dict:
        return {"text": self.text, "blocks": list(self.blocks)}


def _mrkdwn(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": trim(text, MAX_SECTION)}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": trim(text, MAX_SECTION)}]}


def _chunks(text: str, size: int) -> list[str]:
    """``text`` in pieces of at most ``size`` characters, broken at spaces where possible."""
    out: list[str] = []
    while len(text) > size:
        cut = text.rfind(" ", size // 2, size)
        cut = cut if cut > 0 else size
        out.append(text[:cut])
        text = text[cut:].lstrip()
    out.append(text)
    return out


def _quote(text: str) -> str:
    return "\n".join(">" + line for line in text.splitlines() or [""])


def hit_blocks(rank: int, hit: Hit) -> list[dict]:
    p = hit.passage
    where = escape(" › ".join([p.article, *p.section]))
    cites = f"  [{', '.join(map(str, p.citations))}]" if p.citations else ""
    head = trim(f"*{rank}. {where}*{cites}", 600) + "\n"
    body = escape(p.text)
    room = MAX_SECTION - len(head) - 20  # "> " per line and a continuation mark
    pieces = _chunks(body, room)
    out = [_mrkdwn(head + _quote(pieces[0]))]
    out.extend(_mrkdwn(_quote(piece)) for piece in pieces[1:])
    return out


def reference_line(r: Reference) -> str:
    if r.missing:
        return (f"[{r.number}] _missing: {escape(r.source)} cites [{r.number}] but its reference list "
                f"has no entry {r.number}_")
    return f"[{r.number}] {escape(r.text or '')}  _({escape(r.source)})_"


def reference_blocks(refs: tuple[Reference, ...]) -> list[dict]:
    if not refs:
        return []
    sections: list[str] = ["*References*"]
    for r in refs:
        line = trim(reference_line(r), MAX_SECTION)
        if len(sections[-1]) + 1 + len(line) <= MAX_SECTION:
            sections[-1] += "\n" + line
        else:
            sections.append(line)
    return [_mrkdwn(s) for s in sections]


def cited_by(hits: tuple[Hit, ...], refs: tuple[Reference, ...]) -> tuple[Reference, ...]:
    keys = {(h.passage.source, n) for h in hits for n in h.passage.citations}
    return tuple(r for r in refs if (r.source, r.number) in keys)


def vote_value(answer: Answer, question: str) -> str:
    """The passages shown (the vote records them with who voted on which message; no question text)."""
    return json.dumps({"p": [h.passage.pid for h in answer.hits][:50]})


def share_value(question: str) -> str:
    return json.dumps({"q": trim(clean(question), MAX_VALUE - 20)}, ensure_ascii=False)


def _actions(answer: Answer, question: str, share: bool) -> dict:
    value = vote_value(answer, question)
    elements = [
        {"type": "button", "action_id": VOTE_UP, "text": {"type": "plain_text", "text": "👍 Helpful"},
         "value": value},
        {"type": "button", "action_id": VOTE_DOWN, "text": {"type": "plain_text", "text": "👎 Not helpful"},
         "value": value},
    ]
    if share:
        elements.append({"type": "button", "action_id": SHARE, "style": "primary",
                         "text": {"type": "plain_text", "text": "Share in channel"}, "value": share_value(question)})
    return {"type": "actions", "block_id": "citebot_feedback", "elements": elements}


def fallback_text(answer: Answer) -> str:
    if not answer.answered or not answer.hits:
        return NOT_FOUND
    first = answer.hits[0].passage
    more = len(answer.hits) - 1
    tail = f" (+{more} more passage{'s' if more != 1 else ''} and references)" if more else " (with references)"
    return trim(escape(first.text), MAX_FALLBACK) + tail


def not_found() -> Message:
    return Message(text=NOT_FOUND, blocks=(_mrkdwn(NOT_FOUND),))


def render(answer: Answer, *, question: str | None = None, share: bool = False, buttons: bool = True,
           note: str | None = None) -> Message:
    """The Slack message for ``answer``. ``question`` (raw Slack text) is echoed, defused, when given."""
    if not answer.answered or not answer.hits:
        if answer.reason_code not in (None, "not_covered") and answer.reason:
            text = f"{NOT_FOUND} ({escape(answer.reason)})"  # e.g. too long: 2,345 characters (limit 2,000)
            return Message(text=text, blocks=(_mrkdwn(text),))
        return not_found()
    asked = question if question is not None else answer.question
    head: list[dict] = []
    if question is not None:
        head.append(_context("*Q:* " + trim(defuse(question), MAX_ECHO)))
    if note:
        head.append(_context(note))
    tail: list[dict] = [_context(CAUTION)]
    if buttons:
        tail.append(_actions(answer, asked, share))

    if answer.blocks:
        return _render_blocks(answer, head, tail)
    hits = answer.hits
    while True:
        refs = cited_by(hits, answer.passage_references or answer.references)
        body: list[dict] = []
        for rank, hit in enumerate(hits, 1):
            body.extend(hit_blocks(rank, hit))
        dropped = len(answer.hits) - len(hits)
        extra = [_context(f"{dropped} lower-ranked passage{'s' if dropped != 1 else ''} left out to fit Slack's "
                          f"message limits")] if dropped else []
        ref_blocks = reference_blocks(refs)
        divider = [{"type": "divider"}] if ref_blocks else []
        blocks = head + body + extra + divider + ref_blocks + tail
        if len(blocks) <= MAX_BLOCKS or len(hits) == 1:
            break
        hits = hits[:-1]
    if len(blocks) > MAX_BLOCKS:  # one enormous passage with enormous references: keep the start
        keep = MAX_BLOCKS - len(tail) - 1
        blocks = blocks[:keep] + [_context("…trimmed to fit Slack's message limits")] + tail
    return Message(text=fallback_text(answer), blocks=tuple(blocks))


def _render_blocks(answer: Answer, head: list[dict], tail: list[dict]) -> Message:
    """An answer with blocks (``assemble.py``) as Slack lists (``rich.py``), within ``rich.MAX_ANSWER_BLOCKS``:
    past it the lowest answer blocks are left out, with a note, and the references follow what is shown."""
    from dataclasses import replace

    from . import rich

    shown = answer.blocks
    while True:
        numbers = {(b.source, n) for b in shown for i in b.shown() for n in i.citations}
        refs = tuple(r for r in answer.references if (r.source, r.number) in numbers)
        body = rich.answer_blocks(replace(answer, blocks=shown, references=refs))
        dropped = len(answer.blocks) - len(shown)
        note = [_context(f"{dropped} more answer block{'s' if dropped != 1 else ''} left out to fit Slack's "
                         "message limits")] if dropped else []
        out = head + body + note + tail
        if len(out) <= rich.MAX_ANSWER_BLOCKS or len(shown) == 1:
            break
        shown = shown[:-1]
    first = shown[0]
    lead = first.lead or first.items[0]
    more = len(shown) - 1
    text = trim(escape(lead.text), MAX_FALLBACK) + (f" (+{more} more and references)" if more else " (with references)")
    return Message(text=text, blocks=tuple(out))


def with_share_key(msg: Message, key: str) -> Message:
    """``msg`` with its Share button pointing at the stored answer ``key``."""
    out = []
    for b in msg.blocks:
        if b.get("type") == "actions":
            b = {**b, "elements": [{**e, "value": json.dumps({"k": key})} if e.get("action_id") == SHARE else e
                                   for e in b["elements"]]}
        out.append(b)
    return Message(text=msg.text, blocks=tuple(out))


def shared_copy(stored_blocks: list[dict], note: str) -> list[dict]:
    """A stored /ask answer as posted in the channel: a note on who shared it, no Share button."""
    out = [_context(note)]
    for b in stored_blocks:
        if b.get("type") == "actions" and b.get("block_id") == "citebot_feedback":
            b = {**b, "elements": [e for e in b["elements"] if e.get("action_id") != SHARE]}
        out.append(b)
    return out[:MAX_BLOCKS]


def with_vote_note(original: list[dict], note: str) -> list[dict]:
    """The voted-on message with a line saying the vote was taken, just above its buttons (replacing an
    earlier such line)."""
    out = [b for b in original if b.get("block_id") != "citebot_vote_note"]
    at = next((i for i, b in enumerate(out) if b.get("block_id") == "citebot_feedback"), len(out))
    line = {"type": "context", "block_id": "citebot_vote_note", "elements": [{"type": "mrkdwn", "text": note}]}
    return (out[:at] + [line] + out[at:])[:MAX_BLOCKS]
