"""The typed scenario model: what ``build`` makes from a validated file and the engine runs.

Frozen dataclasses only, each with the ``Location`` of the YAML node it came
from, so any failure can point back at the file.  The step classes are
declared by their kinds (``steps/<kind>.py``), below ``model.Step``.  Nothing here knows YAML,
JSON Schema, sockets or trio.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .errors import Location, Problem
from .framing import NONE, Framing
from .placeholders import Template

if TYPE_CHECKING:
    # Only annotations here: loading every matcher and payload kind is left to
    # whoever builds or runs a scenario, which keeps ``sockscen --help`` quick.
    from .faults import Fault
    from .matchers import Matcher
    from .payloads import Payload

DEFAULT_STEP_TIMEOUT = 5.0
DEFAULT_SCENARIO_TIMEOUT = 30.0
DEFAULT_READY_TIMEOUT = 10.0
DEFAULT_STOP_TIMEOUT = 3.0
DEFAULT_MAX_BUFFER = 16 * 1024 * 1024

# --------------------------------------------------------------------------- steps


@dataclass(frozen=True, slots=True)
class Step:
    """What every step is: each kind (``steps/<kind>.py``) declares its own subclass.

    ``label`` is the step's number as reports show it: ``"2"``, or ``"3.1"``
    for the first step inside the ``repeat`` that is step 3.  A base class,
    not a union, so that a new kind needs no edit here (the model sits below
    the step kinds, which build and run themselves).
    """

    label: str
    location: Location


# --------------------------------------------------------------------------- addresses


@dataclass(frozen=True, slots=True)
class ListenAddress:
    """One address a server listens on.

    ``key`` is None for a single ``listen:`` address and the mapping key when
    ``listen`` is a mapping (``${app.KEY.port}``).  ``scheme`` is known at build
    time (it is the literal start of the address); the rest may hold placeholders.
    """

    key: str | None
    template: Template
    scheme: str
    location: Location


# --------------------------------------------------------------------------- servers


@dataclass(frozen=True, slots=True)
class ScriptedServer:
    """A mock server whose ``handle`` steps run per connection (stream) or per sender (datagram).

    ``connections``, when set, is exactly how many connections (or senders) must arrive.
    """

    name: str
    listen: ListenAddress
    handle: tuple[Step, ...]
    location: Location
    framing: Framing = NONE
    connections: int | None = None
    connections_location: Location | None = None
    #: ``faults:``: on what each handler sends, and ``refuse`` on how connections are accepted.
    faults: tuple[Fault, ...] = ()


@dataclass(frozen=True, slots=True)
class Proxy:
    """A relay between ``listen`` and ``upstream``, faulting either direction.

    ``upstream_faults`` act on what clients send to the upstream,
    ``downstream_faults`` on what the upstream sends back (and ``refuse`` on
    how the proxy accepts).  It starts after every server, before the clients.
    """

    name: str
    listen: ListenAddress
    upstream: Template
    location: Location
    upstream_location: Location
    framing: Framing = NONE
    upstream_faults: tuple[Fault, ...] = ()
    downstream_faults: tuple[Fault, ...] = ()
    connections: int | None = None
    connections_location: Location | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of a rule server: when a request matches ``when``, answer it.

    ``when`` None is the server's ``default`` (any request no rule took).  The
    answer is ``replies`` (used in order, the last repeats) or ``steps``.  A
    rule with ``state`` applies only in that state; ``goto`` moves to another.
    ``expect_count`` is (min, max), either None for no bound.
    """

    name: str
    location: Location
    when: Matcher | None
    replies: tuple[Payload, ...] = ()
    steps: tuple[Step, ...] = ()
    state: str | None = None
    goto: str | None = None
    expect_count: tuple[int | None, int | None] | None = None
    expect_count_location: Location | None = None
    #: ``faults:`` on this rule's replies only (its reply or its steps' sends).
    faults: tuple[Fault, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleServer(ScriptedServer):
    """A scripted server answering requests by ``rules`` (after its ``handle`` steps, if any).

    ``state_scope`` is ``connection`` (each connection or datagram sender has its
    own state and ``replies`` counters) or ``server`` (one for all).  ``timeout``
    None means the run's step timeout: how long a request may stay incomplete.
    """

    rules: tuple[Rule, ...] = ()
    default: Rule | None = None
    state_scope: Literal["connection", "server"] = "connection"
    expect_unmatched: int | None = None
    expect_unmatched_location: Location | None = None
    timeout: float | None = None


@dataclass(frozen=True, slots=True)
class Ready:
    """How to tell a process server is ready.

    ``kind`` is ``connect`` (every stream address accepts a connection),
    ``stdout``/``stderr`` (a line matches ``pattern``), ``delay`` or ``path``
    (``path`` exists).
    """

    kind: Literal["connect", "stdout", "stderr", "delay", "path"]
    timeout: float = DEFAULT_READY_TIMEOUT
    pattern: str | None = None
    delay: float = 0.0
    path: Template | None = None
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Stop:
    """Stopping a process server: ``signal`` to its process group, SIGKILL after ``timeout``."""

    signal: signal.Signals = signal.SIGTERM
    timeout: float = DEFAULT_STOP_TIMEOUT


@dataclass(frozen=True, slots=True)
class Command:
    """A program to run.

    ``argv`` is the argument list (a string command was split like a shell
    would); with ``shell`` True, ``argv`` has a single element given to
    ``/bin/sh -c``.  ``cwd`` None means the scenario file's folder.
    """

    argv: tuple[Template, ...]
    location: Location
    shell: bool = False
    env: tuple[tuple[str, Template], ...] = ()
    cwd: Template | None = None


@dataclass(frozen=True, slots=True)
class ProcessServer:
    """The user's own server program, started as a process."""

    name: str
    command: Command
    listen: tuple[ListenAddress, ...]
    ready: Ready
    location: Location
    stop: Stop = field(default_factory=Stop)
    expect_exit: int | None = None
    expect_exit_location: Location | None = None
    #: Judged on the whole output once the server has been stopped.
    expect_stdout: Matcher | None = None
    expect_stderr: Matcher | None = None
    expect_stdout_location: Location | None = None
    expect_stderr_location: Location | None = None


Server = ScriptedServer | RuleServer | ProcessServer

# --------------------------------------------------------------------------- clients


@dataclass(frozen=True, slots=True)
class SocketClient:
    """A scripted client: connects to ``connect`` and runs ``steps``, ``count`` copies at once.

    ``connect`` None: a client that runs only steps needing no connection
    (``sleep``, ``notify``, ``wait``, ``expect_file``).

    ``scheme`` is the literal scheme of ``connect`` when it is known at build
    time (``None`` when the address is a placeholder such as ``${app.url}``
    whose server is only known later).
    """

    name: str
    connect: Template | None
    steps: tuple[Step, ...]
    location: Location
    scheme: str | None = None
    count: int = 1
    framing: Framing = NONE
    #: ``faults:`` on what the client sends.
    faults: tuple[Fault, ...] = ()
    #: ``any``: a datagram client takes replies from any port of the host it sends to.
    reply_from: Literal["connect", "any"] = "connect"


@dataclass(frozen=True, slots=True)
class ProcessClient:
    """A real client program run against the scenario's servers."""

    name: str
    command: Command
    location: Location
    stdin: Payload | None = None
    timeout: float | None = None
    expect_exit: int = 0
    expect_stdout: Matcher | None = None
    expect_stderr: Matcher | None = None
    count: int = 1
    expect_stdout_location: Location | None = None
    expect_stderr_location: Location | None = None
    expect_exit_location: Location | None = None
    #: Start only once this event is notified; notify that one once every copy passed.
    wait: str | None = None
    notify: str | None = None


Client = SocketClient | ProcessClient

# --------------------------------------------------------------------------- files


@dataclass(frozen=True, slots=True)
class FileSpec:
    """A file written into the scenario's ``${tmp}`` before any server starts.

    ``path`` is relative to ``${tmp}`` (checked when built: no ``..``, not
    absolute); ``mode`` is the permission bits (default 0644).
    """

    path: str
    content: Payload
    location: Location
    mode: int = 0o644


# --------------------------------------------------------------------------- scenario


@dataclass(frozen=True, slots=True)
class Scenario:
    """One YAML document: servers to start, clients to run.

    ``path`` is the file as the user named it (relative where possible);
    ``directory`` is the absolute folder of the file, the base of relative
    ``file:`` payloads and of process ``cwd``.  ``vars`` values may hold
    placeholders (``${env.HOME}``), expanded when the scenario starts.
    """

    name: str
    path: str
    directory: str
    location: Location
    servers: tuple[Server, ...]
    clients: tuple[Client, ...]
    description: str = ""
    tags: tuple[str, ...] = ()
    timeout: float = DEFAULT_SCENARIO_TIMEOUT
    vars: tuple[tuple[str, Template], ...] = ()
    #: ``proxies:``, started after the servers (an upstream may be one of them).
    proxies: tuple[Proxy, ...] = ()
    files: tuple[FileSpec, ...] = ()
    #: Located warnings about the file (``Problem`` with severity ``warning``).
    warnings: tuple[Problem, ...] = ()
    #: ``mock: true``: meant for ``sockscen serve`` and the fixture; may have no clients.
    mock: bool = False

    @property
    def id(self) -> str:
        """``path::name``, the identity used by ``-k``, reports and pytest node ids."""
        return f"{self.path}::{self.name}"

    def server(self, name: str) -> Server | None:
        for s in self.servers:
            if s.name == name:
                return s
        return None


def __getattr__(name: str) -> Any:
    """``Matcher`` and ``Payload`` stay importable from here, loaded on first use."""
    if name == "Matcher":
        from .matchers import Matcher

        return Matcher
    if name == "Payload":
        from .payloads import Payload

        return Payload
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
