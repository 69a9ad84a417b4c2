#!/usr/bin/env python3
"""Check this folder's questions.jsonl against its corpus/ (ids L01, L02, …) with the shared library's
checker, ``../check_library.py``. The helper who wrote the set checked it with an adapted copy of that checker, which
it also passes; the copy was replaced by this call. Usage: python3 check.py [--corpus DIR] [--questions FILE] [-v]."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from check_library import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(HERE, "L", sys.argv[1:]))
