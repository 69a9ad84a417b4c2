"""Question intents: the kind of information a question asks for (``data/intents.tsv``).

A passage answers a question only if it is that kind of information: "What's the rituximab dose for
ANCA vasculitis?" is not answered by a passage that names rituximab, nor "How is Raynaud's treated?" by
one that mentions Raynaud's in a definition. The check reads the passage's terms (its text, section path
and title), so a bullet under "Treatment Challenges" counts as treatment.
"""

from __future__ import annotations

from dataclasses import dataclass

from .data import path as data_path
from .tokenize import Tokenizer

DIGIT = "#digit"
WITH_DIGIT = "+#digit"  # the passage needs a number as well as one of the words (a dose: "2 g/kg", not "high-dose")


@dataclass(frozen=True)
class Intent:
    name: str
    cues: frozenset[str]  # question stems that signal the intent
    evidence: frozenset[str]  # passage stems that satisfy it (DIGIT: any number)
    needs_digit: bool = False  # WITH_DIGIT: one of the stems *and* a number
    # cues of several stems ("first-line"): they signal it only as written, one after the other — "first" alone
    # ("in the first day", "first trimester") asks for no treatment
    phrases: tuple[tuple[str, ...], ...] = ()


# "how many / much / long / often" (expand._asks_quantity): a number, written in digits or words, or a
# frequency or duration said in a word ("taken weekly", "lifelong")
NUMBER_WORDS = ("one two three four five six seven eight nine ten eleven twelve twenty thirty hundred thousand "
                "once twice half single double dozen daily weekly monthly yearly annually annual nightly hourly "
                "lifelong indefinitely")


def quantity(tokenizer: Tokenizer) -> Intent:
    return Intent("quantity", frozenset(), frozenset({DIGIT, *tokenizer(NUMBER_WORDS)}))


def load(tokenizer: Tokenizer) -> tuple[Intent, ...]:
    text = data_path("intents.tsv").read_text(encoding="utf-8")
    out = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValueError(f"intents.tsv line {lineno}: expected name, question words, passage words")
        name, cues, evidence = parts
        words = evidence.split()
        ev = {DIGIT} if DIGIT in words else set()
        ev |= set(tokenizer(" ".join(w for w in words if w not in (DIGIT, WITH_DIGIT))))
        stemmed = [tuple(tokenizer(c)) for c in cues.split()]
        out.append(Intent(name, frozenset(s[0] for s in stemmed if len(s) == 1), frozenset(ev),
                          needs_digit=WITH_DIGIT in words, phrases=tuple(s for s in stemmed if len(s) > 1)))
    return tuple(out)


def asked(intents: tuple[Intent, ...], stems) -> tuple[Intent, ...]:
    """The intents a question's stems (in the question's order) signal."""
    stems = tuple(stems)
    present = set(stems)
    return tuple(i for i in intents if i.cues & present or any(written_in(p, stems) for p in i.phrases))


def written_in(phrase: tuple[str, ...], words: tuple[str, ...]) -> bool:
    """Whether ``phrase`` is in ``words`` as written: its words one after the other (both tuples)."""
    n = len(phrase)
    return any(words[j : j + n] == phrase for j in range(len(words) - n + 1) if words[j] == phrase[0])


def satisfied(intent: Intent, passage_terms: set[str]) -> bool:
    if intent.needs_digit and not any(t[:1].isdigit() for t in passage_terms):
        return False
    if DIGIT in intent.evidence and any(t[:1].isdigit() for t in passage_terms):
        return True
    return bool(intent.evidence & passage_terms)
