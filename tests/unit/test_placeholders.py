"""``${...}`` placeholders: parsing into a Template, escapes, malformed forms and expansion."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sockscen.placeholders import PlaceholderError, Ref, Template, parse_template, static

VALUES: dict[tuple[str, ...], str] = {
    ("greeting",): "hello",
    ("app", "port"): "8080",
    ("env", "HOME"): "/home/u",
}


def lookup(ref: Ref) -> str:
    try:
        return VALUES[ref.path]
    except KeyError:
        raise PlaceholderError(f"unknown placeholder {ref.text}") from None


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("", ("",)),
        ("plain", ("plain",)),
        ("${greeting}", (Ref(("greeting",)),)),
        ("${app.port}", (Ref(("app", "port")),)),
        ("${app.tcp.port}", (Ref(("app", "tcp", "port")),)),
        ("a ${x} b", ("a ", Ref(("x",)), " b")),
        ("${a}${b}", (Ref(("a",)), Ref(("b",)))),
        ("${env.MY-VAR_1}", (Ref(("env", "MY-VAR_1")),)),
        ("$${x}", ("${x}",)),
        ("x$${y}${a.b}z", ("x${y}", Ref(("a", "b")), "z")),
        ("$${", ("${",)),
        ("$$${x}", ("$${x}",)),
        ("$", ("$",)),
        ("$$", ("$$",)),
        ("cost: $5 {x}", ("cost: $5 {x}",)),
        ("a$b", ("a$b",)),
    ],
)
def test_parts(text: str, parts: tuple[object, ...]) -> None:
    """Text splits into literal pieces and references; escapes are resolved; no empty pieces."""
    template = parse_template(text)
    assert parts == template.parts
    assert text == template.source
    assert text == str(template)


@pytest.mark.parametrize("text", ["$", "$5", "a $ b", "$$", "50$"])
def test_dollar_alone_is_literal(text: str) -> None:
    """A ``$`` not followed by ``{`` is an ordinary character."""
    template = parse_template(text)
    assert template.is_static
    assert text == template.static_value


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("${", "${"),
        ("${}", "${}"),
        ("${a", "${a"),
        ("x ${ a } y", "${ a }"),
        ("${a..b}", "${a..b}"),
        ("${a.}", "${a.}"),
        ("${1abc}", "${1abc}"),
        ("${a b}", "${a b}"),
        ("ok ${a} then ${a:b}", "${a:b}"),
    ],
)
def test_malformed_placeholders(text: str, shown: str) -> None:
    """``${`` without a valid dotted name and ``}`` is an error quoting it and the escape."""
    with pytest.raises(PlaceholderError) as info:
        parse_template(text)
    expected = (
        f"malformed placeholder {shown!r}: write ${{name}} or ${{server.port}}, "
        "or $${ for a literal ${"
    )
    assert expected == str(info.value)
    assert isinstance(info.value, ValueError)


def test_expand_replaces_every_reference() -> None:
    """Each reference is replaced by the lookup's value; literals are kept."""
    template = parse_template("${greeting}, port ${app.port} ($${literal}) in ${env.HOME}")
    assert "hello, port 8080 (${literal}) in /home/u" == template.expand(lookup)


def test_expand_propagates_unknown_reference() -> None:
    """A lookup's ``PlaceholderError`` for an unknown name reaches the caller unchanged."""
    with pytest.raises(PlaceholderError, match=r"unknown placeholder \$\{nope\.port\}"):
        parse_template("x ${nope.port}").expand(lookup)


def test_static_template_never_calls_lookup() -> None:
    """A template with no references expands to its text without asking for any value."""

    def fail(ref: Ref) -> str:
        raise AssertionError(ref)

    assert "a ${b} c" == parse_template("a $${b} c").expand(fail)


def test_dynamic_static_value_is_an_error() -> None:
    """``static_value`` of a template with references raises, naming the source."""
    with pytest.raises(PlaceholderError, match=r"'a \$\{b\}' has placeholders"):
        _ = parse_template("a ${b}").static_value


def test_refs_head_and_literal_prefix() -> None:
    """``refs`` in order; ``head`` is the first name; ``literal_prefix`` the text before."""
    template = parse_template("tcp://127.0.0.1:${app.port}/${x}")
    assert [("app", "port"), ("x",)] == [r.path for r in template.refs]
    assert ["app", "x"] == [r.head for r in template.refs]
    assert ["${app.port}", "${x}"] == [r.text for r in template.refs]
    assert "tcp://127.0.0.1:" == template.literal_prefix()
    assert "" == parse_template("${app.url}").literal_prefix()
    assert "unix:x" == parse_template("unix:x").literal_prefix()


def test_static_keeps_text_verbatim() -> None:
    """``static`` takes text as is: ``${x}`` in it is not a placeholder."""
    template = static("${x} $${y}")
    assert Template("${x} $${y}", ("${x} $${y}",)) == template
    assert template.is_static
    assert "${x} $${y}" == template.expand(lookup)


no_dollar = st.text(alphabet=st.characters(blacklist_characters="$"))


@given(no_dollar)
def test_text_without_dollar_is_static_and_itself(text: str) -> None:
    """Any text without ``$`` is a static template whose value is the text."""
    template = parse_template(text)
    assert template.is_static
    assert text == template.static_value
    assert text == template.expand(lookup)


@given(st.text(alphabet=st.sampled_from("${}ab. ")))
def test_escaping_every_opening_gives_the_text_back(text: str) -> None:
    """Writing each ``${`` of any text as ``$${`` yields a static template equal to the text."""
    template = parse_template(text.replace("${", "$${"))
    assert template.is_static
    assert text == template.static_value


name = st.from_regex(r"[A-Za-z_][A-Za-z0-9_\-]{0,8}", fullmatch=True)
path = st.lists(name, min_size=1, max_size=3).map(tuple)
literal = st.text(alphabet=st.characters(blacklist_characters="$"), max_size=10)


@given(st.lists(st.one_of(literal, path), max_size=6))
def test_expand_is_concatenation(pieces: list[str | tuple[str, ...]]) -> None:
    """Literals and ``${a.b}`` references in any order expand to literals and looked-up values."""
    source = "".join(p if isinstance(p, str) else "${" + ".".join(p) + "}" for p in pieces)
    expected = "".join(p if isinstance(p, str) else "<" + "|".join(p) + ">" for p in pieces)
    template = parse_template(source)
    assert expected == template.expand(lambda ref: "<" + "|".join(ref.path) + ">")
    refs = [p for p in pieces if isinstance(p, tuple)]
    assert refs == [r.path for r in template.refs]
    assert (not refs) == template.is_static
    assert all(p != "" for p in template.parts) or template.parts == ("",)
