"""``sockscen list``: the selected scenarios with their file:line and tags."""

from __future__ import annotations

import argparse

from . import common
from .exits import EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    """Print ``path:line: name [tags]`` per scenario and a count (-q: only the ids)."""
    file_count, scenarios = common.load(common.paths(args), args.shard, common.load_cache(args))
    selected = common.select(args, scenarios, file_count)
    quiet = common.verbosity(args) < 0
    for s in selected:
        if quiet:
            print(s.id)
            continue
        tags = f"  [{', '.join(s.tags)}]" if s.tags else ""
        print(f"{s.location.short}: {s.name}{tags}")
    if not quiet:
        files = {s.path for s in selected}
        count = common.plural(len(selected), "scenario")
        print(f"\n{count} in {common.plural(len(files), 'file')}")
    return EXIT_OK
