"""The ``sockscen`` console script: ``cli.main``, with a Ctrl-C during start-up ending quietly.

Importing the command line takes a moment; a Ctrl-C (or a terminal closing)
in it would otherwise print a ``KeyboardInterrupt`` traceback from inside the
import machinery, before ``cli.main`` can turn it into exit code 130.  This
module imports nothing of its own, so that window shrinks to the
interpreter's start.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Import and run the command line; exit with its code."""
    try:
        from .cli import main as command_line
    except KeyboardInterrupt:
        sys.exit(130)  # EXIT_SIGINT, which cannot be imported yet
    sys.exit(command_line())
