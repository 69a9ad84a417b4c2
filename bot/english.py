"""How common a word is in general English, from ``data/english_freq.tsv`` (wordfreq, CC BY-SA 4.0).

A question word the articles have never seen is either filler ("is a regular x-ray enough?") or a
specific word the articles lack ("calciphylaxis"). General English frequency tells them apart: a word
used every day is filler, a rare one (or one missing from the list, as most drug and disease names are)
is specific. ``specificity`` maps a stem's Zipf frequency to [``FLOOR``, 1]. The list is generated
offline by ``bot/data/make_english_freq.py``; citebot does not depend on wordfreq at run time.
"""

from __future__ import annotations

import hashlib
import json
import threading

from .data import path as data_path

COMMON = 5.0  # Zipf ≥ this (≈ 100 per million words: "enough", "pick", "worth"): filler
RARE = 3.0  # Zipf ≤ this (≈ 1 per million words, or absent from the list): specific
FLOOR = 0.1  # specificity of the commonest words

_lock = threading.Lock()
_cache: dict[int, dict[str, float]] = {}
_keys: dict[str, str] = {}  # tokenizer settings (JSON) → ``stems_key`` of the shipped word list


def freq_text() -> str:
    return data_path("english_freq.tsv").read_text(encoding="utf-8")


def common_words() -> frozenset[str]:
    """The words at least ``COMMON`` frequent: the list's first lines, as ``make_english_freq.py`` writes it most
    frequent first (``tests/test_quality.py`` holds it to that order), read up to the first one below ``COMMON`` —
    about 1,000 of 48,000 lines, so a question asks for it without parsing the whole list. Once per process."""
    global _common
    if _common is None:
        found = []
        with data_path("english_freq.tsv").open(encoding="utf-8") as f:
            for word, z in _entries(line.rstrip("\n") for line in f):
                if z < COMMON:
                    break
                found.append(word)
        _common = frozenset(found)
    return _common


_common: frozenset[str] | None = None


def parse(text: str) -> dict[str, float]:
    """word → Zipf frequency; lines ``word<TAB>zipf``, ``#`` comments."""
    return dict(_entries(text.splitlines()))


def _entries(lines):
    """(word, Zipf frequency) of each ``word<TAB>zipf`` line, in order; comments, blank and malformed lines skipped."""
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        word, _, z = line.partition("\t")
        try:
            yield word, float(z)
        except ValueError:
            continue


def stems_key(tokenizer, text: str | None = None) -> str:
    """What ``data/english_stems.tsv`` was computed from: the tokenizer settings and the word list (the shipped
    one unless ``text`` is given: its key worked out once per process and tokenizer settings, as both stem
    tables check it at the first question)."""
    settings = json.dumps(tokenizer.settings, sort_keys=True)
    if text is None:
        found = _keys.get(settings)
        if found is None:  # the file's bytes are its text's UTF-8 (LF lines): hashed without decoding them
            found = _keys[settings] = _key(settings, data_path("english_freq.tsv").read_bytes())
        return found
    return _key(settings, text.encode())


def _key(settings: str, data: bytes) -> str:
    h = hashlib.sha256(settings.encode())
    h.update(data)
    return h.hexdigest()[:16]


def compute_stem_zipf(tokenizer, text: str | None = None) -> dict[str, float]:
    """stem → the highest Zipf frequency of the listed words with that stem (stems 48k words: ~0.6 s)."""
    found: dict[str, float] = {}
    for word, z in parse(text if text is not None else freq_text()).items():
        for s in tokenizer(word):
            if z > found.get(s, -1.0):
                found[s] = z
    return found


def render_stems(tokenizer) -> str:
    """The text of ``data/english_stems.tsv`` (``bot/data/make_english_freq.py --stems`` writes it)."""
    found = compute_stem_zipf(tokenizer)
    head = (f"# key {stems_key(tokenizer)}\n# stem <TAB> highest Zipf frequency of english_freq.tsv's words "
            "with that stem; derived from english_freq.tsv (CC BY-SA 4.0) by the citebot tokenizer\n")
    return head + "".join(f"{s}\t{z:.2f}\n" for s, z in sorted(found.items()))


def render_word_stems(tokenizer) -> str:
    """The text of ``data/english_word_stems.tsv``: each listed word that is not a stop word and its stem, so a
    question's everyday words need no stemmer at run time (``Tokenizer.stem``)."""
    head = (f"# key {stems_key(tokenizer)}\n# word <TAB> its stem by the citebot tokenizer (nltk Snowball); words "
            "of english_freq.tsv (CC BY-SA 4.0)\n")
    rows = []
    for word in sorted(parse(freq_text()), key=lambda w: w.encode("utf-8")):  # sorted: searched in place
        if word not in tokenizer.stopwords and tokenizer.words(word) == [word]:
            rows.append(f"{word}\t{tokenizer.stem(word)}\n")
    return head + "".join(rows)


def word_stems(tokenizer):
    """word → stem from the shipped ``english_word_stems.tsv`` (``.get``, searched in place), when it was made
    by this tokenizer; else {}."""
    from .sortedtsv import SortedTSV, mapped, starts_with

    try:
        data = mapped(data_path("english_word_stems.tsv"))
    except OSError:
        return {}
    if not starts_with(data, f"# key {stems_key(tokenizer)}\n".encode()):
        return {}
    return SortedTSV(data)


def stem_zipf(tokenizer):
    """stem → Zipf frequency (``.get``), from the shipped ``english_stems.tsv`` searched in place when it
    matches this tokenizer and word list (fast), else computed (once per process)."""
    from .sortedtsv import FloatColumn, SortedTSV, mapped, starts_with

    key = id(type(tokenizer))
    with _lock:
        found = _cache.get(key)
        if found is None:
            try:
                data = mapped(data_path("english_stems.tsv"))
            except OSError:
                data = b""
            if starts_with(data, f"# key {stems_key(tokenizer)}\n".encode()):
                found = FloatColumn(SortedTSV(data))
            else:
                found = compute_stem_zipf(tokenizer)
            _cache[key] = found
        return found


def graded(stem: str, zipf) -> float | None:
    """English frequency of a word, its comparative or superlative counted as its base ("shortest",
    "safest", "easier" as short, safe, easy: the stemmer keeps them apart, but they are no more specific)."""
    own = zipf.get(stem)
    for suffix in ("est", "er"):
        if stem.endswith(suffix) and len(stem) > len(suffix) + 2:
            base = stem[: -len(suffix)]
            forms = (base, base + "e", base[:-1] + "y" if base.endswith("i") else base,
                     base[:-1] if len(base) > 2 and base[-1] == base[-2] else base)
            found = [z for z in map(zipf.get, forms) if z is not None]
            if found:
                return max([own or 0.0, *found])
    return own


def specificity(zipf: float | None) -> float:
    """1 for a rare or unlisted word, ``FLOOR`` for a very common one, linear in between."""
    if zipf is None or zipf <= RARE:
        return 1.0
    if zipf >= COMMON:
        return FLOOR
    return 1.0 - (1.0 - FLOOR) * (zipf - RARE) / (COMMON - RARE)
