"""The vocabulary files citebot ships; each says where it comes from. ``path(name)`` is a plain path beside this
file (``importlib.resources`` costs a cold ``ask`` its readers' and zipfile's imports, ~5 ms)."""

from pathlib import Path

HERE = Path(__file__).resolve().parent


def path(name: str) -> Path:
    return HERE / name


def lines(name: str) -> list[str]:
    """The lines of a shipped list that say something: blank lines and ``#`` comments (its source, its licence) left out."""
    return [line for line in path(name).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
