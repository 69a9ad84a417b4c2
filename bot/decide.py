"""Deciding: answer or decline, and why.

Whether to answer at all is decided by **coverage**: how much of the question's specific vocabulary
one of the top passages holds. Each question concept (a lexicon phrase once, every other stem on its
own, words joined by "or" as one group) weighs its idf; generic question words (``data/generic.txt``)
count little; a word the index has never seen counts as very rare, more so when it is a medical word.
A passage lacking a concept counts it against itself by the concept's general-English specificity
(``english.py``): lacking "regular" costs little, lacking "calciphylaxis" much. "How is anaemia
diagnosed?" shares "diagnosed" with a calcinosis article, but not the specific word, and is declined.
A passage is read within its article: a concept it lacks that its article is about (named in several of its
passages) earns part of its weight, so "how do you treat calcinosis in scleroderma?" is answered by the
treatment line of an article on calcinosis that names systemic sclerosis throughout, while a word the
article names once in passing earns little.
A question asking for a kind of information (a dose, a treatment, a diagnosis: ``data/intents.tsv``)
also needs a passage of that kind (``intent.py``). A number the question gives is held by a passage stating a
range that holds it ("8 to 15 kg" for "a 12 kg toddler": ``values.py``); a number never makes a passage specific.

The thresholds are in ``answer.Settings``; each is documented there with the measurement that chose it.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from . import intent, values
from .tokenize import Tokenizer

CLASS_SCAN = 20_000  # passages holding a class's noun read, at most, to tell whether one names the class (``_class_known``)
# Stems of words that are medical by their form: diseases (-itis, -osis, -emia, -oma, -pathy), procedures
# (-ectomy, -scopy, -plasty) and drug stems (-mab, -nib, -pril, -olol, -statin, -cillin, -mycin, …).
MEDICAL_SUFFIX = re.compile(
    r"(iti|itis|osi|osis|emia|aemia|oma|pathi|ectomi|otomi|ostomi|plasti|scopi|graphi|mab|nib|pril|sartan|olol|"
    r"statin|formin|profen|fenac|cillin|mycin|micin|cyclin|oxacin|azol|vir|dipin|tidin|prazol|gliptin|afil|parin|"
    r"xaban|gatran|lukast|triptan|zepam|zolam|oxetin|pramin|azin|done|sone|solon|caine|terol|tropin)$"
)


def _asking_terms(terms, told) -> tuple[str, ...]:
    """``terms`` without one occurrence of each ``told`` stem, the participles that only describe ("newly diagnosed PD":
    ``expand.described_participles``); "newly diagnosed PD, how is it diagnosed?" keeps the second "diagnosed"."""
    if not told:
        return tuple(terms)
    left = list(told)
    out = []
    for t in terms:
        if t in left:
            left.remove(t)
        else:
            out.append(t)
    return tuple(out)


def held(ids, present) -> bool:
    """Whether a passage whose term ids are ``present`` holds every one of ``ids`` (None: a word the index lacks)."""
    return all(t is not None and t in present for t in ids)


def _generic_words(tokenizer: Tokenizer) -> frozenset[str]:
    from .data import lines

    return frozenset(s for line in lines("generic.txt") for s in tokenizer(line))


class Unit(NamedTuple):
    """One concept of a question as deciding weighs it (``Decider._plan``), with what does not depend on the
    passage worked out once: the term ids of its stems and alternatives, what each alternative earns."""

    stems: tuple[str, ...]
    alts: tuple[tuple[str, ...], ...]
    weight: float  # earned by a passage holding it
    missed: float  # counted against a passage lacking it
    spec: float  # general-English specificity
    ids: tuple  # term id of each stem (None: not in the index)
    alt_ids: tuple  # the same for each alternative
    credits: tuple[float, ...]  # share of ``weight`` each alternative earns (``Decider._credit``)
    same: tuple[tuple[str, ...], ...]  # the alternatives naming the same thing, not its class (``_same``)
    classed: tuple[str, int] | None = None  # a class named by number ("type 1": ``values.Classed``): read whole


class Decider:
    """Coverage of a question by passages, against one loaded index. Thread-safe for reads."""

    def __init__(self, index, tokenizer: Tokenizer, settings, lexicon, levels=None, passage=None):
        self.index = index
        self.passage = passage  # pid → Passage, to read the ranges a passage states (``values.py``); None: not read
        self.levels = levels  # rank.Levels: which articles hold a term (None for an index without outline)
        self.tokenizer = tokenizer
        self.settings = settings
        self.lexicon = lexicon
        self._max_idf = math.log(index.bm25.n_docs + 1)
        self._generic = _generic_words(tokenizer)
        self._intents = intent.load(tokenizer)
        self._quantity = intent.quantity(tokenizer)
        self._lexicon_words = lexicon.words
        self._stem_zipf: dict[str, float] | None = None  # loaded on first use (english.py)
        self._classes_seen: dict[tuple[str, int], bool] = {}  # (noun, number) → whether a passage names it
        # units of measure, time and age as clinicians write them ("2 wk old", "two hrs into", "next wk"): what a
        # number is counted in, not what a question is about, so counted as generic words are. A unit the articles
        # spell out ("weeks") was missed at a rare word's weight, three times over when no article writes it so:
        # the twelve tuning libraries alone Hit@1 0.466 → 0.469, Hit@3 0.654 → 0.659; as one library Hit@3 0.594 →
        # 0.596, declined 0.573 → 0.583; nothing else moved. One-letter units ("d", "g", "l") are left out: "vitamin
        # D" (with them, one library conversations +1 only through the "L&D" of "severe preE on L&D")
        self._unit_words = frozenset(s for u in values.UNITS for s in tokenizer(u) if len(s) > 1)

    def judge(self, judged, plan=None) -> "Judgement":
        """One question's judgement of passages (coverage and kind), each passage judged once: the
        coverage re-ranking and the decision ask about the same first passages."""
        wanted = self.wanted(judged)  # once: the plan reads it for a case told, the judgement for each passage
        return Judgement(self, judged, plan if plan is not None else self._plan(judged, wanted), wanted)

    def covered(self, judged, ranked, plan=None, judgement: "Judgement | None" = None) -> float:
        """The best coverage of ``judged`` (an expanded question) among ``ranked``'s first passages that
        are the kind of information it asks for (``plan``: ``_plan(judged)``; ``judgement``: ``judge``'s,
        when the caller has them)."""
        j = judgement or self.judge(judged, plan)
        return max((j.coverage(pid) for pid, _ in ranked[: self.settings.coverage_depth] if j.fits(pid)),
                   default=0.0)

    def wanted(self, judged):
        """The kinds of information (``intent.py``) the question asks for."""
        found = intent.asked(self._intents, _asking_terms(judged.terms, judged.told))
        return found + (self._quantity,) if getattr(judged, "quantity", False) else found

    def _zipf(self, stems: tuple[str, ...]) -> float | None:
        """General English frequency of a word (the rarest stem of a phrase); None when unlisted."""
        from . import english

        if self._stem_zipf is None:
            self._stem_zipf = english.stem_zipf(self.tokenizer)
        zs = [english.graded(s, self._stem_zipf) for s in stems]
        return None if any(z is None for z in zs) else min(zs)

    def _is_medical(self, stems: tuple[str, ...]) -> bool:
        return any(s in self._lexicon_words or MEDICAL_SUFFIX.search(s) for s in stems) or \
            (len(stems) > 1 and stems in self.lexicon.links)

    def specific(self, stems: tuple[str, ...]) -> bool:
        """Whether a word is specific enough to make a passage that holds it specific (``Settings.min_specific``)."""
        return self._unit_info(stems, ())[2] >= self.settings.min_specific

    def _unit_weight(self, stems: tuple[str, ...], alts) -> tuple[float, float]:
        return self._unit_info(stems, alts)[:2]

    def _unit_info(self, stems: tuple[str, ...], alts) -> tuple[float, float, float]:
        """(weight a passage earns by holding the word, weight it counts against a passage lacking it).

        The first is the word's idf (for a word the index lacks: the best idf of an alternative it holds,
        else the top idf scaled by how specific the word is in general English, more for a medical
        word). The second scales that by the word's general-English specificity (``english.py``): a
        passage lacking "regular" or "enough" loses little, one lacking "calciphylaxis" loses much;
        medical words (lexicon words, medical suffixes) never count less than ``medical_floor``.
        """
        from .english import specificity

        bm = self.index.bm25
        st = self.settings
        own = [bm.idf[bm.term_id(s)] for s in stems if bm.term_id(s) is not None]
        known_alts = [sum(bm.idf[bm.term_id(s)] for s in alt) / len(alt) for alt in self._same(stems, alts)
                      if all(bm.term_id(s) is not None for s in alt)]
        medical = self._is_medical(stems)
        spec = specificity(self._zipf(stems))
        if medical:
            spec = max(spec, st.medical_floor)
        if own and len(own) == len(stems):
            w = float(max(own))
        elif own or known_alts:
            w = float(max(own) if own else min(known_alts))
        elif medical:
            w = self._max_idf * st.unknown_medical_weight * spec  # a medical word the articles never use
        else:
            w = self._max_idf * st.unknown_weight * spec
        generic_alts = [alt for alt in alts if all(bm.term_id(s) is not None for s in alt)]
        if all(s in self._generic or s in self._unit_words for s in stems) or (
                not own and generic_alts and all(all(s in self._generic for s in a) for a in generic_alts)):
            w *= st.generic_weight  # a generic word, or shorthand for one ("pt" → patient)
            spec = 0.0
        return w, w * spec, spec

    def _units(self, turn, classed=None):
        """The question's concepts: each matched lexicon phrase once, a class named by number ("type 1") as its noun
        and number together (``classed``: ``_classed(turn)``, when the caller has it), every other stem on its own."""
        in_phrase = {s for p in turn.phrases for s in p}
        units = [(p, alts) for p, alts in turn.phrases.items()]
        if classed is None:
            classed = self._classed(turn)
        in_class = {s for c in classed for s in c}
        units += [(c, ()) for c in classed]
        units += [((t,), turn.alternates.get(t, ())) for t in dict.fromkeys(turn.terms)
                  if t not in in_phrase and t not in in_class]
        return units

    def _classed(self, turn) -> dict[tuple[str, ...], tuple[str, int]]:
        """The stems of each class ``turn`` names by number ("type 1" → (type, 1)) → (noun, number)."""
        out = {}
        in_phrase = {s for p in turn.phrases for s in p}
        for c in getattr(turn, "classes", ()):
            stems = tuple(self.tokenizer(c.noun)) + tuple(self.tokenizer(c.written))
            if stems and not in_phrase.intersection(stems):
                out[stems] = (c.noun, c.value)
        return out

    def _class_known(self, noun: str, value: int) -> bool:
        """Whether some passage names the class (``values.classes``); True when it cannot be told cheaply (no
        passage text, or more than ``CLASS_SCAN`` passages holding the noun)."""
        key = (noun, value)
        got = self._classes_seen.get(key)
        if got is None:
            stems = self.tokenizer(noun)
            tid = self.index.bm25.term_id(stems[0]) if stems else None
            if tid is None:
                got = False
            else:
                docs = self.index.bm25.term_docs(tid)
                got = self.passage is None or len(docs) > CLASS_SCAN or any(
                    key in values.classes(self.passage(int(p)).text) for p in docs)
            self._classes_seen[key] = got
        return got

    def _plan(self, turn, wanted=None) -> list[list["Unit"]]:
        """The question's concept groups with each unit's weights, computed once per question.

        A first question's concept that no article uses, nor any alternative of it naming the same thing (so
        no passage can hold it; its class does not count unless the question names the class itself), at least
        ``unknown_decline`` specific, counts ``unknown_penalty`` times its missed weight ("how do you reverse
        heparin?"); numbers and codes ("A1c 11", "CHIR99021"), abbreviations the question defines ("…
        (ComYMV)") and words no vocabulary recognises (``_recognised``) are exempt, and so are a follow-up's
        words. A follow-up's own numbers are the patient's values ("what if she's 34 wks pregnant", "it's up 11
        in the first 18h"), not concepts a passage must hold: a passage lacking them loses nothing (blind 8, a
        tuning set by then, conversations Hit@3 0.375 → 0.500; no other tuning-set score moved).

        So is what the question says the patient has or takes, when no article names it nor an alternative of it
        (``Expanded.described``: "pt on chronic oxycodone w HFrEF, ok to just order a home sleep test?", "ativan or
        librium for withdrawl in a pt with cirrhosis"): the question asks about something else. Over the 17 tuning
        sets pooled (585 answerable, 143 out of scope) first answers right 331 → 335, first three 420 → 427,
        out-of-scope declined 117 → 116 ("pt on xanax for years wants off - how fast can we taper the benzo", whose
        drug is its subject). A question's nouns for a kind of person ("zofran dose 12kg toddler": ``expand.person_nouns``,
        from WordNet) count the same way: over 18 tuning sets (617 answerable, 151 out of scope) one more first answer
        (356 → 357 with everything else in place), declined unchanged (121). A first list that kept named people
        (Cushing, Parkinson) and abbreviations (PCP, HUS, ANA) gained three but answered six out-of-scope questions
        in a review ("How do you work up Cushing syndrome?"): they are left out."""
        plan = []
        tid = self.index.bm25.term_id
        own = set(turn.own) if getattr(turn, "own", None) is not None else None
        described = set(getattr(turn, "described", ()))
        case = frozenset(turn.case) if self.tells_a_case(turn, wanted) else frozenset()
        classed = self._classed(turn)
        for group in self._groups(turn, classed):
            units = []
            for stems, alts in group:
                w, w_missed, spec = self._unit_info(stems, alts)
                same = tuple(self._same(stems, alts))
                cls = classed.get(stems)  # "type 1" that no passage names: the question is about another kind of thing
                unknown = not self._class_known(*cls) if cls else self._unknown(stems, same)
                if len(group) == 1 and unknown and (own is None if cls else
                                                    not set(stems) <= case and self._unheard(turn, stems, alts, spec)):
                    w_missed *= self.settings.unknown_penalty
                if unknown and set(stems) <= described:
                    w_missed = 0.0  # what the patient has or takes, which no article names ("pt on lasix"): context
                if own is not None and set(stems) <= own and all(x[:1].isdigit() for x in stems):
                    w_missed = 0.0  # a follow-up's number is the patient's ("she's 34 wks pregnant"), not a concept
                units.append(Unit(stems, alts, w, w_missed, spec, tuple(map(tid, stems)),
                                  tuple(tuple(map(tid, alt)) for alt in alts),
                                  tuple(self._credit(stems, alt) for alt in alts), same, cls))
            plan.append(units)
        return plan

    def tells_a_case(self, turn, wanted=None) -> bool:
        """Whether a turn judged on its own (a first turn, or one starting a new topic) only tells of a patient: no
        question mark, question word or auxiliary first (``expand.asking``), no kind of information asked for
        (``wanted``), and a patient marked (``Expanded.case``: an age, a word for the patient, a noun for a kind of
        person) — "6 mo with bronchiolitis on the ward, sats 88% on air, on nasal prongs now", "parents asking if a
        steamy bathroom / humidifier helps croup". It asks about no concept of its own, so a word no article uses from
        its patient on is one of the case's details, missed at its weight, not ``unknown_penalty`` times it
        (``_plan``): the case is answered from the articles it is about, and starts the conversation's topic. What
        comes before the patient is a request's subject ("heparin reversal for major bleeding in a 70 kg man",
        "heparin reversal guidance for clinicians"), and a request without a question's form is no case ("best
        triptan for an acute migraine attack": no patient; "82 yo man, dabigatran dose for major bleeding": a dose
        asked for): those still count it three times. (A follow-up's words never do.)

        Over the 18 tuning sets pooled: first answers 361 → 363, first three 452 → 454, conversations 94 → 95,
        declined unchanged (122 of 154); conversations_28 29 → 30 of 48 in three; the twelve libraries alone Hit@1
        0.5234 → 0.5286, Hit@3 0.6797 → 0.6849, conversations 0.7195 → 0.7317; as one library 0.4557 → 0.4609, 0.6198
        → 0.6250, conversations 0.6098 → 0.6220, declined unchanged; SciFact's claims (no patient) as before. Any
        turn without a question's form, patient or not: 363 / 455, but "best triptan …" of the shared set answered; a
        first version that excused every word of a turn naming a patient anywhere, or any number, answered requests
        with the patient after them (a review's probes); the same tuning numbers with the words before the patient
        left out."""
        return (not getattr(turn, "asking", True) and bool(getattr(turn, "case", ()))
                and not (self.wanted(turn) if wanted is None else wanted))

    def _unknown(self, stems, same) -> bool:
        """Whether no article uses the word, nor one of ``same``, its alternatives naming the same thing (``_same``)."""
        tid = self.index.bm25.term_id
        return (not any(tid(x) is not None for x in stems)
                and not any(all(tid(x) is not None for x in alt) for alt in same))

    def _unheard(self, turn, stems, alts, spec: float) -> bool:
        """Whether a word no article uses (``_unknown``, which the caller has checked) counts ``unknown_penalty``
        times: not a follow-up's, specific, no number, not defined by the question nor given as an example, and
        a word some vocabulary recognises, a word of a disease name the question writes among them
        (``Expanded.diseases``: "vent settings for status asthmaticus", whose "asthmaticus" no other list knows, is
        declined in a library that discusses asthma but not status asthmaticus; the 18 tuning sets pooled: one
        out-of-scope question more declined, 122 → 123, no answer lost; the one library, conversations 28, the dev
        sets and SciFact unchanged)."""
        return (getattr(turn, "own", None) is None and spec >= self.settings.unknown_decline
                and not any(c.isdigit() for x in stems for c in x)
                and not any(x in getattr(turn, "defined", ()) for x in stems)
                and not self._example(turn, stems, alts)
                and (self._recognised(stems) or any(set(stems) <= set(d) for d in getattr(turn, "diseases", ()))))

    def _recognised(self, stems: tuple[str, ...]) -> bool:
        """Whether a word is a known thing: general English (``english.py``), medical by its form or the
        lexicon, a drug name (``drugs.py``) or a general abbreviation (``data/abbreviations.tsv``). A word
        none of them knows — shorthand ("cx", "foley"), a brand the drug list lacks, a typo — says too little
        to decline on: it is missed at its weight, not ``unknown_penalty`` times it. "How do you reverse
        heparin?" is still declined (a drug name); "PD pt wearing off before the next sinemet dose, what are
        the options" (a brand the drug list lacks: its FDA rows name carbidopa alone) and "h pylori + pcn allergy, what regimen" are answered.
        On the tuning sets three answerable questions were no longer declined ("migraine ppx in pregnancy,
        whats safest?" too: blind sets 3, 6 and 7, a tuning set each by now) and no out-of-scope question
        was answered (``citebot eval``)."""
        from . import drugs
        from .lexicon import abbreviation_keys

        def forms(s):  # the stem and the words it may be cut from ("protamin" ← protamine, "therapi" ← therapy)
            return (s, s + "e", s[:-1] + "y") if s.endswith("i") else (s, s + "e")

        return (self._zipf(stems) is not None or self._is_medical(stems)
                or any(drugs.variant(f) for s in stems for f in forms(s))
                or any(s in abbreviation_keys() for s in stems))

    def _example(self, turn, stems, alts) -> bool:
        """Whether the question names the class of ``stems`` itself ("osteoporosis drugs like alendronate"):
        the word is then an example of what is asked about, not its subject."""
        terms = set(turn.terms)
        return any(set(broad) <= terms for broad in self.lexicon.broader.get(stems, ()))

    def coverage(self, turn, pid: int, plan=None, within: bool = True) -> float:
        """Share of the question's specificity that passage ``pid`` holds: got / (got + missed).

        A concept the passage holds earns its weight (an alternative of it ``alt_credit`` of that); one it
        lacks counts its missed weight (``_unit_weight``) against the passage.
        """
        if isinstance(turn, list):
            from .expand import Expanded

            turn = Expanded(terms=tuple(turn))
        present = set(self.index.bm25.doc_terms(pid).tolist())
        article = self._article_of(pid) if within else None

        def holds(ids) -> bool:
            return held(ids, present)

        valued = self.valued(turn, pid)
        got = missed = 0.0
        own_got = own_missed = 0.0  # a follow-up judged with the turn before it: its own words' share
        own = set(turn.own) if getattr(turn, "own", None) is not None else None
        specific = False  # whether the passage holds a word that is neither generic nor common English
        plan = plan if plan is not None else self._plan(turn)
        for group in plan:
            best = None  # of words joined by "or", the one the passage holds best
            for u in group:
                if u.classed is not None and self.passage is not None:
                    share = 1.0 if u.classed in values.classes(self.passage(pid).text) else 0.0
                elif holds(u.ids) or (valued and valued.issuperset(u.stems)):
                    share = 1.0
                else:
                    credits = [c for ids, c in zip(u.alt_ids, u.credits) if holds(ids)]
                    # else a phrase held in part ("corticosteroid" of "corticosteroid injection")
                    share = max(credits) if credits else (
                        sum(t is not None and t in present for t in u.ids) / len(u.ids) * self.settings.alt_credit)
                if share < self.settings.article_credit and article is not None and u.classed is None:
                    # the passage's article holds it: a passage is read within its article ("treating
                    # calcinosis" in an article on calcinosis in systemic sclerosis answers "… in scleroderma")
                    theme = max([self.theme(u.stems, article)] + [
                        self.theme(alt, article) * self.settings.alt_credit for alt in u.same])
                    share = max(share, self.settings.article_credit * theme)
                g, m = u.weight * share, u.missed * (1 - share)
                # a number is not what makes a passage specific: "K 6.8" and "6 to 12 hours" have nothing in common
                if (share >= self.settings.alt_credit and u.spec >= self.settings.min_specific
                        and not all(x[:1].isdigit() for x in u.stems)):
                    specific = True
                if best is None or g - m > best[0] - best[1]:
                    best = (g, m)
            if own is not None and all(set(u.stems) <= own for u in group):
                own_got += best[0]
                own_missed += best[1]
            elif own is not None:  # the topic's words, carried over: they count at the context weight
                best = (best[0] * self.settings.context_weight, best[1] * self.settings.context_weight)
            got += best[0]
            missed += best[1]
        if own is not None and own_missed > 0 and own_got == 0:
            return 0.0  # the follow-up's own words are not here ("what is the capital of France?")
        if not specific:
            return 0.0  # only filler words in common: "where do I get my parking validated?"
        return got / (got + missed) if got + missed else 0.0

    def valued(self, turn, pid: int) -> frozenset[str]:
        """The stems of the question's numbers that a range passage ``pid`` states holds ("12 kg" in "8 to 15 kg:
        2 mg", ``values.py``): the passage holds them too."""
        values_ = getattr(turn, "values", ())
        return values.held(values_, self.passage(pid).text) if values_ and self.passage else frozenset()

    def _article_of(self, pid: int) -> int | None:
        if self.levels is None or self.levels.n_articles < 2:
            return None
        return int(self.levels.s.article_of[pid])

    def theme(self, stems: tuple[str, ...], article: int) -> float:
        """How much ``stems`` are a theme of ``article``, 0 to 1: the share of ``theme_passages`` of its
        passages that hold the rarest of them (a word named once in passing is not what the article is about)."""
        if self.levels is None:
            return 0.0
        return min((min(1.0, self.levels.count(s, article) / self.settings.theme_passages)
                    for s in stems), default=0.0)

    def _same(self, stems: tuple[str, ...], alts) -> list:
        """The alternatives that name the same thing as ``stems``, not its class: a word the articles never
        use whose only alternatives are its class ("heparin": anticoagulant) is a word no article uses."""
        classes = self.lexicon.broader.get(stems, ())
        return [alt for alt in alts if alt not in classes]

    def _credit(self, stems: tuple[str, ...], alt: tuple[str, ...]) -> float:
        """What holding alternative ``alt`` of a question's ``stems`` earns: ``alt_credit``, or only
        ``class_credit`` when it is the class of a drug or thing the question names and no article names
        ("anticoagulant" for "heparin": the passage is about other members). Where the articles name the
        member, a passage on its class competes at ``alt_credit`` ("how to take oral bisphosphonates" for
        alendronate): class_credit everywhere cost library Hit@3 0.723 → 0.708 and list completeness 0.714 → 0.643."""
        if alt in self.lexicon.broader.get(stems, ()) and any(self.index.bm25.term_id(s) is None for s in stems):
            return self.settings.class_credit
        return self.settings.alt_credit

    def _groups(self, turn, classed=None):
        """The question's concepts, those joined by "or" ("SLE or MCTD") in one group: either will do."""
        units = self._units(turn, classed)
        index = {}
        for i, (stems, _) in enumerate(units):
            for s in stems:
                index.setdefault(s, i)
        parent = list(range(len(units)))

        def root(i):
            while parent[i] != i:
                i = parent[i]
            return i

        for a, b in turn.either:
            if a in index and b in index:
                parent[root(index[a])] = root(index[b])
        groups: dict[int, list] = {}
        for i, u in enumerate(units):
            groups.setdefault(root(i), []).append(u)
        return list(groups.values())

    def _fits(self, wanted, pid: int) -> bool:
        """Whether passage ``pid`` is the kind of information the question asks for (``intent.py``), by its own words or,
        for a list's lead-in, with those of one of its items."""
        if not wanted:
            return True
        bm = self.index.bm25
        terms = {bm.terms[int(t)] for t in bm.doc_terms(pid)}
        if all(intent.satisfied(i, terms) for i in wanted):
            return True
        # a list's lead-in shows its items with it: "DOACs and their usual doses in AF:" is a dose when an item is
        s = getattr(self.index, "structure", None)
        return s is not None and any(
            all(intent.satisfied(i, terms | {bm.terms[int(t)] for t in bm.doc_terms(child)}) for i in wanted)
            for child in s.children(pid))


class Judgement:
    """A question's coverage (``Decider.coverage``) and kind (``Decider._fits``) of passages, memoised."""

    def __init__(self, decider: Decider, judged, plan, wanted=None):
        self.decider, self.judged, self.plan = decider, judged, plan
        self.wanted = decider.wanted(judged) if wanted is None else wanted
        self._coverage: dict[int, float] = {}
        self._fits: dict[int, bool] = {}

    def specific_concepts(self) -> int:
        """How many of the question's concepts are specific (``Settings.min_specific``; ``long_question``)."""
        least = self.decider.settings.min_specific
        return sum(1 for group in self.plan if max(u.spec for u in group) >= least)

    def coverage(self, pid: int, within: bool = True) -> float:
        c = self._coverage.get((pid, within))
        if c is None:
            c = self._coverage[pid, within] = self.decider.coverage(self.judged, pid, self.plan, within)
        return c

    def fits(self, pid: int) -> bool:
        f = self._fits.get(pid)
        if f is None:
            f = self._fits[pid] = self.decider._fits(self.wanted, pid)
        return f
