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

from .errors import CitebotError
from .model import Answer, Hit, Reference
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
    use_lexicon: bool = True
    use_prefix: bool = True
    coverage_depth: int = 3  # coverage is judged on the best of this many top passages
    generic_weight: float = 0.3  # share of its idf a generic question word (data/generic.txt) counts
    unknown_weight: float = 0.4  # share of the top idf a word the index and lexicon have never seen counts
    unknown_medical_weight: float = 1.5  # the same for an unseen medical word (lexicon word, medical suffix)
    alt_credit: float = 0.8  # share of a question stem's weight a passage earns by holding an alternative
    dense_weight: float | None = None  # share of the dense score when the index has embeddings (None: dense.WEIGHT)


def _generic_words(tokenizer: Tokenizer) -> frozenset[str]:
    from importlib import resources

    text = resources.files("bot.data").joinpath("generic.txt").read_text(encoding="utf-8")
    return frozenset(s for line in text.splitlines() if line.strip() and not line.startswith("#")
                     for s in tokenizer(line))


class Answerer:
    """Answers single questions against one loaded index. Thread-safe for reads."""

    def __init__(self, index: Loaded, *, tokenizer: Tokenizer | None = None, settings: Settings = Settings(),
                 warning: str | None = None, lexicon=None):
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
        self._lexicon_words = {key[0] for key in self.lexicon.links if len(key) == 1}
        import threading

        self._lock = threading.Lock()  # PassageStore seeks a shared file handle
        self._embeddings = _usable_embeddings(index)

    def _top(self, query: dict[str, float], k: int, text: str, context=()) -> list[tuple[int, float]]:
        """BM25's top ``k``, or, when the index has embeddings (optional dense extra), BM25 fused with them."""
        if self._embeddings is None:
            return self.index.bm25.top(query, k)
        from . import dense

        qvec = dense.encoder().encode([" ".join([*list(context)[-1:], text])])[0]
        w = dense.WEIGHT if self.settings.dense_weight is None else self.settings.dense_weight
        return dense.fuse(self.index.bm25.scores(query), dense.dense_scores(self._embeddings, qvec), k, weight=w)

    # -- query building -------------------------------------------------------------------

    def query_terms(self, question: str) -> list[str]:
        return self.tokenizer(clean(question)[:MAX_QUESTION_CHARS])

    def expand(self, question: str):
        return self.expander.expand(clean(question)[:MAX_QUESTION_CHARS])

    def _weighted_query(self, turn, context: list) -> dict[str, float]:
        """BM25 query: the turn's stems and alternatives, earlier turns at a lower weight."""
        kw = {"vocab": self.index.bm25.vocab, "known_weight": self.settings.alt_weight_known}
        a = self.settings.alt_weight
        q = turn.weights(a, **kw)
        for age, ctx in enumerate(reversed(context[-self.settings.context_turns :]), 1):
            w = self.settings.context_weight / age
            for t, v in ctx.weights(a, w, **kw).items():
                if q.get(t, 0.0) < 1.0:
                    q[t] = q.get(t, 0.0) + v
        return q

    def _term_weight(self, t: str, alts) -> float:
        bm = self.index.bm25
        tid = bm.term_id(t)
        known_alts = [bm.idf[bm.term_id(s)] for alt in alts for s in alt if bm.term_id(s) is not None]
        if tid is not None:
            w = float(bm.idf[tid])
        elif known_alts:
            w = float(max(known_alts))
        elif t in self._lexicon_words or MEDICAL_SUFFIX.search(t):
            w = self._max_idf * self.settings.unknown_medical_weight  # a medical word the articles never use
        else:
            w = self._max_idf * self.settings.unknown_weight
        if t in self._generic:
            w *= self.settings.generic_weight
        return w

    def coverage(self, turn, pid: int) -> float:
        """Share of the question's specificity (idf-weighted stems) that passage ``pid`` holds."""
        if isinstance(turn, list):
            from .expand import Expanded

            turn = Expanded(terms=tuple(turn))
        bm = self.index.bm25
        present = set(int(t) for t in bm.doc_terms(pid))

        def has(s: str) -> bool:
            tid = bm.term_id(s)
            return tid is not None and tid in present

        total = got = 0.0
        for t in set(turn.terms):
            alts = turn.alternates.get(t, ())
            w = self._term_weight(t, alts)
            total += w
            if has(t):
                got += w
            elif any(all(has(s) for s in alt) for alt in alts):
                got += w * self.settings.alt_credit
        return got / total if total else 0.0

    # -- answering ------------------------------------------------------------------------

    def rank(self, question: str, *, context: list[str] | tuple[str, ...] = (), k: int = 100) -> list[tuple[int, float]]:
        """The ``k`` best (passage id, score) for ``question``, best first, never declining."""
        turn = self.expand(question)
        ctx = [self.expand(c) for c in context]
        return self._top(self._weighted_query(turn, ctx), k, clean(question)[:MAX_QUESTION_CHARS], context)

    def ask(self, question: str, *, context: list[str] | tuple[str, ...] = (), top: int = DEFAULT_TOP,
            offset: int = 0, abstain: bool = True) -> Answer:
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
        depth = max(offset + top, self.settings.coverage_depth if abstain else 0)
        ranked_all = self._top(query, depth, text, context)
        ranked = ranked_all[offset : offset + top]
        if not ranked:
            return self._decline(question, "nothing more to show")
        if abstain:
            judged = turn if turn.terms else next(c for c in reversed(ctx) if c.terms)
            cov = max(self.coverage(judged, pid) for pid, _ in ranked_all[: self.settings.coverage_depth])
            if cov < self.settings.min_coverage:
                log.debug("declined: coverage %.2f < %.2f", cov, self.settings.min_coverage)
                return self._decline(question, "the articles do not cover this question")
        hits = tuple(Hit(self._passage(pid), score) for pid, score in ranked)
        return Answer(question=question, answered=True, hits=hits, references=self.references(hits))

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


@dataclass
class Conversation:
    """A sequence of turns; each question is answered in the context of the earlier ones."""

    answerer: Answerer
    top: int = DEFAULT_TOP
    abstain: bool = True
    turns: list[str] = field(default_factory=list)
    _last: tuple[str, tuple[str, ...], int] | None = None

    def ask(self, question: str) -> Answer:
        context = tuple(self.turns)
        answer = self.answerer.ask(question, context=context, top=self.top, abstain=self.abstain)
        if answer.answered:
            self.turns.append(question)
            self._last = (question, context, self.top)
        return answer

    def more(self) -> Answer:
        """The next passages for the last answered question."""
        if self._last is None:
            raise CitebotError("nothing to show more of yet: ask a question first")
        question, context, shown = self._last
        answer = self.answerer.ask(question, context=context, top=self.top, offset=shown, abstain=False)
        self._last = (question, context, shown + self.top)
        return answer

    def reset(self) -> None:
        self.turns.clear()
        self._last = None
