"""A question's numbers and the ranges passages state (``bot/values.py``), and what deciding makes of them."""

from __future__ import annotations

import math

import pytest

from bot.answer import Answerer
from bot.tokenize import Tokenizer
from bot.values import MAX_VALUES, Span, Value, held, holds, question_values, spans

from .conftest import built_index

TOK = Tokenizer()


def test_a_question_s_numbers_with_their_units_and_stems():
    got = question_values("zofran dose 12kg toddler, K 5.8 and 3 wks later", TOK)
    assert got == (Value(12.0, "kg", ("12kg",)), Value(5.8, None, ("5", "8")), Value(3.0, "week", ("3",)))
    assert question_values("CHA2DS2-VASc of T4 and A1c", TOK) == ()  # numbers inside names are not values
    assert question_values("his 3rd bout", TOK) == ()  # an ordinal is not a value
    assert len(question_values("1 " * 1000, TOK)) == MAX_VALUES  # a pasted table is not read number by number


def test_the_ranges_and_thresholds_a_passage_states():
    assert spans("8 to 15 kg: 2 mg") == [Span(8.0, 15.0, "kg")]
    assert spans("stones between 5 and 10 mm") == [Span(5.0, 10.0, "mm")]
    assert spans("if potassium rises above 5.5 mEq/L") == [Span(5.5, math.inf, "meq")]
    assert set(spans("infants under 6 months; ≥ 30")) == {Span(-math.inf, 6.0, "month"), Span(30.0, math.inf, None)}
    assert spans("a temperature of 38.0 °C or higher") == [Span(38.0, math.inf, None)]
    assert spans("creatinine clearance 30 mL/min or less") == [Span(-math.inf, 30.0, "ml")]
    assert spans("adults 65 and over") == [Span(65.0, math.inf, None)]
    assert spans("give 2 mg once") == []
    assert spans("15 to 10 kg") == []  # not a range


def test_a_range_holds_a_value_in_its_unit_and_a_threshold_one_of_its_order():
    kg, years = Value(12.0, "kg", ("12kg",)), Value(82.0, "year", ("82",))
    assert holds(Span(8.0, 15.0, "kg"), kg)
    assert not holds(Span(15.0, 30.0, "kg"), kg)
    assert not holds(Span(8.0, 15.0, "mg"), kg)  # another unit
    assert holds(Span(8.0, 15.0, None), kg)  # the passage names no unit
    assert holds(Span(60.0, math.inf, "year"), years)
    assert not holds(Span(5.5, math.inf, None), years)  # 82 is not what "above 5.5" is about
    assert not holds(Span(-math.inf, 900.0, None), Value(5.8, None, ("5", "8")))
    assert held((kg, years), "Over 60 years, 8 to 15 kg") == {"12kg", "82"}
    assert held((kg,), "over 30 kg") == frozenset()


NAUSEA = """\
# Ondansetron for children who are vomiting

- A single oral dose of ondansetron reduces vomiting in children with gastroenteritis [1]
- Ondansetron dose by weight:
    - 8 to 15 kg: 2 mg [1]
    - 15 to 30 kg: 4 mg [1]
    - Over 30 kg: 8 mg [1]

## Potassium on spironolactone

- Potassium below 5 mEq/L: spironolactone continues at the same dose [2]
- Potassium above 5.5 mEq/L: halve the spironolactone dose and recheck in three days [2]

## References

1. Freedman SB, et al. Oral ondansetron for gastroenteritis in a pediatric emergency department. N Engl J Med. 2006.
2. Pitt B, et al. The effect of spironolactone on morbidity and mortality. N Engl J Med. 1999.
"""


@pytest.fixture
def nausea(tmp_path):
    with built_index(tmp_path, {"ondansetron.md": NAUSEA}) as loaded:
        yield Answerer(loaded)


@pytest.mark.parametrize("question, first", [
    ("ondansetron dose for a 22 kg child", "15 to 30 kg: 4 mg"),
    ("ondansetron dose for a 12 kg toddler", "8 to 15 kg: 2 mg"),
    ("ondansetron dose for a 40 kg teenager", "Over 30 kg: 8 mg"),
    ("on spironolactone and potassium came back 5.8 - what now?", "Potassium above 5.5 mEq/L"),
    ("on spironolactone, potassium is 4.2 - keep the dose?", "Potassium below 5 mEq/L"),
])
def test_the_line_whose_range_holds_the_patient_s_value_answers_first(nausea, question, first):
    """The patient's weight or level is not in any passage; the line whose range holds it is the answer."""
    ans = nausea.ask(question)
    assert ans.answered and ans.hits[0].passage.text.startswith(first)


@pytest.mark.parametrize("question", ["what is 15 times 30?", "is 5.8 more than 5?"])
def test_numbers_alone_are_not_an_answer(nausea, question):
    """A passage sharing only numbers with a question (literally, or by a range holding them) does not answer it."""
    assert not nausea.ask(question).answered
