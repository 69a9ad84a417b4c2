"""Questions → ranked, cited passages, or a plain "not in the articles".

The ranking is BM25Plus (``bm25.py``) over each passage's text, section path and article title, for
the question's stems plus the alternatives ``expand.py`` finds (lay ↔ clinical lexicon, abbreviations
the articles define, word families) at a lower weight. Whether to answer at all is decided by
**coverage**: how much of the question's specific vocabulary one of the top passages holds. Each
question word weighs its idf; generic question words (``data/generic.txt``) count little; a word the
index has never seen counts as very rare, more so when it is a medical word. "How is anaemia
diagnosed?" shares "diagnosed" with a calcinosis article, but not the specific word, and is declined.

A conversation adds its earlier turns to the query at a lower weight (``context_weight``), so a
follow-up like "what about surgery?" is ranked in the context of what came before; coverage is
judged on the new turn alone, so an off-topic question after an on-topic one is still declined.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field

from . import intent
from .errors import CitebotError
from .model import Answer, Hit, Reference
from .rank import CANDIDATES, Levels, Topic, Weights
from .question import MAX_QUESTION_CHARS, clean
from .store import Loaded
from .tokenize import Tokenizer

log = logging.getLogger(__name__)

DEFAULT_TOP = 3
# Stems of words that are medical by their form: diseases (-itis, -osis, -emia, -oma, -pathy), procedures
# (-ectomy, -scopy, -plasty) and drug stems (-mab, -nib, -pril, -olol, -statin, -cillin, -mycin, …).
MEDICAL_SUFFIX = re.compile(
    r"(iti|itis|osi|osis|emia|aemia|oma|pathi|ectomi|otomi|ostomi|plasti|scopi|graphi|mab|nib|pril|sartan|olol|"
    r"statin|formin|profen|fenac|cillin|mycin|micin|cyclin|oxacin|azol|vir|dipin|tidin|prazol|gliptin|afil|parin|"
    r"xaban|gatran|lukast|triptan|zepam|zolam|oxetin|pramin|azin|done|sone|solon|caine|terol|tropin)$"
)
MAX_TOP = 50


@dataclass(frozen=True)
class Settings:
    min_coverage: float = 0.5
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
    new_topic: float = 3.0  # a follow-up starts a new topic when its own words favour another article this much
    dense_weight: float | None = None  # share of the dense score when the index has embeddings (None: dense.WEIGHT)


def _generic_words(tokenizer: Tokenizer) -> frozenset[str]:
    from importlib import resources

    text = resources.files("bot.data").joinpath("generic.txt").read_text(encoding="utf-8")
    return frozenset(s for line in text.splitlines() if line.strip() and not line.startswith("#")
                     for s in tokenizer(line))


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
        self._max_idf = math.log(index.bm25.n_docs + 1)
        self.lexicon = lexicon or lexmod.build(self.tokenizer, abbreviations=getattr(index, "abbreviations", []))
        self.expander = Expander(self.tokenizer, self.lexicon, index.bm25.vocab,
                                 use_lexicon=settings.use_lexicon, use_prefix=settings.use_prefix)
        self._generic = _generic_words(self.tokenizer)
        self._intents = intent.load(self.tokenizer)
        self._lexicon_words = self.lexicon.words
        self._stem_zipf: dict[str, float] | None = None  # loaded on first use (english.py)
        import threading

        self._lock = threading.Lock()  # PassageStore seeks a shared file handle
        self._embeddings = _usable_embeddings(index)
        structure = getattr(index, "structure", None)
        self.levels = Levels(index.bm25, structure, ranking) if structure is not None else None

    def _top(self, query: dict[str, float], k: int, text: str, context=(), topic: Topic | None = None
             ) -> list[tuple[int, float]]:
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
        return self.levels.rerank(query, ranked, k, topic)

    # -- query building -------------------------------------------------------------------

    def query_terms(self, question: str) -> list[str]:
        return self.tokenizer(clean(question)[:MAX_QUESTION_CHARS])

    def expand(self, question: str):
        return self.expander.expand(clean(question)[:MAX_QUESTION_CHARS])

    def _weighted_query(self, turn, context: list) -> dict[str, float]:
        """BM25 query: the turn's stems and alternatives, earlier turns at a lower weight."""
        kw = {"vocab": self.index.bm25.vocab, "known_weight": self.settings.alt_weight_known,
              "unseen_weight": self.settings.alt_weight_unseen, "generic": self._generic}
        a = self.settings.alt_weight
        q = turn.weights(a, **kw)
        for age, ctx in enumerate(reversed(context[-self.settings.context_turns :]), 1):
            w = self.settings.context_weight / age
            for t, v in ctx.weights(a, w, **kw).items():
                if q.get(t, 0.0) < 1.0:
                    q[t] = q.get(t, 0.0) + v
        return q

    def _zipf(self, stems: tuple[str, ...]) -> float | None:
        """General English frequency of a word (the rarest stem of a phrase); None when unlisted."""
        if self._stem_zipf is None:
            from . import english

            self._stem_zipf = english.stem_zipf(self.tokenizer)
        zs = [self._stem_zipf.get(s) for s in stems]
        return None if any(z is None for z in zs) else min(zs)

    def _is_medical(self, stems: tuple[str, ...]) -> bool:
        return any(s in self._lexicon_words or MEDICAL_SUFFIX.search(s) for s in stems) or \
            (len(stems) > 1 and stems in self.lexicon.links)

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
        known_alts = [sum(bm.idf[bm.term_id(s)] for s in alt) / len(alt) for alt in alts
                      if all(bm.term_id(s) is not None for s in alt)]
        medical = self._is_medical(stems)
        spec = specificity(self._zipf(stems))
        if medical:
            spec = max(spec, st.medical_floor)
        if own and len(own) == len(stems):
            w = float(max(own))
        elif own or known_alts:
            w = float(max(own + known_alts))
        elif medical:
            w = self._max_idf * st.unknown_medical_weight * spec  # a medical word the articles never use
        else:
            w = self._max_idf * st.unknown_weight * spec
        generic_alts = [alt for alt in alts if all(bm.term_id(s) is not None for s in alt)]
        if all(s in self._generic for s in stems) or (
                not own and generic_alts and all(all(s in self._generic for s in a) for a in generic_alts)):
            w *= st.generic_weight  # a generic word, or shorthand for one ("pt" → patient)
            spec = 0.0
        return w, w * spec, spec

    def _units(self, turn):
        """The question's concepts: each matched lexicon phrase once, every other stem on its own."""
        in_phrase = {s for p in turn.phrases for s in p}
        units = [(p, alts) for p, alts in turn.phrases.items()]
        units += [((t,), turn.alternates.get(t, ())) for t in dict.fromkeys(turn.terms) if t not in in_phrase]
        return units

    def _plan(self, turn) -> list[list[tuple[tuple[str, ...], tuple, float, float, float]]]:
        """The question's concept groups with each unit's weights, computed once per question."""
        return [[(stems, alts, *self._unit_info(stems, alts)) for stems, alts in group]
                for group in self._groups(turn)]

    def coverage(self, turn, pid: int, plan=None) -> float:
        """Share of the question's specificity that passage ``pid`` holds: got / (got + missed).

        A concept the passage holds earns its weight (an alternative of it ``alt_credit`` of that); one it
        lacks counts its missed weight (``_unit_weight``) against the passage.
        """
        if isinstance(turn, list):
            from .expand import Expanded

            turn = Expanded(terms=tuple(turn))
        bm = self.index.bm25
        present = set(int(t) for t in bm.doc_terms(pid))

        def has(s: str) -> bool:
            tid = bm.term_id(s)
            return tid is not None and tid in present

        got = missed = 0.0
        specific = False  # whether the passage holds a word that is neither generic nor common English
        for group in plan if plan is not None else self._plan(turn):
            best = None  # of words joined by "or", the one the passage holds best
            for stems, alts, w, w_missed, spec in group:
                if all(has(s) for s in stems):
                    share = 1.0
                elif any(all(has(s) for s in alt) for alt in alts):
                    share = self.settings.alt_credit
                else:  # a phrase held in part ("corticosteroid" of "corticosteroid injection")
                    share = sum(has(s) for s in stems) / len(stems) * self.settings.alt_credit
                g, m = w * share, w_missed * (1 - share)
                if share >= self.settings.alt_credit and spec >= self.settings.min_specific:
                    specific = True
                if best is None or g - m > best[0] - best[1]:
                    best = (g, m)
            got += best[0]
            missed += best[1]
        if not specific:
            return 0.0  # only filler words in common: "where do I get my parking validated?"
        return got / (got + missed) if got + missed else 0.0

    def _groups(self, turn):
        """The question's concepts, those joined by "or" ("SLE or MCTD") in one group: either will do."""
        units = self._units(turn)
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

    # -- answering ------------------------------------------------------------------------

    def rank(self, question: str, *, context: list[str] | tuple[str, ...] = (), k: int = 100) -> list[tuple[int, float]]:
        """The ``k`` best (passage id, score) for ``question``, best first, never declining."""
        turn = self.expand(question)
        ctx = [self.expand(c) for c in context]
        return self._top(self._weighted_query(turn, ctx), k, clean(question)[:MAX_QUESTION_CHARS], context)

    def continues(self, turn, topic: Topic | None) -> bool:
        """Whether a follow-up stays within a conversation's ``topic``: False when its own words point at
        an article outside the topic clearly more (``Settings.new_topic`` times) than at the topic's."""
        if not topic or self.levels is None:
            return False
        own = self.levels.article_scores(turn.weights(self.settings.alt_weight))
        best = int(own.argmax()) if len(own) else 0
        if not len(own) or own[best] <= 0 or best in topic.articles:
            return True
        return own[best] <= self.settings.new_topic * max(own[a] for a in topic.articles)

    def ask(self, question: str, *, context: list[str] | tuple[str, ...] = (), top: int = DEFAULT_TOP,
            offset: int = 0, abstain: bool = True, topic: Topic | None = None) -> Answer:
        top = max(1, min(int(top), MAX_TOP))
        text = clean(question)
        if not text:
            return self._decline(question, "the question is empty")
        if len(text) > MAX_QUESTION_CHARS:
            return self._decline(
                question, f"the question is {len(text):,} characters long; ask in at most {MAX_QUESTION_CHARS:,}"
            )
        turn = self.expander.expand(text)
        ctx = [self.expand(c) for c in context]
        if not turn.terms and not any(c.terms for c in ctx):
            return self._decline(question, "the question has no words to search for")
        query = self._weighted_query(turn, ctx)
        follows = self.continues(turn, topic) if ctx else False
        depth = max(offset + top, self.settings.coverage_depth if abstain else 0)
        ranked_all = self._top(query, depth, text, context, topic if follows else None)
        ranked = ranked_all[offset : offset + top]
        if not ranked:
            return self._decline(question, "nothing more to show")
        if abstain:
            judged = turn if turn.terms else next(c for c in reversed(ctx) if c.terms)
            if follows:  # "what dose is used?" is judged with the topic's words it leaves out
                judged = _merged(judged, ctx[-1])
            wanted = intent.asked(self._intents, judged.terms)
            plan = self._plan(judged)
            cov = max((self.coverage(judged, pid, plan) for pid, _ in ranked_all[: self.settings.coverage_depth]
                       if self._fits(wanted, pid)), default=0.0)
            if cov < self.settings.min_coverage:
                log.debug("declined: coverage %.2f < %.2f", cov, self.settings.min_coverage)
                return self._decline(question, "the articles do not cover this question")
        hits = tuple(Hit(self._passage(pid), score) for pid, score in ranked)
        return Answer(question=question, answered=True, hits=hits, references=self.references(hits),
                      new_topic=bool(ctx) and not follows)

    def _fits(self, wanted, pid: int) -> bool:
        """Whether passage ``pid`` is the kind of information the question asks for (``intent.py``)."""
        if not wanted:
            return True
        bm = self.index.bm25
        terms = {bm.terms[int(t)] for t in bm.doc_terms(pid)}
        return all(intent.satisfied(i, terms) for i in wanted)

    def _passage(self, pid: int):
        with self._lock:
            return self.index.passages.get(pid)

    def _decline(self, question: str, reason: str) -> Answer:
        return Answer(question=question, answered=False, hits=(), references=(), reason=reason)

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


def _merged(turn, ctx):
    """A follow-up's concepts together with those of the turn before it."""
    from .expand import Expanded

    alts = dict(ctx.alternates)
    alts.update(turn.alternates)
    phrases = dict(ctx.phrases)
    phrases.update(turn.phrases)
    return Expanded(terms=turn.terms + tuple(t for t in ctx.terms if t not in turn.terms), alternates=alts,
                    phrases=phrases, either=turn.either + ctx.either)


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
    topic: Topic | None = None
    _last: tuple[str, tuple[str, ...], int, Topic | None] | None = None

    def ask(self, question: str) -> Answer:
        context = tuple(self.turns) if self.use_context else ()
        topic = self.topic if self.use_context else None
        answer = self.answerer.ask(question, context=context, top=self.top, abstain=self.abstain, topic=topic)
        if answer.answered:
            self._last = (question, context, self.top, topic)
            self.turns.append(question)
            levels = self.answerer.levels
            if levels is not None and answer.hits:
                self.topic = levels.topic_of([(h.passage.pid, h.score) for h in answer.hits])
        return answer

    def more(self) -> Answer:
        """The next passages for the last answered question."""
        if self._last is None:
            raise CitebotError("nothing to show more of yet: ask a question first")
        question, context, shown, topic = self._last
        answer = self.answerer.ask(question, context=context, top=self.top, offset=shown, abstain=False,
                                   topic=topic)
        self._last = (question, context, shown + self.top, topic)
        return answer

    def reset(self) -> None:
        self.turns.clear()
        self.topic = None
        self._last = None
