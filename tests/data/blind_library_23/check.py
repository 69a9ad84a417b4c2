#!/usr/bin/env python3
"""Check questions.jsonl against corpus/ (both in this script's folder; blind set B23).

Independent of citebot: it splits the articles into passages (bullets and paragraphs of the body,
without headings, page furniture or references) with its own small reader, then checks that

* every item has the right shape for its kind (question / turns, expect, cites, answerable, expect_all);
* every "expect" and "expect_all" substring occurs in exactly one passage of the whole corpus
  (case-insensitive, runs of white space folded to one space, as the scorer compares);
* "cites", when given, equals the citation numbers of the passage each expect substring is in: the
  line's own numbers, or for an uncited list item the numbers that close its list, or for an
  uncited lead-in / parent bullet the union of its children's;
* "expect_all" names every item of one list, one substring per item.

It also prints the corpus facts the question set relies on: lead-in lists of 5+ items, nested lists
whose items carry no citation of their own, and cited numbers missing from an article's references.

Usage: python3 check.py [--corpus DIR] [--questions FILE] [-v]. Exit status 0 when all checks pass.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent

TRAILING = re.compile(r"(?<=\S)\s+(\d{1,4}(?:\s*[-–]\s*\d{1,4})?(?:\s*,\s*\d{1,4}(?:\s*[-–]\s*\d{1,4})?)*)\s*$")
BRACKETED = re.compile(r"\s*\[(\d{1,4}(?:\s*[-–]\s*\d{1,4})?(?:\s*,\s*\d{1,4}(?:\s*[-–]\s*\d{1,4})?)*)\]")
TXT_BULLET = re.compile(r"^(\s*)[•◦▪\-–*]\s+(.*)$")
MD_BULLET = re.compile(r"^(\s*)(?:[-*+]|\d{1,4}[.)])\s+(.*)$")
MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*$")
REFERENCES_TXT = re.compile(r"^\s*references\s*$", re.IGNORECASE)
YEAR_END = re.compile(r"\b(1[89]\d\d|20\d\d)\W*$")
EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)")


def expand(spec: str) -> list[int]:
    out: list[int] = []
    for part in spec.split(","):
        bounds = [int(x) for x in re.split(r"\s*[-–]\s*", part.strip())]
        for n in range(bounds[0], bounds[-1] + 1):
            if n not in out:
                out.append(n)
    return out


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass
class Passage:
    source: str
    line: int
    kind: str  # "para" | "item"
    text: str
    own: list[int]
    depth: int = 0
    parent: "Passage | None" = None
    children: list["Passage"] = field(default_factory=list)
    cites: list[int] = field(default_factory=list)  # effective citation numbers

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass
class Article:
    source: str
    passages: list[Passage]
    references: set[int]
    lists: list[tuple[Passage | None, list[Passage]]]  # (parent lead-in / bullet, sibling items)


def _txt_is_heading(lines: list[str], i: int) -> bool:
    s = lines[i].strip()
    if not s or TXT_BULLET.match(lines[i]) or len(s.split()) > 14 or s[-1] in ".:;,!" or TRAILING.search(s):
        return False
    return (i == 0 or not lines[i - 1].strip()) and (i + 1 >= len(lines) or not lines[i + 1].strip())


def read_txt(path: Path, source: str) -> Article:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    ref_at = next((i for i, ln in enumerate(lines) if REFERENCES_TXT.match(ln)), len(lines))
    first_cited = next(i for i in range(1, ref_at) if lines[i].strip() and TRAILING.search(lines[i].strip()))
    start = next(i for i in range(first_cited - 1, 0, -1) if _txt_is_heading(lines, i))
    body = [(i, lines[i]) for i in range(start, ref_at)]
    refs: set[int] = set()
    group: list[str] = []
    for ln in (x.strip() for x in lines[ref_at + 1 :]):
        if not ln:
            continue
        group.append(ln)
        if YEAR_END.search(ln):
            refs.add(len(refs) + 1)
            group = []
        elif len(group) >= 4:
            break

    def split(s: str) -> tuple[str, list[int]]:
        m = TRAILING.search(s)
        return (s[: m.start()].rstrip(), expand(m.group(1))) if m else (s, [])

    def is_heading(i: int) -> bool:
        return _txt_is_heading(lines, i)

    return _assemble(source, body, refs, TXT_BULLET, is_heading, split)


def read_md(path: Path, source: str) -> Article:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    ref_at = next((i for i, ln in enumerate(lines) if re.match(r"^#{1,6}\s+references\s*$", ln.strip(), re.I)), len(lines))
    refs = {int(m.group(1)) for ln in lines[ref_at + 1 :] if (m := re.match(r"^\s*(\d{1,4})[.)]\s+", ln))}
    body = [(i, ln) for i, ln in enumerate(lines[:ref_at])]

    def split(s: str) -> tuple[str, list[int]]:
        nums: list[int] = []
        for m in BRACKETED.finditer(s):
            nums.extend(n for n in expand(m.group(1)) if n not in nums)
        text = BRACKETED.sub("", s)
        return re.sub(r"\s+([.,;:])", r"\1", EMPHASIS.sub("", text)).strip(), nums

    def is_heading(i: int) -> bool:
        return bool(MD_HEADING.match(lines[i]))

    return _assemble(source, body, refs, MD_BULLET, is_heading, split)


def _assemble(source, body, refs, bullet_re, is_heading, split) -> Article:
    passages: list[Passage] = []
    lists: list[tuple[Passage | None, list[Passage]]] = []
    lead_in: Passage | None = None
    stack: list[tuple[int, Passage]] = []  # (indent, item) of the open list
    top: list[Passage] = []
    k = 0

    def close() -> None:
        nonlocal top, stack
        if top:
            lists.append((top[0].parent, top))
        top, stack = [], []

    while k < len(body):
        i, raw = body[k]
        s = raw.strip()
        if not s:
            k += 1
            continue
        if is_heading(i):
            close()
            lead_in = None
            k += 1
            continue
        m = bullet_re.match(raw)
        if m:
            indent = len(m.group(1).expandtabs(4))
            text, own = split(m.group(2).strip())
            while stack and stack[-1][0] >= indent:
                stack.pop()
            parent = stack[-1][1] if stack else lead_in
            p = Passage(source, i + 1, "item", text, own, depth=len(stack), parent=parent)
            if stack:
                if not parent.children:
                    lists.append((parent, parent.children))
                parent.children.append(p)
            else:
                top.append(p)
                if lead_in is not None:
                    lead_in.children.append(p)
            passages.append(p)
            stack.append((indent, p))
            k += 1
            continue
        if stack and raw.startswith(" "):  # continuation of the previous bullet
            text, own = split(s)
            prev = stack[-1][1]
            prev.text += " " + text
            prev.own.extend(n for n in own if n not in prev.own)
            k += 1
            continue
        close()
        parts = [s]
        k += 1
        while k < len(body) and body[k][1].strip() and not bullet_re.match(body[k][1]) and not is_heading(body[k][0]):
            parts.append(body[k][1].strip())
            k += 1
        texts, own = [], []
        for part in parts:
            t, c = split(part)
            texts.append(t)
            own.extend(n for n in c if n not in own)
        p = Passage(source, i + 1, "para", " ".join(texts), own)
        passages.append(p)
        lead_in = p if p.text.endswith(":") else None
    close()

    for p in passages:
        p.cites = list(p.own)

    def inherit(node: Passage) -> list[int]:
        for child in node.children:
            inherit(child)
        if not node.own and node.children:
            node.cites = []
            for child in node.children:
                node.cites.extend(n for n in child.cites if n not in node.cites)
        return node.cites

    for p in passages:
        if p.children:
            inherit(p)
    for _, siblings in lists:  # an uncited leaf item takes the citation that closes its list
        following: list[int] = []
        for node in reversed(siblings):
            if node.cites:
                following = node.cites
            elif not node.children:
                node.cites = list(following)
    return Article(source, passages, refs, lists)


def read_corpus(corpus: Path) -> list[Article]:
    articles = []
    for path in sorted(corpus.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        source = str(path.relative_to(corpus))
        if path.suffix == ".md":
            articles.append(read_md(path, source))
        elif path.suffix == ".txt":
            articles.append(read_txt(path, source))
    return articles


KINDS = {
    "single": ({"id", "question", "expect"}, {"cites", "expect_all"}),
    "conversation": ({"id", "turns", "expect"}, {"cites", "expect_all"}),
    "unanswerable": ({"id", "question", "answerable"}, set()),
}


def kind_of(item: dict) -> str:
    if item.get("answerable") is False:
        return "unanswerable"
    return "conversation" if "turns" in item else "single"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=HERE / "corpus")
    ap.add_argument("--questions", type=Path, default=HERE / "questions.jsonl")
    ap.add_argument("-v", "--verbose", action="store_true", help="also print the corpus facts")
    args = ap.parse_args(argv)

    articles = read_corpus(args.corpus)
    passages = [p for a in articles for p in a.passages]
    errors: list[str] = []

    def find(sub: str) -> list[Passage]:
        n = norm(sub)
        return [p for p in passages if n in norm(p.text)]

    items = [json.loads(ln) for ln in args.questions.read_text(encoding="utf-8").split("\n") if ln.strip()]
    counts: dict[str, int] = {}
    per_article: dict[str, int] = {a.source: 0 for a in articles}
    n_all = 0
    seen_ids: set[str] = set()
    for pos, item in enumerate(items, 1):
        iid = item.get("id", f"line {pos}")
        kind = kind_of(item)
        counts[kind] = counts.get(kind, 0) + 1
        need, optional = KINDS[kind]
        if iid in seen_ids:
            errors.append(f"{iid}: duplicate id")
        seen_ids.add(iid)
        if iid != f"B23-{pos:02d}":
            errors.append(f"{iid}: expected id B23-{pos:02d}")
        missing, extra = need - item.keys(), item.keys() - need - optional
        if missing or extra:
            errors.append(f"{iid}: {kind} item: missing {sorted(missing)}, unexpected {sorted(extra)}")
            continue
        if kind == "unanswerable":
            continue
        if kind == "conversation" and not (isinstance(item["turns"], list) and 2 <= len(item["turns"]) <= 3):
            errors.append(f"{iid}: turns must be a list of 2 or 3 questions")
        expect = item["expect"]
        if not (isinstance(expect, list) and 1 <= len(expect) <= 3):
            errors.append(f"{iid}: expect must hold 1 to 3 substrings")
        hit_sources = set()
        for sub in expect:
            found = find(sub)
            if len(found) != 1:
                errors.append(f"{iid}: expect {sub!r} is in {len(found)} passages {[p.where for p in found]}")
                continue
            p = found[0]
            hit_sources.add(p.source)
            if "cites" in item and sorted(set(item["cites"])) != sorted(set(p.cites)):
                errors.append(f"{iid}: cites {item['cites']} but {sub!r} ({p.where}) carries {p.cites}")
        if len(hit_sources) > 1:
            errors.append(f"{iid}: expect substrings come from different articles {sorted(hit_sources)}")
        for src in hit_sources:
            per_article[src] += 1
        if "expect_all" in item:
            n_all += 1
            found_all = []
            for sub in item["expect_all"]:
                found = find(sub)
                if len(found) != 1:
                    errors.append(f"{iid}: expect_all {sub!r} is in {len(found)} passages {[p.where for p in found]}")
                else:
                    found_all.append(found[0])
            if len(found_all) == len(item["expect_all"]):
                owners = [lst for lst in (a_list for a in articles for a_list in a.lists) if found_all[0] in lst[1]]
                if not owners:
                    errors.append(f"{iid}: expect_all {item['expect_all'][0]!r} is not a list item")
                else:
                    siblings = owners[0][1]
                    if set(map(id, found_all)) != set(map(id, siblings)) or len(found_all) != len(siblings):
                        errors.append(
                            f"{iid}: expect_all must name each of the {len(siblings)} items of the list at "
                            f"{siblings[0].where} once; it names {[p.where for p in found_all]}"
                        )

    if args.verbose:
        print("corpus facts:")
        for a in articles:
            cited = {n for p in a.passages for n in p.own}
            lead_lists = [
                (par, lst) for par, lst in a.lists if par is not None and par.kind == "para" and len(lst) >= 5
            ]
            nested_uncited = [
                (par, lst) for par, lst in a.lists
                if par is not None and par.kind == "item" and len(lst) >= 2 and not any(x.own for x in lst[:-1])
            ]
            print(
                f"  {a.source}: {len(a.passages)} passages, references {sorted(a.references)}, "
                f"missing {sorted(cited - a.references) or '-'}, lead-in lists of 5+ items "
                f"{[(par.line, len(lst)) for par, lst in lead_lists] or '-'}, nested uncited lists "
                f"{[(par.line, len(lst)) for par, lst in nested_uncited] or '-'}"
            )
    print(
        f"{len(items)} items: {counts.get('single', 0)} answerable, {counts.get('unanswerable', 0)} out of scope, "
        f"{counts.get('conversation', 0)} conversations; {n_all} with expect_all"
    )
    print("answerable items per article: " + ", ".join(f"{k} {v}" for k, v in per_article.items()))
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"{len(errors)} problem(s)")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
