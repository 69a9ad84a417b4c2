"""The conversation loop behind ``citebot repl``."""

from __future__ import annotations

import json
import os
import sys

from .answer import Answerer, Conversation
from .errors import CitebotError
from .render import as_json, as_text, terminal_width

HELP = """Ask a question about the articles; follow-ups are read in the context of the conversation.
  :more    show the last answer's trimmed lists whole, else the next passages
  :reset   forget the conversation and start afresh
  :help    this text
  :quit    leave (Ctrl-D works too; Ctrl-C abandons the current answer)"""

HISTORY_FILE = os.path.expanduser("~/.citebot_history")


def _setup_readline() -> None:
    """Line editing, and history in ~/.citebot_history (owner-only; ``CITEBOT_HISTORY=0`` keeps none)."""
    try:
        import readline
    except ImportError:  # pragma: no cover - not on every platform
        return
    readline.parse_and_bind("tab: complete")
    try:
        readline.read_history_file(HISTORY_FILE)
    except (OSError, ValueError):
        pass
    readline.set_history_length(500)
    import atexit

    def save() -> None:
        if os.environ.get("CITEBOT_HISTORY", "").strip().lower() in ("0", "false", "no", "off"):
            return  # questions may be about patients: the user asked for no history on disk
        try:
            readline.write_history_file(HISTORY_FILE)
            os.chmod(HISTORY_FILE, 0o600)
        except OSError:
            pass

    atexit.register(save)


def handle(conv: Conversation, line: str, json_mode: bool, out) -> bool:
    """Act on one line; False means quit."""
    line = line.strip()
    if not line:
        return True
    if line.startswith(":"):
        cmd = line[1:].strip().lower()
        if cmd in ("q", "quit", "exit"):
            return False
        if cmd in ("h", "help", "?"):
            print(HELP if not json_mode else json.dumps({"help": HELP}), file=out)
        elif cmd in ("r", "reset"):
            conv.reset()
            print("(conversation forgotten)" if not json_mode else '{"reset": true}', file=out)
        elif cmd in ("m", "more"):
            continues = conv.continues_question()
            try:
                answer = conv.more()
            except CitebotError as e:
                print(str(e) if not json_mode else as_json_error(str(e)), file=out)
            else:
                shown = conv._last[2] if conv._last else 0
                if json_mode:
                    obj = answer.to_json()
                    if continues:
                        obj["continues"] = continues
                    print(json.dumps(obj, ensure_ascii=False), file=out)
                else:
                    if continues:  # the last question was declined: say which one this is more of
                        print(f"(more for your last answered question: {continues!r})", file=out)
                    print(as_text(answer, start=shown - conv.top + 1, width=terminal_width(out)), file=out)
        else:
            message = f"unknown command {line!r}; try :help"
            print(message if not json_mode else as_json_error(message), file=out)
        out.flush()
        return True
    answer = conv.ask(line)
    print(as_json(answer) if json_mode else as_text(answer, width=terminal_width(out)), file=out)
    if not json_mode:
        print(file=out)
    out.flush()
    return True


def as_json_error(message: str) -> str:
    return json.dumps({"error": message})


def run(answerer: Answerer, *, top: int = 3, json_mode: bool = False, first: str | None = None,
        stdin=None, out=None) -> int:
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    conv = Conversation(answerer, top=top)
    interactive = stdin.isatty() and not json_mode
    if first:
        handle(conv, first, json_mode, out)
    if not interactive:
        for line in stdin:
            if not handle(conv, line, json_mode, out):
                break
        return 0
    _setup_readline()
    print("citebot — ask about the articles. :help for commands, :quit to leave.", file=out)
    while True:
        try:
            line = input("citebot> ")
        except EOFError:
            print(file=out)
            return 0
        except KeyboardInterrupt:
            print("^C", file=out)
            continue
        try:
            if not handle(conv, line, json_mode, out):
                return 0
        except KeyboardInterrupt:
            print("\n(interrupted)", file=out)
