"""Property-based tests (hypothesis) for the article parsers and the question path."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.parse import parse_article
from bot.parse.citations import split_bracketed, split_trailing

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

line_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60
)
# words like "[A-Za-z][a-z]{1,9}", built from letters (st.from_regex is slow: 13 s of the suite)
word = st.builds(str.__add__, st.sampled_from(string.ascii_letters),
                 st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=9))
words = st.lists(word, min_size=1, max_size=6).map(" ".join)
cites = st.lists(st.integers(1, 40), min_size=0, max_size=3, unique=True)


@FAST
@given(st.lists(line_text, max_size=40), st.sampled_from(["a.md", "a.txt"]))
def test_parsers_never_crash_and_give_clean_passages(lines, name):
    [article] = parse_article("\n".join(lines), source=name)
    for p in article.passages:
        assert p.text.strip()
        assert all(isinstance(n, int) and n >= 1 for n in p.citations)
        assert p.source == name
    assert set(article.missing_citations()).isdisjoint(article.references)


@FAST
@given(st.lists(st.tuples(words, cites, st.integers(0, 3)), min_size=1, max_size=25))
def test_markdown_bullets_keep_their_text_and_citations(items):
    lines, depth = ["# Title", "", "## Section", ""], 0
    for text, nums, want in items:
        depth = min(want, depth + 1)
        marker = f" [{', '.join(map(str, nums))}]" if nums else ""
        lines.append("  " * depth + f"- {text}{marker}")
    [article] = parse_article("\n".join(lines) + "\n", source="p.md")
    assert [p.text for p in article.passages] == [t for t, _, _ in items]
    for p, (_, nums, _) in zip(article.passages, items):
        if nums:
            assert p.citations == tuple(nums)  # own citations are never replaced by inherited ones
        assert p.section[0] == "Section"


@FAST
@given(words, cites)
def test_citation_markers_round_trip(text, nums):
    assert split_bracketed(f"{text} [{', '.join(map(str, nums))}]" if nums else text) == (text, nums)
    trailing = f"{text} {', '.join(map(str, nums))}" if nums else text
    assert split_trailing(trailing) == (text, nums)


def _split_bracketed_by_definition(line: str) -> tuple[str, list[int]]:
    """What ``split_bracketed`` means, said plainly (one substitution of white space + a bracketed citation, then
    the white space before punctuation closed up): the fast version must agree on every line."""
    import re

    from bot.parse.citations import CITED, expand

    nums: list[int] = []

    def take(m):
        try:
            found = expand(m.group(1))
        except ValueError:
            return m.group(0)
        nums.extend(n for n in found if n not in nums)
        return ""

    text = re.sub(r"\s*" + CITED.pattern, take, line)
    return re.sub(r"\s+([.,;:])", r"\1", text).strip(), nums


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=" \u00a0\u2009\x1f\t[]0123-–,.;:aé", max_size=40))
def test_citations_are_taken_out_as_their_definition_says(line):
    assert split_bracketed(line) == _split_bracketed_by_definition(line)


@FAST
@given(line_text, st.lists(st.integers(1, 9999), max_size=4), line_text, st.lists(line_text, max_size=3), line_text,
       st.booleans())
def test_a_passage_s_line_is_its_json(text, cites, article, section, source, item):
    import json

    from bot.model import Passage
    from bot.store import decode_passage, encode_passage

    p = Passage(text=text, citations=tuple(cites), article=article, section=tuple(section), source=source, item=item)
    fields = [text, cites, article, section, source] + ([1] if item else [])
    assert encode_passage(p) == (json.dumps(fields, ensure_ascii=False) + "\n").encode("utf-8")
    assert decode_passage(encode_passage(p), 3) == Passage(text, tuple(cites), article, tuple(section), source, 3, item)


@FAST
@given(st.text(max_size=300))
def test_any_question_gets_a_defined_answer(answerer, question):
    answer = answerer.ask(question)
    assert bool(answer.hits) == answer.answered
    if answer.answered:
        cited = {(h.passage.source, n) for h in answer.hits for n in h.passage.citations}
        assert {(r.source, r.number) for r in answer.passage_references} == cited
        shown = {(b.source, n) for b in answer.blocks for i in b.shown() for n in i.citations}
        assert {(r.source, r.number) for r in answer.references} == shown and answer.blocks
    else:
        assert answer.reason


@FAST
@given(st.lists(st.text(max_size=80), min_size=1, max_size=4))
def test_any_conversation_gets_defined_answers(answerer, turns):
    from bot.answer import Conversation

    conv = Conversation(answerer)
    answered = []
    for t in turns:
        answer = conv.ask(t)
        assert bool(answer.hits) == answer.answered and (answer.answered or answer.reason)
        if answer.answered:
            answered.append(t)
    assert conv.turns == answered  # only answered turns become context


@pytest.fixture
def answerer(tmp_path_factory):
    import shutil

    from bot.answer import Answerer
    from bot.indexer import open_fresh

    from .conftest import SEED

    root = tmp_path_factory.mktemp("prop")
    (root / "corpus").mkdir()
    shutil.copy(SEED, root / "corpus" / SEED.name)
    loaded, _ = open_fresh(root / "corpus", root / "index")
    return Answerer(loaded)


@st.composite
def outlines(draw):
    """An article outline as ``structure.Structure`` stores it: each passage's section, and a parent before it or
    none. A list's items are in a section of their own (their path ends with their lead-in's label), so a section,
    the last one too, may hold no passage that hangs from nothing."""
    n = draw(st.integers(1, 40))
    sections, parents = [], []
    for pid in range(n):
        sec = draw(st.integers(sections[-1] if sections else 0, (sections[-1] if sections else 0) + 2))
        parents.append(draw(st.integers(-1, pid - 1)))
        sections.append(sec)
    lengths = draw(st.lists(st.integers(1, 400), min_size=n, max_size=n))
    items = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    return sections, parents, lengths, items


@FAST
@given(outlines())
# a section whose top-level passages differ, before a last section all of whose passages hang from others
@example(([0, 0, 1], [-1, -1, 0], [1, 5, 1], [1, 0, 1]))
def test_the_outline_s_summaries_say_what_its_passages_do(outline):
    """What assembling reads of the outline in one array read (a section's top-level shape, a passage's children
    and which of them have their own) is what the passages one by one say."""
    import numpy as np

    from bot.structure import Structure

    sections, parents, lengths, items = outline
    s = Structure(*(np.array(a, dtype=np.int32) for a in ([0] * len(sections), sections, parents, lengths)),
                  is_item=np.array(items, dtype=np.int8))
    for sec in range(max(sections) + 1):
        top = [p for p in range(len(sections)) if sections[p] == sec and parents[p] < 0]
        assert s.top_level(sec) == top
        assert s.top_level_shape(sec) == (len(top), all(items[p] for p in top), max((lengths[p] for p in top), default=0))
    for pid in range(len(sections)):
        kids = [c for c in range(len(sections)) if parents[c] == pid]
        assert s.children_flagged(pid) == (kids, [any(parents[g] == c for g in range(len(sections))) for c in kids])
    everyone = list(range(len(sections)))
    assert s.parents(everyone) == [s.has_children(p) for p in everyone] == [p in parents for p in everyone]
