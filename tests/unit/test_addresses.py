"""Addresses: reading and writing ``tcp://``, ``udp://``, ``unix:``, ``unix:@``, ``unixgram:``."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sockscen.addresses import Address, AddressError, parse_address, scheme_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tcp://127.0.0.1:0", Address("tcp", host="127.0.0.1", port=0)),
        ("tcp://127.0.0.1:8080", Address("tcp", host="127.0.0.1", port=8080)),
        ("udp://127.0.0.1:65535", Address("udp", host="127.0.0.1", port=65535)),
        ("tcp://localhost:6379", Address("tcp", host="localhost", port=6379)),
        ("tcp://[::1]:0", Address("tcp", host="::1", port=0)),
        ("udp://[::1]:53", Address("udp", host="::1", port=53)),
        ("unix:app.sock", Address("unix", path="app.sock")),
        ("unix:/run/app.sock", Address("unix", path="/run/app.sock")),
        ("unix:@name", Address("unix", path="@name")),
        ("unixgram:dg.sock", Address("unixgram", path="dg.sock")),
        ("unixgram:@dg", Address("unixgram", path="@dg")),
    ],
)
def test_every_form_parses(text: str, expected: Address) -> None:
    """Each form gives its scheme and host/port or path; ``url`` gives the text back."""
    address = parse_address(text)
    assert expected == address
    assert text == address.url
    assert text == str(address)


def test_stream_and_datagram_kinds() -> None:
    """tcp and unix are streams; udp and unixgram are datagrams; unix kinds have no host."""
    kinds = {
        text: (a.is_stream, a.is_datagram, a.is_unix)
        for text in ("tcp://h:1", "udp://h:1", "unix:p", "unixgram:p")
        for a in [parse_address(text)]
    }
    assert {
        "tcp://h:1": (True, False, False),
        "udp://h:1": (False, True, False),
        "unix:p": (True, False, True),
        "unixgram:p": (False, True, True),
    } == kinds


def test_abstract_unix_name() -> None:
    """``unix:@NAME`` is abstract: sockaddr starts with NUL; it is never moved to a directory."""
    address = parse_address("unix:@name")
    assert address.is_abstract
    assert b"\0name" == address.sockaddr()
    assert address == address.in_directory("/tmp/x")


def test_relative_unix_path_moves_into_the_scenario_directory() -> None:
    """A relative path is joined to the scenario's directory; an absolute one stays."""
    assert "/tmp/s1/app.sock" == parse_address("unix:app.sock").in_directory("/tmp/s1").path
    assert "/run/a.sock" == parse_address("unix:/run/a.sock").in_directory("/tmp/s1").path
    tcp = parse_address("tcp://127.0.0.1:1")
    assert tcp == tcp.in_directory("/tmp/s1")


def test_sockaddr_and_with_port() -> None:
    """IP addresses give ``(host, port)``; ``with_port`` keeps everything else."""
    address = parse_address("tcp://[::1]:0")
    assert ("::1", 0) == address.sockaddr()
    assert "tcp://[::1]:4242" == address.with_port(4242).url
    assert address.is_ipv6
    assert "a.sock" == parse_address("unix:a.sock").sockaddr()
    assert not parse_address("tcp://127.0.0.1:1").is_ipv6


@pytest.mark.parametrize(
    ("text", "scheme"),
    [
        ("tcp://x:1", "tcp"),
        ("udp://x:1", "udp"),
        ("unix:x", "unix"),
        ("unixgram:x", "unixgram"),
        ("http://x:1", None),
        ("${app.url}", None),
        ("tcp:/x:1", None),
    ],
)
def test_scheme_of(text: str, scheme: str | None) -> None:
    """The scheme is read from the text's start only; ``unixgram:`` is not ``unix:``."""
    assert scheme == scheme_of(text)


def message(text: str) -> str:
    with pytest.raises(AddressError) as info:
        parse_address(text)
    assert isinstance(info.value, ValueError)
    return str(info.value)


@pytest.mark.parametrize("text", ["http://x:1", "127.0.0.1:80", "", "TCP://x:1"])
def test_unknown_scheme(text: str) -> None:
    """Text with no known scheme lists the forms to use."""
    assert (
        f"{text!r} is not an address: use tcp://HOST:PORT, udp://HOST:PORT, "
        "unix:PATH or unixgram:PATH"
    ) == message(text)


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("tcp://::1:8080", "tcp://[::1:8080]:PORT"),
        ("tcp://::1", "tcp://[::1]:PORT"),
        ("udp://fe80::1", "udp://[fe80::1]:PORT"),
        ("tcp://2001:db8::1:80", "tcp://[2001:db8::1:80]:PORT"),
    ],
)
def test_ipv6_without_brackets(text: str, suggestion: str) -> None:
    """An IPv6 literal without brackets is refused with the bracketed form to write."""
    assert f"{text!r}: put an IPv6 address in brackets: {suggestion}" == message(text)


@pytest.mark.parametrize("text", ["tcp://[::1]", "tcp://[::1:80", "tcp://[::1]80"])
def test_ipv6_brackets_without_port(text: str) -> None:
    """A bracketed host must be followed by ``:PORT``."""
    assert f"{text!r}: write IPv6 addresses as tcp://[::1]:PORT" == message(text)


def test_brackets_must_hold_ipv6() -> None:
    """Brackets hold an IPv6 literal only."""
    assert "'tcp://[127.0.0.1]:1': '127.0.0.1' is not an IPv6 address" == message(
        "tcp://[127.0.0.1]:1"
    )


@pytest.mark.parametrize(
    "text",
    [
        "tcp://127.0.0.1:65536",
        "tcp://127.0.0.1:-1",
        "tcp://127.0.0.1:",
        "tcp://127.0.0.1:http",
        "udp://127.0.0.1:99999999",
        "tcp://127.0.0.1:²",
        "tcp://127.0.0.1:٨٠",
        "tcp://[::1]:70000",
    ],
)
def test_port_out_of_range_or_not_a_number(text: str) -> None:
    """The port is ASCII digits from 0 to 65535 (``²`` does not crash ``int``)."""
    assert f"{text!r}: the port must be a number from 0 to 65535" == message(text)


@pytest.mark.parametrize("text", ["tcp://127.0.0.1", "tcp://:80", "udp://"])
def test_host_and_port_are_both_needed(text: str) -> None:
    """Without ``HOST:PORT`` the message shows an example."""
    scheme = text.split(":")[0]
    assert f"{text!r} needs a host and a port: {scheme}://127.0.0.1:8080" == message(text)


@pytest.mark.parametrize(("text", "bad"), [("tcp://a b:1", " "), ("tcp://a/b:1", "/")])
def test_host_characters(text: str, bad: str) -> None:
    """A host with a blank or a slash is refused, as the schema's pattern does."""
    host = text[6:-2]
    expected = f"{text!r}: {host!r} is not a host name or IPv4 address ({bad!r} is not allowed)"
    assert expected == message(text)


@pytest.mark.parametrize("text", ["unix:", "unixgram:", "unix:@", "unixgram:@"])
def test_unix_path_is_needed(text: str) -> None:
    """``unix:`` and ``unix:@`` need a path or name after them."""
    scheme = text.split(":")[0]
    assert f"{text!r} has no socket path after '{scheme}:'" == message(text)


def test_unix_path_without_nul() -> None:
    """A NUL character cannot be part of a socket path."""
    assert "'unix:a\\x00b': a socket path cannot contain a NUL character" == message("unix:a\0b")


ipv4 = st.ip_addresses(v=4).map(str)
ipv6 = st.ip_addresses(v=6).map(str)
hostname = st.from_regex(r"[a-z][a-z0-9\-]{0,20}(\.[a-z][a-z0-9\-]{0,20}){0,3}", fullmatch=True)
port = st.integers(min_value=0, max_value=65535)


@given(st.sampled_from(["tcp", "udp"]), st.one_of(ipv4, ipv6, hostname), port)
def test_ip_address_url_round_trip(scheme: str, host: str, number: int) -> None:
    """For any IPv4/IPv6 literal or host name and port, ``parse_address(a.url) == a``."""
    address = Address(scheme, host=host, port=number)
    assert address == parse_address(address.url)
    assert (":" in host) == address.is_ipv6


@given(ipv6)
def test_ipv6_url_has_brackets(host: str) -> None:
    """An IPv6 host is written in brackets in the url; the host is what is inside them."""
    url = Address("tcp", host=host, port=1).url
    assert f"tcp://[{host}]:1" == url
    assert ipaddress.ip_address(host) == ipaddress.ip_address(parse_address(url).host)


unix_path = st.text(
    alphabet=st.characters(exclude_characters="\0", exclude_categories=["Cs"]), min_size=1
).filter(lambda p: p != "@")


@given(st.sampled_from(["unix", "unixgram"]), unix_path)
def test_unix_url_round_trip(scheme: str, path: str) -> None:
    """For any non-empty path without NUL (abstract ``@`` names included), the url parses back."""
    address = Address(scheme, path=path)
    assert address == parse_address(address.url)
    assert path.startswith("@") == address.is_abstract


def test_a_port_of_thousands_of_digits_is_an_address_error() -> None:
    """Found by tests/fuzz's neighbourhood: int() refuses > 4300 digits with a ValueError."""
    with pytest.raises(AddressError, match="the port must be a number from 0 to 65535"):
        parse_address("tcp://127.0.0.1:" + "1" * 5000)
    assert parse_address("tcp://127.0.0.1:" + "0" * 5000 + "1").port == 1
