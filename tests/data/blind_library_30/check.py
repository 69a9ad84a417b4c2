#!/usr/bin/env python3
"""Check blind_library_30/questions.jsonl against blind_library_30/corpus/ with the shared checker.

Usage: python3 check.py [-v]. Exit status 0 when all checks pass.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    sys.exit(subprocess.call([sys.executable, str(HERE.parent / "check_library.py"), str(HERE), "B30-", *sys.argv[1:]]))
