"""Answer → Block Kit: escaping, defusing, Slack's limits; and the small state the app keeps."""

from __future__ import annotations

import json

from bot.model import Answer, Hit, Passage, Reference
from bot.render import NOT_FOUND
from bot.slack import blocks as B
from bot.slack.state import Seen
from .slack_fixtures import blocks_text


def make_answer(n_hits=3, text_len=100, n_refs=2, ref_len=80, question="q?") -> Answer:
    hits = tuple(Hit(Passage(text=("word " * text_len)[:text_len] + f" <end {i}> & co", citations=tuple(range(1, n_refs + 1)),
                              article="Gout", section=("Treatment", f"Part {i}"), source="gout.md", pid=i), 1.0 / (i + 1))
                 for i in range(n_hits))
    refs = tuple(Reference("gout.md", n, ("ref " * ref_len)[:ref_len] if n % 5 else None) for n in range(1, n_refs + 1))
    return Answer(question=question, answered=True, hits=hits, references=refs)


def check_limits(msg: B.Message):
    assert len(msg.blocks) <= B.MAX_BLOCKS
    for b in msg.blocks:
        if b["type"] == "section":
            assert len(b["text"]["text"]) <= B.MAX_SECTION
        for e in b.get("elements", []):
            if "value" in e:
                assert len(e["value"]) <= B.MAX_VALUE
            if e.get("type") == "mrkdwn":
                assert len(e["text"]) <= B.MAX_SECTION
    json.dumps(msg.blocks)


def test_escaping_and_missing_references():
    msg = B.render(make_answer(n_refs=5))
    seen = blocks_text(msg.blocks)
    assert "&lt;end 0&gt; &amp; co" in seen and "<end" not in seen
    assert "[5] _missing: gout.md cites [5]" in seen
    assert "[1] ref ref" in seen
    check_limits(msg)


def test_a_very_long_passage_is_split_not_rejected():
    ans = make_answer(n_hits=1, text_len=10_000)
    msg = B.render(ans)
    check_limits(msg)
    sections = [b["text"]["text"] for b in msg.blocks if b["type"] == "section"]
    assert len(sections) >= 1 + 10_000 // B.MAX_SECTION + 1  # the passage over several, then the references
    assert all(line.startswith(">") for s in sections[1:-1] for line in s.splitlines())  # still quoted
    words = sum(b["text"]["text"].count("word") for b in msg.blocks if b["type"] == "section")
    assert words == ans.hits[0].passage.text.count("word")  # nothing lost


def test_too_many_blocks_drops_the_lowest_ranked_passages_with_a_note():
    ans = make_answer(n_hits=50, text_len=5000, n_refs=3)
    msg = B.render(ans)
    check_limits(msg)
    seen = blocks_text(msg.blocks)
    assert "Part 0" in seen and "Part 49" not in seen
    assert "left out to fit" in seen
    assert msg.blocks[-1]["type"] == "actions"  # the buttons survive


def test_hundreds_of_long_references_are_packed_and_trimmed():
    msg = B.render(make_answer(n_hits=2, n_refs=400, ref_len=2000))
    check_limits(msg)
    assert msg.blocks[-1]["type"] == "actions"


def test_huge_question_fits_in_button_values():
    q = "calcinosis " * 400
    msg = B.render(make_answer(question=q), question=q, share=True)
    check_limits(msg)
    vote = json.loads(msg.blocks[-1]["elements"][0]["value"])
    assert vote == {"p": [0, 1, 2]}  # the passages shown; no question text in a button (votes do not keep it)


def test_declines_are_plain():
    msg = B.render(Answer(question="x", answered=False, hits=(), references=(), reason="nope"))
    assert msg.text == NOT_FOUND and len(msg.blocks) == 1


def test_defuse():
    d = B.defuse("<!channel> hi <@U1|bob> <!here|here> &lt;3 @everyone <https://x.org|site> <mailto:a@b.c|mail>")
    assert "<" not in d and "@everyone" not in d and "&lt;3" in d and "site" in d


def test_seen_claims_once_and_is_bounded():
    s = Seen(size=3)
    assert s.claim(("e", 1), ("p", "C", "1"))
    assert not s.claim(("e", 2), ("p", "C", "1"))   # same post, another event
    assert not s.claim(("e", 1), ("p", "C", "9"))   # same event, retried
    for i in range(10):
        s.claim(("x", i))
    assert s.claim(("e", 1))                        # forgotten after many others


def test_a_question_too_long_says_so():


    ans = Answer(question="x", answered=False, hits=(), references=(), reason="too long: 2,345 characters (limit 2,000)",
                 reason_code="too_long")
    assert "too long: 2,345 characters (limit 2,000)" in B.render(ans).text
    plain = Answer(question="x", answered=False, hits=(), references=(), reason="the articles do not cover this question",
                   reason_code="not_covered")
    assert B.render(plain).text == B.NOT_FOUND


def test_slack_lists_only_the_references_it_shows():
    from bot.assemble import Block as AnswerBlock, Item

    refs = tuple(Reference("gout.md", n, f"Reference number {n}") for n in (1, 2, 3))
    # passages only (an index without an outline): the references the shown passages cite
    hit = Hit(Passage("Allopurinol first", (2,), "Gout", ("Treatment",), "gout.md", pid=0), 1.0)
    seen = blocks_text(B.render(Answer("q", True, (hit,), refs)).blocks)
    assert "Reference number 2" in seen and "Reference number 1" not in seen and "Reference number 3" not in seen
    # blocks: the numbers of their leads and items
    block = AnswerBlock("Gout", "gout.md", ("Treatment",), Item("Options:", (3,), 0, False, 0),
                        (Item("Allopurinol", (2,), 0, True, 1),), 1.0)
    seen = blocks_text(B.render(Answer("q", True, (hit,), refs, blocks=(block,))).blocks)
    assert "Reference number 2" in seen and "Reference number 3" in seen and "Reference number 1" not in seen


def test_a_thread_read_back_keeps_only_answered_turns():
    """Slack's copy of the thread: the bot's answers carry their question and whether it was answered."""
    from bot.slack.app import ANSWER_EVENT, conversation

    def answer(q, answered, bot=True):
        m = {"ts": "1.0", "metadata": {"event_type": ANSWER_EVENT, "event_payload": {"question": q, "answered": answered}}}
        if bot:
            m["bot_id"] = "B1"
        return m

    class Client:
        def conversations_replies(self, **kw):
            assert kw["include_all_metadata"] is True
            return {"messages": [{"ts": "0.5", "text": "a person"}, answer("first?", True),
                                 answer("declined?", False), answer("spoofed by a person?", True, bot=False),
                                 answer("second?", True)]}

    assert conversation(Client(), "C1", "0.5", dm=False) == (True, ("first?", "second?"))
    assert conversation(Client(), "C1", None, dm=False) == (False, ())


def test_a_thread_read_back_ends_its_subject_at_a_declined_new_subject():
    """A question that announces a new subject ("diff pt: …", ``question.new_subject``) and was declined adds no turn,
    but the turns before it are another subject's: the thread's context starts after it."""
    from bot.slack.app import ANSWER_EVENT, conversation

    def answer(q, answered):
        return {"ts": "1.0", "bot_id": "B1",
                "metadata": {"event_type": ANSWER_EVENT, "event_payload": {"question": q, "answered": answered}}}

    class Client:
        def conversations_replies(self, **kw):
            return {"messages": [answer("how is calciphylaxis treated?", True), answer("diff pt: zzqx?", False),
                                 answer("what dose?", True), answer("declined, same subject?", False)]}

    assert conversation(Client(), "C1", "0.5", dm=False) == (True, ("what dose?",))
