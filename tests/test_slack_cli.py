"""``citebot slack``: settings errors, the manifest, and the real process against the stand-in Slack."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request

import pytest

from bot.cli import main
from .slack_fixtures import blocks_text, stub  # noqa: F401
from .slack_stub import (APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, Scripted, SocketModeStub, event_callback, mention,
                        post, sign, wait_until)

Q = "Which antibodies are associated with calcinosis in systemic sclerosis?"


def run_main(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("env, mode, variable", [
    ({}, [], "SLACK_BOT_TOKEN"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN}, [], "SLACK_APP_TOKEN"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN}, ["--http"], "SLACK_SIGNING_SECRET"),
    ({"SLACK_BOT_TOKEN": "xoxp-user-token", "SLACK_SIGNING_SECRET": SIGNING_SECRET}, ["--http"], "SLACK_BOT_TOKEN"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": BOT_TOKEN}, [], "SLACK_APP_TOKEN"),
    ({"SLACK_BOT_TOKEN": "xoxb-1 2", "SLACK_SIGNING_SECRET": SIGNING_SECRET}, ["--http"], "SLACK_BOT_TOKEN"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": "slack.com/api"},
     ["--http"], "SLACK_API_URL"),
])
def test_missing_or_malformed_settings_exit_2_naming_the_variable(capsys, monkeypatch, corpus_dir, index_dir,
                                                                  env, mode, variable):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    code, out, err = run_main(capsys, "slack", *mode, "--corpus", str(corpus_dir), "--index", str(index_dir))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("citebot: error: ") and variable in lines[0]
    assert "Traceback" not in err
    assert "xoxb-1 2" not in err and BOT_TOKEN not in err  # a secret is named, never shown


def test_a_token_slack_refuses_is_a_one_line_error(capsys, monkeypatch, corpus_dir, index_dir, stub):
    stub.script("auth.test", Scripted(200, {"ok": False, "error": "invalid_auth"}))
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", stub.api_url)
    code, _, err = run_main(capsys, "slack", "--http", "--corpus", str(corpus_dir), "--index", str(index_dir))
    assert code == 2 and "SLACK_BOT_TOKEN" in err and "invalid_auth" in err and len(err.strip().splitlines()) == 1


def test_bad_port_is_a_config_error(capsys):
    code, _, err = run_main(capsys, "slack", "--http", "--port", "70000")
    assert code == 2 and "--port" in err


def test_manifest_has_what_the_app_needs(capsys):
    code, out, _ = run_main(capsys, "slack", "--manifest")
    assert code == 0
    m = json.loads(out)
    assert m["settings"]["socket_mode_enabled"] is True
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert set(m["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_mention", "message.channels", "message.groups", "message.im"}
    assert {"app_mentions:read", "chat:write", "commands", "im:history", "channels:history"} <= set(
        m["oauth_config"]["scopes"]["bot"])
    assert [c["command"] for c in m["features"]["slash_commands"]] == ["/ask"]
    assert m["features"]["app_home"]["messages_tab_enabled"] is True


def test_manifest_for_http(capsys):
    url = "https://citebot.example.org/slack/events"
    code, out, _ = run_main(capsys, "slack", "--manifest", "--request-url", url)
    m = json.loads(out)
    assert m["settings"]["socket_mode_enabled"] is False
    assert m["settings"]["event_subscriptions"]["request_url"] == url
    assert m["settings"]["interactivity"]["request_url"] == url
    assert m["features"]["slash_commands"][0]["url"] == url
    code, _, err = run_main(capsys, "slack", "--manifest", "--request-url", "http://insecure/slack/events")
    assert code == 2 and "https" in err


class Process:
    """``python -m bot slack …`` in the background, its stderr collected line by line."""

    def __init__(self, args, env):
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "slack", *args], env=env, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line)

    def wait_line(self, pattern: str, timeout: float = 20.0) -> re.Match:
        def found():
            if self.proc.poll() is not None and not any(re.search(pattern, x) for x in self.lines):
                raise AssertionError(f"citebot exited {self.proc.returncode}: {''.join(self.lines)}")
            return next((m for x in self.lines if (m := re.search(pattern, x))), None)

        return wait_until(found, timeout, f"a line matching {pattern!r}")

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(15)
        return code


def child_env(stub, corpus_dir, index_dir, tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CITEBOT_"))}
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=stub.api_url, CITEBOT_CORPUS=str(corpus_dir),
               CITEBOT_INDEX=str(index_dir), CITEBOT_STATE_DIR=str(tmp_path / "state"), **extra)
    return env


def test_the_real_process_answers_a_signed_mention_over_http_and_stops_on_sigterm(answerer, stub, corpus_dir,
                                                                                   index_dir, tmp_path):
    env = child_env(stub, corpus_dir, index_dir, tmp_path, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    p = Process(["--http", "--port", "0", "--host", "127.0.0.1", "-v"], env)
    try:
        port = int(p.wait_line(r"serving Slack events on http://127\.0\.0\.1:(\d+)/slack/events").group(1))
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            assert r.status == 200
        raw = json.dumps(event_callback(mention(Q, ts="1730000000.000001")))
        status, _, _ = post(f"http://127.0.0.1:{port}/slack/events", raw, sign(raw))
        assert status == 200
        call = stub.wait_calls("chat.postMessage")[0]
        assert call.params["thread_ts"] == "1730000000.000001"
        expected = answerer.ask(Q)
        seen = blocks_text(call.params["blocks"])
        assert expected.hits[0].passage.text in seen
        ref = next(r for r in expected.references if not r.missing)
        assert f"[{ref.number}] {ref.text.replace('&', '&amp;')}" in seen
        raw = "{}"
        assert post(f"http://127.0.0.1:{port}/slack/events", raw, sign(raw, secret="f" * 32))[0] == 401
    finally:
        code = p.stop()
    assert code == 0
    err = "".join(p.lines)
    assert "citebot: stopped" in err
    assert "Traceback" not in err
    assert BOT_TOKEN not in err and SIGNING_SECRET not in err and Q not in err  # with -v (INFO) on


def test_the_real_process_in_socket_mode(answerer, stub, corpus_dir, index_dir, tmp_path):
    ws = SocketModeStub()
    stub.ws_url = ws.url
    p = Process(["-v"], child_env(stub, corpus_dir, index_dir, tmp_path, SLACK_APP_TOKEN=APP_TOKEN))
    try:
        p.wait_line("connected to Slack in Socket Mode")
        assert ws.connected.wait(10)
        ws.envelope("events_api", event_callback(mention(Q, ts="1730000001.000001")), envelope_id="cli-1")
        wait_until(lambda: ws.acked("cli-1"), what="the ack")
        call = stub.wait_calls("chat.postMessage")[0]
        assert call.params["thread_ts"] == "1730000001.000001"
        assert answerer.ask(Q).hits[0].passage.text in blocks_text(call.params["blocks"])
    finally:
        code = p.stop()
        ws.close()
    assert code == 0
    err = "".join(p.lines)
    assert "Traceback" not in err and APP_TOKEN not in err and BOT_TOKEN not in err and Q not in err


def test_an_unreachable_slack_is_one_line_without_library_noise(corpus_dir, index_dir):
    """Port 9 on loopback refuses connections: slack_sdk's own ERROR lines stay quiet without -v."""
    import subprocess
    import sys

    env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-1-A-1-x",
           "SLACK_API_URL": "http://127.0.0.1:9/api/"}
    r = subprocess.run([sys.executable, "-m", "bot", "slack", "--corpus", str(corpus_dir), "--index", str(index_dir)],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("citebot: error: cannot reach the Slack Web API"), r.stderr


def test_no_rebuild_serves_a_stale_index_as_it_is(corpus_dir, index_dir, caplog):
    import argparse
    import logging

    from bot.indexer import reindex
    from bot.slack.cli import _served_as_is

    reindex(corpus_dir, index_dir)
    (corpus_dir / "gout.md").write_text("# Gout\n\n- Allopurinol lowers urate [1]\n\n## References\n\n1. R.\n")
    before = sorted(p.name for p in index_dir.iterdir())
    args = argparse.Namespace(corpus=str(corpus_dir), index=str(index_dir))
    with caplog.at_level(logging.WARNING):
        answerer = _served_as_is(args)
    assert "serving the index as it is (--no-rebuild) although the corpus changed (added gout.md)" in caplog.text
    assert sorted(p.name for p in index_dir.iterdir()) == before  # nothing written
    assert answerer.ask("Can lupus cause calcinosis?").answered
