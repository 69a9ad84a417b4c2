"""👍 / 👎 votes as JSON lines: question, the passage ids shown, the vote, the time."""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Vote:
    time: str
    vote: str          # "up" or "down"
    question: str
    passages: tuple[int, ...]
    channel: str | None = None

    def to_json(self) -> dict:
        d = asdict(self)
        d["passages"] = list(self.passages)
        return d


class FeedbackLog:
    """Appends one JSON object per vote to ``path``; safe from many threads."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def record(self, vote: str, question: str, passages, *, channel: str | None = None, now=None) -> Vote:
        when = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
        v = Vote(time=when, vote=vote, question=question, passages=tuple(int(p) for p in passages), channel=channel)
        line = json.dumps(v.to_json(), ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # questions may be about patients: the file is readable by its owner only
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with open(fd, "a", encoding="utf-8") as f:
                f.write(line)
                f.flush()
                os.fsync(f.fileno())
        log.info("feedback recorded: %s on %d passage(s)", vote, len(v.passages))
        return v
