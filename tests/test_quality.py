"""Answer quality: the dev-set regression gate, the lexicon, abbreviation harvesting, expansion, declines."""

from __future__ import annotations

import pytest

from bot import evaluate
from bot.lexicon import build, from_json, harvest, lexicon_text, parse_rows, to_json
from bot.tokenize import Tokenizer

from .conftest import built_index

# ../shared/eval/dev.jsonl on the bundled article: issue 7's targets were Hit@1 0.85, Hit@3 0.95. Measured
# 0.914 / 0.971 (an article's lead no longer comes before the line about the point asked: answer._lead_second),
# then 0.886 / 0.971 (fifteenth session: a lead-in close behind its item leads when it says as much of the question,
# answer.Answerer._parent_first; "Where in the body does calcinosis usually occur?" now shows "Calcinosis can
# present in various anatomical locations:" with its list first, not its item "Subcutaneous tissues (most
# common)", while four first answers were gained over the other tuning sets, one on the shared library set);
# the gate is 0.02 under that, as the library gate is.
HIT1, HIT3 = 0.86, 0.95


def test_dev_set_regression_gate(answerer, shared_dir):
    report = evaluate.evaluate(answerer, evaluate.load_items(shared_dir / "eval" / "dev.jsonl"))
    misses = evaluate.format_report(report, verbose=True)
    assert report.hit1 >= HIT1, misses
    assert report.hit3 >= HIT3, misses
    assert report.declined == 1.0, misses
    assert report.conversations_hit3 == 1.0, misses


# Held-out sets about the bundled article (tests/data/heldout_*.jsonl), written by colleagues who never saw
# the code. Earlier sessions tuned while looking at them, so they are tuning sets now, not blind ones: a
# gate at the measured level minus a small margin, so a change that helps the dev set by hurting questions
# asked in other words is caught. Measured (citebot eval tests/data/heldout_X.jsonl --corpus corpus):
# A 0.743 / 0.857 / 1.00 declined, B 0.839 / 0.935 / 0.89 declined (B's declines fell to 0.78 when the
# "numeric" intent, which restated an evaluation question's wording, was removed from data/intents.tsv, and
# came back with the unknown-word penalty; Hit@1 rose with the coverage re-ranking, answer.Settings).
HELDOUT_FLOORS = {"heldout_a.jsonl": (0.71, 0.83, 0.9), "heldout_b.jsonl": (0.80, 0.90, 0.85)}


@pytest.mark.parametrize("name", sorted(HELDOUT_FLOORS))
def test_blind_heldout_regression_gate(answerer, name):
    from pathlib import Path

    hit1, hit3, declined = HELDOUT_FLOORS[name]
    report = evaluate.evaluate(answerer, evaluate.load_items(Path(__file__).parent / "data" / name))
    misses = evaluate.format_report(report, verbose=True)
    assert report.hit1 >= hit1, misses
    assert report.hit3 >= hit3, misses
    assert report.declined >= declined, misses


def test_shipped_lexicon_is_well_formed_and_broad():
    rows = parse_rows(lexicon_text())
    assert len(rows) >= 400
    lex = build(Tokenizer())
    tok = Tokenizer()
    assert tuple(tok("myocardial infarction")) in lex.links[tuple(tok("heart attack"))]
    assert tuple(tok("surgical")) in lex.links[tuple(tok("surgery"))]
    assert lex.caps[tuple(tok("MI"))] == "MI"


def _shipped_links():
    """``linked(a, b)``: whether the shipped lexicon searches ``b`` for a question writing ``a``."""
    tok = Tokenizer()
    lex = build(tok)

    def linked(a: str, b: str) -> bool:
        return tuple(tok(b)) in lex.links.get(tuple(tok(a)), set())

    return linked


def test_a_shipped_variant_names_its_line_s_concept_not_a_broader_or_other_one():
    """The shipped lines after a clinician's review (thirteenth session): a variant that usually means something else
    ("pressure" is blood pressure, not trauma) or another concept (a subclass, "SABA", is no synonym of its class: it
    names its own members, salbutamol and not salmeterol) is not searched as the line's concept."""
    linked = _shipped_links()
    assert not linked("pressure", "trauma") and linked("injury", "trauma")
    assert linked("SABA", "salbutamol") and not linked("SABA", "salmeterol") and linked("LABA", "salmeterol")
    assert not linked("inhaler", "bronchodilator") and linked("reliever inhaler", "bronchodilator")
    assert not linked("dihydropyridine", "calcium channel blocker") and linked("GTN", "nitroglycerin")


def test_a_shipped_variant_is_the_same_thing_as_its_line_s_concept():
    """The shipped lines after a second review (eighteenth session, a reviewer who read only the data files): a variant
    that names another thing — the lab test for the vitamin, a related drug, a symptom for a disease, an archaic or
    everyday sense ("consumption", "cold", "primary", "support") — is not searched as the line's concept; distinct
    members of a kind (IgE and IgG, melanoma and basal cell carcinoma) are class lines, each member reaching the class
    and not the others."""
    linked = _shipped_links()
    assert linked("vit D", "vitamin d") and not linked("vit D", "25-hydroxyvitamin D")
    assert linked("vitamin D level", "25-hydroxyvitamin D") and not linked("vitamin d", "calcitriol")
    assert linked("TB", "tuberculosis") and not linked("consumption", "tuberculosis")
    assert not linked("cold", "common cold") and not linked("primary", "mainstay") and not linked("support", "splint")
    assert not linked("hip", "buttock") and not linked("growth", "lump") and not linked("CO2", "carbon dioxide laser")
    assert not linked("chest pain", "angina") and not linked("heartburn", "GERD") and not linked("sepsis", "infection")
    assert not linked("risk factor", "cause") and not linked("incidence", "prevalence")
    assert linked("IgE", "immunoglobulin") and not linked("IgE", "IgG")
    assert linked("melanoma", "skin cancer") and not linked("melanoma", "basal cell carcinoma")
    assert linked("mepolizumab", "IL-5 inhibitor") and not linked("mepolizumab", "IL-4/13 inhibitor")
    # "expecting" stems to expect: every "life expectancy" and "expected course" was searched as a pregnancy
    assert linked("pregnant", "gestation") and not linked("expecting", "pregnancy")


def test_class_lines_link_members_to_the_class_only():
    tok = Tokenizer()
    lex = build(tok, "> anticoagulant\twarfarin\theparin\n")
    assert lex.links[("warfarin",)] == {tuple(tok("anticoagulant"))}
    lex = build(tok, "anticoagulant\tblood thinner\n> anticoagulant\twarfarin\theparin\n")
    assert ("warfarin",) in lex.links[tuple(tok("blood thinner"))]
    assert ("heparin",) not in lex.links[("warfarin",)]
    # a concept line joining a member to its class ("colchicine  anti-gout drug") makes it no name of the class:
    # "colchicine dose" does not search for allopurinol
    lex = build(tok, "colchicine\tanti-gout drug\n> anti-gout drug\tcolchicine\tallopurinol\n")
    assert tuple(tok("anti-gout drug")) in lex.links[tuple(tok("colchicine"))]
    assert tuple(tok("allopurinol")) not in lex.links[tuple(tok("colchicine"))]
    assert tuple(tok("colchicine")) not in lex.links[tuple(tok("allopurinol"))]
    with pytest.raises(Exception, match="line 1"):
        build(tok, "lonely\n")


def test_a_blood_level_in_lay_words_searches_for_its_clinical_word():
    """``blood_levels.tsv``: hypo-/hyper- + a combining form + -emia is low / high what it measures, both ways and in
    both spellings ("which meds cause low sodium?" → hyponatremia; "hyperkalaemia" → high potassium)."""
    from bot.expand import Expander
    from bot.lexicon import level_lines

    tok = Tokenizer()
    lex = build(tok)
    vocab = {t: i for i, t in enumerate(tok("hyponatremia hyperkalemia low high sodium potassium medicines"))}
    expander = Expander(tok, lex, vocab)
    assert (tok("hyponatremia")[0],) in expander.expand("which meds cause low sodium?").phrases[tuple(tok("low sodium"))]
    assert tuple(tok("high potassium")) in expander.expand("hyperkalaemia after spironolactone").alternates[
        tok("hyperkalaemia")[0]]
    assert tuple(tok("hyperkalemia")) not in expander.expand("low potassium").alternates.get(tok("potassium")[0], ())
    lines = level_lines("# a comment\nnatr\tsodium\n").splitlines()
    assert len(lines) == 2 and lines[0].startswith("hyponatremia\thyponatraemia\tlow sodium\t")
    assert lines[1].startswith("hypernatremia\thypernatraemia\thigh sodium\t") and "elevated serum sodium" in lines[1]
    with pytest.raises(Exception, match="blood_levels.tsv line 2"):
        level_lines("# a comment\nnatr\n")


def test_capitals_written_with_a_sign_match_as_the_word():
    """ "potassium  K  K+": both spellings ask for the capital K, as a question's words come out ("K+" → K);
    the last one read used to win, so "K" never matched."""
    from bot.expand import Expander

    tok = Tokenizer()
    lex = build(tok, "potassium\tK\tK+\n")
    expander = Expander(tok, lex, {"potassium": 0, "k": 1})
    assert ("potassium",) in expander.expand("which meds raise K+?").alternates["k"]
    assert ("potassium",) in expander.expand("K is 6.2").alternates["k"]
    assert "k" not in expander.expand("vitamin k").alternates


def test_a_lexicon_alternative_the_index_lacks_reaches_its_word_family():
    """ "renal  nephrology": an article that says "nephrologist" never says "nephrology", whose stem
    (nephrolog) begins it; the stemmer keeps -ist words apart. A short stem reaches no family."""
    from bot.expand import Expander

    tok = Tokenizer()
    lex = build(tok, "nephrology\trenal\nkidney\tren\n")
    expander = Expander(tok, lex, {"nephrologist": 0, "renal": 1, "rent": 2, "renew": 3})
    assert ("nephrologist",) in expander.expand("send to renal?").alternates["renal"]
    assert not expander.expand("kidney").alternates.get("kidney")


def test_an_abbreviation_written_in_capitals_is_neither_clipped_nor_misspelt():
    """ "HFpEF" is one letter from "HFrEF" and "SCLE" holds the letters of "sclerosis" in order, but a word
    its writer spells with capitals is an abbreviation as meant: another one is another thing. The same
    letters typed in lower case may still be a slip ("hfpef") or a clipped word ("scle")."""
    from bot.expand import Expander

    tok = Tokenizer()
    ex = Expander(tok, build(tok, ""), {"hfref": 0, "sclerosi": 1, "scleroderma": 2, "heart": 3})
    assert not ex.expand("does entresto help in HFpEF?").alternates.get("hfpef")
    assert not ex.expand("which meds cause SCLE").alternates.get("scle")
    assert ("hfref",) in ex.expand("does entresto help in hfpef?").alternates["hfpef"]
    assert ("sclerosi",) in ex.expand("which meds cause scle").alternates["scle"]


def test_the_english_list_is_most_frequent_first_so_its_common_words_are_its_first_lines():
    """``english.common_words`` reads the list only up to its first word below ``COMMON``: exact only while the list
    keeps wordfreq's order, most frequent first."""
    from bot import english

    zipf = english.parse(english.freq_text())
    values = list(zipf.values())
    assert values == sorted(values, reverse=True)
    assert english.common_words() == {w for w, z in zipf.items() if z >= english.COMMON}


def test_a_common_english_word_is_not_read_as_a_clipped_one():
    """ "came", "ago" and "send" hold the letters of carbamazepine, agonist and second in order, but a word that
    common in English is itself (``expand._common_word``); a clipped form ("tab", "max") still stands for its term."""
    from bot.expand import Expander

    tok = Tokenizer()
    vocab = {t: i for i, t in enumerate(tok("carbamazepine agonist second tablet maximum potassium creatinine kidney"))}
    ex = Expander(tok, build(tok, ""), vocab)
    alts = ex.expand("K came back 5.8 two days ago, send a repeat?").alternates
    assert not alts.get("came") and not alts.get("ago") and not alts.get("send")
    assert not ex.expand("kid with a fever").alternates.get("kid")  # "kids" is common: no clipped kidney
    alts = ex.expand("one tab at max dose").alternates
    assert alts["tab"] == (("tablet",),) and alts["max"] == (("maximum",),)
    # the word as written is read, not its stem: "creat" shares "create"'s stem but is no English word
    assert (tok("creatinine")[0],) in ex.expand("creat 180 on ramipril, stop?").alternates["creat"]


# Seven articles whose words start "dex": a clipped "dex" may stand for any of them, more than MAX_CLIPPED.
DEX_ARTICLES = {
    "croup.md": "# Croup\n\n## Treatment\n\n- Dexamethasone 0.15 mg/kg by mouth for mild and moderate croup.\n"
                "- Nebulized epinephrine for severe croup with stridor at rest.\n",
    "sedation.md": "# ICU sedation\n\nDexmedetomidine infusion gives light sedation in ventilated adults.\n",
    "hypoglycemia.md": "# Hypoglycemia\n\nGive dextrose 10% intravenously when the glucose is low.\n",
    "gerd.md": "# Reflux\n\nDexlansoprazole 30 mg daily heals erosive esophagitis.\n",
    "cough.md": "# Cough\n\nDextromethorphan suppresses a dry cough in adults.\n",
    "hand.md": "# Hand osteoarthritis\n\nHand osteoarthritis reduces grip strength and dexterity.\n",
    "cardio.md": "# Anthracyclines\n\nDexrazoxane protects the heart during anthracycline chemotherapy.\n",
}


def test_an_ambiguous_clipped_word_stands_for_the_term_the_question_s_other_words_point_to(tmp_path):
    """In a library, "dex" may be clipped from seven index terms, too many to say which by its letters alone;
    the question's rarest other word says which: "croup" is in the article that holds dexamethasone, "adults" in
    two others (a rarer word outweighs a commoner one). A question with no other word, or whose other words no
    such article holds, still searches for none of them."""
    from bot.answer import Answerer
    from bot.expand import MAX_CLIPPED

    with built_index(tmp_path, DEX_ARTICLES) as loaded:
        a = Answerer(loaded)
        held = [t for t in a.index.bm25.vocab if t.startswith("dex")]
        assert len(held) > MAX_CLIPPED, held
        assert a.expand("dex dose for croup in adults?").alternates["dex"] == (("dexamethason",),)
        assert a.expand("dex for low glucose").alternates["dex"] == (("dextros",),)
        assert not a.expand("dex?").alternates.get("dex")
        assert not a.expand("dex for gout").alternates.get("dex")
        answer = a.ask("dex dose for croup?")
        assert answer.answered and answer.hits[0].passage.text.startswith("Dexamethasone 0.15 mg/kg")


K_ARTICLES = {
    "hyperkalemia.md": "# Hyperkalemia\n\n## Emergency treatment\n\n- Give calcium gluconate 10% 30 mL intravenously when the "
                       "ECG shows peaked T waves [1]\n- Insulin 10 units with glucose shifts potassium into cells within 15 "
                       "minutes [1]\n- Recheck serum potassium 1 to 2 hours after treatment [1]\n\n## References\n\n"
                       "1. Renal Association. Hyperkalaemia. 2020.\n",
    "warfarin.md": "# Warfarin reversal\n\n## Bleeding\n\n- Give vitamin K 5 to 10 mg intravenously for major bleeding on "
                   "warfarin [1]\n- Oral vitamin K 1 to 2.5 mg when the INR is above 10 without bleeding [1]\n- Prothrombin "
                   "complex concentrate works within 15 minutes [1]\n\n## References\n\n1. ACCP. Antithrombotic therapy. 2012.\n",
    "heart.md": "# Heart failure\n\n## Spironolactone\n\n- Spironolactone 25 mg daily in HFrEF, checking potassium and "
                "creatinine at 1 week [1]\n- Stop it if potassium rises above 6 mmol/L [1]\n\n## References\n\n1. ESC. Heart "
                "failure. 2021.\n",
}


def test_a_one_letter_abbreviation_is_searched_as_what_it_stands_for(tmp_path):
    """ "K is 6.1": the index's "k" is also the K of vitamin K; the lexicon's potassium (K in capitals) is what the
    question names, and it is searched as a word the index lacked would be (``Expanded.weights``): the potassium lines
    come before the vitamin K ones. Weighed as an alternative of a word the index holds, a vitamin K line was second."""
    from bot.answer import Answerer

    with built_index(tmp_path, K_ARTICLES) as loaded:
        answer = Answerer(loaded).ask("K is 6.1, what now?")
        shown = [h.passage.text for h in answer.hits[:2]]
        assert answer.answered and all("potassium" in t and "vitamin K" not in t for t in shown), shown


COPD_ARTICLES = {
    "copd.md": "# COPD\n\nChronic obstructive pulmonary disease (COPD) is a lasting airflow limitation [1].\n\n"
               "## Treating an exacerbation\n\n- Prednisone 40 mg once daily for 5 days in a COPD exacerbation [1]\n"
               "- Antibiotics when COPD sputum becomes purulent [1]\n- Smoking cessation at every COPD visit [1]\n\n"
               "## References\n\n1. GOLD. Global strategy for COPD. 2024.\n",
    "asthma.md": "# Acute asthma exacerbation in children\n\n## Systemic steroids\n\n- Prednisolone 1 to 2 mg/kg once "
                 "daily for 3 days in an acute exacerbation [1]\n- Dexamethasone 0.6 mg/kg once for an acute "
                 "exacerbation [1]\n\n## Chronic cough\n\n- A chronic cough that is obstructive on spirometry, with "
                 "pulmonary crackles, needs a chest x-ray to look for another disease [1]\n\n## References\n\n"
                 "1. BTS. Asthma guideline. 2019.\n",
}


def test_a_general_abbreviation_is_searched_as_the_articles_write_its_meaning(tmp_path):
    """AECOPD means "acute exacerbations of chronic obstructive pulmonary disease" (the shipped table); the COPD
    article defines COPD and then writes "COPD exacerbation", never the words spelt out, which the asthma article
    shares ("acute exacerbation", and the rest in other lines). The meaning is also searched as the articles write it,
    "acute exacerbations of COPD" (``lexicon._as_written``): the COPD line comes first. Spelt out only, the asthma
    article's prednisolone line came first."""
    from bot.answer import Answerer

    with built_index(tmp_path, COPD_ARTICLES) as loaded:
        answer = Answerer(loaded).ask("pred dose for AECOPD?")
        assert answer.answered and "COPD exacerbation" in answer.hits[0].passage.text, answer.hits[0].passage.text
    lex = build(Tokenizer(), "", [["COPD", "chronic obstructive pulmonary disease"],
                                  ["AECOPD", "acute exacerbations of chronic obstructive pulmonary disease", "general"]])
    assert ("acut", "exacerb", "copd") in lex.links[("aecopd",)]


def test_shorthand_for_a_stop_word_is_filler(answerer):
    """shorthand.tsv's "with  w/" and "without  w/o": "AF w RVR" searches for AF and RVR, not for a "w";
    an abbreviation that is a stop word but has letters of its own ("US" for ultrasound) is no filler."""
    tok = Tokenizer()
    lex = build(tok, "with\tw/\nwithout\tw/o\nultrasound\tUS\n")
    assert lex.fillers == {("w",), ("w", "o")}
    assert "w" not in answerer.expand("calcinosis w pain").terms
    assert answerer.expand("calcinosis w pain").terms == ("calcinosi", "pain")
    assert from_json(to_json(lex, "k")).fillers == lex.fillers


def test_a_phrase_reduced_to_one_stem_triggers_only_when_written_whole():
    """"take out" keeps one stem (take): "take" alone must not search for excision, "take out" must;
    the phrase is still searched for from the other variants ("excision" → take)."""
    from bot.expand import Expander

    tok = Tokenizer()
    lex = build(tok, "excision\tremoval\ttake out\n")
    vocab = {s: i for i, s in enumerate(tok("excision removal take weekly tablet"))}
    ex = Expander(tok, lex, vocab)
    assert ("excis",) not in ex.expand("how should I take the weekly tablet").alternates.get("take", ())
    assert ("excis",) in ex.expand("should we take out the lump").alternates["take"]
    assert ("take",) in ex.expand("when is excision needed").alternates["excis"]


def test_harvest_abbreviations():
    pairs = harvest(["Common complication in juvenile dermatomyositis (JDM) 1",
                     "seen in limited cutaneous systemic sclerosis (lcSSc), formerly",
                     "patients (n=5) in 2010 (2010) and (see above)"])
    assert pairs == [["JDM", "juvenile dermatomyositis"], ["lcSSc", "limited cutaneous systemic sclerosis"]]


def test_abbreviations_are_recorded_in_the_index(answerer):
    assert ["JDM", "juvenile dermatomyositis"] in answerer.index.abbreviations


def test_lay_words_reach_clinical_passages(answerer):
    answer = answerer.ask("Can an operation remove the lumps?")
    assert answer.answered and "Surgical" in answer.hits[0].passage.text


def test_two_letter_abbreviation_needs_capitals(answerer):
    assert answerer.expand("Is an MI likely?").alternates
    assert not answerer.expand("mi").alternates


@pytest.mark.parametrize("question", ["How is anaemia diagnosed?", "What is the dose of metformin?",
                                      "What are the side effects of ibuprofen?"])
def test_look_alike_questions_are_declined(answerer, question):
    assert not answerer.ask(question).answered


def test_follow_up_uses_earlier_turns(answerer):
    from bot.answer import Conversation

    conv = Conversation(answerer)
    conv.ask("Which antibodies are linked to calcinosis in systemic sclerosis?")
    answer = conv.ask("and in children?")
    assert answer.answered and ("JDM" in answer.hits[0].passage.text or "juvenile" in answer.hits[0].passage.text)
    # the earlier turn shapes the rest of the answer: its antibodies, which the follow-up alone does not find
    assert any("antibody" in h.passage.text for h in answer.hits)
    alone = answerer.ask("and in children?")
    assert not any("antibody" in h.passage.text for h in alone.hits)


def test_english_frequency_list_and_specificity():
    from bot import english

    freq = english.parse(english.freq_text())
    assert len(freq) > 30_000 and freq["the"] > 7
    zipf = english.stem_zipf(Tokenizer())
    assert english.specificity(zipf.get("enough")) == english.FLOOR  # everyday filler
    assert english.specificity(None) == 1.0  # unlisted: drug and disease names
    assert english.specificity(zipf.get("calcinosi")) == 1.0
    assert english.specificity(3.5) == pytest.approx(1 - (1 - english.FLOOR) / 4)


def test_unseen_filler_weighs_less_than_unseen_specific_word(answerer):
    filler = answerer._unit_weight(("enough",), ())[1]
    specific = answerer._unit_weight(("calciphylaxi",), ())[1]
    assert filler < 0.2 * specific


def test_lexicon_phrase_counts_once(answerer):
    turn = answerer.expand("Is an x-ray useful for calcinosis?")
    units = [stems for stems, _ in answerer._units(turn)]
    assert tuple(Tokenizer()("x-ray")) in units
    assert not any(u == ("x",) or u == ("ray",) for u in units)


def test_or_joins_alternatives(answerer):
    assert ("sle", "mctd") in answerer.expand("is it seen in SLE or MCTD?").either


def test_shipped_lexicon_files_parse_and_link_drug_classes():
    from bot.lexicon import LEXICON_FILES, lexicon_files

    assert [n for n, _ in lexicon_files()] == list(LEXICON_FILES)
    tok = Tokenizer()
    for name, text in lexicon_files():
        assert parse_rows(text, source=name)
    lex = build(tok)
    assert ("diltiazem",) in lex.links[tuple(tok("calcium channel blocker"))]
    assert tuple(tok("bisphosphonate")) in lex.links[("alendron",)]
    assert ("patient",) in lex.open_links[("pt",)]  # "pt" in lower case means patient ...
    assert lex.caps[("pt",)] == "PT"  # ... while only "PT" also means physiotherapy


@pytest.mark.parametrize("question", ["where do I get my parking validated in the new building?",
                                      "what's the sodium thiosulfate dose for calciphylaxis in a dialysis patient?"])
def test_filler_and_unseen_specific_questions_are_declined(answerer, question):
    assert not answerer.ask(question).answered


@pytest.mark.parametrize("question", ["is a plain x-ray enough to see calcinosis?",
                                      "are bisphosphonates like risedronate tried for calcinosis?"])
def test_lay_and_class_questions_are_answered(answerer, question):
    assert answerer.ask(question).answered


def test_intents_file_loads_and_is_general():
    from bot import intent
    from bot.tokenize import Tokenizer

    intents = intent.load(Tokenizer())
    names = {i.name for i in intents}
    assert {"treatment", "dose", "diagnosis"} <= names
    for i in intents:
        assert i.cues and i.evidence


def test_question_asking_for_a_kind_of_information_needs_a_passage_of_that_kind(answerer):
    # the article names rituximab but gives no dose; it names Raynaud's phenomenon but not its treatment
    assert not answerer.ask("What is the rituximab dose for calcinosis?").answered
    assert answerer.ask("Is rituximab used for calcinosis?").answered
    assert answerer.ask("How is calcinosis diagnosed?").answered


def test_intent_check_reads_the_section_path():
    from bot import intent
    from bot.tokenize import Tokenizer

    tok = Tokenizer()
    [treat] = [i for i in intent.load(tok) if i.name == "treatment"]
    assert intent.asked((treat,), tok("how do we treat it?")) == (treat,)
    assert intent.satisfied(treat, set(tok("Colchicine Treatment Challenges")))
    assert not intent.satisfied(treat, set(tok("Colchicine Raynaud phenomenon")))


def test_a_cue_of_several_words_signals_its_intent_only_as_written():
    """ "first-line" asks for a treatment; "first" alone ("in the first day", "first trimester") and "line" alone
    ("PICC line") do not (each word had been a cue of its own: "max Na rise in the first day?" then wanted a
    treatment, and a treatment line two places down was brought first)."""
    from bot import intent
    from bot.tokenize import Tokenizer

    tok = Tokenizer()
    [treat] = [i for i in intent.load(tok) if i.name == "treatment"]
    assert ("first", "line") in treat.phrases and not {"first", "line"} & treat.cues
    for q in ("first-line for gout?", "what is first line for gout", "gout: first-line options"):
        assert intent.asked((treat,), tok(q)) == (treat,), q
    for q in ("chronic hypoNa - max Na rise in the first day?", "when is the PICC line removed?",
              "line first, then what?"):
        assert intent.asked((treat,), tok(q)) == (), q


def test_shipped_english_stems_match_the_tokenizer_and_word_list():
    """english_stems.tsv is derived data: regenerate it with bot/data/make_english_freq.py --stems."""
    from importlib import resources

    from bot import english
    from bot.tokenize import Tokenizer

    tok = Tokenizer()
    shipped = resources.files("bot.data").joinpath("english_stems.tsv").read_text(encoding="utf-8")
    assert shipped == english.render_stems(tok)
    assert english.parse(shipped) == english.compute_stem_zipf(tok)


def test_an_english_word_the_index_lacks_is_not_taken_for_a_misspelling(answerer):
    """ "frail" is a word (english_freq.tsv), not a misspelt "fail"; "reatment" is no word: → treatment."""
    ex = answerer.expander
    assert ex._misspelt("frail") or ex._misspelt("reatment")  # the edit-distance lookup itself finds neighbours
    assert "frail" not in answerer.expand("frail elderly patients").alternates
    assert ("treatment",) in answerer.expand("reatment of calcinosis").alternates["reatment"]


HYPONATREMIA = """\
# Hyponatremia

Hyponatremia is a serum sodium below 135 mmol/L [1].

## Treatment

- Fluid restriction to less than 1 liter per day is first line for SIADH [1].
- Severe symptoms: 150 mL of 3% saline over 20 minutes, repeated up to three times [1].
- Keep the rise in serum sodium to no more than 10 mmol/L in the first 24 hours [1].

## References

1. Spasovski G, et al. Eur J Endocrinol 2014.
"""


def test_a_word_of_the_opposite_prefix_is_not_a_misspelling(tmp_path):
    """ "hypernatremia" is one letter from "hyponatremia" but its opposite: in a library that only treats
    hyponatremia, "how do you treat hypernatremia?" is declined, not answered with the hyponatremia lines; a real
    misspelling ("hyponatremai") is still read as the word."""
    from bot.answer import Answerer

    with built_index(tmp_path, {"hyponatremia.md": HYPONATREMIA}) as loaded:
        answerer = Answerer(loaded)
        assert "hypernatremia" not in answerer.expand("how do you treat hypernatremia?").alternates
        assert not answerer.ask("how do you treat hypernatremia?").answered
        assert ("hyponatremia",) in answerer.expand("how do you treat hyponatremai?").alternates["hyponatremai"]
        assert answerer.ask("how do you treat hyponatremai?").answered
    from bot.expand import Expander, _opposite

    assert _opposite("microcyt", "macrocyt") and _opposite("intraven", "interven")
    assert not _opposite("hyponatremai", "hyponatremia")
    # a word no lexicon line knows meets the same rule when it is read for a misspelling ("hypernatremia" above is a
    # blood level by word formation, so it is never read as one): "microcytic" is no misspelt "macrocytic"
    tok = Tokenizer()
    ex = Expander(tok, build(tok, ""), {"macrocyt": 0, "anemia": 1})
    assert not ex.expand("microcytic anemia workup").alternates.get("microcyt")
    assert ("macrocyt",) in ex.expand("macrocytik anemia workup").alternates["macrocytik"]


def test_dose_and_treatment_evidence_are_general_units_and_drug_words():
    from bot import intent

    tok = Tokenizer()
    by_name = {i.name: i for i in intent.load(tok)}
    assert intent.satisfied(by_name["dose"], set(tok("Maintenance: 1,500 to 2,000 IU daily")))
    assert intent.satisfied(by_name["treatment"], set(tok("Oral preventive drugs with established efficacy")))
    assert not intent.satisfied(by_name["dose"], set(tok("Vitamin D is made in the skin")))


def test_a_word_the_index_lacks_weighs_as_its_most_common_alternative(answerer):
    """ "meds" is not in the article; its alternatives are. It weighs what the commonest of them weighs (the
    way the articles usually say it), not the rarest one's idf."""
    turn = answerer.expand("which meds help calcinosis")
    alts = [a for a in turn.alternates["med"] if all(answerer.index.bm25.term_id(s) is not None for s in a)]
    idfs = [sum(answerer.index.bm25.idf[answerer.index.bm25.term_id(s)] for s in a) / len(a) for a in alts]
    assert len(set(idfs)) > 1
    assert answerer._unit_weight(("med",), tuple(alts))[0] == pytest.approx(min(idfs))


ARDS_ARTICLES = {
    "ards.md": "# Acute respiratory distress syndrome\n\n## Ventilation\n\n- Tidal volume 6 mL/kg of predicted body weight "
               "[1]\n- Plateau pressure at or below 30 cm H2O [1]\n- Higher rather than lower PEEP for moderate or severe "
               "ARDS [1]\n\n## Adjuncts\n\n- Prone positioning for at least 16 h a day in severe ARDS [2]\n- Neuromuscular "
               "blockade: a 48-hour cisatracurium infusion did not reduce mortality in the ROSE trial [2]\n- Inhaled "
               "nitric oxide improves oxygenation but not survival [2]\n\n## References\n\n1. ATS. Mechanical "
               "ventilation in ARDS. 2017.\n2. Moss M. Early neuromuscular blockade in ARDS. NEJM 2019.\n",
}


def test_a_number_written_with_its_unit_matches_the_number_when_the_unit_is_spelt_out(tmp_path):
    """"48h" is searched as "48" and "h" where the index holds both ("16 h a day"), and as "48" alone: the article
    writes "a 48-hour infusion". With the pair only, the prone positioning line ("16 h", "severe ARDS") came first."""
    from bot.answer import Answerer

    with built_index(tmp_path, ARDS_ARTICLES) as loaded:
        answer = Answerer(loaded).ask("48h drip in severe ARDS?")
        assert answer.answered and "48-hour" in answer.hits[0].passage.text, answer.hits[0].passage.text


NOSE_ARTICLES = {
    "epistaxis.md": "# Epistaxis\n\n## First aid\n\n- Pinch the soft part of the nose firmly for 10 to 15 minutes, leaning "
                    "forward [1]\n- Cauterise a visible anterior bleeding point with silver nitrate [1]\n\n## References\n\n"
                    "1. NICE CKS. Epistaxis. 2024.\n",
    "ulcers.md": "# Pressure ulcers\n\n## Prevention\n\n- Relieve pressure on the heels and sacrum every 2 hours [1]\n- A firm "
                 "foam mattress spreads the load for 15 minutes of sitting [1]\n\n## References\n\n1. NICE. Pressure ulcers. "
                 "2014.\n",
    "zoster.md": "# Herpes zoster\n\n## Treatment\n\n- Start aciclovir 800 mg five times daily within 72 hours of the rash [1]\n"
                 "- Offer the recombinant shingles vaccine from age 50 [1]\n\n## References\n\n1. PHE. Shingles. 2019.\n",
}


def test_a_disease_named_by_another_of_its_names_searches_for_the_name_the_articles_use(tmp_path):
    """``diseases.py`` (MeSH's entry terms, ``data/disease_names.tsv``): "nosebleed" is epistaxis, and only names
    some passage holds whole are searched (not "nose bleed", whose words no passage holds together). A name the
    articles use is searched as written: "shingles" and "herpes zoster" bring each other only where an index
    lacks one of them."""
    from bot.answer import Answerer
    from bot.diseases import key, synonyms

    tok = Tokenizer()
    assert "epistaxis" in synonyms(key(tok, "nosebleed")) and "nosebleed" in synonyms(key(tok, "epistaxis"))
    assert synonyms(key(tok, "the")) == ()
    with built_index(tmp_path, NOSE_ARTICLES) as loaded:
        a = Answerer(loaded)
        # "nose bleed": both words are in the epistaxis article, never in one passage
        assert a.expand("how long to pinch for a nosebleed?").alternates[tok("nosebleed")[0]] == (tuple(tok("epistaxis")),)
        assert tok("epistaxis")[0] not in a.expand("epistaxis first aid").alternates
        # the articles use both "herpes zoster" and "shingles": each is searched as written
        assert not a.expand("aciclovir dose for shingles").alternates.get(tok("shingles")[0])
        assert not a.expand("aciclovir dose for herpes zoster").alternates.get(tok("zoster")[0])
        answer = a.ask("how long to pinch for a nosebleed?")
        assert answer.answered and answer.hits[0].passage.text.startswith("Pinch the soft part"), answer.hits[:1]
    (tmp_path / "without").mkdir()
    with built_index(tmp_path / "without", {"zoster.md": NOSE_ARTICLES["zoster.md"].replace(
            "- Offer the recombinant shingles vaccine from age 50 [1]\n", "")}) as loaded:
        a = Answerer(loaded)
        assert tuple(tok("herpes zoster")) in a.expand("aciclovir dose for shingles").alternates[tok("shingles")[0]]
        answer = a.ask("aciclovir dose for shingles?")
        assert answer.answered and answer.hits[0].passage.text.startswith("Start aciclovir")


def test_the_disease_name_keys_are_read_as_questions_are():
    """``data/disease_keys.tsv`` keys each name of ``disease_names.tsv`` by its words as a question's are read
    (``diseases.key``): regenerate both (``make_disease_names.py``) when the stop words or that reading change."""
    from bot.data import lines
    from bot.data.make_disease_names import key_lines

    names = lines("disease_names.tsv")
    assert len(names) > 5000
    assert key_lines(names) == lines("disease_keys.tsv")


def test_a_disease_name_inside_a_longer_one_is_not_looked_up_on_its_own():
    """ "trigeminal neuralgia" is one disease: the neuralgia inside it does not bring neuralgia's other names
    ("neuropathic pain", which an article may set apart from it: "neuropathic pain other than trigeminal neuralgia")."""
    from bot.expand import Expander

    tok = Tokenizer()
    expander = Expander(tok, build(tok, ""), {t: i for i, t in enumerate(tok("neuropathic pain carbamazepine"))})
    neuralgia = tok("neuralgia")[0]
    assert tuple(tok("neuropathic pain")) in expander.expand("carbamazepine for neuralgia").alternates[neuralgia]
    assert neuralgia not in expander.expand("carbamazepine for trigeminal neuralgia").alternates


VENT_ARTICLES = {
    "ards.md": "# ARDS ventilation\n\n## Settings\n\n- Initial ventilator settings: tidal volume 6 mL/kg predicted body weight "
               "and a respiratory rate up to 35 breaths per minute [1]\n- Ventilator settings: respiratory rate up to 35 "
               "breaths per minute with an I:E ratio of 1:1 to 1:2 [1]\n- Keep the plateau pressure below 30 cm H2O [1]\n\n"
               "## References\n\n1. ATS. ARDS. 2017.\n",
    "copd.md": "# COPD exacerbation\n\n## Ventilation\n\n- Start noninvasive ventilation when the pH is below 7.35 with a "
               "raised PaCO2 [1]\n- Settings: expiratory pressure 4 to 5 cm H2O, inspiratory pressure 15 cm H2O, a backup "
               "rate of 15 [1]\n\n## References\n\n1. GOLD. 2024.\n",
}


def test_a_disease_the_question_names_and_no_article_does_is_declined_on(tmp_path):
    """ "asthmaticus" is in no word list but in a disease name MeSH knows ("status asthmaticus"): a library of ARDS
    and COPD ventilation, which has the question's other words, declines it as it declines "how do you reverse
    heparin?" (``decide.Decider._unheard``); the ARDS question is answered."""
    from bot.answer import Answerer

    with built_index(tmp_path, VENT_ARTICLES) as loaded:
        a = Answerer(loaded)
        assert tuple(Tokenizer()("status asthmaticus")) in a.expand("status asthmaticus?").diseases
        assert not a.ask("vent settings for status asthmaticus - what RR and I:E ratio?").answered
        answer = a.ask("vent settings for ARDS - what RR and I:E ratio?")
        assert answer.answered and answer.hits[0].passage.text.startswith("Ventilator settings: respiratory rate")
