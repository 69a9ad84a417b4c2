#!/usr/bin/env python3
"""Self-check for blind_library_8.

Splits every article in corpus/ into passages (one bullet or one paragraph each),
works out each passage's citation numbers, and verifies questions.jsonl:

- every `expect` phrase occurs in exactly one passage of the whole corpus
  (matching is case-insensitive with runs of white space folded to one space);
- `cites`, when given, equals the citation numbers of each expect passage:
  its own numbers; for an uncited list item, the numbers closing its list;
  for an uncited lead-in (paragraph or bullet ending in ':'), the union of its
  children's numbers;
- every `expect_all` names every item of one list, one substring per item;
- ids, kinds and counts match the brief, and the articles match the layout rules
  (80-150 lines, 5-6 references, lead-in lists, a nested list, exactly one article
  citing a reference number missing from its list).

Run: python3 check.py   (exit status 0 when everything passes)
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
QUESTIONS = os.path.join(HERE, "questions.jsonl")

TXT_CITE = re.compile(r"\s(\d{1,2}(?:, \d{1,2})*)$")
MD_CITE = re.compile(r"\s*\[(\d{1,2}(?:,\s*\d{1,2})*)\]\.?$")
REF_TYPES = {"Guideline", "Research", "Review", "Meta-analysis"}


def norm(s):
    return re.sub(r"\s+", " ", s).strip().lower()


class Passage:
    def __init__(self, doc, lineno, text, kind, indent=0, own=None, body=True):
        self.doc, self.lineno, self.text, self.kind = doc, lineno, text, kind
        self.indent = indent
        self.own = own or []          # citation numbers written on the line
        self.body = body              # False for references/disclaimer text
        self.children = []            # bullets nested under this passage
        self.group = None             # sibling list this bullet belongs to
        self.cites = None             # effective citation numbers

    def __repr__(self):
        return f"{self.doc}:{self.lineno} [{self.kind}] {self.text[:60]!r} cites={self.cites}"


def split_txt(name, lines):
    out = []
    in_body = True
    for i, raw in enumerate(lines, 1):
        line = raw.rstrip("\n")
        if not line.strip():
            out.append(None)
            continue
        if line.strip() == "References":
            in_body = False
        m = re.match(r"^(\s*)• (.*)$", line)
        if m:
            text, indent, kind = m.group(2), len(m.group(1)), "bullet"
        else:
            text, indent, kind = line.strip(), 0, "para"
        own = []
        if in_body:
            c = TXT_CITE.search(text)
            if c:
                own = [int(x) for x in c.group(1).split(", ")]
                text = text[: c.start()].rstrip()
        out.append(Passage(name, i, text, kind, indent, own, in_body))
    return out


def split_md(name, lines):
    out = []
    in_body = True
    for i, raw in enumerate(lines, 1):
        line = raw.rstrip("\n")
        if not line.strip():
            out.append(None)
            continue
        if line.startswith("#"):
            if line.strip() == "## References":
                in_body = False
            out.append(Passage(name, i, line.lstrip("#").strip(), "heading", 0, [], in_body))
            continue
        m = re.match(r"^(\s*)- (.*)$", line)
        if m:
            text, indent, kind = m.group(2), len(m.group(1)), "bullet"
        else:
            text, indent, kind = line.strip(), 0, "para"
        own = []
        if in_body:
            c = MD_CITE.search(text)
            if c:
                own = [int(x) for x in re.split(r",\s*", c.group(1))]
                text = text[: c.start()].rstrip() + ("." if c.group(0).endswith(".") else "")
        out.append(Passage(name, i, text, kind, indent, own, in_body))
    return out


def build_lists(seq):
    """Group consecutive bullets into sibling lists and attach lead-ins."""
    groups = []
    prev_nonblank = None
    i = 0
    while i < len(seq):
        p = seq[i]
        if p is None or p.kind != "bullet":
            if p is not None:
                prev_nonblank = p
            i += 1
            continue
        run = []
        while i < len(seq) and seq[i] is not None and seq[i].kind == "bullet":
            run.append(seq[i])
            i += 1
        # lead-in paragraph: the last non-blank paragraph before the run, ending in ':'
        lead = prev_nonblank if (prev_nonblank is not None and prev_nonblank.kind == "para"
                                 and prev_nonblank.text.endswith(":")) else None
        top = {"lead": lead, "items": []}
        groups.append(top)
        stack = []  # (indent, passage, group of its children)
        for b in run:
            while stack and stack[-1][0] >= b.indent:
                stack.pop()
            if stack:
                parent = stack[-1][1]
                if not parent.children:
                    g = {"lead": parent, "items": []}
                    groups.append(g)
                    parent._group_children = g
                g = parent._group_children
                parent.children.append(b)
            else:
                g = top
            g["items"].append(b)
            b.group = g
            stack.append((b.indent, b, None))
        if lead is not None:
            lead.children = list(top["items"])
        prev_nonblank = run[-1]
    return groups


def effective(p):
    if p.cites is not None:
        return p.cites
    if p.own:
        p.cites = sorted(set(p.own))
    elif p.children:
        s = set()
        for c in p.children:
            s.update(effective(c))
        p.cites = sorted(s)
    elif p.kind == "bullet" and p.group is not None:
        last = p.group["items"][-1]
        p.cites = [] if last is p else effective(last)
    else:
        p.cites = []
    return p.cites


def load_corpus():
    docs = {}
    for name in sorted(os.listdir(CORPUS)):
        path = os.path.join(CORPUS, name)
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
        if name.endswith(".txt"):
            seq = split_txt(name, lines)
        elif name.endswith(".md"):
            seq = split_md(name, lines)
        else:
            continue
        body = [p for p in seq if p is None or p.body]
        groups = build_lists(body)
        passages = [p for p in seq if p is not None and p.kind != "heading"]
        for p in passages:
            if p.body:
                effective(p)
        docs[name] = {"lines": lines, "passages": passages, "groups": groups}
    return docs


def ref_count(name, lines):
    text = [l.rstrip("\n") for l in lines]
    if name.endswith(".md"):
        start = text.index("## References")
        return sum(1 for l in text[start + 1:] if re.match(r"^\d+\. ", l))
    start = text.index("References")
    n = 0
    for l in text[start + 1:]:
        if l == "Professional Medical Disclaimer":
            break
        if l in REF_TYPES:
            n += 1
    return n


def main():
    errors = []
    docs = load_corpus()
    allp = [p for d in docs.values() for p in d["passages"]]

    # ---- article layout checks
    missing_ref_docs = []
    for name, d in docs.items():
        n = len(d["lines"])
        if not 80 <= n <= 150:
            errors.append(f"{name}: {n} lines (want 80-150)")
        refs = ref_count(name, d["lines"])
        if not 5 <= refs <= 6:
            errors.append(f"{name}: {refs} references (want 5-6)")
        cited = {c for p in d["passages"] if p.body for c in p.own}
        if cited - set(range(1, refs + 1)):
            missing_ref_docs.append((name, sorted(cited - set(range(1, refs + 1)))))
        leadins = [g for g in d["groups"] if g["lead"] is not None and g["lead"].kind == "para"
                   and re.search(r"\bincludes?\b[^.]*:$", g["lead"].text)]
        if len(leadins) < 2:
            errors.append(f"{name}: only {len(leadins)} 'X include(s) ...:' lead-in lists")
        if not any(g["lead"] is not None and g["lead"].kind == "bullet" for g in d["groups"]):
            errors.append(f"{name}: no nested list")
        for p in d["passages"]:
            if p.body and p.kind == "bullet" and not p.cites:
                errors.append(f"{name}:{p.lineno}: bullet without any citation: {p.text[:50]}")
    if len(missing_ref_docs) != 1:
        errors.append(f"articles citing a missing reference: {missing_ref_docs} (want exactly one)")

    # ---- questions
    items = []
    with open(QUESTIONS, encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            if line.strip():
                try:
                    items.append(json.loads(line))
                except json.JSONDecodeError as e:
                    errors.append(f"questions.jsonl:{ln}: bad JSON: {e}")
    ids = [it.get("id") for it in items]
    want_ids = [f"C{i:02d}" for i in range(1, 41)]
    if ids != want_ids:
        errors.append(f"ids are not C01-C40 in order: {ids}")

    kinds = {"single": 0, "oos": 0, "conv": 0, "expect_all": 0}
    per_doc = {name: 0 for name in docs}
    for it in items:
        iid = it.get("id")
        if it.get("answerable") is False:
            kinds["oos"] += 1
            if set(it) != {"id", "question", "answerable"}:
                errors.append(f"{iid}: out-of-scope item has extra keys {sorted(it)}")
            continue
        if "turns" in it:
            kinds["conv"] += 1
            if not 2 <= len(it["turns"]) <= 3:
                errors.append(f"{iid}: {len(it['turns'])} turns (want 2-3)")
        elif "question" in it:
            kinds["single"] += 1
        else:
            errors.append(f"{iid}: neither question nor turns")
        exp = it.get("expect") or []
        if not 1 <= len(exp) <= 2:
            errors.append(f"{iid}: expect has {len(exp)} phrases (want 1-2)")
        if "cites" not in it:
            errors.append(f"{iid}: no cites")
        item_docs = set()
        for phrase in exp:
            hits = [p for p in allp if norm(phrase) in norm(p.text)]
            if len(hits) != 1:
                errors.append(f"{iid}: expect {phrase!r} occurs in {len(hits)} passages: {hits}")
                continue
            p = hits[0]
            if not p.body:
                errors.append(f"{iid}: expect {phrase!r} only in references/furniture")
            item_docs.add(p.doc)
            if "cites" in it and sorted(it["cites"]) != p.cites:
                errors.append(f"{iid}: cites {it['cites']} != passage cites {p.cites} for {phrase!r}")
        if "question" in it and len(item_docs) == 1:
            per_doc[item_docs.pop()] += 1
        if "expect_all" in it:
            kinds["expect_all"] += 1
            subs = [norm(s) for s in it["expect_all"]]
            ok = False
            for d in docs.values():
                for g in d["groups"]:
                    texts = [norm(b.text) for b in g["items"]]
                    if len(texts) != len(subs):
                        continue
                    match = all(sum(s in t for t in texts) == 1 for s in subs) and \
                        all(sum(s in t for s in subs) == 1 for t in texts)
                    if match:
                        ok = True
            if not ok:
                errors.append(f"{iid}: expect_all does not name every item of one list")

    if kinds["single"] != 24:
        errors.append(f"{kinds['single']} answerable single questions (want 24)")
    if kinds["oos"] != 8:
        errors.append(f"{kinds['oos']} out-of-scope questions (want 8)")
    if kinds["conv"] != 8:
        errors.append(f"{kinds['conv']} conversations (want 8)")
    if kinds["expect_all"] != 6:
        errors.append(f"{kinds['expect_all']} expect_all items (want 6)")
    for name, n in per_doc.items():
        if n != 4:
            errors.append(f"{name}: {n} single answerable questions (want 4)")

    print(f"articles: {len(docs)}; passages: {len(allp)}; items: {len(items)} "
          f"(single {kinds['single']}, out-of-scope {kinds['oos']}, conversations {kinds['conv']}, "
          f"expect_all {kinds['expect_all']})")
    print(f"single questions per article: {per_doc}")
    print(f"article citing a missing reference: {missing_ref_docs}")
    if "-v" in sys.argv:
        for p in allp:
            if p.body:
                print(p)
    if errors:
        print("\nFAIL")
        for e in errors:
            print(" -", e)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
