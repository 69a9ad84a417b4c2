"""Every error citebot raises on purpose.

Each message says what happened, what was expected and what to do. The fronts
(CLI, REPL, Slack) translate these into their own medium; nothing else should
reach a user as a traceback.
"""

from __future__ import annotations


class CitebotError(Exception):
    """Base class: a problem a user can act on. ``exit_code`` is what the CLI returns."""

    exit_code = 1


class ConfigError(CitebotError):
    """A setting (flag or environment variable) is missing or malformed."""

    exit_code = 2


class CorpusError(CitebotError):
    """An article cannot be read, decoded or parsed.

    ``path`` and ``line`` (1-based, or None) locate the problem.
    """

    def __init__(self, path: str, message: str, *, line: int | None = None):
        self.path = path
        self.line = line
        where = f"{path} line {line}" if line else path
        super().__init__(f"{where}: {message}")
        self._message = message

    def __reduce__(self):  # sent back whole from a worker process (indexer._read_in_workers)
        return _corpus_error, (self.path, self._message, self.line)


def _corpus_error(path, message, line):
    return CorpusError(path, message, line=line)


class EmptyCorpusError(CitebotError):
    """The corpus folder holds no article with any passage."""


class IndexFormatError(CitebotError):
    """The index folder is missing, truncated, hand-edited or from another version."""


class IndexBusyError(CitebotError):
    """Another reindex holds the lock for longer than we are willing to wait."""

    exit_code = 75  # EX_TEMPFAIL
