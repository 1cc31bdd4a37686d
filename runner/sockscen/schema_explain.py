"""Turn jsonschema's error trees into one located, plain-words issue per mistake.

For ``anyOf`` jsonschema reports every branch's failure; the branch the user evidently
meant (the one whose required key is present) is chosen and only its errors explained.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .addresses import AddressError, parse_address
from .durations import parse_duration
from .schema_document import _resolve
from .yamlsource import PathKey

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError


@dataclass(frozen=True)
class _Issue:
    path: PathKey
    at_key: bool
    message: str
    hint: str | None = None
    missing: str | None = None  # the key a "missing required key" issue is about
    suggestion: str | None = None  # the key an "unknown key" issue suggests


_QUOTE_BOOL = "quote it: YAML reads yes/no/on/off as booleans"
_QUOTE_NUMBER = "quote it if you mean text"
_EMPTY = "nothing follows the colon; write a value or remove the key"

_TYPE_NAMES = {
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "a boolean",
    "object": "a mapping",
    "array": "a list",
    "null": "nothing",
}


def _explain(err: ValidationError) -> list[_Issue]:
    path: PathKey = tuple(err.absolute_path)
    sch: dict[str, Any] = err.schema if isinstance(err.schema, dict) else {}
    title = sch.get("title")
    validator_name = err.validator
    inst: Any = err.instance
    wanted: Any = err.validator_value

    if "propertyNames" in err.relative_schema_path:
        reason = sch.get("errorMessage") or err.message
        return [_Issue((*path, str(inst)), True, f"invalid name {_short(inst)}: {reason}")]
    if title == "Duration":
        try:
            parse_duration(inst)
        except ValueError as exc:
            return [_Issue(path, False, str(exc))]
    if title == "Address":
        if validator_name == "type":
            return [
                _Issue(
                    path,
                    False,
                    "expected an address such as tcp://127.0.0.1:0, udp://HOST:PORT, unix:PATH or "
                    f"unixgram:PATH, got {_describe(inst)}",
                    "only a process server's listen may be a mapping of names to addresses"
                    if isinstance(inst, dict)
                    else _scalar_hint(inst, "string"),
                )
            ]
        try:
            parse_address(str(inst))
            message = (
                f"{_short(inst)} is not an address: use tcp://HOST:PORT, udp://HOST:PORT, "
                "unix:PATH or unixgram:PATH"
            )
        except AddressError as exc:
            message = str(exc)
        return [_Issue(path, False, message)]
    if validator_name in ("anyOf", "oneOf"):
        return _explain_choice(err, path)
    if validator_name == "additionalProperties" and isinstance(inst, dict):
        props = list(sch.get("properties", {}))
        return [_unknown_key(path, key, props, _kind(sch)) for key in inst if key not in props]
    if validator_name == "required" and isinstance(inst, dict):
        where = f" in {_kind(sch)}" if path else ""
        return [
            _Issue(path, False, f"missing required key '{key}'{where}", missing=key)
            for key in wanted
            if key not in inst
        ]
    if validator_name == "type":
        types = [wanted] if isinstance(wanted, str) else list(wanted)
        expected = _or_list([_TYPE_NAMES.get(t, t) for t in types])
        return [_type_issue(path, inst, expected, types)]
    if validator_name == "enum":
        choices = list(wanted)
        hint = None
        if isinstance(inst, str):
            close = difflib.get_close_matches(inst, [str(c) for c in choices], n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else None
        if hint is None:
            hint = _scalar_hint(
                inst, "string" if all(isinstance(c, str) for c in choices) else "number"
            )
        return [
            _Issue(
                path,
                False,
                f"expected one of {_or_list([_json(c) for c in choices])}, got {_describe(inst)}",
                hint,
            )
        ]
    if validator_name == "const":
        return [_Issue(path, False, f"expected {_json(wanted)}, got {_describe(inst)}")]
    if not validator_name:  # pragma: no cover - a `false` schema; guards never let one through
        return [_Issue(path, False, f"this value is not allowed here: {_describe(inst)}")]
    custom = sch.get("errorMessage")
    if isinstance(custom, str):
        if validator_name == "pattern":
            return [_Issue(path, False, f"invalid value {_short(inst)}: {custom}")]
        return [_Issue(path, False, custom)]
    return [_Issue(path, False, _generic(err))]


def _generic(err: ValidationError) -> str:
    name = err.validator
    value: Any = err.validator_value
    inst: Any = err.instance
    if name == "minimum":
        return f"expected a number of at least {value}, got {_describe(inst)}"
    if name == "maximum":
        return f"expected a number of at most {value}, got {_describe(inst)}"
    if name == "minItems":
        plural = "s" if value != 1 else ""
        return f"expected a list of at least {value} item{plural}, got {len(inst)}"
    if name == "minLength":
        return "expected a non-empty string"
    if name == "minProperties":
        return f"expected at least {value} entr{'ies' if value != 1 else 'y'}"
    if name == "uniqueItems":
        dupes = sorted({_json(x) for x in inst if isinstance(inst, list) and inst.count(x) > 1})
        return f"duplicate items: {', '.join(dupes)}"
    if name == "pattern":
        return f"{_short(inst)} does not match the pattern {value}"
    return err.message


def _explain_choice(err: ValidationError, path: PathKey) -> list[_Issue]:
    """One explanation for an ``anyOf``: the branch the user meant, or what would choose one."""
    options: Any = err.validator_value
    branches = [_resolve(b) for b in options]
    sch: dict[str, Any] = err.schema if isinstance(err.schema, dict) else {}
    kind = _kind(sch)
    inst: Any = err.instance
    by_branch: dict[int, list[ValidationError]] = {i: [] for i in range(len(branches))}
    for sub in err.context or ():
        index = sub.relative_schema_path[0]
        if isinstance(index, int):
            by_branch[index].append(sub)
    passed = [branches[i] for i in range(len(branches)) if not by_branch[i]]
    if err.validator == "oneOf" and len(passed) > 1:
        return _several_forms(err, passed, path, kind)

    def type_failed(i: int) -> bool:
        return any(e.validator == "type" and not e.relative_path for e in by_branch[i])

    candidates = [i for i in range(len(branches)) if not type_failed(i)]
    if not candidates:
        types = [t for b in branches for t in _types_of(b)]
        return [_type_issue(path, inst, _expected_phrase(branches), types)]

    if isinstance(inst, dict):
        keys = list(inst)

        def required(i: int) -> list[str]:
            # A form is chosen by its first required key (``_fast_schema`` guards on it).
            return list(branches[i].get("required", ()))[:1]

        claimed = [i for i in candidates if not required(i) or set(keys) & set(required(i))]
        if not claimed:
            chosen = [branches[i] for i in candidates]
            return _no_form_chosen(keys, chosen, path, kind)

        def extras(i: int) -> list[str]:
            b = branches[i]
            if b.get("additionalProperties") is not False:
                return []
            return [k for k in keys if k not in b.get("properties", {})]

        best = min(
            claimed,
            key=lambda i: (
                -len(set(keys) & set(required(i))),
                len(extras(i)),
                len(by_branch[i]),
                i,
            ),
        )
        others = {k for j in claimed if j != best for k in required(j)}
        clash = [k for k in extras(best) if k in others]
        if clash:
            mine = next(k for k in keys if k in required(best))
            hint = "write them as two steps" if kind == "step" else "use only one of them"
            return [
                _Issue((*path, clash[0]), True, f"{kind} has both '{mine}' and '{clash[0]}'", hint)
            ]
        issues = [issue for sub in by_branch[best] for issue in _explain(sub)]
        # A mapping that chose a form by one key but lacks another ("listen" without
        # "handle") may have meant a different form: say which key would pick it.
        alternatives = [
            f"'{required(j)[0]}' for {_article(_kind(branches[j]))}"
            for j in candidates
            if j != best and required(j) and not set(keys) & set(required(j))
        ]
        if alternatives:
            hint = "or use " + _or_list(alternatives)
            issues = [
                dataclasses.replace(i, hint=hint)
                if i.path == path and i.missing is not None and i.hint is None
                else i
                for i in issues
            ]
        return issues

    if isinstance(inst, str):
        for b in branches:
            if inst in b.get("properties", {}) and b.get("type") == "object":
                return [_Issue(path, False, f"'{inst}' needs a value here: write '{inst}: ...'")]
    best = min(candidates, key=lambda i: (len(by_branch[i]), i))
    issues = [issue for sub in by_branch[best] for issue in _explain(sub)]
    if isinstance(inst, str):
        # A misspelt bare word may be a form that takes a value ("sned" for "send: ...").
        forms = [k for b in branches if b.get("type") == "object" for k in b.get("required", ())]
        close = difflib.get_close_matches(inst, forms, n=1, cutoff=0.6)
        if close:
            hint = f"did you mean '{close[0]}: ...'?"
            issues = [i if i.hint else dataclasses.replace(i, hint=hint) for i in issues]
    return issues


def _no_form_chosen(keys: list[str], forms: list[Any], path: PathKey, kind: str) -> list[_Issue]:
    """A mapping with none of the keys that choose one of *forms*: unknown keys, or which to add."""
    props: list[str] = []
    for form in forms:
        props.extend(p for p in form.get("properties", {}) if p not in props)
    unknown = [k for k in keys if k not in props]
    # Forms that only require a key (a rule's reply/replies/steps) list no
    # properties: every key would be "unknown" ("unknown key 'when' in rule").
    if unknown and props:
        return [_unknown_key(path, k, props, kind) for k in unknown]
    needed = _or_list([repr(f["required"][0]) for f in forms if f.get("required")])
    return [_Issue(path, False, f"{kind} needs one of the keys {needed}")]


def _several_forms(
    err: ValidationError, passed: list[Any], path: PathKey, kind: str
) -> list[_Issue]:
    """A ``oneOf`` ("exactly one of") that more than one form passed: no form has an error."""
    inst: Any = err.instance
    both = [k for b in passed for k in b.get("required", ()) if k in inst][:2]
    if len(both) == 2:
        message = f"{kind} has both '{both[0]}' and '{both[1]}'"
        return [_Issue((*path, both[1]), True, message, "use only one of them")]
    return [_Issue(path, False, err.message)]


def _types_of(branch: dict[str, Any]) -> list[str]:
    t = branch.get("type")
    if t is None:
        return []
    return [t] if isinstance(t, str) else list(t)


def _expected_phrase(branches: Sequence[dict[str, Any]]) -> str:
    """ "a string, a list or a mapping with one of the keys 'text', 'hex'" for a choice of forms."""
    phrases: list[str] = []
    object_keys: list[str] = []
    objects = 0
    for b in branches:
        types = _types_of(b)
        if "object" in types:
            objects += 1
            object_keys.extend(k for k in b.get("required", ())[:1] if k not in object_keys)
            continue
        title = b.get("title")
        if title and types == ["string"]:
            phrase = _article(_lower_first(title))
        else:
            phrase = _or_list([_TYPE_NAMES.get(t, t) for t in types]) if types else "a value"
        if phrase not in phrases:
            phrases.append(phrase)
    if objects > 1 and object_keys:
        phrases.append(f"a mapping with one of the keys {_or_list([repr(k) for k in object_keys])}")
    elif objects:
        phrases.append("a mapping")
    return _or_list(phrases)


def _type_issue(path: PathKey, inst: Any, expected: str, types: Iterable[str]) -> _Issue:
    types = list(types)
    wants_text = "string" in types
    hint = _scalar_hint(inst, "string" if wants_text else "")
    if inst is None and "null" not in types:
        hint = _EMPTY
    if isinstance(inst, bool) and path and path[-1] in _BARE_STEPS:
        # `- expect_eof: true` reads naturally but is not how a step without argument is written.
        hint = f"write `- {path[-1]}`: a step without argument is a bare string"
    return _Issue(path, False, f"expected {expected}, got {_describe(inst)}", hint)


#: Steps that take no argument, written as a bare string (``- expect_eof``).
_BARE_STEPS = frozenset({"expect_eof", "expect_reset", "close", "shutdown", "abort"})


def _scalar_hint(inst: Any, wanted: str) -> str | None:
    if wanted != "string":
        return None
    if isinstance(inst, bool):
        return _QUOTE_BOOL
    if isinstance(inst, (int, float)):
        return _QUOTE_NUMBER
    return None


def _unknown_key(path: PathKey, key: str, props: Sequence[str], kind: str) -> _Issue:
    close = difflib.get_close_matches(key, list(props), n=1, cutoff=0.6)
    if close:
        hint = f"did you mean '{close[0]}'?"
    elif props:
        hint = "valid keys: " + ", ".join(props)
    else:
        hint = None
    return _Issue(
        (*path, key),
        True,
        f"unknown key '{key}' in {kind}",
        hint,
        suggestion=close[0] if close else None,
    )


def _kind(sch: dict[str, Any]) -> str:
    title = sch.get("title")
    return _lower_first(title) if isinstance(title, str) and title else "mapping"


def _lower_first(text: str) -> str:
    # Keep acronyms ("JSON matcher") as they are.
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _article(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _or_list(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else _json(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(value: Any) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {_short(value)}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
