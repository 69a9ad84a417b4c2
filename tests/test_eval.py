"""citebot eval: scoring rules on a tiny synthetic question file, JSONL corpora and --beir."""

from __future__ import annotations

import json
import re

import pytest

from bot import beir, evaluate
from bot.cli import main
from bot.evaluate import EvalFileError, Item, hits, parse_items


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_hit_folds_case_and_space_and_needs_every_cite():
    item = Item(id="x", turns=("q",), expect=("Surgical   excision",), cites=(2, 4))
    assert hits("surgical\n excision remains the mainstay", (4, 2, 1), item)
    assert not hits("surgical excision remains the mainstay", (4,), item)
    assert not hits("excision", (2, 4), item)


def test_parse_items_kinds_and_errors():
    items = parse_items('{"id":"a","question":"q?","expect":["x"],"cites":[1]}\n'
                        '{"id":"b","question":"r?","answerable":false}\n'
                        '{"id":"c","turns":["q?","and?"],"expect":["y"]}\n')
    assert [i.kind for i in items] == ["question", "out-of-scope", "conversation"]
    with pytest.raises(EvalFileError, match="line 1"):
        parse_items('{"id":"a","question":"q?"}\n')
    with pytest.raises(EvalFileError, match="line 2"):
        parse_items('{"id":"a","question":"q?","expect":["x"]}\nnot json\n')


def test_eval_scores_a_synthetic_file(answerer, tmp_path):
    f = _write(tmp_path / "q.jsonl", [
        {"id": "hit", "question": "Is rituximab used for calcinosis?", "expect": ["Rituximab"], "cites": [1]},
        {"id": "wrongcite", "question": "Is rituximab used for calcinosis?", "expect": ["Rituximab"], "cites": [9]},
        {"id": "oos", "question": "Who won the football world cup in 2018?", "answerable": False},
        {"id": "conv", "turns": ["Which drugs are used to treat calcinosis?", "what about surgery?"],
         "expect": ["Surgical"]},
    ])
    report = evaluate.evaluate(answerer, evaluate.load_items(f))
    by_id = {o.item.id: o for o in report.outcomes}
    assert by_id["hit"].hit1 and not by_id["wrongcite"].hit3
    assert by_id["oos"].ok and not by_id["oos"].answered
    assert by_id["conv"].hit3
    assert report.n_answerable == 3 and report.hit1 == pytest.approx(2 / 3)
    assert report.declined == 1.0 and report.conversations_hit3 == 1.0
    text = evaluate.format_report(report, verbose=True)
    assert "Hit@1 0.667" in text and "wrongcite" in text


def test_eval_command(corpus_dir, index_dir, tmp_path, capsys):
    f = _write(tmp_path / "q.jsonl", [
        {"id": "a", "question": "Does diltiazem work for calcinosis?", "expect": ["Diltiazem"], "cites": [1]},
        {"id": "b", "question": "How do I reset my password?", "answerable": False},
    ])
    assert main(["eval", str(f), "--corpus", str(corpus_dir), "--index", str(index_dir), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["hit@1"] == 1.0 and out["declined"] == 1.0


def _tiny_beir(root):
    root.mkdir()
    docs = [
        {"_id": "d1", "title": "Aspirin and headache", "text": "Aspirin relieves tension headache in adults."},
        {"_id": "d2", "title": "Statins", "text": "Statins lower LDL cholesterol and cardiovascular risk."},
        {"_id": "d3", "title": "Vitamin D", "text": "Vitamin D supplements do not prevent fractures."},
        {"_id": "d4", "title": "Metformin", "text": "Metformin is first-line therapy for type 2 diabetes."},
    ]
    _write(root / "corpus.jsonl", docs)
    _write(root / "queries.jsonl", [{"_id": "1", "text": "statins reduce cholesterol"},
                                    {"_id": "2", "text": "vitamin D prevents fractures"},
                                    {"_id": "3", "text": "unjudged"}])
    (root / "qrels").mkdir()
    (root / "qrels" / "train.tsv").write_text("query-id\tcorpus-id\tscore\n1\td2\t1\n2\td3\t1\n", encoding="utf-8")
    return root


def test_beir_scores_a_tiny_folder(tmp_path, capsys):
    root = _tiny_beir(tmp_path / "bench")
    report = beir.evaluate(root, split="train", work=tmp_path)
    assert report.queries == 2 and report.documents == 4
    assert report.ndcg10 == pytest.approx(1.0) and report.recall100 == 1.0
    assert main(["eval", "--beir", str(root), "--split", "train"]) == 0
    assert "nDCG@10 1.0000" in capsys.readouterr().out


def test_ndcg_and_recall():
    assert beir.ndcg_at(["x", "a"], {"a": 1}) == pytest.approx(1 / 1.5849625)
    assert beir.recall_at(["a", "x"], {"a": 1, "b": 1}, 100) == 0.5


def test_jsonl_corpus_sources_and_ask_top(tmp_path, capsys):
    corpus = tmp_path / "c"
    corpus.mkdir()
    _tiny_beir(tmp_path / "b")
    (corpus / "docs.jsonl").write_text((tmp_path / "b" / "corpus.jsonl").read_text())
    argv = ["--corpus", str(corpus), "--index", str(tmp_path / "i")]
    assert main(["ask", "statins and LDL cholesterol", "--json", "--top", "2", "--no-abstain", *argv]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["passages"][0]["source"] == "docs.jsonl#d2" and len(out["passages"]) == 2


def test_missing_question_file_is_a_clear_error(corpus_dir, index_dir, tmp_path, capsys):
    code = main(["eval", str(tmp_path / "nope.jsonl"), "--corpus", str(corpus_dir), "--index", str(index_dir)])
    assert code == 2 and "cannot read the question file" in capsys.readouterr().err


# -- --corpus without --index, context off, list completeness ---------------------------------------

GOUT = """\
# Gout flares

## Acute flare treatment

First-line options for an acute gout flare:

- Colchicine, started early [2]
- Naproxen or another NSAID [2]

## References

1. Dalbeth N, et al. Gout. Lancet. 2021.
2. FitzGerald JD, et al. 2020 ACR guideline for the management of gout. Arthritis Care Res. 2020.
"""

LIST_ITEM = {"id": "list", "question": "What are the first-line options for an acute gout flare?",
             "expect": ["Colchicine, started early"], "cites": [2],
             "expect_all": ["colchicine,   STARTED early", "Naproxen or another NSAID", "Prednisolone for five days"]}
DECLINED_ITEM = {"id": "declined", "question": "How do I reset my password?", "expect": ["password"],
                 "expect_all": ["Colchicine"]}
CONVERSATION = {"id": "conv", "turns": ["What are the first-line options for an acute gout flare?", "and naproxen?"],
                "expect": ["Naproxen or another NSAID"]}


@pytest.fixture
def gout_corpus(tmp_path):
    """A one-article Markdown corpus whose only list has two items (three passages in all)."""
    d = tmp_path / "work" / "corpus"
    d.mkdir(parents=True)
    (d / "gout.md").write_text(GOUT, encoding="utf-8")
    return d


@pytest.fixture
def gout_answerer(gout_corpus, tmp_path):
    from bot.answer import Answerer
    from bot.indexer import open_fresh

    loaded, warning = open_fresh(gout_corpus, tmp_path / "gout-index")
    assert warning is None
    return Answerer(loaded)


def test_parse_items_reads_expect_all_and_stays_compatible():
    [plain, listed] = parse_items('{"id":"a","question":"q?","expect":["x"]}\n' + json.dumps(LIST_ITEM) + "\n")
    assert plain.expect_all == () and listed.expect_all == tuple(LIST_ITEM["expect_all"])
    with pytest.raises(EvalFileError, match="expect_all"):
        parse_items('{"id":"a","question":"q?","expect":["x"],"expect_all":"x"}\n')


def test_list_completeness_on_a_tiny_corpus(gout_answerer):
    report = evaluate.evaluate(gout_answerer, [Item(id="plain", turns=("What is colchicine?",), expect=("x",)),
                                               *parse_items(json.dumps(LIST_ITEM) + "\n" + json.dumps(DECLINED_ITEM))])
    by_id = {o.item.id: o for o in report.outcomes}
    assert by_id["plain"].completeness is None  # no expect_all: not in the mean
    assert by_id["list"].completeness == pytest.approx(2 / 3)  # case and spaces folded; the third is not there
    assert by_id["list"].missing == ("Prednisolone for five days",)
    assert not by_id["declined"].answered and by_id["declined"].completeness == 0.0  # declined scores 0
    assert report.n_expect_all == 2 and report.completeness == pytest.approx(1 / 3)
    out = report.to_json()
    assert out["expect_all"] == 2 and out["completeness"] == pytest.approx(0.3333)
    text = evaluate.format_report(report, verbose=True)
    assert "list completeness   2   0.333" in text
    assert "list [2/3 shown]" in text and "missing: Prednisolone for five days" in text
    assert "declined [0/1 shown]" in text


def test_completeness_is_judged_on_an_answer_at_the_default_top():
    """Hit@k asks five passages; list completeness asks again at the default top and judges that answer."""
    from bot.answer import DEFAULT_TOP
    from bot.model import Answer, Hit, Passage

    tops = []
    texts = ["Colchicine, started early", "Naproxen or another NSAID", "Prednisolone for five days", "Rest and ice", "Ice packs"]

    class Recorder:
        levels = None  # an Answerer's article/section levels: none here

        def ask(self, question, *, context=(), top=3, offset=0, abstain=True, **_):
            tops.append(top)
            hits = tuple(Hit(Passage(text=t, citations=(2,), article="Gout", section=(), source="g.md"), 1.0)
                         for t in texts[:top])
            return Answer(question=question, answered=True, hits=hits, references=())

    [item] = parse_items(json.dumps({**LIST_ITEM, "expect_all": texts[:4]}))
    report = evaluate.evaluate(Recorder(), [item])
    assert tops == [evaluate.DEPTH, DEFAULT_TOP] and DEFAULT_TOP == evaluate.SHOWN == 3
    assert report.outcomes[0].completeness == pytest.approx(3 / 4)
    assert report.outcomes[0].missing == ("Rest and ice",)


def test_shown_texts_prefers_blocks():
    from types import SimpleNamespace as NS

    hit = NS(passage=NS(text="a passage", citations=(1,)))
    block = NS(lead=NS(text="Options include:"), items=(NS(text="Colchicine, started early"),
                                                   NS(text="Naproxen or another NSAID")))
    bare = NS(lead=None, items=(NS(text="Prednisolone for five days"),))
    with_blocks = NS(answered=True, hits=(hit,), blocks=(block, bare))
    assert evaluate.shown_texts(with_blocks) == ["Options include:", "Colchicine, started early",
                                                 "Naproxen or another NSAID", "Prednisolone for five days"]
    assert evaluate.shown_texts(NS(answered=True, hits=(hit,) * 4, blocks=())) == ["a passage"] * 3
    [item] = parse_items(json.dumps(LIST_ITEM))
    assert evaluate.completeness(item, with_blocks) == 1.0
    assert evaluate.completeness(item, NS(answered=False, hits=(hit,), blocks=(block, bare))) == 0.0


def test_conversations_are_also_scored_with_context_off(gout_answerer):
    [conv] = parse_items(json.dumps(CONVERSATION))
    report = evaluate.evaluate(gout_answerer, [conv])
    assert len(report.context_off) == 1 and report.context_off[0].item is conv
    assert report.conversations_hit3_no_context in (0.0, 1.0)
    assert "conversations_hit@3_no_context" in report.to_json()
    assert "(context off: " in evaluate.format_report(report)
    assert evaluate.evaluate(gout_answerer, [conv], context_off=False).conversations_hit3_no_context is None


def test_context_off_asks_each_turn_on_its_own():
    """Whatever ``Conversation`` offers, the last turn is asked with no earlier turns as context."""
    asked = []

    class Recorder:
        levels = None  # an Answerer's article/section levels: none here

        def ask(self, question, *, context=(), top=3, offset=0, abstain=True, **_):
            from bot.model import Answer

            asked.append((question, tuple(context)))
            return Answer(question=question, answered=True, hits=(), references=())

    item = Item(id="c", turns=("first?", "second?", "third?"), expect=("x",))
    evaluate.ask_item(Recorder(), item, use_context=False)
    assert asked == [("first?", ()), ("second?", ()), ("third?", ())]
    asked.clear()
    evaluate.ask_item(Recorder(), item)
    assert asked[-1] == ("third?", ("first?", "second?"))


def _run_cli(*argv, cwd, env_extra=None):
    import os
    import subprocess
    import sys

    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "bot", *argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_eval_with_corpus_only_builds_a_temporary_index(gout_corpus, tmp_path):
    work = gout_corpus.parent  # the current directory of the command: ./corpus and no ./index
    _write(work / "q.jsonl", [LIST_ITEM, CONVERSATION, {"id": "oos", "question": "How do I reset my password?",
                                                        "answerable": False}])
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    done = _run_cli("eval", "q.jsonl", "--corpus", "corpus", cwd=work, env_extra={"TMPDIR": str(scratch)})
    assert done.returncode == 0, done.stderr
    assert not (work / "index").exists()
    assert sorted(p.name for p in work.iterdir()) == ["corpus", "q.jsonl"]
    assert list(scratch.iterdir()) == []  # the temporary index is removed afterwards
    assert re.search(r"^answerable +2 +Hit@1 [01]\.\d{3} +Hit@3 1\.000", done.stdout, re.M), done.stdout
    assert "out of scope      1   declined 1.000" in done.stdout
    assert "(context off: " in done.stdout
    assert "list completeness   1   0.667" in done.stdout
    done = _run_cli("eval", "q.jsonl", "--corpus", "corpus", "--json", cwd=work, env_extra={"TMPDIR": str(scratch)})
    out = json.loads(done.stdout)
    assert out["completeness"] == pytest.approx(0.6667) and "conversations_hit@3_no_context" in out
    assert not (work / "index").exists()


def test_eval_with_corpus_and_an_explicit_index_uses_it(gout_corpus, tmp_path, monkeypatch, capsys):
    work = gout_corpus.parent
    f = _write(work / "q.jsonl", [LIST_ITEM])
    assert main(["eval", str(f), "--corpus", str(gout_corpus), "--index", str(tmp_path / "mine")]) == 0
    assert (tmp_path / "mine").is_dir()
    monkeypatch.setenv("CITEBOT_INDEX", str(tmp_path / "from-env"))
    assert main(["eval", str(f), "--corpus", str(gout_corpus)]) == 0
    assert (tmp_path / "from-env").is_dir()
    assert "list completeness   1   0.667" in capsys.readouterr().out
