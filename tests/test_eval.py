"""citebot eval: scoring rules on a tiny synthetic question file, JSONL corpora and --beir."""

from __future__ import annotations

import json

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
