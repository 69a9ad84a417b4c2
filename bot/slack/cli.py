"""``citebot slack``: run the Slack app (Socket Mode, or the Events API over HTTP) or print its manifest."""

from __future__ import annotations

import logging
import sys
import threading

from ..cli import command, open_answerer, paths
from ..errors import CitebotError, ConfigError

log = logging.getLogger(__name__)


def register(sub, common) -> None:
    f = command(sub, "feedback", cmd_feedback, common)
    f.add_argument("--since", metavar="DATE", help="only votes from this day on (YYYY-MM-DD)")
    f.add_argument("--json", action="store_true", help="print one JSON object")
    f.add_argument("--state", metavar="DIR", help="the state store's folder (as for citebot slack)")
    p = command(sub, "slack", cmd_slack, common)
    p.add_argument("--http", action="store_true",
                   help="serve the Events API over HTTP at /slack/events instead of Socket Mode")
    p.add_argument("--port", type=int, default=3000, metavar="N",
                   help="HTTP port (default 3000; 0 picks a free one and prints it)")
    p.add_argument("--host", default="0.0.0.0", metavar="ADDR", help="HTTP address to listen on (default 0.0.0.0)")
    p.add_argument("--workers", type=int, default=16, metavar="N",
                   help="answers computed at once (default 16)")
    p.add_argument("--state", metavar="DIR",
                   help="folder of the state store (dedup, votes) when CITEBOT_REDIS_URL is not set "
                        "(env CITEBOT_STATE_DIR, default $XDG_STATE_HOME/citebot)")
    p.add_argument("--no-rebuild", action="store_true",
                   help="serve the index as it is, never rebuilding it (a stale one with a warning in the log): "
                        "for replicas whose index folder is read-only")
    p.add_argument("--deadline", type=float, default=60.0, metavar="S",
                   help="seconds a reply is retried on 429 / 5xx before it is logged as lost (default 60)")
    p.add_argument("--manifest", action="store_true", help="print the Slack app manifest and exit")
    p.add_argument("--request-url", metavar="URL",
                   help="with --manifest: an HTTPS URL ending in /slack/events; turns Socket Mode off")


def cmd_feedback(args) -> int:
    """Summarise the 👍/👎 votes: per answer (channel and message) and per passage shown.

    Reads the state store the Slack app uses: Redis when CITEBOT_REDIS_URL is set, else SQLite in
    --state DIR (env CITEBOT_STATE_DIR, default $XDG_STATE_HOME/citebot). --since DATE (YYYY-MM-DD)
    counts only later votes; --json prints one JSON object.
    """
    import json
    from datetime import datetime, timezone

    from .shared import open_state

    since = None
    if args.since:
        try:
            since = datetime.strptime(args.since, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            raise ConfigError(f"--since {args.since!r} is not a date; expected YYYY-MM-DD") from None
    votes = open_state(state_dir=args.state).votes(since)
    answers: dict[tuple, dict] = {}
    passages: dict[int, dict] = {}
    for v in votes:
        a = answers.setdefault((v["channel"], v["message_ts"]), {"up": 0, "down": 0})
        a[v["vote"]] += 1
        for pid in v["passages"]:
            passages.setdefault(pid, {"up": 0, "down": 0})[v["vote"]] += 1
    if args.json:
        print(json.dumps({"votes": len(votes),
                          "answers": [{"channel": c, "message_ts": m, **n} for (c, m), n in sorted(answers.items())],
                          "passages": [{"passage": p, **n} for p, n in sorted(passages.items())]}))
        return 0
    up = sum(1 for v in votes if v["vote"] == "up")
    print(f"{len(votes)} vote(s): {up} 👍, {len(votes) - up} 👎, on {len(answers)} answer(s)")
    for (channel, ts), n in sorted(answers.items(), key=lambda x: -x[1]["down"]):
        print(f"  {channel} {ts}: {n['up']} 👍 {n['down']} 👎")
    if passages:
        print("passages (id in the index):")
        for pid, n in sorted(passages.items(), key=lambda x: (-x[1]["down"], x[0])):
            print(f"  {pid}: {n['up']} 👍 {n['down']} 👎")
    return 0


def cmd_slack(args) -> int:
    """Answer questions in Slack: mentions, direct messages, thread follow-ups and /ask.

    Socket Mode (the default) needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN and no public URL.
    --http serves Slack's Events API at /slack/events (and GET /healthz) and needs
    SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET. SLACK_API_URL replaces the Web API base URL.
    Event dedup and 👍/👎 votes go to a state store: SQLite in --state DIR by default, or Redis when
    CITEBOT_REDIS_URL=redis://… is set (for several replicas). A thread's conversation is read back
    from Slack, so restarts and replicas keep it.
    --manifest prints the app manifest to create the app from. SIGTERM or Ctrl-C stops it cleanly.
    """
    if args.manifest:
        from .manifest import manifest_text

        sys.stdout.write(manifest_text(args.request_url))
        return 0
    if args.request_url:
        raise ConfigError("--request-url only goes with --manifest")
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port {args.port} is not a port number; expected 0-65535")
    if args.workers < 1:
        raise ConfigError(f"--workers {args.workers} must be at least 1")
    from .settings import load

    settings = load(http=args.http, index_dir=paths(args).index)
    from ..fresh import FollowingAnswerer

    from .shared import open_state

    state = open_state(state_dir=args.state)  # a Redis that cannot be reached: a one-line error, now
    log.info("state store: %s", state.describe())
    if args.no_rebuild:
        answerer = _served_as_is(args)
    else:
        answerer = FollowingAnswerer(paths(args).corpus, paths(args).index, answerer=open_answerer(args))
        from .. import kernel

        # the compiled top-k, when the speed extra is installed, for this index's count type (another type,
        # after a reindex, compiles when first met)
        kernel.enable_in_background(answerer.answerer.index.bm25.count_types)

    from slack_sdk.errors import SlackApiError

    from .app import build_app, shutdown, web_client

    client = web_client(settings.bot_token, api_url=settings.api_url)
    try:
        who = client.auth_test()
    except SlackApiError as e:
        raise ConfigError(f"SLACK_BOT_TOKEN was refused by Slack ({e.response.get('error')}); expected a valid "
                          f"bot token for this workspace; reinstall the app and copy the token again") from None
    except OSError as e:
        raise CitebotError(f"cannot reach the Slack Web API at {settings.api_url} ({e}); check the network "
                           f"or SLACK_API_URL") from None
    log.info("connected to Slack as %s in %s", who.get("user_id"), who.get("team_id"))

    app = build_app(answerer, client=client, signing_secret=settings.signing_secret, state=state,
                    workers=args.workers, deadline=args.deadline)
    import signal

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    if args.http:
        from .server import EVENTS_PATH, HEALTH_PATH, Server

        try:
            server = Server(app, host=args.host, port=args.port).start()
        except OSError as e:
            raise ConfigError(f"cannot listen on {args.host}:{args.port} ({e.strerror or e}); "
                              f"choose another --port or --host") from None
        print(f"citebot: serving Slack events on http://{server.host}:{server.port}{EVENTS_PATH} "
              f"(health check: {HEALTH_PATH})", file=sys.stderr, flush=True)
        while not stop.wait(0.5):
            pass
        server.stop()
    else:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(app, settings.app_token, web_client=client)
        try:
            handler.connect()
        except SlackApiError as e:
            handler.close()
            raise ConfigError(f"SLACK_APP_TOKEN was refused by Slack ({e.response.get('error')}); expected an "
                              f"app-level token with connections:write and Socket Mode turned on") from None
        print("citebot: connected to Slack in Socket Mode", file=sys.stderr, flush=True)
        while not stop.wait(0.5):
            pass
        handler.close()
    shutdown(app)
    print("citebot: stopped", file=sys.stderr, flush=True)
    return 0


def _served_as_is(args):
    """--no-rebuild: load the index without ever rebuilding it; a stale one is served, with a warning."""
    from ..answer import Answerer
    from ..indexer import open_fresh, stale_reason
    from ..tokenize import Tokenizer

    p = paths(args)
    tokenizer = Tokenizer()
    try:
        reason = stale_reason(p.corpus, p.index, tokenizer) if p.corpus.is_dir() else None
    except CitebotError as e:
        reason = str(e)
    loaded, _ = open_fresh(p.corpus, p.index, tokenizer=tokenizer, rebuild=False) if reason is None else (
        _load_stale(p.index, tokenizer), None)
    if reason:
        log.warning("serving the index as it is (--no-rebuild) although %s", reason)
    return Answerer(loaded, tokenizer=tokenizer)


def _load_stale(index_dir, tokenizer):
    from .. import store

    return store.load(index_dir, tokenizer=tokenizer.settings)
