"""Questions as people type them, made safe to search: Slack markup, control characters, length."""

from __future__ import annotations

import functools
import re
import unicodedata

MAX_QUESTION_CHARS = 2000  # longer than any real question; a pasted document is declined, not searched

_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|>]*)(?:\|([^>]*))?>")
_SLACK_USER = re.compile(r"<[@#!][^>]*>")


def clean(text: str) -> str:
    """Plain question text: Slack markup reduced to its label, control characters dropped, space folded."""
    text = _SLACK_LINK.sub(lambda m: m.group(2) or "", text)
    text = _SLACK_USER.sub(" ", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") else c for c in text)
    return re.sub(r"\s+", " ", text).strip()


@functools.lru_cache(maxsize=1)
def _new_subject() -> re.Pattern:
    """``data/new_subject.txt``'s markers at the start of a text or of one of its sentences, before the signs that
    may follow each (a comma too, unless the line ends in ":"), with what follows them."""
    from .data import lines

    def alternation(phrases):
        return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True))

    phrases = [m.strip() for m in lines("new_subject.txt")]
    strict = [p[:-1] for p in phrases if p.endswith(":")]
    loose = [p for p in phrases if not p.endswith(":")]
    signs = "-\u2010\u2011\u2012\u2013\u2014:;."
    return re.compile(r"(?:^|(?<=[.!?;\n])\s*)(?:(?:" + alternation(loose) + r")\s*[" + signs + r",]+"
                      r"|(?:" + alternation(strict) + r")\s*[" + signs + r"]+)\s*(?=\S)", re.IGNORECASE)


def new_subject(text: str) -> str | None:
    """What ``text`` asks after a marker of a new, unrelated subject ("diff pt: plts dropped 220 -> 90 on day 7 of a
    heparin gtt, what now?", "ok admitting him. unrelated - another pt has wenckebach, does he need a pacer?":
    ``data/new_subject.txt``), or None when it announces none. The last marker counts, and what comes before it
    ("ok admitting him.") is the subject left behind."""
    # white space folded first, a line break kept as one: a run of them is read once, not again from each of its places
    # (unfolded, 16,000 line breaks took 19 s)
    text = re.sub(r"\s*\n\s*", "\n", re.sub(r"[^\S\n]+", " ", text)).strip()
    found = None
    for m in _new_subject().finditer(text):
        found = m
    return text[found.end():] if found else None


def on_its_subject(text: str, context) -> tuple[str, tuple]:
    """A turn and the conversation it belongs to: a turn that announces a new subject (``new_subject``) is asked on its
    own, the marker left out; earlier turns before the last one that announced one are another subject's."""
    own = new_subject(text)
    if own is not None:
        return own, ()
    context = tuple(context)
    for i in range(len(context) - 1, -1, -1):
        own = new_subject(context[i])
        if own is not None:
            return text, (own, *context[i + 1 :])
    return text, context
