"""`citebot bench` runs end to end and prints what it documents (numbers are not asserted)."""

from __future__ import annotations

import json

from bot.bench.synth import generate
from bot.cli import main

KEYS = {
    "corpus", "passages", "files", "terms", "questions", "reindex_seconds", "reindex_peak_rss_mb", "index_bytes",
    "load_seconds", "cold_ask_seconds", "incremental_reindex_seconds", "incremental_files_read", "answer_p50_ms",
    "bench_peak_rss_mb", "engines", "machine",
}


def test_bench_json_has_the_documented_keys(capsys):
    assert main(["bench", "--passages", "500", "--questions", "20", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert KEYS <= report.keys()
    assert report["passages"] == 501 and report["incremental_files_read"] == 1  # one bullet added by the edit
    for name in ("citebot", "rank_bm25"):
        e = report["engines"][name]
        assert {"p50_ms", "p99_ms", "qps", "questions"} <= e.keys() and e["questions"] == 20
    worst = float(report["engines"]["rank_bm25"]["note"].rsplit(" ", 1)[1])  # "... differs ... by at most 3.6e-15"
    assert worst < 1e-9
    bm25s = report["engines"]["bm25s"]
    assert "p50_ms" in bm25s or bm25s == {"skipped": "bm25s not installed"}


def test_bench_table_on_a_beir_folder(tmp_path, capsys):
    beir = tmp_path / "beir"
    beir.mkdir()
    docs = [{"_id": str(i), "title": f"Study {i}", "text": f"calcium {i} deposit in skin and joints"} for i in range(50)]
    (beir / "corpus.jsonl").write_text("\n".join(map(json.dumps, docs)), encoding="utf-8")
    (beir / "queries.jsonl").write_text(json.dumps({"_id": "q1", "text": "calcium in joints"}), encoding="utf-8")
    assert main(["bench", "--beir", str(beir), "--no-baselines"]) == 0
    out = capsys.readouterr().out
    assert "50 passages" in out and "n/a (one file)" in out and "citebot" in out


def test_synthetic_corpus_is_deterministic(tmp_path):
    a = generate(tmp_path / "a", 120, seed=7, questions=5)
    b = generate(tmp_path / "b", 120, seed=7, questions=5)
    assert a.questions == b.questions and a.articles == 3
    for f in sorted((tmp_path / "a").rglob("*.md")):
        assert f.read_bytes() == (tmp_path / "b" / f.relative_to(tmp_path / "a")).read_bytes()


def test_bench_rejects_both_sources(capsys):
    assert main(["bench", "--passages", "100", "--beir", "x"]) == 2
    assert "either" in capsys.readouterr().err
