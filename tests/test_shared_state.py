"""The state Slack replicas share (``bot/slack/shared.py``): SQLite by default, a real Redis for several.

The Redis tests start a real ``redis-server`` (Debian package ``redis-server``; ``.ci/run`` installs it) on a
free loopback port in a temporary folder, and skip, saying why, where it or the ``redis`` client is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess

import pytest

from bot.errors import ConfigError
from bot.slack.shared import RedisState, SQLiteState, open_state

from .slack_fixtures import stub  # noqa: F401
from .slack_stub import SIGNING_SECRET, event_callback, mention, message, post, sign, wait_until
from .test_slack_cli import Process, child_env

Q = "Which antibodies are associated with calcinosis in systemic sclerosis?"
FOLLOW = "what are the associated clinical features?"


# -- SQLite, the default ---------------------------------------------------------------------------


def test_sqlite_claims_once_across_instances_like_a_restart(tmp_path):
    first, second = SQLiteState(tmp_path / "s"), SQLiteState(tmp_path / "s")
    assert first.claim("post:C1:1.0") and not first.claim("post:C1:1.0")
    assert not second.claim("post:C1:1.0")  # the restarted process sees the first one's claim
    assert second.claim("post:C1:2.0")
    assert stat.S_IMODE(os.stat(tmp_path / "s" / "state.db").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "s").st_mode) == 0o700


def test_sqlite_expired_claims_can_be_taken_again(tmp_path):
    s = SQLiteState(tmp_path / "s")
    assert s.claim("k", ttl=-1)  # already expired
    assert s.claim("k", ttl=60) and not s.claim("k")


def test_one_vote_per_user_per_answer_and_votes_expire(tmp_path):
    s = SQLiteState(tmp_path / "s")
    s.vote(channel="C1", message_ts="1.0", user="U1", vote="up", passages=[1, 2])
    s.vote(channel="C1", message_ts="1.0", user="U1", vote="down", passages=[1, 2])
    s.vote(channel="C1", message_ts="1.0", user="U2", vote="up", passages=[1, 2])
    assert sorted((v["user"], v["vote"]) for v in s.votes()) == [("U1", "down"), ("U2", "up")]
    short = SQLiteState(tmp_path / "s", retention=-1)  # a retention already past: the next write prunes
    short.vote(channel="C2", message_ts="2.0", user="U3", vote="up", passages=[])
    assert s.votes() == []


def test_open_state_follows_the_environment(tmp_path):
    s = open_state(env={"CITEBOT_STATE_DIR": str(tmp_path / "here")})
    assert isinstance(s, SQLiteState) and s.path.parent == tmp_path / "here"
    s = open_state(env={"XDG_STATE_HOME": str(tmp_path / "xdg")})
    assert s.path == tmp_path / "xdg" / "citebot" / "state.db"


def test_feedback_command_summarises_votes(tmp_path, capsys):
    from bot.cli import main

    s = SQLiteState(tmp_path / "s")
    s.vote(channel="C1", message_ts="1.0", user="U1", vote="up", passages=[4])
    s.vote(channel="C1", message_ts="1.0", user="U2", vote="down", passages=[4, 5])
    assert main(["feedback", "--state", str(tmp_path / "s"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["votes"] == 2 and out["answers"] == [{"channel": "C1", "message_ts": "1.0", "up": 1, "down": 1}]
    assert {p["passage"]: (p["up"], p["down"]) for p in out["passages"]} == {4: (1, 1), 5: (0, 1)}
    assert main(["feedback", "--state", str(tmp_path / "s"), "--since", "2999-01-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["votes"] == 0
    assert main(["feedback", "--state", str(tmp_path / "s"), "--since", "yesterday"]) == 2


# -- a real Redis ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self, folder):
        self.folder = folder
        self.proc = None
        self.port = None

    def start(self):
        for _ in range(5):  # another process may take the port between our bind and redis's: try another
            self.port = _free_port()
            self.proc = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.folder)],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            try:
                wait_until(lambda: self._ready() or self.proc.poll() is not None, 10, "redis-server to start")
            except AssertionError:
                self.stop()
                continue
            if self.proc.poll() is None:
                return self
        raise RuntimeError("redis-server did not start")

    def _ready(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (Debian package redis-server; .ci/run installs it)")
    pytest.importorskip("redis", reason="the redis client is not installed (pip install -e '.[test]')")
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def test_redis_claims_once_across_replicas_and_keeps_votes(redis_server):
    a, b = RedisState(redis_server.url), RedisState(redis_server.url)
    assert a.claim("post:C1:1.0") and not b.claim("post:C1:1.0") and not a.claim("post:C1:1.0")
    a.vote(channel="C1", message_ts="1.0", user="U1", vote="up", passages=[1])
    b.vote(channel="C1", message_ts="1.0", user="U1", vote="down", passages=[1])
    assert [(v["user"], v["vote"]) for v in a.votes()] == [("U1", "down")]
    a.put_answer("k", {"text": "x"})
    assert b.get_answer("k") == {"text": "x"} and b.get_answer("missing") is None


def test_redis_unreachable_at_start_is_a_one_line_error(tmp_path):
    pytest.importorskip("redis", reason="the redis client is not installed")
    with pytest.raises(ConfigError, match=r"cannot reach Redis at redis://127\.0\.0\.1:\d+/0 .*CITEBOT_REDIS_URL"):
        RedisState(f"redis://127.0.0.1:{_free_port()}/0")
    with pytest.raises(ConfigError) as e:
        RedisState(f"redis://user:hunter2@127.0.0.1:{_free_port()}/0")
    assert "hunter2" not in str(e.value)


def test_redis_going_away_falls_back_to_this_process_never_twice(redis_server):
    s = RedisState(redis_server.url)
    assert s.claim("before")
    redis_server.stop()
    assert not s.claim("before")  # remembered here too
    assert s.claim("during") and not s.claim("during")  # deduplicated locally, no exception


# -- two real replicas on one Redis -------------------------------------------------------------------


def _serve(stub, corpus_dir, index_dir, tmp_path, redis_url, name):  # noqa: F811
    env = child_env(stub, corpus_dir, index_dir, tmp_path / name, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                    CITEBOT_REDIS_URL=redis_url)
    p = Process(["--http", "--port", "0", "--host", "127.0.0.1", "-v"], env)
    port = int(p.wait_line(r"serving Slack events on http://127\.0\.0\.1:(\d+)/slack/events").group(1))
    return p, f"http://127.0.0.1:{port}/slack/events"


def _send(url: str, event: dict, event_id: str) -> int:
    raw = json.dumps(event_callback(event, event_id=event_id))
    return post(url, raw, sign(raw))[0]


def test_two_replicas_answer_each_event_once_and_share_threads(redis_server, stub, corpus_dir,  # noqa: F811
                                                               index_dir, tmp_path):
    from bot.indexer import reindex

    reindex(corpus_dir, index_dir)  # built once, as a release ships it
    a, url_a = _serve(stub, corpus_dir, index_dir, tmp_path, redis_server.url, "a")
    b, url_b = _serve(stub, corpus_dir, index_dir, tmp_path, redis_server.url, "b")
    try:
        root = "1740000000.000001"
        assert _send(url_a, mention(Q, ts=root), "Ev1") == 200  # the same event reaches both replicas
        assert _send(url_b, mention(Q, ts=root), "Ev1") == 200
        # a DM seen as app_mention by one replica and message.im by the other: one post, one answer
        _send(url_a, mention(Q, channel="D0000001", ts="1740000000.000009"), "Ev2")
        _send(url_b, message(Q, channel="D0000001", channel_type="im", ts="1740000000.000009"), "Ev3")
        answered = stub.wait_calls("chat.postMessage", 2)
        assert root in [p.params.get("thread_ts") for p in answered]
        # the thread's follow-up, without a mention, reaches the replica that did not answer the thread
        _send(url_b, message(FOLLOW, ts="1740000000.000050", thread_ts=root), "Ev4")
        stub.wait_calls("chat.postMessage", 3)

        def skipped(*procs) -> int:
            return sum(1 for p in procs for line in p.lines if "already answered" in line)

        wait_until(lambda: skipped(a, b) == 2, what="both duplicates skipped")  # Ev1 again, and the DM
        # restart one replica mid-thread: Slack redelivers Ev1 to it, and it is not answered again
        a.stop()
        a, url_a = _serve(stub, corpus_dir, index_dir, tmp_path, redis_server.url, "a2")
        _send(url_a, mention(Q, ts=root), "Ev1")
        _send(url_a, message("and the anti-PM/Scl antibody?", ts="1740000000.000060", thread_ts=root), "Ev5")
        stub.wait_calls("chat.postMessage", 4)
        wait_until(lambda: skipped(a) == 1, what="the redelivered event skipped")
        posts = stub.calls_to("chat.postMessage")
        threads = [p.params.get("thread_ts") for p in posts]
        assert threads.count(root) == 3 and len(posts) == 4, threads  # mention, follow-up, follow-up; DM once
        follow = [p for p in posts if p.params["metadata"]["event_payload"]["question"] == FOLLOW][0]
        assert "Associated clinical features" in json.dumps(follow.params["blocks"])  # answered in context
    finally:
        for p in (a, b):
            if p.proc.poll() is None:
                p.stop()


def test_one_real_process_restarted_keeps_its_claims_and_the_thread(stub, corpus_dir, index_dir,  # noqa: F811
                                                                      tmp_path):
    """The SQLite default: the same process restarted (a deploy) neither answers a redelivered event again
    nor loses the thread."""
    env = child_env(stub, corpus_dir, index_dir, tmp_path, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    root = "1740000100.000001"
    first = Process(["--http", "--port", "0", "--host", "127.0.0.1", "-v"], env)
    try:
        url = "http://127.0.0.1:%s/slack/events" % first.wait_line(r"127\.0\.0\.1:(\d+)/slack/events", 60).group(1)
        _send(url, mention(Q, ts=root), "EvR1")
        stub.wait_calls("chat.postMessage")
    finally:
        first.stop()
    second = Process(["--http", "--port", "0", "--host", "127.0.0.1", "-v"], env)
    try:
        url = "http://127.0.0.1:%s/slack/events" % second.wait_line(r"127\.0\.0\.1:(\d+)/slack/events", 60).group(1)
        _send(url, mention(Q, ts=root), "EvR1")  # Slack redelivers it after the restart
        _send(url, message(FOLLOW, ts="1740000100.000050", thread_ts=root), "EvR2")
        posts = stub.wait_calls("chat.postMessage", 2)
        wait_until(lambda: any("already answered" in line for line in second.lines), what="the redelivery skipped")
        assert len(stub.calls_to("chat.postMessage")) == 2
        assert "Associated clinical features" in json.dumps(posts[1].params["blocks"])
    finally:
        second.stop()
