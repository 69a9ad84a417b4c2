"""A tampered index cannot run code; questions stay out of the logs."""

from __future__ import annotations

import hashlib
import json
import logging

import numpy as np
import pytest

from bot import store
from bot.errors import IndexFormatError
from bot.indexer import open_fresh, reindex
from bot.tokenize import Tokenizer


class Boom:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('x')",))


def test_pickled_payload_in_an_index_file_is_refused_not_run(corpus_dir, index_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    reindex(corpus_dir, index_dir)
    folder = store.resolve(index_dir)
    evil = np.array([Boom()], dtype=object)
    np.save(folder / "idf.npy", evil, allow_pickle=True)
    # the attacker also fixes the manifest's checksums
    manifest = json.loads((folder / "manifest.json").read_text())
    data = (folder / "idf.npy").read_bytes()
    manifest["files"]["idf.npy"] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexFormatError):
        store.load(index_dir, tokenizer=Tokenizer().settings)
    assert not (tmp_path / "PWNED").exists()
    # the same bytes loaded with pickle allowed would run the payload: the refusal above is what stops it
    np.load(folder / "idf.npy", allow_pickle=True)
    assert (tmp_path / "PWNED").exists()


def test_question_text_never_logged_at_info(corpus_dir, index_dir, caplog):
    from bot.answer import Answerer, Conversation

    secret = "Does patient Zebulon Quartermaine have calcinosis in the elbows?"
    with caplog.at_level(logging.INFO):
        loaded, _ = open_fresh(corpus_dir, index_dir)
        a = Answerer(loaded)
        a.ask(secret)
        conv = Conversation(a)
        conv.ask(secret)
        conv.ask("what about Quartermaine surgery?")
    logged = " ".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "Quartermaine" not in logged and "Zebulon" not in logged


