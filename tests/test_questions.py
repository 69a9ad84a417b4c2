"""Strange questions: each gets a defined answer, never an exception."""

from __future__ import annotations

import pytest

from bot.question import MAX_QUESTION_CHARS, clean


@pytest.mark.parametrize("question,code,reason", [
    ("", "empty", "empty"),
    ("   \t\n  ", "empty", "empty"),
    ("\x00\x01\x02", "empty", "empty"),
    ("what is the and of to?", "no_words", "no words"),
    ("?!?! ... ;;", "no_words", "no words"),
    ("🙂🔥👍", "no_words", "no words"),
    ("<@U123ABC> <!channel>", "empty", "empty"),
    ("x" * 100_000, "too_long", "too long: 100,000 characters (limit 2,000)"),
    ("What is the capital of France?", "not_covered", "do not cover"),
])
def test_questions_with_nothing_to_search_are_declined_politely(answerer, question, code, reason):
    answer = answerer.ask(question)
    assert answer.answered is False and answer.hits == () and answer.references == ()
    assert reason in answer.reason and answer.reason_code == code
    assert answer.to_json()["reason"] == {"code": code, "message": answer.reason}


@pytest.mark.parametrize("question, answered", [
    ("'; DROP TABLE passages; --", False),
    ("$(rm -rf /) && echo `id`", False),
    ("¿Qué es la calcinosis y cómo se trata?", False),  # one shared word of five is not an answer
    ("Что такое кальциноз?", False),
    ("calcinosis\x00 lupus\x1b[31m", True),  # control characters dropped, the words searched
    ("What is the capital of France?", False),
])
def test_odd_questions_get_a_defined_answer(answerer, question, answered):
    answer = answerer.ask(question)
    assert answer.answered is answered
    assert bool(answer.hits) == answer.answered
    assert answer.answered or answer.reason


def test_slack_markup_is_reduced_to_words():
    assert clean("<@U1> is <https://x.org/a|lupus> linked? <!here>") == "is lupus linked?"
    assert clean("see <https://example.org>") == "see"
    assert clean("a &lt;b&gt; &amp; c") == "a <b> & c"


def test_slack_markup_around_a_real_question_still_answers(answerer):
    answer = answerer.ask("<@U0BOT> <!channel> Can *lupus* cause calcinosis? <https://x.org/faq>")
    assert answer.answered
    assert "lupus" in answer.hits[0].passage.text.lower()


def test_long_but_legal_question_is_searched(answerer):
    q = ("Can lupus cause calcinosis? " * 60)[:MAX_QUESTION_CHARS]
    assert answerer.ask(q).answered


def test_top_is_clamped(answerer):
    assert len(answerer.ask("Can lupus cause calcinosis?", top=0).hits) == 1
    assert len(answerer.ask("Can lupus cause calcinosis?", top=10_000).hits) <= 50
