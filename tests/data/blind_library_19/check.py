#!/usr/bin/env python3
"""Check library/questions.jsonl against library/corpus/.

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

Added for the lib19 neurology set (see extra_checks below):

* layout: page-text .txt articles keep the page furniture (title question, advisory board and review
  lines, "Last updated ... View editorial policy", References block of Guideline/Research entries ending
  in a year with entry 1 "Guideline Directed Topic Overview", disclaimer, "Have a follow-up question?",
  bullets "  • " and nested "    • " with trailing citation numbers); Markdown .md articles have one
  "# Title", a cited opening paragraph, "##" and "###" headings, bracketed citations on bullets, nested
  bullets and a numbered "## References" list 1..n, each entry ending in a year;
* every article has 80-150 lines, at least one "... include:" lead-in list of 4-7 items and one nested
  list; at least one article cites a number missing from its references;
* the set has 40 items L01-L40: 20-24 plain answerable (no expect_all), 3-5 with expect_all, 4-8
  conversations of 2-3 turns, 6-10 out of scope;
* the expect phrases land in all four passage kinds (top-level item, nested item, lead-in line, plain
  paragraph), every article sources at least one answerable item, at least one follow-up turn carries a
  patient value (a number), no question or turn contains one of its own expect / expect_all phrases, and
  "cites" is given exactly when all expect passages carry the same non-empty citation numbers;
* out-of-scope items share a word with the corpus while their key concept (OOS_ABSENT) occurs nowhere in it;
* the shared vocabulary (SHARED_WORDS) occurs in at least two articles; no question repeats one of the
  first library set (when /work/shared/eval/library/questions.jsonl is readable).

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


# ---------------------------------------------------------------------------------------------------
# lib19 extensions

LINES_MIN, LINES_MAX = 80, 150
COUNTS = {"plain": (20, 24), "expect_all": (3, 5), "conversation": (4, 8), "unanswerable": (6, 10)}
N_ITEMS = 40
# key concept of each out-of-scope question; none of these may occur anywhere in the corpus
OOS_ABSENT = {
    "L25": ["retinal artery", "CRAO"],
    "L26": ["lecanemab", "APOE", "amyloid"],
    "L27": ["keppra", "levetiracetam", "unprovoked"],
    "L28": ["carbamazepine", "trigeminal"],
    "L29": ["betahistine"],
    "L30": ["dexmedetomidine", "ICU"],
    "L31": ["botox", "botulinum"],
    "L32": ["stent", "asymptomatic carotid", "asymptomatic stenosis"],
}
SHARED_WORDS = ["stroke", "antipsychotic", "iron", "steroid", "dose", "dementia", "delirium"]
ORIGINAL_QUESTIONS = Path("/work/shared/eval/library/questions.jsonl")
STOP = set("""a an and are as at be but by can do does for from had has have how i if in is it its
    of on or pt pts she he her his the that this to was we what whats when which who why with w yrs
    any ok""".split())
TXT_FURNITURE = [
    (re.compile(r"^Medical Advisory BoardAll articles are reviewed for accuracy by our Medical Advisory Board$"), "advisory board line"),
    (re.compile(r"^Article Review Status$"), "review status line"),
    (re.compile(r"^Last updated: [A-Z][a-z]+ \d{1,2}, \d{4}View editorial policy$"), "Last updated ... View editorial policy"),
    (re.compile(r"^Personalize$"), "Personalize line"),
    (re.compile(r"^References$"), "References line"),
    (re.compile(r"^Professional Medical Disclaimer$"), "disclaimer heading"),
    (re.compile(r"^Have a follow-up question\?$"), "Have a follow-up question?"),
]


def _layout_txt(path: Path, art: Article, errors: list[str]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    name = art.source
    if not lines or not lines[0].rstrip().endswith("?"):
        errors.append(f"{name}: first line must be the title question")
    for rx, what in TXT_FURNITURE:
        if not any(rx.match(ln) for ln in lines):
            errors.append(f"{name}: missing page furniture: {what}")
    ref_at = next((i for i, ln in enumerate(lines) if ln.strip() == "References"), None)
    if ref_at is None:
        return
    tail = [ln.strip() for ln in lines[ref_at + 1:] if ln.strip()]
    if tail[:2] != ["Guideline", "Guideline Directed Topic Overview"]:
        errors.append(f"{name}: reference 1 must be Guideline / Guideline Directed Topic Overview")
    # entries: label, title, source-with-year, until the disclaimer
    end = tail.index("Professional Medical Disclaimer") if "Professional Medical Disclaimer" in tail else len(tail)
    entries = tail[:end]
    if len(entries) % 3:
        errors.append(f"{name}: references are not label/title/source triples")
    for k in range(0, len(entries) - 2, 3):
        label, title, src = entries[k : k + 3]
        if label not in ("Guideline", "Research") or not YEAR_END.search(src) or YEAR_END.search(title):
            errors.append(f"{name}: bad reference entry {k // 3 + 1}: {label!r} / {title[:40]!r} / {src!r}")
    if len(entries) // 3 != len(art.references):
        errors.append(f"{name}: {len(entries) // 3} reference entries but the reader counted {len(art.references)}")
    body = lines[:ref_at]
    for i, ln in enumerate(body, 1):
        if "\u2022" in ln and not re.match(r"^(  |    )\u2022 \S", ln):
            errors.append(f"{name}:{i}: bullet must be '  \u2022 ' or nested '    \u2022 '")
    if not any(re.match(r"^    \u2022 ", ln) for ln in body):
        errors.append(f"{name}: no nested '    \u2022 ' bullet")
    if not any(TRAILING.search(ln.strip()) for ln in body if ln.startswith("  \u2022")):
        errors.append(f"{name}: no bullet ends in citation numbers")
    if not art.passages or art.passages[0].kind != "para" or not art.passages[0].own:
        errors.append(f"{name}: the opening paragraph must carry citation numbers")


def _layout_md(path: Path, art: Article, errors: list[str]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    name = art.source
    heads = [(i, m.group(1), m.group(2)) for i, ln in enumerate(lines) if (m := MD_HEADING.match(ln))]
    if not lines or not lines[0].startswith("# "):
        errors.append(f"{name}: first line must be '# Title'")
    if sum(1 for _, h, _ in heads if h == "#") != 1:
        errors.append(f"{name}: exactly one '#' heading expected")
    for level in ("##", "###"):
        if not any(h == level for _, h, _ in heads):
            errors.append(f"{name}: no {level} heading")
    if not heads or heads[-1][1:] != ("##", "References"):
        errors.append(f"{name}: last heading must be '## References'")
    else:
        ref_lines = [ln for ln in lines[heads[-1][0] + 1:] if ln.strip()]
        nums = []
        for ln in ref_lines:
            m = re.match(r"^(\d{1,4})\. \S", ln)
            if not m or not YEAR_END.search(ln):
                errors.append(f"{name}: bad reference line {ln[:50]!r}")
            else:
                nums.append(int(m.group(1)))
        if nums != list(range(1, len(nums) + 1)):
            errors.append(f"{name}: references must be numbered 1..n, found {nums}")
    if not art.passages or art.passages[0].kind != "para" or not art.passages[0].own or art.passages[0].line > 5:
        errors.append(f"{name}: the opening paragraph under the title must carry citations")
    body_bullets = [ln for ln in lines[: heads[-1][0] if heads else len(lines)] if MD_BULLET.match(ln)]
    if not any(BRACKETED.search(ln) for ln in body_bullets):
        errors.append(f"{name}: no bullet with bracketed citations")
    if not any(re.match(r"^\s{2,}[-*+] ", ln) for ln in body_bullets):
        errors.append(f"{name}: no nested bullet")
    if any(re.match(r"^\s*\d{1,4}[.)]\s", ln) for ln in body_bullets):
        errors.append(f"{name}: numbered lines in the body would be read as list items")


def passage_kind(p: Passage) -> str:
    if p.kind == "para":
        return "lead-in" if p.text.endswith(":") else "paragraph"
    return "nested item" if p.depth > 0 else "top-level item"


def extra_checks(corpus: Path, articles: list[Article], items: list[dict], find, errors: list[str]) -> None:
    passages = [p for a in articles for p in a.passages]
    # --- articles
    missing_any = False
    for a in articles:
        path = corpus / a.source
        n_lines = len(path.read_text(encoding="utf-8").splitlines())
        if not LINES_MIN <= n_lines <= LINES_MAX:
            errors.append(f"{a.source}: {n_lines} lines, want {LINES_MIN}-{LINES_MAX}")
        (_layout_md if path.suffix == ".md" else _layout_txt)(path, a, errors)
        if a.references != set(range(1, len(a.references) + 1)) or not a.references:
            errors.append(f"{a.source}: references are not numbered 1..n")
        cited = {n for p in a.passages for n in p.own}
        if cited - a.references:
            missing_any = True
        include_lists = [
            lst for par, lst in a.lists
            if par is not None and par.kind == "para" and re.search(r"\binclude:$", par.text) and 4 <= len(lst) <= 7
        ]
        if not include_lists:
            errors.append(f"{a.source}: no '... include:' lead-in list of 4-7 items")
        if not any(par is not None and par.kind == "item" for par, _ in a.lists):
            errors.append(f"{a.source}: no nested list")
    if len(articles) != 6:
        errors.append(f"corpus: {len(articles)} articles, want 6")
    if sum(a.source.endswith(".txt") for a in articles) != 3 or sum(a.source.endswith(".md") for a in articles) != 3:
        errors.append("corpus: want three .txt and three .md articles")
    if not missing_any:
        errors.append("corpus: no article cites a number missing from its references")
    for word in SHARED_WORDS:
        owners = [a.source for a in articles if any(word in norm(p.text) for p in a.passages)]
        if len(owners) < 2:
            errors.append(f"corpus: shared word {word!r} occurs in {owners}")

    # --- item counts
    if len(items) != N_ITEMS:
        errors.append(f"questions: {len(items)} items, want {N_ITEMS}")
    tally = {"plain": 0, "expect_all": 0, "conversation": 0, "unanswerable": 0}
    for it in items:
        k = kind_of(it)
        if k == "single":
            tally["expect_all" if "expect_all" in it else "plain"] += 1
        else:
            tally[k] += 1
            if k == "conversation" and "expect_all" in it:
                tally["expect_all"] += 1
    for k, (lo, hi) in COUNTS.items():
        if not lo <= tally[k] <= hi:
            errors.append(f"questions: {tally[k]} {k} items, want {lo}-{hi}")
    singles = tally["plain"] + sum(1 for it in items if kind_of(it) == "single" and "expect_all" in it)
    if not COUNTS["plain"][0] <= singles <= COUNTS["plain"][1]:
        errors.append(f"questions: {singles} single answerable items (plain + expect_all), want 20-24")

    # --- per item
    kinds_hit: set[str] = set()
    sources_hit: set[str] = set()
    followup_value = False
    corpus_words = {w for p in passages for w in re.findall(r"[a-z][a-z'-]{3,}", norm(p.text))}
    corpus_text = " ".join(norm(p.text) for a in articles for p in a.passages)
    corpus_raw = " ".join(norm((corpus / a.source).read_text(encoding="utf-8")) for a in articles)
    originals = set()
    if ORIGINAL_QUESTIONS.is_file():
        for ln in ORIGINAL_QUESTIONS.read_text(encoding="utf-8").splitlines():
            if ln.strip():
                o = json.loads(ln)
                originals.update(norm(q) for q in ([o["question"]] if "question" in o else o.get("turns", [])))
    for it in items:
        iid = it.get("id")
        k = kind_of(it)
        texts = [it["question"]] if "question" in it else list(it.get("turns", []))
        for t in texts:
            if norm(t) in originals:
                errors.append(f"{iid}: question copied from the first library set: {t!r}")
        if k == "unanswerable":
            words = {w for t in texts for w in re.findall(r"[a-z][a-z'-]{3,}", norm(t))} - STOP
            if not words & corpus_words:
                errors.append(f"{iid}: out-of-scope question shares no word with the corpus")
            absent = OOS_ABSENT.get(iid)
            if not absent:
                errors.append(f"{iid}: out-of-scope item has no OOS_ABSENT entry")
            for term in absent or []:
                if re.search(r"\b" + re.escape(norm(term)) + r"\b", corpus_raw):
                    errors.append(f"{iid}: out-of-scope concept {term!r} occurs in the corpus")
            continue
        phrases = list(it.get("expect", [])) + list(it.get("expect_all", []))
        for t in texts:
            for ph in phrases:
                if norm(ph) in norm(t):
                    errors.append(f"{iid}: question text contains its own expect phrase {ph!r}")
        found = [f[0] for f in (find(x) for x in it.get("expect", [])) if len(f) == 1]
        for p in found:
            kinds_hit.add(passage_kind(p))
            sources_hit.add(p.source)
        if found and len(found) == len(it.get("expect", [])):
            cite_sets = {tuple(sorted(set(p.cites))) for p in found}
            same = len(cite_sets) == 1 and next(iter(cite_sets)) != ()
            if same and "cites" not in it:
                errors.append(f"{iid}: expect passages share cites {sorted(next(iter(cite_sets)))} but 'cites' is missing")
            if not same and "cites" in it:
                errors.append(f"{iid}: 'cites' given but the expect passages carry different numbers {sorted(cite_sets)}")
        if k == "conversation" and any(re.search(r"\d", t) for t in texts[1:]):
            followup_value = True
    for want in ("top-level item", "nested item", "lead-in", "paragraph"):
        if want not in kinds_hit:
            errors.append(f"questions: no expect phrase lands in a {want}")
    for a in articles:
        if a.source not in sources_hit:
            errors.append(f"questions: no answerable item is sourced from {a.source}")
    if not followup_value:
        errors.append("questions: no follow-up turn carries a patient value")


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
        if iid != f"L{pos:02d}":
            errors.append(f"{iid}: expected id L{pos:02d}")
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

    extra_checks(args.corpus, articles, items, find, errors)

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
