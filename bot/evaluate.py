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

Two more numbers:

* **Conversations with context off**: each conversation is asked again with
  ``Conversation(use_context=False)``, so each turn is answered on its own; the gap to the
  conversations' Hit@3 is what the conversation context earns.
* **List completeness**, for items with ``expect_all`` (the text of every item of one list): the share of
  those substrings found (matched as ``expect`` is) in the text a default answer *shows*
  (``shown_texts``, top 3), asked again in a fresh conversation at the default top; a declined answer
  scores 0. The set's completeness is the mean over the items that have ``expect_all``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import CitebotError

DEPTH = 5  # passages asked for: MRR@5 looks at five
SHOWN = 3  # passages a default answer shows (answer.DEFAULT_TOP): list completeness is judged on them


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
    expect_all: tuple[str, ...] = ()  # every item of one list, for list completeness

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
    completeness: float | None = None  # share of ``expect_all`` shown (None: the item has none)
    missing: tuple[str, ...] = ()  # the ``expect_all`` substrings not shown

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
    """Every item's outcome, and the conversations' outcomes asked again with context off."""

    outcomes: tuple[Outcome, ...]
    context_off: tuple[Outcome, ...] = ()

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

    @property
    def conversations_hit3_no_context(self) -> float | None:
        """The conversations' Hit@3 with each turn asked on its own (None: not measured)."""
        if not self.context_off:
            return None
        return self._mean(o.hit3 for o in self.context_off)

    def _listed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.completeness is not None]

    @property
    def n_expect_all(self) -> int:
        return len(self._listed())

    @property
    def completeness(self) -> float:
        return self._mean(o.completeness for o in self._listed())

    def to_json(self) -> dict:
        out = {
            "answerable": self.n_answerable, "hit@1": round(self.hit1, 4), "hit@3": round(self.hit3, 4),
            "mrr@5": round(self.mrr5, 4), "out_of_scope": self.n_out_of_scope,
            "declined": round(self.declined, 4), "conversations": self.n_conversations,
            "conversations_hit@3": round(self.conversations_hit3, 4),
        }
        if self.context_off:
            out["conversations_hit@3_no_context"] = round(self.conversations_hit3_no_context, 4)
        out["expect_all"] = self.n_expect_all
        out["completeness"] = round(self.completeness, 4)
        return out


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
        expect_all = obj.get("expect_all", [])
        if not isinstance(expect_all, list) or not all(isinstance(e, str) and e.strip() for e in expect_all):
            raise EvalFileError(f'{where}: "expect_all" must be a list of non-empty strings, one per list item')
        items.append(Item(id=str(obj.get("id", lineno)), turns=tuple(turns), expect=tuple(expect),
                          cites=tuple(cites), answerable=answerable, expect_all=tuple(expect_all)))
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


def shown_texts(answer, top: int = SHOWN) -> list[str]:
    """The texts an answer shows: its blocks' lead-ins and list items when it has blocks, else its first
    ``top`` passages. Blocks are taken whole: they are what the answer, as asked, shows."""
    blocks = getattr(answer, "blocks", None)
    if blocks:
        texts = []
        for block in blocks:
            if getattr(block, "lead", None) is not None:
                texts.append(block.lead.text)
            texts.extend(entry.text for entry in block.items)
        return texts
    return [h.passage.text for h in answer.hits[:top]]


def missing_items(item: Item, answer, top: int = SHOWN) -> tuple[str, ...]:
    """The ``expect_all`` substrings that ``answer`` does not show (all of them when it declined)."""
    if not answer.answered:
        return item.expect_all
    shown = [_fold(t) for t in shown_texts(answer, top)]
    return tuple(e for e in item.expect_all if not any(_fold(e) in s for s in shown))


def completeness(item: Item, answer, top: int = SHOWN) -> float:
    """The share of ``item.expect_all`` that ``answer`` shows; 0 for a declined answer."""
    if not item.expect_all:
        raise ValueError(f"item {item.id} has no expect_all")
    return 1.0 - len(missing_items(item, answer, top)) / len(item.expect_all)


def judge(item: Item, answer) -> Outcome:
    rank = None
    if item.answerable:
        for i, h in enumerate(answer.hits[:DEPTH], 1):
            if hits(h.passage.text, h.passage.citations, item):
                rank = i
                break
    first = answer.hits[0].passage.text if answer.hits else None
    return Outcome(item=item, answered=answer.answered, rank=rank, first=first)


def _supports_context_switch(conversation_cls) -> bool:
    return any(f.name == "use_context" for f in dataclasses.fields(conversation_cls))


def ask_item(answerer, item: Item, *, top: int | None = DEPTH, abstain: bool = True, use_context: bool = True):
    """Ask ``item``'s turns in order in one ``Conversation`` and return the last answer.

    ``top=None`` asks at the conversation's default top. ``use_context=False`` answers each turn on its
    own: through ``Conversation(use_context=False)`` where the class has that field, otherwise by
    asking each turn in a fresh conversation, which is the same thing.
    """
    from .answer import Conversation

    options = {"abstain": abstain} if top is None else {"top": top, "abstain": abstain}
    fresh_each_turn = False
    if not use_context:
        if _supports_context_switch(Conversation):
            options["use_context"] = False
        else:
            fresh_each_turn = True
    conv = Conversation(answerer, **options)
    answer = None
    for turn in item.turns:
        if fresh_each_turn:
            conv = Conversation(answerer, **options)
        answer = conv.ask(turn)
    return answer


def _with_completeness(outcome: Outcome, answerer, *, abstain: bool) -> Outcome:
    """``outcome`` with its list completeness, judged on the item asked again at the default top."""
    item = outcome.item
    if not item.expect_all:
        return outcome
    answer = ask_item(answerer, item, top=None, abstain=abstain)
    missing = missing_items(item, answer)
    share = 1.0 - len(missing) / len(item.expect_all)
    return dataclasses.replace(outcome, completeness=share, missing=missing)


def evaluate(answerer, items: list[Item], *, abstain: bool = True, context_off: bool = True) -> Report:
    """Ask every item (``abstain=False``: rank even where it would decline, to judge ranking alone).

    Items with ``expect_all`` are asked once more at the default top for list completeness; with
    ``context_off``, the conversations are asked once more with each turn on its own.
    """
    outcomes = []
    for item in items:
        outcome = judge(item, ask_item(answerer, item, abstain=abstain))
        outcomes.append(_with_completeness(outcome, answerer, abstain=abstain))
    alone = ()
    if context_off:
        alone = tuple(judge(item, ask_item(answerer, item, abstain=abstain, use_context=False))
                      for item in items if item.answerable and item.kind == "conversation")
    return Report(outcomes=tuple(outcomes), context_off=alone)


def format_report(report: Report, *, verbose: bool = False) -> str:
    lines = [
        f"answerable     {report.n_answerable:4d}   Hit@1 {report.hit1:.3f}   Hit@3 {report.hit3:.3f}   "
        f"MRR@5 {report.mrr5:.3f}",
        f"out of scope   {report.n_out_of_scope:4d}   declined {report.declined:.3f}",
    ]
    if report.n_conversations:
        line = f"conversations  {report.n_conversations:4d}   Hit@3 {report.conversations_hit3:.3f}"
        if report.context_off:
            line += f"   (context off: {report.conversations_hit3_no_context:.3f})"
        lines.append(line)
    if report.n_expect_all:
        lines.append(f"list completeness{report.n_expect_all:4d}   {report.completeness:.3f}")
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
        lines.extend(_incomplete_lines(report))
    return "\n".join(lines)


def _short(text: str, width: int = 40) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _incomplete_lines(report: Report) -> list[str]:
    """--verbose: each item whose list was not shown whole, with the list items missing."""
    incomplete = [o for o in report.outcomes if o.completeness is not None and o.completeness < 1.0]
    if not incomplete:
        return []
    lines = ["", f"incomplete lists ({len(incomplete)}):"]
    for o in incomplete:
        total = len(o.item.expect_all)
        lines.append(f"  {o.item.id} [{total - len(o.missing)}/{total} shown] {' → '.join(o.item.turns)}")
        lines.append(f"      missing: {'; '.join(_short(m) for m in o.missing)}")
    return lines
