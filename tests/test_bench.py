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
    # the engines are timed on the full build (500 passages); "citebot edited" on the version the edit left (501)
    assert report["passages"] == 500 and report["incremental_files_read"] == 1
    assert report["corpus"] == "synthetic, seed 0"  # not the name of the last engine built
    assert report["engines"]["citebot edited"]["note"] == "after the one-file edit: 501 passages"  # rebuilt whole
    for name in ("citebot", "citebot edited", "rank_bm25"):
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


def test_a_c_library_s_own_output_is_kept_out_of_the_report(capfd):
    """PISA's C++ code logs through file descriptors 1 and 2, past ``sys.stdout``: the bench silences them while
    it builds, so the report stays the only output, and gives them back after."""
    import os

    from bot.bench.run import _quiet

    with _quiet():
        os.write(1, b"[info] Number of terms\n")
        os.write(2, b"Create index: 1%\n")
    os.write(1, b"report\n")
    out, err = capfd.readouterr()
    assert out == "report\n" and err == ""


def test_pisa_is_timed_on_the_same_bags_of_words(tmp_path, capfd):
    """With the bench extra's pyterrier-pisa installed, PISA ranks the same bags of words, one query at a time,
    through its own retrieval call; the report stays the only output."""
    from types import SimpleNamespace

    import pytest

    pytest.importorskip("pyterrier_pisa", reason="the bench extra (pyterrier-pisa) is not installed")
    from bot.bench.run import interleaved, prepare_pisa

    bags = [["calcium", "deposit", f"w{i % 7}"] for i in range(200)]
    bm25 = SimpleNamespace(params=SimpleNamespace(k1=1.5, b=0.75))  # prepare_pisa reads only its parameters
    prepared = prepare_pisa(bags, [["calcium", "w3"], ["deposit"]] * 5, bm25, tmp_path)
    try:  # as the bench times it: built first, then timed taking turns (here alone), what it built removed after
        timing = prepared.timing(interleaved([prepared])[prepared.name])
    finally:
        prepared.close()
    assert timing.engine == "pisa" and timing.questions == 10 and timing.p50_ms > 0
    assert "block_max_wand" in timing.note
    assert capfd.readouterr().out == ""
    assert not (tmp_path / "pisa").exists()


def test_the_reindex_from_scratch_reads_every_file_of_a_kept_work_folder(tmp_path):
    """``--workdir`` keeps the corpus and index of an earlier run; the corpus is written again, byte for byte, and a
    plain reindex would reuse every file: the bench's "from scratch" must read them all again."""
    from bot.bench.run import run_reindex

    generate(tmp_path / "corpus", 200, questions=1)
    files = len(list((tmp_path / "corpus").rglob("*.md")))
    first = run_reindex(tmp_path / "corpus", tmp_path / "index")
    generate(tmp_path / "corpus", 200, questions=1)  # what a second run does with the folder
    again = run_reindex(tmp_path / "corpus", tmp_path / "index")
    assert first[2] == again[2] == files == 4


def test_engines_take_turns_so_a_slow_spell_falls_on_all_alike(monkeypatch):
    """Two identical engines on a machine that grows slower as the run goes on: timed one after the other, the
    second seems much slower than the first; taking turns (``interleaved``, here ten questions a turn), they come
    out alike. Each turn starts with three questions off the clock; ``switch`` runs before every turn."""
    from bot.bench import run as bench

    clock = [0.0]
    calls: list[str] = []
    switches: list[str] = []

    def engine(name):
        def search(item):
            calls.append(name)
            clock[0] += 1.0 + len(calls) / 100  # each call a little slower than the one before
        return bench.Prepared(name, search, list(range(50)), switch=lambda: switches.append(name))

    def gap(seconds):
        a, b = (sum(v) / len(v) for v in (seconds["a"], seconds["b"]))
        return abs(a - b) / min(a, b)

    monkeypatch.setattr(bench.time, "perf_counter", lambda: clock[0])
    one_after_other = {**bench.interleaved([engine("a")], rounds=1), **bench.interleaved([engine("b")], rounds=1)}
    assert gap(one_after_other) > 0.3
    calls.clear()
    switches.clear()
    clock[0] = 0.0
    taking_turns = bench.interleaved([engine("a"), engine("b")], rounds=1, turn=10)
    assert len(taking_turns["a"]) == len(taking_turns["b"]) == 50
    assert gap(taking_turns) < 0.05
    assert calls[:13] == ["a"] * 13 and calls[13:26] == ["b"] * 13 and calls[26:39] == ["b"] * 13  # who starts rotates
    assert switches[:4] == ["a", "b", "b", "a"] and len(switches) == 10
    assert len(bench.interleaved([engine("c")])["c"]) == 50 * bench.ROUNDS  # by default: whole loops, every round
