"""Ranking at article level (``bot/rank.py``): topic words pick the article, ask-words only the passage."""

from __future__ import annotations

import pytest

from bot.answer import Answerer, Settings
from bot.rank import Weights, lists_first

from .conftest import built_index
from .test_conversation import CALCIPHYLAXIS, OSTEOPOROSIS

MIGRAINE = """\
# Migraine prevention

Prevention is offered to people with frequent migraine attacks [1].

## When to start

- Offer prevention with 6 or more headache days per month [1]

## References

1. Ailani J, et al. Migraine prevention. Headache. 2021.
"""

MYOSITIS = """\
# Myositis treatment

High-dose glucocorticoids are the first treatment of myositis [1].

## Supportive care

- Pneumocystis prophylaxis with trimethoprim-sulfamethoxazole during intense immunosuppression [1]
- Start prophylaxis when prednisone is high dose [1]
- Prophylaxis against bone loss with calcium and vitamin D [1]

## References

1. Oldroyd A, et al. Myositis. Rheumatology. 2022.
"""


@pytest.fixture
def loaded(tmp_path):
    with built_index(tmp_path, {"calciphylaxis.md": CALCIPHYLAXIS, "osteoporosis.md": OSTEOPOROSIS,
                                "migraine.md": MIGRAINE, "myositis.md": MYOSITIS}) as loaded:
        yield loaded


def test_the_articles_holding_a_word_tell_topic_words_from_ask_words(loaded):
    levels = Answerer(loaded).levels
    assert levels.n_articles == 4
    assert len(levels.holding("migrain")) == 1 and len(levels.holding("dose")) == 3  # "dose": three articles
    migraine = next(iter(levels.holding("migrain")))
    assert levels.holding("migrain")[migraine] >= 2  # passages of that article that hold it
    assert levels.holding("nonexistentword") == {}
    assert levels.held_in("migrain", [migraine]) and not levels.held_elsewhere("migrain", [migraine])
    assert levels.held_elsewhere("migrain", [a for a in range(4) if a != migraine])


def test_a_word_s_count_in_an_article_is_its_mapping_s_however_many_articles_hold_it(loaded, monkeypatch):
    """``Levels.count`` reads a word in many articles off its sorted articles (``MAPPED_ARTICLES``), not from the
    mapping of them all (``holding``): every word and article give what the mapping says, both ways, and the word's
    "about" and "held in" tests follow."""
    import bot.rank as rank

    levels = Answerer(loaded).levels
    words = sorted(loaded.bm25.vocab) + ["nonexistentword"]
    mapped = {(w, a): levels.holding(w).get(a, 0) for w in words for a in range(levels.n_articles)}
    assert any(mapped.values()) and sum(1 for v in mapped.values() if v > 1) > 3
    for cut in (rank.MAPPED_ARTICLES, 0):  # 0: every word looked up in its sorted articles
        monkeypatch.setattr(rank, "MAPPED_ARTICLES", cut)
        levels._held.clear()
        assert {(w, a): levels.count(w, a) for w, a in mapped} == mapped
        assert all(levels.held_in(w, [a]) == (mapped[w, a] > 0) for w, a in mapped)
        assert not levels._held or cut  # read without making a mapping


def test_a_word_s_articles_are_counted_from_its_postings_once_within_a_bound(loaded, monkeypatch):
    """The article level and deciding read the same per-article counts; a word's are worked out from its postings
    once a process (a common word's postings are long), and what is kept stays within ``COUNTS_CACHED``."""
    import numpy as np

    import bot.rank as rank

    levels = Answerer(loaded).levels
    query = {"migrain": 1.0, "dose": 1.0, "prophylaxi": 0.5}
    counted = []
    real = np.bincount
    monkeypatch.setattr(rank.np, "bincount", lambda *a, **k: counted.append(1) or real(*a, **k))
    first = levels.article_scores(query)
    assert len(counted) == 3
    assert levels.article_scores(query).tolist() == first.tolist() and len(counted) == 3  # counted once
    assert levels.holding("dose") and len(counted) == 3  # deciding reads the same counts
    migraine = next(iter(levels.holding("migrain")))  # the articles a word is a theme of are kept with its counts
    assert levels._themes_of(loaded.bm25.term_id("migrain")).tolist() == [migraine]
    assert loaded.bm25.term_id("migrain") in levels._themes
    kept = sum(len(a) for a, _ in levels._counts.values())
    monkeypatch.setattr(rank, "COUNTS_CACHED", kept + 1)  # room for one more article only
    levels.article_scores({"start": 1.0, "prednison": 1.0})
    assert levels._cached == sum(len(a) for a, _ in levels._counts.values()) <= kept + 1
    assert set(levels._themes) <= set(levels._counts)  # and go with them
    assert levels.article_scores(query).tolist() == first.tolist()


def test_the_article_level_adds_to_the_topic_article_not_to_the_ask_word(loaded):
    """ "prophylaxis" is in three myositis passages, "migraine" in the migraine article: the article level
    widens the migraine passage's lead over the best myositis one; the ask-word "start" counts for neither."""
    question = "when should I start migraine prophylaxis"
    plain = Settings(coverage_rank=0.0)  # ranking alone, without the coverage re-ranking

    def lead(article: float) -> float:
        hits = Answerer(loaded, settings=plain, ranking=Weights(article=article)).ask(question, abstain=False,
                                                                                       top=10).hits
        best = {}
        for h in hits:
            best.setdefault(h.passage.source, h.score)
        return best["migraine.md"] - best["myositis.md"]

    assert lead(0.0) > 0
    assert lead(0.5) > lead(0.0) * 1.5


# -- a concept counts once: its variants are not summed (rank.redundancy) ------------------------------

GOUT = """\
# Gout

Gout therapy and management are long term [1].

Gout is treated in flares with colchicine [1].

The colchicine dose is lowered in kidney failure [1].

Colchicine 0.5 mg twice daily during flares [1].

## Prevention

Urate-lowering drugs prevent attacks; contraindications to allopurinol include:

- Known hypersensitivity [1]
- Severe kidney failure without dose adjustment [1]

## References

1. FitzGerald JD, et al. Gout guideline. Arthritis Care Res. 2020.
"""


@pytest.fixture
def gout(tmp_path):
    with built_index(tmp_path, {"gout.md": GOUT}) as loaded:
        yield loaded


def _pid(loaded, start: str) -> int:
    return next(i for i in range(loaded.bm25.n_docs) if loaded.passages.get(i).text.startswith(start))


def test_a_passage_saying_a_concept_twice_counts_it_once(gout):
    from bot.rank import concepts, redundancy

    a = Answerer(gout)
    turn = a.expand("how is gout treated")
    groups = concepts([turn])
    assert any(("treat",) in g and ("therapi",) in g for g in groups)
    query = a._weighted_query(turn, [])
    twice, once = _pid(gout, "Gout therapy and management"), _pid(gout, "Gout is treated")
    extra = redundancy(gout.bm25, query, groups, __import__("numpy").array([twice, once]))
    assert extra[0] > 0 and extra[1] == 0  # therapy + management: the second one is taken back
    full = dict(Answerer(gout, ranking=Weights(synonym=1.0)).rank("how is gout treated", k=10))
    summed = dict(Answerer(gout, ranking=Weights(synonym=0.0)).rank("how is gout treated", k=10))
    assert summed[twice] - full[twice] == pytest.approx(extra[0])
    assert summed[once] == pytest.approx(full[once])


def test_a_question_word_is_never_folded_into_another_concept(gout):
    from bot.rank import concepts

    a = Answerer(gout)
    turn = a.expand("gout treatment and management")  # "management" is an alternative of "treatment" too
    for g in concepts([turn]):
        assert not any(v != g[0] and set(v) & set(turn.terms) for v in g)


def test_an_item_matched_only_by_its_lead_in_gives_the_list_its_place(gout):
    """Auto-merging: an item that holds no question word beyond its lead-in's is a hit on the list, so the
    lead-in (which shows the whole list) takes its place; an item with words of its own keeps it."""
    a = Answerer(gout)
    lead = _pid(gout, "Urate-lowering drugs prevent attacks")
    item = _pid(gout, "Known hypersensitivity")
    other = _pid(gout, "Gout therapy")
    query = a._weighted_query(a.expand("contraindications to allopurinol"), [])
    merged = lists_first(gout.bm25, gout.structure, [(item, 9.0), (other, 8.0), (lead, 5.0)], query, 10)
    assert [p for p, _ in merged] == [lead, item, other]
    query = a._weighted_query(a.expand("allopurinol hypersensitivity"), [])
    merged = lists_first(gout.bm25, gout.structure, [(item, 9.0), (other, 8.0), (lead, 5.0)], query, 10)
    assert [p for p, _ in merged] == [item, other, lead]


def test_a_passage_of_the_kind_asked_for_gains_from_the_coverage_re_ranking(gout):
    """ "colchicine dose?" asks for a dose: a number with its unit, not the word "dose" alone (intents.tsv,
    "+#digit"); with ``unfit`` 0 the passage stating the dose keeps its coverage gain, the other loses it."""
    from bot import intent

    a = Answerer(gout)
    dose = next(i for i in intent.load(a.tokenizer) if i.name == "dose")
    stated, named = _pid(gout, "Colchicine 0.5 mg"), _pid(gout, "The colchicine dose")
    terms = lambda pid: {a.index.bm25.terms[int(t)] for t in a.index.bm25.doc_terms(pid)}  # noqa: E731
    assert intent.satisfied(dose, terms(stated)) and not intent.satisfied(dose, terms(named))

    def first(unfit: float) -> int:
        return Answerer(gout, settings=Settings(unfit=unfit, coverage_rank=0.5)).ask(
            "colchicine dose?", abstain=False).hits[0].passage.pid

    assert first(1.0) == named  # "dose" in the text: BM25 and coverage alone prefer it
    assert first(0.0) == stated


GRAVES = """\
# Graves disease

Radioactive iodine, antithyroid drugs and surgery all treat Graves hyperthyroidism [1].

## Radioactive iodine

Radioactive iodine is a single oral dose; most patients become hypothyroid within a year [1].

Contraindications to radioactive iodine:

- Pregnancy or breastfeeding [1]
- Active moderate-to-severe Graves orbitopathy [1]

## Antithyroid drugs

- Methimazole 10 to 30 mg daily is the first choice outside early pregnancy [1]

## References

1. Ross DS, et al. Hyperthyroidism guideline. Thyroid. 2016.
"""

SEPSIS = """\
# Septic shock

## Corticosteroids

- Relative adrenal insufficiency is common in septic shock; a random cortisol does not diagnose it [1]
- Hydrocortisone 200 mg a day is given for relative adrenal insufficiency when shock needs vasopressors [1]

## References

1. Annane D, et al. Corticosteroids in sepsis. Crit Care Med. 2017.
"""


@pytest.fixture
def shorthand(tmp_path):
    with built_index(tmp_path, {"graves.md": GRAVES, "sepsis.md": SEPSIS}) as loaded:
        yield loaded


def test_a_short_form_no_article_defines_is_spelt_out_by_the_articles_asked_about(shorthand):
    answerer = Answerer(shorthand)
    answer = answerer.ask("graves pt - who shouldnt get RAI?")  # declined when "RAI" is no word of the index
    assert answer.answered and "radioactive iodine" in answer.hits[0].passage.text.lower(), answer
    # one short form, two meanings in the library: each question's own articles say which
    for question, meant in [("RAI in septic shock - hydrocortisone dose?", "relative adrenal insufficiency"),
                            ("RAI for graves: how many become hypothyroid", "radioactive iodine")]:
        turn, _ = answerer._read(question, [])
        assert turn.alternates["rai"] == (tuple(answerer.tokenizer(meant)),), question
    # only a question's first MAX_SHORT_FORMS short forms are read so (2,000 characters of them would be slow)
    assert "rai" in answerer._read("RAI qzx vbk wqj pld for graves", [])[0].alternates
    assert "rai" not in answerer._read("qzx vbk wqj pld RAI for graves", [])[0].alternates


def test_a_question_asked_again_reads_no_passage_again(shorthand, monkeypatch):
    """Decoded passages are kept (``Answerer._passage``, the last ``PASSAGES_CACHED``): the same question asked
    again gives the same answer without reading the passage file."""
    answerer = Answerer(shorthand)
    question = "hydrocortisone dose in septic shock?"
    first = answerer.ask(question)
    reads = []
    get = shorthand.passages.get
    monkeypatch.setattr(shorthand.passages, "get", lambda pid: reads.append(pid) or get(pid))
    assert answerer.ask(question) == first
    assert reads == []


def test_an_answerer_dropped_frees_its_index_without_waiting_for_the_garbage_collector(shorthand):
    """What an answerer keeps (passages, spellings) refers to the index, not back to the answerer: one replaced
    after a reindex (``fresh.FollowingAnswerer``) is freed, and its index's files and maps with it, when dropped."""
    import gc
    import weakref

    answerer = Answerer(shorthand)
    answerer.ask("graves pt - who shouldnt get RAI?")
    gone = weakref.ref(answerer)
    gc.disable()
    try:
        del answerer
        assert gone() is None
    finally:
        gc.enable()


def test_a_short_form_s_spelling_is_read_off_its_article_once(shorthand, monkeypatch):
    """The same short form asked about again in the same article reads none of the article's passages: the
    spelling-out is kept (``Answerer._spelt``), with the same result."""
    from bot import expand

    answerer = Answerer(shorthand)
    question = "graves pt - who shouldnt get RAI?"
    first = answerer._read(question, [])[0].alternates["rai"]
    reads = []  # the articles' texts read to spell a short form out
    word_runs = expand.word_runs
    monkeypatch.setattr(expand, "word_runs", lambda texts: reads.append(texts) or word_runs(texts))
    assert answerer._read(question, [])[0].alternates["rai"] == first
    assert reads == []


def test_a_short_form_is_read_only_off_a_phrase_seen_often_and_unambiguous():
    from bot.expand import spelt_out, word_runs

    texts = ["Urea breath test, or a stool test.", "A urea breath test after treatment.", "H. pylori and H. pylori"]
    assert spelt_out("UBT", word_runs(texts)) == ("urea", "breath", "test")
    assert spelt_out("hp", word_runs(texts)) == ("h", "pylori")
    assert spelt_out("ust", word_runs(texts)) is None  # "urea breath test, or a stool test": never across a comma
    assert spelt_out("ubt", word_runs(texts[:1])) is None  # seen once
    ambiguous = ["motor symptoms", "motor symptoms", "myoclonic seizures", "myoclonic seizures", "magnesium sulfate"]
    assert spelt_out("ms", word_runs(ambiguous)) is None
    assert spelt_out("ms", word_runs(ambiguous + ["motor symptoms"] * 2)) == ("motor", "symptoms")  # twice any other


def test_the_passage_about_the_point_asked_goes_before_the_article_s_lead(answerer):
    """The bundled article's lead names "CREST syndrome" and the limited cutaneous form among much else; the
    lines that spell CREST out and say where calcinosis is most common answer those questions first. The lead
    still answers the question it sums up."""
    lead = answerer.index.passages.get(0).text
    assert lead.startswith("Calcinosis is most strongly associated") and "CREST" in lead
    first = answerer.ask("What does CREST stand for?").hits[0].passage.text
    assert "Esophageal dysfunction, Sclerodactyly" in first and first != lead
    first = answerer.ask("Which form of systemic sclerosis is calcinosis most common in?").hits[0].passage.text
    assert "limited cutaneous systemic sclerosis" in first and first != lead
    assert lead in [h.passage.text for h in answerer.ask("What conditions are associated with calcinosis?").hits]


def test_a_drug_class_counts_once_at_the_article_level(tmp_path):
    """"abx" brings the antibiotics the lexicon knows, and an article of regimens names many of them: summed at the
    article level, the urinary tract infection article's many antibiotic names outweighed the cellulitis article's
    "cellulitis" for "how many days of abx for uncomplicated cellulitis" and one of its lines ranked first. A concept's
    further variants count ``Weights.synonym`` less there, as in a passage's score (``rank.Levels.article_scores``).
    Two articles of the tuning libraries, as written."""
    from pathlib import Path

    data = Path(__file__).parent / "data"
    articles = {p.name: p.read_text(encoding="utf-8") for p in (
        data / "blind_library_5" / "corpus" / "urinary-tract-infection-antibiotics.txt",
        data / "blind_library_8" / "corpus" / "cellulitis-skin-abscess.txt")}
    with built_index(tmp_path, articles) as loaded:
        answerer = Answerer(loaded)
        ranked = answerer.rank("how many days of abx for uncomplicated cellulitis", k=3)
        first = answerer._passage(ranked[0][0])
        assert first.source == "cellulitis-skin-abscess.txt", first


OTITIS = """\
# Acute otitis media in children

Acute otitis media (AOM) is the commonest reason young children are given antibiotics [1].

## Diagnosis

- AOM is diagnosed by a bulging tympanic membrane or new otorrhoea [1]
- Ear pain alone, with a normal tympanic membrane, does not make the diagnosis of AOM [1]

## Pain relief

- Give ibuprofen or paracetamol for the pain of AOM [1]

## Antibiotics

- High-dose amoxicillin, 80 to 90 mg/kg/day in two divided doses, is the first-line antibiotic [1]
- AOM that recurs within 30 days of a course of amoxicillin is treated with amoxicillin-clavulanate instead [1]
- Watchful waiting suits a child over 2 years with mild AOM [1]

## References

1. Lieberthal AS, et al. The diagnosis and management of acute otitis media. Pediatrics. 2013.
"""

CROUP = """\
# Croup

Croup is a viral illness of the upper airway with a barking cough and stridor [1].

## Corticosteroids

- A single oral dose of dexamethasone 0.15 mg/kg treats mild croup [1]
- Prednisolone 1 mg/kg is an alternative to dexamethasone [1]
- Budesonide is nebulised for a child who is vomiting [1]

## Severe croup

- Nebulised adrenaline is given for stridor at rest [1]
- Observe for 2 to 4 hours after adrenaline, as its effect wears off [1]
- Heliox may help a child in severe distress [1]
- Intubate with a tube a size smaller than usual [1]

## References

1. Bjornson CL, Johnson DW. Croup in children. CMAJ. 2013.
"""

CHILD_SEPSIS = """\
# Sepsis in children

- Give the first antibiotic dose within an hour of recognising septic shock [1]
- Amoxicillin alone does not cover the organisms of neonatal sepsis [1]
- A fluid bolus of 10 to 20 mL/kg is given over 5 to 10 minutes [1]
- Adrenaline is the first vasoactive drug in cold shock [1]
- Check lactate and glucose at presentation [1]
- Gentamicin dose is adjusted by level in renal impairment [1]
- Aciclovir is added when herpes simplex infection is possible [1]
- Ceftriaxone dose is 80 mg/kg once daily [1]

## References

1. Weiss SL, et al. Surviving Sepsis Campaign pediatric guidelines. Pediatr Crit Care Med. 2020.
"""


BRONCHIOLITIS = """\
# Bronchiolitis

- Bronchiolitis is a viral lower respiratory infection of infants [1]
- Give oxygen when saturation stays below 90% [1]
- Nasal suction may ease feeding [1]

## References

1. Ralston SL, et al. Clinical practice guideline: bronchiolitis. Pediatrics. 2014.
"""


def test_a_passage_is_credited_the_words_its_article_is_about(tmp_path):
    """"amox dose for AOM?": every other line of the otitis article says AOM, its dosing line does not. Read
    within its article (``Levels.themes``) the dosing line is about AOM too and comes first; by its own words alone,
    the line naming AOM beside amoxicillin and another drug led. A word most articles hold ("dose") is no theme."""
    with built_index(tmp_path, {"otitis.md": OTITIS, "croup.md": CROUP, "sepsis.md": CHILD_SEPSIS,
                                "bronchiolitis.md": BRONCHIOLITIS}) as loaded:
        question = "amox dose for AOM?"
        read_within = Answerer(loaded).rank(question, k=3)
        alone = Answerer(loaded, ranking=Weights(theme=0.0)).rank(question, k=3)
        text = loaded.passages.get
        assert text(read_within[0][0]).text.startswith("High-dose amoxicillin")
        assert not text(alone[0][0]).text.startswith("High-dose amoxicillin")
        levels = Answerer(loaded).levels
        otitis = next(iter(levels.holding("aom")))
        pids = [p for p, _ in read_within]
        import numpy as np

        credit = levels.themes({"aom": 1.0, "dose": 1.0}, np.array(pids), levels.s.article_of[pids])
        assert credit[0] > 0  # the dosing line lacks "AOM", which its article is about
        assert all(c == 0 for p, c in zip(pids, credit) if "AOM" in text(p).text)  # a line holding it gets nothing
        # one occurrence's BM25 weight for the passage's length, at Weights.theme and the question's weight
        from bot.bm25 import _impacts

        bm, first = loaded.bm25, pids[0]
        aom = bm.term_id("aom")
        assert credit[0] == pytest.approx(Weights().theme * _impacts(bm.idf[aom], 1.0, bm.norm[first], bm.k1p1))
        doubled = levels.themes({"aom": 2.0}, np.array(pids), levels.s.article_of[pids])
        assert doubled == pytest.approx(2 * levels.themes({"aom": 1.0}, np.array(pids), levels.s.article_of[pids]))
        # a word one line of the article names ("ibuprofen"), or two lines of seven ("tympanic", under 30 %), is not
        # what the article is about
        otitis_lines = [p for p in range(len(loaded.passages)) if text(p).source == "otitis.md"]
        assert levels.holding("ibuprofen")[otitis] == 1 and len(levels.holding("ibuprofen")) == 1
        tympanic = levels.holding(answerer_stem := Answerer(loaded).tokenizer("tympanic")[0])
        assert list(tympanic.values()) == [2] and 2 < Weights().theme_share * len(otitis_lines)
        for word in ("ibuprofen", answerer_stem):
            assert not levels.themes({word: 1.0}, np.array(otitis_lines), levels.s.article_of[otitis_lines]).any()
        # nor is a word one line of a short article names, though that line is a third of it ("suction")
        short = [p for p in range(len(loaded.passages)) if text(p).source == "bronchiolitis.md"]
        suction = Answerer(loaded).tokenizer("suction")[0]
        assert list(levels.holding(suction).values()) == [1] and 1 >= Weights().theme_share * len(short)
        assert not levels.themes({suction: 1.0}, np.array(short), levels.s.article_of[short]).any()
        # "dose" is in a third of the sepsis article's lines, but in three articles of four: it tells none apart
        sepsis = [p for p in range(len(loaded.passages)) if text(p).source == "sepsis.md"]
        assert levels.holding("dose").get(otitis) and len(levels.holding("dose")) == 3
        assert 3 * levels.holding("dose")[levels.s.article_of[sepsis[0]]] >= len(sepsis)
        assert not levels.themes({"dose": 1.0}, np.array(sepsis), levels.s.article_of[sepsis]).any()


def test_in_a_library_of_two_articles_a_word_of_one_can_be_its_theme(tmp_path):
    """A theme is held by at most a third of the articles, and in a library of two or three that is one article."""
    import numpy as np

    with built_index(tmp_path, {"otitis.md": OTITIS, "croup.md": CROUP}) as loaded:
        levels = Answerer(loaded).levels
        assert levels.n_articles == 2
        pids = np.arange(len(loaded.passages))
        credit = levels.themes({"aom": 1.0}, pids, levels.s.article_of[pids])
        lacking = [p for p in pids if loaded.passages.get(int(p)).source == "otitis.md"
                   and "AOM" not in loaded.passages.get(int(p)).text]
        assert lacking and all(credit[p] > 0 for p in lacking)

