"""Shared fixtures: a throwaway corpus and index per test, the environment redirected."""

from __future__ import annotations

import contextlib

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "corpus" / "calcinosis-associated-conditions.txt"
SHARED = REPO.parent / "shared"

MARKDOWN_ARTICLE = """\
# Gout: a short overview

Gout is an inflammatory arthritis caused by monosodium urate crystals [1].

## Treatment

First-line options for an acute flare:

- Colchicine, started early [2]
- NSAIDs such as naproxen [2, 3]
- Oral corticosteroids when NSAIDs are contraindicated [1-3]

Long-term urate lowering:

1. Allopurinol is the first choice [4]
2. Febuxostat when allopurinol is not tolerated [7]

## References

1. Dalbeth N, et al. Gout. Lancet. 2021.
2. FitzGerald JD, et al. 2020 ACR guideline for the management of gout. Arthritis Care Res. 2020.
3. Richette P, et al. 2016 updated EULAR recommendations. Ann Rheum Dis. 2017.
4. Stamp LK. Allopurinol dosing. Rheumatology. 2019.
"""


@pytest.fixture(autouse=True)
def _library_log_levels():
    """``cli.main`` quiets library loggers for a user; a test calling it in-process must not quiet the next."""
    import logging

    from bot.cli import QUIET_LIBRARIES

    levels = {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path_factory):
    """No test reads the user's corpus, index, tokens or history by accident."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var in ("CITEBOT_CORPUS", "CITEBOT_INDEX", "CITEBOT_FEEDBACK", "CITEBOT_DENSE", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN",
                "SLACK_SIGNING_SECRET", "SLACK_API_URL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def corpus_dir(tmp_path) -> Path:
    """A corpus folder holding a copy of the seed article."""
    d = tmp_path / "corpus"
    d.mkdir()
    shutil.copy(SEED, d / SEED.name)
    return d


@pytest.fixture
def index_dir(tmp_path) -> Path:
    return tmp_path / "index"


@pytest.fixture(scope="session")
def _seed_index(tmp_path_factory) -> Path:
    """The seed article's index, built once per test process."""
    import os

    from bot.indexer import reindex

    root = tmp_path_factory.mktemp("seed-index")
    (root / "corpus").mkdir()
    shutil.copy(SEED, root / "corpus" / SEED.name)
    dense = os.environ.pop("CITEBOT_DENSE", None)  # the session fixture runs outside ``_isolated_env``
    try:
        reindex(root / "corpus", root / "index")
    finally:
        if dense is not None:
            os.environ["CITEBOT_DENSE"] = dense
    return root / "index"


@pytest.fixture
def seeded_index(corpus_dir, index_dir, _seed_index) -> Path:
    """``index_dir`` already holding the seed's index (a copy of one built once): for tests about answering,
    not building. The copy is current for ``corpus_dir`` (the same article; a new mtime, the same bytes)."""
    shutil.copytree(_seed_index, index_dir, symlinks=True)
    return index_dir


@pytest.fixture
def answerer(corpus_dir, seeded_index):
    from bot.answer import Answerer
    from bot.indexer import open_fresh

    loaded, warning = open_fresh(corpus_dir, seeded_index)
    assert warning is None
    return Answerer(loaded)


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (development data lives beside the clone)")
    return SHARED


@contextlib.contextmanager
def built_index(tmp_path: Path, articles: dict[str, str]):
    """An index of ``articles`` (file name → text) in ``tmp_path``: the loaded index, closed afterwards."""
    from bot.indexer import open_fresh

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in articles.items():
        (corpus / name).write_text(text, encoding="utf-8")
    loaded, _ = open_fresh(corpus, tmp_path / "index")
    try:
        yield loaded
    finally:
        loaded.passages.close()

