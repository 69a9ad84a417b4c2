"""Ranking at article level (``bot/rank.py``): topic words pick the article, ask-words only the passage."""

from __future__ import annotations

import pytest

from bot.answer import Answerer, Settings
from bot.indexer import open_fresh
from bot.rank import Weights

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
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in (("calciphylaxis.md", CALCIPHYLAXIS), ("osteoporosis.md", OSTEOPOROSIS),
                       ("migraine.md", MIGRAINE), ("myositis.md", MYOSITIS)):
        (corpus / name).write_text(text, encoding="utf-8")
    loaded, _ = open_fresh(corpus, tmp_path / "index")
    yield loaded
    loaded.passages.close()


def test_article_idf_tells_topic_words_from_ask_words(loaded):
    levels = Answerer(loaded).levels
    assert levels.n_articles == 4
    assert levels.article_idf("migrain") > 2 * levels.article_idf("dose")  # "dose" is in three articles
    assert levels.article_idf("nonexistentword") is None


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
