"""``main``: parse the command line, run the command, turn every outcome into an exit code."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from typing import Any, TextIO, cast

from ..errors import ConfigError
from .common import EmptyShard, NothingSelected, UsageError, report_invalid
from .exits import (
    EXIT_FAILED,
    EXIT_INTERNAL,
    EXIT_NO_SCENARIO,
    EXIT_OK,
    EXIT_SIGINT,
    EXIT_USAGE,
)
from .parser import build_parser, subcommands

#: An internal error's message is cut to this many characters unless -v asks for everything.
_INTERNAL_MESSAGE_LIMIT = 500


def _internal_error(exc: BaseException, verbose: bool) -> int:
    message = str(exc)
    if not verbose and len(message) > _INTERNAL_MESSAGE_LIMIT:
        message = message[:_INTERNAL_MESSAGE_LIMIT] + "..."
    print(
        "sockscen: internal error (this is a bug in sockscen, please report it): "
        f"{type(exc).__name__}: {message}",
        file=sys.stderr,
    )
    if verbose:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    else:
        print("(run with -v or SOCKSCEN_DEBUG=1 to see the traceback)", file=sys.stderr)
    return EXIT_INTERNAL


def _apply_project_defaults(parser: argparse.ArgumentParser) -> UsageError | None:
    """Take the defaults of ``[tool.sockscen]``; a mistake there is returned, to be
    reported by the commands that read it (``--help`` and ``schema`` still work)."""
    from .project import project_defaults

    try:
        _path, defaults = project_defaults()
    except UsageError as exc:
        return exc
    commands = subcommands(parser)
    for name, values in defaults.items():
        if values:
            commands[name].set_defaults(**values)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line *argv* (default ``sys.argv[1:]``) and return the exit code."""
    parser = build_parser()
    debug = os.environ.get("SOCKSCEN_DEBUG", "") not in ("", "0")
    project_error = _apply_project_defaults(parser)
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:
            # Unknown options of a command are that command's usage error, not the top level's.
            chosen = subcommands(parser).get(getattr(args, "command", None) or "", parser)
            chosen.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:
        # argparse exits for --help, --version and usage errors; turn that into a return value.
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    verbose = debug or args.verbose > 0
    # Imported after parsing: --help and --version need no scenario model.
    from ..selection import KeywordError, compile_keyword, compile_tags

    try:
        if sys.stdout is None:
            raise UsageError("standard output is closed: redirect it instead (> /dev/null)")
        sys.stdout = cast(TextIO, _Stdout(sys.stdout))
        if project_error is not None and args.command in ("run", "serve", "validate", "list"):
            raise project_error
        if getattr(args, "keyword", None) is not None:
            # A typo in -k or --tag is reported before any file is read.
            compile_keyword(args.keyword)
        compile_tags(getattr(args, "tags", None) or [])
        code: int = args.handler(args)
        sys.stdout.flush()
        return code
    except ConfigError as exc:
        report_invalid(exc, args, ran_nothing=args.command == "run")
        return EXIT_USAGE
    except EmptyShard as exc:
        print(f"sockscen: {exc}; nothing to do", file=sys.stderr)
        return EXIT_OK
    except NothingSelected as exc:
        print(f"sockscen: no scenario selected: {exc}", file=sys.stderr)
        return EXIT_NO_SCENARIO
    except (UsageError, KeywordError) as exc:
        print(f"sockscen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        # Ctrl-C before the engine took over its signals (while loading): nothing to clean up.
        print("\nsockscen: interrupted", file=sys.stderr)
        return EXIT_SIGINT
    except Exception as exc:
        if _found(exc, BrokenPipeError) is not None:
            # The reader went away (`sockscen list | head`), maybe while scenarios ran
            # (then inside trio's exception group): stop quietly.
            _silence_stdout()
            return EXIT_FAILED
        unwritable = _found(exc, StdoutError)
        if unwritable is not None:
            # A full disk or a closed file behind `> file`: the user's to fix, not a bug.
            why = unwritable.strerror or str(unwritable)
            print(f"sockscen: error: cannot write standard output: {why}", file=sys.stderr)
            _silence_stdout()
            return EXIT_USAGE
        return _internal_error(exc, verbose)
    finally:
        if isinstance(sys.stdout, _Stdout):
            sys.stdout = sys.stdout.stream


class StdoutError(OSError):
    """Writing standard output failed (a full disk, an I/O error): raised by ``_Stdout``."""


@contextlib.contextmanager
def _as_stdout_error() -> Iterator[None]:
    """An ``OSError`` of standard output as ``StdoutError`` (a gone reader stays itself)."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise StdoutError(exc.errno, exc.strerror) from exc


class _Stdout:
    """``sys.stdout`` while a command runs, telling its write errors from any other OSError."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        with _as_stdout_error():
            return self.stream.write(text)

    def flush(self) -> None:
        with _as_stdout_error():
            self.stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _found(exc: BaseException, kind: type[OSError]) -> OSError | None:
    """*exc*, or the first part of an exception group (trio's) that is a *kind*."""
    if isinstance(exc, kind):
        return exc
    for part in getattr(exc, "exceptions", ()):
        found = _found(part, kind)
        if found is not None:
            return found
    return None


def _silence_stdout() -> None:
    # Python would complain again flushing stdout at exit: point it at /dev/null.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
