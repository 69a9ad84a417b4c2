"""``citebot slack``: run the Slack app (Socket Mode, or the Events API over HTTP) or print its manifest."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from ..cli import command, open_answerer, paths
from ..errors import CitebotError, ConfigError

log = logging.getLogger(__name__)


def register(sub, common) -> None:
    p = command(sub, "slack", cmd_slack, common)
    p.add_argument("--http", action="store_true",
                   help="serve the Events API over HTTP at /slack/events instead of Socket Mode")
    p.add_argument("--port", type=int, default=3000, metavar="N",
                   help="HTTP port (default 3000; 0 picks a free one and prints it)")
    p.add_argument("--host", default="0.0.0.0", metavar="ADDR", help="HTTP address to listen on (default 0.0.0.0)")
    p.add_argument("--workers", type=int, default=16, metavar="N",
                   help="answers computed at once (default 16)")
    p.add_argument("--manifest", action="store_true", help="print the Slack app manifest and exit")
    p.add_argument("--request-url", metavar="URL",
                   help="with --manifest: an HTTPS URL ending in /slack/events; turns Socket Mode off")


def cmd_slack(args) -> int:
    """Answer questions in Slack: mentions, direct messages, thread follow-ups and /ask.

    Socket Mode (the default) needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN and no public URL.
    --http serves Slack's Events API at /slack/events (and GET /healthz) and needs
    SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET. SLACK_API_URL replaces the Web API base URL;
    CITEBOT_FEEDBACK names the file 👍/👎 votes go to (default: feedback.jsonl in the index folder).
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

    answerer = FollowingAnswerer(paths(args).corpus, paths(args).index, answerer=open_answerer(args))

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

    app = build_app(answerer, client=client, signing_secret=settings.signing_secret,
                    feedback_path=settings.feedback_path, workers=args.workers)
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
