"""From a flat list of blocks (headings, paragraphs, list items) to cited passages.

Both article formats are read into the same :class:`Block` list; the rules that give a passage its
section path and its citations live here, once:

* The section path is the heading stack, then the lead-in paragraph (a paragraph ending in ``:``)
  the list hangs from, then each parent bullet. The article's top heading (level 1) is left out of
  the path once a subheading opens, since it repeats the article title.
* A list item with no citation of its own takes the citations of the nearest following cited
  item of the same list (the citation that closes the list: "Digital ulcers" takes the ``2``
  at the end of its list).
* A parent bullet or lead-in with no citation of its own is supported by what hangs from it and
  takes the union of its children's citations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Passage


@dataclass(slots=True)
class Block:
    kind: str  # "heading" | "para" | "item"
    text: str
    level: int = 0  # heading level (1 = top) or item depth (0 = top level)
    cites: list[int] = field(default_factory=list)
    line: int = 0


@dataclass(slots=True)
class _Node:
    text: str
    cites: list[int]
    path: tuple[str, ...]
    children: list["_Node"] = field(default_factory=list)
    is_item: bool = False


def _label(text: str) -> str:
    return text.rstrip().rstrip(":").rstrip()


def assemble(blocks: list[Block], *, article: str, source: str) -> list[Passage]:
    headings: list[tuple[int, str]] = []
    nodes: list[_Node] = []  # in document order
    lead_in: _Node | None = None
    items: list[tuple[int, _Node]] = []  # stack of (depth, node) for the current list
    top_level_items: list[_Node] = []  # the current list's top-level items, for sibling inheritance
    lists: list[list[_Node]] = []  # every sibling group, for "the citation that closes the list"

    def heading_path() -> tuple[str, ...]:
        if len(headings) > 1:
            return tuple(t for lvl, t in headings if lvl > 1)
        return tuple(t for _, t in headings)

    def close_list() -> None:
        nonlocal items, top_level_items
        if top_level_items:
            lists.append(top_level_items)
        items, top_level_items = [], []

    for b in blocks:
        if b.kind == "heading":
            close_list()
            lead_in = None
            while headings and headings[-1][0] >= b.level:
                headings.pop()
            headings.append((b.level, b.text))
        elif b.kind == "para":
            close_list()
            node = _Node(b.text, list(b.cites), heading_path())
            nodes.append(node)
            lead_in = node if b.text.rstrip().endswith(":") else None
        else:  # item
            while items and items[-1][0] >= b.level:
                items.pop()
            if items:
                parent = items[-1][1]
                path = parent.path + (_label(parent.text),)
            else:
                parent = lead_in
                path = heading_path() + ((_label(lead_in.text),) if lead_in else ())
            node = _Node(b.text, list(b.cites), path, is_item=True)
            if items:
                if not parent.children:
                    lists.append(parent.children)
                parent.children.append(node)
            else:
                top_level_items.append(node)
                if lead_in is not None:
                    lead_in.children.append(node)
            nodes.append(node)
            items.append((b.level, node))
    close_list()

    # Parents first (deepest first, so a grandparent sees its children's inherited numbers).
    def inherit_from_children(node: _Node) -> list[int]:
        for child in node.children:
            inherit_from_children(child)
        if not node.cites and node.children:
            seen: list[int] = []
            for child in node.children:
                seen.extend(n for n in child.cites if n not in seen)
            node.cites = seen
        return node.cites

    for node in nodes:
        if node.children:
            inherit_from_children(node)

    # Then uncited leaf items take the closing citation of their list.
    for siblings in lists:
        following: list[int] = []
        for node in reversed(siblings):
            if node.cites:
                following = node.cites
            elif not node.children:
                node.cites = list(following)

    made = Passage.made
    return [made(n.text, tuple(n.cites), article, n.path, source, n.is_item) for n in nodes if n.text.strip()]
