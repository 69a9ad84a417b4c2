"""Assembling: the ranked passages an answer accepted → *blocks*, each one unit of the article.

Ranking is passage by passage; an answer is shown as the article shows it. Along the outline stored in
the index (``structure.py``: each passage's parent lead-in or bullet):

* a hit on a lead-in or parent bullet shows it with its whole list (nested items keep their depth);
* a hit on a list item shows its lead-in and the whole list, the hit items marked; a list longer than
  ``MAX_ITEMS`` is trimmed around the hits, saying how many are left out ("+ N more");
* hits among siblings merge into one block (one block per lead-in); a hit inside a list another block
  already shows is marked there;
* lead-in-less items under one heading (two to ``MAX_ITEMS``: bullets of any length, or lines of at most
  ``SHORT`` characters) are that heading's list and show together;
* a paragraph stands alone.

Which passages: those of the first ``CANDIDATES`` ranked passages scoring at least ``ACCEPT`` of the best
(the decide stage accepted the answer on the best three; a passage far below them is not evidence).
Blocks are *chosen* by their evidence: the best passage's score plus ``MERGE`` of the score of each
further accepted passage the block holds — the best-ranked passage's block always, then the others with the
most evidence (a list nested in one chosen, or around it, is not chosen again). As an auto-merging retriever merges leaf chunks into their
parent when enough of its children match, a list several of whose items were ranked is more evidence than a
lone passage scoring a little more ("who is at risk for low vit D": the risk-group list, 7 items ranked, after
three single lines about testing). The blocks chosen are *shown* in the order of their best passage, so the
best-ranked passage's block still comes first (ordering by evidence too put a list before the one line that
answers: "dilt for PAH in scleroderma?" showed the PAH drug list above the line on diltiazem) — unless the
question asks for a list ("which drugs …", "who …": ``expand._wants_list``), when they are shown by evidence:
"Which drugs treat calcinosis?" shows the drug list before two lines on medical therapy. ``MERGE`` 0 /
0.05 / 0.1 / 0.2 gave list completeness (``expect_all``) on the library set 0.690 / 0.810 / 0.810 / 0.810,
blind library 4 0.286 / 0.429 / 0.429 / 0.429, blind library 5 0.600 / 0.900 / 0.900 / 0.900 (tuning sets);
the median shown text on the library set 645 → 703 characters. Passages ranked below the accepted ones — among
the first ``SUPPORT_DEPTH``, within ``SUPPORT`` of the best — add to the evidence of a block the accepted ones
formed (never a block of their own): "how do we screen SSc pts for PAH" ranks the screening lead-in 10th, just
accepted, and its five items 11th–18th at 0.77–0.80 of the best, under the lines that write "SSc-PAH"; counted,
the screening list is shown. Library list completeness 0.857 → 0.929, blind 4 Hit@1 0.500 → 0.531 and Hit@3
0.562 → 0.594, blind 5 0.469 → 0.500 and 0.625 → 0.688 (the list-first ranking follows the first block);
nothing fell. Depth 20 cost blind 3 Hit@1 0.469 → 0.438; floor 0.75 gave the same as 0.7 (tuning sets).
Ranked ``passages`` (Hit@k) are not touched.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Passage

MAX_ITEMS = 12  # a list this long is shown whole; a longer one is trimmed around its hits
CONTEXT = 1  # items kept either side of a hit in a trimmed list
SHORT = 150  # characters: lead-in-less passages under one heading this short read as that heading's list
ACCEPT = 0.8  # share of the best score a passage needs to be shown
CANDIDATES = 10
MERGE = 0.1  # share of a further accepted passage's score its block adds to its evidence (see above)
SUPPORT_DEPTH = 30  # ranked passages that may add evidence to a block shown (see above)
SUPPORT = 0.7  # share of the best score such a passage needs


@dataclass(frozen=True)
class Item:
    text: str
    citations: tuple[int, ...]
    depth: int
    matched: bool
    pid: int

    def to_json(self) -> dict:
        return {"text": self.text, "citations": list(self.citations), "depth": self.depth, "matched": self.matched}


@dataclass(frozen=True)
class Block:
    article: str
    source: str
    section: tuple[str, ...]
    lead: Item | None
    items: tuple[Item, ...]
    score: float
    more: int = 0  # items of the list left out of ``items`` (a trimmed long list)

    @property
    def section_path(self) -> str:
        return " › ".join(self.section)

    def shown(self) -> tuple[Item, ...]:
        return ((self.lead,) if self.lead else ()) + self.items

    def to_json(self) -> dict:
        return {"article": self.article, "source": self.source, "section": self.section_path,
                "lead": None if self.lead is None else {"text": self.lead.text, "citations": list(self.lead.citations)},
                "items": [i.to_json() for i in self.items], "more": self.more, "score": round(self.score, 6)}


def _within(a, unit_a: dict, unit_b: dict) -> bool:
    """Whether unit ``b`` shows unit ``a``: ``a`` is a list nested in ``b``'s (or the same passages)."""
    if a[0] == "p" and a[1] in unit_b["members"]:
        return True
    return bool(unit_a["members"]) and unit_a["members"] <= unit_b["members"]


def _floor(best: float, share: float) -> float:
    return best * share if best > 0 else best


def supporting(ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Ranked passages below the accepted ones (``accepted``) that still add evidence to a block, never a
    block of their own: among the first ``SUPPORT_DEPTH``, within ``SUPPORT`` of the best."""
    if not ranked:
        return []
    shown, floor = _floor(ranked[0][1], ACCEPT), _floor(ranked[0][1], SUPPORT)
    return [(p, s) for i, (p, s) in enumerate(ranked[:SUPPORT_DEPTH])
            if s >= floor and not (i < CANDIDATES and s >= shown)]


def accepted(ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """The ranked passages an answer shows: within ``ACCEPT`` of the best, among the first ``CANDIDATES``."""
    if not ranked:
        return []
    floor = _floor(ranked[0][1], ACCEPT)
    return [(p, s) for p, s in ranked[:CANDIDATES] if s >= floor]


class Assembler:
    """Builds blocks from passage ids, reading passages through ``get(pid)`` and the outline arrays."""

    def __init__(self, structure, get):
        self.s = structure
        self._read = get
        self._passages: dict[int, Passage] = {}  # one assembly decodes each passage once
        self._rows: dict[int, list[int]] = {}  # section -> its heading items (or [])
        self._units: dict = {}  # unit -> what it shows below its lead-in (``_members``): asked when choosing and showing

    def get(self, pid: int) -> Passage:
        p = self._passages.get(pid)
        if p is None:
            p = self._passages[pid] = self._read(pid)
        return p

    def _root(self, pid: int):
        """The unit a hit belongs to: ("p", pid) for a passage and what hangs from it — itself when it has
        items, else its parent, else itself — or ("s", section) for the short, lead-in-less items a heading
        holds ("Other Connective Tissue Diseases": two diseases, one per line)."""
        if self.s.has_children(pid):
            return ("p", pid)
        parent = int(self.s.parent_of[pid])
        if parent >= 0:
            return ("p", parent)
        row = self._heading_items(pid)
        return ("s", int(self.s.section_of[pid])) if row else ("p", pid)

    def _heading_items(self, pid: int) -> list[int]:
        """The lead-in-less passages of ``pid``'s section when they read as a list: two to ``MAX_ITEMS`` of
        them, all bullets or each at most ``SHORT`` characters; [] otherwise."""
        s = self.s
        sec = int(s.section_of[pid])
        if sec in self._rows:
            return self._rows[sec]
        count, bullets, longest = s.top_level_shape(sec)  # bullets: a bulleted list, however long its items
        row = s.top_level(sec) if 2 <= count <= MAX_ITEMS and (bullets or longest <= SHORT) else []
        self._rows[sec] = row
        return row

    def _subtree(self, root: int, depth: int = 0) -> list[tuple[int, int]]:
        out = []
        kids, parents = self.s.children_flagged(root)
        for c, parent in zip(kids, parents):
            out.append((c, depth))
            if parent:  # most items are leaves: no list made for them
                out.extend(self._subtree(c, depth + 1))
        return out

    def _members(self, unit, anchor: int) -> list[tuple[int, int]]:
        """(passage, depth) of what a unit shows below its lead-in (a heading's items: all of them, found
        from ``anchor``, one of them)."""
        got = self._units.get(unit)
        if got is None:
            got = self._units[unit] = self._members_of(unit, anchor)
        return got

    def _members_of(self, unit, anchor: int) -> list[tuple[int, int]]:
        kind, key = unit
        if kind == "p":
            return self._subtree(key)
        out = []
        row = self._heading_items(anchor)
        for i, parent in zip(row, self.s.parents(row)):
            out.append((i, 0))
            if parent:
                out.extend(self._subtree(i, 1))
        return out

    def blocks(self, hits: list[tuple[int, float]], top: int, by_evidence: bool = False,
               support: list[tuple[int, float]] = ()) -> tuple[Block, ...]:
        """The ``top`` blocks with the most evidence among ``hits`` (the accepted passages), in the order of
        their best passage, or of their evidence when ``by_evidence`` (a question asking for a list)."""
        units: dict = {}
        order: list = []

        def covering(pid: int, root) -> dict | None:
            """The unit formed so far that shows ``pid`` (or the lead-in it hangs from)."""
            return next((units[u] for u in order if pid in units[u]["members"]
                         or (root[0] == "p" and root[1] in units[u]["members"])), None)

        for pid, score in hits:
            root = self._root(pid)
            unit = covering(pid, root)
            if unit is None:
                members = {c for c, _ in self._members(root, pid)} | ({root[1]} if root[0] == "p" else set())
                unit = units[root] = {"score": score, "matched": set(), "members": members, "anchor": pid,
                                      "evidence": 0.0}
                order.append(root)
            unit["matched"].add(pid)
            unit["evidence"] += score if len(unit["matched"]) == 1 else MERGE * score
        for pid, score in support:  # deeper passages of a block already formed add to its evidence
            unit = covering(pid, self._root(pid))
            if unit is not None:
                unit["evidence"] += MERGE * score
        ranked: list = order[:1]  # the best-ranked passage's block is always shown
        for u in sorted(order, key=lambda u: -units[u]["evidence"]):  # stable sort: ties keep rank order
            if len(ranked) >= top:
                break
            if u in ranked:
                continue
            inside = next((v for v in ranked if _within(u, units[u], units[v])), None)
            if inside is not None:  # a list nested in one chosen: shown there, its hits marked there
                units[inside]["matched"] |= units[u]["matched"]
                continue
            around = [v for v in ranked if _within(v, units[v], units[u])]
            for v in around:  # a list around chosen ones shows them: it takes their place
                units[u]["matched"] |= units[v]["matched"]
                units[u]["evidence"] = max(units[u]["evidence"], units[v]["evidence"])
                units[u]["score"] = max(units[u]["score"], units[v]["score"])
                ranked.remove(v)
            ranked.append(u)
        ranked.sort(key=lambda u: -units[u]["evidence"])
        shown = ranked if by_evidence else sorted(ranked, key=lambda u: -units[u]["score"])  # by best passage
        return tuple(self._block(root, units[root]) for root in shown)

    def _block(self, root, unit: dict) -> Block:
        matched = unit["matched"]
        sub = self._members(root, unit["anchor"])
        if root[0] == "s":  # a heading's items: the section path is their heading
            p = self.get(sub[0][0])
            items = tuple(Item(self.get(c).text, self.get(c).citations, d, c in matched, c) for c, d in sub)
            return Block(p.article, p.source, p.section, None, items, unit["score"])
        pid = root[1]
        p: Passage = self.get(pid)
        if not sub:  # a paragraph or a lone item
            item = Item(p.text, p.citations, 0, True, pid)
            return Block(p.article, p.source, p.section, None, (item,), unit["score"])
        lead = Item(p.text, p.citations, 0, pid in matched, pid)
        keep = range(len(sub))
        more = 0
        if len(sub) > MAX_ITEMS:
            hit_at = [i for i, (c, _) in enumerate(sub) if c in matched] or [0]
            wanted = {j for i in hit_at for j in range(i - CONTEXT, i + CONTEXT + 1) if 0 <= j < len(sub)}
            keep = sorted(wanted)[: MAX_ITEMS]
            more = len(sub) - len(keep)
        items = []
        for i in keep:
            c, depth = sub[i]
            q = self.get(c)
            items.append(Item(q.text, q.citations, depth, c in matched, c))
        return Block(p.article, p.source, p.section, lead, tuple(items), unit["score"], more)

    def full(self, block: Block) -> Block:
        """The same block with its whole list (what ``:more`` or "Show all" expands)."""
        root = block.lead.pid if block.lead else block.items[0].pid
        matched = {i.pid for i in block.shown() if i.matched}
        sub = self._subtree(root)
        items = tuple(Item(self.get(c).text, self.get(c).citations, d, c in matched, c) for c, d in sub)
        return Block(block.article, block.source, block.section, block.lead, items or block.items, block.score, 0)
