"""The planted bugs of ``tests/mutants.txt`` still apply to the code: each entry's ``old:`` text occurs exactly once
in its file and the mutated file compiles. ``make mutants`` checks the same before it runs anything, but it is not
part of ``make test``: a refactor that moved code left an entry stale, and only the next mutation run said so."""

from tests import mutants


def test_every_planted_bug_still_applies_to_the_code():
    entries = mutants.parse(mutants.DEFAULT_LIST)
    assert len(entries) > 100  # the list was read, not an empty file
    stale = []
    for e in entries:
        try:
            mutants.mutated(mutants.REPO, e)
        except mutants.EntryError as err:
            stale.append(str(err))
    assert not stale, "\n".join(stale)
