#!/usr/bin/env python3
"""Check blind_library_25/questions.jsonl against blind_library_25/corpus/ with the shared library checker
(``../check_library.py``), item ids prefixed ``B25-``.

Usage: python3 check.py [--corpus DIR] [--questions FILE] [-v]. Exit status 0 when all checks pass.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKER = HERE.parent / "check_library.py"

if __name__ == "__main__":
    sys.exit(subprocess.call([sys.executable, str(CHECKER), str(HERE), "B25-", *sys.argv[1:]]))
