"""Articles → cited passages: the seed's page text, Markdown, JSONL."""

from __future__ import annotations

import pytest

from bot.parse import parse_article
from bot.parse.citations import expand, split_bracketed, split_trailing

from .conftest import MARKDOWN_ARTICLE, SEED


@pytest.fixture(scope="module")
def seed():
    [article] = parse_article(SEED.read_text(encoding="utf-8"), source=SEED.name)
    return article


def find(article, text):
    matches = [p for p in article.passages if p.text == text]
    assert len(matches) == 1, f"{text!r}: {len(matches)} passages"
    return matches[0]


def test_seed_title_and_passage_count(seed):
    assert seed.title == "What conditions are associated with calcinosis?"
    # every bullet and paragraph of the body, nothing of the furniture
    assert 60 <= len(seed.passages) <= 70


def test_seed_passages_keep_their_own_citations(seed):
    p = find(seed, "Affects approximately 25% of patients with systemic sclerosis")
    assert p.citations == (2,)
    assert p.section == ("Primary Connective Tissue Disease Associations", "Systemic Sclerosis")
    assert find(seed, "Subcutaneous tissues (most common)").citations == (1, 4)
    assert find(seed, "Surgical excision remains the mainstay of treatment for symptomatic lesions").citations == (4, 2)


def test_citation_markers_are_stripped_from_text(seed):
    for p in seed.passages:
        assert not p.text.rstrip().endswith((" 1", " 2", " 3", " 4", " 5", " 6")), p.text


def test_uncited_list_items_take_the_citation_that_closes_the_list(seed):
    for text in ("Longer disease duration", "Digital ulcers", "Acro-osteolysis", "Positive anticentromere antibody"):
        p = find(seed, text)
        assert p.citations == (2,), text
        assert p.section[-1] == "Associated clinical features"


def test_lead_in_and_parent_bullet_are_in_the_section_path(seed):
    p = find(seed, "Ultrasonography")
    assert p.section == ("Diagnostic Approaches", "Calcinosis can be diagnosed through", "Experimental methods")
    assert p.citations == (6,)
    lead = find(seed, "Experimental methods:")
    assert lead.citations == (6,)  # a parent bullet is supported by what hangs from it


def test_references_parsed_with_full_text_and_missing_6_reported(seed):
    assert sorted(seed.references) == [1, 2, 3, 4, 5]
    assert seed.references[2] == "Research: Calcinosis in scleroderma. Current opinion in rheumatology, 2018"
    assert "2016" in seed.references[4] and "Romanian journal" in seed.references[4]
    assert seed.missing_citations() == [6]
    assert find(seed, "Vascular hypoxia").citations == (6,)


@pytest.mark.parametrize("furniture", [
    "Medical Advisory Board", "Educational purpose only", "Article Review Status", "Under Review",
    "Last updated", "Personalize", "Help us tailor your experience", "Which best describes you",
    "Professional Medical Disclaimer", "intended for healthcare professionals", "Have a follow-up question",
    "Our Medical A.I.",
])
def test_page_furniture_is_not_content(seed, furniture):
    for p in seed.passages:
        assert furniture.lower() not in p.text.lower(), p
        assert furniture.lower() not in " ".join(p.section).lower(), p


def test_furniture_rule_follows_layout_not_wording():
    """Other banners and disclaimers, same layout: still excluded."""
    page = (
        "Is gout hereditary?\n\nSign in to save this page\nRated 4.8 by readers\n\nGout Heredity\n\n"
        "Gout runs in families through urate transporter variants. 1\n\nReferences\n\nResearch\n\n"
        "Genetics of gout.\n\nNature Reviews, 2020\n\nTerms of use\n\nDo not rely on this page.\n\n"
        "Subscribe to our newsletter\n\nWeekly updates.\n"
    )
    [art] = parse_article(page, source="gout.txt")
    assert [p.text for p in art.passages] == ["Gout runs in families through urate transporter variants."]
    assert art.references == {1: "Research: Genetics of gout. Nature Reviews, 2020"}


def test_a_page_copied_from_above_its_title_keeps_its_title():
    """A copy that starts at the site's navigation and cookie notice: the title is the first line standing alone
    that is not a sentence (layout, not wording), so the answer names the article, not "Skip to content"; the
    passages are the same. Without a citation the page keeps its first line, as before."""
    body = ("Gout Heredity\n\nGout runs in families through urate transporter variants. 1\n\nReferences\n\n"
            "Research\n\nGenetics of gout.\n\nNature Reviews, 2020\n")
    plain = "Is gout hereditary?\n\nSign in to save this page\nRated 4.8 by readers\n\n" + body
    top = ("Skip to content\nSome Site\nHome\nTopics\nSign in\n\n"
           "We use cookies to improve your experience. Read our Cookie Policy.\n"
           "Accept all cookies\nReject non-essential\n\n")
    [want] = parse_article(plain, source="gout.txt")
    [art] = parse_article(top + plain, source="gout.txt")
    assert want.title == art.title == "Is gout hereditary?"
    assert art.passages == want.passages and art.references == want.references
    uncited = top + "Is gout hereditary?\n\nGout runs in families.\n"
    [art] = parse_article(uncited, source="gout.txt")
    assert art.title == "Skip to content"


@pytest.mark.parametrize("banner", [
    "This site uses cookies. Some are essential, others help us. Accept | Reject non-essential | Cookie policy",
    'We use cookies to improve your experience. By clicking "Accept all" you agree. Accept all | Manage cookie settings',
    "Sign in | Register | Subscribe",
    "We use cookies to improve your experience. Read our cookie policy",
])
def test_a_banner_standing_alone_above_the_title_is_no_title(banner):
    """A cookie notice on one line whose last words are its links, not a full stop, or a bar of links standing alone,
    is furniture by its shape (sentences run on in one line; links set apart by " | "): the title is the line after."""
    body = ("Gout Heredity\n\nGout runs in families through urate transporter variants. 1\n\nReferences\n\n"
            "Research\n\nGenetics of gout.\n\nNature Reviews, 2020\n")
    page = f"Menu\nHome > Rheumatology > Gout\n\n{banner}\n\nIs gout hereditary?\n\nShare   Print\n\n" + body
    [art] = parse_article(page, source="gout.txt")
    assert art.title == "Is gout hereditary?"
    assert [(p.text, p.section) for p in art.passages] == [
        ("Gout runs in families through urate transporter variants.", ("Gout Heredity",))]


@pytest.mark.parametrize("title", [
    "What is gout? How is it treated?", "U.S. Guidelines for Gout", "Gout! What you need to know",
    "Candida spp. Infections in the ICU", "Ask Prof. Smith: is gout hereditary?",
    "Type 2 diabetes in adults: management. NICE guideline NG28", "Gout | NHS inform",
    "Hypertension in adults: diagnosis and management | Guidance | NICE",
])
def test_a_title_of_two_questions_an_abbreviation_or_its_site_stays_the_title(title):
    """Only a sentence's end after three words or more marks a banner, not a question mark, an exclamation after a word
    or two, nor an abbreviation's full stop; a title with its site after a bar is no bar of links. With a site's
    navigation above it and a share bar below, the title is still found."""
    body = ("Gout Heredity\n\nGout runs in families through urate transporter variants. 1\n\nReferences\n\n"
            "Research\n\nGenetics of gout.\n\nNature Reviews, 2020\n")
    for page in (f"{title}\n\n" + body, f"Skip to main content\nHome\n\n{title}\n\nShare   Print\n\n" + body):
        [art] = parse_article(page, source="gout.txt")
        assert art.title == title


@pytest.mark.parametrize("head, title", [
    ("Gout\nA guide for patients and carers\n\n", "Gout"),  # a title over a subtitle line: not standing alone
    ("Gout in adults\nBy Jane Doe, MD\n\n", "Gout in adults"),
    ("COVID-19 vaccines for children aged 5 to 11\n\n", "COVID-19 vaccines for children aged 5 to 11"),  # ends in a number
])
def test_a_page_whose_first_line_is_its_title_keeps_it_and_its_first_heading(head, title):
    """The title rule looks only above the heading the body starts at, and a title may end in a number: the first
    line stays the title and the body's first heading stays a heading of every passage under it."""
    body = ("Overview\n\nGout is an arthritis caused by urate crystals. 1\n\nReferences\n\nResearch\n\n"
            "Genetics of gout.\n\nNature Reviews, 2020\n")
    [art] = parse_article(head + body, source="gout.txt")
    assert art.title == title
    assert [(p.text, p.section) for p in art.passages] == [("Gout is an arthritis caused by urate crystals.",
                                                             ("Overview",))]


def test_markdown_article_with_its_own_references():
    [art] = parse_article(MARKDOWN_ARTICLE, source="gout.md")
    assert art.title == "Gout: a short overview"
    texts = {p.text: p for p in art.passages}
    assert texts["Gout is an inflammatory arthritis caused by monosodium urate crystals."].citations == (1,)
    nsaid = texts["NSAIDs such as naproxen"]
    assert nsaid.citations == (2, 3)
    assert nsaid.section == ("Treatment", "First-line options for an acute flare")
    assert texts["Oral corticosteroids when NSAIDs are contraindicated"].citations == (1, 2, 3)
    assert texts["Allopurinol is the first choice"].section == ("Treatment", "Long-term urate lowering")
    assert art.references[2].startswith("FitzGerald JD")
    assert art.missing_citations() == [7]


def test_markdown_nested_bullets_and_inline_markup():
    md = "# T\n\n## S\n\n* **Parent** item:\n  * child with [link](http://x) [2]\n  * other [3]\n"
    [art] = parse_article(md, source="t.md")
    by = {p.text: p for p in art.passages}
    assert by["child with link"].section == ("S", "Parent item")
    assert by["Parent item:"].citations == (2, 3)


def test_jsonl_documents_are_articles_with_paragraph_passages():
    text = '{"_id": "d1", "title": "A", "text": "First para.\\n\\nSecond para."}\n{"id": 7, "title": "B", "text": "x"}\n'
    arts = parse_article(text, source="docs/bench.jsonl")
    assert [a.source for a in arts] == ["docs/bench.jsonl#d1", "docs/bench.jsonl#7"]
    assert [p.text for p in arts[0].passages] == ["First para.", "Second para."]
    assert arts[0].passages[0].source == "docs/bench.jsonl#d1"


@pytest.mark.parametrize("spec,nums", [("1", [1]), ("2, 6", [2, 6]), ("12, 3-5", [12, 3, 4, 5]), ("1-3", [1, 2, 3])])
def test_citation_specs(spec, nums):
    assert expand(spec) == nums


def test_trailing_and_bracketed_citations():
    assert split_trailing("Colchicine 1, 3") == ("Colchicine", [1, 3])
    assert split_trailing("No citation here") == ("No citation here", [])
    assert split_bracketed("Colchicine [1, 3].") == ("Colchicine.", [1, 3])
    assert split_bracketed("Range [2-4] here") == ("Range here", [2, 3, 4])


def test_jsonl_with_raw_line_separators_inside_strings():
    import json

    doc = {"_id": "u", "title": "T", "text": "one\u2028two\x85three"}
    [art] = parse_article(json.dumps(doc, ensure_ascii=False) + "\n", source="d.jsonl")
    assert art.passages[0].text.startswith("one")


@pytest.mark.parametrize("heading", ["References", "Sources:", "Works cited", "BIBLIOGRAPHY"])
def test_both_formats_know_the_same_reference_headings(heading):
    md = f"# T\n\nBody text [1]\n\n## {heading}\n\n1. A reference.\n"
    page = f"T\n\nHeading\n\nBody text 1\n\n{heading}\n\nResearch\n\nA reference.\n\nJournal, 2020\n"
    for name, text in (("a.md", md), ("a.txt", page)):
        [article] = parse_article(text, source=name)
        assert [p.text for p in article.passages] == ["Body text"], (name, heading)
        assert 1 in article.references, (name, heading)


def test_a_passage_made_by_the_reader_is_the_one_the_dataclass_makes():
    """``Passage.made`` (the readers' way, without the frozen dataclass's per-field set-up) gives the same object."""
    from bot.model import Passage

    for item in (False, True):
        fast = Passage.made("Text", (1, 3), "Title", ("A", "B"), "a.md", item)
        slow = Passage(text="Text", citations=(1, 3), article="Title", section=("A", "B"), source="a.md", item=item)
        assert fast == slow and hash(fast) == hash(slow) and vars(fast) == vars(slow) and repr(fast) == repr(slow)
