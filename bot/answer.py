"""Questions → ranked, cited passages, or a plain "not in the articles".

The ranking is BM25Plus (``bm25.py``) over each passage's text, section path and article title.
Whether to answer at all is decided by **coverage**: how much of the question's specific vocabulary
the best passage holds. Each question term is weighted by its idf (a word the corpus has never seen
counts as the rarest possible word); the answer is given when the best passage holds at least
``min_coverage`` of that weight. "What is the capital of France?" shares no word with a calcinosis
article; "How is anaemia diagnosed?" shares "diagnosed", but not the specific word, and is declined.

A conversation adds its earlier turns to the query at a lower weight (``context_weight``), so a
follow-up like "what about surgery?" is ranked in the context of what came before; coverage is
judged on the new turn alone, so an off-topic question after an on-topic one is still declined.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

from .errors import CitebotError
from .model import Answer, Hit, Reference
from .question import MAX_QUESTION_CHARS, clean
from .store import Loaded
from .tokenize import Tokenizer

log = logging.getLogger(__name__)

DEFAULT_TOP = 3
MAX_TOP = 50


@dataclass(frozen=True)
class Settings:
    min_coverage: float = 0.5
    context_weight: float = 0.3
    context_turns: int = 3


class Answerer:
    """Answers single questions against one loaded index. Thread-safe for reads."""

    def __init__(self, index: Loaded, *, tokenizer: Tokenizer | None = None, settings: Settings = Settings(),
                 warning: str | None = None):
        self.index = index
        self.tokenizer = tokenizer or Tokenizer()
        self.settings = settings
        self.warning = warning  # set when answering from a previous index because the corpus failed
        self._max_idf = math.log(index.bm25.n_docs + 1)
        import threading

        self._lock = threading.Lock()  # PassageStore seeks a shared file handle

    # -- query building -------------------------------------------------------------------

    def query_terms(self, question: str) -> list[str]:
        return self.tokenizer(clean(question)[:MAX_QUESTION_CHARS])

    def _weighted_query(self, terms: list[str], context: list[list[str]]) -> dict[str, float]:
        q: dict[str, float] = {}
        for t in terms:
            q[t] = q.get(t, 0.0) + 1.0
        for age, turn in enumerate(reversed(context[-self.settings.context_turns :]), 1):
            w = self.settings.context_weight / age
            for t in turn:
                if t not in q or q[t] < 1.0:
                    q[t] = q.get(t, 0.0) + w
        return q

    def coverage(self, terms: list[str], pid: int) -> float:
        """Share of the question's idf weight that passage ``pid`` holds."""
        bm = self.index.bm25
        present = set(int(t) for t in bm.doc_terms(pid))
        total = got = 0.0
        for t in set(terms):
            tid = bm.term_id(t)
            w = self._max_idf if tid is None else float(bm.idf[tid])
            total += w
            if tid is not None and tid in present:
                got += w
        return got / total if total else 0.0

    # -- answering ------------------------------------------------------------------------

    def rank(self, question: str, *, context: list[str] | tuple[str, ...] = (), k: int = 100) -> list[tuple[int, float]]:
        """The ``k`` best (passage id, score) for ``question``, best first, never declining."""
        terms = self.query_terms(question)
        ctx_terms = [self.query_terms(c) for c in context]
        return self.index.bm25.top(self._weighted_query(terms, ctx_terms), k)

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
        terms = self.tokenizer(text)
        ctx_terms = [self.tokenizer(clean(c)[:MAX_QUESTION_CHARS]) for c in context]
        if not terms and not any(ctx_terms):
            return self._decline(question, "the question has no words to search for")
        ranked = self.index.bm25.top(self._weighted_query(terms, ctx_terms), offset + top)
        ranked = ranked[offset:]
        if not ranked:
            return self._decline(question, "nothing more to show")
        if abstain:
            best = ranked[0][0] if offset == 0 else self.index.bm25.top(self._weighted_query(terms, ctx_terms), 1)[0][0]
            judged = terms or [t for turn in ctx_terms for t in turn]
            cov = self.coverage(judged, best)
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
