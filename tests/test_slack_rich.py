"""Answers in Slack as native lists (``bot/slack/rich.py``), every payload validated by slack_sdk."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import Block

from bot.answer import Answerer
from bot.assemble import Block as AnswerBlock, Item
from bot.indexer import open_fresh
from bot.model import Answer, Hit, Passage, Reference
from bot.slack import blocks as B
from bot.slack import rich

from .slack_fixtures import blocks_text

# Slack's documented limits (api.slack.com/reference/block-kit/blocks): 50 blocks a message, 3,000
# characters in a section or context text, 10 elements in a context block, 2,000 in a button value.
SLACK_MAX_BLOCKS, SLACK_MAX_TEXT, SLACK_MAX_CONTEXT_ELEMENTS = 50, 3000, 10


def validate(msg: B.Message) -> None:
    """Every block parses and validates in slack_sdk; the limits slack_sdk does not check, checked here."""
    assert len(msg.blocks) <= rich.MAX_ANSWER_BLOCKS <= SLACK_MAX_BLOCKS
    for b in msg.blocks:
        Block.parse(b).validate_json()
        if b["type"] == "context":
            assert len(b["elements"]) <= SLACK_MAX_CONTEXT_ELEMENTS
            assert all(len(e["text"]) <= SLACK_MAX_TEXT for e in b["elements"])
            for e in b["elements"]:
                assert e["text"].count("*") % 2 == 0  # no bold left open
        if b["type"] == "rich_text":
            assert len(blocks_text([b])) <= rich.MAX_RICH + 100
    json.dumps(msg.blocks)


def _item(text, n, depth=0, matched=False, pid=0):
    return Item(text, (n,), depth, matched, pid)


def _answer(blocks, refs) -> Answer:
    first = blocks[0].lead or blocks[0].items[0]
    hit = Hit(Passage(first.text, first.citations, "Gout", ("Treatment",), "gout.md", pid=0), 1.0)
    return Answer(question="q", answered=True, hits=(hit,), references=refs, blocks=tuple(blocks))


def test_a_real_answer_is_a_bullet_list_under_its_lead_in(corpus_dir, index_dir):
    loaded, _ = open_fresh(corpus_dir, index_dir)
    answer = Answerer(loaded).ask("Which drugs treat calcinosis?")
    msg = B.render(answer, question="Which drugs treat calcinosis?")
    validate(msg)
    lists = [e for b in msg.blocks if b["type"] == "rich_text" for e in b["elements"] if e["type"] == "rich_text_list"]
    items = [blocks_text([s]) for lst in lists for s in lst["elements"]]
    assert "Colchicine [1, 3]" in items and "Rituximab [1]" in items  # [n] after each item
    numbers = [int(line.split("]")[0][1:]) for line in blocks_text(msg.blocks).splitlines() if line[:1] == "["]
    assert numbers == sorted(numbers)  # references sorted by number
    loaded.passages.close()


def test_nesting_bold_hits_and_show_all_for_a_trimmed_list():
    items = (_item("Clinical examination", 2, pid=1), _item("Experimental methods:", 6, pid=2),
             _item("Ultrasonography", 6, depth=1, matched=True, pid=3))
    block = AnswerBlock("Calcinosis", "c.txt", ("Diagnosis",), _item("Diagnosed through:", 2, pid=0), items, 1.0,
                        more=7)
    msg = B.render(_answer([block], (Reference("c.txt", 2, "A"), Reference("c.txt", 6, None))))
    validate(msg)
    rt = next(b for b in msg.blocks if b["type"] == "rich_text")
    assert rt["elements"][0]["elements"][0]["style"] == {"bold": True}  # the lead-in
    lists = [e for e in rt["elements"] if e["type"] == "rich_text_list"]
    assert [lst["indent"] for lst in lists] == [0, 1]
    assert lists[1]["elements"][0]["elements"][0].get("style") == {"bold": True}  # a matched item
    button = [e for b in msg.blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == rich.SHOW_ALL]
    assert button and "+7 more" in button[0]["text"]["text"] and json.loads(button[0]["value"]) == {"pid": 0}
    assert "_missing: the article cites [6]" in blocks_text(msg.blocks)


def test_a_40_item_list_and_a_5000_character_item_stay_within_slack_limits():
    items = tuple(_item(f"Finding {i} " + ("long words & more " * 300 if i == 3 else ""), i + 1, pid=i + 1)
                  for i in range(40))
    block = AnswerBlock("Survey", "s.md", ("Findings",), _item("The survey found:", 1), items, 1.0)
    refs = tuple(Reference("s.md", n, "Ref & co. " * 400) for n in range(1, 41))
    msg = B.render(_answer([block] * 8, refs))
    validate(msg)
    for b in msg.blocks:
        if b["type"] == "rich_text":
            texts = [e["text"] for s in b["elements"] for x in ([s] if s["type"] != "rich_text_list" else s["elements"])
                     for e in x["elements"]]
            assert all(len(t) <= rich.MAX_ITEM for t in texts)
    assert "left out to fit Slack's message limits" in blocks_text(msg.blocks)


def test_cut_keeps_entities_and_bold_whole():
    assert rich.cut("a &amp; b", 5) == "a…"
    assert rich.cut("*bold text* and more words", 10).count("*") % 2 == 0
    assert rich.cut("short", 10) == "short"


def test_references_link_urls_dois_and_pmids():
    assert "<https://example.org/a|https://example.org/a>" in rich.linked("See https://example.org/a for it")
    assert "<https://doi.org/10.1002/art.41234|doi>" in rich.linked("Arthritis. doi:10.1002/art.41234.")
    assert "<https://pubmed.ncbi.nlm.nih.gov/12345678/|PubMed>" in rich.linked("Lancet. PMID: 12345678")
    assert rich.linked("Plain & simple") == "Plain &amp; simple"
