"""A stand-in for Slack in the tests: the Web API, response_url endpoints and a Socket Mode WebSocket.

Everything listens on 127.0.0.1, port 0, and records what it receives. Nothing here talks to Slack.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import socket
import struct
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode

BOT_TOKEN = "xoxb-111-222-stubBotTokenSecret"
APP_TOKEN = "xapp-1-A1-333-stubAppTokenSecret"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_USER = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM = "T0000001"


@dataclass
class Call:
    method: str
    params: dict
    headers: dict
    at: float = field(default_factory=time.monotonic)


@dataclass
class Scripted:
    status: int = 200
    body: dict | None = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0


def wait_until(predicate, timeout: float = 10.0, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


class SlackStub:
    """Web API methods under ``/api/``, response URLs under ``/response/<id>``."""

    def __init__(self):
        self.calls: list[Call] = []
        self.messages: list[tuple[str, dict]] = []  # (channel, message) the bot posted, for conversations.*
        self.scripted: dict[str, list[Scripted]] = {}
        self.ws_url: str | None = None
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                ctype = self.headers.get("Content-Type", "")
                if "json" in ctype:
                    params = json.loads(raw or "{}")
                else:
                    params = dict(parse_qsl(raw, keep_blank_values=True))
                    for k in ("blocks", "attachments"):
                        if isinstance(params.get(k), str):
                            params[k] = json.loads(params[k])
                path = self.path.split("?")[0]
                method = path[len("/api/"):] if path.startswith("/api/") else path.lstrip("/")
                status, body, headers, delay = stub._reply(method, params, dict(self.headers))
                if delay:
                    time.sleep(delay)
                data = json.dumps(body).encode() if isinstance(body, dict) else body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if isinstance(body, dict) else "text/plain")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.api_url = self.url + "api/"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- scripting and inspecting ------------------------------------------------------------

    def script(self, method: str, *replies: Scripted) -> None:
        """The next calls to ``method`` get these replies, in order; later calls the default."""
        with self._lock:
            self.scripted.setdefault(method, []).extend(replies)

    def response_url(self, name: str = "r1") -> str:
        return f"{self.url}response/{name}"

    def _default(self, method: str, params: dict) -> dict:
        if method == "auth.test":
            return {"ok": True, "url": "https://stub.slack.test/", "team": "Stub", "user": "citebot",
                    "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}
        if method == "chat.postMessage":
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            message = {"type": "message", "text": params.get("text"), "ts": ts, "bot_id": BOT_ID, "user": BOT_USER}
            if params.get("thread_ts"):
                message["thread_ts"] = params["thread_ts"]
            if params.get("metadata"):
                meta = params["metadata"]
                message["metadata"] = json.loads(meta) if isinstance(meta, str) else meta
            self.messages.append((params.get("channel"), message))
            return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}
        if method in ("conversations.replies", "conversations.history"):
            return {"ok": True, "has_more": False, "messages": self._history(method, params)}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.ws_url} if self.ws_url else {"ok": False, "error": "no_socket"}
        return {"ok": True}

    def _history(self, method: str, params: dict) -> list[dict]:
        """What Slack keeps of the bot's posts: a thread's messages oldest first (replies), or a channel's
        newest first (history), with their metadata only when asked for (``include_all_metadata``)."""
        channel, meta = params.get("channel"), str(params.get("include_all_metadata")).lower() in ("true", "1")
        if method == "conversations.replies":
            root = params.get("ts")
            out = [m for c, m in self.messages if c == channel and root in (m.get("thread_ts"), m["ts"])]
        else:
            oldest = float(params.get("oldest") or 0)
            out = [m for c, m in reversed(self.messages) if c == channel and float(m["ts"]) >= oldest]
        return [m if meta else {k: v for k, v in m.items() if k != "metadata"} for m in out]

    def _reply(self, method, params, headers):
        with self._lock:
            self.calls.append(Call(method, params, headers))
            queue = self.scripted.get(method)
            s = queue.pop(0) if queue else None
        if s is None:
            return 200, self._default(method, params), {}, 0.0
        return s.status, s.body if s.body is not None else {"ok": s.status == 200}, s.headers, s.delay

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_calls(self, method: str, n: int = 1, timeout: float = 10.0) -> list[Call]:
        return wait_until(lambda: (lambda cs: cs if len(cs) >= n else None)(self.calls_to(method)), timeout,
                          f"{n} call(s) to {method} (got {len(self.calls_to(method))})")


# -- talking to the app over HTTP ---------------------------------------------------------------


def sign(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def post(url: str, body: str | bytes, headers: dict | None = None, content_type: str = "application/json",
         timeout: float = 10.0) -> tuple[int, str, float]:
    """POST and return (status, body, seconds taken)."""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": content_type, **(headers or {})})
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode(), time.monotonic() - start
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), time.monotonic() - start


_event_ids = itertools.count(1)


def event_callback(event: dict, *, event_id: str | None = None) -> dict:
    return {
        "token": "legacy", "team_id": TEAM, "api_app_id": "A0000001", "type": "event_callback",
        "event_id": event_id or f"Ev{next(_event_ids):08d}", "event_time": int(time.time()), "event": event,
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True, "enterprise_id": None}],
    }


def mention(text: str, *, channel: str = "C0000001", ts: str = "1710000000.000100", thread_ts: str | None = None,
            user: str = "U0000001", **extra) -> dict:
    e = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts, "channel": channel,
         "event_ts": ts, **extra}
    if thread_ts:
        e["thread_ts"] = thread_ts
    return e


def message(text: str, *, channel: str = "C0000001", ts: str = "1710000000.000200", channel_type: str = "channel",
            thread_ts: str | None = None, user: str | None = "U0000001", **extra) -> dict:
    e = {"type": "message", "text": text, "ts": ts, "channel": channel, "channel_type": channel_type,
         "event_ts": ts, **extra}
    if user:
        e["user"] = user
    if thread_ts:
        e["thread_ts"] = thread_ts
    return e


def slash(text: str, response_url: str, *, command: str = "/ask", channel: str = "C0000001",
          user: str = "U0000001") -> dict:
    return {"token": "legacy", "team_id": TEAM, "team_domain": "stub", "channel_id": channel,
            "channel_name": "general", "user_id": user, "user_name": "clinician", "command": command,
            "text": text, "api_app_id": "A0000001", "response_url": response_url, "trigger_id": "1.2.3"}


def block_action(action: dict, response_url: str, *, channel: str = "C0000001", user: str = "U0000001",
                 ephemeral: bool = False, message: dict | None = None) -> dict:
    """A button click as Slack sends it; ``message`` (the clicked message, with its ``ts`` and ``blocks``)
    as Slack includes it for a message in a channel."""
    payload = {"type": "block_actions", "team": {"id": TEAM, "domain": "stub"}, "api_app_id": "A0000001",
               "user": {"id": user, "username": "clinician", "team_id": TEAM}, "channel": {"id": channel},
               "container": {"type": "message", "message_ts": (message or {}).get("ts", "1700000000.000001"),
                             "channel_id": channel, "is_ephemeral": ephemeral},
               "response_url": response_url, "trigger_id": "1.2.3", "actions": [action]}
    if message is not None:
        payload["message"] = message
    return payload


def form(payload: dict) -> str:
    return urlencode(payload)


def action_form(payload: dict) -> str:
    return urlencode({"payload": json.dumps(payload)})


# -- a minimal Socket Mode server (RFC 6455, text frames, ping/pong) -----------------------------


class SocketModeStub:
    """Accepts the app's WebSocket, says hello, sends envelopes and records the acknowledgements."""

    GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.url = f"ws://127.0.0.1:{self.sock.getsockname()[1]}/link"
        self.acks: list[dict] = []
        self.conn: socket.socket | None = None
        self.connected = threading.Event()
        self._send_lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket):
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = conn.recv(4096)
            if not chunk:
                return
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        key = next(line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")
                   if line.lower().startswith(b"sec-websocket-key"))
        accept = base64.b64encode(hashlib.sha1(key + self.GUID.encode()).digest()).decode()
        conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
        self.conn = conn
        self.send({"type": "hello", "num_connections": 1, "debug_info": {"host": "stub"},
                   "connection_info": {"app_id": "A0000001"}})
        self.connected.set()
        threading.Thread(target=self._ping, args=(conn,), daemon=True).start()
        reader = _FrameReader(conn, rest)
        while True:
            frame = reader.next()
            if frame is None:
                return
            opcode, payload = frame
            if opcode == 0x1:
                with self._send_lock:
                    self.acks.append(json.loads(payload.decode()))
            elif opcode == 0x9:
                try:
                    self._frame(0xA, payload)
                except OSError:
                    return
            elif opcode == 0x8:
                try:
                    self._frame(0x8, payload[:2])
                except OSError:
                    pass
                return

    def _ping(self, conn: socket.socket):
        """Ping often, as Slack does; the client's blocking reads then return (and it closes quickly)."""
        while not self._closed and self.conn is conn:
            try:
                self._frame(0x9, b"stub")
            except OSError:
                return
            time.sleep(0.1)

    def _frame(self, opcode: int, payload: bytes):
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        with self._send_lock:
            self.conn.sendall(header + payload)

    def send(self, message: dict):
        self._frame(0x1, json.dumps(message).encode())

    def envelope(self, kind: str, payload: dict, *, envelope_id: str, retry_attempt: int = 0) -> None:
        self.send({"envelope_id": envelope_id, "type": kind, "payload": payload,
                   "accepts_response_payload": kind != "events_api", "retry_attempt": retry_attempt,
                   "retry_reason": "timeout" if retry_attempt else ""})

    def acked(self, envelope_id: str) -> dict | None:
        with self._send_lock:
            return next((a for a in self.acks if a.get("envelope_id") == envelope_id), None)

    def close(self):
        self._closed = True
        try:
            if self.conn:
                self.conn.close()
        finally:
            self.sock.close()


class _FrameReader:
    def __init__(self, conn: socket.socket, initial: bytes = b""):
        self.conn, self.buf = conn, initial

    def _need(self, n: int) -> bytes | None:
        while len(self.buf) < n:
            try:
                chunk = self.conn.recv(65536)
            except OSError:
                return None
            if not chunk:
                return None
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def next(self):
        head = self._need(2)
        if head is None:
            return None
        b1, b2 = head
        n = b2 & 0x7F
        if n == 126:
            ext = self._need(2)
            if ext is None:
                return None
            n = struct.unpack("!H", ext)[0]
        elif n == 127:
            ext = self._need(8)
            if ext is None:
                return None
            n = struct.unpack("!Q", ext)[0]
        mask = self._need(4) if b2 & 0x80 else b"\0\0\0\0"
        data = self._need(n) if n else b""
        if mask is None or data is None:
            return None
        data = bytes(c ^ mask[i % 4] for i, c in enumerate(data))
        return b1 & 0x0F, data
