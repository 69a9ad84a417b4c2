"""Scoring a question file against an Answerer, as ``../shared/eval/README.md`` defines it.

A question file holds one JSON object per line, of three kinds:

* ``{"id", "question", "expect", "cites"?}`` — answerable;
* ``{"id", "question", "answerable": false}`` — out of scope: it scores when the answer declines;
* ``{"id", "turns": [...], "expect", "cites"?}`` — a conversation: the turns are asked in order in
  one ``Conversation`` and only the answer to the last turn is judged.

A passage *hits* when its own text contains one of the ``expect`` phrases (case-insensitive, runs of
white space folded) and its citation numbers include every number in ``cites``. An answerable item
scores Hit@1 when the answer is marked answered and its first passage hits, Hit@3 when one of its
first three passages hits, and 1/rank of the first hit among its first five passages (MRR@5).
Answers are asked with abstention on, so a declined answerable item scores nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import CitebotError

DEPTH = 5  # passages asked for: MRR@5 looks at five


class EvalFileError(CitebotError):
    """A question file cannot be read or an item is malformed."""

    exit_code = 2


@dataclass(frozen=True)
class Item:
    id: str
    turns: tuple[str, ...]  # one turn for a plain question
    expect: tuple[str, ...] = ()
    cites: tuple[int, ...] = ()
    answerable: bool = True

    @property
    def kind(self) -> str:
        if not self.answerable:
            return "out-of-scope"
        return "conversation" if len(self.turns) > 1 else "question"

    @property
    def question(self) -> str:
        return self.turns[-1]


@dataclass(frozen=True)
class Outcome:
    """How one item fared: ``rank`` is the 1-based position of the first hit (None: no hit in five)."""

    item: Item
    answered: bool
    rank: int | None
    first: str | None  # the text of the first passage shown, for --verbose

    @property
    def hit1(self) -> bool:
        return self.answered and self.rank == 1

    @property
    def hit3(self) -> bool:
        return self.rank is not None and self.rank <= 3

    @property
    def rr(self) -> float:
        return 1.0 / self.rank if self.rank else 0.0

    @property
    def ok(self) -> bool:
        return self.hit1 if self.item.answerable else not self.answered


@dataclass(frozen=True)
class Report:
    outcomes: tuple[Outcome, ...]

    def _answerable(self, kind: str | None = None) -> list[Outcome]:
        return [o for o in self.outcomes if o.item.answerable and (kind is None or o.item.kind == kind)]

    @staticmethod
    def _mean(values) -> float:
        values = list(values)
        return sum(values) / len(values) if values else 0.0

    @property
    def n_answerable(self) -> int:
        return len(self._answerable())

    @property
    def hit1(self) -> float:
        return self._mean(o.hit1 for o in self._answerable())

    @property
    def hit3(self) -> float:
        return self._mean(o.hit3 for o in self._answerable())

    @property
    def mrr5(self) -> float:
        return self._mean(o.rr for o in self._answerable())

    @property
    def n_out_of_scope(self) -> int:
        return sum(1 for o in self.outcomes if not o.item.answerable)

    @property
    def declined(self) -> float:
        return self._mean(not o.answered for o in self.outcomes if not o.item.answerable)

    @property
    def n_conversations(self) -> int:
        return len(self._answerable("conversation"))

    @property
    def conversations_hit3(self) -> float:
        return self._mean(o.hit3 for o in self._answerable("conversation"))

    def to_json(self) -> dict:
        return {
            "answerable": self.n_answerable, "hit@1": round(self.hit1, 4), "hit@3": round(self.hit3, 4),
            "mrr@5": round(self.mrr5, 4), "out_of_scope": self.n_out_of_scope,
            "declined": round(self.declined, 4), "conversations": self.n_conversations,
            "conversations_hit@3": round(self.conversations_hit3, 4),
        }


# -- reading ------------------------------------------------------------------------------------


def parse_items(text: str, *, source: str = "<questions>") -> list[Item]:
    items: list[Item] = []
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        where = f"{source} line {lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise EvalFileError(f"{where}: not a JSON object ({e.msg}); each line must be one item") from None
        if not isinstance(obj, dict):
            raise EvalFileError(f"{where}: expected a JSON object with a question or turns")
        if "turns" in obj:
            turns = obj["turns"]
            if not isinstance(turns, list) or not turns or not all(isinstance(t, str) for t in turns):
                raise EvalFileError(f'{where}: "turns" must be a non-empty list of strings')
        elif isinstance(obj.get("question"), str):
            turns = [obj["question"]]
        else:
            raise EvalFileError(f'{where}: an item needs "question" (a string) or "turns" (a list of strings)')
        answerable = obj.get("answerable", True) is not False
        expect = obj.get("expect", [])
        if isinstance(expect, str):
            expect = [expect]
        if answerable and (not isinstance(expect, list) or not expect or not all(isinstance(e, str) for e in expect)):
            raise EvalFileError(f'{where}: an answerable item needs "expect", a list of phrases')
        cites = obj.get("cites", [])
        if not isinstance(cites, list) or not all(isinstance(c, int) for c in cites):
            raise EvalFileError(f'{where}: "cites" must be a list of citation numbers')
        items.append(Item(id=str(obj.get("id", lineno)), turns=tuple(turns), expect=tuple(expect),
                          cites=tuple(cites), answerable=answerable))
    return items


def load_items(path: Path) -> list[Item]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise EvalFileError(f"{path}: cannot read the question file ({e}); pass a UTF-8 .jsonl file") from None
    return parse_items(text, source=str(path))


# -- scoring ------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def hits(text: str, citations, item: Item) -> bool:
    """Whether a passage (its own text and citation numbers) answers ``item``."""
    folded = _fold(text)
    if not any(_fold(e) in folded for e in item.expect):
        return False
    return set(item.cites) <= set(citations)


def judge(item: Item, answer) -> Outcome:
    rank = None
    if item.answerable:
        for i, h in enumerate(answer.hits[:DEPTH], 1):
            if hits(h.passage.text, h.passage.citations, item):
                rank = i
                break
    first = answer.hits[0].passage.text if answer.hits else None
    return Outcome(item=item, answered=answer.answered, rank=rank, first=first)


def evaluate(answerer, items: list[Item], *, abstain: bool = True) -> Report:
    """Ask every item (``abstain=False``: rank even where it would decline, to judge ranking alone)."""
    from .answer import Conversation

    outcomes = []
    for item in items:
        conv = Conversation(answerer, top=DEPTH, abstain=abstain)
        answer = None
        for turn in item.turns:
            answer = conv.ask(turn)
        outcomes.append(judge(item, answer))
    return Report(outcomes=tuple(outcomes))


def format_report(report: Report, *, verbose: bool = False) -> str:
    lines = [
        f"answerable     {report.n_answerable:4d}   Hit@1 {report.hit1:.3f}   Hit@3 {report.hit3:.3f}   "
        f"MRR@5 {report.mrr5:.3f}",
        f"out of scope   {report.n_out_of_scope:4d}   declined {report.declined:.3f}",
    ]
    if report.n_conversations:
        lines.append(f"conversations  {report.n_conversations:4d}   Hit@3 {report.conversations_hit3:.3f}")
    if verbose:
        misses = [o for o in report.outcomes if not o.ok]
        if misses:
            lines.append("")
            lines.append(f"misses ({len(misses)}):")
        for o in misses:
            q = " → ".join(o.item.turns)
            if not o.item.answerable:
                lines.append(f"  {o.item.id} [out of scope, answered] {q}")
                lines.append(f"      first: {o.first}")
            elif not o.answered:
                lines.append(f"  {o.item.id} [declined] {q}")
            else:
                where = f"hit at {o.rank}" if o.rank else "no hit in 5"
                lines.append(f"  {o.item.id} [{where}] {q}")
                lines.append(f"      first: {o.first}")
    return "\n".join(lines)
