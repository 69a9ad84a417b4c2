"""The HTTP front: Slack's Events API at ``/slack/events`` and ``GET /healthz``, on the standard library.

Each request is handed to the app as a ``BoltRequest``; bolt checks the signature and timestamp
(401 otherwise), acknowledges, and the answer follows on the app's worker threads. Bodies over
``MAX_BODY`` bytes get 413; bodies that are not Slack payloads get 400.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from slack_bolt import App, BoltRequest

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1 << 20  # Slack payloads are a few kB; a megabyte is generous


def _handler(app: App):
    class Handler(BaseHTTPRequestHandler):
        server_version = "citebot"
        sys_version = ""
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
            log.debug("%s %s", self.address_string(), format % args)

        def _send(self, status: int, body: str | bytes = b"", headers: dict | None = None) -> None:
            data = body.encode("utf-8") if isinstance(body, str) else body
            self.send_response(status)
            sent = set()
            for k, v in (headers or {}).items():
                for item in v if isinstance(v, (list, tuple)) else [v]:
                    if k.lower() in ("content-length", "connection"):
                        continue
                    self.send_header(k, item)
                    sent.add(k.lower())
            if "content-type" not in sent:
                self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def do_GET(self):  # noqa: N802
            if urlsplit(self.path).path == HEALTH_PATH:
                self._send(200, "ok\n")
            else:
                self._send(404, "not found\n")

        do_HEAD = do_GET

        def do_POST(self):  # noqa: N802
            if urlsplit(self.path).path != EVENTS_PATH:
                self._send(404, "not found\n")
                return
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self.close_connection = True
                self._send(411, "a Content-Length header is required\n")
                return
            if length < 0 or length > MAX_BODY:
                self.close_connection = True
                self._send(413, f"request body over {MAX_BODY} bytes\n")
                return
            raw = self.rfile.read(length)
            try:
                body = raw.decode("utf-8")
            except UnicodeDecodeError:
                self._send(400, "request body is not UTF-8\n")
                return
            headers: dict[str, list[str]] = {}
            for k, v in self.headers.items():
                headers.setdefault(k.lower(), []).append(v)
            try:
                req = BoltRequest(body=body, query=urlsplit(self.path).query, headers=headers)
            except (ValueError, TypeError, KeyError, json.JSONDecodeError):
                self._send(400, "request body is not a Slack payload\n")
                return
            try:
                resp = app.dispatch(req)
            except Exception:
                log.exception("dispatching a request failed")
                self._send(500, "internal error\n")
                return
            self._send(resp.status, resp.body or "", resp.headers)

    return Handler


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 resets connections when Slack sends a burst


class Server:
    """A threaded HTTP server for ``app``; ``port=0`` picks a free port (see ``.port``)."""

    def __init__(self, app: App, *, host: str = "0.0.0.0", port: int = 3000):
        self.app = app
        self.httpd = _HTTPServer((host, port), _handler(app))
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return self.httpd.server_address[0]

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def start(self) -> "Server":
        """Serve on a background thread (for tests and embedding)."""
        self._thread = threading.Thread(target=self.serve_forever, name="citebot-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting requests (safe to call from another thread or a signal handler's helper)."""
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)
