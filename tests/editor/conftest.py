"""Editor tests need node and yaml-language-server; CI installs both (see .ci/run)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.editor.lsp_client import LanguageServer, find_server

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "scenario.schema.json"


@pytest.fixture(scope="session")
def server_command() -> list[str]:
    """How to start yaml-language-server; skips (or fails, in CI) when it is absent."""
    command = find_server()
    if command is None:
        message = (
            "yaml-language-server not found: install node and `npm install yaml-language-server`"
            " (.ci/run does), or set SOCKSCEN_YAML_LS to its executable"
        )
        if os.environ.get("SOCKSCEN_REQUIRE_TOOLS"):
            pytest.fail(message)
        pytest.skip(message)
    return command


@pytest.fixture
def language_server(
    server_command: list[str], tmp_path: Path
) -> Iterator[Callable[..., LanguageServer]]:
    """Start a server on ``tmp_path`` with the given ``yaml.*`` settings."""
    with ExitStack() as stack:

        def start(**settings: Any) -> LanguageServer:
            server = stack.enter_context(LanguageServer(server_command, tmp_path))
            # No network: the SchemaStore catalogue would otherwise be fetched.
            server.initialize(
                {
                    "validate": True,
                    "hover": True,
                    "completion": True,
                    "schemaStore": {"enable": False},
                    **settings,
                }
            )
            return server

        yield start
