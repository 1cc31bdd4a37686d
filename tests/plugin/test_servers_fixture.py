"""The ``sockscen_servers`` fixture: a mock's servers behind a Python test, its report on exit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .plugin_support import RunPytest

Write = Callable[[str, str], Path]

MOCK = """\
name: fake redis
mock: true
servers:
  fake_redis:
    listen: tcp://127.0.0.1:0
    framing: crlf
    rules:
      - when: PING
        reply: "+PONG"
      - when: {regex: "GET (?P<key>\\\\w+)"}
        reply: "=${key}"
        expect_count: {min: 1}
"""

TESTS = """\
import asyncio
import socket


def ask(servers, *requests):
    address = servers["fake_redis"]
    with socket.create_connection((address.host, address.port), timeout=5) as sock:
        sock.sendall(b"".join(r + b"\\r\\n" for r in requests))
        sock.shutdown(socket.SHUT_WR)
        return sock.makefile("rb").read()


def test_sync_client(sockscen_servers):
    with sockscen_servers("mocks/redis.yaml") as servers:
        assert servers["fake_redis"].url.startswith("tcp://127.0.0.1:")
        assert ask(servers, b"PING", b"GET k") == b"+PONG\\r\\n=k\\r\\n"


def test_async_client(sockscen_servers):
    async def client(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET a\\r\\n")
        line = await reader.readline()
        writer.close()
        return line

    with sockscen_servers("mocks/redis.yaml") as servers:
        assert asyncio.run(client(servers["fake_redis"].port)) == b"=a\\r\\n"


def test_count_not_met_fails_the_test(sockscen_servers):
    with sockscen_servers("mocks/redis.yaml") as servers:
        ask(servers, b"PING")


def test_unmatched_request_fails_the_test(sockscen_servers):
    with sockscen_servers("mocks/redis.yaml") as servers:
        ask(servers, b"GET a", b"PINK")
"""


def test_fixture_serves_sync_and_async_clients_and_reports_on_exit(
    run_pytest: RunPytest, write: Write
) -> None:
    write("mocks/redis.yaml", MOCK)
    write("test_client.py", TESTS)
    result = run_pytest("-q", "test_client.py")
    result.assert_outcomes(passed=2, failed=2)
    out = result.stdout.str()
    assert "rule 2 matched 0 requests, expected at least 1" in out
    assert "a request matched no rule (and the server has no default)" in out
    assert "  hex: 50 49 4e 4b" in out
    assert 'mocks/redis.yaml:8:9: rule 1: "PING": first difference at byte 3' in out
