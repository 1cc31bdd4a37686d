"""The package's layering, held by reading every module's imports with ``ast``.

The map below *is* the architecture (docs: /work/shared/spec/architecture.md):
a module imports only from its own layer or below; layers 0-2 never reach
trio or the socket/process layer; the pure byte logic knows nothing of
sockets, trio, YAML or JSON Schema; reporters know only result objects; the
engine knows nothing of YAML.  Every import statement counts, wherever it
stands: a lazy import inside a function still runs, and one under
``if TYPE_CHECKING:`` is still a dependency of the design.  "Reaches" means
directly or through any chain of sockscen modules.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "sockscen"
RUNNER = Path(__file__).resolve().parents[2] / "runner"
PACKAGE_DIR = RUNNER / PACKAGE

# ------------------------------------------------------------------------ the architecture, as data

#: Layer of every module, by its name inside the package ("reporting.*": every reporter).
LAYERS: dict[str, int] = {
    # 0: the exception tree and Location
    "errors": 0,
    # 1: plain data and pure logic
    "durations": 1,
    "addresses": 1,
    "rendering": 1,
    "placeholders": 1,
    "suggestions": 1,
    "payloads": 1,
    "regexes": 1,
    "masking": 1,
    "wholecheck": 1,
    "payloads.*": 1,
    "matchers": 1,
    "matchers.*": 1,
    "framing": 1,
    "connection": 1,
    "faults": 1,
    "faults.*": 1,
    "recording": 1,
    "buffer": 1,
    "rules": 1,
    "model": 1,
    "kinds": 1,
    "results": 1,
    "yamlsource": 1,
    "yamlsource.*": 1,
    # 2: from text to model, and from results to reports
    "schema": 2,
    "schema_document": 2,
    "schema_explain": 2,
    "build": 2,
    "build.*": 2,
    "loader": 2,
    "loadcache": 2,
    "cachesecret": 2,
    "selection": 2,
    "reporting": 2,
    "reporting.*": 2,
    # the step kinds (their registry, interface and record): pure, written against StepActor
    "steps.*": 2,
    # 3: sockets, processes, trio
    "transport": 3,
    "transport.*": 3,
    "steps": 3,
    "state": 3,
    "actor": 3,
    "waiting": 3,
    "testing": 3,
    "processes": 3,
    "processes.*": 3,
    "ports": 3,
    "rundirs": 3,
    "engine": 3,
    "engine.*": 3,
    # 4: the faces
    "api": 4,
    "options": 4,
    "cli": 4,
    "cli.*": 4,
    "pytest_plugin": 4,
    "servers_fixture": 4,
    "plugin_reports": 4,
    "plugin_cache": 4,
    "plugin_failures": 4,
    "plugin_hints": 4,
    "plugin_markers": 4,
    "plugin_timeout": 4,
    "plugin_run_fixture": 4,
    "__main__": 4,
    "launch": 4,
    "__init__": 4,
}

#: Layers 0-2 must not reach trio, nor any of these modules.
RUNTIME_MODULES = frozenset(
    {"transport", "steps", "state", "actor", "waiting", "engine", "processes", "ports", "testing"}
)
#: The highest layer that must stay free of trio and of RUNTIME_MODULES.
LAST_PURE_LAYER = 2

#: Pure byte logic: no I/O of any kind (a package here: each of its modules too).
BYTE_MODULES = frozenset(
    {
        "payloads",
        "matchers",
        "regexes",
        "framing",
        "placeholders",
        "durations",
        "addresses",
        "rendering",
        "suggestions",
        "buffer",
        "connection",
        "faults",
        "recording",
    }
)
#: Besides ``steps.*``: the pure modules step kinds are written against.
STEP_SIDE_MODULES = frozenset({"buffer", "connection"})
IO_LIBRARIES = frozenset(
    {"socket", "trio", "yaml", "jsonschema", "select", "selectors", "asyncio", "ssl", "subprocess"}
)

#: Parts of the runtime layer that are pure logic: the verdict, the run options, and
#: the transport's table of OS errors.
PURE_RUNTIME_MODULES = ("engine.verdict", "engine.options", "transport.boundary")

#: Reporters are plain functions of result objects.
REPORTING_FORBIDDEN_LIBRARIES = frozenset({"yaml", "jsonschema", "trio"})
REPORTING_MAY_IMPORT = frozenset({"errors", "rendering", "results"})

#: The engine side runs model objects and knows nothing of how they were read.
PROCESS_MODULES = frozenset(
    {
        "processes.arming",
        "processes.capture",
        "processes.child",
        "processes.client",
        "processes.commands",
        "processes.executables",
        "processes.groups",
        "processes.lifecycle",
        "processes.orphans",
        "processes.proctable",
        "processes.readiness",
        "processes.server",
        "processes.server_verdict",
    }
)
ENGINE_MODULES = frozenset(
    {"engine", "steps", "state", "actor", "waiting", "transport", "processes", "ports", "rundirs"}
    | PROCESS_MODULES
)
#: Parts of the process support that are plain data and logic: no trio, no subprocess.
PURE_PROCESS_MODULES = frozenset({"processes.commands", "processes.executables"})
ENGINE_FORBIDDEN_LIBRARIES = frozenset({"yaml", "jsonschema"})
ENGINE_FORBIDDEN_MODULES = frozenset({"yamlsource", "schema", "build"})

#: Heavy libraries that ``import sockscen`` and the pytest plugin (loaded in every
#: pytest run of an environment) must not import until a scenario is collected.
HEAVY_LIBRARIES = ("trio", "yaml", "jsonschema")

# --------------------------------------------------------------------------- reading the imports


@dataclass(frozen=True)
class Edge:
    """One import statement: to a sockscen module (``internal``) or to a top-level library."""

    target: str
    internal: bool
    line: int


def _module_name(path: Path) -> str:
    """``reporting.console`` for runner/sockscen/reporting/console.py, ``__init__`` for the root."""
    parts = list(path.relative_to(PACKAGE_DIR).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def _discover() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


MODULES = _discover()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _absolute(dotted: str) -> str | None:
    """The package-relative name of absolute sockscen import *dotted*, None when it is not ours."""
    parts = dotted.split(".")
    if parts[0] != PACKAGE:
        return None
    return ".".join(parts[1:]) or "__init__"


def _base(importer: str, level: int) -> list[str]:
    """The package parts a ``from`` import of *level* dots resolves against, inside sockscen."""
    parts = [] if importer == "__init__" else importer.split(".")
    if not _is_package(importer):
        parts = parts[:-1]
    drop = level - 1
    assert drop <= len(parts), f"{importer}: relative import beyond the package"
    return parts[: len(parts) - drop]


def _internal(parts: list[str]) -> str:
    """The module that ``parts`` names: its longest prefix that is a module (or the package root).

    ``from .model import Scenario`` gives ``model.Scenario``: the module is ``model``.
    """
    while parts:
        name = ".".join(parts)
        if name in MODULES:
            return name
        parts = parts[:-1]
    return "__init__"


def _edges(name: str) -> list[Edge]:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"), filename=str(MODULES[name]))
    edges: list[Edge] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                ours = _absolute(alias.name)
                if ours is None:
                    edges.append(Edge(alias.name.split(".")[0], False, node.lineno))
                else:
                    target = "__init__" if ours == "__init__" else _internal(ours.split("."))
                    edges.append(Edge(target, True, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                assert node.module is not None
                ours = _absolute(node.module)
                if ours is None:
                    edges.append(Edge(node.module.split(".")[0], False, node.lineno))
                    continue
                base = [] if ours == "__init__" else ours.split(".")
            else:
                base = _base(name, node.level)
                if node.module:
                    base = [*base, *node.module.split(".")]
            for alias in node.names:
                target = _internal([*base, alias.name] if alias.name != "*" else base)
                edges.append(Edge(target, True, node.lineno))
    return edges


EDGES = {name: _edges(name) for name in MODULES}


def layer_of(name: str) -> int | None:
    """The layer *name* belongs to, from ``LAYERS``; None for a module the map does not place."""
    if name in LAYERS:
        return LAYERS[name]
    return LAYERS.get(name.split(".")[0] + ".*")


def _placed(name: str) -> float:
    """The layer of *name*; infinity when unplaced (``test_every_module_has_a_layer`` says so)."""
    layer = layer_of(name)
    return float("inf") if layer is None else layer


def _is_pure_layer(name: str) -> bool:
    layer = layer_of(name)
    return layer is not None and layer <= LAST_PURE_LAYER


def _short(name: str) -> str:
    """The name the rules above use for a module.

    ``console`` for ``reporting.console``; for any other subpackage its
    package (``engine`` for ``engine.verdict``), so a rule about the engine
    holds for every module of it.
    """
    if name.startswith("reporting."):
        return name.rsplit(".", 1)[-1]
    return name.split(".", 1)[0]


def _reach(start: str) -> dict[str, list[str]]:
    """Every sockscen module *start* reaches, with the import chain that gets there."""
    chains = {start: [start]}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for edge in EDGES[current]:
            if edge.internal and edge.target not in chains:
                chains[edge.target] = [*chains[current], edge.target]
                queue.append(edge.target)
    return chains


def _where(name: str, edge: Edge) -> str:
    return f"{MODULES[name].relative_to(RUNNER.parent)}:{edge.line}"


def reached_libraries(start: str, libraries: Iterable[str]) -> list[str]:
    """Sentences naming each import of *libraries* that *start* reaches, with its chain."""
    wanted = set(libraries)
    found = []
    for module, chain in _reach(start).items():
        for edge in EDGES[module]:
            if not edge.internal and edge.target in wanted:
                via = " -> ".join(chain)
                found.append(f"{via} imports {edge.target} ({_where(module, edge)})")
    return found


def reached_modules(start: str, forbidden: Iterable[str]) -> list[str]:
    """Sentences naming each forbidden sockscen module *start* reaches, with its chain.

    A forbidden package forbids each of its modules (``build`` forbids ``build.context``).
    """
    banned = set(forbidden)
    return [
        " -> ".join(chain)
        for module, chain in _reach(start).items()
        if module != start and (_short(module) in banned or module.split(".")[0] in banned)
    ]


def _names(predicate: Callable[[str], bool]) -> list[str]:
    return sorted(name for name in MODULES if predicate(name))


# --------------------------------------------------------------------------- the map itself


def test_the_package_is_where_the_test_looks() -> None:
    """A test reading no module would hold nothing: the package and its core modules are found."""
    assert {"errors", "model", "engine", "transport", "reporting.console"} <= set(MODULES)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_has_a_layer(name: str) -> None:
    """A new module must be placed in ``LAYERS`` (and so in the architecture) before it lands."""
    if layer_of(name) is None:
        pytest.fail(f"{MODULES[name]} has no layer: add {name!r} to LAYERS in {__file__}")


def test_the_map_names_no_missing_module() -> None:
    """Every name in the map is a real module, so the map cannot silently rot."""
    missing = [key for key in LAYERS if not key.endswith(".*") and key not in MODULES]
    assert [] == missing


# --------------------------------------------------------------------------- the rules


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_module_imports_only_its_own_layer_or_below(name: str) -> None:
    """Layer N imports sockscen modules of layer N or lower, never upward."""
    own = _placed(name)
    upward = [
        f"{_where(name, e)}: {name} (layer {own}) imports {e.target} (layer {_placed(e.target)})"
        for e in EDGES[name]
        if e.internal and _placed(e.target) > own
    ]
    assert [] == upward


@pytest.mark.parametrize("name", _names(_is_pure_layer))
def test_layers_0_to_2_never_reach_trio(name: str) -> None:
    """Errors, model, pure logic, loading and reporting run without trio."""
    assert [] == reached_libraries(name, {"trio"})


def reached_runtime(start: str) -> list[str]:
    """Chains from *start* to a runtime module.  The pure modules inside a runtime package
    (``steps.send``, placed at layer 2) are not the runtime: only its modules above
    layer 2, and the package itself, count."""
    return [
        chain
        for chain in reached_modules(start, RUNTIME_MODULES)
        if _placed(chain.split(" -> ")[-1]) > LAST_PURE_LAYER
    ]


@pytest.mark.parametrize("name", _names(_is_pure_layer))
def test_layers_0_to_2_never_reach_the_runtime_modules(name: str) -> None:
    """Nothing below the engine layer depends on sockets, processes, ports or the engine."""
    assert [] == reached_runtime(name)


def _byte_modules() -> list[str]:
    """``BYTE_MODULES`` and every module inside those of them that are packages."""
    inside = _names(lambda n: "." in n and n.split(".")[0] in BYTE_MODULES)
    return sorted(BYTE_MODULES) + inside


@pytest.mark.parametrize("name", _byte_modules())
def test_pure_byte_modules_reach_no_io_library(name: str) -> None:
    """Payloads, matchers (each kind module too), framing, placeholders...: no I/O library."""
    assert name in MODULES
    assert [] == reached_libraries(name, IO_LIBRARIES)


def _is_step_side(name: str) -> bool:
    return name.startswith("steps.") or name in STEP_SIDE_MODULES


@pytest.mark.parametrize("name", _names(_is_step_side))
def test_step_kinds_and_the_receive_buffer_reach_no_trio_nor_sockets(name: str) -> None:
    """Step kind modules (and their registry, interface, record), the buffer, the connection
    protocol: written against interfaces, so they run with no trio, no socket, no runtime module."""
    assert [] == reached_libraries(name, IO_LIBRARIES)
    assert [] == reached_runtime(name)


def _step_kind_modules() -> set[str]:
    """The modules of ``steps/`` that declare a step kind (a top-level ``KIND = StepKind(...)``)."""
    found = set()
    for name in _names(lambda n: n.startswith("steps.")):
        tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "KIND" for t in node.targets
            ):
                found.add(name)
    return found


def test_the_step_side_is_where_the_test_looks() -> None:
    """The rule above holds something: every registered step kind has its module under ``steps/``,
    and every module there that declares a kind is registered (one registry, keyed by YAML key)."""
    from sockscen.steps.registry import STEPS

    assert {f"steps.{key}" for key in STEPS} == _step_kind_modules()
    assert {"send", "expect", "repeat"} <= set(STEPS)
    assert STEP_SIDE_MODULES <= set(_names(_is_step_side))


def _cycles() -> list[list[str]]:
    """The import cycles among sockscen modules (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        on_stack.add(name)
        for edge in EDGES[name]:
            if not edge.internal or edge.target == name:
                continue
            if edge.target not in index:
                visit(edge.target)
                low[name] = min(low[name], low[edge.target])
            elif edge.target in on_stack:
                low[name] = min(low[name], index[edge.target])
        if low[name] == index[name]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == name:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for name in sorted(MODULES):
        if name not in index:
            visit(name)
    return found


def test_no_import_cycles() -> None:
    """No chain of imports leads a module back to itself (lazy and TYPE_CHECKING ones count)."""
    assert [] == _cycles()


@pytest.mark.parametrize("name", _names(lambda n: n == "reporting" or n.startswith("reporting.")))
def test_reporters_reach_no_yaml_jsonschema_trio_or_engine(name: str) -> None:
    """Reporters are functions of result objects: no YAML, no JSON Schema, no trio, no engine."""
    assert [] == reached_libraries(name, REPORTING_FORBIDDEN_LIBRARIES)
    assert [] == reached_modules(name, {"engine"})


@pytest.mark.parametrize("name", _names(lambda n: n == "reporting" or n.startswith("reporting.")))
def test_reporters_import_only_results_rendering_errors_and_each_other(name: str) -> None:
    """Reporters know result objects (and how to render bytes), nothing of scenarios or runs."""
    others = [
        f"{_where(name, e)}: {name} imports {e.target}"
        for e in EDGES[name]
        if e.internal
        and not (e.target == "reporting" or e.target.startswith("reporting."))
        and e.target not in REPORTING_MAY_IMPORT
    ]
    assert [] == others


@pytest.mark.parametrize("name", sorted(ENGINE_MODULES))
def test_the_engine_side_knows_nothing_of_yaml(name: str) -> None:
    """Engine, steps, transport, processes, ports never reach YAML, JSON Schema or loaders."""
    assert name in MODULES
    assert [] == reached_libraries(name, ENGINE_FORBIDDEN_LIBRARIES)
    assert [] == reached_modules(name, ENGINE_FORBIDDEN_MODULES)


@pytest.mark.parametrize("name", sorted(PURE_PROCESS_MODULES))
def test_command_preparation_reaches_no_io_library(name: str) -> None:
    """Turning a ``Command`` into argv, env and cwd needs neither trio nor sockets nor processes."""
    assert name in MODULES
    assert [] == reached_libraries(name, IO_LIBRARIES)


def test_the_process_package_is_all_placed() -> None:
    """Every module of the process package is named in the map of engine-side modules."""
    found = {name for name in MODULES if name.startswith("processes.")}
    assert found == set(PROCESS_MODULES)


@pytest.mark.parametrize("name", PURE_RUNTIME_MODULES)
def test_the_pure_parts_of_the_runtime_layer_stay_pure(name: str) -> None:
    """The verdict, the run options and the OS-error table: no I/O library, no runtime module."""
    assert name in MODULES
    assert [] == reached_libraries(name, IO_LIBRARIES)
    runtime = [
        " -> ".join(chain)
        for module, chain in _reach(name).items()
        if _short(module) in RUNTIME_MODULES and module not in PURE_RUNTIME_MODULES
    ]
    assert [] == runtime


# ------------------------------------------------------------------------ what really gets imported


@pytest.mark.parametrize(
    "statement",
    [
        "import sockscen",
        "import sockscen.pytest_plugin",
        # The kinds live in a package that also offers the trio actor: lazily.
        "import sockscen.steps.registry, sockscen.buffer",
    ],
)
def test_light_imports_load_no_heavy_library(statement: str) -> None:
    """The package and its pytest plugin import none of trio, yaml, jsonschema at import time.

    A fresh interpreter is the only honest place to look: this process has them all loaded.
    """
    probe = (
        f"{statement}\n"
        "import sys\n"
        f"print(','.join(m for m in {HEAVY_LIBRARIES!r} if m in sys.modules))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(RUNNER), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert 0 == done.returncode, done.stderr
    assert "" == done.stdout.strip()
