"""A deterministic synthetic corpus: Markdown articles of cited bullets over a Zipf vocabulary.

The same ``seed`` and ``passages`` always give byte-identical files and questions. Words are made of
syllables (``kalomi``, ``tenura``…) so that they are not English stop words and stem to distinct
terms; their frequencies follow a Zipf–Mandelbrot law (rank r drawn ∝ 1/(r + 10)), roughly what
prose leaves after stop-word removal. Each article has a title, a few ``##`` sections, one bullet per
passage with one or two ``[n]`` citations, and a numbered reference list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "kl", "st", "tr")
VOWELS = ("a", "e", "i", "o", "u", "ai", "ou")
PASSAGES_PER_ARTICLE = 50
SECTIONS_PER_ARTICLE = 5
REFERENCES_PER_ARTICLE = 8
ZIPF_SHIFT = 10.0


@dataclass(frozen=True)
class Synthetic:
    folder: Path
    articles: int
    passages: int
    vocabulary: int
    questions: tuple[str, ...]


def vocabulary_size(passages: int) -> int:
    """Heaps' law: distinct words grow like the square root of the text."""
    return int(min(2_000_000, max(2_000, 60 * passages**0.5)))


def _words(n: int) -> list[str]:
    syll = [o + v for o in ONSETS for v in VOWELS]  # 126 syllables
    out: list[str] = []
    length = 2
    while len(out) < n:
        for i in range(len(syll) ** length):
            parts, x = [], i
            for _ in range(length):
                x, r = divmod(x, len(syll))
                parts.append(syll[r])
            out.append("".join(parts) + "x")  # a final consonant keeps the Snowball stemmer from merging words
            if len(out) == n:
                break
        length += 1
    return out


def article_text(a: int, lines: list[str], rng: np.random.Generator, words: list[str]) -> str:
    title = " ".join(words[int(i)] for i in rng.integers(0, 200, 3))
    out = [f"# Article {a}: {title}", ""]
    per_section = max(1, -(-len(lines) // SECTIONS_PER_ARTICLE))
    for s in range(0, len(lines), per_section):
        heading = " ".join(words[int(i)] for i in rng.integers(0, 500, 2))
        out += [f"## {heading}", ""]
        for line in lines[s : s + per_section]:
            c = int(rng.integers(1, REFERENCES_PER_ARTICLE + 1))
            cites = f"[{c}]" if rng.random() < 0.7 else f"[{c}, {c % REFERENCES_PER_ARTICLE + 1}]"
            out.append(f"- {line} {cites}")
        out.append("")
    out += ["## References", ""]
    out += [f"{r}. Author {a}-{r}. Journal of synthetic medicine. {2000 + r}." for r in
            range(1, REFERENCES_PER_ARTICLE + 1)]
    return "\n".join(out) + "\n"


def generate(folder: Path, passages: int, *, seed: int = 0, questions: int = 200) -> Synthetic:
    """Write ``passages`` passages as Markdown articles under ``folder``; return the questions too."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n_vocab = vocabulary_size(passages)
    words = _words(n_vocab)
    p = 1.0 / (np.arange(n_vocab) + ZIPF_SHIFT)
    p /= p.sum()
    lengths = rng.integers(8, 31, passages)
    ids = rng.choice(n_vocab, size=int(lengths.sum()), p=p)
    bounds = np.concatenate(([0], np.cumsum(lengths)))
    n_articles = -(-passages // PASSAGES_PER_ARTICLE)
    width = len(str(n_articles))
    for a in range(n_articles):
        lo, hi = a * PASSAGES_PER_ARTICLE, min(passages, (a + 1) * PASSAGES_PER_ARTICLE)
        lines = [" ".join(words[int(i)] for i in ids[bounds[d] : bounds[d + 1]]) for d in range(lo, hi)]
        sub = folder / f"{a // 1000:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"article-{a:0{width}d}.md").write_text(article_text(a, lines, rng, words), encoding="utf-8")
    qs = []
    for _ in range(questions):
        d = int(rng.integers(0, passages))
        own = ids[bounds[d] : bounds[d + 1]]
        picked = [words[int(i)] for i in rng.choice(own, 3, replace=False)]
        picked.append(words[int(rng.choice(n_vocab, p=p))])
        qs.append("What about " + " ".join(picked) + "?")
    return Synthetic(folder=folder, articles=n_articles, passages=passages, vocabulary=n_vocab, questions=tuple(qs))
