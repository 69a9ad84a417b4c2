"""An optional compiled top-k (numba, the ``speed`` extra): the same sums as ``bm25.BM25Index.top``'s numpy
path, in the same order, so the same passages and scores — without numpy's per-call overheads: term at a time
into an accumulator when the question's terms have few postings (``bm25.EXHAUSTIVE_MAX``), else document at a
time with block-max MaxScore pruning, so that long postings of common words are looked up, not walked, once
ten passages are kept, and passages that cannot reach them are passed over.

Importing numba costs about half a second and compiling the kernel more (cached on disk after the first
time), so it is for long-running processes: ``citebot slack`` and ``bench`` switch it on (``enable``); a
one-shot ``citebot ask`` and the REPL (a person types; 3 ms or 2 ms makes no difference) keep numpy. ``CITEBOT_KERNEL=numpy`` turns it off.
"""

from __future__ import annotations

import os
import threading

import numpy as np

from . import logs
from .bm25 import COUNT_DTYPES

log = logs.get(__name__)

_lock = threading.Lock()
_kernel = None  # the compiled top-k (``_numba_kernel.top``), once enabled


def available() -> bool:
    if os.environ.get("CITEBOT_KERNEL", "").lower() == "numpy":
        return False
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def enable(count_types=COUNT_DTYPES) -> bool:
    """Compile (or load from numba's cache) the kernel for indexes whose counts are of ``count_types`` (each
    costs about 5 s the first time on a machine; another type compiles when first met); False when numba is
    not installed or turned off."""
    global _kernel
    with _lock:
        if _kernel is not None:
            return True
        if not available():
            return False
        logs.ready()  # numba logs on its own: through the command line's set-up
        try:
            _kernel = _compile()
            _warm(_kernel, count_types)
        except Exception as e:  # a broken numba install must not stop the bot: numpy answers the same
            log.warning("the compiled top-k is unavailable (%s); using numpy", e)
            _kernel = None
            return False
        return True


def enable_in_background(count_types=COUNT_DTYPES) -> None:
    """``enable`` on a daemon thread: a long-running front answers with numpy until the kernel is ready. The
    thread blocks SIGINT and SIGTERM, so they reach the main thread (Ctrl-C, a deploy's stop)."""
    if available():
        threading.Thread(target=_enable_quietly, args=(tuple(count_types),), name="citebot-kernel",
                         daemon=True).start()


def _enable_quietly(count_types) -> None:
    import signal

    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    _compile_elsewhere(count_types)
    enable(count_types)


def _compile_elsewhere(count_types) -> None:
    """Compile the kernel into numba's on-disk cache in a child process at low priority, so that this one
    only loads it (under a second): compiling takes about 5 s a count type the first time on a machine, and
    numba holds this process's GIL while it compiles, which would stall the answers being given meanwhile.
    Any failure here only means ``enable`` compiles in-process, as before."""
    import subprocess
    import sys

    names = ",".join(np.dtype(t).name for t in count_types)
    code = ("import numpy as np, os; os.nice(10); from bot import kernel; "
            f"kernel.enable(tuple(np.dtype(n) for n in {names!r}.split(',')))")
    try:
        subprocess.run([sys.executable, "-c", code], timeout=600, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as e:
        log.debug("compiling the top-k in a child process failed (%s); compiling here", e)


def enabled():
    return _kernel


def disable() -> None:
    global _kernel
    with _lock:
        _kernel = None


def _compile():
    from ._numba_kernel import top

    return top


def _warm(kernel, count_types) -> None:
    indptr = np.array([0, 2], dtype=np.int64)
    docs = np.array([0, 1], dtype=np.int32)
    tids, tw = np.array([0], dtype=np.int64), np.array([1.0])
    for dtype in count_types:
        for most in (0, 2):  # both ways: document at a time, then term at a time
            kernel(indptr, docs, np.array([1, 2], dtype=dtype), np.array([0, 1], dtype=np.uint16),
                   np.array([1.0, 1.5]), np.array([0.7]), 2.5, np.array([1.5]), np.ones(0), np.array([1.5]), tids, tw,
                   1, 0.0, most, np.zeros(2), np.zeros(1, dtype=np.int32), np.zeros(1))
