"""Numbers a question gives, and the ranges and thresholds passages state.

A clinical question often gives the patient's value, and the article answers it with a range that holds the
value, not with the value itself: "zofran dose for a 12 kg toddler" is answered by "8 to 15 kg: 2 mg", "K came
back 5.8, what now" by "if potassium rises above 5.5 mEq/L, halve the dose". A passage stating a range or a
threshold that holds one of the question's numbers holds that number, as far as deciding is concerned
(``decide.Decider.coverage``): it is the line the number asks about.

A number and a range agree when they measure the same thing: when both carry a unit (``UNITS``, the common units
of measure, time and age, as clinicians write them), it must be the same unit. A threshold holds a number of
the same order only ("82" is above 60, but not what "above 5.5 mEq/L" is about): at most ``ORDER`` times it, or
at least ``1 / ORDER`` of it. A number is never what makes a passage specific (``decide.py``): a passage that
shares only numbers with a question, literally or by a range, does not answer it.

Measured on the tuning sets (``citebot eval`` over the 17 sets in tests/data and ../shared/eval, pooled: 585
answerable questions, 143 out of scope): first answers right 328 → 331, in the first three 417 → 420, out-of-scope
questions declined 117 → 117; "zofran dose for a 12 kg toddler", "dialysis pt w ferritin of 80, can they still be
iron deficient?" and "epipen jr or regular epipen for a 22 kg kid" are answered first. Without the second rule a range
answered an out-of-scope question ("K 6.8 with peaked T waves - calcium gluconate dose?" with "… for 6 to 12
hours"). Giving a passage whose range holds the number that number's weight in ranking as well (0.1 to 2 times it)
moved nothing beyond noise (first answers 331–333, first three 418–420): not done. Thresholds written after their
number ("38.0 °C or higher", "30 mL/min or less", "65 and over") came later: over the 18 tuning sets (617 answerable,
151 out of scope) first three 447 → 449, first answers and declines unchanged.
"""

from __future__ import annotations

import functools
import math
import re
from typing import NamedTuple

ORDER = 10.0
ORDINAL = ("st", "nd", "rd", "th")  # "2nd", "3rd": a number with these letters is an ordinal, not a value
MAX_VALUES = 12  # a question's first this many numbers (a pasted table of results is not read number by number)
# the ordinals written in words, first to twelfth: a question's "4th drug" searches "the preferred fourth drug"
# (``expand.Expander.expand``; one way only: articles write the words, and both ways scored the same). Over the 18
# tuning sets pooled first answers 368 → 369, first three 458 → 459; the twelve libraries as one library Hit@1
# 0.4583 → 0.4557 (a near tie: "2nd line drug for SE … → pt is 30 wks pregnant" led by the line that says
# levetiracetam is preferred in pregnancy); the shared library set and SciFact unchanged
ORDINAL_WORDS = {"1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "5th": "fifth", "6th": "sixth",
                 "7th": "seventh", "8th": "eighth", "9th": "ninth", "10th": "tenth", "11th": "eleventh",
                 "12th": "twelfth"}

# unit as written → the unit it is; general units of mass, volume, concentration, length, time and age
UNITS = {
    **dict.fromkeys(("kg", "kgs", "kilogram", "kilograms"), "kg"),
    **dict.fromkeys(("g", "gram", "grams"), "g"),
    **dict.fromkeys(("mg", "milligram", "milligrams"), "mg"),
    **dict.fromkeys(("mcg", "microgram", "micrograms", "µg", "μg"), "mcg"),
    **dict.fromkeys(("%", "percent", "per cent"), "%"),
    **dict.fromkeys(("ml", "millilitre", "milliliter", "millilitres", "milliliters"), "ml"),
    **dict.fromkeys(("l", "litre", "liter", "litres", "liters"), "l"),
    **dict.fromkeys(("mmol", "mmol/l"), "mmol"),
    **dict.fromkeys(("meq", "meq/l"), "meq"),
    **dict.fromkeys(("mm", "millimetre", "millimeter", "millimetres", "millimeters"), "mm"),
    **dict.fromkeys(("cm", "centimetre", "centimeter", "centimetres", "centimeters"), "cm"),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), "minute"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hour"),
    **dict.fromkeys(("d", "day", "days"), "day"),
    **dict.fromkeys(("wk", "wks", "week", "weeks"), "week"),
    **dict.fromkeys(("mo", "mos", "month", "months"), "month"),
    **dict.fromkeys(("y", "yo", "yr", "yrs", "year", "years"), "year"),
}
_NUMBER = r"\d+(?:\.\d+)?"
_UNIT = r"(%|[^\W\d_]{1,11}(?:/l)?\b)"
# a number standing on its own ("12", "5.8", "12kg"), not inside a name or a code ("CHA2DS2", "T4", "A1c")
_VALUE = re.compile(rf"(?<![\w.])({_NUMBER})(\s*){_UNIT}?", re.I)
_RANGE = re.compile(rf"(?<![\w.])({_NUMBER})\s*{_UNIT}?\s*(?:to|-|–|—)\s*({_NUMBER})\s*{_UNIT}?", re.I)
_BETWEEN = re.compile(rf"\bbetween\s+({_NUMBER})\s*{_UNIT}?\s*and\s*({_NUMBER})\s*{_UNIT}?", re.I)
_ABOVE = re.compile(rf"(?:\b(?:above|over|more than|greater than|higher than|exceeding|at least)\s*|>=?\s*|≥\s*)"
                    rf"({_NUMBER})\s*{_UNIT}?", re.I)
# a threshold written after its number and its unit: "38.0 °C or higher", "3 or more", "30 mL/min or less", "65 and over"
_AFTER = r"(?<![\w.])(" + _NUMBER + r")((?:\s*(?:°|%|[^\W\d_]{1,8}(?:/[^\W_]{1,6})*)){0,2})\s*,?\s*(?:or|and)\s+"
_OR_ABOVE = re.compile(_AFTER + r"(?:higher|more|above|greater|over)\b", re.I)
_OR_BELOW = re.compile(_AFTER + r"(?:lower|less|below|under|fewer)\b", re.I)
_BELOW = re.compile(rf"(?:\b(?:below|under|less than|lower than|up to|at most)\s*|<=?\s*|≤\s*)"
                    rf"({_NUMBER})\s*{_UNIT}?", re.I)


class Value(NamedTuple):
    """A number the question gives: its value, its unit (None when it has none we know), and the stems it is
    tokenized to ("5.8" → 5, 8; "12kg" → 12kg), which are the question's concepts it stands for."""

    number: float
    unit: str | None
    stems: tuple[str, ...]


class Span(NamedTuple):
    """A range a passage states: from ``low`` to ``high`` (either may be infinite), in ``unit`` (or None)."""

    low: float
    high: float
    unit: str | None


def _unit(written: str | None) -> str | None:
    return UNITS.get(written.lower()) if written else None


def _first_unit(written: str) -> str | None:
    """The unit of what follows a number ("mL/min" → ml; "°C" → None: not one of ``UNITS``)."""
    word = re.search(r"%|[^\W\d_]+", written)
    return _unit(word.group()) if word else None


def question_values(text: str, tokenizer) -> tuple[Value, ...]:
    """The numbers ``text`` gives, each with its unit and its stems (only its number, and a unit written
    onto it: "12 kg" stands for the concept "12", "12kg" for "12kg")."""
    out = []
    for m in _VALUE.finditer(text):
        number, gap, unit = m.groups()
        if not gap and unit and unit.lower() in ORDINAL:
            continue  # an ordinal ("3rd bout"), not a value
        stems = tuple(tokenizer(number + (unit or "" if not gap else "")))
        if stems:
            out.append(Value(float(number), _unit(unit), stems))
            if len(out) == MAX_VALUES:
                break
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def _spans(text: str) -> tuple[Span, ...]:
    """``spans``, remembered for the passages a process reads again (deciding reads each a few times a question)."""
    return tuple(spans(text))


def spans(text: str) -> list[Span]:
    """The ranges and thresholds ``text`` states: "8 to 15 kg", "between 5 and 10 mm", "above 5.5 mEq/L",
    "under 6 months", "≥ 30", "38.0 °C or higher", "30 mL/min or less"."""
    out = []
    for pattern in (_RANGE, _BETWEEN):
        for m in pattern.finditer(text):
            low, low_unit, high, high_unit = m.groups()
            if float(low) < float(high):
                out.append(Span(float(low), float(high), _unit(high_unit) or _unit(low_unit)))
    for m in _ABOVE.finditer(text):
        out.append(Span(float(m.group(1)), math.inf, _unit(m.group(2))))
    for m in _BELOW.finditer(text):
        out.append(Span(-math.inf, float(m.group(1)), _unit(m.group(2))))
    for m in _OR_ABOVE.finditer(text):
        out.append(Span(float(m.group(1)), math.inf, _first_unit(m.group(2))))
    for m in _OR_BELOW.finditer(text):
        out.append(Span(-math.inf, float(m.group(1)), _first_unit(m.group(2))))
    return out


def holds(span: Span, value: Value) -> bool:
    """Whether ``span`` holds ``value``: within it, in the same unit when both have one, and of the same order
    as a threshold."""
    if span.unit and value.unit and span.unit != value.unit:
        return False
    if not span.low <= value.number <= span.high:
        return False
    if span.high == math.inf and span.low > 0 and value.number > ORDER * span.low:
        return False
    if span.low == -math.inf and span.high > 0 and value.number < span.high / ORDER:
        return False
    return True


def held(values: tuple[Value, ...], text: str) -> frozenset[str]:
    """The stems of those of ``values`` that a range or threshold stated in ``text`` holds."""
    if not values:
        return frozenset()
    found = _spans(text)
    return frozenset(s for v in values if any(holds(sp, v) for sp in found) for s in v.stems)


# -- a number that names a class: "type 1", "stage 4", "class IV" -------------------------------------------------
#
# A number after a noun of classification names a kind of the thing, not a quantity: "insulin pump settings for type 1
# DM" asks about type 1 diabetes, which "when A1C is 1.5% or more above target" (type 2's article) does not hold, though
# it holds a "1". The nouns are those of the usual typing, staging and grading systems (type 1 diabetes, CKD stage 4,
# NYHA class III, grade 2, phase 3, category II), with their numbers in digits or Roman numerals; a passage holds the
# pair when it writes the noun followed by that number, or by a list holding it ("stages 3 and 4", "class III or IV").
# Deciding reads the pair as one concept (``decide.Decider._units``), and a first question's class that no passage
# names counts as a word no article uses does (``unknown_penalty``). The shared library set's out-of-scope questions
# declined 0.722 → 0.778 ("insulin pump settings for type 1 DM"); no other tuning-set item moved, SciFact unchanged.
CLASSIFIERS = {"type": "type", "types": "type", "stage": "stage", "stages": "stage", "class": "class",
               "classes": "class", "grade": "grade", "grades": "grade", "phase": "phase", "phases": "phase",
               "category": "category", "categories": "category"}
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_NUMERAL = r"(?:\d{1,2}|ix|iv|x|v?i{1,3}|v)\b"  # never empty: "class" alone names no class
_CLASSED = re.compile(rf"\b({'|'.join(CLASSIFIERS)})\s+({_NUMERAL}(?:\s*(?:,|and|or|to|-|–|/)\s*{_NUMERAL})*)",
                      re.I)


class Classed(NamedTuple):
    """A number naming a class in a question: the noun ("stage"), the number as the question writes it ("iv"), its
    value (4)."""

    noun: str
    written: str
    value: int


def _numeral(word: str) -> int | None:
    w = word.lower()
    return int(w) if w.isdigit() else ROMAN.get(w)


def _named(text: str):
    """Each noun of ``CLASSIFIERS`` in ``text`` with the numbers written after it: ("stage", ["3", "4"])."""
    for m in _CLASSED.finditer(text):
        yield CLASSIFIERS[m.group(1).lower()], [p for p in re.findall(_NUMERAL, m.group(2), re.I) if p]


def question_classes(text: str) -> tuple[Classed, ...]:
    """The classes a question names ("type 1 DM" → type 1): a noun of ``CLASSIFIERS`` and one number after it."""
    return tuple(Classed(noun, parts[0].lower(), _numeral(parts[0])) for noun, parts in _named(text)
                 if len(parts) == 1 and _numeral(parts[0]) is not None)


@functools.lru_cache(maxsize=4096)
def classes(text: str) -> frozenset[tuple[str, int]]:
    """The (noun, number) classes a passage names: "stages 3 and 4" names stage 3 and stage 4."""
    return frozenset((noun, _numeral(p)) for noun, parts in _named(text) for p in parts if _numeral(p) is not None)
