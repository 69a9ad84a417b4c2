"""Pieces of question expansion (``bot/expand.py``) tested on their own."""

from __future__ import annotations


def test_within_is_levenshtein_at_most_the_limit():
    """``expand._within`` (the misspelling search's test) against the distance table, on random words of a few
    letters (many near pairs) and on every pair of a sample of medical words."""
    import random

    from bot.expand import _within

    def distance(a: str, b: str) -> int:
        prev = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            cur = [i]
            for j, cb in enumerate(b, 1):
                cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
            prev = cur
        return prev[-1]

    rng = random.Random(7)
    words = ["".join(rng.choice("abc") for _ in range(rng.randint(0, 9))) for _ in range(150)]
    words += ["treatment", "reatment", "tretment", "treatmnet", "coatomer", "coatmer", "hyponatremia",
              "hypernatremia", "calcinosis", "calcinoses", "calciphylaxis", "dilt", "diltiazem"]
    for a in words:
        for b in words[:60] + words[-13:]:
            for limit in (0, 1, 2):
                assert _within(a, b, limit) == (distance(a, b) <= limit), (a, b, limit)


def test_the_misspelling_search_finds_every_term_the_edit_distance_allows(answerer):
    """``Expander._misspelt`` looks only where a misspelling's neighbours can be (terms of a near length, starting
    like it or one letter off) and skips a term lacking more of the stem's letters than the edits allowed: for
    misspellings made from the index's own terms (a letter replaced, dropped, added, two swapped), it must find
    exactly the terms a full scan of those places finds with the edit distance alone."""
    import random

    from bot.expand import MAX_CLIPPED, _opposite, _within

    ex = answerer.expander
    vocab = [t for t in ex.vocab if t.isalpha()]
    rng = random.Random(3)
    checked = 0
    for term in rng.sample([t for t in vocab if len(t) >= 6], 60):
        i = rng.randrange(1, len(term) - 1)
        for stem in (term[:i] + "q" + term[i + 1:], term[:i] + term[i + 1:], term[:i] + "z" + term[i:],
                     term[:i] + term[i + 1] + term[i] + term[i + 2:]):
            if stem in ex.vocab:
                continue
            limit = 2 if len(stem) >= 8 else 1
            near = [t for t in vocab if abs(len(t) - len(stem)) <= limit
                    and (t[0] == stem[0] or t[1:2] == stem[0] or t[0] == stem[1:2])]
            every = [t for t in near if _within(stem, t, limit) and not _opposite(stem, t)]
            found = ex._misspelt(stem)
            assert sorted(found) == (sorted(every) if len(every) <= MAX_CLIPPED else []), stem
            checked += bool(found)
    assert checked > 100
