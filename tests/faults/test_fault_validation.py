"""Faults and proxies in scenario files: the schema and the builder agree, problems are placed."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sockscen.errors import ConfigError
from sockscen.faults import FAULTS
from sockscen.loader import load_text
from sockscen.schema import schema


def problems(text: str, tmp_path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_text(textwrap.dedent(text), str(tmp_path / "s.yaml"), str(tmp_path))
    return [str(p).replace(str(tmp_path) + "/", "") for p in info.value.problems]


def test_every_fault_kind_has_its_schema_definition() -> None:
    keys = set()
    for ref in schema()["$defs"]["fault"]["anyOf"]:
        definition = schema()["$defs"][ref["$ref"].rsplit("/", 1)[1]]
        keys.update(k for k in definition["required"])
    assert set(FAULTS) == keys


def test_a_fault_that_cannot_apply_is_an_error_at_its_key(tmp_path: Path) -> None:
    found = problems(
        """\
        name: misplaced
        servers:
          s:
            listen: tcp://127.0.0.1:0
            faults: [{drop: 0.5}]
            handle: [close]
        proxies:
          p:
            listen: udp://127.0.0.1:0
            upstream: udp://127.0.0.1:9
            upstream_faults: [{refuse: true}, {slice: {size: 2}}]
        clients:
          c:
            connect: ${s.url}
            faults: [{refuse: true}]
            steps: [expect_eof]
        """,
        tmp_path,
    )
    assert [
        "s.yaml:5:21: error: drop cannot apply to server s: it works on datagram connections, "
        "this one is a stream",
        "s.yaml:11:32: error: refuse is how a server accepts: proxy 'p' (upstream side) "
        "accepts no connections",
        "s.yaml:11:47: error: slice cannot apply to proxy 'p' (upstream side): it works on stream "
        "connections, this one is a datagram",
        "s.yaml:15:23: error: refuse is how a server accepts: client c accepts no connections",
    ] == [p.split(" (datagram faults")[0] for p in found]


def test_a_proxy_cannot_relay_streams_to_datagrams_nor_share_a_servers_name(
    tmp_path: Path,
) -> None:
    found = problems(
        """\
        name: mismatched
        servers:
          s:
            listen: udp://127.0.0.1:0
            handle: [close]
        proxies:
          s:
            listen: tcp://127.0.0.1:0
            upstream: tcp://127.0.0.1:9
          p:
            listen: tcp://127.0.0.1:0
            upstream: udp://127.0.0.1:9
        clients:
          c:
            connect: tcp://127.0.0.1:9
            steps: [expect_eof]
        """,
        tmp_path,
    )
    assert any("'s' names a server too" in p for p in found)
    assert any(
        "s.yaml:12:15: error: proxy 'p' listens for stream connections but its upstream is a "
        "datagram address" in p
        for p in found
    )


def test_refuse_on_a_rule_is_an_error_at_its_key(tmp_path: Path) -> None:
    found = problems(
        """\
        name: refusing rule
        servers:
          s:
            listen: tcp://127.0.0.1:0
            rules:
              - when: {any: true}
                reply: "x"
                faults: [{refuse: true}]
        clients:
          c:
            connect: ${s.url}
            steps: [expect_eof]
        """,
        tmp_path,
    )
    assert 1 == len(found)
    assert found[0].startswith("s.yaml:8:27: error: refuse is how a server accepts: ")
