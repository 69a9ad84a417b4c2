"""Fixtures for the Slack tests: the stand-in Slack, the app built against it, the app's HTTP server.

Test modules import what they use: ``from slack_fixtures import stub, slack_app, server, events``.
"""

from __future__ import annotations

import json

import pytest

from .slack_stub import BOT_TOKEN, SIGNING_SECRET, SlackStub, event_callback, post, sign


@pytest.fixture
def stub():
    s = SlackStub()
    yield s
    s.close()


@pytest.fixture
def state(tmp_path):
    """The app's state store (dedup, votes, stored answers): the SQLite default, in a temporary folder."""
    from bot.slack.shared import SQLiteState

    return SQLiteState(tmp_path / "state")


@pytest.fixture
def slack_app(answerer, stub, state):
    from bot.slack.app import build_app, shutdown

    app = build_app(answerer, token=BOT_TOKEN, api_url=stub.api_url, signing_secret=SIGNING_SECRET,
                    state=state)
    yield app
    shutdown(app)


@pytest.fixture
def server(slack_app):
    from bot.slack.server import Server

    srv = Server(slack_app, host="127.0.0.1", port=0).start()
    yield srv
    srv.stop()


@pytest.fixture
def events(server) -> str:
    return f"http://127.0.0.1:{server.port}/slack/events"


def send_event(url: str, event: dict, *, event_id: str | None = None, headers: dict | None = None,
               body: dict | None = None) -> int:
    """Post a signed Events API callback; return the HTTP status."""
    raw = json.dumps(body or event_callback(event, event_id=event_id))
    status, _, _ = post(url, raw, {**sign(raw), **(headers or {})})
    return status


def drain(app) -> None:
    """Wait until every answer the app has started is finished (the app takes no more work after)."""
    from bot.slack.app import shutdown

    shutdown(app)


def blocks_text(blocks: list[dict]) -> str:
    """All the text a person would see in ``blocks``, joined by newlines."""
    out: list[str] = []

    def walk(x):
        if isinstance(x, dict):
            if isinstance(x.get("text"), str):
                out.append(x["text"])
            for v in x.values():
                if isinstance(v, (dict, list, tuple)):
                    walk(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)

    walk(blocks)
    return "\n".join(out)
