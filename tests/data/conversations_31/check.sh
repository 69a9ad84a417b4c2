#!/usr/bin/env bash
# Check conversations_31/questions.jsonl against the four libraries it was written for.
# For each library L: a temporary folder with corpus -> ../L/corpus and the items of L
# (the "library" field dropped), then check_library.py FOLDER C31- -v. Exit 0 when all pass.
# The checker wants a folder's ids to run C31-01, C31-02, ... in order, so each library's items are
# renumbered in the temporary copy; the mapping to the set's own ids is printed first.
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="$(dirname "$HERE")"
status=0
for L in train_library_14 train_library_15 blind_library_18 blind_library_23; do
  TMP="$(mktemp -d)"
  ln -s "$DATA/$L/corpus" "$TMP/corpus"
  python3 - "$HERE/questions.jsonl" "$L" > "$TMP/questions.jsonl" 2> "$TMP/map" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.strip():
        continue
    d = json.loads(line)
    if d.pop("library") == sys.argv[2]:
        n += 1
        new = "C31-%02d" % n
        print("  %s -> %s" % (d["id"], new), file=sys.stderr)
        d["id"] = new
        print(json.dumps(d, ensure_ascii=False))
PY
  n=$(wc -l < "$TMP/questions.jsonl")
  echo "=== $L ($n items; set id -> id in the checked copy:)"
  cat "$TMP/map"
  if python3 "$DATA/check_library.py" "$TMP" C31- -v; then
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
