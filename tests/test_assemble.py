"""Answers shaped like the article: blocks of a lead-in and its whole list (``bot/assemble.py``)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot import assemble
from bot.answer import Answerer
from bot.indexer import open_fresh

from .conftest import built_index
from bot.render import as_text

DRUGS = ["Diltiazem", "Colchicine", "Bisphosphonates", "Probenecid", "Warfarin", "Minocycline", "Rituximab",
         "Sodium thiosulfate", "Treprostinil", "Abatacept"]


@pytest.fixture
def seed(corpus_dir, seeded_index):
    loaded, _ = open_fresh(corpus_dir, seeded_index)
    yield Answerer(loaded)
    loaded.passages.close()


def _shown(answer) -> str:
    return "\n".join(i.text for b in answer.blocks for i in b.shown())


def test_a_list_question_shows_the_whole_list_under_its_lead_in(seed):
    answer = seed.ask("Which drugs treat calcinosis?")
    block = next(b for b in answer.blocks if b.lead and b.lead.text.startswith("Pharmacological options"))
    assert [i.text.split(" (")[0] for i in block.items] == DRUGS
    assert all(i.citations for i in block.items)  # every item keeps its own citation numbers
    assert any(i.matched for i in block.items) and not all(i.matched for i in block.items)


def test_a_where_question_shows_the_places_list_first(seed):
    """ "where" is a stop word; its answer words (location, site, anatomical… ``data/question_words.tsv``) lead
    to the article's anatomical list, shown whole, first."""
    answer = seed.ask("Where does calcinosis occur?")
    first = answer.blocks[0]
    assert first.lead is not None and "anatomical locations" in first.lead.text
    assert any(i.text.startswith("Subcutaneous tissues") for i in first.items) and len(first.items) >= 6
    turn = seed.expand("Where does calcinosis occur?")
    assert turn.asks == ("where",) and ("anatom",) in turn.alternates["where"]
    assert "where" not in turn.terms  # never a concept the decision weighs
    assert not seed.expand("Does calcinosis occur in the spine?").asks


def test_siblings_merge_into_one_block_and_nested_items_keep_their_depth(seed):
    answer = seed.ask("How is calcinosis diagnosed?")
    leads = [b.lead.text for b in answer.blocks if b.lead]
    assert leads.count("Calcinosis can be diagnosed through:") == 1
    block = answer.blocks[[b.lead.text if b.lead else "" for b in answer.blocks].index(
        "Calcinosis can be diagnosed through:")]
    depths = {i.text: i.depth for i in block.items}
    assert depths["Plain radiography"] == 0 and depths["Ultrasonography"] == 1


def test_references_follow_what_is_shown_sorted_by_number(seed):
    answer = seed.ask("Which drugs treat calcinosis?")
    shown = {n for b in answer.blocks for i in b.shown() for n in i.citations}
    numbers = [r.number for r in answer.references]
    assert set(numbers) == shown and numbers == sorted(numbers)
    assert all(r.missing == (r.text is None) for r in answer.references)


def test_json_keeps_passages_and_adds_blocks(corpus_dir, seeded_index):
    r = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "--corpus", str(corpus_dir), "--index",
                        str(seeded_index), "Which drugs treat calcinosis?"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    obj = json.loads(r.stdout)
    assert {"question", "answered", "passages", "references", "blocks"} <= obj.keys()
    assert {"text", "citations", "article", "section", "source", "score"} <= obj["passages"][0].keys()
    block = obj["blocks"][0]
    assert {"article", "source", "section", "lead", "items", "score"} <= block.keys()
    assert {"text", "citations", "depth", "matched"} <= block["items"][0].keys()
    assert 1 <= len(obj["blocks"]) <= 3  # --top counts blocks (default 3)


def _survey(tmp_path, n: int, hit: int):
    """An index of one article whose lead-in holds ``n`` items; item ``hit`` alone mentions a quokka."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    items = "\n".join(f"- Finding number {i} of the survey [1]" for i in range(n))
    items = items.replace(f"Finding number {hit} of", f"Rare quokka sighting, finding number {hit} of")
    (corpus / "survey.md").write_text(f"# Survey\n\n## Findings\n\nThe survey found:\n\n{items}\n\n"
                                      "## References\n\n1. A survey. 2020.\n", encoding="utf-8")
    loaded, _ = open_fresh(corpus, tmp_path / "index")
    return loaded


def test_a_long_list_is_trimmed_around_its_hits(tmp_path):
    loaded = _survey(tmp_path, 40, 25)
    answerer = Answerer(loaded)
    answer = answerer.ask("quokka sighting in the survey")
    block = answer.blocks[0]
    assert block.lead.text == "The survey found:"
    assert len(block.items) <= assemble.MAX_ITEMS and block.more == 40 - len(block.items)
    assert any("quokka" in i.text and i.matched for i in block.items)
    full = assemble.Assembler(loaded.structure, answerer._passage).full(block)
    assert len(full.items) == 40 and full.more == 0
    assert f"+ {block.more} more" in as_text(answer)
    loaded.passages.close()


def test_terminal_text_wraps_at_words_and_not_when_piped(seed):
    answer = seed.ask("Which drugs treat calcinosis?")
    narrow = as_text(answer, width=50)
    assert all(len(line) <= 50 or " " not in line.strip() for line in narrow.splitlines())
    words = set(_shown(answer).split())
    assert words <= set(narrow.split()) | {w for w in words if "[" in w}  # no word was split
    piped = as_text(answer, width=None)
    assert "Treatment of calcinosis remains challenging with limited evidence for effective interventions" in piped


def test_more_in_a_conversation_shows_a_trimmed_list_whole(tmp_path):
    from bot.answer import Conversation

    loaded = _survey(tmp_path, 30, 5)
    conv = Conversation(Answerer(loaded))
    first = conv.ask("quokka sighting in the survey")
    assert first.blocks[0].more > 0
    whole = conv.more()
    assert len(whole.blocks[0].items) == 30 and whole.blocks[0].more == 0
    assert "+ " not in as_text(whole).split("References")[0].replace("+ 0", "")
    loaded.passages.close()


def test_short_items_under_a_heading_show_together(seed):
    """No lead-in line, two diseases under "Other Connective Tissue Diseases": the heading's list."""
    answer = seed.ask("Is mixed connective tissue disease linked to calcinosis?")
    block = next(b for b in answer.blocks if b.section[-1] == "Other Connective Tissue Diseases")
    assert block.lead is None
    assert [i.text for i in block.items] == ["Systemic lupus erythematosus", "Mixed connective tissue disease"]
    assert [i.matched for i in block.items] == [False, True]
    text = as_text(answer)
    assert "▸ Mixed connective tissue disease [3]" in text and "• Systemic lupus erythematosus [3]" in text
    # bullets under a heading are its list however long they are ("Most commonly seen in limited cutaneous
    # systemic sclerosis … (Calcinosis, Raynaud's phenomenon, …)" is 170 characters); a paragraph stands alone
    answer = seed.ask("What percentage of systemic sclerosis patients develop calcinosis?")
    bullets = next(b for b in answer.blocks if b.section[-1] == "Systemic Sclerosis")
    assert bullets.lead is None and len(bullets.items) == 8
    assert "Affects approximately 25% of patients with systemic sclerosis" in [i.text for i in bullets.items if i.matched]
    assert max(len(i.text) for i in bullets.items) > assemble.SHORT
    answer = seed.ask("Which diseases is calcinosis most strongly associated with?")
    para = next(b for b in answer.blocks if b.section[-1] == "Conditions Associated with Calcinosis")
    assert len(para.items) == 1 and para.items[0].text.startswith("Calcinosis is most strongly associated")


def test_references_are_those_the_blocks_show_not_the_ranked_passages(seed):
    """One ranked passage ("Spinal and paraspinal areas", [5]) shown with its whole list: the references are
    the list's numbers, and a passage ranked but not shown adds none."""
    answer = seed.ask("Can calcinosis affect the spine?", top=1)
    assert [h.passage.citations for h in answer.hits] == [(5,)]
    shown = sorted({n for b in answer.blocks for i in b.shown() for n in i.citations})
    assert shown == [1, 4, 5]
    assert [r.number for r in answer.references] == shown
    assert [r.number for r in answer.passage_references] == [5]


def test_ranked_passages_the_answer_does_not_show_add_no_references(seed):
    """Three ranked passages, one block shown (the two others score below the share a block needs): the
    references are the block's [1, 3], not the ranked passages' [2, 4] too."""
    answer = seed.ask("Does warfarin help calcinosis?", top=3)
    shown = {i.pid for b in answer.blocks for i in b.shown()}
    assert any(h.passage.pid not in shown for h in answer.hits)
    assert {r.number for r in answer.passage_references} >= {2, 4}
    assert [r.number for r in answer.references] == [1, 3]


def _pid(answerer, text: str) -> int:
    store = answerer.index.passages
    return next(i for i in range(len(store)) if store.get(i).text.startswith(text))


def test_a_list_several_of_whose_items_match_outweighs_a_lone_passage(seed):
    """Auto-merging: three accepted items of one list are more evidence than one line scoring a little higher,
    so with room for two blocks the list is shown (whole, the three marked) beside the best-ranked line's block
    (always shown), not the next line; blocks chosen are shown in the order of their best passages."""
    para = _pid(seed, "Calcinosis is often resistant to medical therapy")
    other = _pid(seed, "Surgical treatment should be considered")
    items = [_pid(seed, t) for t in ("Diltiazem", "Colchicine", "Minocycline")]
    ranked = [(para, 10.0), (other, 9.9), *[(p, 9.5 - i / 10) for i, p in enumerate(items)]]
    assembler = assemble.Assembler(seed.index.structure, seed._passage)
    first, block = assembler.blocks(ranked, 2)
    assert first.items[0].pid == para
    assert block.lead is not None and block.lead.text.startswith("Pharmacological options")
    assert {i.pid for i in block.items if i.matched} == set(items)
    # one matching item is not: the next line keeps the place its score gives it
    assert [b.items[0].pid for b in assembler.blocks(ranked[:3], 2)] == [para, other]
    # the best-ranked line's block is shown even with room for one
    assert [b.items[0].pid for b in assembler.blocks(ranked, 1)] == [para]
    # for a question asking for a list, in the order of their evidence: the list first
    assert [b.lead is not None for b in assembler.blocks(ranked, 2, by_evidence=True)] == [True, False]


def test_a_question_asking_for_a_list_shows_the_list_first(seed):
    """ "Which drugs …" asks for a set of things: the drug list, eight of whose items were ranked, comes before
    the single lines on medical therapy that score a little more; "does diltiazem help …" asks about one thing
    and keeps the order of the best passages."""
    from bot.expand import _wants_list

    answer = seed.ask("Which drugs treat calcinosis?")
    first = answer.blocks[0]
    assert first.lead is not None and first.lead.text.startswith("Pharmacological options")
    assert [i.text.split(" (")[0] for i in first.items] == DRUGS
    # the ranked passages lead with that list's best passage too (then the others in their order)
    assert answer.hits[0].passage.pid in {i.pid for i in first.shown() if i.matched}
    assert [h.score for h in answer.hits] == sorted((h.score for h in answer.hits), reverse=True)
    assert not seed.ask("Does diltiazem help calcinosis?").hits[0].passage.text.startswith("Pharmacological")
    assert _wants_list(("which", "drugs", "treat", "calcinosis")) and _wants_list(("who", "is", "at", "risk"))
    assert not _wants_list(("what", "does", "a", "calcium", "score", "mean"))
    assert not _wants_list(("which", "antibody", "goes", "with", "that"))  # "goes" is a verb
    assert not _wants_list(("what", "is", "calcinosis")) and not _wants_list(("does", "diltiazem", "help"))


def test_passages_ranked_below_those_shown_add_to_their_list_s_evidence(seed):
    """A list whose lead-in was just accepted and whose items rank a little lower (below the share a shown
    passage needs, above ``assemble.SUPPORT``) is chosen over a lone line scoring a little more; the items
    add evidence but are not marked, and a supporting passage forms no block of its own."""
    first = _pid(seed, "Common complication in juvenile dermatomyositis")  # the best-ranked: always shown
    para = _pid(seed, "Calcinosis is often resistant to medical therapy")
    lead = _pid(seed, "Pharmacological options")
    items = [_pid(seed, t) for t in ("Diltiazem", "Colchicine", "Minocycline")]
    lone = _pid(seed, "Surgical treatment should be considered")
    ranked = [(first, 10.5), (para, 10.0), (lead, 8.5), *[(p, 8.2 - i / 10) for i, p in enumerate(items)],
              (lone, 7.5)]
    hits, support = assemble.accepted(ranked), assemble.supporting(ranked)
    assert [p for p, _ in hits] == [first, para, lead] and [p for p, _ in support] == [*items, lone]
    assembler = assemble.Assembler(seed.index.structure, seed._passage)
    shown = assembler.blocks(hits, 2, support=support)
    assert shown[0].items[0].pid == first or shown[0].lead is not None
    block = shown[1]
    assert block.lead is not None and block.lead.pid == lead
    assert not any(i.matched for i in block.items)
    assert [b.items[0].pid for b in assembler.blocks(hits, 2)][1] == para  # without them the line keeps its place
    assert len(assembler.blocks(hits, 5, support=support)) == 3  # "Surgical treatment …" forms no block of its own


@pytest.mark.parametrize("question", ["What conditions are associated with calcinosis?",
                                      "Which drugs treat calcinosis?", "How is calcinosis diagnosed?",
                                      "Which experimental imaging, ultrasonography or computed tomography, "
                                      "diagnoses calcinosis?"])
def test_no_passage_is_shown_twice(seed, question):
    """A nested list and the list around it are one unit of the article: when both have evidence, one block
    shows them ("Associated clinical features:" sits inside the Systemic Sclerosis heading's list; "Experimental
    methods:" inside the diagnosis list, which takes its place and marks its hits), and every ranked passage
    among the accepted ones is shown."""
    answer = seed.ask(question, top=5)
    shown = [i.pid for b in answer.blocks for i in b.shown()]
    assert len(shown) == len(set(shown))
    accepted = {p for p, _ in assemble.accepted([(h.passage.pid, h.score) for h in answer.hits])}
    assert accepted <= set(shown)
    assert {i.pid for b in answer.blocks for i in b.shown() if i.matched} >= accepted



def test_a_list_s_lead_in_leads_when_it_says_what_the_question_asks(tmp_path):
    """Asked for a list, the answer is led by the list with the most evidence (``answer._list_first``). Its lead-in
    leads when its own words hold as much of the question as the best item's own words (the items hold "absences"
    and "myoclonic" only through the lead-in above them, and outrank it); an item leads when it says more of the
    question itself ("who is at risk for a bad etoh withdrawal / DTs": "A past episode of delirium tremens …" says
    "delirium tremens", the lead-in only "severe or complicated alcohol withdrawal"). Articles of blind library 6
    and libraries 14 and 15 (tuning sets by then)."""
    from pathlib import Path

    data = Path(__file__).parent / "data"
    epilepsy = data / "blind_library_6" / "corpus" / "epilepsy-antiseizure-drug-choice.txt"
    acne = data / "train_library_14" / "corpus" / "acne-vulgaris-treatment.md"
    withdrawal = data / "train_library_15" / "corpus" / "alcohol-withdrawal.md"
    articles = {p.name: p.read_text(encoding="utf-8") for p in (epilepsy, acne, withdrawal)}
    with built_index(tmp_path, articles) as loaded:
        answerer = Answerer(loaded)
        question = "which ASMs can make absences or myoclonic jerks worse"
        assert answerer.expand(question).wants_list
        first = answerer.ask(question).hits[0].passage.text
        assert first.startswith("Narrow-spectrum sodium channel and GABAergic")
        ans = answerer.ask("which creams/gels are first line for mild acne")
        assert ans.hits[0].passage.text.startswith("First-line topical options include")
        ans = answerer.ask("who is at risk for a bad etoh withdrawal / DTs")
        assert ans.hits[0].passage.text.startswith("A past episode of delirium tremens")


def test_a_lead_in_close_behind_its_item_leads_when_it_says_as_much(tmp_path, shared_dir):
    """Not a list question: the first passage is an item, and the lead-in it hangs from is among the first three
    and says as much of the question in its own words, so it leads and shows its list. Its own words, not its
    section path: "Mirtazapine or mianserin added to an SSRI or SNRI." holds "added" and "SSRI" itself and the
    lead-in's words through its path; the lead-in says more ("Add-on options when a tolerated antidepressant gives
    only a partial response:"). The library set's myositis article and blind library 6's depression article (tuning
    sets)."""
    from pathlib import Path

    myositis = shared_dir / "eval" / "library" / "corpus" / "polymyositis-dermatomyositis-treatment.txt"
    depression = Path(__file__).parent / "data" / "blind_library_6" / "corpus"
    depression = depression / "major-depression-antidepressants.md"
    articles = {p.name: p.read_text(encoding="utf-8") for p in (myositis, depression)}
    with built_index(tmp_path, articles) as loaded:
        answerer = Answerer(loaded)
        question = "new dermatomyositis dx, what cancer screening tests"
        assert not answerer.expand(question).wants_list
        ans = answerer.ask(question)
        assert ans.hits[0].passage.text.startswith("Screening for patients at higher risk")
        ans = answerer.ask("partial response on an SSRI, tolerating it fine - what can i add on")
        assert ans.hits[0].passage.text.startswith("Add-on options when a tolerated antidepressant")
