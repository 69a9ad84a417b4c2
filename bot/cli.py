"""citebot: cited answers from your articles.

The command line. Each command's docstring is its --help text. Heavy imports happen inside
commands; core errors (CitebotError) become a one-line message and the error's exit code.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import sys

from . import logs
from .errors import CitebotError

# Libraries whose log lines are noise to a user unless -v: citebot reports their failures itself.
QUIET_LIBRARIES = ("slack_sdk", "slack_bolt", "urllib3", "sentence_transformers", "filelock")

# Modules that add commands: each has ``register(subparsers, common)``.
COMMAND_MODULES: list[str] = ["bot.slack.cli", "bot.evalcmd", "bot.bench.cli"]


def positive_int(text: str) -> int:
    """An integer from 1 to 50 (``--top``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if not 1 <= value <= 50:
        raise argparse.ArgumentTypeError(f"must be from 1 to 50, not {value}")
    return value


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, told the terminal's width (``render.columns``): argparse makes one for every argument it
    is given, and would import shutil to find the width (2–3 ms of a cold ``citebot ask``)."""

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        if width is None:
            from .render import columns

            width = columns() - 2  # as argparse leaves
        super().__init__(prog, indent_increment, max_help_position, width)


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False, formatter_class=_Formatter)
    g = common.add_argument_group("locations")
    g.add_argument("--corpus", metavar="DIR", help="article folder (env CITEBOT_CORPUS, default ./corpus)")
    g.add_argument("--index", metavar="DIR", help="index folder (env CITEBOT_INDEX, default ./index)")
    common.add_argument("-v", "--verbose", action="store_true",
                        help="say more: progress and library logs on stderr (eval: also list each miss)")
    return common


def _doc(fn) -> tuple[str, str]:
    doc = inspect.cleandoc(fn.__doc__ or "")
    return doc.splitlines()[0], doc


def command(sub, name: str, fn, common):
    summary, doc = _doc(fn)
    p = sub.add_parser(name, parents=[common], help=summary, description=doc,
                       formatter_class=_Formatter)
    p.set_defaults(func=fn, command_parser=p)
    return p


CORE_COMMANDS = ("ask", "repl", "reindex")  # this module's own; the rest come from COMMAND_MODULES


def build_parser(command_only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``command_only`` (one of ``CORE_COMMANDS``) only that command's, for a run of it:
    the other commands' modules (Slack, eval, bench) are then not imported (a cold ``ask``: 10–15 ms)."""
    parser = argparse.ArgumentParser(
        prog="citebot", description=(__doc__ or "").split("\n\n")[0],
        formatter_class=_Formatter,
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"citebot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = _common()

    wanted = (command_only,) if command_only in CORE_COMMANDS else CORE_COMMANDS
    if "ask" in wanted:
        _ask_parser(sub, common)
    if "repl" in wanted:
        _repl_parser(sub, common)
    if "reindex" in wanted:
        _reindex_parser(sub, common)
    if command_only not in CORE_COMMANDS:
        for modname in COMMAND_MODULES:
            importlib.import_module(modname).register(sub, common)
    return parser


def _ask_parser(sub, common) -> None:
    p = command(sub, "ask", cmd_ask, common)
    p.set_defaults(quick_exit=True)  # a one-shot process: ``run`` leaves without the interpreter's teardown
    p.add_argument("question", nargs="*", help="the question (omit to read one question per line from stdin)")
    p.add_argument("--top", type=positive_int, default=3, metavar="K",
                   help="answer blocks to show, 1 to 50 (default 3)")
    p.add_argument("--json", action="store_true", help="print one JSON object per question")
    p.add_argument("--no-abstain", action="store_true", help="rank passages even when it would decline")


def _repl_parser(sub, common) -> None:
    p = command(sub, "repl", cmd_repl, common)
    p.add_argument("question", nargs="*", help="a first question to ask")
    p.add_argument("--top", type=positive_int, default=3, metavar="K",
                   help="answer blocks per answer, 1 to 50 (default 3)")
    p.add_argument("--json", action="store_true", help="read lines, print one JSON answer per turn")


def _reindex_parser(sub, common) -> None:
    p = command(sub, "reindex", cmd_reindex, common)
    p.add_argument("--wait", type=float, default=120.0, metavar="S",
                   help="seconds to wait for another reindex to finish (default 120)")
    p.add_argument("--full", action="store_true",
                   help="re-read every file instead of reusing the unchanged ones from the current index")


def paths(args):
    from .config import resolve_paths

    return resolve_paths(args.corpus, args.index)


def open_answerer(args):
    """Load (rebuilding when stale) the index named by ``args``; print any warning to stderr."""
    from .answer import Answerer
    from .indexer import open_fresh

    from . import progress

    p = paths(args)
    loaded, warning = open_fresh(p.corpus, p.index, notify=progress.notice, progress=progress.Bar())
    if warning:
        print(f"citebot: warning: {warning}", file=sys.stderr)
    return Answerer(loaded, warning=warning)


def cmd_ask(args) -> int:
    """Answer questions from the articles, with the references they cite.

    With a question argument, answers it. Without one, reads questions from standard input, one
    per line (blank lines skipped), and answers each on its own: one JSON object per line with --json.
    Exit status 0 when it answered or declined, 1 or 2 on errors (see "What happens when…").
    """
    from .render import as_json, as_text, terminal_width

    answerer = open_answerer(args)
    if args.question:
        questions = [" ".join(args.question)]
    else:
        if sys.stdin.isatty():
            print("citebot: reading questions from stdin, one per line; Ctrl-D to end", file=sys.stderr)
        questions = (line.rstrip("\n") for line in sys.stdin if line.strip())
    for q in questions:
        answer = answerer.ask(q, top=args.top, abstain=not args.no_abstain)
        print(as_json(answer) if args.json
              else as_text(answer, width=terminal_width(sys.stdout)) + ("\n" if not args.question else ""),
              flush=True)
    return 0


def cmd_repl(args) -> int:
    """Ask questions in a conversation: follow-ups are understood in context.

    Commands at the prompt: :help, :reset (forget the conversation), :more (next passages),
    :quit. Line editing and history on a terminal. With --json, or when standard input is not a
    terminal, reads lines and prints one answer per turn, so it can be scripted.
    """
    from .repl import run

    from .fresh import FollowingAnswerer

    p = paths(args)
    answerer = FollowingAnswerer(p.corpus, p.index, answerer=open_answerer(args))
    return run(answerer, top=args.top, json_mode=args.json, first=" ".join(args.question) or None)


def cmd_reindex(args) -> int:
    """Rebuild the index from the corpus folder.

    Builds into a temporary folder, checks it and swaps it in atomically. If an article cannot be
    read or decoded, it fails naming the file (and line), and the previous index keeps answering.
    Files whose size and modification time (or content hash) are those recorded in the current
    index are not read again: their passages and tokens are reused (--full re-reads everything).
    """
    from .indexer import reindex

    p = paths(args)
    from .progress import Bar

    stats = reindex(p.corpus, p.index, wait=args.wait, progress=Bar(), full=args.full)
    reused = f", {stats.files_reused:,} unchanged reused" if stats.files_reused else ""
    workers = f" by {stats.workers} processes" if stats.workers else ""
    print(f"indexed {stats.passages:,} passages from {stats.files:,} file(s) ({stats.terms:,} terms) "
          f"in {stats.seconds:.2f} s ({stats.files_read:,} read{workers}{reused}) → {stats.folder}")
    for source, numbers in sorted(stats.missing.items()):
        print(f"{source} cites [{', '.join(map(str, numbers))}], not in its reference list")
    return 0


def main(argv: list[str] | None = None, *, quick_exit: bool = False) -> int:
    """Run the command ``argv`` names and return its exit status. With ``quick_exit`` (the console script's
    ``run``), a command marked for it (``ask``) ends the process itself once its output is flushed: ``_leave``."""
    given = sys.argv[1:] if argv is None else argv
    parser = build_parser(given[0] if given and given[0] in CORE_COMMANDS else None)
    args, extra = parser.parse_known_args(argv)
    if extra:  # "citebot ask --bogus": the error in ask's usage, not the top level's
        (getattr(args, "command_parser", None) or parser).error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    # the libraries' own retries and errors: citebot says what matters in one line. A one-shot ``ask`` imports
    # logging only if something logs (``logs.py``); other commands run libraries that log: set up now
    logs.configure(verbose=getattr(args, "verbose", False), quiet=QUIET_LIBRARIES,
                   now=not getattr(args, "quick_exit", False))
    try:
        code = int(args.func(args) or 0)
        if quick_exit and getattr(args, "quick_exit", False):
            _leave(code)
        return code
    except CitebotError as e:
        print(f"citebot: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _leave(code: int) -> None:
    """End the process now, its output flushed, without the interpreter's teardown: a one-shot ``ask`` has
    answered, and freeing every module's tables one object at a time (the index's vocabulary, the lexicon) took
    about 60 ms of a 0.4 s cold ask on a 100k-passage index (README, Performance). Nothing of citebot's is left to
    run at exit (no temporary folder, lock or worker outlives ``cmd_ask``)."""
    sys.stdout.flush()  # a closed pipe raises BrokenPipeError here, which ``main`` handles as before
    sys.stderr.flush()
    logs.shutdown()
    os._exit(code)


def run() -> None:
    """The console script ``citebot`` and ``python -m bot``."""
    sys.exit(main(quick_exit=True))


if __name__ == "__main__":
    run()
