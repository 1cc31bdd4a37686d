"""Testing a Python client against a mock server with the ``sockscen_servers`` fixture.

Run it with ``pytest scenarios/mocks/test_kv_client.py`` (the sockscen plugin
is loaded when sockscen is installed).  The fixture starts the servers of
kv_mock.yaml in the background, and fails the test when the block ends if
a rule's expect_count or the server's expect_unmatched is not met.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from kv_client import KVClient


def test_client_reads_a_value_that_changes(sockscen_servers: Callable[..., Any]) -> None:
    with sockscen_servers("kv_mock.yaml") as servers:
        kv = servers["kv"]
        client = KVClient(kv.host, kv.port)
        try:
            assert client.ping()
            assert [client.get("color") for _ in range(3)] == ["1", "2", "2"]
        finally:
            client.close()
