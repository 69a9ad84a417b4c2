"""The values that flow from corpus to answer. All frozen; JSON is made at the edges."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reference:
    """One numbered entry of an article's reference list.

    ``text`` is None when the article cites ``number`` but its list has no such entry.
    """

    source: str
    number: int
    text: str | None

    @property
    def missing(self) -> bool:
        return self.text is None

    def to_json(self) -> dict:
        return {"source": self.source, "number": self.number, "text": self.text, "missing": self.missing}


@dataclass(frozen=True)
class Passage:
    """A bullet or paragraph with its citations and its place in the article.

    ``section`` is the path from the top heading down to the lead-in line or parent bullet the
    passage hangs from. ``source`` is the article's path in the corpus (``file.jsonl#id`` for a
    document inside a JSONL file). ``pid`` is the passage's position in the index.
    """

    text: str
    citations: tuple[int, ...]
    article: str
    section: tuple[str, ...]
    source: str
    pid: int = -1
    item: bool = False  # a list item (bullet) of its article, not a paragraph: what assembling shows as a list

    @classmethod
    def made(cls, text: str, citations: tuple[int, ...], article: str, section: tuple[str, ...], source: str,
             item: bool = False) -> "Passage":
        """``Passage(text, citations, article, section, source, item=item)``, made without the frozen dataclass's
        ``object.__setattr__`` per field (a reader makes one per passage: a million passages, 2 s)."""
        p = object.__new__(cls)
        p.__dict__.update(text=text, citations=citations, article=article, section=section, source=source, pid=-1,
                          item=item)
        return p

    @property
    def section_path(self) -> str:
        return " › ".join(self.section)

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "citations": list(self.citations),
            "article": self.article,
            "section": self.section_path,
            "source": self.source,
        }


@dataclass(frozen=True)
class Article:
    """A parsed article: its passages (``pid`` not yet assigned) and its reference list."""

    source: str
    title: str
    passages: tuple[Passage, ...]
    references: dict[int, str] = field(default_factory=dict)

    def missing_citations(self) -> list[int]:
        cited = {n for p in self.passages for n in p.citations}
        return sorted(cited - set(self.references))


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float

    def to_json(self) -> dict:
        return {**self.passage.to_json(), "score": round(self.score, 6)}


# Why an answer declined: the deciding stage's codes (the text front, JSON and Slack use the same).
DECLINE_CODES = {
    "empty": "the question is empty",
    "too_long": "the question is longer than citebot searches",
    "no_words": "the question has no words to search for (only stop words, symbols or markup)",
    "not_covered": "the articles do not cover this question",
    "nothing_more": "there are no more passages for this question",
}


@dataclass(frozen=True)
class Answer:
    """What citebot says to one question: passages best first and the references they cite.

    ``answered`` is False when the articles hold no answer; ``hits`` is then empty unless the
    caller asked for a ranking anyway (``abstain=False``). ``reason`` says why it declined.
    """

    question: str
    answered: bool
    hits: tuple[Hit, ...]
    references: tuple[Reference, ...]
    reason: str | None = None
    reason_code: str | None = None  # why it declined, as one of DECLINE_CODES
    new_topic: bool = False  # a follow-up that named a topic of its own instead of continuing the conversation
    passage_references: tuple = ()  # the references the ranked passages cite (what Slack, showing them, lists)
    blocks: tuple = ()  # assemble.Block: what is shown, one unit of the article each (lead-in and its list)

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answered": self.answered,
            "passages": [h.to_json() for h in self.hits],
            "references": [r.to_json() for r in self.references],
            "blocks": [b.to_json() for b in self.blocks],
            "reason": None if self.answered or not self.reason_code else {"code": self.reason_code,
                                                                          "message": self.reason},
        }
