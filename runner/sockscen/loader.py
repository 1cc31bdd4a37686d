"""Find scenario files, read them, and return scenarios or one ``ConfigError`` with every problem.

``yamlsource`` parses, ``schema`` checks shapes, ``build`` checks meaning and
makes the model; this module walks the file system and gathers the problems
of every document of every file, so one run shows them all.
"""

from __future__ import annotations

import codecs
import dataclasses
import os
import stat
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from .errors import ConfigError, Location, Problem
from .model import Scenario
from .rendering import clip_text

if TYPE_CHECKING:
    from . import yamlsource
    from .loadcache import LoadCache

SUFFIXES = (".yaml", ".yml")


def discover(paths: Sequence[str | Path]) -> list[Path]:
    """The scenario files named by *paths*.

    A file is taken as given, whatever its suffix; a directory is searched
    recursively for ``*.yaml``/``*.yml``, sorted, skipping hidden directories.
    Duplicates are dropped, first occurrence kept.  Raises ``ConfigError`` for
    paths that do not exist (all of them at once).
    """
    found: list[Path] = []
    problems: list[Problem] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(_walk(path, problems))
        elif path.exists():
            found.append(path)
        else:
            problems.append(Problem(None, f"{given}: no such file or directory"))
    if problems:
        raise ConfigError(_printable(problems))
    unique: dict[Path, None] = {}
    for p in found:
        unique.setdefault(p, None)
    return list(unique)


#: The longest message or hint a problem shows; longer ones (a huge value quoted) are cut.
MAX_MESSAGE = 400


def _printable(problems: list[Problem]) -> list[Problem]:
    """*problems* with their messages safe to print: control characters escaped, cut to size.

    Messages quote what the file says (keys, values, paths), and ``validate``
    prints them to a terminal or a CI log as they are.
    """
    return [
        Problem(
            p.location,
            clip_text(p.message, MAX_MESSAGE),
            None if p.hint is None else clip_text(p.hint, MAX_MESSAGE),
            p.severity,
        )
        for p in problems
    ]


def _walk(directory: Path, problems: list[Problem]) -> list[Path]:
    out: list[Path] = []

    def unreadable(exc: OSError) -> None:
        # A folder that cannot be listed would hide its scenarios without a word.
        problems.append(Problem(None, f"{exc.filename}: cannot read the folder: {exc.strerror}"))

    for root, dirs, files in os.walk(directory, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        # Regular files only: a FIFO or a device named *.yaml would block or never end.
        out.extend(
            Path(root, f) for f in files if f.endswith(SUFFIXES) and os.path.isfile(Path(root, f))
        )
    return sorted(out)


def display_path(path: Path) -> str:
    """*path* as reports show it: relative to the current directory if inside it, else absolute."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def load_text(
    text: str, path: str, directory: str, environ: Mapping[str, str] | None = None
) -> list[Scenario]:
    """The scenarios of one file's *text*.

    *path* is the file as shown in messages, *directory* the folder relative
    ``file:`` payloads are read from.  Raises ``ConfigError`` with every problem.
    """
    scenarios, problems = _load_text(text, path, directory, environ)
    if problems:
        raise ConfigError(_printable(problems))
    return scenarios


#: The most problems shown for one file: a mistake a generator repeated would print a
#: line per copy (100,000 duplicate keys printed 100,000 lines).
MAX_PROBLEMS_PER_FILE = 100


def _capped(problems: list[Problem]) -> list[Problem]:
    """The first ``MAX_PROBLEMS_PER_FILE`` of one file's problems, and how many more there are."""
    unique = sorted(dict.fromkeys(problems), key=lambda p: p.sort_key)
    if len(unique) <= MAX_PROBLEMS_PER_FILE:
        return unique
    hidden = len(unique) - MAX_PROBLEMS_PER_FILE
    return [
        *unique[:MAX_PROBLEMS_PER_FILE],
        Problem(
            unique[MAX_PROBLEMS_PER_FILE].location,
            f"{hidden} more problems in this file are not shown (from here on)",
            "fix the ones above first: the rest are often the same mistake again",
        ),
    ]


def _load_text(
    text: str, path: str, directory: str, environ: Mapping[str, str] | None
) -> tuple[list[Scenario], list[Problem]]:
    try:
        scenarios, problems = _check_and_build(text, path, directory, environ)
        return scenarios, _capped(problems)
    except RecursionError:
        # The nesting limits keep every check far from the stack limit; should one be
        # missed, this file still gets a located problem and the other files are checked.
        return [], [
            Problem(
                Location(path, 1, 1),
                "this file is nested too deeply for sockscen to check",
                "this is a bug in sockscen's limits; please report it with the file",
            )
        ]


def _check_and_build(
    text: str, path: str, directory: str, environ: Mapping[str, str] | None
) -> tuple[list[Scenario], list[Problem]]:
    # Imported here: a run whose files all come from the load cache needs no YAML parser.
    from . import build, schema, yamlsource

    documents, problems = yamlsource.parse(text, path)
    scenarios: list[Scenario] = []
    problems.extend(build.duplicate_names((d.value, d.marks) for d in documents))
    for doc in documents:
        if doc.problems:
            problems.extend(doc.problems)
            if not isinstance(doc.value, dict):
                continue
        found = schema.validate(doc.value, doc.marks, path)
        # A value YAML already refused (a tag) reads as null; do not report it twice.
        refused = {p.location for p in doc.problems}
        problems.extend(p for p in found if p.location not in refused)
        if found or doc.problems:
            continue
        unselectable = _separator_in_name(doc.value, doc.marks)
        if unselectable is not None:
            problems.append(unselectable)
            continue
        scenario, built = build.build_scenario(doc.value, doc.marks, path, directory, environ)
        problems.extend(built)
        if scenario is not None:
            if doc.warnings:
                scenario = dataclasses.replace(scenario, warnings=tuple(_printable(doc.warnings)))
            scenarios.append(scenario)
    return scenarios, problems


def _separator_in_name(document: dict[str, object], marks: yamlsource.Marks) -> Problem | None:
    # ``path::name`` is the scenario's id for -k, reports and pytest node ids: a name
    # holding ``::`` would make an id that cannot be taken apart, nor selected in pytest.
    name = document.get("name")
    if not isinstance(name, str):
        return None
    if "::" in name:
        return Problem(
            marks.value(("name",)),
            f"the scenario name {name!r} contains '::', which separates the file from the "
            "name in scenario ids (path::name) and pytest node ids",
            "write it another way, e.g. with ': ' or ' / '",
        )
    # pytest prints node ids as they are: a line break splits the id, an escape
    # sequence recolours the terminal, and a blank name shows as nothing at all.
    control = next((c for c in name if unicodedata.category(c) in _INVISIBLE or c in _BIDI), None)
    if control is not None:
        return Problem(
            marks.value(("name",)),
            f"the scenario name {name!r} holds the control character {control!r}, which "
            "reports and pytest node ids would print as it is",
            "use plain text and spaces",
        )
    if not name.strip():
        return Problem(
            marks.value(("name",)),
            "the scenario name is blank: reports and -k would show nothing",
            "name what the scenario checks",
        )
    return None


#: Unicode categories a name may not hold: controls (line breaks, escapes, NUL) and line
#: or paragraph separators; and the bidirectional controls, which reorder what follows
#: them on screen (a zero-width joiner, inside emoji, is fine).
_INVISIBLE = frozenset({"Cc", "Zl", "Zp"})
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


#: The largest scenario file read (a YAML scenario is a few kilobytes).
MAX_SCENARIO_FILE = 16 * 1024 * 1024


def _read(path: Path, shown: str) -> tuple[bytes | None, Problem | None]:
    try:
        info = path.stat()
        # A FIFO would block and /dev/zero never ends: read regular files only.
        if not stat.S_ISREG(info.st_mode) and not path.is_dir():
            return None, Problem(None, f"{shown}: not a regular file")
        if info.st_size > MAX_SCENARIO_FILE:
            # Placed at its start like every other problem of a file, so editors and CI jump there.
            return None, Problem(
                Location(shown, 1, 1),
                f"the file has {info.st_size} bytes, more than the "
                f"{MAX_SCENARIO_FILE // (1024 * 1024)} MiB a scenario file may have",
                "split it into several files, or load large payloads with file:",
            )
        return path.read_bytes(), None
    except IsADirectoryError:
        return None, Problem(None, f"{shown}: is a directory")
    except OSError as exc:
        return None, Problem(None, f"{shown}: cannot read the file: {exc.strerror or exc}")


def _decode(data: bytes, shown: str) -> tuple[str | None, Problem | None]:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]  # so positions below count from the text
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        # A character column, like every other location (the line's start is valid UTF-8).
        col = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        return None, Problem(
            Location(shown, line, col),
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x})",
            "save it as UTF-8",
        )


def load_stream(stream: BinaryIO, shown: str, directory: str) -> list[Scenario]:
    """The scenarios of a file read from *stream* (standard input), as ``load_file`` reads one.

    At most ``MAX_SCENARIO_FILE`` bytes are read (``yes | sockscen validate -``
    read until memory ran out), and the bytes are decoded as strictly as a
    file's, so a byte that is not UTF-8 is named as such.
    """
    data = stream.read(MAX_SCENARIO_FILE + 1)
    if len(data) > MAX_SCENARIO_FILE:
        raise ConfigError(
            [
                Problem(
                    Location(shown, 1, 1),
                    f"the input has more than the {MAX_SCENARIO_FILE // (1024 * 1024)} MiB "
                    "a scenario file may have",
                    "split it into several files, or load large payloads with file:",
                )
            ]
        )
    scenarios, problems = _load_data(data, shown, directory, None)
    if problems:
        raise ConfigError(_printable(problems))
    return scenarios


def _load_file(
    path: Path, environ: Mapping[str, str] | None, cache: LoadCache | None = None
) -> tuple[list[Scenario], list[Problem]]:
    shown = display_path(path)
    data, problem = _read(path, shown)
    if data is None:
        return [], [problem] if problem is not None else []
    directory = os.path.dirname(os.path.abspath(path))
    key = cache.key(data, shown, directory) if cache is not None else None
    if cache is None or key is None:
        return _load_data(data, shown, directory, environ)
    return _load_cached(
        cache, key, data, shown, directory, os.environ if environ is None else environ
    )


def _load_data(
    data: bytes, shown: str, directory: str, environ: Mapping[str, str] | None
) -> tuple[list[Scenario], list[Problem]]:
    text, problem = _decode(data, shown)
    if text is None:
        return [], [problem] if problem is not None else []
    return _load_text(text, shown, directory, environ)


def _load_cached(
    cache: LoadCache,
    key: str,
    data: bytes,
    shown: str,
    directory: str,
    environ: Mapping[str, str],
) -> tuple[list[Scenario], list[Problem]]:
    from .loadcache import WatchedEnviron

    found = cache.get(key, environ)
    if found is not None:
        return found, []
    watched = WatchedEnviron(environ)
    scenarios, problems = _load_data(data, shown, directory, watched)
    if not problems:
        cache.put(key, scenarios, watched)
    return scenarios, problems


def load_file(
    path: Path, environ: Mapping[str, str] | None = None, cache: LoadCache | None = None
) -> list[Scenario]:
    """The scenarios of the file at *path*; raises ``ConfigError`` with every problem.

    With *cache*, an unchanged valid file is read back from it (see ``loadcache``).
    """
    scenarios, problems = _load_file(Path(path), environ, cache)
    if problems:
        raise ConfigError(_printable(problems))
    return scenarios


def load_paths(
    paths: Sequence[str | Path],
    environ: Mapping[str, str] | None = None,
    cache: LoadCache | None = None,
) -> list[Scenario]:
    """The scenarios of every file under *paths*, in file order then document order.

    Raises one ``ConfigError`` holding the problems of all files (missing
    paths included), sorted by location.  *cache*: as for ``load_file``.
    """
    problems: list[Problem] = []
    files: list[Path] = []
    for given in paths:
        try:
            files.extend(discover([given]))
        except ConfigError as exc:
            problems.extend(exc.problems)
    scenarios: list[Scenario] = []
    seen: set[Path] = set()
    for file in files:
        key = Path(os.path.abspath(file))
        if key in seen:
            continue
        seen.add(key)
        found, file_problems = _load_file(file, environ, cache)
        scenarios.extend(found)
        problems.extend(file_problems)
    if problems:
        raise ConfigError(_printable(problems))
    return scenarios
