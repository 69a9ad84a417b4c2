"""Drug names as people type them: brand names, synonyms and short forms → the generic names the articles use.

The vocabulary is ``data/drug_names.tsv``, generated from the drug-named-entity-recognition package
(MIT; DrugBank open vocabulary, MeSH, MedlinePlus, NHS) by ``data/make_drug_names.py``: about 68,000
variants ("coumadin" → warfarin, "cardizem" → diltiazem, "fosamax" → alendronate) and 20,000 generic
names. It is read on first use, once per process.

Two general rules find a question word's drug:

* **a listed variant** (one to three words): its generic names;
* **a clipped generic name** ("dilt", "pred", "azithro"): a word of at least ``MIN_CLIP`` letters that
  the index does not hold and general English does not use (``english.py``) stands for the generic
  names that start with it — only those the index holds, so "pred" finds prednisone in a library that
  uses prednisone.
"""

from __future__ import annotations

import bisect
import threading
from importlib import resources

MIN_CLIP = 4  # shortest clipped name: "dilt", "pred"; three letters ("met", "pro") clip too many words
MAX_ENGLISH_ZIPF = 3.0  # a clipped name is not a general English word this frequent ("dose", "rate")
MAX_WORDS = 3

_lock = threading.Lock()
_table: tuple[dict[str, tuple[str, ...]], list[str]] | None = None


def _load() -> tuple[dict[str, tuple[str, ...]], list[str]]:
    global _table
    with _lock:
        if _table is None:
            text = resources.files("bot.data").joinpath("drug_names.tsv").read_text(encoding="utf-8")
            variants: dict[str, tuple[str, ...]] = {}
            generics: set[str] = set()
            for line in text.splitlines():
                if not line or line.startswith("#"):
                    continue
                variant, _, names = line.partition("\t")
                targets = tuple(names.split("|"))
                variants[variant] = targets
                if variant in targets:
                    generics.add(variant)
            _table = (variants, sorted(generics))
    return _table


def variant(words: str) -> tuple[str, ...]:
    """The generic names a listed variant ("coumadin", "co-amoxiclav") stands for; () when unlisted."""
    variants, _ = _load()
    return tuple(n for n in variants.get(words.lower(), ()) if n != words.lower())


def clipped(word: str) -> tuple[str, ...]:
    """Generic names that start with ``word`` ("dilt" → diltiazem), single words only."""
    word = word.lower()
    if len(word) < MIN_CLIP or not word.isalpha():
        return ()
    _, generics = _load()
    i = bisect.bisect_left(generics, word)
    out = []
    while i < len(generics) and generics[i].startswith(word):
        if generics[i] != word and " " not in generics[i]:
            out.append(generics[i])
        i += 1
    return tuple(out)
