"""The one tokenizer: used for passages and questions alike, and recorded in the index.

Text is NFKC-normalised, lower-cased and stripped of accents; words are runs of letters and digits
(nltk ``RegexpTokenizer``); English stop words (``data/stopwords.txt``, shipped) are dropped; the rest
are stemmed with nltk's Snowball English stemmer. Nothing here needs downloaded nltk data.
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import cached_property
from importlib import resources

from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize import RegexpTokenizer

from .errors import IndexFormatError

PATTERN = r"[^\W_]+"
VERSION = 1
MAX_WORD_CHARS = 40  # longer "words" are base64, hashes or junk: cut, never stemmed whole


def _stopwords_text() -> str:
    return resources.files("bot.data").joinpath("stopwords.txt").read_text(encoding="utf-8")


class Tokenizer:
    def __init__(self) -> None:
        text = _stopwords_text()
        self.stopwords = frozenset(
            w.strip().replace("'", "") for w in text.splitlines() if w.strip() and not w.startswith("#")
        )
        self._stopwords_hash = hashlib.sha256(text.encode()).hexdigest()[:16]
        self._words = RegexpTokenizer(PATTERN)
        self._stemmer = SnowballStemmer("english")
        self._cache: dict[str, str] = {}

    @cached_property
    def settings(self) -> dict:
        """What the index records; a different value means the index must be rebuilt."""
        return {
            "version": VERSION,
            "pattern": PATTERN,
            "normalise": "NFKC, lower case, accents stripped",
            "stemmer": "nltk SnowballStemmer('english')",
            "stopwords_sha256": self._stopwords_hash,
        }

    def check(self, recorded: dict) -> None:
        if recorded != self.settings:
            raise IndexFormatError(
                "the index was built with different tokenizer settings "
                f"({recorded!r}, this citebot uses {self.settings!r}); run `citebot reindex`"
            )

    @staticmethod
    def normalise(text: str) -> str:
        text = unicodedata.normalize("NFKC", text).lower().replace("'", "").replace("\u2019", "")
        if text.isascii():
            return text
        decomposed = unicodedata.normalize("NFKD", text)
        return "".join(c for c in decomposed if not unicodedata.combining(c))

    def words(self, text: str) -> list[str]:
        """Normalised words with stop words removed, not yet stemmed."""
        stop = self.stopwords
        return [w[:MAX_WORD_CHARS] for w in self._words.tokenize(self.normalise(text)) if w not in stop]

    def stem(self, word: str) -> str:
        s = self._cache.get(word)
        if s is None:
            s = self._stemmer.stem(word)
            if len(self._cache) < 1_000_000:
                self._cache[word] = s
        return s

    def __call__(self, text: str) -> list[str]:
        return [self.stem(w) for w in self.words(text)]
