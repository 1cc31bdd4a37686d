"""Secrets kept out of every report: their values replaced by ``***`` in result objects.

``${secret.NAME}`` values, and ``${env.NAME}`` values whose NAME looks like a
credential, are collected as the scenario runs; the scenario's result is
masked once, where it is assembled, so every reporter (console, transcripts,
JSON, JUnit, GitHub annotations, the pytest plugin) only ever sees ``***``:
in messages, transcript bytes, process output tails and shown command lines.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable
from typing import Any, TypeVar

#: What a secret's value is replaced with.
MASK = "***"
#: An environment variable whose name contains one of these is masked like a secret.
SENSITIVE_WORDS = ("SECRET", "TOKEN", "PASSWORD", "PASSWD", "API_KEY", "CREDENTIAL")

T = TypeVar("T")


def is_sensitive(name: str) -> bool:
    """True when ``${env.NAME}`` must be masked: NAME contains a credential word."""
    upper = name.upper()
    return any(word in upper for word in SENSITIVE_WORDS)


class Masker:
    """Replaces every given value (longest first) in text, bytes and result objects."""

    def __init__(self, values: Iterable[str]) -> None:
        # Longest first: a secret that contains another is masked whole.
        texts = sorted({v for v in values if v}, key=len, reverse=True)
        self._texts = texts
        self._data = [t.encode("utf-8", "surrogateescape") for t in texts]

    def __bool__(self) -> bool:
        return bool(self._texts)

    def text(self, value: str) -> str:
        """*value* with every secret replaced by ``***``."""
        for secret in self._texts:
            if secret in value:
                value = value.replace(secret, MASK)
        return value

    def data(self, value: bytes) -> bytes:
        """*value* with every secret's UTF-8 bytes replaced by ``***``."""
        for secret in self._data:
            if secret in value:
                value = value.replace(secret, MASK.encode())
        return value

    def masked(self, value: T) -> T:
        """A copy of *value* (a result object, or any plain value) with every secret masked.

        Walks dataclasses, lists, tuples and dicts; enums and numbers are kept.
        Frozen dataclasses are rebuilt, the others updated in place.
        """
        return self._walk(value) if self else value

    def _walk(self, value: Any) -> Any:
        if isinstance(value, enum.Enum) or value is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, (bytes, bytearray)):
            return self.data(bytes(value))
        if isinstance(value, list):
            value[:] = [self._walk(v) for v in value]
            return value
        if isinstance(value, tuple):
            return tuple(self._walk(v) for v in value)
        if isinstance(value, dict):
            return {k: self._walk(v) for k, v in value.items()}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return self._walk_dataclass(value)
        return value

    def _walk_dataclass(self, value: Any) -> Any:
        changes = {}
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            new = self._walk(old)
            if new is not old:
                changes[f.name] = new
        if not changes:
            return value
        if "data" in changes and isinstance(getattr(value, "size", None), int):
            # A transcript entry's real size follows its masked data (else it reads as cut).
            changes["size"] = value.size - len(value.data) + len(changes["data"])
        params = getattr(type(value), "__dataclass_params__", None)
        if params is not None and params.frozen:
            return dataclasses.replace(value, **changes)
        for name, new in changes.items():
            setattr(value, name, new)
        return value
