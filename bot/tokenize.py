"""The one tokenizer: used for passages and questions alike, and recorded in the index.

Text is NFKC-normalised, lower-cased and stripped of accents; words are runs of letters and digits
(``PATTERN``, compiled with the ``regex`` engine as nltk's ``RegexpTokenizer`` compiles it, without nltk's
import; ``tests/test_tokenize.py`` checks the two agree on every code point); English stop words (``data/stopwords.txt``,
shipped) are dropped; the rest are stemmed with nltk's Snowball English stemmer, and an adjective and noun of one
concept that Snowball leaves apart are made one stem (``DERIVED``: pregnant and pregnancy). Nothing here needs
downloaded nltk data.

nltk's stemmer is loaded only when a word's stem is not known yet. The index stores the stems of its words and of
the shipped English word list (``preload``), so a question usually needs no stemmer at all; when one does, only
the stemmer's own modules are loaded (``snowball``: 5-10 ms), not the whole nltk package its ``import`` runs first
(0.4-0.6 s here, more than the rest of a cold ``citebot ask``).
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from functools import cached_property

import importlib.util
import re
import sys
import threading
import types

from .data import path as data_path
from .errors import IndexFormatError

PATTERN = r"[^\W_]+"
# nltk's RegexpTokenizer compiles through nltk.redos: the ``regex`` engine with these flags (and a match
# timeout, needless for this linear pattern). On ASCII the pattern matches [A-Za-z0-9]: ASCII text (most questions
# and passages) needs no ``regex`` import (~40 ms) and no pattern at all: every character but a letter or digit
# is turned into a space, then the text split (2-3x faster than matching, which tests each character's class).
_ASCII_GAPS = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})
_WORDS = None

# Adjective and noun of one concept that Snowball stems apart, made one stem: (ending of the adjective's stem, the
# noun's), replaced where a stem ends so and is longer than the ending by more than two letters ("clot", "plant"
# keep theirs). The pairs are English derivations, and the Greek endings medicine names states with, whose
# adjectives Snowball does not reduce to their nouns: -ant / -ancy (pregnant, pregnancy; infant, infancy), -otic /
# -osis (cirrhotic, cirrhosis; thrombotic, necrotic, psychotic), -actic / -axis (prophylactic, prophylaxis;
# anaphylactic), -iatic / -iasis (psoriatic, psoriasis). "she's pregnant" then matches "in pregnancy" at a word's
# full weight, not at an alternative's: in a library whose obstetrics article uses "pregnant", the lexicon's
# alternative had counted 0.3. Measured over the twelve tuning libraries
# (``python -m tests.test_library_gate``, each alone / all as one library; Hit@1, Hit@3, conversations): 0.469 /
# 0.648 / 0.695 → 0.464 / 0.651 / 0.707 alone, 0.396 / 0.565 / 0.524 → 0.404 / 0.576 / 0.573 as one; the shared
# library set and the dev sets unchanged; SciFact train nDCG@10 0.6952 → 0.6967. -ent / -ency (frequent,
# frequency) cost the one library a conversation and is left out; so are -emia / -emic, -pathy / -pathic and
# -ergy / -ergic (the same scores with them, but the noun's stem would lose the ending ``decide.MEDICAL_SUFFIX``
# reads). The result is a stem no rule changes again. Of the shipped English list's stems, 214 change and 23 join
# another word's (the pairs above, and a few of other meanings: instant and instance, variant and variance).
DERIVED = (("ylact", "ylaxi"), ("ant", "anc"), ("ot", "osi"), ("iat", "iasi"))


def derived(stem: str) -> str:
    """``stem`` with its adjective ending made the noun's (``DERIVED``)."""
    for ending, noun in DERIVED:
        if stem.endswith(ending) and len(stem) > len(ending) + 2:
            return stem[: -len(ending)] + noun
    return stem


def _unicode_words():
    global _WORDS
    if _WORDS is None:
        import regex

        _WORDS = regex.compile(PATTERN, re.UNICODE | re.MULTILINE | re.DOTALL)
    return _WORDS


# Beyond ASCII, the pattern's word characters are Unicode's letters, marks, decimal digits and connector punctuation
# (the ``regex`` engine's \w, less "_"). A text whose other characters are all letters or decimal digits (words) or
# spaces and punctuation but connectors (gaps) is split as ASCII is: "µg", "naïve" once accents are stripped, "’"
# and "–" as Slack and word processors write them. Marks, symbols (some are letters to ``regex``: Ⓐ) and format
# characters go to ``regex``; a character Python's Unicode tables do not know is none of these.
_WORD_CLASSES = frozenset(("Lu", "Ll", "Lt", "Lm", "Lo", "Nd"))
_GAP_CLASSES = frozenset(("Zs", "Zl", "Zp", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"))


class Words:
    """Runs of letters and digits: ``tokenize(text)`` as nltk's ``RegexpTokenizer(PATTERN)`` gives them."""

    @staticmethod
    def tokenize(text: str) -> list[str]:
        if text.isascii():
            return text.translate(_ASCII_GAPS).split()
        gaps = _plain_gaps(text)
        if gaps is not None:
            return text.translate(gaps).split()
        return _unicode_words().findall(text)


def _plain_gaps(text: str) -> dict[int, str] | None:
    """Every gap of ``text`` (ASCII's and its own beyond ASCII) as a translation to spaces, when its non-ASCII
    characters are all words or gaps (``_WORD_CLASSES``, ``_GAP_CLASSES``); else None (``regex`` splits it)."""
    gaps = dict(_ASCII_GAPS)
    for c in set(text):
        if c.isascii():
            continue
        kind = unicodedata.category(c)
        if kind in _GAP_CLASSES:
            gaps[ord(c)] = " "
        elif kind not in _WORD_CLASSES:
            return None
    return gaps


VERSION = 1

# Abbreviations written in capitals whose lower case is a stop word: the shipped table's (``data/abbreviations.tsv``)
# "ALL" (acute lymphocytic leukemia), "AS" (aortic stenosis), "IM" (intramuscular), "US" (ultrasound), "HE", "WHO" …,
# less the auxiliary verbs ("IS", "BE": emphasis, never an abbreviation). ``tests/test_tokenize.py`` derives it from
# the table and the stop words again. As written in running text, one is a word of its own, indexed and searched as
# written; "im", "us", "as" stay stop words (``Tokenizer.cased_words`` has the rules). A question's "IM" is searched by
# its long forms too (the lexicon links it to "intramuscular"). Over the 18 tuning sets pooled (``python -m
# tests.tuning``) first answers 367 → 368, first three 456 → 458 ("adult anaphylaxsis - IM epi dose and max?",
# "should i order a pelvic US", "what's the IM schedule?"); the twelve gated libraries alone Hit@1 0.5365 → 0.5391,
# Hit@3 0.6875 → 0.6927; as one library Hit@3 0.6250 → 0.6224 (the first question above: another article's "IM"
# lines, for ketorolac, now share the word, and the intramuscular line fell out of the first five); the shared
# library set and SciFact unchanged. Kept in the question only, the passages' own "IM" could never match it: a
# review found "ceftriaxone dose IM?" led by the newborn line saying "intramuscularly", not the line saying "IM".
CAPITAL_STOPS = frozenset(("ALL", "AS", "AT", "ETC", "HE", "HIS", "IM", "IN", "IT", "OR", "US", "WHO"))
_CAPITAL_STOP = re.compile(r"\b(?:" + "|".join(sorted(CAPITAL_STOPS)) + r")\b")
_ASCII_WORDS = re.compile(r"[A-Za-z0-9']+")  # words with their apostrophes ("I'M" is "I'm", no "IM")
_SHOUTED = re.compile(r"\b[A-Z]{5,}\b")
MAX_WORD_CHARS = 40  # longer "words" are base64, hashes or junk: cut, never stemmed whole


_SNOWBALL_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def snowball():
    """nltk's Snowball English stemmer. Importing ``nltk.stem.snowball`` runs ``nltk/__init__.py`` first, which imports
    nearly all of nltk (its corpora readers, translation metrics, taggers: 0.4-0.6 s on this machine) for a stemmer
    that needs five of its modules. Unless nltk is imported already, those modules are loaded from nltk's own files
    under empty stand-ins for their packages (``nltk``, ``nltk.stem``, ``nltk.corpus``), which are taken out of
    ``sys.modules`` again, with the modules loaded under them, so that a later ``import nltk`` anywhere in the process
    imports the whole of nltk as usual. Should nltk's layout ever refuse that, the stemmer comes from a plain import.
    One stemmer for the process (it keeps no state between words). ``tests/test_tokenize.py`` checks that both ways
    stem every shipped English word alike.

    Only while the process runs one thread (a command-line ``ask``, a ``reindex``): for the tens of milliseconds the
    stand-ins are in ``sys.modules``, another thread's ``import nltk`` would get the empty one and keep it. A process
    with threads (``citebot slack`` loads its stemmer at start, ``Tokenizer.load``) takes the plain import."""
    with _SNOWBALL_LOCK:
        if "nltk" not in sys.modules and threading.active_count() == 1:
            try:
                return _light_snowball()
            except Exception:  # noqa: BLE001 - a layout this loader does not know: the plain import below
                pass
        from nltk.stem.snowball import SnowballStemmer

        return SnowballStemmer("english")


def _light_snowball():
    spec = importlib.util.find_spec("nltk")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("nltk is not installed")
    root = list(spec.submodule_search_locations)[0]
    before = set(sys.modules)

    def stand_in(name: str, folder: str) -> types.ModuleType:
        module = types.ModuleType(name, "an empty stand-in for the package while its stemmer loads (tokenize.py)")
        module.__path__ = [folder]
        sys.modules[name] = module
        return module

    try:
        stand_in("nltk", root)
        stand_in("nltk.stem", f"{root}/stem")
        # the stemmer imports nltk's stop-word corpus reader, used only with ignore_stopwords=True (never here)
        stand_in("nltk.corpus", f"{root}/corpus").stopwords = None
        from nltk.stem.snowball import SnowballStemmer

        return SnowballStemmer("english")
    finally:
        for name in set(sys.modules) - before:
            if name == "nltk" or name.startswith("nltk."):
                del sys.modules[name]


def _stopwords_text() -> str:
    return data_path("stopwords.txt").read_text(encoding="utf-8")


class Tokenizer:
    def __init__(self) -> None:
        text = _stopwords_text()
        self.stopwords = frozenset(
            w.strip().replace("'", "") for w in text.splitlines() if w.strip() and not w.startswith("#")
        )
        self._stopwords_hash = hashlib.sha256(text.encode()).hexdigest()[:16]
        self._words = Words()
        self._stemmer = None  # nltk's, imported on the first word whose stem is not known
        self._cache: dict[str, str] = {}
        # tables of word → stem made by this stemmer (``.get``), opened on the first word not known yet
        # (``add_stems``: functions returning them)
        self._sources: list = [self._english_stems]
        self._tables: list = []
        self._loading = threading.Lock()

    @cached_property
    def settings_key(self) -> str:
        """``settings`` as one string: the key of what a process works out once per tokenizer settings (the shipped
        vocabulary's lexicon and stems: ``lexicon._shipped``, ``indexer._stem_shipped_lists``)."""
        import json

        return json.dumps(self.settings, sort_keys=True)

    @cached_property
    def settings(self) -> dict:
        """What the index records; a different value means the index must be rebuilt."""
        return {
            "version": VERSION,
            "pattern": PATTERN,
            "normalise": "NFKC, lower case, accents stripped",
            "stemmer": "nltk SnowballStemmer('english')",
            "derived": [list(pair) for pair in DERIVED],
            "stopwords_sha256": self._stopwords_hash,
            "capital_stops": sorted(CAPITAL_STOPS),  # kept as words, as ``cased_words`` reads them
        }

    def check(self, recorded: dict) -> None:
        if recorded != self.settings:
            raise IndexFormatError(
                "the index was built with different tokenizer settings "
                f"({recorded!r}, this citebot uses {self.settings!r}); run `citebot reindex`"
            )

    @staticmethod
    def normalise(text: str) -> str:
        text = unicodedata.normalize("NFKC", text).lower().replace("'", "").replace("\u2019", "")
        if text.isascii():
            return text
        decomposed = unicodedata.normalize("NFKD", text)
        return "".join(c for c in decomposed if not unicodedata.combining(c))

    def words(self, text: str) -> list[str]:
        """Normalised words with stop words removed, not yet stemmed (an abbreviation in capitals kept:
        ``cased_words``)."""
        if text.isascii() and _CAPITAL_STOP.search(text):  # looked for once: ``_ascii_cased`` need not again
            return [n for _, n in self._ascii_cased(text, True)]
        stop = self.stopwords
        return [w[:MAX_WORD_CHARS] for w in self._words.tokenize(self.normalise(text)) if w not in stop]

    def cased_words(self, text: str) -> list[tuple[str, str]]:
        """(word as written, normalised word) for each of ``words``. A stop word written as one of
        ``CAPITAL_STOPS`` is kept as written ("IM epi", "US first or CT?", "WHO grade"; never stemmed, so no
        lower-case word's stem, "IMs" for inflammatory markers, is the same term) unless an apostrophe
        joins it ("I'M", "HE'S"), "the" comes before it and no noun after it ("in the US, …", "the US and Canada";
        not "the IM schedule": ``_modifies``), or the text is written in capitals (``_shouted``: "HOW MUCH IM
        ADRENALINE?"). Over ASCII text; other text keeps its stop words out, as before."""
        text = unicodedata.normalize("NFKC", text)
        if not text.isascii():
            stop = self.stopwords
            return [(w, n) for w in self._words.tokenize(text.replace("'", "").replace("\u2019", ""))
                    for n in self._words.tokenize(self.normalise(w)) if n not in stop]
        return self._ascii_cased(text, _CAPITAL_STOP.search(text) is not None)

    def _ascii_cased(self, text: str, capital_stop: bool) -> list[tuple[str, str]]:
        """``cased_words`` of ASCII ``text``; ``capital_stop``: whether ``_CAPITAL_STOP`` finds one in it."""
        stop = self.stopwords
        found = [m for m in _ASCII_WORDS.finditer(text) if m.group().strip("'")]
        written = [m.group() for m in found]
        capitals = capital_stop and not _shouted(written)
        out, before = [], ""
        for i, t in enumerate(written):
            w = t.replace("'", "")
            n = w.lower()
            if n not in stop:
                out.append((w, n[:MAX_WORD_CHARS]))
            elif capitals and t in CAPITAL_STOPS and (before != "the" or _modifies(text, found, i, stop)):
                out.append((w, w))  # in capitals: a word no lower-case one ("IMs", inflammatory markers: im) is
            before = n
        return out

    def _english_stems(self) -> dict[str, str]:
        from .english import word_stems

        return word_stems(self)

    def add_stems(self, loader) -> None:
        """A table of word → stem (``loader()`` returns it; anything with ``.get``) to look in before resorting
        to nltk's stemmer: the index's words (``store.read_stems``)."""
        with self._loading:
            self._sources.append(loader)  # after the English table: most words a process stems at start are English

    def _open_tables(self) -> None:
        with self._loading:
            while self._sources:
                self._tables.append(self._sources.pop(0)())

    def load(self) -> None:
        """Load the word → stem tables and nltk's stemmer now, not at the first word that needs them (before
        forking workers: each then has them)."""
        self._open_tables()
        if self._stemmer is None:
            self._stemmer = snowball()

    def tabled(self, word: str) -> str | None:
        """The stem of ``word`` when it is known without nltk's stemmer (stemmed before, or in a word → stem
        table: the English words' and the index's), else None."""
        s = self._cache.get(word)
        if s is None and word in CAPITAL_STOPS:
            return word  # kept as written, never stemmed (``cased_words``)
        if s is None and (self._sources or self._tables):
            if self._sources:
                self._open_tables()
            for table in self._tables:
                s = table.get(word)
                if s is not None:
                    if len(self._cache) < 1_000_000:  # a table lookup costs a bisection: once per word
                        self._cache[word] = s
                    break
        return s

    def stem(self, word: str) -> str:
        s = self.tabled(word)
        if s is None:
            if self._stemmer is None:
                self._stemmer = snowball()
            s = derived(self._stemmer.stem(word))
            if len(self._cache) < 1_000_000:
                self._cache[word] = s
        return s

    def preload(self, stems: dict[str, str]) -> None:
        """Known word → stem pairs (computed by this stemmer when the index was built)."""
        if not self._cache:
            self._cache.update(stems)
            return
        for w, s in stems.items():
            self._cache.setdefault(w, s)

    @property
    def remembered(self):
        """The look-up of a remembered word's stem (``dict.get``: None when not remembered): a reader's fast path,
        before ``stem``, which also remembers."""
        return self._cache.get

    def known(self) -> dict[str, str]:
        """The word → stem pairs seen so far."""
        return dict(self._cache)

    @property
    def stemmer_loaded(self) -> bool:
        return self._stemmer is not None

    def __call__(self, text: str) -> list[str]:
        get = self._cache.get
        return [get(w) or self.stem(w) for w in self.words(text)]


def _shouted(written: list[str]) -> bool:
    """Whether words are written in capitals throughout: more than half of those of two letters or more, one of them
    a word of five letters or more (an abbreviation-dense line, "HTN, DM, CKD pt - IM or PO?", is not)."""
    long = [t for t in written if len(t) > 1]
    caps = [t for t in long if t.isupper()]
    return 2 * len(caps) > len(long) and any(_SHOUTED.fullmatch(t) for t in caps)


def _modifies(text: str, found: list, i: int, stop) -> bool:
    """Whether word ``i`` of ``found`` (matches in ``text``) is followed, across a space only, by a word in lower case
    that is no stop word: a noun it modifies ("the IM schedule", "the US findings")."""
    if i + 1 >= len(found):
        return False
    nxt = found[i + 1].group()
    return (not text[found[i].end() : found[i + 1].start()].strip() and nxt.isalpha() and nxt.islower()
            and nxt not in stop)
