"""Reporters: plain functions and classes of result objects (no trio, no YAML).

* :func:`format_failure` — the diagnosis text of a failed or errored scenario
* :class:`ConsoleReporter` — live console output and the final summary
* :func:`write_junit` / :func:`junit_tree` — JUnit XML for CI systems
* :func:`write_json` / :func:`report_dict` — the versioned JSON report
* :func:`github_annotations` / :func:`github_enabled` — GitHub Actions annotations
* :func:`format_transcript` / :func:`write_transcript_dir` — transcripts as text

``REPORT_FILES`` registers the reporters that write a file (or a folder) after
a run, each with its ``sockscen run`` flag and its pytest plugin flag;
``FORMATS`` the ``--format`` choices.  The CLI and the plugin build their flags
from them, so a new reporter is one module here plus one registry line.
Only the registry is built at import time: the reporter modules (and the
names re-exported below) load on first use, so the CLI's parser and the
pytest plugin stay light.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..results import RunResult
    from .console import ConsoleReporter, summary_line
    from .failure import failure_summary, format_failure
    from .github import github_annotations, github_enabled
    from .json_report import report_dict, write_json
    from .junit import junit_tree, write_junit
    from .transcript import format_transcript, write_transcript_dir

__all__ = [
    "FORMATS",
    "REPORT_FILES",
    "ConsoleReporter",
    "ReportFile",
    "failure_summary",
    "format_failure",
    "format_transcript",
    "github_annotations",
    "github_enabled",
    "junit_tree",
    "report_dict",
    "summary_line",
    "write_json",
    "write_junit",
    "write_transcript_dir",
]


@dataclass(frozen=True)
class ReportFile:
    """A reporter that writes a report after a run, and the flags asking for it.

    The CLI flag is *flag* (and its *aliases*); the pytest plugin's is
    ``--sockscen-`` plus the same name unless *plugin_flag* says otherwise.
    A *switch* (``--junit-strict``) is an on/off flag of both faces that calls
    the writer with ``strict=True``; the plugin spells it ``--sockscen-`` plus
    its name too.
    """

    #: ``module:function`` in this package: ``function(run: RunResult, target: Path)``.
    writer: str
    flag: str
    help: str
    #: True when the target is a folder (created if missing) rather than a file.
    folder: bool = False
    #: The ``argparse.Namespace`` attribute (default: from the flag).
    dest: str = ""
    plugin_flag: str = ""
    aliases: tuple[str, ...] = ()
    switch: str = ""
    switch_help: str = ""

    @property
    def metavar(self) -> str:
        """How --help names the value."""
        return "DIR" if self.folder else "PATH"

    @property
    def attribute(self) -> str:
        """Where the parsed flag's value is found on the CLI's namespace."""
        return self.dest or self.flag.lstrip("-").replace("-", "_")

    @property
    def plugin_option(self) -> str:
        """The pytest plugin's flag."""
        return self.plugin_flag or "--sockscen-" + self.flag.lstrip("-")

    @property
    def plugin_dest(self) -> str:
        """The ``config.getoption`` name of the plugin flag."""
        return self.plugin_option.lstrip("-").replace("-", "_")

    @property
    def switch_attribute(self) -> str:
        """Where the CLI's namespace holds the switch (``junit_strict``)."""
        return self.switch.lstrip("-").replace("-", "_")

    @property
    def plugin_switch(self) -> str:
        """The pytest plugin's spelling of the switch."""
        return "--sockscen-" + self.switch.lstrip("-") if self.switch else ""

    @property
    def plugin_switch_dest(self) -> str:
        """The ``config.getoption`` name of the plugin's switch."""
        return self.plugin_switch.lstrip("-").replace("-", "_")

    def load_writer(self, strict: bool = False) -> Callable[[RunResult, Path], object]:
        """Import the reporter module and return its writer (with the switch on: strict)."""
        module, function = self.writer.split(":")
        writer: Callable[..., object] = getattr(
            importlib.import_module(f".{module}", __name__), function
        )
        return functools.partial(writer, strict=True) if strict else writer


_JUNIT = "write a JUnit XML report to PATH (for CI systems)"
_JUNIT_STRICT = (
    "make the JUnit XML report fit the Jenkins junit-10.xsd schema exactly (no file and "
    "line attributes, no skipped/timestamp/hostname on <testsuites>), for consumers that "
    "validate it"
)
_JSON = "write a JSON report to PATH (for scripts)"
_TRANSCRIPTS = "write one transcript file per scenario into DIR (created if missing)"

#: Report files, in the order they are written after a run: one line per reporter.
REPORT_FILES: dict[str, ReportFile] = {
    "junit": ReportFile(
        "junit:write_junit",
        "--junit-xml",
        _JUNIT,
        aliases=("--junitxml",),
        switch="--junit-strict",
        switch_help=_JUNIT_STRICT,
    ),
    "json": ReportFile("json_report:write_json", "--json", _JSON, dest="json_path"),
    "transcript": ReportFile(
        "transcript:write_transcript_dir", "--transcript-dir", _TRANSCRIPTS, folder=True
    ),
}

#: ``--format`` choices: (module, function of a ``RunResult`` giving lines to print after
#: the console report), or None for the console report alone.
FORMATS: dict[str, tuple[str, str] | None] = {
    "console": None,
    "github": ("github", "github_annotations"),
}

_LAZY = {
    "ConsoleReporter": "console",
    "summary_line": "console",
    "failure_summary": "failure",
    "format_failure": "failure",
    "github_annotations": "github",
    "github_enabled": "github",
    "report_dict": "json_report",
    "write_json": "json_report",
    "junit_tree": "junit",
    "write_junit": "junit",
    "format_transcript": "transcript",
    "write_transcript_dir": "transcript",
}


def format_lines(name: str) -> Callable[[RunResult], list[str]] | None:
    """The function giving the extra lines of ``--format`` *name*, None for none."""
    where = FORMATS[name]
    if where is None:
        return None
    lines: Callable[[RunResult], list[str]] = getattr(
        importlib.import_module(f".{where[0]}", __name__), where[1]
    )
    return lines


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value: object = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value
