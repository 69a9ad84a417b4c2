"""Questions → ranked, cited passages, or a plain "not in the articles": the pipeline's front door.

The pipeline is three stages, each in its own module:

* **ranking** (``expand.py``, ``bm25.py``, ``rank.py``): the question's stems plus the alternatives
  ``expand.py`` finds (lay ↔ clinical lexicon, abbreviations the articles define, drug names, word
  families) as a weighted BM25Plus query over each passage's text, section path and title; then the
  best candidates re-scored with their article (``rank.py``: topic words against ask-words by article
  statistics) and, in a conversation, the conversation's topic;
* **deciding** (``decide.py``): answer or decline, by coverage of the question's specific concepts;
* **assembling**: what is shown (the hits and the references they cite).

A conversation (``Conversation``) adds its earlier answered turns to the query at a lower weight
(``context_weight``) and their articles and sections as a topic prior; a follow-up that keeps the
topic is judged together with the turn before it ("what dose is used?" after "how is calciphylaxis
treated"), one whose own words point at another article starts a new topic.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field, replace

import numpy as np

from . import assemble, intent, logs
from .decide import Decider, held
from .errors import CitebotError
from .model import Answer, Hit, Reference
from .rank import CANDIDATES, Levels, Topic, Weights, concepts, lists_first
from .question import MAX_QUESTION_CHARS, clean, new_subject, on_its_subject
from .store import Loaded
from .tokenize import Tokenizer

log = logs.get(__name__)

DEFAULT_TOP = 3
RERANK_DEPTH = 10  # passages re-scored by coverage (10 and 20: same scores on every tuning set; 10 is faster)
MAX_TOP = 50
SPELT_CACHED = 4096  # (short form, article) pairs whose spelling-out is kept (``_spelling``)
PASSAGES_CACHED = 4096  # decoded passages kept (``Answerer._passage``)
FIRSTS_KEPT = 4096  # answers whose first passage is kept (``Answerer._not_again``), the oldest forgotten first
# a short form is spelt out from the question's this many best articles: 1, 3 and 5 (and SPELT_SEEN 2 or 3) gave
# the same tuning-set scores; 3 lets "before UBT" in a PPI question reach the H. pylori article, second there
SPELL_ARTICLES = 3


@dataclass(frozen=True)
class Settings:
    """The deciding and query settings. Measured with the commands in the README's Quality
    section: ``citebot eval`` on ``dev.jsonl`` (seed alone) and on the library set (a tuning set).
    ``new_topic``: 1.5, 3 and 100 give the same library conversations Hit@3 (0.58 answered, 0.67
    ranking only) with ``rank.Weights.topic`` 0.2; 1.5 gave dev-with-library Hit@1 0.80 against 0.77,
    so 1.5 it is: a follow-up whose own words favour another article 1.5 times leaves the topic.
    ``unknown_decline`` / ``unknown_penalty``: a first question's word at least 0.5 specific that no article
    uses (nor any alternative of it; not a number or code, not an abbreviation the question defines) counts
    3 × its missed weight. Declining outright on such a word gave library declines 0.39 → 0.56 but cost two
    answerable questions and raised SciFact's declined claims 9.6 % → 14.2 %; ×2 / ×3 / ×5 gave library
    declines 0.44 / 0.50 / 0.50 with Hit@1 0.508 / 0.508 / 0.492, SciFact 11.6 % / 13.2 % / —.
    ``coverage_rank``: 0 / 0.1 / 0.2 / 0.4 gave library Hit@1 0.508 / 0.523 / 0.508 / 0.508, dev 0.857 / 0.857 /
    0.829 / 0.829, held-out A 0.686 / 0.743 / 0.771 / 0.771, B 0.806 / 0.839 / 0.839 / 0.839 (all tuning sets).
    ``article_credit`` / ``theme_passages``: in deciding, a concept the passage lacks but its article is about
    (held by ``theme_passages`` of its passages; fewer count in proportion) earns ``article_credit`` of its
    weight. 0 / 0.35 / 0.5 / 0.65 gave library conversations Hit@3 0.58 / 0.58 / 0.67 / 0.67 and declined
    0.61 / 0.61 / 0.61 / 0.50; theme_passages 2 / 3 / 5 gave the same scores, 3 is in the middle. Used in the
    coverage re-ranking too it cost dev-with-library Hit@1 0.771 → 0.743 and a list (0.714 → 0.690), so the
    re-ranking counts only what a passage holds itself.
    ``carry_weight``: 0.65 to 1.0 gave the same scores: library conversations Hit@3 0.833 → 0.917, Hit@3 0.831 →
    0.846 ("what about in calciphylaxis?" after bisphosphonates for calcinosis); 0.5 changed nothing; no other
    tuning-set score moved (``_carry``).
    ``own_depth``: 10 and 30 gave the same scores: blind 6 (a tuning set by then) conversations Hit@3 0.750 →
    0.875, Hit@1 0.312 → 0.344; no other tuning-set score moved (``_own_first``).
    ``kind_weight``: a question asking for a quantity (an intent whose evidence needs a number: a dose) also
    searches for that kind's words (mg, daily, units…) at this weight, as wh-words search for their answer
    type. 0 / 0.1 / 0.2 / 0.3 gave library Hit@1 0.585 / 0.615 / 0.600 / 0.615, dev-with-library Hit@1
    0.771 / 0.771 / 0.771 / 0.743; for every intent (treatment's drug and therapy words too) it cost the
    dev-with-library Hit@3 0.943 → 0.914 ("what medications treat calcinosis?" fell behind surgery lines).
    ``kind_depth``: when none of the first ``coverage_depth`` passages is the kind asked for, the best-ranked
    one of that kind within this depth that covers the question comes first (``_kind_first``). 20 / 30 / 100
    gave the same scores: library and dev sets unchanged, blind library 4 (a tuning set by then) Hit@3 0.469 →
    0.500 and conversations 0.625 → 0.750; 30 keeps the extra passages read small.
    ``follow_coverage``: a follow-up that keeps its conversation's topic needs this share of ``min_coverage``: the
    topic is evidence that the articles answer it ("pt has COPD and diabetes" after outpatient antibiotics for
    CAP holds diabetes, not COPD: coverage 0.46). 1.0 / 0.8 / 0.7 / 0.6 / 0.5 gave library Hit@1 0.646 /
    0.662 / 0.662 / 0.662 / 0.662, conversations Hit@3 0.750 / 0.833 / 0.833 / 0.833 / 0.833; blind 4 conversations
    0.750 / 0.875 / 0.875 …; blind 5 Hit@1 0.375 / 0.375 / 0.406 / 0.406 / 0.406, conversations 0.500 / 0.500 /
    0.625 / 0.625 / 0.625 (all tuning sets; nothing else moved). No tuning set has an out-of-scope follow-up:
    of ten written for this check on the library (``how is calciphylaxis treated`` → ``what about in children?``,
    … → ``is ketamine an option?``; one, lung transplant referral, the PAH article does answer) 5 were declined
    at 1.0 and the same 5 at 0.7 — a weakness of its own (a follow-up's words are exempt from the unknown-word
    penalty), unchanged by this. 0.7, the highest value with the whole gain.
    ``long_question`` / ``long_step``: SciFact's claims name many specific concepts and a passage that answers
    one rarely holds them all; 9.6 % of them were declined. Each specific concept beyond 5 lowers the coverage
    needed by 0.02 (seven need 0.46): SciFact declined 9.6 % → 7.5 %, blind 4 (a tuning set) one more item in
    the first three, no out-of-scope question of any tuning set answered. Beyond 4 (0.02: 6.4 %; 0.04: 4.9 %) or
    by 0.03 (7.3 %) answers one or two of them (blind 5, 7, 8); 0.025 (6.6 %) is the edge.
    ``claim_coverage``: a first turn that states a claim — a sentence closed by a full stop that asks nothing
    (``expand.asking``): "AZT given with ribavirin increases anemia." — asks whether some passage supports it;
    the passage that does names its subject in its own words and rarely holds every word of the claim. SciFact
    train claims declined 7.8 % → 5.6 % / 4.7 % at 0.9 / 0.85 (nDCG@10 unchanged, ranking is untouched), and its
    300 test claims, never looked at before (their judgments are not here, their declines need none), 7.3 % →
    4.3 % at 0.85; no item of the 18 tuning sets is a claim so closed, and none moved. A request without a full
    stop ("zoledronic acid dose for hypercalcemia of malignancy") is no claim: any turn that asks nothing, at
    0.9, answered three out-of-scope requests of the tuning sets.
    ``lead_share``: 0 / 0.02 / 0.05 / 0.1 / 0.2 gave dev Hit@1 0.857 / 0.914 / 0.914 / 0.914 / 0.914 with Hit@3
    0.971 / 0.971 / 0.943 / 0.943 / 0.943 (its first question, "What conditions are associated with
    calcinosis?", is answered by the lead), dev with the library Hit@1 0.743 / 0.800 / 0.800 / 0.800 / 0.800; from
    0.1 blind 4 and 6 (tuning sets) gain one item each in the first three; library, SciFact unchanged.
    ``unfit``: a passage of another kind than the question asks for ("one dose of dexamethasone" for "dex dose for a
    croupy toddler?", which asks for a dose: a number) gains none of the coverage bonus, once a list's lead-in counts as
    the kind its items are (``decide.Decider._fits``: "DOACs and their usual doses in AF:"). Over 18 tuning sets (617
    answerable, 151 out of scope), 0.5 → 0: first answers 354 → 356, first three 451 → 454; with the lead-ins 358 /
    454 (the lead-ins alone: 354 / 450); declined 121 throughout. Without the lead-ins 0 cost the library set's "DOAC
    doses for AF" its first answer.
    ``spelt_weight``: a question's abbreviation the index holds searches its long form (an article's definition, or
    the general table's where no article defines it) at this weight shared among the long form's words, not at
    ``alt_weight_known`` (0.3) as a synonym would be (``_spelt_as_defined``). Over the 18 tuning sets pooled, 0.3 (as
    before) / 0.4 / 0.5 / 0.6 / 0.75 with only the articles' own definitions: first answers 360 / 362 / 362 / 362 /
    363, first three 452 / 453 / 453 / 451 / 452, conversations 94 / 94 / 94 / 92 / 93; 0.5 with the general table
    too: 363 / 453 / 94 ("albumin dosing in SBP?" finds the spontaneous bacterial peritonitis line), nothing lost; the
    twelve libraries alone Hit@1 0.5234 → 0.5286, as one library 0.4531 → 0.4583 (Hit@3 0.6250 → 0.6224); SciFact
    nDCG@10 0.6961 → 0.6954; declines unchanged everywhere.
    """

    min_coverage: float = 0.5
    follow_coverage: float = 0.7
    context_weight: float = 0.3
    context_turns: int = 3
    alt_weight: float = 0.5  # an alternative (lexicon, abbreviation, word family) next to a question stem's 1
    alt_weight_known: float = 0.3  # the same for alternatives of a stem the index already holds
    alt_weight_unseen: float = 1.0  # the same for alternatives of a stem or lexicon phrase the index lacks
    use_lexicon: bool = True
    use_prefix: bool = True
    coverage_depth: int = 3  # coverage is judged on the best of this many top passages
    generic_weight: float = 0.3  # share of its idf a generic question word (data/generic.txt) counts
    unknown_weight: float = 1.0  # share of the top idf a rare word the index and lexicon have never seen counts
    unknown_medical_weight: float = 1.5  # the same for an unseen medical word (lexicon word, medical suffix)
    min_specific: float = 0.3  # a passage must hold a word at least this specific (english.py) to answer
    medical_floor: float = 0.35  # least general-English specificity a medical word counts with
    alt_credit: float = 0.8  # share of a question stem's weight a passage earns by holding an alternative
    article_credit: float = 0.5  # share of a concept's weight a passage earns when only its article holds it
    theme_passages: int = 3  # passages of an article holding a word for it to be a theme of the article
    class_credit: float = 0.3  # the same for holding the class of a named member ("anticoagulant" for heparin)
    unknown_decline: float = 0.5  # how specific a word no article uses must be to count unknown_penalty times
    unknown_penalty: float = 3.0  # the multiple of its missed weight such a word counts (decide._plan)
    carry_weight: float = 0.8  # an earlier turn's word a new topic's article holds, in a follow-up (_carry)
    long_question: int = 5  # a question naming more specific concepts than this needs less coverage,
    long_step: float = 0.02  # this much less for each one more (a long claim's answer rarely holds every one)
    claim_coverage: float = 0.85  # a first turn stating a claim (``_claims``) needs this share of the coverage
    lead_share: float = 0.02  # an article's lead paragraph gives up this share of the best score (_lead_second)
    own_depth: int = 30  # how deep a follow-up's own detail is looked for when the first passages lack it (_own_first)
    kind_depth: int = 30  # how deep to look for a passage of the kind asked for when the first ones are not (_kind_first)
    kind_weight: float = 0.1  # weight of the words that show the kind of information asked for (intents.tsv)
    unfit: float = 0.0  # share of its coverage a passage of another kind than the question asks for keeps (_by_coverage)
    coverage_rank: float = 0.1  # share of the best score a passage's coverage adds when ranking (_by_coverage)
    new_topic: float = 1.5  # a follow-up starts a new topic when its own words favour another article this much
    spelt_weight: float = 0.5  # an abbreviation's long form, as the index's abbreviations give it (_spelt_as_defined)
    dense_weight: float | None = None  # share of the dense score when the index has embeddings (None: dense.WEIGHT)


class Answerer:
    """Answers single questions against one loaded index. Thread-safe for reads."""

    def __init__(self, index: Loaded, *, tokenizer: Tokenizer | None = None, settings: Settings = Settings(),
                 warning: str | None = None, lexicon=None, ranking: Weights = Weights()):
        from . import lexicon as lexmod
        from .expand import Expander

        self.index = index
        self.tokenizer = tokenizer or Tokenizer()
        self.settings = settings
        self.warning = warning  # set when answering from a previous index because the corpus failed
        folder = getattr(index, "folder", None)
        if folder is not None:  # the index's words and their stems: a question then needs no stemmer
            from .store import read_stems

            self.tokenizer.add_stems(lambda: read_stems(folder))
        self.lexicon = lexicon or lexmod.stored_or_built(
            self.tokenizer, getattr(index, "abbreviations", []),
            None if folder is None else _stored_lexicon(folder))
        structure = getattr(index, "structure", None)
        self.levels = Levels(index.bm25, structure, ranking) if structure is not None else None
        self.expander = Expander(self.tokenizer, self.lexicon, index.bm25.vocab,
                                 use_lexicon=settings.use_lexicon, use_prefix=settings.use_prefix,
                                 holding=None if self.levels is None else self.levels.holding,
                                 n_articles=0 if self.levels is None else self.levels.n_articles,
                                 together=functools.partial(_together, index.bm25))
        self._embeddings = _usable_embeddings(index)
        # kept answers: functions of the index, not of ``self``, so that an answerer replaced after a reindex is
        # freed (its index with it) as soon as it is dropped, not at the next cyclic collection. The store is
        # memory-mapped: threads read it at once, with no lock
        self._passages = functools.lru_cache(maxsize=PASSAGES_CACHED)(index.passages.get)
        self.decider = Decider(index, self.tokenizer, settings, self.lexicon, levels=self.levels,
                               passage=self._passages)
        self._generic = self.decider._generic
        self._firsts: dict[tuple, int] = {}  # (question, context, top, abstain) → the passage shown first
        self._firsts_lock = threading.Lock()
        self._spelt = functools.lru_cache(maxsize=SPELT_CACHED)(
            functools.partial(_spelling, self.levels, self._passages, self.tokenizer.stopwords))

    def _top(self, query: dict[str, float], k: int, text: str, context=(), topic: Topic | None = None,
             turns=()) -> list[tuple[int, float]]:
        """The ``k`` best passages: BM25's (fused with dense embeddings when the index has them, optional
        extra), re-scored with their article and section (``rank.py``)."""
        n = k if self.levels is None else max(k, CANDIDATES)
        if self._embeddings is None:
            ranked = self.index.bm25.top(query, n)
        else:
            from . import dense

            qvec = dense.encoder().encode([" ".join([*list(context)[-1:], text])])[0]
            w = dense.WEIGHT if self.settings.dense_weight is None else self.settings.dense_weight
            ranked = dense.fuse(self.index.bm25.scores(query), dense.dense_scores(self._embeddings, qvec), n,
                                weight=w)
        if self.levels is None:
            return ranked[:k]
        # concept redundancy is in BM25 units: not for fused dense scores, which are normalised
        groups = concepts(turns) if self._embeddings is None else ()
        return self.levels.rerank(query, ranked, k, topic, groups, bm25_units=self._embeddings is None)

    # -- query building -------------------------------------------------------------------

    def query_terms(self, question: str) -> list[str]:
        return self.tokenizer(clean(question)[:MAX_QUESTION_CHARS])

    def expand(self, question: str):
        return self.expander.expand(clean(question)[:MAX_QUESTION_CHARS])

    def _weighted_query(self, turn, context: list) -> dict[str, float]:
        """BM25 query: the turn's stems and alternatives, earlier turns at a lower weight."""
        return self._queries(turn, context)[0]

    def _queries(self, turn, context: list) -> tuple[dict[str, float], set[str]]:
        """``_weighted_query`` and the terms the turn itself brings to it (its own, their alternatives, the kind
        asked for's words), which a follow-up weighs within its topic (``rank.Levels.within``)."""
        kw = {"vocab": self.index.bm25.vocab, "known_weight": self.settings.alt_weight_known,
              "unseen_weight": self.settings.alt_weight_unseen, "generic": self._generic}
        a = self.settings.alt_weight
        q = turn.weights(a, **kw)
        own = set(q)
        for age, ctx in enumerate(reversed(context[-self.settings.context_turns :]), 1):
            w = self.settings.context_weight / age
            for t, v in ctx.weights(a, w, **kw).items():
                if q.get(t, 0.0) < 1.0:
                    q[t] = q.get(t, 0.0) + v
        if self.settings.spelt_weight:
            self._spelt_as_defined(q, turn)
        if self.settings.kind_weight:
            for want in self.decider.wanted(turn):
                if not want.needs_digit:
                    continue
                for t in want.evidence:
                    if t != intent.DIGIT and t in self.index.bm25.vocab:
                        q[t] = max(q.get(t, 0.0), self.settings.kind_weight)
                        own.add(t)
        return q, own

    def _spelt_as_defined(self, query: dict[str, float], turn) -> None:
        """A question's abbreviation that the index also holds ("SSc", "SBP") is searched for in its long form too, as
        an article defines it ("systemic sclerosis (SSc)") or the general table gives it where no article defines it
        (the index's abbreviations, as ``Lexicon.spelt`` keeps them): at ``Settings.spelt_weight`` shared among its words, not the weight of a
        synonym of a word the index holds (``alt_weight_known``), since it is the same concept in other letters."""
        w = self.settings.spelt_weight
        for t in turn.terms:
            alts = turn.alternates.get(t)
            if not alts:
                continue
            for long in self._long_forms(t):
                if long in alts:
                    for x in long:
                        if x not in turn.terms:
                            query[x] = max(query.get(x, 0.0), w / len(long))

    def _long_forms(self, term: str) -> tuple[tuple[str, ...], ...]:
        """The stems of the long forms the index's abbreviations give the abbreviation whose stem is ``term`` ("ARDS" →
        ard: acute respiratory distress syndrome), as the lexicon keeps them (``Lexicon.spelt``)."""
        return tuple(sorted(self.lexicon.spelt.get((term,), ())))

    # -- answering ------------------------------------------------------------------------

    def _spell_out(self, turn, ctx: list):
        """``turn`` with its short forms spelt out: a word of ``SHORT_FORM`` letters that the index lacks
        and nothing else explains ("RAI", "UBT", "AI") stands for the phrase it spells in the articles the
        rest of the question points to (the first of its ``SPELL_ARTICLES`` best articles,
        ``rank.Levels.article_scores``, that spells it: ``expand.spelt_out``), as an abbreviation an article
        defines would. Scoped to that article: "RAI" is radioactive iodine beside Graves disease and relative
        adrenal insufficiency beside septic shock."""
        from .expand import MAX_SHORT_FORMS, SHORT_FORM

        vocab = self.index.bm25.vocab
        lo, hi = SHORT_FORM
        shorts = [t for t in dict.fromkeys(turn.terms)
                  if t not in vocab and t not in turn.alternates and t.isalpha() and lo <= len(t) <= hi]
        shorts = shorts[:MAX_SHORT_FORMS]
        if not shorts or self.levels is None:
            return turn
        scores = self.levels.article_scores(self._weighted_query(turn, ctx))
        best = [int(a) for a in np.argsort(-scores, kind="stable")[:SPELL_ARTICLES] if scores[a] > 0]
        alternates = dict(turn.alternates)
        for short in shorts:
            for a in best:  # the best article that spells it says what it means
                words = self._spelt(short, a)
                stems = tuple(self.tokenizer(" ".join(words))) if words else ()
                if stems and all(s in vocab for s in stems):
                    alternates[short] = (stems,)
                    break
        return replace(turn, alternates=alternates) if alternates != turn.alternates else turn

    def _read(self, text: str, context) -> tuple:
        """The question and its earlier turns expanded (``expand.py``), short forms spelt out."""
        ctx = [self.expand(c) for c in context]
        ctx = [self._spell_out(c, []) for c in ctx]
        return self._spell_out(self.expander.expand(text), ctx), ctx

    def rank(self, question: str, *, context: list[str] | tuple[str, ...] = (), k: int = 100) -> list[tuple[int, float]]:
        """The ``k`` best (passage id, score) for ``question``, best first, never declining."""
        asked, context = on_its_subject(question, context)
        text = clean(asked)[:MAX_QUESTION_CHARS]
        turn, ctx = self._read(text, context)
        return self._top(self._weighted_query(turn, ctx), k, text, context, turns=[turn, *ctx])

    def _kind_first(self, ranked: list[tuple[int, float]], judgement) -> list[tuple[int, float]]:
        """When the question asks for a kind of information (a dose, a treatment: ``intent.py``) and none of
        the first ``coverage_depth`` passages is that kind, the best-ranked one among the first ``kind_depth``
        that is, and covers the question, comes first: "mtx starting dose?" wants "Start at 15 mg once
        weekly", not the ten lines that say methotrexate more often."""
        if not judgement.wanted or not self.settings.kind_depth:
            return ranked
        head = ranked[: self.settings.coverage_depth]
        if any(judgement.fits(pid) for pid, _ in head):
            return ranked
        for i, (pid, _) in enumerate(ranked[: self.settings.kind_depth]):
            if judgement.fits(pid) and judgement.coverage(pid) >= self.settings.min_coverage:
                return _to_front(ranked, i)
        return ranked

    def _may_go(self, turn, topic: Topic, before):
        """Whether a follow-up that would leave its conversation's ``topic`` may go to an article: a test of article
        ids, its words worked out once for all the articles it is asked about. It may go where the article is about
        a specific word of the follow-up's own (``rank.Levels.about``: "what about in calciphylaxis?", "rate control
        for AF?"), other than what it says the patient has (``Expanded.described``: "and if she has asthma?" is
        about the patient, not asthma); or about what the conversation is about, a specific word of the turns
        ``before`` it (or an alternative of one) that the topic's article is about too ("lupus", from the article on
        its skin to the one on its kidneys; not "cutaneous", which a myositis article says in a line or two). Else
        its words met another article by chance: "and if she is pregnant?" after rate control for AF was answered
        with the migraine article's pregnancy line, "and eye checks?" after hydroxychloroquine for lupus with the
        myositis article's azathioprine line. It then stays in its topic, and is declined when the topic's articles
        do not answer it (``ask``: the answer it has on its own is taken only from an article it may go to).
        Over the 18 tuning sets pooled: three wrong answers of this kind declined instead ("and eye checks?", "whats
        the timing window tho", "and if she had gastric bypass?"), one more ("can we drop the dose later on?" after
        the duration of anticoagulation for a PE, which the hypothyroidism article had answered, its third line
        right by chance), and one declined turn answered wrongly within its topic ("so which one then?"): first
        three 459 → 458, conversations 96 → 95; the twelve
        libraries alone Hit@3 0.6927 → 0.6901, conversations 0.7317 → 0.7195, the same item; as one library it
        lost a conversation too (kept in its topic, it is led by lines of other articles that the topic's
        weighting of "drop", "dose" and "later" favours); the shared library set and the conversation sets
        unchanged."""
        lv, described = self.levels, set(turn.described)

        def forms(t, alts) -> tuple:  # a specific word and its alternatives; none for a generic or common word
            return ((t,), *alts) if t not in self._generic and self.decider.specific((t,)) else ()

        def about(form, articles) -> bool:
            return all(any(lv.about(s, a) for a in articles) for s in form)

        own = [f for t in dict.fromkeys(turn.terms) if t not in described
               for f in forms(t, turn.alternates.get(t, ()))]
        # the conversation's subject: the earlier turns' words (in any of their forms) the topic's article is about
        subject = [fs for b in before for t in dict.fromkeys(b.terms) for fs in (forms(t, b.alternates.get(t, ())),)
                   if any(about(f, topic.articles) for f in fs)]
        return lambda article: (any(about(f, (article,)) for f in own)
                                or any(about(f, (article,)) for fs in subject for f in fs))

    def _own_articles(self, turn):
        """The article scores of a follow-up's own words (``continues`` and ``_carry`` read them); None without
        an outline."""
        return self.levels.article_scores(turn.weights(self.settings.alt_weight)) if self.levels is not None else None

    def _carry(self, query: dict[str, float], turn, before, own) -> None:
        """A follow-up that starts a new topic asks the turn before it again about that topic ("do
        bisphosphonates help calcinosis?" → "what about in calciphylaxis?"): the earlier turn's words that the new
        topic's article (the best of ``own``, ``_own_articles``) holds ("bisphosphonates") are searched at
        ``Settings.carry_weight``, not the context's weight; those it lacks ("calcinosis") were the old topic and
        keep the context's weight."""
        w = self.settings.carry_weight
        if not w or own is None or not len(own) or own.max() <= 0:
            return
        best = (int(own.argmax()),)
        for t in before.terms:
            if t in query and t not in turn.terms and t not in self._generic and self.levels.held_in(t, best):
                query[t] = max(query[t], w)

    def _own_first(self, ranked: list[tuple[int, float]], turn, topic: Topic | None,
                   judgement) -> list[tuple[int, float]]:
        """A follow-up within its topic names a detail ("she's 10 wks pregnant" after first-line
        antidepressants): when none of the first ``coverage_depth`` passages holds one of its own specific words
        (or an alternative of one; numbers aside), the best-ranked passage of the topic's articles among the
        first ``own_depth`` that does comes first — the pregnancy line, not the lines that share "10" and the
        earlier turn's words."""
        depth = self.settings.own_depth
        if not depth or not topic or self.levels is None:
            return ranked
        own = set(turn.terms)  # the judgement's plan is of the follow-up merged with the turn before: its own units
        units = [u for g in judgement.plan for u in g if set(u.stems) <= own
                 and u.spec >= self.settings.min_specific and not any(c.isdigit() for x in u.stems for c in x)]
        if not units:
            return ranked
        bm = self.index.bm25

        def holds(pid: int) -> bool:
            present = set(bm.doc_terms(pid).tolist())
            return any(held(ids, present) for u in units for ids in (u.ids, *u.alt_ids))

        if any(holds(pid) for pid, _ in ranked[: self.settings.coverage_depth]):
            return ranked
        article_of = self.levels.s.article_of
        for i, (pid, _) in enumerate(ranked[:depth]):
            if int(article_of[pid]) in topic.articles and holds(pid):
                return _to_front(ranked, i)
        return ranked

    def _lead_in_first(self, ranked, ranked_all, block, top: int, judgement):
        """For a question asking for a list, led by an item of its first block (``_list_first``): the block's lead-in
        leads instead when its own words hold as much of the question as that item's own words do
        (``_own_weight``). An item holds the question's words through the lead-in above it (its section path), so
        it outranks the lead-in that says them: "which ASMs can make absences or myoclonic jerks worse" is answered
        by "Narrow-spectrum sodium channel and GABAergic drugs that can aggravate absence and myoclonic seizures:",
        not "Gabapentinoids (gabapentin and pregabalin)". An item that says more of the question itself still
        leads ("who is at risk for a bad etoh withdrawal / DTs" → "A past episode of delirium tremens …"). Over
        the 18 tuning sets pooled (585 answerable) first answers 349 → 353, the first three 438 → 440; the twelve
        libraries as one library Hit@1 0.4349 → 0.4427, Hit@3 0.6068 → 0.6146; the shared library set, dev and
        list completeness unchanged. The sixth session led with the lead-in always, which cost dev Hit@1 0.857 →
        0.800 (``_list_first``)."""
        if block.lead is None or not ranked:
            return ranked
        moved = self._lead_over(judgement, ranked[0][0], block.lead.pid, ranked_all, len(ranked_all))
        return ranked if moved is None else moved[:top]

    def _parent_first(self, ranked: list[tuple[int, float]], judgement,
                      shown: int | None = None) -> list[tuple[int, float]]:
        """The same for any other question: when the first passage is a list item and the lead-in it hangs from is
        among the first ``coverage_depth`` and says as much of the question in its own words, the lead-in leads
        (and shows its list): "new dermatomyositis dx, what cancer screening tests" → "Screening for patients at
        higher risk:", not its item "Complete blood count, liver tests and serum protein electrophoresis". Over the
        18 tuning sets pooled first answers 353 → 356 (four gained, one lost: "Where in the body does calcinosis
        usually occur?" wants the item "Subcutaneous tissues (most common)"), the first three unchanged; the shared
        library set Hit@1 0.692 → 0.708; as one library 0.4427 → 0.4453. The lead-in looked for among the first 10
        or 30: 354. A lead-in that is ``shown``, the passage that led the last answer to a follow-up that asks
        (``_not_again``), does not lead again."""
        if not ranked or self.levels is None:
            return ranked
        item = ranked[0][0]
        lead = int(self.levels.s.parent_of[item])
        if lead == shown:
            return ranked
        moved = self._lead_over(judgement, item, lead, ranked, self.settings.coverage_depth)
        return ranked if moved is None else moved

    def _lead_over(self, judgement, item: int, lead: int, ranked: list[tuple[int, float]], depth: int):
        """``ranked`` led by ``lead`` (a lead-in; -1: none) when it is among its first ``depth`` and its own words
        hold as much of the question as those of ``item`` (``_own_weight``); None otherwise."""
        if lead < 0 or lead == item:
            return None
        i = next((i for i, (pid, _) in enumerate(ranked[:depth]) if pid == lead), None)
        if i is None or self._own_weight(judgement, lead) < self._own_weight(judgement, item):
            return None
        return _to_front(ranked, i)

    def _own_weight(self, judgement, pid: int) -> float:
        """The weight of the question's specific concepts that passage ``pid``'s own text holds (not its section path
        nor its title), by a word or an alternative."""
        words = set(self.tokenizer(self._passage(pid).text))
        return sum(u.weight for group in judgement.plan for u in group
                   if u.spec >= self.settings.min_specific
                   and (set(u.stems) <= words or any(set(alt) <= words for alt in u.alts)))

    def _not_again(self, ranked: list[tuple[int, float]], shown: int | None) -> list[tuple[int, float]]:
        """A follow-up that asks something (``Expanded.asking``) within its topic is not led by the passage that led the last
        answer, which the asker has just read: "how long after the abx can we test?" after the H. pylori
        regimens, "which pill - does the estrogen dose matter?" after the pill as first-line therapy. One that only
        tells ("he's 68 with CAD" after the starting dose of levothyroxine) may be answered by that same line. The
        last answer is asked again from the questions (``ask`` is a function of them), so a Slack thread read
        back after a restart gets the same (the passages it showed first are kept, ``FIRSTS_KEPT``, so a long thread
        is not asked again turn by turn). Over the 18 tuning sets pooled (585 answerable), first answers 345 → 349
        (six gained, two lost: "what kind of calcification is it then?" wants the line just shown), the first three
        unchanged (only the first two places swap); the twelve libraries as one library of 72, 165 → 167. Led by
        the line shown for any follow-up, asking or telling, the first answers were 347: "he's 68 with CAD" and
        "she's had a second episode even on it" lost theirs.

        The re-orderings after this one keep to it: the lead-in rule (``_parent_first``) does not bring the line
        back, and for a question asking for a list the block showing it as a hit goes second
        (``_shown_block_second``): "mag dosing for preE w severe features?" → "what do we watch for re toxicity" →
        "and if she tanks, what reverses it" had been led again by "Watch for toxicity:", "octreotide dose + how
        long?" by "Initial management of suspected variceal bleeding:". Over the 18 tuning sets pooled and the
        twelve libraries as one, no score moved; the 48 conversations of ``tests/data/conversations_28`` (written
        for this session, a tuning set) first answers 17 → 19."""
        return _to_front(ranked, 1) if shown == ranked[0][0] else ranked

    def _shown_first(self, context, top: int, abstain: bool) -> int | None:
        """The passage that led the answer to the last turn of ``context``: kept (``_first_shown``), or asked again."""
        key = (context[-1], tuple(context[:-1]), top, abstain)  # how many are shown can change which list leads
        first = self._firsts.get(key)
        if first is None:  # not asked in this process: asked again (which keeps its first passage)
            self.ask(context[-1], context=list(context)[:-1], top=top, abstain=abstain)
            first = self._firsts.get(key)
        return first

    def _first_shown(self, key: tuple, pid: int) -> None:
        """Keep the passage an answer showed first (``_not_again``), at most ``FIRSTS_KEPT`` of them."""
        with self._firsts_lock:
            self._firsts.pop(key, None)
            self._firsts[key] = pid
            while len(self._firsts) > FIRSTS_KEPT:
                self._firsts.pop(next(iter(self._firsts)))

    def _lead_second(self, ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """An article's lead — its first passage, a paragraph, in an article of several — loses
        ``Settings.lead_share`` × the best score among the first ``RERANK_DEPTH``: a tie-breaker. The lead
        sums the article up, so it shares words with every question about it; the passage about the point
        asked says it in full ("What does CREST stand for?": the line spelling it out, not the lead naming
        "CREST syndrome")."""
        share = self.settings.lead_share
        if not share or self.levels is None or not ranked:
            return ranked
        s = self.levels.s
        art, n = s.article_of, len(s.article_of)
        head, tail = ranked[:RERANK_DEPTH], ranked[RERANK_DEPTH:]
        cut = share * head[0][1]

        def lead(pid: int) -> bool:
            return ((pid == 0 or art[pid - 1] != art[pid]) and not s.is_item[pid]
                    and pid + 1 < n and art[pid + 1] == art[pid])

        head = [(pid, score - cut if lead(pid) else score) for pid, score in head]
        head.sort(key=lambda x: (-x[1], x[0]))
        return head + tail

    def _by_coverage(self, ranked: list[tuple[int, float]], judgement) -> list[tuple[int, float]]:
        """The first ``RERANK_DEPTH`` passages re-scored by how much of the question they hold: each gains
        ``Settings.coverage_rank`` × the best score × its coverage (``decide.py``; ``unfit`` of it when the
        passage is not the kind asked for), so a passage holding all of the question's concepts beats one
        repeating a few of them."""
        mu = self.settings.coverage_rank
        if not mu or not ranked:
            return ranked
        head, tail = ranked[:RERANK_DEPTH], ranked[RERANK_DEPTH:]
        best = head[0][1]
        scored = [(pid, s + mu * best * judgement.coverage(pid, False)
                   * (1.0 if judgement.fits(pid) else self.settings.unfit)) for pid, s in head]
        scored.sort(key=lambda x: (-x[1], x[0]))
        return scored + tail

    def context_topic(self, ctx: list) -> Topic:
        """The topic of a conversation: the articles and sections of its last turn's best passages, ranked
        as that turn was — with the turns before it, and within their topic when it kept it (the turns are
        replayed: "what dose is used?" after calciphylaxis treatment is about calciphylaxis, though its own
        words favour an article whose every line says "dose used"). Derived from the questions alone, so a
        Slack thread read back after a restart has the same topic as the REPL's conversation. No tuning-set
        score moved (their three-turn conversations were not affected); it costs a ranking per earlier turn."""
        topic = None
        for i, turn in enumerate(ctx):  # replayed: a turn that kept the topic before it is ranked within it
            before = ctx[:i]
            own = self._own_articles(turn) if before else None
            follows = bool(topic) and self.continues(turn, topic, own, before)
            query = self._weighted_query(turn, before)
            if before and not follows:
                self._carry(query, turn, before[-1], own)
            ranked = self._top(query, self.settings.coverage_depth, "", (), topic if follows else None,
                               turns=ctx[: i + 1])
            topic = self.levels.topic_of(ranked, self.settings.coverage_depth)
        return topic

    def continues(self, turn, topic: Topic | None, own=None, before=()) -> bool:
        """Whether a follow-up stays within a conversation's ``topic``. It leaves it when it names something
        the topic's articles never mention but another article does ("osteoporosis" after calciphylaxis;
        not "dose", which both hold), its own words favour that other article (``Settings.new_topic``
        times the topic's article score), and it names nothing specific the topic's articles hold
        ("pt has COPD and diabetes" after antibiotics for pneumonia stays: the pneumonia article lists
        diabetes among its comorbidities). Blind set 3 (a tuning set by then) conversations 0.50 → 0.63.
        It leaves only for an article it may go to (``_may_go``, with ``before``, the turns before it), among those its
        words favour enough: an article about one of its own words or about the conversation's subject; "and if she
        is pregnant?" after rate control for AF, "and eye checks?" after hydroxychloroquine for lupus, stay.
        ``own``: the follow-up's ``_own_articles``, when the caller has them."""
        if not topic or self.levels is None:
            return False
        if own is None:
            own = self._own_articles(turn)
        best = int(own.argmax()) if len(own) else 0
        if not len(own) or own[best] <= 0 or best in topic.articles:
            return True
        enough = self.settings.new_topic * max(own[a] for a in topic.articles)
        if own[best] <= enough:
            return True
        generic = self.decider._generic
        specific = [t for t in dict.fromkeys(turn.terms) if t not in generic]
        lv = self.levels
        if any(lv.held_in(t, topic.articles) or any(all(lv.held_in(s, topic.articles) for s in alt)
                                                     for alt in turn.alternates.get(t, ())) for t in specific):
            return True  # it names something the topic's articles hold ("pt has COPD and diabetes" after CAP)
        if not any(lv.held_elsewhere(t, topic.articles) for t in specific):
            return True
        # it leaves for an article its words favour enough and it may go to; if there is none, it stays
        may_go = self._may_go(turn, topic, before) if before else None
        return bool(before) and not any(int(a) not in topic.articles and may_go(int(a))
                                        for a in np.flatnonzero(own > enough))

    def ask(self, question: str, *, context: list[str] | tuple[str, ...] = (), top: int = DEFAULT_TOP,
            offset: int = 0, abstain: bool = True) -> Answer:
        top = max(1, min(int(top), MAX_TOP))
        text = clean(question)
        if not text:
            return self._decline(question, "the question is empty", "empty")
        if len(text) > MAX_QUESTION_CHARS:
            return self._decline(
                question, f"too long: {len(text):,} characters (limit {MAX_QUESTION_CHARS:,})", "too_long")
        # "diff pt: …" is asked on its own (as written: a line break ends a sentence), and in a conversation it
        # starts a new topic; the turn is kept as asked, for the next turn's look back at it (``_first_shown``)
        had_context = bool(context)
        asked, context = on_its_subject(question, context)
        announced = had_context and asked != question
        if asked != question:
            text = clean(asked)
        turn, ctx = self._read(text, context)
        if not turn.terms and not any(c.terms for c in ctx):
            return self._decline(question, "the question has no words to search for", "no_words")
        query, own_terms = self._queries(turn, ctx)
        topic = self.context_topic(ctx) if ctx and self.levels is not None else None
        own = self._own_articles(turn) if ctx else None
        follows = self.continues(turn, topic, own, ctx) if ctx else False
        judged = turn if turn.terms else next(c for c in reversed(ctx) if c.terms)
        if ctx and not follows:
            self._carry(query, turn, ctx[-1], own)
        if follows:  # "what dose is used?" is judged with the topic's words it leaves out
            judged = _merged(judged, ctx[-1])
            query = self.levels.within(query, own_terms, topic)
        # the question's concepts and weights, and each passage's coverage, once for ranking and deciding
        judgement = self.decider.judge(judged)
        depth = max(offset + max(top, assemble.CANDIDATES, assemble.SUPPORT_DEPTH),
                    self.settings.coverage_depth if abstain else 0,
                    RERANK_DEPTH, self.settings.kind_depth if judgement.wanted else 0)
        ranked_all = self._by_coverage(self._top(query, depth, text, context, topic if follows else None,
                                                 turns=[turn, *ctx]), judgement)
        ranked_all = self._lead_second(ranked_all)
        if self.levels is not None:
            ranked_all = lists_first(self.index.bm25, self.levels.s, ranked_all, query, RERANK_DEPTH)
        ranked_all = self._kind_first(ranked_all, judgement)
        shown = None  # for a follow-up that asks: the passage that led the last answer, never to lead this one
        if follows:
            ranked_all = self._own_first(ranked_all, turn, topic, judgement)
            if len(ranked_all) > 1 and turn.asking:
                shown = self._shown_first(context, top, abstain)
                ranked_all = self._not_again(ranked_all, shown)
        if not turn.wants_list:
            ranked_all = self._parent_first(ranked_all, judgement, shown)
        ranked = ranked_all[offset : offset + top]
        if not ranked:
            return self._decline(question, "nothing more to show", "nothing_more")
        if abstain:
            cov = self.decider.covered(judged, ranked_all, judgement=judgement)
            need = self.settings.min_coverage * (self.settings.follow_coverage if follows else 1.0)
            need -= self.settings.long_step * max(0, judgement.specific_concepts() - self.settings.long_question)
            if not ctx and _claims(turn, text):
                need *= self.settings.claim_coverage
            if cov < need:
                log.debug("declined: coverage %.2f < %.2f", cov, need)
                if ctx and turn.terms:  # the context must not hide what the question answers on its own
                    alone = self.ask(question, top=top, offset=offset, abstain=abstain)
                    if alone.answered and (not topic or self._may_go(turn, topic, ctx)(
                            int(self.levels.s.article_of[alone.hits[0].passage.pid]))):
                        return replace(alone, new_topic=True)
                return self._decline(question, "the articles do not cover this question", "not_covered")
        blocks = self.assemble(ranked_all[offset:], top, by_evidence=turn.wants_list)
        if turn.wants_list and shown is not None and not offset:
            blocks = _shown_block_second(blocks, shown, ranked_all[offset:])
        if turn.wants_list and blocks and not offset:
            ranked = self._lead_in_first(_list_first(ranked_all, blocks[0], top), ranked_all, blocks[0], top,
                                         judgement)
        hits = tuple(Hit(self._passage(pid), score) for pid, score in ranked)
        cited = self.references(hits)
        refs = self.block_references(blocks) if blocks else cited
        if not offset:
            self._first_shown((asked, tuple(context), top, abstain), ranked[0][0])
        return Answer(question=question, answered=True, hits=hits, references=refs,
                      new_topic=announced or bool(ctx) and not follows, blocks=blocks, passage_references=cited)

    def assemble(self, ranked: list[tuple[int, float]], top: int, by_evidence: bool = False) -> tuple:
        """The answer's blocks (``assemble.py``): the accepted passages as units of their articles; shown by
        their evidence when the question asks for a list (``Expanded.wants_list``), else by best passage."""
        structure = getattr(self.index, "structure", None)
        if structure is None:
            return ()
        return assemble.Assembler(structure, self._passage).blocks(assemble.accepted(ranked), top,
                                                                  by_evidence=by_evidence,
                                                                  support=assemble.supporting(ranked))

    def whole_lists(self, answer: Answer) -> Answer:
        """``answer`` with every trimmed list of its blocks shown whole (``:more``, "Show all")."""
        from dataclasses import replace

        assembler = assemble.Assembler(self.index.structure, self._passage)
        blocks = tuple(assembler.full(b) if b.more else b for b in answer.blocks)
        return replace(answer, blocks=blocks, references=self.block_references(blocks))

    def block_references(self, blocks) -> tuple[Reference, ...]:
        """Every number the blocks show, per article (in the order the blocks show them), sorted by number."""
        wanted: dict[str, set[int]] = {}
        for b in blocks:
            for item in b.shown():
                wanted.setdefault(b.source, set()).update(item.citations)
        return tuple(Reference(source=src, number=n, text=self.index.references.get(src, {}).get(n))
                     for src, numbers in wanted.items() for n in sorted(numbers))

    def _passage(self, pid: int):
        """Passage ``pid``; the last ``PASSAGES_CACHED`` read are kept (``Passage`` is immutable): a library's
        questions come back to the same passages, and ranking, deciding and assembling each ask for them."""
        return self._passages(pid)

    def coverage(self, turn, pid: int, plan=None) -> float:
        return self.decider.coverage(turn, pid, plan)

    def _unit_weight(self, stems, alts):
        return self.decider._unit_weight(stems, alts)

    def _units(self, turn):
        return self.decider._units(turn)

    def _decline(self, question: str, reason: str, code: str) -> Answer:
        """A declined answer: ``code`` (``model.DECLINE_CODES``) and the sentence that says it to a person."""
        return Answer(question=question, answered=False, hits=(), references=(), reason=reason, reason_code=code)

    def references(self, hits) -> tuple[Reference, ...]:
        out: list[Reference] = []
        seen: set[tuple[str, int]] = set()
        for h in hits:
            listed = self.index.references.get(h.passage.source, {})
            for n in h.passage.citations:
                key = (h.passage.source, n)
                if key in seen:
                    continue
                seen.add(key)
                out.append(Reference(source=h.passage.source, number=n, text=listed.get(n)))
        return tuple(out)


def _claims(turn, text: str) -> bool:
    """Whether a question states a claim: it asks nothing (``Expanded.asking``) and ends with a full stop."""
    return not turn.asking and text.rstrip().endswith(".")


def _spelling(levels, passage, stopwords, short: str, article: int) -> tuple[str, ...] | None:
    """What ``short`` spells in ``article`` (``expand.spelt_out``), its passages read through ``passage``. Asked
    through ``Answerer._spelt``, which keeps the last ``SPELT_CACHED`` (short form, article) pairs' answers:
    reading an article's passages again for every question took a quarter of a library question's time."""
    from .expand import spelt_out, word_runs

    pids = range(*np.searchsorted(levels.s.article_of, [article, article + 1]))
    return spelt_out(short, word_runs(passage(pid).text for pid in pids), stopwords)


def _together(bm25, stems: tuple[str, ...]) -> bool:
    """Whether some passage holds every one of ``stems`` (each in the index): the rarest stem's passages looked up
    in the others' ascending postings by bisection, so the cost follows the rarest posting list, not the commonest
    ("heart" holds tens of thousands of passages at 1M)."""
    postings = sorted((bm25.term_docs(bm25.term_id(s)) for s in stems), key=len)
    common = postings[0]
    for docs in postings[1:]:
        if not len(common):
            return False
        at = np.minimum(np.searchsorted(docs, common), len(docs) - 1)
        common = common[docs[at] == common]
    return bool(len(common))


def _stored_lexicon(folder):
    from .store import read_lexicon

    return read_lexicon(folder)


def _usable_embeddings(index):
    """The index's embeddings when dense retrieval can run (extra installed, not CITEBOT_DENSE=0), else None."""
    emb = getattr(index, "embeddings", None)
    if emb is None:
        return None
    from . import dense

    if dense.requested() is False:
        return None
    if not dense.available():
        log.warning("the index has dense embeddings but the 'dense' extra is not installed; ranking with BM25 only")
        return None
    return emb


def _to_front(ranked: list[tuple[int, float]], i: int) -> list[tuple[int, float]]:
    """``ranked`` with its ``i``-th passage first; it takes the first place's score, so the scores stay in order."""
    return [(ranked[i][0], ranked[0][1]), *ranked[:i], *ranked[i + 1:]]


def _shown_block_second(blocks: tuple, shown: int, ranked: list[tuple[int, float]]) -> tuple:
    """``blocks`` with the first one second when the hit it would lead with (its best-ranked, ``_list_first``) is
    ``shown`` (``Answerer._not_again``). A first block whose best hit is another line keeps its place: "which
    antibodies go with it?" after how common calcinosis is in systemic sclerosis is answered from the systemic
    sclerosis block that also showed the line just read (dev with the library as corpus Hit@1 0.800 → 0.829, back
    to what it was before the sixteenth session moved every such block; nothing else moved)."""
    if len(blocks) > 1 and _best_hit(ranked, blocks[0]) == shown:
        return (blocks[1], blocks[0], *blocks[2:])
    return blocks


def _best_hit(ranked: list[tuple[int, float]], block) -> int | None:
    """The best-scoring of ``block``'s hits among ``ranked`` (the lowest id of equals); None when it has none."""
    score = dict(ranked)
    matched = [i.pid for i in block.shown() if i.matched and i.pid in score]
    return min(matched, key=lambda p: (-score[p], p)) if matched else None


def _list_first(ranked: list[tuple[int, float]], block, top: int) -> list[tuple[int, float]]:
    """For a question asking for a list: the ranked passages led by the best-scoring passage of the first block
    (the list with the most evidence), the rest in their order. Library Hit@1 0.662 → 0.692, Hit@3 0.800 →
    0.831, dev Hit@3 0.943 → 0.971, blind 5 Hit@1 0.406 → 0.469 (tuning sets; nothing fell). Leading with the
    block's lead-in instead cost dev Hit@1 0.857 → 0.800 (the hit item, not the lead-in, is often the answer)."""
    best = _best_hit(ranked, block)
    if best is None:
        return ranked[:top]
    return _to_front(ranked, next(i for i, (p, _) in enumerate(ranked) if p == best))[:top]


def _merged(turn, ctx):
    """A follow-up's concepts together with those of the turn before it."""
    from .expand import Expanded

    alts = dict(ctx.alternates)
    alts.update(turn.alternates)
    phrases = dict(ctx.phrases)
    phrases.update(turn.phrases)
    return Expanded(terms=turn.terms + tuple(t for t in ctx.terms if t not in turn.terms), alternates=alts,
                    phrases=phrases, either=turn.either + ctx.either, own=turn.terms, quantity=turn.quantity,
                    values=turn.values, described=turn.described, classes=turn.classes + ctx.classes,
                    told=turn.told + tuple(t for t in ctx.told if t not in turn.terms))


@dataclass
class Conversation:
    """A sequence of turns; each question is answered in the context of the earlier ones.

    The context is the questions of the earlier *answered* turns (a declined turn adds nothing) and
    their *topic*: the articles and sections their answers came from (``rank.Topic``). A follow-up
    that names no topic of its own is ranked within that topic and judged with the words of the turn
    before it; one whose own words point elsewhere starts a new topic. ``use_context=False`` asks
    every turn on its own (``citebot eval`` prints both, to show what the context buys).
    """

    answerer: Answerer
    top: int = DEFAULT_TOP
    abstain: bool = True
    use_context: bool = True
    turns: list[str] = field(default_factory=list)
    _last: tuple[str, tuple[str, ...], int] | None = None
    _trimmed: Answer | None = None  # the last answer, when one of its lists was trimmed
    _asked: str | None = None  # the last question asked, answered or not

    def continues_question(self) -> str | None:
        """The question ``more`` would continue, when it is not the last one asked (that one was declined)."""
        if self._last is None or self._asked == self._last[0]:
            return None
        return self._last[0]

    def ask(self, question: str) -> Answer:
        self._asked = question
        context = tuple(self.turns) if self.use_context else ()
        answer = self.answerer.ask(question, context=context, top=self.top, abstain=self.abstain)
        if answer.answered:
            self._last = (question, context, self.top)
            self.turns.append(question)
            self._trimmed = answer if any(b.more for b in answer.blocks) else None
        elif new_subject(question) is not None:
            self.turns.clear()  # a new subject declined adds no topic, but the subject before it is over
        return answer

    def more(self) -> Answer:
        """The last answer's trimmed lists in full, when it had any; else the next passages for the last
        answered question."""
        if self._trimmed is not None:
            answer, self._trimmed = self.answerer.whole_lists(self._trimmed), None
            return answer
        if self._last is None:
            raise CitebotError("nothing to show more of yet: ask a question first")
        question, context, shown = self._last
        answer = self.answerer.ask(question, context=context, top=self.top, offset=shown, abstain=False)
        self._last = (question, context, shown + self.top)
        return answer

    def reset(self) -> None:
        self.turns.clear()
        self._last = None
        self._trimmed = None
        self._asked = None
