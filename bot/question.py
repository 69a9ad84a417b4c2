"""Questions as people type them, made safe to search: Slack markup, control characters, length."""

from __future__ import annotations

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
