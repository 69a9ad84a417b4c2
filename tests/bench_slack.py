"""Load benchmark for the Slack front: 300 events over 10 s, spread over two real replicas on one Redis.

Run with ``make bench-slack`` (or ``.venv/bin/python -m tests.bench_slack [--events N] [--seconds S]``). It
starts a real ``redis-server`` on loopback, the stand-in Slack (``tests/slack_stub.py``) and two real
``citebot slack --http`` processes, sends each event to both replicas (as a redelivery would), and prints
the ack times (HTTP 200 from a replica) and the answer latency (event sent → ``chat.postMessage`` received),
p50 and p99, and whether every event was answered exactly once. Numbers, not a pass/fail: not in
``make test``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from .conftest import SEED
from .slack_stub import SIGNING_SECRET, SlackStub, event_callback, mention, post, sign, wait_until
from .test_shared_state import RedisServer
from .test_slack_cli import Process, child_env


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="bench_slack", description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=300)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args(argv)
    if shutil.which("redis-server") is None:
        print("bench_slack: redis-server is not installed (apt-get install redis-server)", file=sys.stderr)
        return 2
    from bot.indexer import reindex

    work = Path(tempfile.mkdtemp(prefix="citebot-bench-slack-"))
    (work / "corpus").mkdir()
    shutil.copy(SEED, work / "corpus" / SEED.name)
    reindex(work / "corpus", work / "index")
    redis = RedisServer(work).start()
    stub = SlackStub()
    received: dict[str, float] = {}
    counts: dict[str, int] = {}
    real = stub._reply

    def timed(method, params, headers):
        if method == "chat.postMessage":
            ts = params.get("thread_ts")
            received.setdefault(ts, time.monotonic())
            counts[ts] = counts.get(ts, 0) + 1
        return real(method, params, headers)

    stub._reply = timed
    replicas = []
    try:
        for name in ("a", "b"):
            env = child_env(stub, work / "corpus", work / "index", work / name,
                            SLACK_SIGNING_SECRET=SIGNING_SECRET, CITEBOT_REDIS_URL=redis.url)
            p = Process(["--http", "--port", "0", "--host", "127.0.0.1", "--no-rebuild"], env)
            port = int(p.wait_line(r"serving Slack events on http://127\.0\.0\.1:(\d+)/slack/events", 60).group(1))
            replicas.append((p, f"http://127.0.0.1:{port}/slack/events"))
        questions = ["Which antibodies are associated with calcinosis in systemic sclerosis?",
                     "How is calcinosis diagnosed?", "Which drugs treat calcinosis?", "Can lupus cause calcinosis?"]
        sent: dict[str, float] = {}
        acks: list[float] = []
        lock = threading.Lock()

        def fire(i: int) -> None:
            ts = f"1750000000.{i:06d}"
            raw = json.dumps(event_callback(mention(questions[i % len(questions)], ts=ts), event_id=f"EvB{i}"))
            with lock:
                sent[ts] = time.monotonic()
            for _, url in replicas:  # the same event to both replicas
                t0 = time.monotonic()
                status, _, _ = post(url, raw, sign(raw))
                with lock:
                    acks.append(time.monotonic() - t0)
                assert status == 200

        start = time.monotonic()
        threads = []
        for i in range(args.events):
            due = start + i * args.seconds / args.events
            time.sleep(max(0.0, due - time.monotonic()))  # the benchmark's own pacing: events spread over time
            t = threading.Thread(target=fire, args=(i,))
            t.start()
            threads.append(t)
        for t in threads:
            t.join(30)
        wait_until(lambda: len(received) >= args.events, timeout=120, what="every answer")
        latency = [received[ts] - sent[ts] for ts in sent if ts in received]
        twice = sum(1 for n in counts.values() if n > 1)
        print(f"events {args.events} over {args.seconds:.0f} s, each sent to 2 replicas on one Redis "
              f"(this machine: {len(acks)} acks)")
        print(f"ack      p50 {_pct(acks, 0.5) * 1000:7.1f} ms   p99 {_pct(acks, 0.99) * 1000:7.1f} ms")
        print(f"answer   p50 {_pct(latency, 0.5) * 1000:7.1f} ms   p99 {_pct(latency, 0.99) * 1000:7.1f} ms   "
              f"mean {statistics.mean(latency) * 1000:.1f} ms")
        print(f"answered {len(received)}/{args.events}, answered twice: {twice}")
        return 0 if len(received) == args.events and twice == 0 else 1
    finally:
        for p, _ in replicas:
            p.stop()
        stub.close()
        redis.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
