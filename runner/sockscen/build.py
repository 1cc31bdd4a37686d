"""Schema-valid documents -> ``model.Scenario``, with the checks a JSON Schema cannot express.

The schema has already vouched for every shape, so this module trusts types
and looks at meaning: placeholders that name no server, variable or
environment variable; regexes that do not compile; hex, base64, files and
encodings; address schemes that contradict the server they point at;
matchers that cannot work on the actor's connection; waits nobody notifies.
Each finding is a ``Problem`` placed on the offending key or value, and all
of them are collected before giving up.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import difflib
import os
import re
import shlex
import signal
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import model
from .addresses import (
    DATAGRAM_SCHEMES,
    MAX_UNIX_PATH,
    STREAM_SCHEMES,
    AddressError,
    parse_address,
    scheme_of,
)
from .durations import parse_duration
from .errors import Location, Problem
from .framing import CRLF, LINE, NONE, Framing, FramingError, delimited, length_prefixed
from .matchers import AnyData, Contains, Exact, JsonSubset, Length, Matcher, Regex, compile_pattern
from .payloads import BytesPart, JsonPart, Part, Payload, TextPart, make_payload
from .placeholders import PlaceholderError, Ref, Template, parse_template, static
from .yamlsource import Marks, PathKey

#: Attributes of a server address placeholder (``${app.port}``).
ADDRESS_ATTRIBUTES = ("host", "port", "path", "url")
_ATTRS_BY_SCHEME = {
    "tcp": ("host", "port", "url"),
    "udp": ("host", "port", "url"),
    "unix": ("path", "url"),
    "unixgram": ("path", "url"),
}
_SCHEME_PREFIXES = ("tcp://", "udp://", "unix:", "unixgram:")
_GROUP_NAME = re.compile(r"\(\?P<([A-Za-z_][A-Za-z0-9_]*)>")
_READY_FORMS = "{stdout: REGEX}, {stderr: REGEX}, {delay: DURATION} or {path: PATH}"
_BARE_STEPS: dict[str, type[model.Close | model.Shutdown | model.Abort]] = {
    "close": model.Close,
    "shutdown": model.Shutdown,
    "abort": model.Abort,
}
_STEP_KEYS = (
    "send",
    "expect",
    "expect_eof",
    "expect_silence",
    "sleep",
    "close",
    "shutdown",
    "abort",
    "notify",
    "wait",
    "repeat",
)


#: The largest ``file:`` payload read into memory.
MAX_PAYLOAD_FILE = 256 * 1024 * 1024


@dataclass(frozen=True)
class _Actor:
    """What a step list runs on: its name for messages, its transport and whether it is framed."""

    label: str
    transport: str | None  # "stream", "datagram", or None when unknown until run time
    framed: bool


def build_scenario(
    doc: dict[str, Any],
    marks: Marks,
    path: str,
    directory: str,
    environ: Mapping[str, str] | None = None,
) -> tuple[model.Scenario | None, list[Problem]]:
    """Build one scenario from a schema-valid document.

    *path* is the file as shown to users, *directory* the absolute folder of
    the file (base of ``file:`` payloads).  *environ* (default ``os.environ``)
    decides which ``${env.X}`` exist.  Returns the scenario, or None and the
    problems, sorted by location.
    """
    builder = _Builder(doc, marks, path, directory, os.environ if environ is None else environ)
    scenario = builder.scenario()
    problems = sorted(builder.problems, key=lambda p: p.sort_key)
    return (None if problems else scenario), problems


def duplicate_names(named: Iterable[tuple[Any, Marks]]) -> list[Problem]:
    """A problem for every scenario whose ``name`` repeats an earlier one in the same file."""
    first: dict[str, Location] = {}
    problems: list[Problem] = []
    for doc, marks in named:
        if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
            continue
        name = doc["name"]
        where = marks.value(("name",))
        if name in first:
            problems.append(
                Problem(
                    where,
                    f"duplicate scenario name {name!r} (first used on line {first[name].line})",
                    "names identify scenarios in reports and with -k; "
                    "make each one unique in its file",
                )
            )
        else:
            first[name] = where
    return problems


def _suggest(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


class _Builder:
    def __init__(
        self,
        doc: dict[str, Any],
        marks: Marks,
        path: str,
        directory: str,
        environ: Mapping[str, str],
    ) -> None:
        self.doc = doc
        self.marks = marks
        self.path = path
        self.directory = directory
        self.environ = environ
        self.problems: list[Problem] = []
        self.vars: dict[str, Any] = dict(doc.get("vars") or {})
        self.captures = _capture_names(doc)
        # server name -> {listen key (None for a single address): scheme or None}
        self.listens: dict[str, dict[str | None, str | None]] = {}
        self.listen_text: dict[str, dict[str | None, str]] = {}
        for name, server in (doc.get("servers") or {}).items():
            listen = server.get("listen")
            if isinstance(listen, str):
                items: dict[str | None, str] = {None: listen}
            elif isinstance(listen, dict):
                items = {str(k): str(v) for k, v in listen.items()}
            else:
                items = {}
            self.listen_text[name] = items
            self.listens[name] = {k: scheme_of(_literal_prefix(v)) for k, v in items.items()}
        self.notified: set[str] = set()
        self.waits: list[tuple[str, PathKey]] = []

    # ------------------------------------------------------------------ helpers

    def problem(
        self, at: PathKey, message: str, hint: str | None = None, *, key: bool = False
    ) -> None:
        loc = self.marks.key(at) if key else self.marks.value(at)
        self.problems.append(Problem(loc, message, hint))

    def loc(self, at: PathKey) -> Location:
        return self.marks.value(at)

    def key_loc(self, at: PathKey) -> Location:
        return self.marks.key(at)

    def check_var_cycles(self, variables: dict[str, Template]) -> None:
        """vars that refer to each other in a circle can never be expanded: say which."""
        uses = {
            name: [r.head for r in tpl.refs if len(r.path) == 1 and r.head in variables]
            for name, tpl in variables.items()
        }
        reported: set[str] = set()
        explored: set[str] = set()

        def visit(name: str, trail: list[str]) -> None:
            if name in trail:
                cycle = trail[trail.index(name) :]
                if not reported.intersection(cycle):
                    reported.update(cycle)
                    path = " -> ".join([*cycle, name])
                    self.problem(("vars", cycle[0]), f"vars refer to each other in a cycle: {path}")
                return
            if name in explored:
                return
            for used in uses.get(name, []):
                visit(used, [*trail, name])
            explored.add(name)

        for name in variables:
            visit(name, [])

    def duration(self, value: Any, at: PathKey) -> float:
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            self.problem(at, str(exc))
            return 0.0
        # A zero wait is fine for sleep or a stop grace; a zero timeout can only fail.
        if seconds == 0 and at[-1] == "timeout" and "stop" not in at:
            self.problem(at, "a timeout of 0 can only fail at once; give it more than 0")
        return seconds

    def template(self, text: str, at: PathKey, *, listen: bool = False) -> Template:
        try:
            tpl = parse_template(text)
        except PlaceholderError as exc:
            self.problem(at, str(exc))
            return static(text)
        for ref in tpl.refs:
            self.check_ref(ref, at, listen=listen)
        return tpl

    # ------------------------------------------------------------------ placeholders

    def check_ref(self, ref: Ref, at: PathKey, *, listen: bool = False) -> None:
        p = ref.path
        head = p[0]
        if head == "tmp":
            if len(p) > 1:
                self.problem(at, f"{ref.text}: ${{tmp}} is a directory name and has no attributes")
            return
        if head == "env":
            if len(p) != 2:
                self.problem(at, f"{ref.text}: write an environment variable as ${{env.NAME}}")
            elif p[1] not in self.environ:
                self.problem(
                    at,
                    f"environment variable {p[1]} is not set (used as {ref.text})",
                    f"export it before running sockscen, e.g. export {p[1]}=..., "
                    "or use a vars: value",
                )
            return
        if head in self.listens:
            if listen:
                self.problem(
                    at,
                    f"{ref.text}: a listen address can only use ${{tmp}}, ${{env.NAME}} and vars: "
                    "placeholders, since it is needed before any server starts",
                )
                return
            self.check_server_ref(ref, at)
            return
        if len(p) == 1:
            if head in self.vars:
                return
            if head in self.captures:
                if listen:
                    self.problem(
                        at, f"{ref.text}: a listen address cannot use a value captured by a regex"
                    )
                return
            hint = _suggest(head, [*self.vars, *self.captures, "tmp"]) or (
                f"define it under vars: or capture it with a regex named group (?P<{head}>...)"
            )
            self.problem(at, f"unknown variable {ref.text}", hint)
            return
        if head in self.vars:
            self.problem(
                at,
                f"{ref.text}: variable '{head}' is text and has no attributes; write ${{{head}}}",
            )
            return
        hint = _suggest(head, self.listens) or (
            "servers: " + ", ".join(self.listens)
            if self.listens
            else "this scenario has no servers"
        )
        self.problem(at, f"unknown server '{head}' in {ref.text}", hint)

    def check_server_ref(self, ref: Ref, at: PathKey) -> None:
        p = ref.path
        name = p[0]
        listens = self.listens[name]
        if not listens:
            self.problem(at, f"{ref.text}: server '{name}' has no listen address")
            return
        single = None in listens
        keys = [k for k in listens if k is not None]
        if len(p) == 2:
            attr = p[1]
            if attr in ADDRESS_ATTRIBUTES:
                if not single:
                    example = "${" + f"{name}.{keys[0]}.{attr}" + "}"
                    self.problem(
                        at,
                        f"{ref.text}: server '{name}' listens on several addresses "
                        f"({', '.join(keys)}); name one, e.g. {example}",
                    )
                    return
                self.check_attribute(ref, at, name, None, attr)
                return
            if attr in keys:
                self.problem(
                    at,
                    f"{ref.text} needs an attribute: ${{{name}.{attr}.port}}, .host, .path or .url",
                )
                return
            hint = _suggest(attr, [*ADDRESS_ATTRIBUTES, *keys]) or "use host, port, path or url"
            self.problem(at, f"{ref.text}: server '{name}' has no attribute '{attr}'", hint)
            return
        if len(p) == 3:
            key, attr = p[1], p[2]
            if single:
                self.problem(
                    at,
                    f"{ref.text}: server '{name}' has a single listen address; "
                    f"write ${{{name}.{attr}}}",
                )
                return
            if key not in listens:
                hint = _suggest(key, keys) or f"its addresses are named {', '.join(keys)}"
                self.problem(
                    at, f"{ref.text}: server '{name}' has no listen address named '{key}'", hint
                )
                return
            if attr not in ADDRESS_ATTRIBUTES:
                self.problem(
                    at,
                    f"{ref.text}: server '{name}' has no attribute '{attr}'",
                    _suggest(attr, ADDRESS_ATTRIBUTES) or "use host, port, path or url",
                )
                return
            self.check_attribute(ref, at, name, key, attr)
            return
        self.problem(at, f"{ref.text}: write ${{{name}.port}} or ${{{name}.KEY.port}}")

    def check_attribute(self, ref: Ref, at: PathKey, name: str, key: str | None, attr: str) -> None:
        scheme = self.listens[name].get(key)
        if scheme is None:
            return  # the listen address itself is reported as broken
        if attr not in _ATTRS_BY_SCHEME[scheme]:
            shown = self.listen_text[name][key]
            usable = " or ".join(
                "${" + ".".join([*ref.path[:-1], a]) + "}" for a in _ATTRS_BY_SCHEME[scheme]
            )
            self.problem(
                at,
                f"{ref.text}: server '{name}' listens on {shown}, which has no {attr}",
                f"use {usable}",
            )

    # ------------------------------------------------------------------ addresses

    def address(self, text: str, at: PathKey, *, listen: bool) -> tuple[Template, str | None]:
        """The template of an address and its literal scheme (None if a placeholder comes first)."""
        tpl = self.template(text, at, listen=listen)
        prefix = tpl.literal_prefix()
        scheme = scheme_of(prefix)
        if tpl.is_static:
            try:
                address = parse_address(tpl.static_value)
            except AddressError as exc:
                self.problem(at, str(exc))
                return tpl, scheme
            if not listen and not address.is_unix and address.port == 0:
                self.problem(
                    at,
                    "port 0 only means 'pick a free port' in listen:; connect needs a real port",
                    "write ${server.url} to connect to a server of this scenario",
                )
            if (
                address.is_unix
                and not address.is_abstract
                and len(address.path.encode()) > MAX_UNIX_PATH
            ):
                self.problem(
                    at,
                    f"the socket path is {len(address.path.encode())} bytes; "
                    f"Linux allows {MAX_UNIX_PATH}",
                    "use a relative path: it is placed in the scenario's short temporary directory",
                )
        elif scheme is None and prefix and not any(s.startswith(prefix) for s in _SCHEME_PREFIXES):
            self.problem(
                at,
                f"{text!r} is not an address: use tcp://HOST:PORT, udp://HOST:PORT, "
                "unix:PATH or unixgram:PATH",
            )
        return tpl, scheme

    def listen_address(self, key: str | None, text: str, at: PathKey) -> model.ListenAddress | None:
        tpl, scheme = self.address(text, at, listen=True)
        if scheme is None:
            self.problem(
                at,
                "a listen address must start with its scheme "
                f"(tcp://, udp://, unix: or unixgram:), got {text!r}",
            )
            return None
        return model.ListenAddress(key, tpl, scheme, self.loc(at))

    # ------------------------------------------------------------------ payloads

    def payload(self, value: Any, at: PathKey) -> Payload:
        if isinstance(value, list):
            parts = [self.part(v, (*at, i)) for i, v in enumerate(value)]
        else:
            parts = [self.part(value, at)]
        try:
            return make_payload(tuple(p for p in parts if p is not None))
        except (
            UnicodeError,
            LookupError,
        ) as exc:  # pragma: no cover - parts were checked one by one
            self.problem(at, f"cannot encode the payload: {exc}")
            return Payload(())

    def part(self, value: Any, at: PathKey) -> Part | None:
        if isinstance(value, str):
            return TextPart(self.template(value, at))
        if "text" in value:
            return self.text_part(value, at)
        if "hex" in value:
            return self.hex_part(value["hex"], (*at, "hex"))
        if "base64" in value:
            return self.base64_part(value["base64"], (*at, "base64"))
        if "file" in value:
            return self.file_part(value["file"], (*at, "file"))
        if "json" in value:
            return JsonPart(self.json_value(value["json"], (*at, "json")))
        raise AssertionError(f"schema let through payload {value!r}")  # pragma: no cover

    def text_part(self, value: dict[str, Any], at: PathKey) -> Part | None:
        encoding = value.get("encoding", "utf-8")
        tpl = self.template(value["text"], (*at, "text"))
        try:
            codecs.lookup(encoding)
            "".encode(encoding)
        except LookupError:
            self.problem(
                (*at, "encoding"),
                f"unknown text encoding {encoding!r}",
                _suggest(
                    encoding,
                    ["utf-8", "latin-1", "ascii", "utf-16", "utf-16-le", "utf-16-be", "cp1252"],
                )
                or "use a Python codec name such as utf-8, latin-1 or ascii",
            )
            return None
        if tpl.is_static:
            try:
                tpl.static_value.encode(encoding)
            except UnicodeEncodeError as exc:
                bad = exc.object[exc.start : exc.end]
                self.problem(
                    (*at, "text"),
                    f"the text cannot be written in {encoding}: "
                    f"{bad!r} (position {exc.start}) does not exist in it",
                )
                return None
        return TextPart(tpl, encoding)

    def _fixed(self, text: str, at: PathKey, form: str) -> bool:
        """False (with a problem) when a fixed-bytes form holds a placeholder."""
        if "${" in text.replace("$${", ""):
            self.problem(
                at,
                f"placeholders are not expanded in {form}: (its bytes are fixed when the "
                "scenario is loaded)",
                "use text: for bytes that depend on a placeholder",
            )
            return False
        return True

    def hex_part(self, text: str, at: PathKey) -> Part | None:
        if not self._fixed(text, at, "hex"):
            return None
        digits = "".join(text.split())
        for i, ch in enumerate(digits):
            if ch not in "0123456789abcdefABCDEF":
                self.problem(
                    at, f"not hex: {ch!r} (hex digit {i + 1}); use 0-9 and a-f, spaces are ignored"
                )
                return None
        if len(digits) % 2:
            self.problem(at, f"hex digits come in pairs, but there are {len(digits)}")
            return None
        return BytesPart(bytes.fromhex(digits), "hex")

    def base64_part(self, text: str, at: PathKey) -> Part | None:
        if not self._fixed(text, at, "base64"):
            return None
        try:
            data = base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            self.problem(at, f"invalid base64: {exc}")
            return None
        return BytesPart(data, "base64")

    def file_part(self, name: str, at: PathKey) -> Part | None:
        if not self._fixed(name, at, "file"):
            return None
        if "\0" in name:
            self.problem(at, "a file name cannot contain a NUL character")
            return None
        full = Path(self.directory, name)
        try:
            info = full.stat()
            # A FIFO would block and /dev/zero never ends: read regular files only.
            if not stat.S_ISREG(info.st_mode):
                self.problem(at, f"file {name!r} is not a regular file ({full})")
                return None
            if info.st_size > MAX_PAYLOAD_FILE:
                self.problem(
                    at,
                    f"file {name!r} has {info.st_size} bytes, more than the "
                    f"{MAX_PAYLOAD_FILE // (1024 * 1024)} MiB a payload file may have",
                )
                return None
            data = full.read_bytes()
        except FileNotFoundError:
            self.problem(
                at,
                f"file {name!r} not found (looked for {full})",
                "paths are relative to the scenario file",
            )
            return None
        except OSError as exc:
            self.problem(at, f"cannot read file {name!r}: {exc.strerror or exc}")
            return None
        return BytesPart(data, "file")

    def json_value(self, value: Any, at: PathKey) -> Any:
        if isinstance(value, str):
            return self.template(value, at)
        if isinstance(value, dict):
            return {k: self.json_value(v, (*at, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json_value(v, (*at, i)) for i, v in enumerate(value)]
        return value

    # ------------------------------------------------------------------ matchers

    def matcher(self, value: Any, at: PathKey, actor: _Actor | None) -> Matcher:
        if not isinstance(value, dict):
            return Exact(payload=self.payload(value, at))
        until = None
        if "until" in value:
            until = self.payload(value["until"], (*at, "until"))
            if until.static == b"":
                self.problem((*at, "until"), "an empty 'until' delimiter would match everywhere")
            if actor is not None and actor.framed:
                self.problem(
                    (*at, "until"),
                    f"'until' has no meaning here: {actor.label} has framing, "
                    "so every expect reads one frame",
                    "remove until: or framing:",
                    key=True,
                )
            elif actor is not None and actor.transport == "datagram":
                self.problem(
                    (*at, "until"),
                    f"'until' has no meaning here: {actor.label} uses datagrams, "
                    "and every expect reads one whole datagram",
                    "remove until:",
                    key=True,
                )
        matcher: Matcher
        if "regex" in value:
            matcher = Regex(until=until, pattern=self.regex(value["regex"], (*at, "regex")))
            if matcher.pattern.is_static:
                with contextlib.suppress(re.error):  # reported by self.regex
                    matcher = Regex(
                        until=until,
                        pattern=matcher.pattern,
                        compiled=compile_pattern(matcher.pattern.static_value),
                    )
        elif "length" in value:
            matcher = Length(until=until, length=int(value["length"]))
        elif "contains" in value:
            matcher = Contains(
                until=until, needle=self.payload(value["contains"], (*at, "contains"))
            )
        elif "json" in value:
            matcher = JsonSubset(until=until, value=self.json_value(value["json"], (*at, "json")))
        elif "any" in value:
            matcher = AnyData(until=until)
        elif any(k in value for k in ("text", "hex", "base64", "file")):
            exact = {k: v for k, v in value.items() if k != "until"}
            matcher = Exact(until=until, payload=self.payload(exact, at))
        else:
            matcher = AnyData(until=until)
        if (
            matcher.needs_frame
            and until is None
            and actor is not None
            and actor.transport == "stream"
            and not actor.framed
        ):
            what = "contains" if isinstance(matcher, Contains) else "json"
            self.problem(
                at,
                f"'{what}' checks one whole message, "
                f"but {actor.label} reads an unframed byte stream",
                "add until: or set framing:",
            )
        return matcher

    def regex(self, text: str, at: PathKey) -> Template:
        tpl = self.template(text, at)
        # Placeholder values are inserted escaped, so any literal stands in for them here.
        candidate = tpl.expand(lambda ref: "x") if not tpl.is_static else tpl.static_value
        try:
            compile_pattern(candidate)
        except re.error as exc:
            where = f" at position {exc.pos}" if exc.pos is not None else ""
            self.problem(at, f"invalid regex: {exc.msg}{where}")
        return tpl

    # ------------------------------------------------------------------ steps

    def steps(
        self, items: Sequence[Any], at: PathKey, actor: _Actor, prefix: str = ""
    ) -> tuple[model.Step, ...]:
        out: list[model.Step] = []
        for i, item in enumerate(items):
            step = self.step(item, (*at, i), f"{prefix}{i + 1}", actor)
            if step is not None:
                out.append(step)
        return tuple(out)

    def step(self, item: Any, at: PathKey, label: str, actor: _Actor) -> model.Step | None:
        loc = self.loc(at)
        kind = item if isinstance(item, str) else next(k for k in _STEP_KEYS if k in item)
        if kind in ("shutdown", "abort", "expect_eof") and actor.transport == "datagram":
            self.problem(
                at,
                f"'{kind}' has no meaning on a datagram socket ({actor.label})",
                "datagram sockets have no connection to end; remove the step",
            )
        if isinstance(item, str):
            if item == "expect_eof":
                return model.ExpectEof(label, loc)
            return _BARE_STEPS[item](label, loc)
        if kind in _BARE_STEPS:
            return _BARE_STEPS[kind](label, loc)
        value = item[kind]
        vat = (*at, kind)
        timeout = self.duration(item["timeout"], (*at, "timeout")) if "timeout" in item else None
        if kind == "send":
            gap = self.duration(item["gap"], (*at, "gap")) if "gap" in item else 0.0
            return model.Send(label, loc, self.payload(value, vat), item.get("chunk"), gap)
        if kind == "expect":
            return model.Expect(label, loc, self.matcher(value, vat, actor), timeout)
        if kind == "expect_eof":
            if isinstance(value, dict) and "timeout" in value:
                if timeout is not None:
                    self.problem(
                        (*at, "timeout"), "expect_eof has two timeouts; keep one", key=True
                    )
                timeout = self.duration(value["timeout"], (*vat, "timeout"))
            return model.ExpectEof(label, loc, timeout)
        if kind == "expect_silence":
            return model.ExpectSilence(label, loc, self.duration(value, vat))
        if kind == "sleep":
            return model.Sleep(label, loc, self.duration(value, vat))
        if kind == "notify":
            self.notified.add(value)
            return model.Notify(label, loc, value)
        if kind == "wait":
            self.waits.append((value, vat))
            return model.Wait(label, loc, value, timeout)
        if kind == "repeat":
            inner = self.steps(value["steps"], (*vat, "steps"), actor, f"{label}.")
            return model.Repeat(label, loc, inner, value.get("count"))
        raise AssertionError(f"schema let through step {item!r}")  # pragma: no cover

    # ------------------------------------------------------------------ servers

    def framing(self, value: Any, at: PathKey) -> Framing:
        if value is None or value == "none":
            return NONE
        if value == "line":
            return LINE
        if value == "crlf":
            return CRLF
        try:
            if "delimiter" in value:
                return delimited(value["delimiter"].encode("utf-8"))
            spec = value["length_prefix"]
            return length_prefixed(int(spec["bytes"]), spec.get("byteorder", "big"))
        except FramingError as exc:
            self.problem(at, str(exc))
            return NONE

    def scripted_server(
        self, name: str, node: dict[str, Any], at: PathKey
    ) -> model.ScriptedServer | None:
        listen = self.listen_address(None, node["listen"], (*at, "listen"))
        framing = self.framing(node.get("framing"), (*at, "framing"))
        transport = _transport(listen.scheme if listen else None)
        actor = _Actor(f"server {name}", transport, framing.is_framed)
        handle = self.steps(node["handle"], (*at, "handle"), actor)
        if listen is None:
            return None
        connections = node.get("connections")
        return model.ScriptedServer(
            name=name,
            listen=listen,
            handle=handle,
            location=self.key_loc(at),
            framing=framing,
            connections=connections,
            connections_location=self.loc((*at, "connections"))
            if connections is not None
            else None,
        )

    def process_server(
        self, name: str, node: dict[str, Any], at: PathKey
    ) -> model.ProcessServer | None:
        command = self.command(node, at)
        raw_listen = node.get("listen")
        listens: list[model.ListenAddress | None] = []
        if isinstance(raw_listen, str):
            listens.append(self.listen_address(None, raw_listen, (*at, "listen")))
        elif isinstance(raw_listen, dict):
            for key, text in raw_listen.items():
                listens.append(self.listen_address(key, text, (*at, "listen", key)))
        listen = tuple(a for a in listens if a is not None)
        has_stream = any(a.scheme in STREAM_SCHEMES for a in listen)
        ready = self.ready(name, node, at, has_stream, bool(listens))
        stop = self.stop(node.get("stop"), (*at, "stop"))
        expect_exit = node.get("expect_exit")
        if ready is None or len(listen) != len(listens):
            return None
        return model.ProcessServer(
            name=name,
            command=command,
            listen=listen,
            ready=ready,
            location=self.key_loc(at),
            stop=stop,
            expect_exit=expect_exit,
            expect_exit_location=self.loc((*at, "expect_exit"))
            if expect_exit is not None
            else None,
        )

    def ready(
        self, name: str, node: dict[str, Any], at: PathKey, has_stream: bool, has_listen: bool
    ) -> model.Ready | None:
        spec = node.get("ready")
        rat = (*at, "ready")
        if spec is None:
            if has_stream:
                return model.Ready("connect")
            if has_listen:
                message = (
                    f"server '{name}' has only datagram addresses, "
                    "so it cannot be probed by connecting"
                )
            else:
                message = (
                    f"server '{name}' has no listen address, so it cannot be probed by connecting"
                )
            needs = "a datagram-only server" if has_listen else "a server without listen:"
            self.problem(at, message, f"{needs} needs ready: " + _READY_FORMS, key=True)
            return None
        timeout = (
            self.duration(spec["timeout"], (*rat, "timeout"))
            if "timeout" in spec
            else model.DEFAULT_READY_TIMEOUT
        )
        where = self.loc(rat)
        if "connect" in spec:
            if not has_stream:
                self.problem(
                    (*rat, "connect"),
                    "ready: connect needs a stream address (tcp:// or unix:), "
                    f"and server '{name}' has none",
                    "use ready: " + _READY_FORMS,
                    key=True,
                )
                return None
            return model.Ready("connect", timeout, location=where)
        for stream in ("stdout", "stderr"):
            if stream in spec:
                pattern = spec[stream]
                try:
                    re.compile(pattern)
                except re.error as exc:
                    pos = f" at position {exc.pos}" if exc.pos is not None else ""
                    self.problem((*rat, stream), f"invalid regex: {exc.msg}{pos}")
                    return None
                return model.Ready(stream, timeout, pattern=pattern, location=where)
        if "delay" in spec:
            return model.Ready(
                "delay",
                timeout,
                delay=self.duration(spec["delay"], (*rat, "delay")),
                location=where,
            )
        return model.Ready(
            "path", timeout, path=self.template(spec["path"], (*rat, "path")), location=where
        )

    def stop(self, spec: dict[str, Any] | None, at: PathKey) -> model.Stop:
        if spec is None:
            return model.Stop()
        sig = signal.SIGTERM
        if "signal" in spec:
            name = str(spec["signal"]).upper()
            if not name.startswith("SIG"):
                name = "SIG" + name
            try:
                sig = signal.Signals[name]
            except KeyError:
                names = [s.name for s in signal.Signals]
                self.problem(
                    (*at, "signal"),
                    f"unknown signal {spec['signal']!r}",
                    _suggest(name, names)
                    or "use a name such as SIGTERM, SIGINT, SIGHUP or SIGKILL",
                )
        timeout = (
            self.duration(spec["timeout"], (*at, "timeout"))
            if "timeout" in spec
            else model.DEFAULT_STOP_TIMEOUT
        )
        return model.Stop(sig, timeout)

    def command(self, node: dict[str, Any], at: PathKey) -> model.Command:
        cat = (*at, "command")
        raw = node["command"]
        shell = bool(node.get("shell", False))
        argv: list[Template] = []
        if isinstance(raw, list):
            if shell:
                self.problem(
                    cat, "with shell: true, write the command as one string", "or drop shell: true"
                )
            for i, item in enumerate(raw):
                argv.append(self.template(_text(item), (*cat, i)))
            if raw and _text(raw[0]) == "":
                self.problem((*cat, 0), "the program name is empty")
        elif shell:
            argv.append(self.template(raw, cat))
        else:
            try:
                words = shlex.split(raw)
            except ValueError as exc:
                self.problem(
                    cat, f"cannot split the command into arguments: {exc}", "check its quotes"
                )
                words = []
            else:
                if not words:
                    self.problem(cat, "the command is empty")
            argv.extend(self.template(w, cat) for w in words)
        env = tuple(
            (str(k), self.template(_text(v), (*at, "env", k)))
            for k, v in (node.get("env") or {}).items()
        )
        cwd = self.template(node["cwd"], (*at, "cwd")) if "cwd" in node else None
        # The OS takes arguments, environment and paths as C strings.
        texts = [(cat if not isinstance(raw, list) else (*cat, i), t) for i, t in enumerate(argv)]
        texts += [((*at, "env", k), t) for k, t in env]
        texts += [((*at, "cwd"), cwd)] if cwd is not None else []
        for where, tpl in texts:
            if "\0" in tpl.source:
                self.problem(
                    where, "a command argument, environment value or cwd cannot hold a NUL"
                )
        return model.Command(tuple(argv), self.loc(cat), shell, env, cwd)

    # ------------------------------------------------------------------ clients

    def socket_client(self, name: str, node: dict[str, Any], at: PathKey) -> model.SocketClient:
        cat = (*at, "connect")
        connect, literal = self.address(node["connect"], cat, listen=False)
        scheme = literal
        refs = list(connect.refs)
        if literal is not None:
            for ref in refs:
                target = self.ref_scheme(ref)
                if (
                    target is not None
                    and target != literal
                    and ref.path[-1] in _ATTRS_BY_SCHEME[target]  # else check_attribute said it
                ):
                    server = ref.path[0]
                    shown = self.listen_text[server][ref.path[1] if len(ref.path) == 3 else None]
                    self.problem(
                        cat,
                        f"client '{name}' connects with {literal} "
                        f"but server '{server}' listens on {shown}",
                        f"write connect: ${{{'.'.join(ref.path[:-1])}.url}}",
                    )
        elif (
            [p for p in connect.parts if p != ""] == refs
            and len(refs) == 1
            and refs[0].path[-1] == "url"
        ):
            scheme = self.ref_scheme(refs[0])
        framing = self.framing(node.get("framing"), (*at, "framing"))
        actor = _Actor(f"client {name}", _transport(scheme), framing.is_framed)
        steps = self.steps(node["steps"], (*at, "steps"), actor)
        return model.SocketClient(
            name=name,
            connect=connect,
            steps=steps,
            location=self.key_loc(at),
            scheme=scheme,
            count=int(node.get("count", 1)),
            framing=framing,
        )

    def ref_scheme(self, ref: Ref) -> str | None:
        """The scheme of the server address a placeholder points at, when known."""
        listens = self.listens.get(ref.path[0])
        if listens is None or ref.path[-1] not in ADDRESS_ATTRIBUTES:
            return None
        if len(ref.path) == 2:
            return listens.get(None)
        if len(ref.path) == 3:
            return listens.get(ref.path[1])
        return None

    def process_client(self, name: str, node: dict[str, Any], at: PathKey) -> model.ProcessClient:
        command = self.command(node, at)

        def matcher(key: str) -> Matcher | None:
            return self.matcher(node[key], (*at, key), None) if key in node else None

        def where(key: str) -> Location | None:
            return self.loc((*at, key)) if key in node else None

        return model.ProcessClient(
            name=name,
            command=command,
            location=self.key_loc(at),
            stdin=self.payload(node["stdin"], (*at, "stdin")) if "stdin" in node else None,
            timeout=self.duration(node["timeout"], (*at, "timeout")) if "timeout" in node else None,
            expect_exit=int(node.get("expect_exit", 0)),
            expect_stdout=matcher("expect_stdout"),
            expect_stderr=matcher("expect_stderr"),
            count=int(node.get("count", 1)),
            expect_stdout_location=where("expect_stdout"),
            expect_stderr_location=where("expect_stderr"),
            expect_exit_location=where("expect_exit"),
        )

    # ------------------------------------------------------------------ scenario

    def scenario(self) -> model.Scenario | None:
        doc = self.doc
        variables = tuple((k, self.template(_text(v), ("vars", k))) for k, v in self.vars.items())
        self.check_var_cycles(dict(variables))
        servers: list[model.Server] = []
        for name, node in (doc.get("servers") or {}).items():
            at: PathKey = ("servers", name)
            server: model.Server | None
            if "handle" in node:
                server = self.scripted_server(name, node, at)
            else:
                server = self.process_server(name, node, at)
            if server is not None:
                servers.append(server)
        clients: list[model.Client] = []
        for name, node in doc["clients"].items():
            at = ("clients", name)
            if "command" in node:
                clients.append(self.process_client(name, node, at))
            else:
                clients.append(self.socket_client(name, node, at))
        for event, at in self.waits:
            if event not in self.notified:
                self.problem(
                    at,
                    f"no actor notifies '{event}', so this wait can only time out",
                    _suggest(event, self.notified)
                    or f"add '- notify: {event}' to the actor that should go first",
                )
        timeout = (
            self.duration(doc["timeout"], ("timeout",))
            if "timeout" in doc
            else model.DEFAULT_SCENARIO_TIMEOUT
        )
        if self.problems:
            return None
        return model.Scenario(
            name=doc["name"],
            path=self.path,
            directory=self.directory,
            location=self.marks.key(("name",)),
            servers=tuple(servers),
            clients=tuple(clients),
            description=doc.get("description", ""),
            tags=tuple(doc.get("tags", ())),
            timeout=timeout,
            vars=variables,
        )


def _literal_prefix(text: str) -> str:
    try:
        return parse_template(text).literal_prefix()
    except PlaceholderError:
        return text


def _transport(scheme: str | None) -> str | None:
    if scheme in STREAM_SCHEMES:
        return "stream"
    if scheme in DATAGRAM_SCHEMES:
        return "datagram"
    return None


def _text(value: Any) -> str:
    """A YAML scalar as the text a program would see (``true``, not ``True``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _capture_names(value: Any) -> set[str]:
    """Every named group of every regex in the document: the variables a run may capture."""
    names: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            regex = item.get("regex")
            if isinstance(regex, str):
                names.update(_GROUP_NAME.findall(regex))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return names
