"""``tests/tuning.py``: the tuning sets it pools, how it counts them and what it reports as changed."""

from __future__ import annotations

import json

import pytest

from bot import evaluate
from tests import tuning


def _record(set_="s", id_="q1", kind="question", answered=True, rank=1, completeness=None):
    return {"set": set_, "pooled": True, "id": id_, "kind": kind, "answered": answered, "rank": rank,
            "completeness": completeness, "question": f"question {id_}"}


def test_the_eighteen_sets_are_pooled_and_the_two_reported_apart_are_not(shared_dir):
    if not (shared_dir / "eval" / "library" / "questions.jsonl").is_file():
        pytest.skip(f"{shared_dir}/eval is absent (the shared sets live beside the clone)")
    sets, missing = tuning.tuning_sets(shared_dir / "eval")
    assert not missing
    pooled = [s.name for s in sets if s.pooled]
    assert len(pooled) == 18 and len(set(pooled)) == 18
    assert {"dev_with_library"} | {f"conversations_28/{lib}" for lib in ("blind_library_7", "blind_library_8",
                                                                         "train_library_12", "train_library_13")} \
        | {f"conversations_31/{lib}" for lib in ("train_library_14", "train_library_15", "blind_library_18",
                                                 "blind_library_23")} == {s.name for s in sets if not s.pooled}
    assert all(s.questions.is_file() and s.corpus.is_dir() for s in sets)
    # each set's 48 conversations, each in the part of its own library, none twice
    for name in ("conversations_28", "conversations_31"):
        parts = [s for s in sets if s.items is not None and s.name.startswith(name + "/")]
        assert sum(len(s.items) for s in parts) == 48 == len({i.id for s in parts for i in s.items})


def test_without_the_shared_folder_its_sets_are_left_out_with_a_note(tmp_path):
    sets, missing = tuning.tuning_sets(tmp_path / "absent")
    names = {s.name for s in sets}
    assert not names & {"dev", "library", "blind_library_3", "dev_with_library"}
    assert {"heldout_a", "blind_library_23"} <= names
    assert len(missing) == 4 and all("is absent" in note for note in missing)


def test_counts_follow_the_scoring_rules():
    records = [_record(id_="a", rank=1), _record(id_="b", rank=3), _record(id_="c", rank=4),
               _record(id_="d", answered=False, rank=None),  # declined: it shows no passage
               _record(id_="e", kind="conversation", rank=2), _record(id_="f", kind="out-of-scope", answered=False,
                                                                      rank=None),
               _record(id_="g", kind="out-of-scope", answered=True, rank=None),
               _record(id_="h", rank=None, completeness=0.5)]
    c = tuning.counts(records)
    assert (c["answerable"], c["first"], c["three"]) == (6, 1, 3)
    assert (c["out_of_scope"], c["declined"]) == (2, 1)
    assert (c["conversations"], c["conversations_three"]) == (1, 1)
    assert (c["lists"], c["completeness"]) == (1, 0.5)


def test_changes_name_the_items_that_moved_and_only_those():
    before = [_record(id_="a", rank=1), _record(id_="b", rank=2), _record(id_="c", completeness=0.5),
              _record(id_="d", kind="out-of-scope", answered=False, rank=None)]
    before.append(_record(set_="t", id_="z", rank=3))
    after = [_record(id_="a", rank=1), _record(id_="b", answered=False, rank=None), _record(id_="c", completeness=1.0),
             _record(id_="d", kind="out-of-scope", answered=True, rank=None), _record(id_="e", rank=None)]
    lines = tuning.changes(before, after)
    assert [line.split(":")[0] for line in lines] == ["s b", "s c", "s d", "s e", "t z"]
    assert "2 -> -" in lines[0] and "list 0.5 -> 1.0" in lines[1] and "D -> a" in lines[2] and "new, x" in lines[3]
    assert "gone, was 3" in lines[4]


def test_a_set_is_asked_as_citebot_eval_asks_it(tmp_path):
    """Blind 23 (a tuning set: conversations, lists and out-of-scope items) counted here and by ``citebot eval``."""
    library = next(s for s in tuning.tuning_sets(tmp_path / "absent")[0] if s.name == "blind_library_23")
    records = tuning.outcomes(library, tmp_path / "work")
    json.dumps(records)  # what --save writes
    from bot.answer import Answerer
    from bot.indexer import open_fresh

    loaded, _ = open_fresh(library.corpus, tmp_path / "eval-index")
    try:
        report = evaluate.evaluate(Answerer(loaded), evaluate.load_items(library.questions))
        ranking = evaluate.evaluate(Answerer(loaded), evaluate.load_items(library.questions), abstain=False)
    finally:
        loaded.passages.close()
    ranked = tuning.counts(tuning.outcomes(library, tmp_path / "work", abstain=False))  # --ranking: --no-abstain's
    assert ranked["declined"] == 0 and ranked["first"] == round(ranking.hit1 * ranking.n_answerable)
    assert ranked["three"] == round(ranking.hit3 * ranking.n_answerable) > round(report.hit3 * report.n_answerable)
    c = tuning.counts(records)
    assert c["answerable"] == report.n_answerable and c["out_of_scope"] == report.n_out_of_scope
    assert c["conversations"] == report.n_conversations > 0 and c["lists"] == report.n_expect_all > 0
    assert c["first"] == round(report.hit1 * report.n_answerable)
    assert c["three"] == round(report.hit3 * report.n_answerable)
    assert c["declined"] == round(report.declined * report.n_out_of_scope)
    assert c["conversations_three"] == round(report.conversations_hit3 * report.n_conversations)
    assert c["completeness"] == pytest.approx(report.completeness * report.n_expect_all)
