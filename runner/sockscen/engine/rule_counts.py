"""The checks when a rule server ends: connections, ``expect_count``, ``expect_unmatched``.

Pure: counts in, located failures out (each at its own key's line).
"""

from __future__ import annotations

from ..errors import Location
from ..model import Rule, RuleServer
from ..rendering import plural
from ..results import Failure


def count_failures(
    spec: RuleServer, counts: list[int], unmatched: int, accepted: int, what: str
) -> list[Failure]:
    """The failures of *spec*'s counts: connections (or senders, *what*), rules, unmatched."""

    def failure(message: str, location: Location, step_text: str) -> Failure:
        return Failure(
            actor=spec.name, role="server", message=message, location=location, step_text=step_text
        )

    out = []
    if spec.connections is not None and spec.connections != accepted:
        out.append(
            failure(
                f"expected {spec.connections} {what}, {accepted} arrived",
                spec.connections_location or spec.location,
                f"connections: {spec.connections}",
            )
        )
    for rule, count in zip(spec.rules, counts, strict=True):
        wanted = _count_text(rule)
        if wanted is not None and not _within(rule, count):
            out.append(
                failure(
                    f"{rule.name} matched {plural(count, 'request')}, expected {wanted}",
                    rule.expect_count_location or rule.location,
                    f"expect_count: {wanted}",
                )
            )
    limit = spec.expect_unmatched
    if limit is not None and unmatched > limit:
        out.append(
            failure(
                f"{plural(unmatched, 'request')} matched no rule, expected at most {limit}",
                spec.expect_unmatched_location or spec.location,
                f"expect_unmatched: {limit}",
            )
        )
    return out


def _count_text(rule: Rule) -> str | None:
    if rule.expect_count is None:
        return None
    low, high = rule.expect_count
    if low is not None and low == high:
        return str(low)
    parts = ([f"at least {low}"] if low is not None else []) + (
        [f"at most {high}"] if high is not None else []
    )
    return " and ".join(parts) or "any number"


def _within(rule: Rule, count: int) -> bool:
    assert rule.expect_count is not None
    low, high = rule.expect_count
    return (low is None or count >= low) and (high is None or count <= high)
