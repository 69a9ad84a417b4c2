"""citebot: cited answers from vetted articles, by BM25 retrieval."""

__version__ = "0.1.0"

_EXPORTS = {
    "Answerer": "answer", "Conversation": "answer",
    "CitebotError": "errors", "ConfigError": "errors", "CorpusError": "errors", "EmptyCorpusError": "errors",
    "IndexBusyError": "errors", "IndexFormatError": "errors",
    "Answer": "model", "Article": "model", "Hit": "model", "Passage": "model", "Reference": "model",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    # Re-exports, imported on first use so that `citebot --help` does not load numpy and nltk.
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(name)
