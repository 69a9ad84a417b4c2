"""Socket Mode, end to end: the app opens a real WebSocket to a stand-in and answers envelopes from it."""

from __future__ import annotations

import json

import pytest

from bot.slack import blocks as B
from .slack_fixtures import blocks_text, drain, state, stub  # noqa: F401
from .slack_stub import (APP_TOKEN, BOT_TOKEN, SocketModeStub, block_action, event_callback, mention, message,
                        slash, wait_until)

Q = "Which antibodies are associated with calcinosis in systemic sclerosis?"


@pytest.fixture
def socket_app(answerer, stub, state):
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.slack.app import build_app

    ws = SocketModeStub()
    stub.ws_url = ws.url
    app = build_app(answerer, token=BOT_TOKEN, api_url=stub.api_url, state=state)
    handler = SocketModeHandler(app, APP_TOKEN, web_client=app.client)
    handler.connect()
    assert ws.connected.wait(10)
    yield app, ws
    handler.close()
    ws.close()
    drain(app)


def test_socket_mode_opens_with_the_app_token(stub, socket_app):
    opened = stub.calls_to("apps.connections.open")
    assert opened and opened[0].headers["Authorization"] == f"Bearer {APP_TOKEN}"


def test_socket_mode_mention_is_acked_and_answered_in_thread_once(answerer, stub, socket_app):
    app, ws = socket_app
    handled: list[str] = []  # each delivery that reached the handler (before dedup decides)
    real = app.citebot._answer_post

    def spy(event, *args, **kwargs):
        try:
            return real(event, *args, **kwargs)
        finally:
            handled.append(event.get("ts"))

    app.citebot._answer_post = spy
    payload = event_callback(mention(Q, ts="1720000000.000001"), event_id="EvSOCK1")
    ws.envelope("events_api", payload, envelope_id="env-1")
    wait_until(lambda: ws.acked("env-1"), what="the envelope ack")
    call = stub.wait_calls("chat.postMessage")[0]
    assert call.params["thread_ts"] == "1720000000.000001"
    expected = answerer.ask(Q)
    seen = blocks_text(call.params["blocks"])
    assert all(i.text in seen for b in expected.blocks for i in b.shown())
    assert all(f"[{r.number}] {B.escape(r.text)}" in seen for r in expected.references if not r.missing)
    # Slack redelivers the same event in a new envelope: acked, not answered again
    ws.envelope("events_api", payload, envelope_id="env-2", retry_attempt=1)
    wait_until(lambda: ws.acked("env-2"), what="the retry's ack")
    ws.envelope("events_api", event_callback(message(Q, channel="D0000001", channel_type="im", ts="1.5")),
                envelope_id="env-3")
    stub.wait_calls("chat.postMessage", 2)
    # both deliveries of the mention and the DM have been handled to the end: nothing is still on its way
    wait_until(lambda: sorted(handled) == ["1.5", "1720000000.000001", "1720000000.000001"],
               what="all three deliveries handled")
    drain(app)
    assert len(stub.calls_to("chat.postMessage")) == 2


def test_socket_mode_slash_command_and_vote(answerer, stub, socket_app, state):
    app, ws = socket_app
    ws.envelope("slash_commands", slash(Q, stub.response_url("sock-ask")), envelope_id="env-ask")
    wait_until(lambda: ws.acked("env-ask"), what="the /ask ack")
    p = stub.wait_calls("response/sock-ask")[0].params
    assert p["response_type"] == "ephemeral"
    button = [e for b in p["blocks"] if b["type"] == "actions" for e in b["elements"]][0]
    ws.envelope("interactive", block_action(button, stub.response_url("sock-vote"), ephemeral=True),
                envelope_id="env-vote")
    wait_until(lambda: ws.acked("env-vote"), what="the button ack")
    assert "recorded" in stub.wait_calls("response/sock-vote")[0].params["text"]
    [vote] = wait_until(state.votes, what="a vote")
    assert vote["vote"] == "up" and vote["user"] == "U0000001" and vote["passages"]
