#!/usr/bin/env python3
"""Check library 18 (adult haematology in general medicine): questions.jsonl against corpus/.

Adapted from /work/shared/eval/library/check.py; paths default to the folder this file is in
(/tmp/lib18/corpus and /tmp/lib18/questions.jsonl). Independent of citebot: it splits the articles into passages (bullets and paragraphs of the body,
without headings, page furniture or references) with its own small reader, then checks that

* every item has the right shape for its kind (question / turns, expect, cites, answerable, expect_all);
* every "expect" and "expect_all" substring occurs in exactly one passage of the whole corpus
  (case-insensitive, runs of white space folded to one space, as the scorer compares);
* "cites", when given, equals the citation numbers of the passage each expect substring is in: the
  line's own numbers, or for an uncited list item the numbers that close its list, or for an
  uncited lead-in / parent bullet the union of its children's;
* "expect_all" names every item of one list, one substring per item.

Library 18 adds these rules (see LIB18 below):

* corpus: exactly 6 articles, 3 page-text (.txt, with the page furniture) and 3 Markdown (.md), each
  80-150 lines, each with a reference list numbered 1..n, at least one "... include:" lead-in list of
  4-7 items and at least one nested list; at least one article cites a number missing from its references;
* questions: 40 items L01-L40; 20-24 plain answerable, 3-5 with expect_all, 4-8 conversations (2 or 3
  turns, at least one follow-up carrying a patient value), 6-10 out of scope, each of these sharing at
  least one content word with the corpus;
* no question or turn contains one of its own expect / expect_all substrings;
* "cites" is required when every expect substring sits in passages with the same non-empty numbers;
* every article is the source of at least one answerable item, and the expect substrings land in all
  four kinds of passage: top-level list item, nested list item, lead-in line, plain paragraph.

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


# ---------------------------------------------------------------- LIB18: library 18 rules
N_ARTICLES, N_TXT, N_MD = 6, 3, 3
LINES_MIN, LINES_MAX = 80, 150
INCLUDE_MIN, INCLUDE_MAX = 4, 7
N_ITEMS = 40
RANGES = {  # kind -> (min, max) number of items
    "plain": (20, 24),
    "expect_all": (3, 5),
    "conversation": (4, 8),
    "unanswerable": (6, 10),
}
TXT_FURNITURE = [
    "Medical Advisory BoardAll articles are reviewed for accuracy by our Medical Advisory Board",
    "Article Review Status",
    "Last updated:",
    "Personalize",
    "Help us tailor your experience",
    "Which best describes you?",
    "References",
    "Professional Medical Disclaimer",
    "Have a follow-up question?",
]
STOP = set(
    """about after again also and any are because been before being both but can could does doing down
    during each for from further have having here how into its just more most much need needs not now
    off once only other our out over own same should some such than that the their them then there these
    they this those through under until very was we were what when where which while who whom why will
    with would you your yes still pt pts anything""".split()
)


def passage_kind(p: Passage) -> str:
    if p.kind == "para":
        return "lead-in line" if p.children else "plain paragraph"
    return "top-level item" if p.depth == 0 else "nested item"


def check_layout(corpus: Path, articles: list[Article], errors: list[str]) -> list[dict]:
    """Article layout counts; returns one row of facts per article (for -v and the README table)."""
    rows = []
    if len(articles) != N_ARTICLES:
        errors.append(f"corpus: {len(articles)} articles, expected {N_ARTICLES}")
    by_ext = {".txt": 0, ".md": 0}
    any_missing = False
    for a in articles:
        path = corpus / a.source
        by_ext[path.suffix] = by_ext.get(path.suffix, 0) + 1
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        n = len(lines)
        if not LINES_MIN <= n <= LINES_MAX:
            errors.append(f"{a.source}: {n} lines, expected {LINES_MIN}-{LINES_MAX}")
        if not a.references or a.references != set(range(1, max(a.references) + 1)):
            errors.append(f"{a.source}: references {sorted(a.references)} are not numbered 1..n")
        cited = {x for p in a.passages for x in p.own}
        missing = sorted(cited - a.references)
        any_missing = any_missing or bool(missing)
        include = [
            (par, lst) for par, lst in a.lists
            if par is not None and par.kind == "para" and par.text.rstrip().lower().endswith("include:")
        ]
        if not any(INCLUDE_MIN <= len(lst) <= INCLUDE_MAX for _, lst in include):
            errors.append(f"{a.source}: no '... include:' lead-in list of {INCLUDE_MIN}-{INCLUDE_MAX} items")
        nested = [(par, lst) for par, lst in a.lists if par is not None and par.kind == "item"]
        if not nested:
            errors.append(f"{a.source}: no nested list")
        if path.suffix == ".txt":
            stripped = [ln.strip() for ln in lines]
            for piece in TXT_FURNITURE:
                if not any(ln.startswith(piece) for ln in stripped):
                    errors.append(f"{a.source}: page furniture line {piece!r} missing")
            if not stripped[0].endswith("?"):
                errors.append(f"{a.source}: first line should be the title question")
            if not any(TXT_BULLET.match(ln) for ln in lines):
                errors.append(f"{a.source}: no bullet lines")
        elif path.suffix == ".md":
            if not lines[0].startswith("# "):
                errors.append(f"{a.source}: first line should be '# Title'")
            if not any(ln.startswith("## ") and ln.strip().lower() != "## references" for ln in lines):
                errors.append(f"{a.source}: no '## Section' heading")
            if not any(ln.strip().lower() == "## references" for ln in lines):
                errors.append(f"{a.source}: no '## References' heading")
            if not any(BRACKETED.search(ln) for ln in lines):
                errors.append(f"{a.source}: no bracketed citations")
        rows.append({
            "source": a.source, "layout": path.suffix[1:], "lines": n, "refs": len(a.references),
            "lists": len(a.lists), "include": [len(lst) for _, lst in include],
            "nested": [len(lst) for _, lst in nested], "missing": missing, "passages": len(a.passages),
        })
    if by_ext.get(".txt", 0) != N_TXT or by_ext.get(".md", 0) != N_MD:
        errors.append(f"corpus: {by_ext.get('.txt', 0)} .txt and {by_ext.get('.md', 0)} .md, expected {N_TXT} and {N_MD}")
    if not any_missing:
        errors.append("corpus: no article cites a number missing from its reference list")
    return rows


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
    rows = check_layout(args.corpus, articles, errors)  # LIB18

    def find(sub: str) -> list[Passage]:
        n = norm(sub)
        return [p for p in passages if n in norm(p.text)]

    items = [json.loads(ln) for ln in args.questions.read_text(encoding="utf-8").split("\n") if ln.strip()]
    counts: dict[str, int] = {}
    per_article: dict[str, int] = {a.source: 0 for a in articles}
    n_all = 0
    seen_ids: set[str] = set()
    hit_kinds: dict[str, list[str]] = {k: [] for k in ("top-level item", "nested item", "lead-in line", "plain paragraph")}
    corpus_words = {w for p in passages for w in re.findall(r"[a-z][a-z0-9'-]+", p.text.lower())}
    oos_words: dict[str, list[str]] = {}
    conv_with_value = []
    for pos, item in enumerate(items, 1):
        iid = item.get("id", f"line {pos}")
        kind = kind_of(item)
        counts[kind] = counts.get(kind, 0) + 1
        need, optional = KINDS[kind]
        if iid in seen_ids:
            errors.append(f"{iid}: duplicate id")
        seen_ids.add(iid)
        if iid != f"L{pos:02d}":
            errors.append(f"{iid}: expected id L{pos:02d}")
        missing, extra = need - item.keys(), item.keys() - need - optional
        if missing or extra:
            errors.append(f"{iid}: {kind} item: missing {sorted(missing)}, unexpected {sorted(extra)}")
            continue
        asked = item["turns"] if kind == "conversation" and isinstance(item.get("turns"), list) else [item.get("question", "")]
        for turn in asked:  # LIB18: no question or turn gives its own answer away
            for sub in list(item.get("expect", [])) + list(item.get("expect_all", [])):
                if norm(sub) in norm(turn):
                    errors.append(f"{iid}: question/turn {turn!r} contains its own expect phrase {sub!r}")
        if kind == "unanswerable":
            words = {w for w in re.findall(r"[a-z][a-z0-9'-]+", item["question"].lower()) if len(w) >= 4 and w not in STOP}
            shared = sorted(words & corpus_words)
            oos_words[iid] = shared
            if not shared:
                errors.append(f"{iid}: out-of-scope question shares no content word with the corpus")
            continue
        if kind == "single" and "expect_all" not in item:
            counts["plain"] = counts.get("plain", 0) + 1
        if kind == "conversation" and any(re.search(r"\d", t) for t in item["turns"][1:]):
            conv_with_value.append(iid)
        if kind == "conversation" and not (isinstance(item["turns"], list) and 2 <= len(item["turns"]) <= 3):
            errors.append(f"{iid}: turns must be a list of 2 or 3 questions")
        expect = item["expect"]
        if not (isinstance(expect, list) and 1 <= len(expect) <= 3):
            errors.append(f"{iid}: expect must hold 1 to 3 substrings")
        hit_sources = set()
        hit_cites = []
        for sub in expect:
            found = find(sub)
            if len(found) != 1:
                errors.append(f"{iid}: expect {sub!r} is in {len(found)} passages {[p.where for p in found]}")
                continue
            p = found[0]
            hit_sources.add(p.source)
            hit_cites.append(tuple(sorted(set(p.cites))))
            hit_kinds[passage_kind(p)].append(iid)
            if "cites" in item and sorted(set(item["cites"])) != sorted(set(p.cites)):
                errors.append(f"{iid}: cites {item['cites']} but {sub!r} ({p.where}) carries {p.cites}")
        if (
            "cites" not in item and len(hit_cites) == len(expect) and len(set(hit_cites)) == 1 and hit_cites[0]
        ):  # LIB18: cites are required whenever they are well defined
            errors.append(f"{iid}: every expect passage carries {list(hit_cites[0])}; give them as cites")
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

    # LIB18: counts, per-article coverage, passage kinds, conversations
    counts["expect_all"] = n_all
    if len(items) != N_ITEMS:
        errors.append(f"{len(items)} items, expected {N_ITEMS}")
    for k, (lo, hi) in RANGES.items():
        if not lo <= counts.get(k, 0) <= hi:
            errors.append(f"{counts.get(k, 0)} {k} items, expected {lo}-{hi}")
    for src, n in per_article.items():
        if n == 0:
            errors.append(f"{src}: no answerable item has its answer here")
    for k, ids in hit_kinds.items():
        if not ids:
            errors.append(f"no expect phrase lands in a {k}")
    if counts.get("conversation") and not conv_with_value:
        errors.append("no conversation follow-up carries a patient value")

    if args.verbose:
        print("article layout:")
        for r in rows:
            print(
                f"  {r['source']}: {r['layout']}, {r['lines']} lines, {r['refs']} refs, {r['lists']} lists, "
                f"include-lists {r['include']}, nested {r['nested']}, missing cited ref {r['missing'] or '-'}"
            )
        print("expect hits by passage kind: " + "; ".join(f"{k} {len(v)} ({', '.join(v)})" for k, v in hit_kinds.items()))
        print("conversations with a patient value in a follow-up: " + ", ".join(conv_with_value))
        print("out-of-scope words shared with the corpus: " + "; ".join(f"{k} {v}" for k, v in oos_words.items()))
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
        f"{len(items)} items: {counts.get('single', 0)} answerable ({counts.get('plain', 0)} plain), "
        f"{counts.get('unanswerable', 0)} out of scope, {counts.get('conversation', 0)} conversations; "
        f"{n_all} with expect_all"
    )
    print(
        f"corpus: {len(articles)} articles ("
        + ", ".join(f"{r['source']} {r['layout']} {r['lines']} lines" for r in rows)
        + ")"
    )
    print("answerable items per article: " + ", ".join(f"{k} {v}" for k, v in per_article.items()))
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"{len(errors)} problem(s)")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
