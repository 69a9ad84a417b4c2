"""Conversations on a library: a follow-up keeps the topic of the turns before it.

Two articles that share their ask-words ("dose", "treatment", "used"): a follow-up such as "what dose is
used?" names no topic, so only the conversation can tell which article it is about. Each test here fails
when the context is dropped (``use_context=False`` shows that it does).
"""

from __future__ import annotations

import json
import subprocess
import sys

from dataclasses import replace
from pathlib import Path

import pytest

from bot.answer import Answerer, Conversation, Settings
from bot.indexer import open_fresh

from .conftest import built_index

CALCIPHYLAXIS = """\
# Calciphylaxis in kidney disease

Calciphylaxis is calcification of small skin vessels in patients on dialysis [1].

## Treatment

Treatment of calciphylaxis combines wound care, pain control and intensified dialysis [1].

- Sodium thiosulfate 25 g intravenously after each dialysis session is the usual dose [2]
- Stop warfarin and correct calcium and phosphate [1]

## References

1. Nigwekar SU, et al. Calciphylaxis. N Engl J Med. 2018.
2. Brandenburg VM, et al. Calcific uraemic arteriolopathy. Nephrol Dial Transplant. 2017.
"""

OSTEOPOROSIS = """\
# Osteoporosis treatment

Antiresorptive drugs lower the fracture risk of women with osteoporosis [1].

## Doses

- Alendronate 70 mg once weekly is the usual oral dose used [1]
- Risedronate 35 mg once weekly is the dose used by most women [1]
- Zoledronic acid 5 mg intravenously once a year is the dose used in hospital [2]
- Denosumab 60 mg every 6 months; doses must not be delayed [2]

## References

1. Compston JE, et al. Osteoporosis. Lancet. 2019.
2. Eastell R, et al. Pharmacological management of osteoporosis. J Clin Endocrinol Metab. 2019.
"""


@pytest.fixture
def library(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "calciphylaxis.md").write_text(CALCIPHYLAXIS, encoding="utf-8")
    (corpus / "osteoporosis.md").write_text(OSTEOPOROSIS, encoding="utf-8")
    return corpus, tmp_path / "index"


@pytest.fixture
def answerer(library):
    loaded, _ = open_fresh(*library)
    yield Answerer(loaded)
    loaded.passages.close()


def _first(answer) -> str:
    return answer.hits[0].passage.text if answer.answered else "(declined)"


def test_follow_up_keeps_the_topic_and_fails_without_context(answerer):
    conv = Conversation(answerer)
    assert "calciphylaxis" in _first(conv.ask("how is calciphylaxis treated")).lower()
    assert "thiosulfate 25 g" in _first(conv.ask("what dose is used?"))
    alone = Conversation(answerer, use_context=False)
    alone.ask("how is calciphylaxis treated")
    assert "thiosulfate" not in _first(alone.ask("what dose is used?"))


DEPRESSION = """\
# Antidepressants for depression

## First-line treatment

- A selective serotonin reuptake inhibitor (SSRI) is first-line for moderate depression [1]
- Sertraline 50 mg daily, up to 200 mg daily [1]
- Escitalopram 10 mg daily, up to 20 mg daily [1]
- Citalopram 20 mg daily, up to 40 mg daily [1]
- Fluoxetine 10 to 20 mg daily is a first-line antidepressant for moderate depression [1]
- Score moderate depression with a rating scale: 10 to 14 is moderate [1]
- Judge the response to a first-line antidepressant after 4 to 6 weeks [1]

## Special groups

- In pregnancy, sertraline is usually preferred among SSRIs [2]
- Older adults start at half the usual dose [2]

## References

1. NICE. Depression in adults. 2022.
2. ACOG. Depression in pregnancy. 2023.
"""

EPILEPSY = """\
# Epilepsy drugs

## Choosing a drug

- Lamotrigine or levetiracetam is first-line for focal epilepsy [1]
- Valproate is avoided when a woman could become pregnant [1]
- Levetiracetam 500 mg twice daily at first [1]

## References

1. NICE. Epilepsies. 2022.
"""


def test_a_follow_up_naming_a_detail_is_answered_by_the_passage_about_it(tmp_path):
    """ "she's 10 wks pregnant" after first-line antidepressants: the pregnancy line of the topic's article leads,
    not the lines sharing "10" and the first turn's words (they lead when ``own_depth`` is 0)."""
    with built_index(tmp_path, {"depression.md": DEPRESSION, "epilepsy.md": EPILEPSY}) as loaded:
        for depth, first in ((30, "In pregnancy, sertraline"), (0, "Score moderate depression")):
            conv = Conversation(Answerer(loaded, settings=replace(Settings(), own_depth=depth)), top=3)
            assert conv.ask("first line antidepressant for moderate depression?").answered
            answer = conv.ask("she's 10 wks pregnant")
            assert answer.answered and answer.hits[0].passage.text.startswith(first), depth


UTI = """\
# Urinary tract infection

## Pyelonephritis

- Outpatients: ciprofloxacin 500 mg twice daily for 7 days [1]
- Outpatients allergic to it: trimethoprim-sulfamethoxazole twice daily for 14 days [1]
- Ceftriaxone 1 g intravenously once before oral antibiotics for outpatients [1]
- Admit patients with sepsis, persistent vomiting or pregnancy [1]

## Cystitis

- Nitrofurantoin 100 mg twice daily for 5 days [1]
- Fosfomycin 3 g once [1]

## References

1. IDSA. Uncomplicated urinary tract infection. 2011.
"""

PREGNANCY = """\
# Care in pregnancy

- Folic acid 400 micrograms daily before and in early pregnancy [1]
- Every pregnant patient is offered screening for anemia in pregnancy [1]
- Blood pressure is checked at every pregnancy visit [1]
- Asymptomatic bacteriuria is screened for in pregnancy and treated [1]
- Low-dose aspirin from 12 weeks of pregnancy for those at risk of preeclampsia [1]
- Iron is given to pregnant patients with anemia [1]

## References

1. NICE. Antenatal care. 2021.
"""


def test_a_follow_up_weighs_its_own_words_by_their_rarity_in_the_topic_s_article(tmp_path, monkeypatch):
    """ "she's pregnant" after outpatient antibiotics for pyelonephritis: the library's pregnancy article makes
    "pregnant" a common word, but one line of the topic's article names it, and that line leads. Weighed by its
    rarity in the library, as the first turn's words are, it would not (``rank.Levels.within`` as identity)."""
    from bot.rank import Levels

    with built_index(tmp_path, {"uti.md": UTI, "pregnancy.md": PREGNANCY}) as loaded:
        for within, leads in ((Levels.within, True), (None, False)):
            monkeypatch.setattr(Levels, "within", within or (lambda self, query, own, topic: query))
            conv = Conversation(Answerer(loaded), top=3)
            assert conv.ask("outpatient antibiotics for pyelonephritis?").answered
            answer = conv.ask("she's pregnant")
            shown = [(h.passage.text, round(h.score, 2)) for h in answer.hits]
            assert answer.answered and shown[0][0].startswith("Admit patients") == leads, (within, shown)


def test_pregnant_and_pregnancy_are_one_word(tmp_path, monkeypatch):
    """ "she's 20 wks pregnant" after outpatient antibiotics for pyelonephritis: the topic's article says "pregnancy",
    the library's pregnancy article says "pregnant" too. As one stem (``tokenize.DERIVED``: an adjective and the
    noun Snowball leaves apart) the follow-up's word is the pregnancy line's at its full weight, and that line
    joined; stemmed apart, "pregnancy" is only the lexicon's alternative of a word the index holds (0.3). Before
    units counted as generic words ("wks": ``decide.Decider``), a line sharing the first turn's words came first
    then; now the pregnancy line joined either way, and the weights tell the two apart."""
    from bot import english, tokenize

    assert tokenize.Tokenizer()("pregnant pregnancy") == ["pregnanc", "pregnanc"]
    for derived, joined in ((tokenize.DERIVED, True), ((), False)):
        monkeypatch.setattr(tokenize, "DERIVED", derived)
        monkeypatch.setattr(english, "_cache", {})  # English frequencies by stem: worked out for these stems
        (tmp_path / str(joined)).mkdir()
        with built_index(tmp_path / str(joined), {"uti.md": UTI, "pregnancy.md": PREGNANCY}) as loaded:
            conv = Conversation(Answerer(loaded), top=3)
            assert conv.ask("outpatient antibiotics for pyelonephritis?").answered
            answer = conv.ask("she's 20 wks pregnant")
            shown = [(h.passage.text, round(h.score, 2)) for h in answer.hits]
            assert answer.answered and shown[0][0].startswith("Admit patients"), (derived, shown)
            a = conv.answerer
            turn, _ = a._read("she's 20 wks pregnant", [])
            assert (a._weighted_query(turn, []).get("pregnanc") == 1.0) == joined


def test_a_follow_up_s_numbers_are_the_patient_s_and_decline_nothing(tmp_path):
    """ "she is 82 - what dose?" after first-line antidepressants: no passage holds "82", and none needs to."""
    with built_index(tmp_path, {"depression.md": DEPRESSION, "epilepsy.md": EPILEPSY}) as loaded:
        conv = Conversation(Answerer(loaded), top=3)
        assert conv.ask("first line antidepressant for moderate depression?").answered
        answer = conv.ask("she is 82 - what dose?")
        assert answer.answered
        assert any(h.passage.text.startswith("Older adults start at half") for h in answer.hits)


CALCINOSIS = """\
# Calcinosis in systemic sclerosis

Calcinosis is calcium deposited in the skin of patients with systemic sclerosis [1].

## Treatment

- Diltiazem may shrink small calcinosis deposits [1]
- Surgical excision removes large painful calcinosis deposits [1]
- Bisphosphonates reduced calcinosis in a few case reports [1]

## References

1. Valenzuela A, et al. Calcinosis. Curr Opin Rheumatol. 2019.
"""

CALCIPHYLAXIS_TREATMENTS = """\
# Calciphylaxis

Calciphylaxis is calcification of small skin vessels in patients on dialysis [1].

## Diagnosis

- Calciphylaxis presents with painful skin ulcers and necrosis [1]
- Skin biopsy confirms calciphylaxis when the picture is unclear [1]
- Calciphylaxis risk rises with warfarin, obesity and diabetes [1]
- Calciphylaxis in patients not on dialysis is rare [1]
- Calciphylaxis lesions favour the thighs and abdomen [1]

## Treatment

- Sodium thiosulfate after each dialysis session may help calciphylaxis heal [2]
- Wound care and pain control help calciphylaxis ulcers [1]
- Intensified dialysis may help calciphylaxis [1]
- Other options with limited evidence:
  - Hyperbaric oxygen [2]
  - Bisphosphonates such as pamidronate have been tried in small case series only, with uncertain benefit and a risk of adynamic bone disease in patients on dialysis [2]

## References

1. Nigwekar SU, et al. Calciphylaxis. N Engl J Med. 2018.
2. Brandenburg VM, et al. Calcific uraemic arteriolopathy. Nephrol Dial Transplant. 2017.
"""


def test_a_follow_up_on_a_new_topic_asks_the_earlier_question_about_it(tmp_path):
    """ "what about in calciphylaxis?" after "do bisphosphonates help calcinosis?": the bisphosphonates line of
    the calciphylaxis article leads, not the lines that say calciphylaxis and "help" (they lead when the earlier
    turn's words keep the context's weight, ``carry_weight`` 0)."""
    articles = {"calcinosis.md": CALCINOSIS, "calciphylaxis.md": CALCIPHYLAXIS_TREATMENTS}
    with built_index(tmp_path, articles) as loaded:
        for weight, leads in ((Settings().carry_weight, True), (0.0, False)):
            conv = Conversation(Answerer(loaded, settings=replace(Settings(), carry_weight=weight)), top=3)
            assert conv.ask("do bisphosphonates help calcinosis?").answered
            answer = conv.ask("what about in calciphylaxis?")
            assert answer.answered and answer.new_topic
            assert answer.hits[0].passage.text.startswith("Bisphosphonates such as pamidronate") == leads, weight
            assert all(h.passage.source == "calciphylaxis.md" for h in answer.hits[:1])


AF_RATE = """\
# Rate control in atrial fibrillation

- Beta blockers such as metoprolol are first-line for rate control in AF [1]
- Diltiazem controls the ventricular rate when the ejection fraction is preserved [1]
- Digoxin is added when rate control is not reached with one drug [1]

## References

1. Joglar JA, et al. 2023 ACC/AHA/ACCP/HRS guideline for atrial fibrillation. Circulation. 2024.
"""

MIGRAINE = """\
# Migraine prevention

- Propranolol is a first-line preventive drug for migraine [1]
- In pregnancy, low-dose amitriptyline is preferred if prevention is needed [1]
- Topiramate needs reliable contraception [1]
- With asthma, propranolol is avoided [1]

## References

1. Eigenbrodt AK, et al. Diagnosis and management of migraine in ten steps. Nat Rev Neurol. 2021.
"""

AF_STROKE = """\
# Stroke prevention in atrial fibrillation

- A DOAC is preferred over warfarin for most patients with AF [1]
- In pregnancy, low-molecular-weight heparin replaces oral anticoagulants for AF [1]
- Aspirin alone is not used for stroke prevention [1]

## References

1. Joglar JA, et al. 2023 ACC/AHA/ACCP/HRS guideline for atrial fibrillation. Circulation. 2024.
"""

ASTHMA = """\
# Asthma in adults

- Inhaled corticosteroids are the basis of asthma control [1]
- Asthma attacks are treated with salbutamol and oral steroids [1]
- Beta blockers can worsen asthma [1]

## References

1. Global Initiative for Asthma. Global strategy for asthma management and prevention. 2024.
"""


def test_a_follow_up_with_no_subject_of_its_own_leaves_its_topic_only_for_an_article_sharing_it(tmp_path):
    """"and if she is pregnant?" after rate control for AF names no disease or drug of its own: it is about AF. An
    article on another subject (migraine) that speaks of pregnancy does not answer it: declined, where the rate
    control article says nothing of pregnancy, nor when migraine was the conversation's subject before AF; so is
    "and if she has asthma?", a disease the patient has, not a subject. An article about the conversation's
    subject too (stroke prevention in AF) answers it."""
    (tmp_path / "two").mkdir()
    with built_index(tmp_path / "two", {"af-rate.md": AF_RATE, "migraine.md": MIGRAINE}) as loaded:
        conv = Conversation(Answerer(loaded))
        assert conv.ask("rate control options for AF?").answered
        assert _first(conv.ask("and if she is pregnant?")) == "(declined)"
        assert _first(conv.ask("and if she has asthma?")) == "(declined)"  # what the patient has: no subject
        conv.reset()
        assert conv.ask("what prevents migraine?").answered
        assert "amitriptyline" in _first(conv.ask("and if she is pregnant?"))  # within its topic
        assert conv.ask("rate control options for AF?").new_topic
        assert _first(conv.ask("and if she is pregnant?")) == "(declined)"  # migraine, left behind, counts no more
    (tmp_path / "asthma").mkdir()
    with built_index(tmp_path / "asthma", {"af-rate.md": AF_RATE, "asthma.md": ASTHMA}) as loaded:
        conv = Conversation(Answerer(loaded))
        assert conv.ask("rate control options for AF?").answered
        assert _first(conv.ask("and if she has asthma?")) == "(declined)"  # the patient's, though an article is about it
        answer = conv.ask("what about asthma attacks?")  # the follow-up's own subject
        assert answer.answered and answer.new_topic and "salbutamol" in _first(answer)
    for name in ("af-stroke.md", "stroke-af.md"):  # the migraine article ties on "pregnant": either file order
        (tmp_path / name).mkdir()
        articles = {"af-rate.md": AF_RATE, "migraine.md": MIGRAINE, name: AF_STROKE}
        with built_index(tmp_path / name, articles) as loaded:
            conv = Conversation(Answerer(loaded))
            assert conv.ask("rate control options for AF?").answered
            answer = conv.ask("and if she is pregnant?")
            assert answer.answered and answer.new_topic and "low-molecular-weight heparin" in _first(answer), name


def test_a_declined_turn_adds_no_topic(answerer):
    conv = Conversation(answerer)
    conv.ask("how is calciphylaxis treated")
    assert not conv.ask("what is the capital of France?").answered
    assert conv.turns == ["how is calciphylaxis treated"]
    assert "thiosulfate 25 g" in _first(conv.ask("what dose is used?"))


def test_a_follow_up_naming_another_topic_starts_a_new_one(answerer):
    conv = Conversation(answerer)
    conv.ask("how is calciphylaxis treated")
    answer = conv.ask("how often is zoledronic acid given in osteoporosis?")
    assert answer.new_topic
    assert "Zoledronic acid" in _first(answer)
    assert not conv.ask("what dose is used?").new_topic


def test_a_follow_up_naming_a_drug_of_its_own_may_leave_its_topic(answerer):
    """A drug named ("denosumab") is a subject of the follow-up's own: it may leave calciphylaxis for the article on it,
    though that article shares no word with the conversation."""
    conv = Conversation(answerer)
    conv.ask("how is calciphylaxis treated")
    answer = conv.ask("how often is denosumab given?")
    assert answer.answered and answer.new_topic and "Denosumab 60 mg" in _first(answer)


def test_a_follow_up_naming_what_the_topic_holds_stays_in_it(answerer):
    """ "she also has osteoporosis, on warfarin": osteoporosis is another article's, but warfarin is the
    topic's own (calciphylaxis treatment stops it), so the conversation keeps its topic."""
    conv = Conversation(answerer)
    conv.ask("how is calciphylaxis treated")
    answer = conv.ask("she also has osteoporosis and takes warfarin")
    assert not answer.new_topic
    assert "Stop warfarin" in _first(answer)


def test_a_follow_up_within_its_topic_needs_less_coverage(answerer, monkeypatch):
    """The conversation is evidence too: a follow-up that keeps its topic is answered at a coverage (here held
    at 0.4) that declines a first question, or a follow-up that leaves the topic."""
    st = answerer.settings
    assert st.min_coverage * st.follow_coverage < 0.4 < st.min_coverage
    conv = Conversation(answerer)
    assert conv.ask("how is calciphylaxis treated").answered
    monkeypatch.setattr(answerer.decider, "covered", lambda *args, **kwargs: 0.4)
    assert not answerer.ask("how is calciphylaxis treated").answered
    follow = conv.ask("what dose is used?")
    assert follow.answered and not follow.new_topic
    assert "thiosulfate 25 g" in _first(follow)
    monkeypatch.undo()
    other = Conversation(answerer)
    other.ask("how is calciphylaxis treated")
    monkeypatch.setattr(answerer.decider, "covered", lambda *args, **kwargs: 0.4)
    assert not other.ask("how often is zoledronic acid given in osteoporosis?").answered


def test_the_topic_is_replayed_turn_by_turn(answerer):
    """The topic after "how is calciphylaxis treated" → "what dose is used?" is calciphylaxis: the second turn kept
    the first one's topic, so it is ranked within it when the topic is worked out again (on its own, "what dose
    is used?" favours the osteoporosis article, whose lines all say "dose used")."""
    conv = Conversation(answerer)
    conv.ask("how is calciphylaxis treated")
    assert "thiosulfate 25 g" in _first(conv.ask("what dose is used?"))
    topic = answerer.context_topic([answerer.expand(t) for t in conv.turns])
    structure = answerer.index.structure
    hit = conv.answerer.ask("how is calciphylaxis treated").hits[0].passage.pid
    assert list(topic.articles) == [int(structure.article_of[hit])]


def test_reset_forgets_the_topic(answerer):
    conv = Conversation(answerer)
    conv.ask("how is calciphylaxis treated")
    conv.reset()
    assert "thiosulfate" not in _first(conv.ask("what dose is used?"))


def test_repl_json_keeps_the_topic_and_reset_forgets_it(library):
    corpus, index = library
    script = "how is calciphylaxis treated\nwhat dose is used?\n:reset\nwhat dose is used?\n"
    r = subprocess.run([sys.executable, "-m", "bot", "repl", "--json", "--corpus", str(corpus), "--index", str(index)],
                       input=script, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    answers = [o for o in lines if "question" in o]
    assert [a["question"] for a in answers] == ["how is calciphylaxis treated", "what dose is used?",
                                                "what dose is used?"]
    assert "thiosulfate 25 g" in answers[1]["passages"][0]["text"]
    after = answers[2]
    assert not after["answered"] or "thiosulfate" not in after["passages"][0]["text"]


def test_an_answer_from_two_articles_lists_references_per_article(answerer):
    from bot.render import as_text

    answer = answerer.ask("sodium thiosulfate or zoledronic acid intravenously", top=5)
    sources = {h.passage.source for h in answer.hits}
    assert sources == {"calciphylaxis.md", "osteoporosis.md"}
    text = as_text(answer)
    for source in sources:
        assert f"References — {source}" in text
    cal = text.index("References — calciphylaxis.md")
    ost = text.index("References — osteoporosis.md")
    assert "Brandenburg" in text[cal:ost] if cal < ost else "Brandenburg" in text[cal:]
    assert "Eastell" in (text[ost:cal] if ost < cal else text[ost:])


def test_the_context_never_hides_what_a_question_answers_on_its_own(corpus_dir, seeded_index):
    """A follow-up about another section of the article ("the spine" after diagnosis) is still answered."""
    loaded, _ = open_fresh(corpus_dir, seeded_index)
    answerer = Answerer(loaded)
    conv = Conversation(answerer)
    assert conv.ask("How is calcinosis diagnosed?").answered
    answer = conv.ask("what about the spine?")
    assert answer.answered and "Spinal" in answer.hits[0].passage.text
    loaded.passages.close()


def test_a_follow_up_that_asks_is_not_led_by_the_line_just_shown(tmp_path):
    """In the gastroenterology and thyroid library of blind 7 (a tuning set by then): "how long after the abx can we
    test?" asks something new, so the line that led "how do we confirm HP is gone?" does not lead again; "he's 68
    with CAD" only tells, and the line for older patients with coronary disease, which led the turn before, stays
    first. A fresh answerer (a restart: nothing kept) gives the same as the conversation's."""
    from pathlib import Path

    from bot.expand import asking as asks

    corpus = Path(__file__).parent / "data" / "blind_library_7" / "corpus"
    articles = {p.name: p.read_text(encoding="utf-8") for p in sorted(corpus.iterdir())}
    with built_index(tmp_path, articles) as loaded:
        conv = Conversation(Answerer(loaded), top=3)
        first = conv.ask("how do we confirm HP is gone after treatment?")
        second = conv.ask("how long after the abx can we test?")
        assert first.answered and second.answered
        assert second.hits[0].passage != first.hits[0].passage
        assert second.hits[0].passage.text.startswith("Hold PPIs for 2 weeks")
        assert first.hits[0].passage in [h.passage for h in second.hits]  # second, not gone
        fresh = Answerer(loaded).ask("how long after the abx can we test?",
                                     context=["how do we confirm HP is gone after treatment?"])
        assert [h.passage for h in fresh.hits] == [h.passage for h in second.hits]
        conv = Conversation(Answerer(loaded), top=3)
        first = conv.ask("levo starting dose for a new hypothyroid pt?")
        second = conv.ask("he's 68 with CAD")
        assert first.hits[0].passage.text.startswith("In adults over 60 or with coronary artery disease")
        assert second.hits[0].passage == first.hits[0].passage
    assert asks("how long after the abx can we test?") and asks("can we drop the dose later on")
    assert asks("now she's seizing - what do we give") and not asks("he's 68 with CAD")
    assert not asks("she's had a second episode even on it")


def test_the_line_just_shown_is_not_brought_back_by_a_later_re_ordering(tmp_path):
    """The lead-in rule and a list question's blocks come after ``_not_again`` and must keep to it. In blind 7's
    library "octreotide dose + how long?" after a variceal bleed had been led again by the lead-in "Initial
    management of suspected variceal bleeding:" (a lead-in close behind its item leads); in train 12's, "and if she
    tanks, what reverses it" (a list question: "what" and a word in -s) by "Watch for toxicity:", the block with the
    most evidence. The octreotide dose and the calcium gluconate line lead now, in the list of blocks too."""
    from pathlib import Path

    data = Path(__file__).parent / "data"
    for library, turns, answer in (
            ("blind_library_7", ["suspected variceal bleed in ED, what do we start?", "octreotide dose + how long?"],
             "Octreotide 50 mcg intravenous bolus"),
            ("train_library_12", ["mag dosing for preE w severe features?", "what do we watch for re toxicity",
                                  "and if she tanks, what reverses it"], "Calcium gluconate 1 g intravenously")):
        corpus = data / library / "corpus"
        articles = {p.name: p.read_text(encoding="utf-8") for p in sorted(corpus.iterdir())}
        (tmp_path / library).mkdir()
        with built_index(tmp_path / library, articles) as loaded:
            conv = Conversation(Answerer(loaded), top=3)
            answers = [conv.ask(t) for t in turns]
            before, last = answers[-2], answers[-1]
            assert all(a.answered for a in answers)
            assert last.hits[0].passage != before.hits[0].passage
            assert last.hits[0].passage.text.startswith(answer), last.hits[0].passage.text
            if last.blocks:
                assert any(i.matched and i.text.startswith(answer) for i in last.blocks[0].shown())


def test_a_list_block_whose_best_hit_is_another_line_keeps_its_place():
    """``_shown_block_second`` moves the first block second only when the line it would lead with is the one just
    shown: "which antibodies go with it?" after how common calcinosis is in systemic sclerosis is answered from the
    systemic sclerosis block, which also holds the line just read but leads with the antibodies."""
    from bot.answer import _shown_block_second
    from bot.assemble import Block, Item

    def block(name, *pids):
        return Block(article=name, source=name, section=(name,), lead=None, score=1.0,
                     items=tuple(Item(text=f"line {p}", citations=(), depth=0, matched=True, pid=p) for p in pids))

    ssc, dm = block("ssc", 5, 7), block("dm", 9)
    assert _shown_block_second((ssc, dm), 5, [(7, 10.0), (5, 9.0), (9, 8.0)]) == (ssc, dm)
    assert _shown_block_second((ssc, dm), 5, [(5, 10.0), (7, 9.0), (9, 8.0)]) == (dm, ssc)
    assert _shown_block_second((ssc, dm), 9, [(5, 10.0), (7, 9.0), (9, 8.0)]) == (ssc, dm)
    assert _shown_block_second((ssc,), 5, [(5, 10.0)]) == (ssc,)


def test_a_turn_that_announces_a_new_subject_is_asked_on_its_own(answerer):
    """ "diff pt: …", "unrelated - …", "switching gears, …" (``data/new_subject.txt``): what follows the marker is asked as a
    first question, the marker left out, and later turns belong to that subject only. A Slack thread that moves on to
    another patient is not answered from the first patient's topic."""
    def shown(answer):
        return [(h.passage.pid, round(h.score, 9)) for h in answer.hits], answer.answered

    conv = Conversation(answerer)
    conv.ask("how is calciphylaxis treated")
    assert "thiosulfate 25 g" in _first(conv.ask("what dose is used?"))  # the same words, kept in the topic
    conv = Conversation(answerer)
    conv.ask("how is calciphylaxis treated")
    moved = conv.ask("diff pt: what dose is used?")
    assert shown(moved) == shown(Conversation(answerer).ask("what dose is used?"))
    assert "thiosulfate" not in _first(moved)
    # the turns after it: asked within the new subject, as if the conversation had begun there
    conv = Conversation(answerer)
    conv.ask("how is calciphylaxis treated")
    second = conv.ask("ok. unrelated - which bisphosphonate is taken once a week?")
    assert second.answered and second.new_topic
    third = conv.ask("what dose is used?")
    fresh = Conversation(answerer)
    fresh.ask("which bisphosphonate is taken once a week?")
    assert shown(third) == shown(fresh.ask("what dose is used?"))
    assert "Alendronate 70 mg" in _first(third)


@pytest.mark.parametrize("text, asked", [
    ("diff pt: plts dropped to 90 on day 7 of heparin, what now?", "plts dropped to 90 on day 7 of heparin, what now?"),
    ("diff pt, admitted w pneumonia", "admitted w pneumonia"),  # a comma after a different patient
    ("unrelated - 58M w tongue swelling on lisinopril", "58M w tongue swelling on lisinopril"),
    ("Unrelated question: what dose?", "what dose?"),
    ("ok admitting him. Unrelated \u2014 another pt has wenckebach", "another pt has wenckebach"),
    ("ok admitting him\nunrelated - another pt has wenckebach", "another pt has wenckebach"),  # a line break ends it
    ("ok admitting him; new pt -- 45M w chest pain", "45M w chest pain"),
    ("switching gears, CSU pt on xolair", "CSU pt on xolair"),
    ("diff pt: 80F on warfarin. unrelated - 30M w gout", "30M w gout"),  # the last marker counts
    ("unrelated, but she also has gout", None),  # not "unrelated" before a comma: the same patient, more often
    ("unrelated to the heparin, her plts were low", None),
    ("new pt on the floor asking about it", None),  # no sign after the marker
    ("different q - is it ok in pregnancy?", None),  # another question, the same patient
    ("btw she's on warfarin", None),
    ("what about the unrelated side effects?", None),
    ("is she a new pt, or one we have seen?", None),  # not at the start of a sentence
    ("unrelatedness of the two", None),
])
def test_the_markers_of_a_new_subject(text, asked):
    from bot.question import new_subject

    assert new_subject(text) == asked


def test_a_long_run_of_white_space_is_read_once():
    """A pasted question may hold 100,000 line breaks or tabs (``clean`` folds them, and the length check passes); the
    markers are looked for in the text with its white space folded, so each run is read once, not again from each of
    its places (which took 19 s for 16,000 line breaks). Read in a process of its own with a deadline: read again, the
    three take minutes, and the process is stopped."""
    script = (
        "from bot.question import new_subject as n\n"
        "print([n('ok' + '\\n' * 100_000 + 'x'), n('ok' + ' \\n ' * 50_000 + 'diff pt: what dose?'),"
        " n('ok.' + '\\t' * 100_000 + 'diff pt:\\n\\n  what dose?')])"
    )
    try:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                              cwd=Path(__file__).resolve().parents[1])
    except subprocess.TimeoutExpired:
        pytest.fail("the white space is read again from each of its places")
    assert done.stdout.strip() == "[None, 'what dose?', 'what dose?']", done.stderr


def test_a_declined_new_subject_still_ends_the_subject_before_it(answerer):
    """"diff pt: …" declined adds no topic (a declined turn never does), but the next turn is not asked within the
    first patient's topic: it begins a conversation of its own."""
    def shown(answer):
        return [(h.passage.pid, round(h.score, 9)) for h in answer.hits], answer.answered

    conv = Conversation(answerer)
    conv.ask("how is calciphylaxis treated")
    assert not conv.ask("diff pt: zzqx wbvk?").answered
    assert shown(conv.ask("what dose is used?")) == shown(Conversation(answerer).ask("what dose is used?"))
    assert not conv.turns[:-1]


def test_ranking_alone_reads_a_new_subject_as_asking_does(answerer):
    """``Answerer.rank`` (``citebot eval --no-abstain``, BEIR) drops the conversation before a new subject too."""
    assert answerer.rank("diff pt: what dose is used?", context=["how is calciphylaxis treated"]) == \
        answerer.rank("what dose is used?")
    assert answerer.rank("what dose is used?", context=["how is calciphylaxis treated"]) != \
        answerer.rank("what dose is used?")
