"""The ``sockscen`` command: run, validate, list scenario files and print the schema.

``main(argv)`` returns the exit code and never raises (argparse's own usage
errors included), so the console script can be ``sys.exit(main())``:

====  =========================================================================
 0    every selected scenario passed (validate: every file is valid)
 1    a scenario failed or could not be set up
 2    usage error, or an invalid scenario file (nothing was run)
 3    internal error: a bug in sockscen
 5    no scenario selected
129   stopped by SIGHUP (its terminal closed), after cleanup and a partial report
130   interrupted by Ctrl-C (SIGINT), after cleanup and a partial report
143   stopped by SIGTERM, after cleanup and a partial report
====  =========================================================================

One module per job: ``parser`` (the flags; run options come from
``sockscen.options`` and report files from the ``sockscen.reporting``
registry), ``help`` (epilogs), ``run``/``validate``/``list``/``schema`` (the
commands), ``common`` (loading and selecting), ``entry`` (``main`` and the
exit codes of errors).  Heavy modules (loader, engine, reporters) are
imported inside the commands, so ``sockscen --help`` and ``sockscen schema``
start quickly.
"""

from __future__ import annotations

from ..options import parse_size
from .common import UsageError
from .entry import main
from .exits import (
    EXIT_FAILED,
    EXIT_INTERNAL,
    EXIT_NO_SCENARIO,
    EXIT_OK,
    EXIT_SIGHUP,
    EXIT_SIGINT,
    EXIT_SIGTERM,
    EXIT_USAGE,
)
from .help import DEFAULT_PATH
from .parser import build_parser

__all__ = [
    "DEFAULT_PATH",
    "EXIT_FAILED",
    "EXIT_INTERNAL",
    "EXIT_NO_SCENARIO",
    "EXIT_OK",
    "EXIT_SIGHUP",
    "EXIT_SIGINT",
    "EXIT_SIGTERM",
    "EXIT_USAGE",
    "UsageError",
    "build_parser",
    "main",
    "parse_size",
]
