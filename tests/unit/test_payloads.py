"""Payloads: the bytes of text in any encoding, raw bytes, compact JSON and lists of parts."""

from __future__ import annotations

import json
import textwrap
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sockscen.loader import load_text
from sockscen.model import SocketClient
from sockscen.payloads import (
    BytesPart,
    JsonPart,
    Part,
    Payload,
    TextPart,
    bytes_payload,
    make_payload,
    render_part,
    text_payload,
)
from sockscen.payloads.file import FileCache, FileReadError
from sockscen.placeholders import PlaceholderError, Ref, parse_template, static
from sockscen.steps.send import Send

VALUES: dict[tuple[str, ...], str] = {
    ("name",): "bob",
    ("app", "port"): "8080",
    ("raw",): "\udcff\udcfe",
}


def lookup(ref: Ref) -> str:
    try:
        return VALUES[ref.path]
    except KeyError:
        raise PlaceholderError(f"unknown placeholder {ref.text}") from None


def no_lookup(ref: Ref) -> str:
    raise AssertionError(f"a static payload asked for {ref.text}")


def text(source: str, encoding: str = "utf-8") -> TextPart:
    return TextPart(parse_template(source), encoding)


@pytest.mark.parametrize(
    ("part", "data"),
    [
        (text("hello"), b"hello"),
        (text("line\r\n"), b"line\r\n"),
        (text("café"), b"caf\xc3\xa9"),
        (text("café", "latin-1"), b"caf\xe9"),
        (text("café", "LATIN-1"), b"caf\xe9"),
        (text("€", "cp1252"), b"\x80"),
        (text("hi", "utf-16-le"), b"h\x00i\x00"),
        (text(""), b""),
        (BytesPart(bytes(range(256)), "hex"), bytes(range(256))),
        (JsonPart({"a": [1, 2.5, True, None], "b": "x y"}), b'{"a":[1,2.5,true,null],"b":"x y"}'),
        (JsonPart("é"), '"é"'.encode()),
        (JsonPart([]), b"[]"),
        (JsonPart(0), b"0"),
    ],
)
def test_each_part_form(part: Part, data: bytes) -> None:
    """Text is encoded in its encoding, bytes are kept, JSON is compact UTF-8 (no ASCII escapes)."""
    payload = make_payload((part,))
    assert data == payload.static
    assert data == payload.render(no_lookup)


def test_list_is_concatenation() -> None:
    """A list of parts is the concatenation of their bytes, in order."""
    payload = make_payload(
        (BytesPart(b"\x12\x34\x00\x00", "hex"), text("get k\r\n"), JsonPart({"k": 1}))
    )
    assert b'\x124\x00\x00get k\r\n{"k":1}' == payload.render(no_lookup)


def test_empty_payload() -> None:
    """No parts at all is the empty payload, static."""
    payload = make_payload(())
    assert b"" == payload.static
    assert b"" == payload.render(no_lookup)


def test_placeholders_are_expanded_at_render() -> None:
    """A part with ``${...}`` is not pre-rendered; each render asks the lookup again."""
    payload = make_payload((text("hi ${name} on ${app.port}\n"),))
    assert payload.static is None
    assert b"hi bob on 8080\n" == payload.render(lookup)
    VALUES[("name",)] = "alice"
    try:
        assert b"hi alice on 8080\n" == payload.render(lookup)
    finally:
        VALUES[("name",)] = "bob"


def test_placeholders_inside_json_strings() -> None:
    """Template strings anywhere inside a JSON value are expanded; the result stays compact JSON."""
    value = {"user": parse_template("${name}"), "ports": [parse_template("${app.port}"), 1]}
    payload = make_payload((JsonPart(value),))
    assert payload.static is None
    assert b'{"user":"bob","ports":["8080",1]}' == payload.render(lookup)


def test_static_json_with_template_leaves_is_pre_rendered() -> None:
    """JSON whose template leaves have no placeholders is rendered once, at build time."""
    payload = make_payload((JsonPart({"a": [parse_template("$${x}")]}),))
    assert b'{"a":["${x}"]}' == payload.static


def test_static_payload_is_pre_rendered() -> None:
    """Without placeholders the bytes are computed at build time; render returns them."""
    payload = make_payload((text("abc"), BytesPart(b"\x00", "hex")))
    assert b"abc\x00" == payload.static
    assert payload.render(no_lookup) is payload.static


def test_unknown_placeholder_at_render() -> None:
    """Rendering with an unknown reference raises the lookup's ``PlaceholderError``."""
    payload = make_payload((text("x ${missing}"),))
    with pytest.raises(PlaceholderError, match=r"unknown placeholder \$\{missing\}"):
        payload.render(lookup)


def test_text_that_does_not_fit_its_encoding() -> None:
    """Static text an encoding cannot hold fails when the payload is built."""
    with pytest.raises(UnicodeEncodeError):
        make_payload((text("é", "ascii"),))


def test_unknown_encoding() -> None:
    """An unknown encoding is a ``LookupError`` when the payload is built."""
    with pytest.raises(LookupError):
        make_payload((text("x", "no-such-codec"),))


@pytest.mark.parametrize(
    ("encoding", "data"),
    [("utf-8", b"<\xff\xfe>"), ("latin-1", b"<\xff\xfe>"), ("ascii", b"<\xff\xfe>")],
)
def test_captured_raw_bytes_round_trip(encoding: str, data: bytes) -> None:
    """A surrogate-escaped value (a regex capture of non-UTF-8 bytes) renders as those bytes."""
    payload = make_payload((text("<${raw}>", encoding),))
    assert data == payload.render(lookup)


def test_bytes_and_text_helpers() -> None:
    """``bytes_payload`` and ``text_payload`` build static payloads."""
    assert b"\x00\x01" == bytes_payload(b"\x00\x01").static
    assert b"caf\xe9" == text_payload("café", "latin-1").static
    assert b"${x}" == text_payload("${x}").static


def test_payload_equality_ignores_cache() -> None:
    """Two payloads with the same parts are equal whether or not bytes were pre-rendered."""
    parts = (TextPart(static("a")),)
    assert Payload(parts) == make_payload(parts)


def test_render_part_directly() -> None:
    """``render_part`` gives one part's bytes."""
    assert b"bob" == render_part(text("${name}"), lookup)


def _send_payloads(steps_yaml: str, tmp: str) -> list[bytes]:
    document = textwrap.dedent(
        """\
        name: payload forms
        clients:
          c:
            connect: tcp://127.0.0.1:9
            steps:
        """
    ) + textwrap.indent(textwrap.dedent(steps_yaml), " " * 6)
    (scenario,) = load_text(document, "forms.yaml", tmp)
    client = scenario.clients[0]
    assert isinstance(client, SocketClient)
    out = []
    for step in client.steps:
        assert isinstance(step, Send)
        out.append(step.payload.render(no_lookup))
    return out


def test_forms_from_a_scenario_file(tmp_path: Any) -> None:
    """Every payload form written in YAML gives the bytes the scenario language promises."""
    (tmp_path / "req.bin").write_bytes(b"\x00\xffbin")
    steps = r"""
    - send: "text\r\n"
    - send: {text: "café", encoding: latin-1}
    - send: {hex: "48 65 6c
        6c 6F"}
    - send: {hex: "48656c\n6c6f"}
    - send: {base64: "SGVs\nbG8="}
    - send: {file: req.bin}
    - send: {json: {a: [1, 2.5, true, null], b: "é"}}
    - send: [{hex: "12 34 00 00"}, "get k\r\n"]
    """
    assert [
        b"text\r\n",
        b"caf\xe9",
        b"Hello",
        b"Hello",
        b"Hello",
        b"\x00\xffbin",
        '{"a":[1,2.5,true,null],"b":"é"}'.encode(),
        b"\x12\x34\x00\x00get k\r\n",
    ] == _send_payloads(steps, str(tmp_path))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)
parts = st.one_of(
    st.builds(lambda s: TextPart(static(s)), st.text()),
    st.builds(
        lambda s: TextPart(static(s), "latin-1"), st.text(alphabet=st.characters(max_codepoint=255))
    ),
    st.builds(BytesPart, st.binary(), st.just("hex")),
    st.builds(JsonPart, json_values),
)


@given(st.lists(parts, max_size=6))
def test_render_is_concatenation_of_parts(items: list[Part]) -> None:
    """For any parts, the payload's bytes are the concatenation of each part's bytes."""
    payload = make_payload(tuple(items))
    assert b"".join(render_part(p, no_lookup) for p in items) == payload.render(no_lookup)


@given(json_values)
def test_json_part_reads_back(value: Any) -> None:
    """A JSON part's bytes parse back to the same value, with no whitespace between tokens."""
    data = make_payload((JsonPart(value),)).render(no_lookup)
    assert value == json.loads(data.decode("utf-8"))
    assert data == json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def test_validation_holds_no_file_bytes(tmp_path: Path) -> None:
    """8 references to one big file used to hold 8 copies of it while validating."""
    (tmp_path / "big.bin").write_bytes(b"z" * (20 * 1024 * 1024))
    steps = "".join("      - send: {file: big.bin}\n" for _ in range(8))
    text = f"name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n{steps}"
    tracemalloc.start()
    try:
        load_text(text, "s.yaml", str(tmp_path), environ={})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024


def test_a_run_reads_each_file_once(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc")
    cache = FileCache()
    first = cache.read(str(path))
    path.write_bytes(b"changed")
    assert cache.read(str(path)) is first
    cache.clear()
    assert cache.read(str(path)) == b"changed"


def test_a_file_gone_at_run_time_fails_the_step_saying_why(tmp_path: Path) -> None:
    with pytest.raises(FileReadError, match=r"cannot read payload file .*gone.bin: No such file"):
        FileCache().read(str(tmp_path / "gone.bin"))
