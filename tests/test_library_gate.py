"""The library set's regression gate: ``../shared/eval/library`` (11 articles, 83 items) scored as
``citebot eval`` scores it, against the numbers recorded in ``tests/data/library_scores.json``.

A change may not lower any recorded number by more than ``MARGIN``. After a change that moves them
on purpose, measure again with the recorded ``command`` and write the new numbers (and a note) there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import evaluate

SCORES = Path(__file__).parent / "data" / "library_scores.json"
GATED = ("hit@1", "hit@3", "declined", "conversations_hit@3", "completeness")
MARGIN = 0.02


def _library_report(library: Path, index: Path) -> evaluate.Report:
    from bot.answer import Answerer
    from bot.indexer import open_fresh

    loaded, warning = open_fresh(library / "corpus", index)
    assert warning is None, warning
    return evaluate.evaluate(Answerer(loaded), evaluate.load_items(library / "questions.jsonl"))


def test_recorded_scores_are_well_formed():
    recorded = json.loads(SCORES.read_text(encoding="utf-8"))
    assert set(GATED) <= set(recorded), f"{SCORES}: needs {', '.join(GATED)}"
    assert all(0.0 <= recorded[k] <= 1.0 for k in GATED)
    assert "citebot eval" in recorded["command"] and recorded["note"]


def test_library_set_regression_gate(shared_dir, tmp_path):
    library = shared_dir / "eval" / "library"
    if not (library / "questions.jsonl").is_file():
        pytest.skip(f"{library} is absent (the library set lives beside the clone, in ../shared/eval/library)")
    recorded = json.loads(SCORES.read_text(encoding="utf-8"))
    measured = _library_report(library, tmp_path / "index")
    now = measured.to_json()
    drops = [f"{k}: {now[k]:.4f} < recorded {recorded[k]:.4f} - {MARGIN}"
             for k in GATED if now[k] < recorded[k] - MARGIN]
    assert not drops, "\n".join([*drops, "", evaluate.format_report(measured, verbose=True)])
