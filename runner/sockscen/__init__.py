"""sockscen: declarative scenario tests for TCP, UDP and Unix-socket programs.

The public names are re-exported here and imported on first use: the pytest
plugin imports this package in every pytest run of an environment, so
``import sockscen`` must not pull in trio, jsonschema or YAML.

```python
import sockscen

result = sockscen.run_file("scenarios/echo.yaml")
for scenario in result.scenarios:
    print(scenario.outcome.value, scenario.id)
```
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .api import NoScenarioError, load, run_file, run_paths, run_text
    from .engine import RunOptions
    from .errors import ConfigError
    from .results import Outcome, RunResult, ScenarioResult

__all__ = [
    "ConfigError",
    "NoScenarioError",
    "Outcome",
    "RunOptions",
    "RunResult",
    "ScenarioResult",
    "__version__",
    "load",
    "run_file",
    "run_paths",
    "run_text",
]

_LAZY = {
    "run_file": "api",
    "run_paths": "api",
    "run_text": "api",
    "load": "api",
    "NoScenarioError": "api",
    "RunOptions": "engine",
    "RunResult": "results",
    "ScenarioResult": "results",
    "Outcome": "results",
    "ConfigError": "errors",
}

# Used when the package runs from a source tree that was never installed.
_FALLBACK_VERSION = "0+unknown"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sockscen")
    except PackageNotFoundError:
        return _FALLBACK_VERSION


def __getattr__(name: str) -> object:
    if name == "__version__":
        value: object = _version()
    elif name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        value = getattr(module, name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
