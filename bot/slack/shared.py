"""State the Slack app shares across restarts and replicas: event dedup, votes, answers kept for "Share".

One small interface, two real backends:

* ``SQLiteState`` (the default): stdlib ``sqlite3`` in WAL mode, in a state folder (``--state DIR``,
  ``CITEBOT_STATE_DIR``, default ``$XDG_STATE_HOME/citebot``), so one process survives restarts with
  nothing else installed. The file is owner-only (0600).
* ``RedisState`` (``CITEBOT_REDIS_URL=redis://…``, the ``redis`` client from the optional ``redis`` extra):
  dedup with ``SET NX EX``, votes in hashes, for several replicas on several machines.

A claim is taken once per key: ``claim`` is true for the first caller only, across every process sharing
the store. When Redis goes away while running, claims fall back to this process's memory (logged once):
one replica never answers an event twice, but two replicas may both answer during the outage. Votes and
stored answers expire after ``retention`` seconds (default 90 days).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path

from ..errors import ConfigError
from .state import Seen

log = logging.getLogger(__name__)

CLAIM_TTL = 24 * 3600.0  # Slack retries an event for minutes; a day is plenty
RETENTION = 90 * 24 * 3600.0


def default_state_dir(env=os.environ) -> Path:
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "citebot"


class SQLiteState:
    def __init__(self, folder: Path, *, retention: float = RETENTION):
        self.folder = Path(folder)
        self.retention = retention
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.path = self.folder / "state.db"
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
            os.chmod(self.path, 0o600)
            self._local = threading.local()
            db = self._db()
            db.executescript("""
                PRAGMA journal_mode=WAL;
                CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, expires REAL NOT NULL);
                CREATE TABLE IF NOT EXISTS votes (channel TEXT, message_ts TEXT, user TEXT, vote TEXT,
                    passages TEXT, at REAL, PRIMARY KEY (channel, message_ts, user));
                CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, value TEXT, expires REAL);
            """)
        except (OSError, sqlite3.Error) as e:
            raise ConfigError(f"{folder}: cannot open the state store ({e}); pass --state DIR") from None

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._local.db = db
        return db

    def claim(self, key: str, ttl: float = CLAIM_TTL) -> bool:
        now = time.time()
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM claims WHERE key = ? AND expires < ?", (key, now))
            cur = db.execute("INSERT OR IGNORE INTO claims (key, expires) VALUES (?, ?)", (key, now + ttl))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return cur.rowcount == 1

    def vote(self, *, channel: str, message_ts: str, user: str, vote: str, passages: list[int]) -> None:
        """One vote per user per answer: a second click replaces the first."""
        now = time.time()
        db = self._db()
        db.execute("INSERT OR REPLACE INTO votes VALUES (?, ?, ?, ?, ?, ?)",
                   (channel, message_ts, user, vote, json.dumps(passages), now))
        db.execute("DELETE FROM votes WHERE at < ?", (now - self.retention,))

    def votes(self, since: float | None = None) -> list[dict]:
        rows = self._db().execute("SELECT channel, message_ts, user, vote, passages, at FROM votes WHERE at >= ? "
                                  "ORDER BY at", (since or 0.0,)).fetchall()
        return [{"channel": c, "message_ts": m, "user": u, "vote": v, "passages": json.loads(p), "at": a}
                for c, m, u, v, p, a in rows]

    def put_answer(self, key: str, value: dict) -> None:
        now = time.time()
        db = self._db()
        db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?)", (key, json.dumps(value), now + self.retention))
        db.execute("DELETE FROM answers WHERE expires < ?", (now,))

    def get_answer(self, key: str) -> dict | None:
        row = self._db().execute("SELECT value FROM answers WHERE key = ? AND expires >= ?",
                                 (key, time.time())).fetchone()
        return json.loads(row[0]) if row else None

    def describe(self) -> str:
        return f"SQLite at {self.path}"


class RedisState:
    PREFIX = "citebot:"

    def __init__(self, url: str, *, retention: float = RETENTION, client=None):
        try:
            import redis
        except ImportError:
            raise ConfigError("CITEBOT_REDIS_URL needs the redis client: .venv/bin/pip install -e '.[redis]'") from None
        self.url = url
        self.retention = retention
        self.errors = (redis.ConnectionError, redis.TimeoutError, OSError)
        self.r = client or redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        try:
            self.r.ping()
        except self.errors as e:
            raise ConfigError(f"cannot reach Redis at {_redact(url)} ({e}); check CITEBOT_REDIS_URL") from None
        self._local = Seen()
        self._down = False

    def claim(self, key: str, ttl: float = CLAIM_TTL) -> bool:
        try:
            taken = bool(self.r.set(self.PREFIX + "claim:" + key, b"1", nx=True, ex=int(ttl)))
            if self._down:
                log.warning("Redis is back; claims are shared again")
                self._down = False
            # also remembered here, so that an outage later never lets this process answer it again
            return self._local.claim(key) and taken
        except self.errors as e:
            if not self._down:
                log.warning("Redis unreachable (%s); deduplicating in this process only until it is back",
                            type(e).__name__)
                self._down = True
            return self._local.claim(key)

    def vote(self, *, channel: str, message_ts: str, user: str, vote: str, passages: list[int]) -> None:
        key = f"{self.PREFIX}votes:{channel}:{message_ts}"
        record = json.dumps({"vote": vote, "passages": passages, "at": time.time()})
        pipe = self.r.pipeline()
        pipe.hset(key, user, record)
        pipe.expire(key, int(self.retention))
        pipe.execute()

    def votes(self, since: float | None = None) -> list[dict]:
        out = []
        for key in self.r.scan_iter(match=f"{self.PREFIX}votes:*", count=500):
            _, _, channel, message_ts = key.decode().split(":", 3)
            for user, raw in self.r.hgetall(key).items():
                v = json.loads(raw)
                if v["at"] >= (since or 0.0):
                    out.append({"channel": channel, "message_ts": message_ts, "user": user.decode(),
                                "vote": v["vote"], "passages": v["passages"], "at": v["at"]})
        return sorted(out, key=lambda v: v["at"])

    def put_answer(self, key: str, value: dict) -> None:
        self.r.set(f"{self.PREFIX}answer:{key}", json.dumps(value), ex=int(self.retention))

    def get_answer(self, key: str) -> dict | None:
        raw = self.r.get(f"{self.PREFIX}answer:{key}")
        return json.loads(raw) if raw else None

    def describe(self) -> str:
        return f"Redis at {_redact(self.url)}"


def _redact(url: str) -> str:
    """A Redis URL without its password."""
    if "@" in url:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url


def open_state(*, state_dir: str | None = None, redis_url: str | None = None, env=os.environ,
               retention: float = RETENTION):
    """The store the settings name: Redis when ``CITEBOT_REDIS_URL`` (or ``redis_url``) is set, else SQLite."""
    days = (env.get("CITEBOT_RETENTION_DAYS") or "").strip()
    if days:
        try:
            retention = float(days) * 24 * 3600
        except ValueError:
            raise ConfigError(f"CITEBOT_RETENTION_DAYS={days!r} is not a number of days") from None
    url = redis_url or env.get("CITEBOT_REDIS_URL")
    if url:
        return RedisState(url, retention=retention)
    folder = Path(state_dir or env.get("CITEBOT_STATE_DIR") or default_state_dir(env))
    return SQLiteState(folder, retention=retention)
