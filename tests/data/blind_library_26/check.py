#!/usr/bin/env python3
"""Check blind_library_26/questions.jsonl against blind_library_26/corpus/ with the shared library checker
(../check_library.py), item id prefix "B26-". Usage: python3 check.py [-v]."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

sys.exit(subprocess.call([sys.executable, str(HERE.parent / "check_library.py"), str(HERE), "B26-", *sys.argv[1:]]))
