"""``sockscen validate``: load every file as ``run`` would, run nothing."""

from __future__ import annotations

import argparse
import sys

from ..errors import ConfigError
from . import common
from .exits import EXIT_NO_SCENARIO, EXIT_OK, EXIT_USAGE


def cmd_validate(args: argparse.Namespace) -> int:
    """Report every problem of every file (exit 2), or how many files and scenarios are valid."""
    try:
        file_count, scenarios = common.load(common.paths(args), cache=common.load_cache(args))
    except ConfigError as exc:
        common.report_invalid(exc, args, ran_nothing=False)
        return EXIT_USAGE
    except common.NothingSelected as exc:
        # Nothing to validate is not "invalid": say so, but exit like pytest with no tests.
        print(f"sockscen: nothing to validate: {exc}", file=sys.stderr)
        return EXIT_NO_SCENARIO
    n_files = common.plural(file_count, "file")
    print(f"{n_files}, {common.plural(len(scenarios), 'scenario')} valid")
    return EXIT_OK
