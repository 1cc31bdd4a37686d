"""Problems quote what the file says, safely (issue 12 item 14).

``validate`` printed control characters (a key holding an escape sequence
repainted the terminal) and multi-megabyte values raw.
"""

from __future__ import annotations

import pytest

from sockscen.errors import ConfigError
from sockscen.loader import MAX_MESSAGE, load_text
from sockscen.rendering import clip_text

CLIENT = "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:1\n"


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_text(text, "x.yaml", ".")
    return [str(p) for p in info.value.problems]


def _safe(line: str) -> bool:
    return line.isprintable() and len(line) < 2 * MAX_MESSAGE


def test_control_characters_in_keys_are_escaped() -> None:
    text = CLIENT + '    "bad\\e[2Jkey": 1\n    steps: []\n'
    (problem,) = problems_of(text)
    assert problem.startswith("x.yaml:5:5: error: unknown key 'bad\\x1b[2Jkey' in socket client")
    assert _safe(problem)


def test_duplicate_keys_with_control_characters_are_escaped() -> None:
    problems = problems_of('name: x\n"a\\x07": 1\n"a\\x07": 2\n')
    assert "x.yaml:3:1: error: duplicate key 'a\\x07' (first defined on line 2) " in "".join(
        p[: p.index("(YAML")] for p in problems if "duplicate" in p
    )
    assert all(_safe(p) for p in problems)


@pytest.mark.parametrize(
    "text",
    [
        'name: x\ntimeout: "1\\e[31m' + "x" * 1_000_000 + '"\n' + CLIENT[8:] + "    steps: []\n",
        CLIENT[:-31] + '    connect: "tcp://\\e[2J' + "h" * 1_000_000 + '"\n    steps: []\n',
        CLIENT + "    steps:\n      - send: {text: x, encoding: " + "q" * 1_000_000 + "}\n",
        'name: !!int "\\e' + "1" * 1_000_000 + '"\n' + CLIENT[8:] + "    steps: []\n",
        CLIENT + "    steps: []\n    " + "k" * 1_000_000 + ": 1\n",
    ],
    ids=["duration", "address", "encoding", "tagged", "key"],
)
def test_huge_values_are_cut_in_messages(text: str) -> None:
    problems = problems_of(text)
    assert problems
    assert all(_safe(p) for p in problems), [p[:200] for p in problems]


def test_clip_text_keeps_both_ends() -> None:
    clipped = clip_text("a" * 1000 + "\x1b" + "z" * 1000, 100)
    assert clipped.startswith("a" * 30)
    assert clipped.endswith("z" * 30)
    assert "characters cut" in clipped
    assert clip_text("bell\x07") == "bell\\x07"
