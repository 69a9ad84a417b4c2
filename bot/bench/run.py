"""Run the benchmark: reindex, load, cold ``ask`` and per-question times, next to rank-bm25 and bm25s.

Everything is measured in one run on the same passages and questions. Reindex runs the real command
(``python -m bot reindex``) as a child process, so its wall time and peak memory (the child's
``ru_maxrss``, from ``os.wait4``) are those a user sees; the cold ``ask`` is a fresh process too.
Questions are tokenised once with the index's tokenizer; each engine is then timed on ranking the
top 10 passages for those token lists:

* ``citebot``: ``BM25Index.top(tokens, 10)`` on the loaded (memory-mapped) index of the full build, which every
  other engine is built from too; ``citebot edited`` on the version the one-file edit then leaves (in segments);
* ``rank_bm25``: ``BM25Plus.get_scores`` (the plain Python loop that defines the scores) + top 10;
* ``bm25s``: ``BM25.get_scores`` (sparse matrices, method "bm25+") + top 10, when bm25s is installed.

The baselines are given the index's own passages as bags of words rebuilt from its forward index, so
all three score identical token multisets (rank-bm25's scores are checked against ours on the way).
With the bench extra, bm25s's numba ``retrieve()``, tantivy and PISA are timed too. Every engine is built
first, then all are timed taking turns (``interleaved``): each answers every question in one loop, three
rounds, who goes first rotating, so that this shared machine's changes of speed within a run fall on all of
them alike; rank-bm25, a sample, is timed apart.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

TOP_K = 10
EDITED = "citebot edited"  # citebot on the version the one-file edit left (segments), the kernel on when installed
# the report's order
ENGINES = ("citebot", "citebot numba", EDITED, "rank_bm25", "bm25s", "bm25s numba", "tantivy", "pisa")


@dataclass(frozen=True)
class Timing:
    engine: str
    questions: int  # how many questions were timed
    p50_ms: float
    p99_ms: float
    qps: float
    build_seconds: float | None = None
    note: str = ""

    @classmethod
    def of(cls, engine: str, seconds: list[float], questions: int | None = None, **kw) -> "Timing":
        """``questions``: how many distinct questions ``seconds`` times (each may be timed in several rounds)."""
        a = np.asarray(seconds) * 1000
        return cls(engine=engine, questions=len(a) if questions is None else questions, p50_ms=float(np.percentile(a, 50)),
                   p99_ms=float(np.percentile(a, 99)), qps=float(len(a) / (a.sum() / 1000)), **kw)


@dataclass(frozen=True)
class Report:
    corpus: str
    passages: int
    files: int
    terms: int
    questions: int
    reindex_seconds: float
    reindex_peak_rss_mb: float
    index_bytes: int
    load_seconds: float
    cold_ask_seconds: float
    incremental_reindex_seconds: float | None
    incremental_files_read: int | None
    answer_p50_ms: float
    bench_peak_rss_mb: float
    answer_numba_p50_ms: float | None = None  # the full answer with the compiled top-k (kernel.py), when installed
    reindex_files_read: int | None = None  # files the from-scratch reindex read: every one
    engines: dict[str, dict] = field(default_factory=dict)  # engine -> Timing fields, or {"skipped": why}
    machine: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram, "python": platform.python_version(),
            "numpy": np.__version__, "os": platform.platform(terse=True)}


def _rss_mb(kb: int) -> float:
    return round(kb / 1024, 1)  # Linux reports ru_maxrss in KiB


def _citebot(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot", *args]


def run_reindex(corpus_dir: Path, index_dir: Path) -> tuple[float, float, int | None]:
    """``citebot reindex --full`` in a child process: (wall seconds, peak RSS MiB, files it read). ``--full``: a
    ``--workdir`` kept from an earlier run holds an index, which a plain reindex would reuse (the corpus is written
    again, the same bytes: each file's hash matches)."""
    with tempfile.TemporaryFile() as out:  # a file, not a pipe: stderr is read to its end while stdout may fill
        t0 = time.perf_counter()
        proc = subprocess.Popen(_citebot("reindex", "--full", "--corpus", str(corpus_dir), "--index", str(index_dir)),
                                stdout=out, stderr=subprocess.PIPE)
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - t0
        out.seek(0)
        said = out.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"citebot reindex failed ({proc.returncode}): {err.decode(errors='replace')}")
    read = re.search(r"\(([\d,]+) read", said)  # "indexed … in 51.80 s (20,000 read by 2 processes) → …"
    return seconds, _rss_mb(usage.ru_maxrss), int(read.group(1).replace(",", "")) if read else None


def cold_ask(corpus_dir: Path, index_dir: Path, question: str, repeat: int = 3) -> float:
    """Median wall time of a fresh ``citebot ask`` process (start, index load, answer)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(_citebot("ask", "--corpus", str(corpus_dir), "--index", str(index_dir), question),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def bags_of_words(bm25) -> list[list[str]]:
    """Each passage's tokens (as a multiset, order lost) from the forward index."""
    terms = bm25.terms
    counts, ft, ff = bm25.forward(0, bm25.n_docs)  # (an index in segments reads each segment's part)
    ptr = np.r_[0, np.cumsum(counts)]
    out = []
    for d in range(bm25.n_docs):
        s, e = int(ptr[d]), int(ptr[d + 1])
        bag: list[str] = []
        for t, n in zip(ft[s:e].tolist(), ff[s:e].tolist()):
            bag += [terms[t]] * n
        out.append(bag)
    return out


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    cut = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return cut[np.argsort(-scores[cut], kind="stable")]


@dataclass
class Prepared:
    """An engine built and ready to be timed: ``search(item)`` ranks one question (``items``: the questions in the
    form it takes them); ``switch()`` puts process-wide state in place before each of its turns, off the clock
    (the numba kernel on or off); ``close()`` removes what it built."""

    name: str
    search: Callable
    items: list
    build_seconds: float | None = None
    note: str = ""
    switch: Callable | None = None
    close: Callable | None = None

    def timing(self, seconds: list[float]) -> Timing:
        return Timing.of(self.name, seconds, build_seconds=self.build_seconds, note=self.note,
                         questions=len(self.items))


ROUNDS = 3  # times each engine answers every question when engines take turns (``interleaved``)


def interleaved(engines: list[Prepared], rounds: int = ROUNDS, turn: int | None = None) -> dict[str, list[float]]:
    """Seconds per question for each engine, the engines taking turns: ``turn`` questions each (all of them by
    default, in one loop, as each engine is timed at its best), after three warm-up calls off the clock, for
    ``rounds`` rounds, who goes first rotating. This shared machine's speed drifts within a run as well as between
    runs (one engine's p50 by up to 1.6× from one run to the next): timed once, one engine after another, a slow
    spell fell on whichever engine it met; taking turns, it falls on all of them alike, so the ratios hold."""
    seconds: dict[str, list[float]] = {e.name: [] for e in engines}
    n = len(engines)
    count = min((len(e.items) for e in engines), default=0)
    turn = turn or count or 1
    starts = [start for _ in range(rounds) for start in range(0, count, turn)]
    for k, start in enumerate(starts):
        for e in engines[k % n:] + engines[: k % n]:
            if e.switch:
                e.switch()
            batch = e.items[start : start + turn]
            for item in batch[:3]:
                e.search(item)
            for item in batch:
                t0 = time.perf_counter()
                e.search(item)
                seconds[e.name].append(time.perf_counter() - t0)
    return seconds


def prepare_citebot(bm25, queries: list[list[str]], name: str = "citebot", switch=None) -> Prepared:
    return Prepared(name, lambda q: bm25.top(q, TOP_K), queries, switch=switch)


def time_rank_bm25(bags, queries, bm25, limit: int) -> Timing:
    from rank_bm25 import BM25Plus

    p = bm25.params
    t0 = time.perf_counter()
    oracle = BM25Plus(bags, k1=p.k1, b=p.b, delta=p.delta)
    build = time.perf_counter() - t0
    sample = queries[:limit]
    seconds, worst = [], 0.0
    for q in sample:
        t0 = time.perf_counter()
        scores = oracle.get_scores(q)
        _top(scores, TOP_K)
        seconds.append(time.perf_counter() - t0)
        ours = bm25.top(q, 1)[0][1]
        worst = max(worst, abs(float(scores.max()) - ours))
    note = f"{len(sample)} of {len(queries)} questions; best score differs from citebot's by at most {worst:.1e}"
    return Timing.of("rank_bm25", seconds, build_seconds=build, note=note)


def _bm25s(bags, bm25, **kw):
    """A bm25s retriever over ``bags`` with citebot's parameters, and the seconds its index took."""
    import logging

    import bm25s

    logging.getLogger("bm25s").setLevel(logging.ERROR)
    p = bm25.params
    t0 = time.perf_counter()
    retriever = bm25s.BM25(method="bm25+", k1=p.k1, b=p.b, delta=p.delta, **kw)
    retriever.index(bags, show_progress=False)
    return retriever, time.perf_counter() - t0


def prepare_bm25s(bags, queries, bm25) -> Prepared | dict:
    try:
        import bm25s
    except ImportError:
        return {"skipped": "bm25s not installed"}
    retriever, build = _bm25s(bags, bm25)
    return Prepared("bm25s", lambda q: _top(retriever.get_scores(q), TOP_K), queries, build_seconds=build,
                    note=f"bm25s {bm25s.__version__}, float32 scores")


def prepare_bm25s_numba(bags, queries, bm25) -> Prepared | dict:
    """bm25s at its fastest: ``retrieve()`` with the numba backend (``pip install -e '.[bench]'``)."""
    try:
        import bm25s
        import numba  # noqa: F401
    except ImportError:
        return {"skipped": "bm25s or numba not installed (pip install -e '.[bench]')"}
    retriever, build = _bm25s(bags, bm25, backend="numba")
    vocab = retriever.vocab_dict
    ids = [[vocab[t] for t in q if t in vocab] or [0] for q in queries]
    return Prepared("bm25s numba", lambda q: retriever.retrieve([q], k=TOP_K, show_progress=False, n_threads=1),
                    ids, build_seconds=build, note=f"bm25s {bm25s.__version__} retrieve(), numba backend, one thread")


def prepare_tantivy(bags, queries, work: Path) -> Prepared | dict:
    """tantivy (Rust, block-max WAND) through its Python bindings, on the same stems (its own BM25:
    Okapi, k1 1.2, b 0.75, so scores differ; the timing is the point)."""
    try:
        import tantivy
    except ImportError:
        return {"skipped": "tantivy not installed (pip install -e '.[bench]')"}
    folder = work / "tantivy"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("body", stored=False, tokenizer_name="whitespace")
    schema = sb.build()
    t0 = time.perf_counter()
    index = tantivy.Index(schema, path=str(folder))
    writer = index.writer(heap_size=512_000_000, num_threads=1)
    for bag in bags:
        writer.add_document(tantivy.Document(body=" ".join(bag)))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    build = time.perf_counter() - t0
    searcher = index.searcher()
    term_queries = [tantivy.Query.boolean_query(
        [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "body", t)) for t in dict.fromkeys(q)])
        for q in queries]
    size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
    return Prepared("tantivy", lambda q: searcher.search(q, TOP_K), term_queries, build_seconds=build,
                    note=f"tantivy {getattr(tantivy, '__version__', '')}, index {size / 1e6:,.1f} MB, one thread",
                    close=lambda: shutil.rmtree(folder, ignore_errors=True))


@contextlib.contextmanager
def _quiet():
    """Standard output and error (file descriptors 1 and 2) sent to /dev/null meanwhile: a C++ library's log and
    progress lines bypass ``sys.stdout`` and ``sys.stderr``, and the report must stay the only output."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            os.dup2(null.fileno(), 2)
            yield
    finally:
        for fd, copy in zip((1, 2), saved):
            os.dup2(copy, fd)
            os.close(copy)


def prepare_pisa(bags, queries, bm25, work: Path) -> Prepared | dict:
    """PISA (C++, through ``pyterrier-pisa``): its block-max WAND over block_simdbp postings, built from the same
    bags of words (stemmer off, term counts as given), BM25 with citebot's k1 and b (Okapi, no δ: scores
    differ, the timing is the point). Timed through its retrieval call itself, one query and one thread at a
    time, not through PyTerrier's data frames."""
    try:
        import pyterrier_pisa
        from pyterrier_pisa import PisaIndex, _pisathon
    except Exception as e:  # ImportError, or PyTerrier failing to start
        return {"skipped": f"pyterrier-pisa not usable (pip install -e '.[bench]'): {type(e).__name__}"}
    from collections import Counter

    folder = work / "pisa"
    shutil.rmtree(folder, ignore_errors=True)
    p = bm25.params
    t0 = time.perf_counter()
    with _quiet():  # PISA's C++ log and progress lines
        index = PisaIndex(str(folder), stemmer="none", threads=1, overwrite=True)
        index.toks_indexer(scale=1.0).index({"docno": str(i), "toks": Counter(bag)} for i, bag in enumerate(bags))
        retriever = index.bm25(k1=p.k1, b=p.b, num_results=TOP_K, threads=1)
    build = time.perf_counter() - t0
    algorithm = retriever.query_algorithm.value
    ranks, scores = np.empty(TOP_K, dtype=np.int32), np.empty(TOP_K, dtype=np.float32)
    qidx, docnos = np.empty(TOP_K, dtype=np.int32), np.empty(TOP_K, dtype=object)

    def search(q):
        return _pisathon.retrieve(retriever._ctxt, algorithm, [(0, {t: 1.0 for t in q})], k=TOP_K, threads=1,
                                  query_weighted=0, pretokenised=True, result_qidxs=qidx, result_docnos=docnos,
                                  result_ranks=ranks, result_scores=scores)

    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    return Prepared("pisa", search, queries, build_seconds=build,
                    note=f"pyterrier-pisa {getattr(pyterrier_pisa, '__version__', '')}, {algorithm}, index "
                         f"{size / 1e6:,.1f} MB, one thread", close=lambda: shutil.rmtree(folder, ignore_errors=True))


def _edit_one_article(corpus_dir: Path) -> Path | None:
    files = sorted(p for p in corpus_dir.rglob("*.md"))
    if len(files) < 2:
        return None
    target = files[len(files) // 2]
    text = target.read_text(encoding="utf-8")
    head, sep, tail = text.partition("\n## References")
    target.write_text(head.rstrip("\n") + "\n- An edited bullet about allopurinol dosing [1]\n\n" + sep.lstrip("\n")
                      + tail, encoding="utf-8")
    return target


def _beir_corpus(beir: Path, corpus_dir: Path) -> list[str]:
    corpus_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(beir / "corpus.jsonl", corpus_dir / "corpus.jsonl")
    questions = []
    with open(beir / "queries.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                questions.append(json.loads(line)["text"])
    return questions


def run(*, passages: int | None = None, beir: Path | None = None, questions: int = 200, seed: int = 0,
        workdir: Path | None = None, baseline_questions: int | None = None, baselines: bool = True,
        log=lambda msg: None) -> Report:
    from ..answer import Answerer
    from ..indexer import reindex
    from ..store import load
    from ..tokenize import Tokenizer

    own_dir = workdir is None
    work = Path(tempfile.mkdtemp(prefix="citebot-bench-")) if own_dir else Path(workdir)
    try:
        corpus_dir, index_dir = work / "corpus", work / "index"
        if beir is not None:
            texts = _beir_corpus(Path(beir), corpus_dir)
            name = f"BEIR {Path(beir).name}"
        else:
            from .synth import generate

            log(f"generating {passages:,} synthetic passages")
            texts = list(generate(corpus_dir, passages, seed=seed, questions=questions).questions)
            name = f"synthetic, seed {seed}"
        log("reindex (child process)")
        reindex_s, reindex_mb, reindex_read = run_reindex(corpus_dir, index_dir)
        tok = Tokenizer()
        t0 = time.perf_counter()
        loaded = load(index_dir, tokenizer=tok.settings)  # the full build: what every other engine is timed on
        load_s = time.perf_counter() - t0
        manifest = loaded.manifest
        index_bytes = sum(f.stat().st_size for f in loaded.folder.rglob("*") if f.is_file())
        log("cold ask (child processes)")
        cold_s = cold_ask(corpus_dir, index_dir, texts[0])
        inc_s = inc_read = edited_index = None
        edited = _edit_one_article(corpus_dir)
        if edited is not None:  # the full build stays loaded and answering (its version is kept, its files open)
            log(f"incremental reindex after editing {edited.name}")
            stats = reindex(corpus_dir, index_dir)
            inc_s, inc_read = stats.seconds, stats.files_read
            edited_index = load(index_dir, tokenizer=tok.settings)
        bm25 = loaded.bm25
        queries = [tok(t) for t in texts]
        from .. import kernel

        kernel.disable()

        def answer_p50() -> float:
            # a new answerer for each pass: the kept passages and article counts of the pass before would make the
            # second pass's questions ones already asked (the compiled pass: 1.21 ms that way, 1.44 ms this way at 100k)
            answerer = Answerer(loaded, tokenizer=tok)
            for t in texts[:3]:
                answerer.ask(t)
            ans = []
            for t in texts[:200]:
                t0 = time.perf_counter()
                answerer.ask(t)
                ans.append(time.perf_counter() - t0)
            return float(np.percentile(np.asarray(ans) * 1000, 50))

        log("whole answers")
        answer_ms = answer_p50()
        answer_numba_ms = None
        types = bm25.count_types
        compiled = kernel.enable(types)
        if compiled:
            answer_numba_ms = answer_p50()
        kernel.disable()
        prepared = [prepare_citebot(bm25, queries, switch=kernel.disable)]
        others: dict[str, dict] = {}  # engines timed apart (rank_bm25, sampled) or skipped, by name
        if compiled:
            prepared.append(prepare_citebot(bm25, queries, "citebot numba", switch=lambda: kernel.enable(types)))
        else:
            others["citebot numba"] = {"skipped": "numba not installed (pip install -e '.[speed]')"}
        if edited_index is not None:  # after the one-file edit: the version an edit leaves, in segments
            e_types = edited_index.bm25.count_types
            on = (lambda: kernel.enable(e_types)) if compiled else kernel.disable
            eb = edited_index.bm25
            held = f"{eb.n_docs:,} passages" + (f" in {len(eb.segments)} segments" if hasattr(eb, "segments") else "")
            prepared.append(replace(prepare_citebot(eb, queries, EDITED, switch=on),
                                    note=f"after the one-file edit: {held}"))
        try:
            if baselines:
                log("rebuilding bags of words for the baselines")
                bags = bags_of_words(bm25)
                limit = baseline_questions or (len(queries) if bm25.n_docs <= 20_000 else max(5, 2_000_000 // bm25.n_docs))
                log("rank_bm25")  # its 0.1–2 s a question: a sample, timed by itself
                others["rank_bm25"] = asdict(time_rank_bm25(bags, queries, bm25, limit))
                for engine, make in (("bm25s", lambda: prepare_bm25s(bags, queries, bm25)),
                                     ("bm25s numba", lambda: prepare_bm25s_numba(bags, queries, bm25)),
                                     ("tantivy", lambda: prepare_tantivy(bags, queries, work)),
                                     ("pisa", lambda: prepare_pisa(bags, queries, bm25, work))):
                    log(f"building {engine}")
                    got = make()
                    if isinstance(got, dict):
                        others[engine] = got
                    else:
                        prepared.append(got)
                del bags
            else:
                others.update({engine: {"skipped": "--no-baselines"}
                               for engine in ("rank_bm25", "bm25s", "bm25s numba", "tantivy", "pisa")})
            log(f"timing {len(queries)} questions, the engines taking turns")
            seconds = interleaved(prepared)
        finally:
            kernel.disable()
            for e in prepared:
                if e.close:
                    e.close()
        timed = {e.name: asdict(e.timing(seconds[e.name])) for e in prepared}
        engines = {e: timed.get(e) or others[e] for e in ENGINES if e in timed or e in others}
        loaded.passages.close()
        if edited_index is not None:
            edited_index.passages.close()
        return Report(
            corpus=name, passages=bm25.n_docs, files=manifest["counts"]["files"], terms=len(bm25.terms),
            questions=len(queries), reindex_seconds=reindex_s, reindex_peak_rss_mb=reindex_mb,
            reindex_files_read=reindex_read,
            index_bytes=index_bytes, load_seconds=load_s, cold_ask_seconds=cold_s,
            incremental_reindex_seconds=inc_s, incremental_files_read=inc_read,
            answer_p50_ms=answer_ms, answer_numba_p50_ms=answer_numba_ms,
            bench_peak_rss_mb=_rss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss),
            engines=engines, machine=machine(),
        )
    finally:
        if own_dir:
            shutil.rmtree(work, ignore_errors=True)


def table(r: Report) -> str:
    """The report as a plain-text table (what ``citebot bench`` prints without --json)."""
    rows = [
        ("corpus", f"{r.corpus}: {r.passages:,} passages, {r.files:,} files, {r.terms:,} terms"),
        ("reindex from scratch", f"{r.reindex_seconds:.2f} s, peak memory {r.reindex_peak_rss_mb:,.0f} MiB, "
                                 f"{r.reindex_files_read} file(s) read"),
        ("reindex after editing one file",
         "n/a (one file)" if r.incremental_reindex_seconds is None
         else f"{r.incremental_reindex_seconds:.2f} s, {r.incremental_files_read} file(s) read"),
        ("index size", f"{r.index_bytes / 1e6:,.1f} MB"),
        ("index load", f"{r.load_seconds * 1000:.0f} ms"),
        ("cold `citebot ask`", f"{r.cold_ask_seconds:.2f} s"),
        ("full answer (tokenise, rank, passages), p50", f"{r.answer_p50_ms:.2f} ms"
         + ("" if r.answer_numba_p50_ms is None else f"; {r.answer_numba_p50_ms:.2f} ms with the numba top-k")),
        ("bench process peak memory", f"{r.bench_peak_rss_mb:,.0f} MiB"),
    ]
    w = max(len(k) for k, _ in rows)
    out = [f"{k:<{w}}  {v}" for k, v in rows]
    out.append("")
    out.append(f"{'top-10 per question':<12}  {'p50 ms':>9}  {'p99 ms':>9}  {'q/s':>9}  {'build s':>8}  timed")
    for name, e in r.engines.items():
        if "skipped" in e:
            out.append(f"{name:<19}  {e['skipped']}")
            continue
        build = "" if e.get("build_seconds") is None else f"{e['build_seconds']:.1f}"
        out.append(f"{name:<19}  {e['p50_ms']:>9.3f}  {e['p99_ms']:>9.3f}  {e['qps']:>9,.0f}  {build:>8}  "
                   f"{e['questions']}" + (f" ({e['note']})" if e.get("note") else ""))
    m = r.machine
    out.append("")
    out.append(f"machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('ram_gb')} GB RAM, Python {m.get('python')}, "
               f"numpy {m.get('numpy')}, {m.get('os')}")
    return "\n".join(out)
