"""The tokenizer without nltk on the question path: the same words as nltk's ``RegexpTokenizer``, nltk's
stemmer loaded only for a word whose stem the index does not know."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.tokenize import PATTERN, Tokenizer, Words


def test_standard_re_gives_nltks_words_on_every_normalised_code_point():
    from nltk.tokenize import RegexpTokenizer

    nltk_words, ours = RegexpTokenizer(PATTERN), Words()
    ascii_text = " ".join(f"a{chr(c)}b {chr(c)}" for c in range(128))  # the ASCII path (a translation and a split)
    assert ascii_text.isascii() and ours.tokenize(ascii_text) == nltk_words.tokenize(ascii_text)
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(chars), 20_000):
        text = Tokenizer.normalise(" ".join(f"a{c}b {c}" for c in chars[start:start + 20_000]))
        assert ours.tokenize(text) == nltk_words.tokenize(text), start


def test_text_of_letters_digits_spaces_and_punctuation_is_split_without_regex_as_nltk_splits_it():
    """Every code point of the classes ``tokenize._plain_gaps`` splits without the ``regex`` engine (letters and
    decimal digits; spaces and punctuation but connectors), between ASCII letters and alone, gives nltk's words; a
    text with a mark, a symbol or a connector in it still goes to ``regex`` (the test above covers those)."""
    import unicodedata

    from nltk.tokenize import RegexpTokenizer

    from bot import tokenize

    nltk_words = RegexpTokenizer(PATTERN)
    plain = [chr(c) for c in range(128, 0x110000) if not 0xD800 <= c <= 0xDFFF
             and unicodedata.category(chr(c)) in tokenize._WORD_CLASSES | tokenize._GAP_CLASSES]
    assert len(plain) > 100_000
    for start in range(0, len(plain), 20_000):
        text = " ".join(f"a{c}b {c}" for c in plain[start:start + 20_000])
        assert tokenize._plain_gaps(text) is not None
        assert Words.tokenize(text) == nltk_words.tokenize(text), start
    for other in ("x\u0301y", "\u24b6bc", "a\u203fb", "x\u200dy", "5\u00b0C"):  # mark, symbol, connector, format
        assert tokenize._plain_gaps(other) is None
        assert Words.tokenize(other) == nltk_words.tokenize(other), other


def test_a_question_of_known_words_needs_no_nltk(tmp_path):
    """ "which drugs treat calcinosis" against a built index: its words' stems are in the index's table
    (``stems.tsv``) or the shipped English one, the lexicon is stored in the index: no stemmer is loaded.
    An everyday word the corpus lacks ("worth") comes from the shipped table; a made-up one needs the stemmer, which
    comes without the rest of nltk (``tokenize.snowball``)."""
    from pathlib import Path

    from bot.indexer import reindex

    corpus = Path(__file__).resolve().parents[1] / "corpus"
    reindex(corpus, tmp_path / "index")

    def loaded(question: str) -> tuple[bool, bool]:
        """(the stemmer loaded, nltk imported whole) by a ``citebot ask`` of ``question``."""
        code = ("import sys; from bot.cli import main; from bot import tokenize\n"
                f"sys.argv = ['citebot', 'ask', '--json', '--corpus', {str(corpus)!r}, '--index', "
                f"{str(tmp_path / 'index')!r}, {question!r}]\n"
                "try:\n    main()\nexcept SystemExit:\n    pass\n"
                "print('STEMMER', tokenize.snowball.cache_info().currsize == 1, file=sys.stderr)\n"
                "print('NLTK', any(m == 'nltk' or m.startswith('nltk.') for m in sys.modules), file=sys.stderr)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert '"question"' in out.stdout, out.stderr
        return "STEMMER True" in out.stderr, "NLTK True" in out.stderr

    assert loaded("which drugs treat calcinosis") == (False, False)
    assert loaded("is surgery worth it for calcinosis") == (False, False)
    assert loaded("zygomycetes calcinosis") == (True, False)


def test_the_stemmer_loaded_alone_stems_as_nltk_does_and_leaves_nltk_whole():
    """``tokenize.snowball`` loads the stemmer's modules under stand-ins for nltk's packages: it must stem every
    shipped English word and every word of the bundled article as ``nltk.stem.snowball`` does when nltk is imported
    whole; it leaves no module of nltk behind, so a later ``import nltk`` gets the whole package; where the
    stand-ins fail (a layout it does not know), the stemmer comes from the plain import, with nothing left behind; and
    a process running other threads (one of which could import nltk while the stand-ins are there) never uses them."""
    code = """
import sys
from pathlib import Path
from bot import tokenize
from bot.data import path
stemmer = tokenize.snowball()
assert not [m for m in sys.modules if m == "nltk" or m.startswith("nltk.")], sorted(sys.modules)
words = [line.split("\\t")[0] for line in path("english_freq.tsv").read_text().splitlines() if line[:1] != "#"]
words += tokenize.Words().tokenize(Path("corpus").joinpath(sorted(p.name for p in Path("corpus").iterdir())[0]).read_text().lower())
import nltk
from nltk.stem.snowball import SnowballStemmer
assert nltk.translate and nltk.corpus.stopwords  # the whole package: not the stand-ins
whole = SnowballStemmer("english")
differ = [w for w in words if stemmer.stem(w) != whole.stem(w)]
assert len(words) > 40000 and not differ, differ[:10]
print("SAME", len(words))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "SAME" in out.stdout, out.stderr
    failing = """
import sys, importlib.util
from bot import tokenize
real = importlib.util.find_spec
importlib.util.find_spec = lambda name, *a: real("json") if name == "nltk" else real(name, *a)  # not nltk's layout
stemmer = tokenize.snowball()
assert stemmer.stem("zygomycetes") == "zygomycet"
assert "nltk.translate" in sys.modules  # the plain import, nltk whole
assert sys.modules["nltk"].translate and not sys.modules["nltk"].__doc__.startswith("an empty stand-in")
print("PLAIN")
"""
    out = subprocess.run([sys.executable, "-c", failing], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "PLAIN" in out.stdout, out.stderr
    threaded = """
import sys, threading
from bot import tokenize
other = threading.Event()
waiting = threading.Thread(target=other.wait)  # another thread that might import nltk meanwhile
waiting.start()
tokenize.snowball()
other.set()
waiting.join()
assert "nltk.translate" in sys.modules and not sys.modules["nltk"].__doc__.startswith("an empty stand-in")
print("PLAIN")
"""
    out = subprocess.run([sys.executable, "-c", threaded], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "PLAIN" in out.stdout, out.stderr  # with threads: never the stand-ins


def test_an_unknown_word_loads_the_stemmer_and_stems_as_nltk_does():
    from nltk.stem.snowball import SnowballStemmer

    tok = Tokenizer()
    tok.preload({"calcinosis": "calcinosi"})
    assert tok("calcinosis") == ["calcinosi"] and not tok.stemmer_loaded
    assert tok("zygomycetes") == [SnowballStemmer("english").stem("zygomycetes")]
    assert tok.stemmer_loaded


def test_an_adjective_and_its_noun_are_one_stem_by_the_table_and_by_nltk():
    """``tokenize.DERIVED``: the adjective's stem takes the noun's ending, whether the stem comes from the shipped
    English table ("pregnant") or from nltk (words the table lacks: "cirrhotic", "psoriatic"); a stem hardly longer
    than the ending keeps it ("clot", "plant"), and a derived stem is derived no further."""
    from bot.tokenize import derived

    listed, unlisted = Tokenizer(), Tokenizer()
    unlisted._sources = []  # no shipped table: every stem from nltk
    pairs = [("pregnant", "pregnancy"), ("infant", "infancy"), ("prophylactic", "prophylaxis"),
             ("anaphylactic", "anaphylaxis"), ("cirrhotic", "cirrhosis"), ("thrombotic", "thrombosis"),
             ("psoriatic", "psoriasis")]
    for tok in (listed, unlisted):
        for adjective, noun in pairs:
            assert tok(adjective) == tok(noun), (adjective, tok(adjective), tok(noun))
        assert tok("clot plant patient") == ["clot", "plant", "patient"]
    assert unlisted.stemmer_loaded
    for stem in ("pregnanc", "cirrhosi", "prophylaxi", "psoriasi"):
        assert derived(stem) == stem


def test_the_lexicon_stored_in_the_index_is_the_one_built_and_a_stale_one_is_rebuilt(tmp_path):
    from bot import lexicon as lexmod

    tok = Tokenizer()
    abbreviations = [["JDM", "juvenile dermatomyositis"]]
    built = lexmod.build(tok, abbreviations=abbreviations)
    doc = lexmod.to_json(built, lexmod.key(tok, abbreviations))
    back = lexmod.from_json(doc)
    for name in ("links", "caps", "open_links", "longest", "words", "spoken", "broader"):
        assert getattr(back, name) == getattr(built, name), name
    assert lexmod.stored_or_built(tok, abbreviations, doc).links == built.links
    # built from other abbreviations (or other shipped files): not used, built again
    other = lexmod.to_json(lexmod.build(tok), lexmod.key(tok, []))
    assert ("jdm",) in lexmod.stored_or_built(tok, abbreviations, other).links
    assert lexmod.stored_or_built(tok, abbreviations, {"key": doc["key"], "links": "junk"}).links == built.links
    for name, junk in (("links", "junk"), ("broader", "a\tb\nc"), ("open_links", 7), ("heads", None),
                       ("caps", [[1, "PT"]]), ("caps", {"pt": "PT"}), ("spoken", [[["x"], "x", [3]]])):
        assert lexmod.stored_or_built(tok, abbreviations, {**doc, name: junk}).broader == built.broader, name
    assert len(back.links) == len(built.links) and set(back.broader) == set(built.broader)
    assert back.links.get(("no", "such", "phrase")) is None and ("no",) not in back.open_links
    # a class whose member is all stop words names nothing, and is stored as the rest are
    odd = lexmod.build(tok, "> anticoagulant\twarfarin\tthe\n")
    assert () not in odd.broader and lexmod.from_json(lexmod.to_json(odd, "k")).broader == odd.broader


def test_a_shipped_table_that_cannot_be_mapped_is_read(monkeypatch, tmp_path):
    """``sortedtsv.mapped`` reads a file it cannot map (a file system without mmap), and the table is the same."""
    import mmap

    from bot import sortedtsv

    path = tmp_path / "t.tsv"
    path.write_bytes(b"# head\na\t1\nb\t2\n")

    def refuse(*args, **kwargs):
        raise OSError(19, "No such device")

    monkeypatch.setattr(mmap, "mmap", refuse)
    data = sortedtsv.mapped(path)
    assert data == path.read_bytes() and sortedtsv.SortedTSV(data).get("b") == "2"


def test_the_english_word_list_is_part_of_what_a_lexicon_and_an_index_are_built_from(monkeypatch, tmp_path):
    """Which general abbreviations need their capitals depends on the English word list (``lexicon._needs_capitals``):
    another list means another lexicon key, so a stored lexicon is not reused, and another vocabulary fingerprint,
    so the index is stale."""
    from bot import english
    from bot import lexicon as lexmod

    tok = Tokenizer()
    key, fingerprint = lexmod.key(tok, []), lexmod.vocabulary_fingerprint()
    other = english.freq_text() + "etoh\t4.5\n"
    (tmp_path / "english_freq.tsv").write_text(other, encoding="utf-8")
    shipped = lexmod.data_path
    monkeypatch.setattr(lexmod, "data_path", lambda n: tmp_path / n if n == "english_freq.tsv" else shipped(n))
    lexmod.vocabulary_fingerprint.cache_clear()  # worked out once per process: this one has another list
    try:
        assert lexmod.key(tok, []) != key
        assert lexmod.vocabulary_fingerprint() != fingerprint
    finally:
        lexmod.vocabulary_fingerprint.cache_clear()


@pytest.mark.parametrize("dict_after", [10 ** 9, 0])
@pytest.mark.parametrize("from_file", [False, True])
@pytest.mark.parametrize("sample_bytes", [4096, 24])
def test_a_sorted_table_is_searched_in_place_as_a_dict_and_bisect_would(monkeypatch, tmp_path, dict_after, from_file,
                                                                       sample_bytes):
    """``SortedTSV`` bisects the file's bytes, realigned to line starts (no line index is built at start):
    every key, every near miss and every prefix scan agree with a dict and ``bisect`` over the sorted keys,
    with and without a header, a last newline, or any line at all; so do look-ups once the table has read
    every line into a dict (after ``DICT_AFTER`` searches: a reindex), and once it has sampled a line every
    ``SAMPLE_BYTES`` (after ``SAMPLE_AFTER`` searches), coarsely and finely. The same over a file's read-only
    mapping (``sortedtsv.mapped``, as the shipped tables are searched), an empty file included."""
    import bisect
    import random

    from bot import sortedtsv
    from bot.sortedtsv import SortedTSV

    monkeypatch.setattr(sortedtsv, "DICT_AFTER", dict_after)
    monkeypatch.setattr(sortedtsv, "SAMPLE_BYTES", sample_bytes)

    rng = random.Random(7)
    for n in (0, 1, 2, 3, 50, 2000):
        keys = sorted({"".join(rng.choice("abcé-' ") for _ in range(rng.randint(1, 9))).strip() or "x"
                       for _ in range(n)}, key=lambda k: k.encode())
        rows = {k: f"v{i}" for i, k in enumerate(keys)}
        body = "".join(f"{k}\t{v}\n" for k, v in rows.items())
        for header in ("", "# one\n", "# one\n#\n# three\n"):
            for data in {header + body, (header + body).rstrip("\n")}:
                if from_file:
                    path = tmp_path / f"table{n}.tsv"
                    path.write_bytes(data.encode())
                    mapping = sortedtsv.mapped(path)
                    assert sortedtsv.starts_with(mapping, header.encode()) == data.startswith(header)
                    table = SortedTSV(mapping)
                else:
                    table = SortedTSV(data.encode())
                assert bool(table) == bool(rows)
                assert [k.decode() for k in table.keys()] == keys
                encoded = [k.encode() for k in keys]
                for probe in [*keys, *(k[:-1] for k in keys), *(k + "z" for k in keys[:50]), "", "zzz", "#"]:
                    assert table.get(probe) == rows.get(probe), probe
                    at, i = table.first_at_or_after(probe.encode()), bisect.bisect_left(encoded, probe.encode())
                    assert (at == table.end) if i == len(keys) else table.key(at) == encoded[i], probe


def test_capital_stops_are_the_shipped_tables_abbreviations_that_are_stop_words():
    """``CAPITAL_STOPS`` is derived data: the abbreviation table's entries in capitals whose lower case is a stop word,
    less the auxiliary verbs and the forms of "be" ("IS", "BE")."""
    from bot.expand import AUXILIARIES
    from bot.lexicon import _abbreviation_rows
    from bot.tokenize import CAPITAL_STOPS

    stop = Tokenizer().stopwords
    assert CAPITAL_STOPS == {short for short, _ in _abbreviation_rows() if short.isalpha() and short.isupper()
                             and len(short) > 1 and short.lower() in stop
                             and short.lower() not in AUXILIARIES | {"be", "am", "been", "being"}}


def test_an_abbreviation_in_capitals_that_is_a_stop_word_is_a_word():
    """"IM", "US", "WHO" written so are words, in a passage and in a question alike, kept as written: "IMs"
    (inflammatory markers) is another word. Not "I'M", "the US" before a comma or a stop word (the country), nor any
    word of a text written in capitals throughout."""
    t = Tokenizer()
    assert t.words("IM adrenaline") == ["IM", "adrenaline"]
    assert t.words("what's the IM schedule?") == ["IM", "schedule"]
    assert t.words("US first or CT?") == ["US", "first", "ct"]
    assert t.words("HTN, DM, CKD pt - IM or PO?") == ["htn", "dm", "ckd", "pt", "IM", "po"]
    assert t.words("in the US, a rapid test") == ["rapid", "test"]
    assert t.words("in the US and Canada") == ["canada"]
    assert t.words("I'M not sure") == ["sure"] and t.words("im not sure") == ["sure"]
    assert t.words("I'M giving IM adrenaline") == ["giving", "IM", "adrenaline"]
    assert t.words("HE'S fine") == ["fine"]
    assert t.words("HOW MUCH IM ADRENALINE?") == ["adrenaline"]
    assert t.words("IS aspirin safe") == ["aspirin", "safe"]
    assert t("IM adrenaline for abnormal IMs") == ["IM", "adrenalin", "abnorm", "im"]
