#!/usr/bin/env python3
"""Check this folder's questions.jsonl against its corpus/ (ids B24-01, B24-02, …) with the shared library's
checker, ``../check_library.py``. Usage: python3 check.py [--corpus DIR] [--questions FILE] [-v]."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from check_library import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(HERE, "B24-", sys.argv[1:]))
