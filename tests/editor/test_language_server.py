"""What an editor shows for scenario files: yaml-language-server driven over LSP (stdio).

These follow docs/editor.md: the settings association (``yaml.schemas`` on
``*.scn.yaml``), the modeline, ``yaml.yamlVersion: "1.1"``, the schema's own
messages, hover texts and completions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.editor.conftest import SCHEMA
from tests.editor.lsp_client import LanguageServer

REPO = SCHEMA.parents[1]
Start = Callable[..., LanguageServer]


def associated(**more: Any) -> dict[str, Any]:
    """The settings docs/editor.md recommends."""
    return {"schemas": {SCHEMA.as_uri(): ["*.scn.yaml"]}, "yamlVersion": "1.1", **more}


def messages(found: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """(0-based line, message) of each diagnostic, in order."""
    return sorted((d["range"]["start"]["line"], d["message"]) for d in found)


TWO_DOCUMENTS = """\
name: first
clients:
  c:
    conect: tcp://127.0.0.1:7
---
name: second
clients:
  c:
    conect: tcp://127.0.0.1:7
"""


def test_settings_association_checks_every_document(language_server: Start, tmp_path: Path) -> None:
    server = language_server(**associated())
    uri = server.open(tmp_path / "two.scn.yaml", TWO_DOCUMENTS)
    found = messages(server.diagnostics(uri))
    assert (3, "Property conect is not allowed.") in found
    assert (8, "Property conect is not allowed.") in found


def test_modeline_checks_only_the_first_document(language_server: Start, tmp_path: Path) -> None:
    """The documented limitation: a modeline covers the document it is in."""
    server = language_server(yamlVersion="1.1")
    text = f"# yaml-language-server: $schema={SCHEMA.as_uri()}\n" + TWO_DOCUMENTS
    uri = server.open(tmp_path / "two.yaml", text)
    found = messages(server.diagnostics(uri))
    assert (4, "Property conect is not allowed.") in found
    assert [line for line, _ in found if line > 5] == []


def test_a_modeline_in_each_document_checks_each(language_server: Start, tmp_path: Path) -> None:
    """The documented workaround without settings: repeat the modeline after every ``---``."""
    server = language_server(yamlVersion="1.1")
    modeline = f"# yaml-language-server: $schema={SCHEMA.as_uri()}\n"
    text = modeline + TWO_DOCUMENTS.replace("---\n", "---\n" + modeline)
    uri = server.open(tmp_path / "two.yaml", text)
    found = messages(server.diagnostics(uri))
    assert (4, "Property conect is not allowed.") in found
    assert (10, "Property conect is not allowed.") in found


def test_files_outside_the_pattern_are_not_checked(language_server: Start, tmp_path: Path) -> None:
    server = language_server(**associated())
    uri = server.open(tmp_path / "compose.yaml", TWO_DOCUMENTS)
    assert server.diagnostics(uri) == []


UNQUOTED_YES = """\
name: yes please
clients:
  c:
    connect: tcp://127.0.0.1:7
    steps:
      - send: yes
"""


def test_yaml_1_1_flags_unquoted_yes(language_server: Start, tmp_path: Path) -> None:
    server = language_server(**associated())
    uri = server.open(tmp_path / "yes.scn.yaml", UNQUOTED_YES)
    (problem,) = server.diagnostics(uri)
    assert problem["range"]["start"]["line"] == 5
    assert problem["message"].startswith("Incorrect type. Expected")


def test_default_yaml_1_2_misses_unquoted_yes(language_server: Start, tmp_path: Path) -> None:
    """Why docs/editor.md asks for yamlVersion 1.1: 1.2 reads `yes` as text, sockscen does not."""
    server = language_server(schemas={SCHEMA.as_uri(): ["*.scn.yaml"]})
    # The misspelt key shows the schema is applied; `send: yes` (line 5) passes anyway.
    text = UNQUOTED_YES.replace("name: yes please\n", "name: yes please\ntimeuot: 1s\n")
    uri = server.open(tmp_path / "yes.scn.yaml", text)
    assert messages(server.diagnostics(uri)) == [(1, "Property timeuot is not allowed.")]


COMMON_MISTAKES = """\
name: mistakes
timeout: 10 seconds
clients:
  c:
    connect: tcp://localhost
    framing: lines
    steps:
      - clos
  d:
    connect: 7000
    steps: [close]
"""


def test_common_mistakes_get_sockscen_messages(language_server: Start, tmp_path: Path) -> None:
    server = language_server(**associated())
    uri = server.open(tmp_path / "mistakes.scn.yaml", COMMON_MISTAKES)
    found = messages(server.diagnostics(uri))
    by_line: dict[int, list[str]] = {}
    for line, message in found:
        by_line.setdefault(line, []).append(message)
    assert by_line[1] == [
        "not a duration: write a number of seconds (1.5) or a number with a unit:"
        " 250ms, 2s, 1.5s, 1m, 1h"
    ]
    assert by_line[4] == [
        "not an address: use tcp://HOST:PORT or udp://HOST:PORT (with a port; 0 picks a free"
        " one; IPv6 in brackets: tcp://[::1]:0), unix:PATH, unix:@NAME or unixgram:PATH"
    ]
    assert (
        "framing is none, line or crlf, or a mapping {delimiter: TEXT} or"
        " {length_prefix: {bytes, byteorder}}" in by_line[5]
    )
    assert (
        "a step without argument is one of close, shutdown, abort, expect_eof or expect_reset;"
        " other steps are mappings such as send: TEXT or expect: TEXT" in by_line[7]
    )
    assert by_line[9] == [
        "expected an address string such as tcp://127.0.0.1:0, udp://HOST:PORT, unix:PATH"
        " or unixgram:PATH"
    ]
    # No raw regular expression reaches the user.
    assert not [m for _, m in found if "pattern" in m]


ADDRESSES = """\
name: hover
servers:
  s:
    listen: tcp://127.0.0.1:0
    handle:
      - close
clients:
  c:
    connect: ${s.url}
    steps:
      - expect_eof
"""


def test_hover_on_listen_and_connect_shows_the_keys_description(
    language_server: Start, tmp_path: Path
) -> None:
    server = language_server(**associated())
    uri = server.open(tmp_path / "hover.scn.yaml", ADDRESSES)
    assert server.diagnostics(uri) == []  # also: the schema is loaded
    listen = server.hover(uri, 3, 6)
    connect = server.hover(uri, 8, 6)
    assert "The one address to listen on; port 0 picks a free port." in listen
    assert "Where to connect, e.g. ${app.url}." in connect
    for text in (listen, connect):
        assert "A literal address" not in text
        assert "placeholders." not in text


STEP_TO_COMPLETE = """\
name: completion
clients:
  c:
    connect: tcp://127.0.0.1:7
    steps:
      - send: hello
      -\x20
"""


def test_completion_of_a_step_inserts_only_valid_steps(
    language_server: Start, tmp_path: Path
) -> None:
    server = language_server(**associated())
    uri = server.open(tmp_path / "complete.scn.yaml", STEP_TO_COMPLETE)
    server.diagnostics(uri)  # the schema is loaded
    items = server.completion(uri, 6, 8)
    inserted = {item["label"]: item.get("insertText", item["label"]) for item in items}
    for bare in ("close", "shutdown", "abort", "expect_eof"):
        assert inserted[bare] == bare
    assert not [
        text
        for text in inserted.values()
        if text.split(":")[0] in ("close", "shutdown", "abort", "expect_eof") and ":" in text
    ]
    assert inserted["send"] == "send: "


def test_example_scenarios_show_no_problems(language_server: Start, tmp_path: Path) -> None:
    """Every shipped example is clean in the editor too (no false alarms from the schema)."""
    server = language_server(schemas={SCHEMA.as_uri(): ["*.yaml"]}, yamlVersion="1.1")
    examples = sorted((REPO / "scenarios").glob("*.yaml"))
    assert examples
    for example in examples:
        uri = server.open(example, example.read_text(encoding="utf-8"))
        assert server.diagnostics(uri) == [], example.name
