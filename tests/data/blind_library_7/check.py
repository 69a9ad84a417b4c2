#!/usr/bin/env python3
"""Verify /work/blind7/questions.jsonl against /work/blind7/corpus/.

The articles are split into passages: one passage per bullet (with any wrapped continuation lines)
and one per body paragraph; headings, page furniture and the reference list are left out.

Checks:
  * each item has the shape of its kind (single / conversation / unanswerable), ids are unique;
  * every `expect` substring occurs in exactly one passage of the whole corpus
    (case-insensitive, runs of white space folded to one space);
  * `cites`, when given, equals the citation numbers of that passage: its own numbers, or for a
    list item without its own numbers the numbers that close its list, or for an uncited lead-in or
    parent bullet the union of its children's numbers;
  * every `expect_all` substring occurs in exactly one passage, and together they name every item of
    one list, once each;
  * the counts of item kinds, and (for information) which cited numbers are missing from an
    article's reference list.

Usage: python3 check.py [-v] [--dump] [--questions FILE]     exit status 0 when everything passes.
"""

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
QUESTIONS = HERE / "questions.jsonl"

NUMS = r"\d{1,3}(?:\s*[-–]\s*\d{1,3})?(?:\s*,\s*\d{1,3}(?:\s*[-–]\s*\d{1,3})?)*"
TXT_CITE = re.compile(r"(?<=\S)\s+(" + NUMS + r")\s*$")
MD_CITE = re.compile(r"\s*\[(" + NUMS + r")\]")
TXT_BULLET = re.compile(r"^(\s*)•\s+(.*)$")
MD_BULLET = re.compile(r"^(\s*)[-*]\s+(.*)$")
MD_HEAD = re.compile(r"^#{1,6}\s")


def fold(s):
    return re.sub(r"\s+", " ", s).strip().lower()


def numbers(spec):
    out = []
    for part in spec.split(","):
        ends = [int(x) for x in re.split(r"[-–]", part.strip())]
        for n in range(ends[0], ends[-1] + 1):
            if n not in out:
                out.append(n)
    return out


class P:
    def __init__(self, src, line, kind, text, own, indent=0):
        self.src, self.line, self.kind, self.text, self.own, self.indent = src, line, kind, text, own, indent
        self.children = []
        self.cites = list(own)

    def __repr__(self):
        return f"{self.src}:{self.line}"


def split_txt(s):
    m = TXT_CITE.search(s)
    return (s[: m.start()].rstrip(), numbers(m.group(1))) if m else (s, [])


def split_md(s):
    own = []
    for m in MD_CITE.finditer(s):
        own += [n for n in numbers(m.group(1)) if n not in own]
    return re.sub(r"\s+([.,;:])", r"\1", MD_CITE.sub("", s)).replace("**", "").strip(), own


def txt_heading(lines, i):
    s = lines[i].strip()
    if not s or TXT_BULLET.match(lines[i]) or s[-1] in ".:;,!?" or TXT_CITE.search(s) or len(s.split()) > 14:
        return False
    before = i == 0 or not lines[i - 1].strip()
    after = i + 1 >= len(lines) or not lines[i + 1].strip()
    return before and after


def parse(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    src = path.name
    if path.suffix == ".md":
        end = next(i for i, l in enumerate(lines) if re.match(r"^#{1,6}\s+references\s*$", l.strip(), re.I))
        refs = {int(m.group(1)) for l in lines[end + 1:] if (m := re.match(r"^\s*(\d+)\.\s", l))}
        start, bullet, split = 0, MD_BULLET, split_md
        heading = lambda i: bool(MD_HEAD.match(lines[i]))
    else:
        end = next(i for i, l in enumerate(lines) if l.strip().lower() == "references")
        # body starts at the article heading that follows the page furniture
        furn = next(i for i, l in enumerate(lines) if l.startswith("Which best describes you?"))
        start = furn + 1
        refs, n = set(), 0
        for l in lines[end + 1:]:
            if re.search(r"\b(19|20)\d\d\s*$", l.strip()):
                n += 1
                refs.add(n)
            if l.strip() == "Professional Medical Disclaimer":
                break
        bullet, split = TXT_BULLET, split_txt
        heading = lambda i: txt_heading(lines, i)

    passages, lists = [], []
    stack, current, lead = [], [], None  # stack of (indent, P); current = top-level items of open list

    def close():
        nonlocal stack, current
        if current:
            lists.append(current)
        stack, current = [], []

    i = start
    while i < end:
        raw = lines[i]
        s = raw.strip()
        if not s:
            i += 1
            continue
        if heading(i):
            close()
            lead = None
            i += 1
            continue
        m = bullet.match(raw)
        if m:
            indent = len(m.group(1))
            text, own = split(m.group(2).strip())
            while stack and stack[-1][0] >= indent:
                stack.pop()
            p = P(src, i + 1, "item", text, own, indent)
            if stack:
                par = stack[-1][1]
                if not par.children:
                    lists.append(par.children)
                par.children.append(p)
            else:
                current.append(p)
                if lead is not None:
                    lead.children.append(p)
            passages.append(p)
            stack.append((indent, p))
            i += 1
            continue
        if stack and raw.startswith(" "):  # wrapped continuation of a bullet
            text, own = split(s)
            stack[-1][1].text += " " + text
            stack[-1][1].own += [n for n in own if n not in stack[-1][1].own]
            stack[-1][1].cites = list(stack[-1][1].own)
            i += 1
            continue
        close()
        first, parts = i, []
        while i < end and lines[i].strip() and not bullet.match(lines[i]) and not heading(i):
            parts.append(lines[i].strip())
            i += 1
        texts, own = [], []
        for part in parts:
            t, c = split(part)
            texts.append(t)
            own += [n for n in c if n not in own]
        p = P(src, first + 1, "para", " ".join(texts), own)
        passages.append(p)
        lead = p if p.text.endswith(":") else None
    close()

    def inherit(node):
        for c in node.children:
            inherit(c)
        if not node.own and node.children:
            node.cites = []
            for c in node.children:
                node.cites += [n for n in c.cites if n not in node.cites]

    for p in passages:
        inherit(p)
    for lst in lists:
        closing = []
        for node in reversed(lst):
            if node.cites:
                closing = node.cites
            elif not node.children:
                node.cites = list(closing)
    cited = {n for p in passages for n in p.own}
    return passages, lists, refs, cited


def main():
    global QUESTIONS
    verbose = "-v" in sys.argv
    if "--questions" in sys.argv:
        QUESTIONS = Path(sys.argv[sys.argv.index("--questions") + 1])
    passages, lists, errors = [], [], []
    print("articles:")
    for path in sorted(CORPUS.iterdir()):
        if path.suffix not in (".md", ".txt"):
            continue
        ps, ls, refs, cited = parse(path)
        passages += ps
        if "--dump" in sys.argv:
            for p in ps:
                print(f"    {p} {p.kind} {p.cites} | {p.text}")
        lists += ls
        missing = sorted(cited - refs)
        total = len(path.read_text(encoding="utf-8").splitlines())
        nonblank = sum(1 for l in path.read_text(encoding="utf-8").splitlines() if l.strip())
        print(f"  {path.name}: {total} lines ({nonblank} non-blank), {len(ps)} passages, "
              f"{len(ls)} lists, references 1-{max(refs)}, cited but missing: {missing or '-'}")
        if len(refs) < 5:
            errors.append(f"{path.name}: fewer than 5 references")

    def find(sub):
        f = fold(sub)
        return [p for p in passages if f in fold(p.text)]

    items = [json.loads(l) for l in QUESTIONS.read_text(encoding="utf-8").splitlines() if l.strip()]
    counts = {"single": 0, "conversation": 0, "unanswerable": 0}
    n_all, ids = 0, set()
    for it in items:
        iid = it.get("id")
        if iid in ids:
            errors.append(f"{iid}: duplicate id")
        ids.add(iid)
        if it.get("answerable") is False:
            kind, allowed = "unanswerable", {"id", "question", "answerable"}
            need = allowed
        elif "turns" in it:
            kind, need = "conversation", {"id", "turns", "expect"}
            allowed = need | {"cites", "expect_all"}
        else:
            kind, need = "single", {"id", "question", "expect"}
            allowed = need | {"cites", "expect_all"}
        counts[kind] += 1
        keys = set(it)
        if not need <= keys or not keys <= allowed:
            errors.append(f"{iid}: bad keys {sorted(keys)} for {kind}")
            continue
        if kind == "unanswerable":
            continue
        if kind == "conversation" and not (isinstance(it["turns"], list) and 2 <= len(it["turns"]) <= 3):
            errors.append(f"{iid}: turns must be 2-3 questions")
        srcs = set()
        for sub in it["expect"]:
            hits = find(sub)
            if len(hits) != 1:
                errors.append(f"{iid}: expect {sub!r} found in {len(hits)} passages {hits}")
                continue
            p = hits[0]
            srcs.add(p.src)
            if verbose:
                print(f"  {iid}: {sub!r} -> {p} cites {p.cites}")
            if "cites" in it and sorted(set(it["cites"])) != sorted(set(p.cites)):
                errors.append(f"{iid}: cites {it['cites']} but {sub!r} at {p} carries {p.cites}")
        if len(srcs) > 1:
            errors.append(f"{iid}: expect phrases come from several articles {sorted(srcs)}")
        if "expect_all" in it:
            n_all += 1
            found = []
            for sub in it["expect_all"]:
                hits = find(sub)
                if len(hits) != 1:
                    errors.append(f"{iid}: expect_all {sub!r} found in {len(hits)} passages {hits}")
                else:
                    found.append(hits[0])
            if len(found) == len(it["expect_all"]):
                owner = [l for l in lists if found[0] in l]
                if not owner:
                    errors.append(f"{iid}: expect_all {it['expect_all'][0]!r} is not a list item")
                elif {id(x) for x in found} != {id(x) for x in owner[0]} or len(found) != len(owner[0]):
                    errors.append(f"{iid}: expect_all names {found}, but the list is {owner[0]}")

    print(f"{len(items)} items: {counts['single']} answerable single, {counts['unanswerable']} out of scope, "
          f"{counts['conversation']} conversations; {n_all} with expect_all")
    for e in errors:
        print("ERROR", e)
    print("PASS" if not errors else f"FAIL: {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
