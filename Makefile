# citebot: `make run` answers questions about the bundled article; `make test` runs the tests.
# Each target creates .venv and installs what it needs first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := $(VENV)/.kernel-compiled
BYTECODE := $(VENV)/.bytecode
SOURCES := $(shell find bot -name '*.py' 2>/dev/null)

.PHONY: install run test reindex bench clean mutants bench-slack

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# PYTHONWARNINGS=ignore: setuptools' boxed "Editable installation" warning (our package folder sits in the
# working directory, as intended) is noise on every fresh install.
$(STAMP): pyproject.toml | $(BIN)/python
	PYTHONWARNINGS=ignore $(BIN)/pip install -q --upgrade pip
	PYTHONWARNINGS=ignore $(BIN)/pip install -q -e '.[test]' --config-settings editable_mode=compat
	touch $(STAMP)

# bytecode for the package, so a start is not spent compiling it where PYTHONDONTWRITEBYTECODE is set (a cold
# `citebot ask` on the bench's 100k corpus: 0.37 -> 0.29 s here), compiled again whenever a source file changes:
# after a pull that edits eight modules, stale bytecode cost each start 0.18 -> 0.21 s
$(BYTECODE): $(STAMP) $(SOURCES)
	$(BIN)/python -m compileall -q bot > /dev/null
	touch $(BYTECODE)

# numba's on-disk cache of the compiled top-k (bot/kernel.py) for every count type an index may hold, in
# bot/__pycache__: compiled once here (about 14 s on this machine), not by each test worker that uses it; and of the
# counting sort a large build places its postings with (bm25.COMPILED_SORT_MIN)
$(KERNEL): bot/_numba_kernel.py $(STAMP)
	$(BIN)/python -c "from bot import kernel; kernel.enable()"
	$(BIN)/python -c "import numpy as np; from bot.bm25 import _compiled_sort; s = _compiled_sort(); s and s(np.array([0, 1]), np.array([0], dtype=np.int32), np.array([1], dtype=np.int32), np.array([0], dtype=np.int32), 1, np.empty(1, dtype=np.uint8))"
	touch $(KERNEL)

install: $(BYTECODE)

# make run                      -> the REPL on the bundled article
# make run Q="What conditions are associated with calcinosis?"  -> one answer
run: $(STAMP) $(BYTECODE)
ifdef Q
	$(BIN)/citebot ask "$(Q)"
else
	$(BIN)/citebot repl
endif

reindex: $(STAMP) $(BYTECODE)
	$(BIN)/citebot reindex

# Two workers (pytest-xdist): the suite takes about 2 min on this 2-core machine.
test: $(STAMP) $(BYTECODE) $(KERNEL)
	$(BIN)/python -m pytest -n 2

# Plant each bug of tests/mutants.txt in a copy and check the tests catch it (15-30 min; not part of `make test`).
mutants: $(STAMP)
	$(BIN)/python tests/mutants.py

clean:
	rm -rf $(VENV) index/current index/v-* index/.tmp-* index/.lock

# Slack load benchmark: 300 events over 10 s on two real replicas sharing a real redis-server (numbers, not a test)
bench-slack: $(STAMP) $(BYTECODE)
	$(BIN)/python -m tests.bench_slack
