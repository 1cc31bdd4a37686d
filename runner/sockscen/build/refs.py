"""Placeholder rules: what ``${...}`` may name in a scenario, and where.

``${tmp}``, ``${env.NAME}``, ``vars:`` and regex captures are plain values;
``${server.port}`` (or ``${server.KEY.port}``) names an attribute of a server's
listen address, which must exist for that address's scheme.  A listen address
itself may only use what is known before any server starts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

from ..addresses import scheme_of
from ..payloads.hexdigits import capture_names
from ..placeholders import PlaceholderError, Ref, Template, parse_template
from ..suggestions import suggest
from ..yamlsource import PathKey
from .schemes import ADDRESS_ATTRIBUTES, SCHEMES

_GROUP_NAME = re.compile(r"\(\?P<([A-Za-z_][A-Za-z0-9_]*)>")


class Report(Protocol):
    """Records a problem on the value at *at*."""

    def __call__(self, at: PathKey, message: str, hint: str | None = None) -> None: ...


class References:
    """What placeholders of one scenario may name, and the checks of each one."""

    def __init__(self, doc: dict[str, Any], environ: Mapping[str, str], report: Report) -> None:
        self.environ = environ
        self.report = report
        self.vars: dict[str, Any] = dict(doc.get("vars") or {})
        self.captures = _capture_names(doc)
        self.servers = ServerAddresses(doc, report)
        #: Named groups of the ready regex of the process server being built: its listen
        #: may use them (the program announces its own port).
        self.announced: frozenset[str] = frozenset()

    def check(self, ref: Ref, at: PathKey, *, listen: bool = False) -> None:
        """Report *ref* at *at* when it names nothing, or something not known yet."""
        p = ref.path
        head = p[0]
        if head == "tmp":
            if len(p) > 1:
                self.report(at, f"{ref.text}: ${{tmp}} is a directory name and has no attributes")
            return
        if head in ("env", "secret"):
            self._check_env(ref, at)
            return
        if head in self.servers.listens:
            if listen:
                self.report(
                    at,
                    f"{ref.text}: a listen address can only use ${{tmp}}, ${{env.NAME}} and vars: "
                    "placeholders, since it is needed before any server starts",
                )
                return
            self.servers.check(ref, at)
            return
        if len(p) == 1:
            self._check_variable(ref, at, listen)
            return
        if head in self.vars:
            self.report(
                at,
                f"{ref.text}: variable '{head}' is text and has no attributes; write ${{{head}}}",
            )
            return
        names = self.servers.listens
        hint = suggest(head, names) or (
            "servers: " + ", ".join(names) if names else "this scenario has no servers"
        )
        self.report(at, f"unknown server '{head}' in {ref.text}", hint)

    def _check_env(self, ref: Ref, at: PathKey) -> None:
        p = ref.path
        if len(p) != 2:
            self.report(at, f"{ref.text}: write an environment variable as ${{{p[0]}.NAME}}")
        elif p[1] not in self.environ:
            self.report(
                at,
                f"environment variable {p[1]} is not set (used as {ref.text})",
                f"export it before running sockscen, e.g. export {p[1]}=..., or use a vars: value",
            )

    def _check_variable(self, ref: Ref, at: PathKey, listen: bool) -> None:
        head = ref.path[0]
        if head in self.vars:
            return
        if head in self.captures:
            if listen and head not in self.announced:
                self.report(
                    at,
                    f"{ref.text}: a listen address cannot use a value captured by a regex",
                    "only the named groups of the server's own ready: {stdout|stderr} regex",
                )
            return
        hint = suggest(head, [*self.vars, *self.captures, "tmp"]) or (
            f"define it under vars: or capture it with a regex named group (?P<{head}>...)"
        )
        self.report(at, f"unknown variable {ref.text}", hint)


class ServerAddresses:
    """The listen addresses of a scenario's servers, as placeholders may name them."""

    def __init__(self, doc: dict[str, Any], report: Report) -> None:
        self.report = report
        # server name -> {listen key (None for a single address): scheme or None}
        self.listens: dict[str, dict[str | None, str | None]] = {}
        self.listen_text: dict[str, dict[str | None, str]] = {}
        # Proxies listen like servers: ${flaky.url} names a proxy's address.
        actors = {**(doc.get("servers") or {}), **(doc.get("proxies") or {})}
        for name, server in actors.items():
            listen = server.get("listen")
            if isinstance(listen, str):
                items: dict[str | None, str] = {None: listen}
            elif isinstance(listen, dict):
                items = {str(k): str(v) for k, v in listen.items()}
            else:
                items = {}
            self.listen_text[name] = items
            self.listens[name] = {k: scheme_of(_literal_prefix(v)) for k, v in items.items()}

    def check(self, ref: Ref, at: PathKey) -> None:
        """Report a server placeholder that names no address or no attribute of it."""
        p = ref.path
        name = p[0]
        listens = self.listens[name]
        if not listens:
            self.report(at, f"{ref.text}: server '{name}' has no listen address")
        elif len(p) == 2:
            self._check_single(ref, at, listens)
        elif len(p) == 3:
            self._check_keyed(ref, at, listens)
        else:
            self.report(at, f"{ref.text}: write ${{{name}.port}} or ${{{name}.KEY.port}}")

    def _check_single(self, ref: Ref, at: PathKey, listens: dict[str | None, str | None]) -> None:
        name, attr = ref.path
        keys = [k for k in listens if k is not None]
        if attr in ADDRESS_ATTRIBUTES:
            if None not in listens:
                example = "${" + f"{name}.{keys[0]}.{attr}" + "}"
                self.report(
                    at,
                    f"{ref.text}: server '{name}' listens on several addresses "
                    f"({', '.join(keys)}); name one, e.g. {example}",
                )
                return
            self._check_attribute(ref, at, None, attr)
            return
        if attr in keys:
            self.report(
                at,
                f"{ref.text} needs an attribute: ${{{name}.{attr}.port}}, .host, .path or .url",
            )
            return
        hint = suggest(attr, [*ADDRESS_ATTRIBUTES, *keys]) or "use host, port, path or url"
        self.report(at, f"{ref.text}: server '{name}' has no attribute '{attr}'", hint)

    def _check_keyed(self, ref: Ref, at: PathKey, listens: dict[str | None, str | None]) -> None:
        name, key, attr = ref.path
        keys = [k for k in listens if k is not None]
        if None in listens:
            self.report(
                at,
                f"{ref.text}: server '{name}' has a single listen address; "
                f"write ${{{name}.{attr}}}",
            )
            return
        if key not in listens:
            hint = suggest(key, keys) or f"its addresses are named {', '.join(keys)}"
            self.report(
                at, f"{ref.text}: server '{name}' has no listen address named '{key}'", hint
            )
            return
        if attr not in ADDRESS_ATTRIBUTES:
            self.report(
                at,
                f"{ref.text}: server '{name}' has no attribute '{attr}'",
                suggest(attr, ADDRESS_ATTRIBUTES) or "use host, port, path or url",
            )
            return
        self._check_attribute(ref, at, key, attr)

    def _check_attribute(self, ref: Ref, at: PathKey, key: str | None, attr: str) -> None:
        name = ref.path[0]
        scheme = self.listens[name].get(key)
        if scheme is None:
            return  # the listen address itself is reported as broken
        attributes = SCHEMES[scheme].attributes
        if attr not in attributes:
            shown = self.listen_text[name][key]
            usable = " or ".join("${" + ".".join([*ref.path[:-1], a]) + "}" for a in attributes)
            self.report(
                at,
                f"{ref.text}: server '{name}' listens on {shown}, which has no {attr}",
                f"use {usable}",
            )

    def scheme(self, ref: Ref) -> str | None:
        """The scheme of the server address a placeholder points at, when known."""
        listens = self.listens.get(ref.path[0])
        if listens is None or ref.path[-1] not in ADDRESS_ATTRIBUTES:
            return None
        if len(ref.path) == 2:
            return listens.get(None)
        if len(ref.path) == 3:
            return listens.get(ref.path[1])
        return None

    def shown(self, ref: Ref) -> str:
        """The listen address a server placeholder points at, as written."""
        return self.listen_text[ref.path[0]][ref.path[1] if len(ref.path) == 3 else None]


def check_var_cycles(variables: dict[str, Template], report: Report) -> None:
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
                report(("vars", cycle[0]), f"vars refer to each other in a cycle: {path}")
            return
        if name in explored:
            return
        for used in uses.get(name, []):
            visit(used, [*trail, name])
        explored.add(name)

    for name in variables:
        visit(name, [])


def _literal_prefix(text: str) -> str:
    try:
        return parse_template(text).literal_prefix()
    except PlaceholderError:
        return text


def _capture_names(value: Any) -> set[str]:
    """Every regex named group and hex pattern capture: the variables a run may capture."""
    names: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            # A ready: {stdout|stderr} regex announces variables too (a program's own port).
            for key in ("regex", "stdout", "stderr"):
                regex = item.get(key)
                if isinstance(regex, str):
                    names.update(_GROUP_NAME.findall(regex))
            hex_text = item.get("hex")
            if isinstance(hex_text, str):  # hex patterns capture with (NAME:N)
                names.update(capture_names(hex_text))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return names
