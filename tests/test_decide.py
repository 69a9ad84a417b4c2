"""Deciding (``bot/decide.py``): a drug's class is not the drug."""

from __future__ import annotations

import pytest

from bot.answer import Answerer

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


@pytest.fixture
def answerer(tmp_path):
    with built_index(tmp_path, {"af.md": ANTICOAGULATION}) as loaded:
        yield Answerer(loaded)


def test_a_drug_no_article_names_is_not_covered_by_its_class(answerer):
    """No article names heparin; "anticoagulant" is its class (drugs.tsv), not heparin: declined, while the
    drugs the article names are answered."""
    assert ("anticoagul",) in answerer.expand("how do you reverse heparin?").alternates["heparin"]
    assert not answerer.ask("how do you reverse heparin?").answered
    assert answerer.ask("how do you reverse dabigatran?").answered


def test_a_member_given_as_an_example_of_its_class_is_not_held_against_the_passage(answerer):
    """ "osteoporosis drugs like alendronate": the question names the class itself; alendronate is an example."""
    assert answerer.ask("osteoporosis drugs like alendronate - how often are they taken?").answered
