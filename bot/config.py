"""Settings resolved in one place: command-line flag, then environment variable, then default."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    corpus: Path
    index: Path


def resolve_paths(corpus: str | None = None, index: str | None = None, env=os.environ) -> Paths:
    return Paths(
        corpus=Path(corpus or env.get("CITEBOT_CORPUS") or "corpus"),
        index=Path(index or env.get("CITEBOT_INDEX") or "index"),
    )
