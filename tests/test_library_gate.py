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


def _asked(corpus: Path, items, index: Path, abstain: bool = True, context_off: bool = True) -> evaluate.Report:
    """``items`` asked as ``citebot eval`` asks them, of ``corpus`` indexed in ``index`` (``abstain=False``: ranking
    alone, as ``--no-abstain``; ``context_off=False``: conversations not asked again without their context)."""
    from bot.answer import Answerer
    from bot.indexer import open_fresh

    loaded, warning = open_fresh(corpus, index)
    assert warning is None, warning
    try:
        return evaluate.evaluate(Answerer(loaded), items, abstain=abstain, context_off=context_off)
    finally:
        loaded.passages.close()


def _report(folder: Path, index: Path, abstain: bool = True) -> evaluate.Report:
    """``folder/questions.jsonl`` asked of ``folder/corpus`` (``_asked``)."""
    return _asked(folder / "corpus", evaluate.load_items(folder / "questions.jsonl"), index, abstain)


def _drops(now: dict, recorded: dict, gated=GATED) -> list[str]:
    """The ``gated`` numbers of ``now`` more than ``MARGIN`` below ``recorded``'s."""
    return [f"{k}: {now[k]:.4f} < recorded {recorded[k]:.4f} - {MARGIN}"
            for k in gated if now[k] < recorded[k] - MARGIN]


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
    measured = _report(library, tmp_path / "index")
    drops = _drops(measured.to_json(), recorded)
    assert not drops, "\n".join([*drops, "", evaluate.format_report(measured, verbose=True)])


# dev.jsonl on the bundled article alone and among the shared library's articles (issue 10 asks for both).
DEV_SCORES = Path(__file__).parent / "data" / "dev_scores.json"
DEV_GATED = {"seed": ("hit@1", "hit@3", "declined", "conversations_hit@3"),
             "library": ("hit@1", "hit@3", "conversations_hit@3")}  # the library answers some out-of-scope items


def test_dev_set_regression_gate(shared_dir, tmp_path):
    dev = shared_dir / "eval" / "dev.jsonl"
    library = shared_dir / "eval" / "library" / "corpus"
    if not dev.is_file() or not library.is_dir():
        pytest.skip(f"{dev} or {library} is absent (the dev set lives beside the clone, in ../shared/eval)")
    recorded = json.loads(DEV_SCORES.read_text(encoding="utf-8"))
    seed = Path(__file__).resolve().parents[1] / "corpus"
    drops = []
    for name, corpus in (("seed", seed), ("library", library)):
        measured = _asked(corpus, evaluate.load_items(dev), tmp_path / name).to_json()
        drops += [f"{name} {d}" for d in _drops(measured, recorded[name], DEV_GATED[name])]
    assert not drops, "\n".join(drops)


# The libraries shipped in tests/data (written by helpers who never saw the code; tuning sets once run), pooled:
# a change that helps the shared library by hurting libraries written by others is caught here, and this gate
# needs no ../shared. Blind sets 9 to 11 are not gated: they were run once and never tuned on; 16 to 18 were run once
# and are tuning sets since.
DATA = Path(__file__).parent / "data"
REPOSITORY_SETS = (tuple(f"blind_library_{i}" for i in range(4, 9)) + tuple(f"train_library_{i}" for i in range(12, 16))
                   + tuple(f"blind_library_{i}" for i in range(16, 19)))
REPOSITORY_SCORES = DATA / "repository_libraries_scores.json"


def _pooled(reports) -> evaluate.Report:
    """One report over every item of ``reports`` (a list: it is read twice)."""
    return evaluate.Report(outcomes=tuple(o for r in reports for o in r.outcomes),
                           context_off=tuple(o for r in reports for o in r.context_off))


def pooled_report(index_root: Path, abstain: bool = True) -> evaluate.Report:
    """Every item of ``REPOSITORY_SETS`` asked as ``citebot eval`` asks it, one report over all of them."""
    return _pooled([_report(DATA / name, index_root / name, abstain) for name in REPOSITORY_SETS])


def test_repository_libraries_regression_gate(tmp_path):
    recorded = json.loads(REPOSITORY_SCORES.read_text(encoding="utf-8"))
    assert recorded["sets"] == list(REPOSITORY_SETS), "re-record after changing the gated sets"
    drops = _drops(pooled_report(tmp_path).to_json(), recorded)
    assert not drops, "\n".join(drops)


# The same libraries as one library: a team's library holds dozens of articles on neighbouring topics, and what
# tells a short word's meaning apart, which article a question is about and how rare its words are all change with
# the library's size. Every gated set's articles (72) in one index, each set's questions asked of it. Out-of-scope
# items are not gated here: another set's article may answer them ("colchicine dose for an acute gout flare").
ONE_LIBRARY_SCORES = DATA / "one_library_scores.json"
ONE_LIBRARY_GATED = ("hit@1", "hit@3", "conversations_hit@3", "completeness")


def copy_articles(names, corpus: Path) -> None:
    """The articles of the sets ``names`` (folders of ``tests/data``) copied into one ``corpus``, each named after its
    set too: two sets may both hold a "gout.md"."""
    import shutil

    corpus.mkdir(parents=True, exist_ok=True)
    for name in names:
        for article in sorted((DATA / name / "corpus").iterdir()):
            shutil.copyfile(article, corpus / f"{name}__{article.name}")


def one_library_report(root: Path, abstain: bool = True) -> evaluate.Report:
    """Every item of ``REPOSITORY_SETS`` asked of one index of all their articles (built under ``root``)."""
    from bot.answer import Answerer
    from bot.indexer import open_fresh

    corpus = root / "corpus"
    copy_articles(REPOSITORY_SETS, corpus)
    loaded, warning = open_fresh(corpus, root / "index")
    assert warning is None, warning
    try:
        answerer = Answerer(loaded)
        return _pooled([evaluate.evaluate(answerer, evaluate.load_items(DATA / name / "questions.jsonl"),
                                          abstain=abstain) for name in REPOSITORY_SETS])
    finally:
        loaded.passages.close()


def test_the_libraries_as_one_library_regression_gate(tmp_path):
    recorded = json.loads(ONE_LIBRARY_SCORES.read_text(encoding="utf-8"))
    assert recorded["sets"] == list(REPOSITORY_SETS), "re-record after changing the gated sets"
    drops = _drops(one_library_report(tmp_path).to_json(), recorded, ONE_LIBRARY_GATED)
    assert not drops, "\n".join(drops)


# Conversations over four of those libraries each, written by helpers who read only the articles: 48 threads of two or
# three turns a set — a detail asked, a fact about the patient added, a pronoun, a switch to a neighbouring article;
# tuning sets since each was first scored. ``conversations_28`` (sixteenth session) is over train 12 and 13, blind 7
# and 8; ``conversations_31`` (twenty-first) over train 14 and 15, blind 18 and 23. Each item names its library; each is
# asked of that library's own index. Conversations are where the libraries nobody tuned on score lowest.
CONVERSATION_SETS = ("conversations_28", "conversations_31")
CONVERSATIONS_GATED = ("hit@1", "hit@3", "mrr@5")


def conversations_by_library(name: str = "conversations_28") -> dict[str, list]:
    """The items of conversation set ``name`` by the library each names (``evaluate.Item``s), in the file's order."""
    path = DATA / name / "questions.jsonl"
    by_library: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            by_library.setdefault(json.loads(line)["library"], []).append(line)
    return {library: evaluate.parse_items("\n".join(lines), source=str(path))
            for library, lines in by_library.items()}


def conversations_report(root: Path, abstain: bool = True, name: str = "conversations_28") -> evaluate.Report:
    """Every conversation of set ``name`` asked of its own library's index (built under ``root``)."""
    return _pooled([_asked(DATA / library / "corpus", items, root / library, abstain)
                    for library, items in conversations_by_library(name).items()])


@pytest.mark.parametrize("name", CONVERSATION_SETS)
def test_conversations_regression_gate(tmp_path, name):
    recorded = json.loads((DATA / f"{name}_scores.json").read_text(encoding="utf-8"))
    assert name in recorded["command"] and recorded["note"]
    drops = _drops(conversations_report(tmp_path, name=name).to_json(), recorded, CONVERSATIONS_GATED)
    assert not drops, "\n".join(drops)


if __name__ == "__main__":  # python -m tests.test_library_gate [--no-abstain] [--one-library | --conversations [NAME]]
    import sys
    import tempfile

    args = sys.argv[1:]
    if "--conversations" in args:
        at = args.index("--conversations") + 1
        name = args[at] if at < len(args) and not args[at].startswith("-") else "conversations_28"

        def report(root, abstain):
            return conversations_report(root, abstain, name)
    else:
        report = one_library_report if "--one-library" in args else pooled_report
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(report(Path(tmp), abstain="--no-abstain" not in args).to_json()))
