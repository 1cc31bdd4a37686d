"""Run scenarios: one scenario's lifecycle, and many scenarios at once under a capacity limit.

The parts, one job each:

- ``options``: ``RunOptions`` and the defaults it falls back on;
- ``runner``: ``run`` / ``run_async``, many scenarios at once, and signals;
- ``scenario``: one scenario's lifecycle (``ScenarioRun``, ``run_scenario``);
- ``context``: what the actors of one scenario share;
- ``bindings``: placeholder values, ports and the private temporary directory;
- ``verdict``: pure, from what a run saw to a ``ScenarioResult``;
- ``kinds``: the registry of actor runners by model class, one module per kind
  (``scripted_server``, ``process_server``, ``socket_client``, ``process_client``).
"""

from __future__ import annotations

from .options import MAX_CONNECTS_IN_FLIGHT, RunOptions, default_jobs
from .runner import run, run_async
from .scenario import ScenarioRun, run_scenario

__all__ = [
    "MAX_CONNECTS_IN_FLIGHT",
    "RunOptions",
    "ScenarioRun",
    "default_jobs",
    "run",
    "run_async",
    "run_scenario",
]
