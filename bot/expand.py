"""A question → its own stems plus the alternatives it also searches for, as a weighted BM25 query.

Alternatives come from these general sources, each only when the index holds them:

* the lexicon (``lexicon.py``): lay ↔ clinical phrases, abbreviations, word families, drug classes;
* abbreviations the articles define, harvested at index time;
* drug names (``drugs.py``): brand names and synonyms, and clipped names ("dilt" → diltiazem);
* disease names (``diseases.py``, MeSH's entry terms): the names the articles use of a disease the question names
  otherwise ("nosebleed" → epistaxis), when no passage holds the question's own name;
* clipped words the index lacks ("outpt" → outpatient, "tab" → tablet): index terms with the same first
  two letters holding the word's letters in order (at most ``MAX_CLIPPED`` of them), for a word not itself common
  English (``_common_word``: "came" is no clipped carbamazepine);
  when a library offers more than that ("dex": dexamethasone, dexmedetomidine, dextrose…), those sharing an
  article with the question's rarest other words (``Expander._in_context``);
* misspelt words the index lacks ("reatment" → treatment): index terms one edit away (two for long words);
  neither for a word written with capitals after its first letter ("HFpEF", "SCLE": an abbreviation as meant);
* word families by shared prefix: a question stem and an index term that agree on their first
  ``PREFIX`` letters ("inflammation" ↔ "inflammatory", "therapy" ↔ "therapeutic");
* short forms nothing else explains, spelt out from the articles the question points to (``spelt_out``:
  "RAI" → radioactive iodine, "UBT" → urea breath test); ``answer.py`` picks the articles;
* a number written with its unit ("12kg", "48h", "15mg"), which the index lacks: the number and the unit, as the
  articles write them apart ("12 kg"), those of the two the index holds; and the number alone, as the articles may
  spell the unit out ("a 48-hour infusion").

The question's own stems weigh 1; an alternative of ``n`` stems adds ``weight / n`` to each of its
stems. Every score stays a BM25 score of the index: expansion only adds weighted query terms.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from .data import lines
from .intent import written_in
from .lexicon import Lexicon
from .tokenize import CAPITAL_STOPS, MAX_WORD_CHARS, Tokenizer, Words
from .values import ORDINAL, ORDINAL_WORDS, question_classes, question_values

PREFIX = 6
# a number written with its unit ("12kg", "75g", "48h", "15mg"), which the articles write apart; not an ordinal ("2nd")
_VALUE = re.compile(r"(\d+)([a-z]{1,4})")
CLIP_EXTRA = 2  # a clipped word's term is at least this many letters longer ("tab" → "tablet")
MAX_CLIPPED = 5  # more candidates than this: the clipped word is ambiguous and stands for none
# A word as common in general English as ``english.COMMON`` (Zipf, of the word as written or its plural:
# ``_common_word``, through ``english.common_words``) is itself, not a clipped form: "came" was searched as carbamazepine, "ago" as agonist, "send" as second, "free" as frequent, "head" as
# headache, "kid" as kidney. Common clipped forms stay below it: "max" 4.7, "mod" 3.9, "tab" 4.0, "dex" 3.3, "creat"
# (whose stem "create" shares, 5.05: the word is read, not its stem). It costs a few that clinicians clip from a
# common word: "radio" (5.01) for radiotherapy, "post" for postop. Over the 18 tuning sets pooled first answers and
# first three unchanged (357 / 450), one out-of-scope question fewer declined (123 → 122: "… the free water
# deficit?" had been declined through "frequent"); the twelve libraries as one library Hit@1 0.4505 → 0.4479 ("K came
# back 5.8, what now" had been led through carbamazepine's article)
# ...unless the question's other words tell its candidates apart (``Expander._in_context``), weighed for at most this
# many: a library of 119 articles offers 6 to 36 for the clipped words of 500 questions; a word offering hundreds
# ("st" + one letter) is too short to read, and weighing them all cost 5 ms a question at 100k passages
MAX_AMBIGUOUS = 64
SHORT_FORM = (2, 5)  # letters of a word the index lacks that ``spelt_out`` may read as a short form
SPELT_WORDS = 4  # a short form stands for at most this many words
SPELT_SEEN = 2  # the phrase a short form stands for: seen this often, and twice as often as any other
MAX_SHORT_FORMS = 4  # a question's first this many short forms are spelt out (a question of 300 is not read so)
# an age: "4 yo", "63yo", "82 y/o", "9-year-old", "19 years old" (not "for 2 yrs": a duration)
_AGE = re.compile(r"\b(\d{1,3})\s*-?\s*(?:yo|y/o|y\.o\.|(?:yrs?|years?)\s*-?\s*old)(?![A-Za-z])", re.I)
ADULT_AGE = 18  # an age below this is a child's: the question asks about children (``_ages``)
# an infant's age: "6 mo", "4 month old", "10 day old", "2 wk old" (not "for 3 days": a duration)
_YOUNG_AGE = re.compile(r"\b\d{1,2}\s*-?\s*(?:mo\b|mos\b|(?:months?|wks?|weeks?|days?)\s*-?\s*old\b)", re.I)
# what a question says the patient has or takes: after a word for the patient and "on", "w", "with", "has", "had",
# "takes", "taking", up to six words, to the end of the clause (a comma, a dash, a question mark, "but", "so", or a
# word that starts the question proper: "what", "how", "can", "should", "ok", "is", "do", "does", "when" …)
_PATIENT = r"\b(?:pt|pts|patient|patients|he|she|hes|shes|man|woman|boy|girl|child|kid|baby|infant|mom|mother|someone)"
_DESCRIBED = re.compile(
    _PATIENT + r"(?:\s+(?:is|was|already|still|also))?\s+(?:on|w/?|with|has|had|takes|taking)\s+"
    r"((?:(?!(?:but|so|what|how|can|should|ok|okay|is|do|does|when|which|who|why|would|could|needs?|wants?)\b)"
    r"[a-z0-9][a-z0-9'/+.-]*\s*){1,6})")
# words joined by spaces or hyphens only (never across a comma or a full stop), or an initial ("H. pylori")
_RUN = re.compile(r"(?:[A-Z]\.|[A-Za-z]+)(?:[ \t-]+(?:[A-Z]\.|[A-Za-z]+))*")


_LETTERS = re.compile(r"[a-z]+")


@functools.lru_cache(maxsize=1)
def person_nouns() -> frozenset[str]:
    """Common nouns for a kind of person, and their plurals ("toddler", "grandma", "smokers"): ``data/person_nouns.txt``,
    from WordNet 3.0 (``data/make_person_nouns.py``: no named people, abbreviations or drug-class words)."""
    return frozenset(lines("person_nouns.txt"))


@dataclass(frozen=True)
class Expanded:
    """``terms``: the question's stems in order; ``alternates[t]``: stem tuples that may stand for ``t``;
    ``phrases[p]``: the alternatives of a lexicon phrase of several stems the question holds ("x-ray",
    "blood thinner"), which coverage counts as one concept rather than word by word."""

    terms: tuple[str, ...]
    alternates: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    phrases: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    either: tuple[tuple[str, str], ...] = ()  # stems on each side of an "or" ("SLE or MCTD")
    defined: tuple[str, ...] = ()  # stems of abbreviations the question defines itself ("… virus (ComYMV)")
    own: tuple[str, ...] | None = None  # a follow-up judged with the turn before it: the follow-up's own stems
    asks: tuple[str, ...] = ()  # wh-words whose answer-type words are among ``alternates`` (question_words.tsv)
    quantity: bool = False  # "how many / much / long / often": the answer is a number (intent.quantity)
    wants_list: bool = False  # "which drugs …", "who …": the answer is a list (``_wants_list``)
    asking: bool = False  # it asks something, not only tells ("she's had a second episode"): ``asking``
    values: tuple = ()  # the numbers it gives (``values.Value``), which a passage's stated range may hold
    described: tuple[str, ...] = ()  # stems of what it says the patient has or takes ("pt on lasix": ``_described``)
    classes: tuple = ()  # the classes it names by number ("type 1 DM": ``values.Classed``), which deciding reads whole
    diseases: tuple[tuple[str, ...], ...] = ()  # stems of the disease names it writes (``diseases.py``)
    told: tuple[str, ...] = ()  # stems of participles that describe, not ask ("newly diagnosed PD": ``described_participles``)
    case: tuple[str, ...] = ()  # stems from its first mark of a patient on (``_case``): what a case told is about

    def weights(self, alt_weight: float, scale: float = 1.0, *, vocab=None, known_weight: float | None = None,
                unseen_weight: float | None = None, generic=frozenset()) -> dict[str, float]:
        """Own stems at ``scale``; alternatives at ``alt_weight`` (``known_weight`` for the alternatives
        of a stem the index already holds, ``unseen_weight`` for those of a stem or phrase it lacks, when
        ``vocab`` is given; a ``generic`` stem's alternatives never weigh more than ``known_weight``). The stems of a lexicon phrase the index lacks share one weight between them:
        "calcium channel blocker" is one concept, not three words ("calcium" alone means another thing).
        A word of one letter ("K", which the lexicon spells out only when written in capitals) names nothing
        on its own in an index, where it is also the K of vitamin K: its alternatives weigh as those of a word the
        index lacks. Over the twelve tuning libraries as one library (``python -m tests.test_library_gate
        --one-library``), Hit@1 0.404 → 0.409, Hit@3 0.578 → 0.581, conversations 0.573 → 0.585 ("K came back
        5.8, what now" after spironolactone for heart failure had been answered with vitamin K for warfarin);
        each library alone, the shared library set and the dev sets unchanged. Words of two letters too ("Na",
        "Hb", "IV", "PE") moved items both ways and answered an out-of-scope question."""
        q: dict[str, float] = {}
        share: dict[str, float] = {}
        if vocab is not None:
            for p in self.phrases:
                if not all(s in vocab for s in p):
                    for s in p:
                        share[s] = min(share.get(s, 1.0), 1.0 / len(p))
        for t in self.terms:
            q[t] = q.get(t, 0.0) + scale * share.get(t, 1.0)
        own = set(self.terms)
        letters = {t for t in own if len(t) == 1 and t.isalpha()}  # "K": its alternatives say what it means
        extra: dict[str, float] = {}
        for t, alts in self.alternates.items():
            w = alt_weight
            if t in self.asks:  # answer-type words: never more than an alternative of a word the index holds
                w = min(w, known_weight if known_weight is not None else alt_weight)
            elif vocab is not None:
                if t not in vocab or t in share or t in letters:
                    w = unseen_weight if unseen_weight is not None else alt_weight
                elif known_weight is not None:
                    w = known_weight
                if t in generic and known_weight is not None:
                    w = min(w, known_weight)
            for alt in alts:
                for s in alt:
                    if s not in own:
                        extra[s] = max(extra.get(s, 0.0), w / len(alt))
        for s, w in extra.items():
            q[s] = q.get(s, 0.0) + w * scale
        return q


FAMILY_STEM = 6  # shortest alternative whose word family in the index stands for it
MAX_FAMILY = 3  # more index terms starting with it than this: too general to say which


class Expander:
    def __init__(self, tokenizer: Tokenizer, lexicon: Lexicon, vocab: dict[str, int], *,
                 use_lexicon: bool = True, use_prefix: bool = True, use_drugs: bool = True,
                 holding=None, n_articles: int = 0, together=None):
        self.tokenizer = tokenizer
        # term → {article: passages holding it} ({} when the index lacks it; ``rank.Levels.holding``), and the
        # number of articles: what tells an ambiguous clipped word's terms apart (``_in_context``); None: unused
        self.holding = holding
        self.together = together  # stems → whether some passage holds them all (None: not known)
        self.n_articles = n_articles
        self.lexicon = lexicon
        self.vocab = vocab
        self.use_lexicon = use_lexicon
        self.use_prefix = use_prefix
        self.use_drugs = use_drugs
        self._zipf: dict[str, float] | None = None
        self._sorted: list[str] | None = None  # the vocabulary, sorted (the index keeps it sorted)
        self._by_len: dict[tuple, list[str]] | None = None
        self._words = Words()

    def _cased(self, text: str) -> list[tuple[str, str]]:
        """(word as written, stem) for each searched word: ``tokenizer(text)``, less an abbreviation in capitals that
        is a stop word (``tokenize.CAPITAL_STOPS``: "IM", "WHO") which neither the index nor the lexicon knows — a
        question's "WHO" in a library that never writes it is no word to decline on."""
        stem, known = self.tokenizer.stem, self.lexicon.links if self.use_lexicon else {}
        return [(w, s) for w, n in self.tokenizer.cased_words(text) for s in (stem(n),)
                if n not in CAPITAL_STOPS or s in self.vocab or (s,) in known]

    def _drug_names(self, words: list[tuple[str, str]], alts: dict) -> None:
        """Generic names the index holds for brand names, synonyms and clipped names (``drugs.py``)."""
        from . import drugs

        n_words = len(words)
        for n in range(min(drugs.MAX_WORDS, n_words), 0, -1):
            for i in range(n_words - n + 1):
                names = drugs.variant(" ".join(w for w, _ in words[i : i + n]))
                if not names and n == 1 and words[i][1] not in self.vocab and self._unusual(words[i]):
                    names = drugs.clipped(words[i][0]) or drugs.leading(words[i][0])
                names = tuple(names) + tuple(c for name in names for c in drugs.components(name))
                found = {tuple(self.tokenizer(name)) for name in names}
                found = {a for a in found if a and self._known(a)}
                for _, s in words[i : i + n]:
                    if found:
                        alts.setdefault(s, set()).update(found)

    def _disease_names(self, words: list[tuple[str, str]], alts: dict) -> tuple[tuple[str, ...], ...]:
        """The names the index holds of the diseases the question names by another (``diseases.py``)."""
        from . import diseases

        n_words = len(words)
        keyed = [diseases.key(self.tokenizer, w) for w, _ in words]
        starts = [bool(k) and diseases.begins(k) for k in keyed]  # a word no name begins with starts none
        taken = [False] * n_words  # inside a longer name already found: "congenital hypothyroidism" is no hypothyroidism
        named: list[tuple[str, ...]] = []
        for n in range(min(diseases.MAX_WORDS, n_words), 0, -1):
            for i in range(n_words - n + 1):
                if not starts[i] or any(taken[i : i + n]):
                    continue
                names = diseases.synonyms(" ".join(k for k in keyed[i : i + n] if k))
                if not names:
                    continue
                taken[i : i + n] = [True] * n
                own = tuple(s for _, s in words[i : i + n])
                named.append(own)
                if self._named(own):
                    continue  # the articles use the question's own name
                found = {a for a in map(self._tabled, names) if a and a != own and self._named(a)}
                if found:
                    for s in own:
                        alts.setdefault(s, set()).update(found)
        return tuple(named)

    def _tabled(self, name: str) -> tuple[str, ...] | None:
        """The stems of ``name`` when every word of it has a stem without nltk's stemmer (``Tokenizer.tabled``): a
        word of no table is in no article, and a cold ``ask`` need not import nltk for it."""
        stems = tuple(self.tokenizer.tabled(w[:MAX_WORD_CHARS]) for w in self.tokenizer.words(name))
        return None if None in stems else stems

    def _named(self, stems: tuple[str, ...]) -> bool:
        """Whether some passage holds every one of ``stems`` (all in the index, when passages are not known)."""
        if not self._known(stems):
            return False
        return len(stems) == 1 or self.together is None or self.together(stems)

    def _context(self, stem: str, stems: list[str], alts: dict) -> frozenset[str]:
        """The index terms the question's other words stand for: themselves, or their alternatives of one stem."""
        out = set()
        for s in stems:
            if s == stem:
                continue
            if s in self.vocab:
                out.add(s)
            out.update(a[0] for a in alts.get(s, ()) if len(a) == 1)
        return frozenset(out)

    def _clipped(self, word: str) -> list[str]:
        """Index terms a clipped word may stand for ("outpt" → outpatient, "tab" → tablet): terms sharing its
        first two letters that hold its letters in order and are longer by ``CLIP_EXTRA`` or more. More than
        ``MAX_CLIPPED`` of them: the word is too short to say which by its letters (``expand`` asks ``_in_context``)."""
        if len(word) < 3 or not word.isalpha():
            return []
        def holds(term: str) -> bool:
            it = iter(term)
            return all(c in it for c in word)

        found = [t for t in self._starting(word[:2]) if t.isalpha() and len(t) >= max(5, len(word) + CLIP_EXTRA)
                 and holds(t)]
        return found

    def _in_context(self, terms: list[str], context: frozenset[str]) -> list[str]:
        """Of the ``terms`` an ambiguous word may stand for, those sharing an article with the most of the
        question's other words (``context``), each of those counted by its inverse article frequency: "dex" in
        "dex dose for croup" is dexamethasone, which the croup article holds, not dexmedetomidine. None when no
        term shares an article with them, or when more than ``MAX_CLIPPED`` tie."""
        if self.holding is None or not context or not self.n_articles or len(terms) > MAX_AMBIGUOUS:
            return []
        weights = {}
        for c in context:
            arts = self.holding(c)
            if arts and len(arts) < self.n_articles:
                weights[c] = (math.log(self.n_articles / len(arts)), arts)
        scores = {}
        for t in terms:
            held = self.holding(t)
            scores[t] = sum(w for w, arts in weights.values() if not held.keys().isdisjoint(arts.keys()))
        best = max(scores.values(), default=0.0)
        if best <= 0:
            return []
        found = [t for t in terms if scores[t] >= best]
        return found if len(found) <= MAX_CLIPPED else []

    def _in_index(self, alt: tuple[str, ...]) -> list[tuple[str, ...]]:
        """``alt`` when the index holds it; else, for one stem of ``FAMILY_STEM`` letters or more, the index
        terms of its word family that start with it ("nephrolog" → nephrologist): the stemmer leaves
        "-ist", "-ic" and the like."""
        if self._known(alt):
            return [alt]
        if len(alt) == 1 and len(alt[0]) >= FAMILY_STEM and alt[0].isalpha():
            return [(t,) for t in self._starting(alt[0]) if t.isalpha()][:MAX_FAMILY]
        return []

    def _starting(self, prefix: str) -> list[str]:
        """Index terms that start with ``prefix``: a range of the sorted vocabulary, found by bisection (no
        per-prefix table built over the whole vocabulary at start: a one-shot ``ask`` needs a few)."""
        terms = self._sorted
        if terms is None:
            terms = self._sorted = list(self.vocab)
            terms.sort()  # one pass when already sorted
        lo = bisect.bisect_left(terms, prefix)
        hi = bisect.bisect_left(terms, prefix + "\U0010ffff", lo)
        return terms[lo:hi]

    def _misspelt(self, stem: str) -> list[str]:
        """Index terms one edit away from a stem the index lacks ("coatmer" → coatom, "reatment" →
        treatment; two edits for stems of 8 letters or more), when there are at most ``MAX_CLIPPED``."""
        if len(stem) < 5 or not stem.isalpha():
            return []
        if self._by_len is None:  # (length, letter) -> terms with that first letter, and with that second
            by_len: dict[tuple, list[str]] = {}
            for t in self.vocab:
                if t.isalpha():
                    by_len.setdefault((len(t), 0, t[0]), []).append(t)
                    by_len.setdefault((len(t), 1, t[1:2]), []).append(t)
            self._by_len = by_len
        limit = 2 if len(stem) >= 8 else 1
        found: dict[str, None] = {}  # terms starting like the stem, or with one letter added or dropped first
        letters = set(stem)  # a letter of the stem that a term lacks costs an edit: more than ``limit`` of them, no
        for n in range(len(stem) - limit, len(stem) + limit + 1):
            for key in ((n, 0, stem[0]), (n, 1, stem[0]), (n, 0, stem[1:2])):
                for t in self._by_len.get(key, ()):
                    if (t not in found and len(letters.difference(t)) <= limit and _within(stem, t, limit)
                            and not _opposite(stem, t)):
                        found[t] = None
        return list(found) if len(found) <= MAX_CLIPPED else []

    def _unusual(self, word: tuple[str, str]) -> bool:
        """Whether a word is rare in general English (so "dilt" may be clipped, "dose" not)."""
        from . import drugs

        z = self._zipf_of(word[1])
        return z is None or z < drugs.MAX_ENGLISH_ZIPF

    def _zipf_of(self, stem: str) -> float | None:
        """General English frequency of a stem (``english.py``); None for a word English does not list, which
        alone may be a misspelling ("reatment"): "frail" is a word, not a misspelt "fail"."""
        from . import english

        if self._zipf is None:
            self._zipf = english.stem_zipf(self.tokenizer)
        return self._zipf.get(stem)

    def _known(self, alt: tuple[str, ...]) -> bool:
        return all(s in self.vocab for s in alt)

    def _prefix_family(self, stem: str) -> list[str]:
        if len(stem) < PREFIX or any(c.isdigit() for c in stem):
            return []
        return [t for t in self._starting(stem[:PREFIX]) if t != stem and t.isalpha()]

    def expand(self, text: str) -> Expanded:
        form = asking(text)
        case = self._case(text)
        text = _ages(text)
        words = self._cased(text)
        fillers = self.lexicon.fillers if self.use_lexicon else ()
        if fillers:  # "AF w RVR": the "w" is "with", a stop word
            words = [w for w in words if (w[1],) not in fillers]
        stems = [s for _, s in words]
        raw = tuple(self._words.tokenize(self.tokenizer.normalise(text)))  # every word, stop words too
        alts: dict[str, set[tuple[str, ...]]] = {}
        phrases: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
        taken = [False] * len(stems)  # positions inside a longer phrase already matched
        asks: tuple[str, ...] = ()
        if self.use_lexicon:
            links, caps = self.lexicon.links, self.lexicon.caps
            for n in range(min(self.lexicon.longest, len(stems)), 0, -1):
                for i in range(len(stems) - n + 1):
                    key = tuple(stems[i : i + n])
                    found = links.get(key)
                    if not found:
                        continue
                    need = caps.get(key)
                    if need and not (n == 1 and words[i][0] == need):
                        found = self.lexicon.open_links.get(key)
                        if not found:
                            continue
                    usable = {b for a in found for b in self._in_index(a)}
                    for s in key:
                        alts.setdefault(s, set()).update(usable)
                    if n > 1 and not any(taken[i : i + n]):
                        phrases.setdefault(key, set()).update(usable)
                        taken[i : i + n] = [True] * n
            self._spoken(raw, stems, alts)
            asks = self._asks_for(raw, alts)
        diseases: tuple[tuple[str, ...], ...] = ()
        if self.use_drugs:
            self._drug_names(words, alts)
            diseases = self._disease_names(words, alts)
        if self.use_prefix:
            for w, st in words:
                if st not in self.vocab and st not in alts and not _capitalised(w):
                    near = self._clipped(w.lower()) if not _common_word(w.lower()) else []
                    if len(near) > MAX_CLIPPED:  # ambiguous by its letters: read by the question's other words
                        near = self._in_context(near, self._context(st, stems, alts))
                    near = near or (self._misspelt(st) if self._zipf_of(st) is None else [])
                    if near:
                        alts.setdefault(st, set()).update((t,) for t in near)
        for st in set(stems):  # "12kg", "48h": the value and its unit, as the articles write them ("12 kg")
            m = _VALUE.fullmatch(st)
            if m and st not in self.vocab and m.group(2) not in ORDINAL:
                parts = tuple(p for p in m.groups() if p in self.vocab)
                if parts:
                    alts.setdefault(st, set()).add(parts)
                if len(parts) == 2:  # and the number alone, whether or not some article writes the unit so:
                    # "48h" is also "a 48-hour infusion" in a library where another article writes "every 8 h". Over
                    # the twelve tuning libraries alone Hit@3 0.651 → 0.654, conversations 0.707 → 0.720; as one
                    # library Hit@1 0.417 → 0.419, Hit@3 0.591 → 0.594; nothing else moved
                    alts[st].add(parts[:1])
        for st in set(stems):  # "4th drug" is "the preferred fourth drug" (``values.ORDINAL_WORDS``)
            word = ORDINAL_WORDS.get(st)
            other = tuple(self.tokenizer(word)) if word else ()
            if other and all(x in self.vocab for x in other):
                alts.setdefault(st, set()).add(other)
        if self.use_prefix:
            for s in set(stems):
                fam = self._prefix_family(s)
                if fam:
                    alts.setdefault(s, set()).update((t,) for t in fam)
        from .lexicon import harvest

        defined = tuple(s for short, _ in harvest([text]) for s in self.tokenizer(short)) if "(" in text else ()
        return Expanded(terms=tuple(stems), alternates={k: tuple(sorted(v)) for k, v in alts.items() if v},
                        phrases={k: tuple(sorted(v)) for k, v in phrases.items()}, either=self._either(raw),
                        defined=defined, asks=asks if self.use_lexicon else (), quantity=_asks_quantity(raw),
                        wants_list=_wants_list(raw), asking=form, values=question_values(text, self.tokenizer),
                        classes=question_classes(text),
                        described=self._described(text), diseases=diseases,
                        told=tuple(s for w in described_participles(text) for s in self.tokenizer(w)), case=case)

    def _described(self, text: str) -> tuple[str, ...]:
        """Stems of what the question says the patient has or takes: the words after "pt on", "pt w", "patient with",
        "she has", "in a pt with" … up to the next clause (``_DESCRIBED``); and its nouns for a kind of person
        ("zofran dose 12kg toddler", "a grandma in withdrawal": ``person_nouns``), which say who the patient is or
        who asks. Deciding counts those that no article names as context, not as concepts a passage must hold
        (``decide.Decider._plan``)."""
        lower = text.lower()
        return tuple(s for m in _DESCRIBED.finditer(lower) for s in self.tokenizer(m.group(1))) + tuple(
            s for m in _persons(lower) for s in self.tokenizer(m.group()))

    def _case(self, text: str) -> tuple[str, ...]:
        """The stems of ``text`` from its first mark of a patient on: an age ("82 yo", "6 mo", "10 day old"), a word for
        the patient ("pt", "she", "kid") or a noun for a kind of person (``person_nouns``). A case told opens with
        its patient ("6 mo with bronchiolitis …", "parents asking if …"); a request names its subject first and
        the patient after ("warfarin reversal for major bleeding, 82 yo"), and that subject is not part of the case.
        Empty when the text marks no patient."""
        lower = text.lower()
        starts = [m.start() for m in (_AGE.search(text), _YOUNG_AGE.search(text), re.search(_PATIENT + r"\b", lower),
                                      next(_persons(lower), None)) if m]
        return tuple(self.tokenizer(_ages(text[min(starts):]))) if starts else ()

    def _asks_for(self, raw: tuple[str, ...], alts: dict) -> tuple[str, ...]:
        """The answer-type words of the question's wh-words ("where" → location, site: ``data/question_words.tsv``),
        as alternatives of the wh-word itself, which is a stop word and no question term (so they rank but never
        count in deciding)."""
        table = _question_words(self.tokenizer)
        asks = []
        for word, stems in table.items():
            if word in raw:
                usable = {(s,) for s in stems if s in self.vocab}
                if usable:
                    alts.setdefault(word, set()).update(usable)
                    asks.append(word)
        return tuple(asks)

    def _spoken(self, raw: tuple[str, ...], stems: list[str], alts: dict) -> None:
        """Alternatives of phrases that only their stop words tell apart, when the question writes all their
        words: "how often" → frequency, "should not be used" → contraindicated (``Lexicon.spoken``)."""
        spoken = self.lexicon.spoken
        if not spoken:
            return
        present = set(stems)
        for words, (stem, targets) in spoken.items():
            if stem in present and written_in(words, raw):
                usable = {a for a in targets if self._known(a)}
                if usable:
                    alts.setdefault(stem, set()).update(usable)

    def _either(self, raw: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
        """(stem before, stem after) each "or" of the question's words ``raw`` that joins two searched words."""
        pairs = []
        for i, w in enumerate(raw):
            if w != "or" or i == 0 or i + 1 >= len(raw):
                continue
            before, after = self.tokenizer(raw[i - 1]), self.tokenizer(raw[i + 1])
            if before and after:
                pairs.append((before[-1], after[0]))
        return tuple(pairs)


_QUESTION_WORDS: dict[str, tuple[str, ...]] | None = None


def _question_words(tokenizer) -> dict[str, tuple[str, ...]]:
    """wh-word → the stems of its answer words (``data/question_words.tsv``), read once."""
    global _QUESTION_WORDS
    if _QUESTION_WORDS is None:
        table = {}
        for line in lines("question_words.tsv"):
            word, *answers = line.split("\t")
            table[word.strip().lower()] = tuple(dict.fromkeys(s for a in answers for s in tokenizer(a)))
        _QUESTION_WORDS = table
    return _QUESTION_WORDS


QUANTITY_WORDS = frozenset({"many", "much", "long", "often"})
# "what percentage / fraction / number / amount / age …": the same numeric classes asked with a noun
QUANTITY_NOUNS = frozenset({"percentage", "percent", "proportion", "fraction", "number", "amount", "age"})
# "how much does it affect …" asks for a degree, not an amount: "how much" before a verb
AUXILIARIES = frozenset("do does did is are was were can could will would should has have had may might".split())


def _asks_quantity(raw: tuple[str, ...]) -> bool:
    """Whether the question asks "how many", "how much", "how long" or "how often", or "what percentage /
    fraction / number / amount / age": the numeric answer types (NUM: count, quantity, period, frequency,
    percent) of the standard question classes (Li and Roth 2002), which only a passage holding a number
    answers. Not "how much" followed by a verb ("how much does calcinosis affect QoL?": a degree). The nouns:
    dev with the library as corpus Hit@3 0.943 → 0.971 ("What percentage of systemic sclerosis patients
    develop calcinosis?"), nothing else moved."""
    for i in range(len(raw) - 1):
        if raw[i] in ("what", "which") and raw[i + 1] in QUANTITY_NOUNS:
            return True
        if raw[i] == "how" and raw[i + 1] in QUANTITY_WORDS:
            after = raw[i + 2] if i + 2 < len(raw) else ""
            if not (raw[i + 1] == "much" and after in AUXILIARIES):
                return True
    return False


WH_WORDS = ("what", "which", "how", "when", "where", "why", "who")  # the question words (``asking``, ``_WH_WORDS``)
# a clause: the words between punctuation or a dash set apart by spaces
_CLAUSES = re.compile(r"[,;:?!.()]|\s[-–—]\s")
_BE = frozenset("is are was were be been being get gets got getting".split())
_WITH = frozenset(("with", "w", "w/", "for"))
_WH_WORDS = frozenset((*WH_WORDS, "whom", "whose"))
# words after a participle that make it no noun's attribute: prepositions and question words ("diagnosed with",
# "treated how")
_LINKS = _WITH | _WH_WORDS | frozenset("by in on at as to from via using through after before if".split())


def described_participles(text: str) -> tuple[str, ...]:
    """The past participles (words in "-ed") of ``text`` that describe the patient rather than ask what is done:
    before a noun with an adverb in "-ly" or "already" in front ("newly diagnosed PD", "in recently treated pts"), or
    followed by "with", "w" or "for" and a thing, not a question word, in a clause with no form of "be" or "get"
    before them ("pt treated with steroids", "diagnosed w PD last year"). "How is calcinosis treated?", "how is PD
    typically diagnosed?", "is it only diagnosed with a biopsy?", "treated with what?" and "calcinosis treated how?"
    ask. An intent's cue written so does not ask for that kind of information (``decide.Decider.wanted``): "sinemet
    starting dose for newly diagnosed PD" asks for a dose, not a diagnosis."""
    out = []
    for clause in _CLAUSES.split(text.lower()):
        words = re.findall(r"[a-z]+(?:/)?", clause)
        for i, w in enumerate(words):
            if len(w) < 5 or not w.endswith("ed"):
                continue
            before = words[i - 1] if i else ""
            after = words[i + 1] if i + 1 < len(words) else ""
            then = words[i + 2] if i + 2 < len(words) else ""
            adverb = (before.endswith("ly") and len(before) > 3) or before == "already"
            if (adverb and after and after not in _LINKS) or (
                    after in _WITH and then and then not in _WH_WORDS and not _BE.intersection(words[:i])):
                out.append(w)
    return tuple(out)


_ASKING = re.compile(r"\?|\b(?:" + "|".join((*WH_WORDS, "whats")) + r")\b", re.I)


def asking(text: str) -> bool:
    """Whether a turn asks something — a question mark or a question word, or a question's inverted auxiliary
    first ("can we drop the dose later on") — rather than only telling ("she's had a second episode even on it")."""
    words = text.split(None, 1)
    return bool(_ASKING.search(text)) or (bool(words) and words[0].lower() in AUXILIARIES)


def _wants_list(raw: tuple[str, ...]) -> bool:
    """Whether a question asks for a list: "who …" (a group), or "which" / "what" before a plural noun
    ("which drugs treat …", "what tests …"): its answer is a set of things, as a list in the article shows it.
    Only the word right after: in "which antibody goes with that" the word after next is a verb."""
    if "who" in raw:
        return True
    for w, nxt in zip(raw, raw[1:]):
        if w in ("which", "what") and len(nxt) > 3 and nxt.endswith("s") \
                and not nxt.endswith(("ss", "is", "us")) and nxt not in AUXILIARIES:
            return True
    return False


def _persons(lower: str):
    """The words of ``lower`` (lower-cased text) that are nouns for a kind of person (``person_nouns``), as matches, in
    order: who the patient is (``Expander._described``) and where a case starts (``Expander._case``)."""
    persons = person_nouns()
    return (m for m in _LETTERS.finditer(lower) if m.group() in persons)


def _common_word(word: str) -> bool:
    """Whether ``word`` (lower case, as written) or its plural is at least ``english.COMMON`` common in general English."""
    from .english import common_words

    words = common_words()  # the words at least COMMON frequent
    return word in words or word + "s" in words


def _capitalised(word: str) -> bool:
    """Whether a word is written with capitals after its first letter ("HFpEF", "SCLE"): an abbreviation as its
    writer spells it, neither clipped nor misspelt — one letter off is another thing (HFpEF is not HFrEF)."""
    return word[1:] != word[1:].lower()


# prefixes of opposite meaning one or two letters apart: a word with one is never a misspelling of a word with the
# other ("hypernatremia" is not a misspelt "hyponatremia", "microcytic" not "macrocytic", "intracranial" not
# "intercranial")
OPPOSITE_PREFIXES = (("hyper", "hypo"), ("macro", "micro"), ("intra", "inter"))


def _opposite(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` start with prefixes of opposite meaning (``OPPOSITE_PREFIXES``)."""
    return any((a.startswith(x) and b.startswith(y)) or (a.startswith(y) and b.startswith(x))
               for x, y in OPPOSITE_PREFIXES)


def _within(a: str, b: str, limit: int) -> bool:
    """Whether the edit distance (Levenshtein) between ``a`` and ``b`` is at most ``limit``. Equal first letters are
    matched in some cheapest alignment, so a common start is skipped; at the first difference one edit is spent
    (replace, drop ``a``'s letter or drop ``b``'s) and the rest must be within ``limit - 1``: at most 3 + 9 string
    comparisons for the limits used here, not a table of distances filled one Python step per pair of letters (a
    misspelt word is compared with thousands of index terms at 100k passages)."""
    if abs(len(a) - len(b)) > limit:
        return False
    i, n = 0, min(len(a), len(b))
    while i < n and a[i] == b[i]:
        i += 1
    if i == n:
        return True  # one starts the other: their length difference, checked above, is the distance
    if not limit:
        return False
    return (_within(a[i + 1:], b[i + 1:], limit - 1) or _within(a[i + 1:], b[i:], limit - 1)
            or _within(a[i:], b[i + 1:], limit - 1))


def _ages(text: str) -> str:
    """``text`` with each age read as what it says of the patient: a child's age ("4 yo") as "pediatric" (the
    lexicon joins children, kids, infants, adolescents), an adult's as nothing. The number is the patient's
    value, not a word a passage must hold: "max celexa dose for an 82 yo?" is answered by "a 20 mg daily
    maximum over age 60", and "nitrofurantoin dose for a 4 yo?" is not answered by an article on adults."""
    return _AGE.sub(lambda m: " pediatric " if int(m.group(1)) < ADULT_AGE else " ", text)


def word_runs(texts) -> list[list[str]]:
    """The lower-cased runs of words in ``texts`` that a short form may spell (``spelt_out``): words joined by
    spaces or hyphens only, never across a comma or a full stop; an initial ("H.") counts as a word."""
    return [[w.rstrip(".").lower() for w in re.split(r"[ \t-]+", run.group())]
            for text in texts for run in _RUN.finditer(text)]


def spelt_out(short: str, runs: list[list[str]], stopwords=frozenset()) -> tuple[str, ...] | None:
    """The words ``short`` abbreviates in ``runs`` (``word_runs`` of some texts), read off their own phrases: two
    to ``SPELT_WORDS`` consecutive words, no stop word among them, each giving the next letters of ``short``
    from its start and together all of them ("RAdioactive Iodine", "Urea Breath Test", "H. Pylori"), for a
    short form the texts never define. Stricter than the Schwartz–Hearst match that harvests definitions
    (``lexicon._best_long_form``, letters anywhere in a word): there the parenthesis says a definition is
    there; here nothing does, so every word must start its letters. The phrase must be seen ``SPELT_SEEN``
    times or more and twice as often as any other (the spellings of one phrase, lower-cased, count as one);
    else None: "MS" in an article of motor symptoms, myoclonic seizures and magnesium sulfate stands for none
    of them."""
    short = short.lower()
    if not short.isalpha() or len(short) < 2:
        return None
    seen: Counter = Counter()
    for words in runs:
        for i, w in enumerate(words):
            if w[:1] != short[0] or w in stopwords:
                continue
            for n in range(2, min(SPELT_WORDS, len(short), len(words) - i) + 1):
                phrase = words[i : i + n]
                if phrase[-1] in stopwords:
                    break
                if _spells(short, phrase):
                    seen[tuple(phrase)] += 1
    if not seen:
        return None
    (best, n), *rest = seen.most_common(2) + [((), 0)]
    return best if n >= SPELT_SEEN and n >= 2 * rest[0][1] else None


def _spells(short: str, words: list[str]) -> bool:
    """Whether ``words`` spell ``short``: each word gives one or more of its first letters, in order, and
    every letter is given."""
    if not words:
        return not short
    if len(short) < len(words):
        return False
    w = words[0]
    for n in range(min(len(w), len(short) - len(words) + 1), 0, -1):
        if w[:n] == short[:n] and _spells(short[n:], words[1:]):
            return True
    return False

