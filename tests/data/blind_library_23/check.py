#!/usr/bin/env python3
"""Check this folder's questions.jsonl against its corpus/ (ids B23-01, B23-02, …) with the shared library's
checker, ``../check_library.py``: the helper who wrote the set copied that checker here with only the id prefix
changed. Usage: python3 check.py [--corpus DIR] [--questions FILE] [-v]."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from check_library import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(HERE, "B23-", sys.argv[1:]))
