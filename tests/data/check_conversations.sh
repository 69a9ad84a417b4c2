#!/usr/bin/env bash
# Check a conversation set's questions.jsonl against the libraries it was written for:
#   bash tests/data/check_conversations.sh SET PREFIX LIBRARY...   (e.g. conversations_31 C31- train_library_14 …)
# For each library L: a temporary folder with corpus -> ../L/corpus and the items of L (the "library" field
# dropped), then check_library.py FOLDER PREFIX -v. Exit 0 when all pass and the set holds 48 items.
# The checker wants a folder's ids to run PREFIX01, PREFIX02, ... in order, so each library's items are
# renumbered in the temporary copy; the mapping to the set's own ids is printed first.
set -u
DATA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SET="$1"; PREFIX="$2"; shift 2
HERE="$DATA/$SET"
status=0
for L in "$@"; do
  TMP="$(mktemp -d)"
  ln -s "$DATA/$L/corpus" "$TMP/corpus"
  python3 - "$HERE/questions.jsonl" "$L" "$PREFIX" > "$TMP/questions.jsonl" 2> "$TMP/map" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.strip():
        continue
    d = json.loads(line)
    if d.pop("library") == sys.argv[2]:
        n += 1
        new = "%s%02d" % (sys.argv[3], n)
        print("  %s -> %s" % (d["id"], new), file=sys.stderr)
        d["id"] = new
        print(json.dumps(d, ensure_ascii=False))
PY
  n=$(wc -l < "$TMP/questions.jsonl")
  echo "=== $L ($n items; set id -> id in the checked copy:)"
  cat "$TMP/map"
  if python3 "$DATA/check_library.py" "$TMP" "$PREFIX" -v; then
    echo "=== $L: PASS"
  else
    echo "=== $L: FAIL"; status=1
  fi
  rm -rf "$TMP"
done
total=$(grep -c . "$HERE/questions.jsonl")
echo "items in questions.jsonl: $total"
[ "$total" -eq 48 ] || { echo "expected 48 items"; status=1; }
exit $status
