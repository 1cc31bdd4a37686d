"""What a scenario's bytes add up to, checked before any of them is made.

Each form has its own bound (a ``file:`` 256 MiB, an ``XX*N`` 256 MiB, the
file's text 64 MiB with aliases), but forms multiply: forty ``00*268435456``
made 10 GiB at ``validate``, and ``vars`` that each repeat the one before ten
times made a terabyte when a step used the last.  So the fixed bytes of
every ``hex`` of a scenario, the text every ``vars`` value expands to and
the copies of all its clients are summed first, from the document alone, and
a scenario over the bound is refused at the value that crossed it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..payloads.file import MAX_PAYLOAD_FILE
from ..payloads.hexdigits import fixed_size
from ..placeholders import PlaceholderError, parse_template, static
from ..yamlsource import PathKey
from .commands import text_of

#: The most bytes the ``hex`` values of one scenario may make, all together.
MAX_HEX_BYTES = MAX_PAYLOAD_FILE
#: The most characters one ``vars`` value may expand to.
MAX_VAR_TEXT = MAX_PAYLOAD_FILE
#: The most client copies one scenario runs (one client may have them all): twenty
#: clients of count 100000 took 6 GB before their scenario's timeout could act.
MAX_COPIES = 100_000
#: The longest chain of vars each using the next (expanding one is a nested call per var).
MAX_VAR_DEPTH = 50

Report = Callable[..., None]


def check_sizes(doc: dict[str, Any], report: Report) -> bool:
    """False (with a problem) when the scenario's hex, vars or copies add up past their bound."""
    return (
        _check_hex(doc, report)
        and _check_vars(doc.get("vars") or {}, report)
        and _check_copies(doc.get("clients") or {}, report)
    )


def _check_copies(clients: dict[str, Any], report: Report) -> bool:
    """All clients' ``count`` together: each copy is an actor with its own buffers."""
    total = 0
    for name, client in clients.items():
        count = client.get("count", 1) if isinstance(client, dict) else 1
        total += count if isinstance(count, int) else 1
        if total > MAX_COPIES:
            report(
                ("clients", name, "count"),
                f"the clients of this scenario add up to {total} copies, more than the "
                f"{MAX_COPIES} one scenario may run at once",
                "split the load over several scenarios",
            )
            return False
    return True


def _hex_values(value: Any, at: PathKey) -> Iterator[tuple[str, PathKey]]:
    """Every ``hex:`` text of *value*, with where it is (the nesting is bounded by the parse)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "hex" and isinstance(item, str):
                yield item, (*at, key)
            else:
                yield from _hex_values(item, (*at, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _hex_values(item, (*at, i))


def _check_hex(doc: dict[str, Any], report: Report) -> bool:
    total = 0
    for text, at in _hex_values(doc, ()):
        total += fixed_size(text)
        if total > MAX_HEX_BYTES:
            report(
                at,
                f"the hex values of this scenario stand for more than {MAX_HEX_BYTES} bytes "
                f"({MAX_HEX_BYTES // (1024 * 1024)} MiB) together (XX*N repeats)",
                "send large data from a file: payload",
            )
            return False
    return True


def _check_vars(variables: dict[str, Any], report: Report) -> bool:
    """Each var's expanded size and depth, other vars counted whole, other placeholders as 1."""
    uses: dict[str, list[str]] = {}
    own: dict[str, int] = {}  # literal characters, plus 1 for each non-var placeholder
    for name, value in variables.items():
        try:
            template = parse_template(text_of(value))
        except PlaceholderError:
            template = static("")  # reported where the var is built
        refs = [r.head for r in template.refs if len(r.path) == 1 and r.head in variables]
        uses[name] = refs
        own[name] = sum(len(p) if isinstance(p, str) else 1 for p in template.parts) - len(refs)
    sizes: dict[str, int] = {}
    depths: dict[str, int] = {}
    for root in uses:
        # Post-order without recursion: a chain of thousands of vars is a plain list here.
        stack = [(root, False)]
        on_path: set[str] = set()
        while stack:
            name, done = stack.pop()
            if done:
                on_path.discard(name)
                known = [u for u in uses[name] if u in sizes]
                sizes[name] = min(own[name] + sum(sizes[u] for u in known), MAX_VAR_TEXT + 1)
                depths[name] = 1 + max((depths[u] for u in known), default=0)
                continue
            if name in sizes or name in on_path:
                continue  # known, or a cycle (reported where the vars are built)
            on_path.add(name)
            stack.append((name, True))
            stack.extend((u, False) for u in uses[name] if u not in sizes)
        problem = _var_problem(root, sizes[root], depths[root])
        if problem is not None:
            report(("vars", root), *problem)
            return False
    return True


def _var_problem(name: str, size: int, depth: int) -> tuple[str, str] | None:
    if size > MAX_VAR_TEXT:
        return (
            f"${{{name}}} expands to more than {MAX_VAR_TEXT} characters "
            f"({MAX_VAR_TEXT // (1024 * 1024)} MiB): vars that repeat other vars multiply "
            "their size",
            "repeat text a few times, not vars of vars of vars",
        )
    if depth > MAX_VAR_DEPTH:
        return (
            f"${{{name}}} goes through more than {MAX_VAR_DEPTH} vars, each using the next",
            "let a var use the text it needs directly",
        )
    return None
