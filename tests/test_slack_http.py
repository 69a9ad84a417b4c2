"""The Slack app over the Events API: signed requests in, Web API calls out, against a stand-in Slack."""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
import urllib.request

import pytest

from bot.render import NOT_FOUND
from bot.slack import blocks as B
from bot.slack.shared import SQLiteState
from bot.slack.server import MAX_BODY
from .slack_fixtures import blocks_text, drain, events, state, send_event, server, slack_app, stub  # noqa: F401
from .slack_stub import (BOT_ID, BOT_TOKEN, BOT_USER, SIGNING_SECRET, Scripted, action_form, block_action,
                        event_callback, form, mention, message, post, sign, slash, wait_until)

Q = "Which antibodies are associated with calcinosis in systemic sclerosis?"
OFF_TOPIC = "What is the capital of France?"


def _hold_answers(answerer, monkeypatch) -> threading.Event:
    """Answers wait until the returned event is set: what is acked before it was acked without the answer."""
    gate = threading.Event()
    real = answerer.ask

    def held(*args, **kwargs):
        assert gate.wait(30), "the test never released the answers"
        return real(*args, **kwargs)

    monkeypatch.setattr(answerer, "ask", held)
    return gate


def assert_shows(answer, posted_blocks):
    """The posted blocks quote every passage of ``answer`` and give every reference in full."""
    seen = blocks_text(posted_blocks)
    assert answer.answered and answer.hits and answer.blocks
    assert answer.hits[0].passage.text in seen  # the best passage is in the first block
    for block in answer.blocks:  # Slack shows the answer's blocks: lead-ins and their lists, as plain text
        for item in block.shown():
            assert item.text in seen
        assert B.escape(block.section[-1]) in seen
    for ref in answer.references:
        if ref.missing:
            assert f"[{ref.number}] _missing:" in seen
        else:
            assert f"[{ref.number}] {B.escape(ref.text)}" in seen
    assert B.CAUTION in seen


def test_mention_is_answered_in_its_thread_with_passages_and_references(answerer, stub, events, monkeypatch):
    expected = answerer.ask(Q)
    gate = _hold_answers(answerer, monkeypatch)
    status, body, _ = post(events, *(lambda raw: (raw, sign(raw)))(json.dumps(event_callback(
        mention(Q, ts="1710000000.000100")))))
    assert status == 200 and not stub.calls_to("chat.postMessage")  # acked before answering
    gate.set()
    call = stub.wait_calls("chat.postMessage")[0]
    p = call.params
    assert p["channel"] == "C0000001"
    assert p["thread_ts"] == "1710000000.000100"
    assert call.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert_shows(expected, p["blocks"])
    first = expected.blocks[0].lead or expected.blocks[0].items[0]  # the notification quotes the first block
    assert p["text"].startswith(B.escape(first.text)[:40])
    actions = [b for b in p["blocks"] if b["type"] == "actions"][0]["elements"]
    assert [a["action_id"] for a in actions] == [B.VOTE_UP, B.VOTE_DOWN]
    assert len(p["blocks"]) <= B.MAX_BLOCKS
    assert all(len(b.get("text", {}).get("text", "")) <= B.MAX_SECTION for b in p["blocks"])


def test_mention_inside_a_thread_answers_in_that_thread(stub, events):
    assert send_event(events, mention(Q, ts="1710000000.000900", thread_ts="1710000000.000100")) == 200
    assert stub.wait_calls("chat.postMessage")[0].params["thread_ts"] == "1710000000.000100"


def test_missing_reference_is_said_to_be_missing(answerer, stub, events):
    q = "How is calcinosis diagnosed?"
    expected = answerer.ask(q)
    assert any(r.missing for r in expected.references), "the seed article cites [6] without listing it"
    send_event(events, mention(q))
    assert_shows(expected, stub.wait_calls("chat.postMessage")[0].params["blocks"])


def test_direct_message_is_answered_in_the_dm(answerer, stub, events):
    send_event(events, message(Q, channel="D0000001", channel_type="im", ts="1710000001.000001"))
    p = stub.wait_calls("chat.postMessage")[0].params
    assert p["channel"] == "D0000001" and "thread_ts" not in p
    assert_shows(answerer.ask(Q), p["blocks"])


def test_no_answer_in_the_articles_is_short_and_plain(stub, events):
    send_event(events, mention(OFF_TOPIC))
    p = stub.wait_calls("chat.postMessage")[0].params
    assert p["text"] == NOT_FOUND
    assert blocks_text(p["blocks"]) == NOT_FOUND
    assert len(p["blocks"]) == 1


def test_bare_mention_gets_help(stub, events):
    send_event(events, mention(""))
    assert "Ask me a question" in stub.wait_calls("chat.postMessage")[0].params["text"]


def test_follow_up_in_an_answered_thread_uses_the_thread_as_context(answerer, stub, events, slack_app):
    root = "1710000002.000001"
    follow = "what are the associated clinical features?"
    with_context, alone = answerer.ask(follow, context=[Q]), answerer.ask(follow)
    assert [h.passage.pid for h in with_context.hits] != [h.passage.pid for h in alone.hits], \
        "pick a follow-up whose ranking depends on the context, or this test proves nothing"
    send_event(events, mention(Q, ts=root))
    stub.wait_calls("chat.postMessage")
    send_event(events, message(follow, ts="1710000002.000050", thread_ts=root))
    p = stub.wait_calls("chat.postMessage", 2)[1].params
    assert p["thread_ts"] == root
    assert_shows(with_context, p["blocks"])
    where = [b for b in p["blocks"] if b["type"] == "context"][0]["elements"][0]["text"]
    assert where.startswith("*1.* ") and B.escape(with_context.blocks[0].section[-1]) in where
    first = [b for b in p["blocks"] if b["type"] == "rich_text"][0]
    assert with_context.hits[0].passage.text in blocks_text([first])
    # a thread the bot never answered in, and a top-level post, are left alone
    send_event(events, message(follow, ts="1710000003.000050", thread_ts="1710000003.000001"))
    send_event(events, message(Q, ts="1710000004.000001"))
    # an unmentioned follow-up the articles cannot answer gets no reply (people talk in threads)
    send_event(events, message(OFF_TOPIC, ts="1710000002.000060", thread_ts=root))
    drain(slack_app)
    assert len(stub.calls_to("chat.postMessage")) == 2


def test_an_app_built_without_a_signing_secret_accepts_no_http_request(answerer, stub, tmp_path):
    from bot.slack.app import build_app, shutdown
    from bot.slack.server import Server

    app = build_app(answerer, token=BOT_TOKEN, api_url=stub.api_url, state=SQLiteState(tmp_path / "state"))
    srv = Server(app, host="127.0.0.1", port=0).start()
    try:
        raw = json.dumps(event_callback(mention(Q)))
        for secret in ("", SIGNING_SECRET):
            assert post(f"http://127.0.0.1:{srv.port}/slack/events", raw, sign(raw, secret=secret))[0] == 401
    finally:
        srv.stop()
        shutdown(app)
    assert stub.calls_to("chat.postMessage") == []


def test_retries_are_answered_once(stub, events, slack_app):
    event = mention(Q, ts="1710000005.000001")
    assert send_event(events, event, event_id="EvRETRY1") == 200
    for n in (1, 2, 3):
        assert send_event(events, event, event_id="EvRETRY1",
                          headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"}) == 200
    stub.wait_calls("chat.postMessage")
    drain(slack_app)
    assert len(stub.calls_to("chat.postMessage")) == 1


def test_a_mention_in_a_dm_is_answered_once(stub, events, slack_app):
    ts = "1710000006.000001"
    send_event(events, mention(Q, channel="D0000002", ts=ts), event_id="EvA")
    send_event(events, message(f"<@{BOT_USER}> {Q}", channel="D0000002", channel_type="im", ts=ts), event_id="EvB")
    stub.wait_calls("chat.postMessage")
    drain(slack_app)
    assert len(stub.calls_to("chat.postMessage")) == 1


def test_bots_edits_joins_and_other_subtypes_are_ignored(stub, events, slack_app):
    dm = {"channel": "D0000003", "channel_type": "im"}
    ignored = [
        message(Q, **dm, ts="1.1", bot_id="B0000009"),                          # another bot
        message(Q, **dm, ts="1.2", user=BOT_USER, bot_id=BOT_ID),               # itself
        message(Q, **dm, ts="1.3", user=None, subtype="bot_message", bot_id="B0000009"),
        message(Q, **dm, ts="1.4", subtype="message_changed"),
        message("<@U0000001> has joined the channel", ts="1.5", subtype="channel_join"),
        message(Q, **dm, ts="1.6", subtype="message_deleted", hidden=True),
        mention(Q, ts="1.7", bot_id="B0000009"),                                # a bot mentioning us
        mention(Q, ts="1.8", user=BOT_USER),                                    # ourselves
        mention(Q, ts="1.9", edited={"user": "U0000001", "ts": "2.0"}),
    ]
    for e in ignored:
        assert send_event(events, e) == 200
    drain(slack_app)
    assert stub.calls_to("chat.postMessage") == []


@pytest.mark.parametrize("how", ["wrong secret", "stale timestamp", "unsigned", "tampered body"])
def test_unverified_requests_get_401_and_no_answer(stub, events, slack_app, how):
    raw = json.dumps(event_callback(mention(Q)))
    headers = {"wrong secret": sign(raw, secret="0" * 32),
               "stale timestamp": sign(raw, timestamp=int(time.time()) - 10 * 60),
               "unsigned": {},
               "tampered body": sign(raw.replace("antibodies", "antigens"))}[how]
    status, _, _ = post(events, raw, headers)
    assert status == 401
    drain(slack_app)
    assert stub.calls_to("chat.postMessage") == []


def test_health_check_size_limit_and_malformed_bodies(events, server):
    base = f"http://127.0.0.1:{server.port}"
    with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
        assert r.status == 200 and r.read() == b"ok\n"
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(base + "/nope", timeout=5)
    assert e.value.code == 404
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.putrequest("POST", "/slack/events")
    conn.putheader("Content-Length", str(MAX_BODY + 1))
    conn.endheaders()  # the server answers from the headers, without reading the body
    assert conn.getresponse().status == 413
    conn.close()
    raw = "{not json"
    assert post(events, raw, sign(raw))[0] == 400
    raw = "payload=%7Bnot+json"
    assert post(events, raw, sign(raw), content_type="application/x-www-form-urlencoded")[0] in (400, 401)
    assert post(events, b"\xff\xfe", sign("x"))[0] == 400
    with urllib.request.urlopen(base + "/healthz", timeout=5) as r:  # and it is still up
        assert r.status == 200


def test_rate_limited_post_is_retried_after_retry_after(answerer, stub, events):
    stub.script("chat.postMessage", Scripted(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}))
    send_event(events, mention(Q, ts="1710000007.000001"))
    first, second = stub.wait_calls("chat.postMessage", 2, timeout=15)
    assert second.at - first.at >= 1.0
    assert second.params["thread_ts"] == "1710000007.000001"
    assert_shows(answerer.ask(Q), second.params["blocks"])


def test_web_api_errors_are_logged_and_the_app_carries_on(stub, events, caplog):
    caplog.set_level(logging.WARNING, logger="bot.slack")
    stub.script("chat.postMessage", Scripted(200, {"ok": False, "error": "channel_not_found"}),
                Scripted(200, {"ok": False, "error": "not_in_channel"}))
    send_event(events, mention(Q, ts="1710000008.000001"))
    send_event(events, mention(Q, ts="1710000008.000002"))
    stub.wait_calls("chat.postMessage", 2)
    wait_until(lambda: "not_in_channel" in caplog.text and "channel_not_found" in caplog.text,
               what="both error codes logged")
    send_event(events, mention(Q, ts="1710000008.000003"))
    assert stub.wait_calls("chat.postMessage", 3)[2].params["thread_ts"] == "1710000008.000003"


def test_ask_command_acks_at_once_and_answers_privately_with_a_share_button(answerer, stub, events, monkeypatch):
    gate = _hold_answers(answerer, monkeypatch)
    raw = form(slash(Q, stub.response_url("ask1")))
    status, body, _ = post(events, raw, sign(raw), content_type="application/x-www-form-urlencoded")
    assert status == 200 and body == ""  # acked while the answer is still being worked out
    assert not stub.calls_to("response/ask1")
    gate.set()
    p = stub.wait_calls("response/ask1")[0].params
    assert p["response_type"] == "ephemeral"
    assert_shows(answerer.ask(Q), p["blocks"])
    assert "*Q:* " + B.escape(Q) in blocks_text(p["blocks"])
    ids = [e["action_id"] for b in p["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert ids == [B.VOTE_UP, B.VOTE_DOWN, B.SHARE]


def test_ask_without_a_question_shows_usage(stub, events):
    raw = form(slash("   ", stub.response_url("ask0")))
    status, body, _ = post(events, raw, sign(raw), content_type="application/x-www-form-urlencoded")
    assert status == 200 and "Usage: /ask" in body


def test_share_button_posts_the_answer_in_the_channel(answerer, stub, events):
    raw = form(slash(Q, stub.response_url("ask2")))
    post(events, raw, sign(raw), content_type="application/x-www-form-urlencoded")
    answer_blocks = stub.wait_calls("response/ask2")[0].params["blocks"]
    share = [e for b in answer_blocks if b["type"] == "actions" for e in b["elements"]
             if e["action_id"] == B.SHARE][0]
    raw = action_form(block_action(share, stub.response_url("share2"), ephemeral=True))
    assert post(events, raw, sign(raw), content_type="application/x-www-form-urlencoded")[0] == 200
    p = stub.wait_calls("response/share2")[0].params
    assert p["response_type"] == "in_channel" and p["delete_original"] is True  # the private copy goes
    assert "Shared by <@U0000001>" in blocks_text(p["blocks"])
    # the stored answer itself, not a recomputed one: the same blocks, less the Share button
    kept = [b for b in answer_blocks if b["type"] != "actions"]
    assert [b for b in p["blocks"] if b["type"] != "actions"][1:] == kept
    ids = [e["action_id"] for b in p["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert ids == [B.VOTE_UP, B.VOTE_DOWN]
    expired = dict(share, value=json.dumps({"k": "nope"}))
    raw = action_form(block_action(expired, stub.response_url("share3"), ephemeral=True))
    post(events, raw, sign(raw), content_type="application/x-www-form-urlencoded")
    assert "expired" in stub.wait_calls("response/share3")[0].params["text"]


def test_echoed_questions_never_ping_anyone(answerer, stub, events):
    q = f"<!channel> <!here> <!subteam^S123|@oncall> <@U0000009> <#C0000002|general> {Q} & <=> @here"
    assert answerer.ask(q).answered  # so that the question is echoed with the answer
    raw = form(slash(q, stub.response_url("ask3")))
    post(events, raw, sign(raw), content_type="application/x-www-form-urlencoded")
    p = stub.wait_calls("response/ask3")[0].params
    shown = blocks_text(p["blocks"]) + p["text"]  # what Slack renders (button values are not shown)
    for bad in ("<!channel>", "<!here>", "<!subteam", "<@U0000009>", "<#C0000002", "@here", "<=>"):
        assert bad not in shown
    assert "&amp; &lt;=&gt;" in blocks_text(p["blocks"])


def test_votes_count_once_per_user_and_answer_and_the_message_says_so(answerer, stub, events, state):
    send_event(events, mention(Q, ts="1710000009.000001"))
    call = stub.wait_calls("chat.postMessage")[0]
    posted = {"ts": "1710000009.000900", "text": call.params["text"], "blocks": call.params["blocks"]}
    buttons = {e["action_id"]: e for b in posted["blocks"] if b["type"] == "actions" for e in b["elements"]}

    def click(action_id: str, user: str, name: str) -> dict:
        raw = action_form(block_action(buttons[action_id], stub.response_url(name), user=user, message=posted))
        assert post(events, raw, sign(raw), content_type="application/x-www-form-urlencoded")[0] == 200
        return stub.wait_calls(f"response/{name}")[0].params

    reply = click(B.VOTE_UP, "U0000001", "v1")
    assert reply["replace_original"] is True  # the message itself shows the vote was taken
    assert "👍 has been recorded" in blocks_text(reply["blocks"])
    assert [b["type"] for b in reply["blocks"]].count("actions") == 1  # the buttons stay, to change it
    click(B.VOTE_DOWN, "U0000001", "v2")  # the same person changes their mind
    click(B.VOTE_UP, "U0000002", "v3")  # a colleague
    votes = wait_until(lambda: (lambda v: v if len(v) == 2 and {x["vote"] for x in v} == {"up", "down"} else None)(
        state.votes()), what="two votes")
    by_user = {v["user"]: v for v in votes}
    assert by_user["U0000001"]["vote"] == "down" and by_user["U0000002"]["vote"] == "up"
    assert all(v["channel"] == "C0000001" and v["message_ts"] == posted["ts"] for v in votes)
    assert by_user["U0000001"]["passages"] == [h.passage.pid for h in answerer.ask(Q).hits]


def test_thirty_mentions_at_once_are_all_answered_and_a_slow_or_failing_one_blocks_none(
        answerer, stub, tmp_path):
    from bot.slack.app import build_app, shutdown
    from bot.slack.server import Server

    release = threading.Event()

    class Flaky:
        def ask(self, question, **kw):
            if "slowly" in question:
                release.wait(20)
            if "explode" in question:
                raise RuntimeError("boom")
            return answerer.ask(question, **kw)

    app = build_app(Flaky(), token=BOT_TOKEN, api_url=stub.api_url, signing_secret=SIGNING_SECRET,
                    state=SQLiteState(tmp_path / "state"), workers=8)
    srv = Server(app, host="127.0.0.1", port=0).start()
    url = f"http://127.0.0.1:{srv.port}/slack/events"
    try:
        questions = [f"{Q} ({i})" for i in range(28)] + [f"{Q} slowly", f"{Q} explode"]
        statuses: list[int] = []

        def fire(i, q):
            statuses.append(send_event(url, mention(q, ts=f"1710000100.{i:06d}")))

        threads = [threading.Thread(target=fire, args=(i, q)) for i, q in enumerate(questions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert statuses == [200] * 30
        calls = stub.wait_calls("chat.postMessage", 29, timeout=15)  # all but the slow one
        answered = {c.params["thread_ts"] for c in calls}
        assert answered == {f"1710000100.{i:06d}" for i in range(30) if i != 28}
        failed = [c for c in calls if c.params["thread_ts"] == "1710000100.000029"][0]
        assert "something went wrong" in failed.params["text"]
        release.set()
        slow = [c for c in stub.wait_calls("chat.postMessage", 30) if c.params["thread_ts"] == "1710000100.000028"]
        assert slow and "blocks" in slow[0].params
    finally:
        release.set()
        srv.stop()
        shutdown(app)


def test_no_token_secret_or_question_in_the_logs(stub, events, caplog, state, slack_app):
    caplog.set_level(logging.DEBUG)
    secret_q = Q
    send_event(events, mention(secret_q, ts="1710000010.000001"))
    send_event(events, message(secret_q, channel="D0000005", channel_type="im", ts="1710000010.000002"))
    send_event(events, mention(OFF_TOPIC, ts="1710000010.000003"))
    raw = form(slash(secret_q, stub.response_url("logs")))
    post(events, raw, sign(raw), content_type="application/x-www-form-urlencoded")
    posted = stub.wait_calls("chat.postMessage", 3)
    # the three posts arrive in any order: vote on an answered one (the declined one has no buttons)
    button = [e for c in posted for b in c.params["blocks"] if b["type"] == "actions" for e in b["elements"]
              if e["action_id"] == B.VOTE_UP][0]
    raw = action_form(block_action(button, stub.response_url("vote")))
    post(events, raw, sign(raw), content_type="application/x-www-form-urlencoded")
    stub.wait_calls("response/vote")
    stub.wait_calls("response/logs")
    drain(slack_app)
    everything = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert BOT_TOKEN not in everything and "stubBotTokenSecret" not in everything
    assert SIGNING_SECRET not in everything
    info = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    for text in (Q, OFF_TOPIC, "calcinosis in systemic", "capital of France"):
        assert text not in info
    assert "answered" in info  # the exchange was logged, just not the question


def test_show_all_button_answers_with_the_whole_list(answerer, stub, events):
    from bot.slack import rich

    lead = next(pid for pid in range(len(answerer.index.structure.parent_of))
                if answerer._passage(pid).text.startswith("Pharmacological options"))
    button = {"type": "button", "action_id": rich.SHOW_ALL, "block_id": "b", "value": json.dumps({"pid": lead}),
              "text": {"type": "plain_text", "text": "Show all"}, "action_ts": "1.2"}
    raw = action_form(block_action(button, stub.response_url("all1")))
    assert post(events, raw, sign(raw), content_type="application/x-www-form-urlencoded")[0] == 200
    p = stub.wait_calls("response/all1")[0].params
    shown = blocks_text(p["blocks"])
    for drug in ("Diltiazem", "Colchicine", "Treprostinil", "Abatacept"):
        assert drug in shown
    assert p["response_type"] == "ephemeral"
    bad = dict(button, value=json.dumps({"pid": 10**9}))
    raw = action_form(block_action(bad, stub.response_url("all2")))
    assert post(events, raw, sign(raw), content_type="application/x-www-form-urlencoded")[0] == 200


def test_a_restarted_app_keeps_the_thread_from_slack_itself(answerer, stub, state):
    """The conversation lives in Slack (the answers' metadata), not in the process: a new app — a restart,
    or another replica — answers the thread's follow-up in its context."""
    from bot.slack.app import ANSWER_EVENT, build_app, shutdown
    from bot.slack.server import Server

    root, follow = "1710000020.000001", "what are the associated clinical features?"
    with_context, alone = answerer.ask(follow, context=[Q]), answerer.ask(follow)
    assert [h.passage.pid for h in with_context.hits] != [h.passage.pid for h in alone.hits]
    for n in range(2):  # the first app answers the mention; the second, new one, the follow-up
        app = build_app(answerer, token=BOT_TOKEN, api_url=stub.api_url, signing_secret=SIGNING_SECRET,
                        state=state)
        srv = Server(app, host="127.0.0.1", port=0).start()
        url = f"http://127.0.0.1:{srv.port}/slack/events"
        try:
            if n == 0:
                send_event(url, mention(Q, ts=root))
                first = stub.wait_calls("chat.postMessage")[0].params
                assert first["metadata"]["event_type"] == ANSWER_EVENT
                assert first["metadata"]["event_payload"]["question"] == Q
            else:
                send_event(url, message(follow, ts="1710000020.000050", thread_ts=root))
                p = stub.wait_calls("chat.postMessage", 2)[1].params
                assert p["thread_ts"] == root
                assert_shows(with_context, p["blocks"])
                replies = stub.calls_to("conversations.replies")
                assert replies and replies[-1].params["ts"] == root
                # Slack redelivers the first mention to the new process: claimed before, not answered again
                send_event(url, mention(Q, ts=root), event_id="EvAgain")
                drain(app)
                assert len(stub.calls_to("chat.postMessage")) == 2
        finally:
            srv.stop()
            shutdown(app)


def test_a_dm_reads_its_last_hour_back_from_slack(answerer, stub, events, slack_app):
    follow = "what are the associated clinical features?"
    with_context = answerer.ask(follow, context=[Q])
    send_event(events, message(Q, channel="D0000009", channel_type="im", ts="1710000030.000001"))
    stub.wait_calls("chat.postMessage")
    send_event(events, message(follow, channel="D0000009", channel_type="im", ts="1710000030.000002"))
    p = stub.wait_calls("chat.postMessage", 2)[1].params
    assert_shows(with_context, p["blocks"])
    history = stub.calls_to("conversations.history")[-1].params
    assert history["channel"] == "D0000009" and float(history["oldest"]) > time.time() - 3700


def test_acks_never_wait_for_answer_workers_stalled_by_429s(answerer, stub, tmp_path):
    """Every chat.postMessage and response_url reply is refused with 429 for a while: the answer workers all
    wait it out, yet each /ask is acknowledged at once, and after the storm every answer arrives once."""
    from bot.slack.app import build_app, shutdown
    from bot.slack.server import Server

    limited = Scripted(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
    stub.script("chat.postMessage", *[limited] * 12)
    for i in range(5):
        stub.script(f"response/storm{i}", Scripted(429, {"ok": False}, {"Retry-After": "1"}))
    app = build_app(answerer, token=BOT_TOKEN, api_url=stub.api_url, signing_secret=SIGNING_SECRET,
                    state=SQLiteState(tmp_path / "state"), workers=4, deadline=30)
    srv = Server(app, host="127.0.0.1", port=0).start()
    url = f"http://127.0.0.1:{srv.port}/slack/events"
    pool = app.listener_runner.listener_executor
    try:
        for i in range(30):
            assert send_event(url, mention(f"{Q} ({i})", ts=f"1710000200.{i:06d}")) == 200
        wait_until(lambda: len(stub.calls_to("chat.postMessage")) >= 4, what="the workers to hit the 429s")
        for i in range(5):
            raw = form(slash(Q, stub.response_url(f"storm{i}")))
            status, body, _ = post(url, raw, sign(raw), content_type="application/x-www-form-urlencoded")
            # acknowledged while every worker is still busy and answers are still queued behind them
            assert status == 200 and body == ""
            assert pool._work_queue.qsize() > 0
        wait_until(lambda: len([c for c in stub.calls_to("chat.postMessage")]) >= 42, timeout=60,
                   what="every answer after the storm")
        for i in range(5):
            assert stub.wait_calls(f"response/storm{i}", 2, timeout=60)[-1].params["response_type"] == "ephemeral"
        drain(app)
        posted = [c.params["thread_ts"] for c in stub.calls_to("chat.postMessage")][12:]  # the 12 refused first
        assert sorted(posted) == sorted(f"1710000200.{i:06d}" for i in range(30))  # each exactly once
    finally:
        srv.stop()
        shutdown(app)


def test_working_sign_and_an_answer_that_cannot_be_delivered_is_logged(answerer, stub, tmp_path, caplog):
    from bot.slack.app import build_app, shutdown
    from bot.slack.server import Server

    app = build_app(answerer, token=BOT_TOKEN, api_url=stub.api_url, signing_secret=SIGNING_SECRET,
                    state=SQLiteState(tmp_path / "state"), workers=2, deadline=1.5)
    srv = Server(app, host="127.0.0.1", port=0).start()
    url = f"http://127.0.0.1:{srv.port}/slack/events"
    try:
        send_event(url, mention(Q, ts="1710000300.000001"))
        stub.wait_calls("reactions.remove")
        methods = [c.method for c in stub.calls if c.method.startswith(("reactions", "chat.post"))]
        assert methods == ["reactions.add", "chat.postMessage", "reactions.remove"]  # 👀 while answering
        assert stub.calls_to("reactions.add")[0].params["name"] == "eyes"
        # an app installed before it asked for reactions:write: no sign, still an answer
        stub.script("reactions.add", Scripted(200, {"ok": False, "error": "missing_scope"}))
        send_event(url, mention(Q, ts="1710000300.000002"))
        wait_until(lambda: len(stub.calls_to("chat.postMessage")) == 2, what="the answer without the sign")
        # Slack refuses every post past the deadline: the answer is lost, and the log says which event
        stub.script("chat.postMessage", *[Scripted(429, {"ok": False, "error": "ratelimited"},
                                                   {"Retry-After": "1"})] * 5)
        with caplog.at_level(logging.ERROR, logger="bot.slack.app"):
            send_event(url, mention(Q, ts="1710000300.000003"), event_id="EvLost")
            drain(app)
        assert "could not deliver the answer to event EvLost in C0000001" in caplog.text
        assert Q not in caplog.text
    finally:
        srv.stop()
        shutdown(app)
