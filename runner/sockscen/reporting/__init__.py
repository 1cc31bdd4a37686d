"""Reporters: plain functions and classes of result objects (no trio, no YAML).

* :func:`format_failure` — the diagnosis text of a failed or errored scenario
* :class:`ConsoleReporter` — live console output and the final summary
* :func:`write_junit` / :func:`junit_tree` — JUnit XML for CI systems
* :func:`write_json` / :func:`report_dict` — the versioned JSON report
* :func:`github_annotations` / :func:`github_enabled` — GitHub Actions annotations
* :func:`format_transcript` / :func:`write_transcript_dir` — transcripts as text
"""

from __future__ import annotations

from .console import ConsoleReporter, summary_line
from .failure import failure_summary, format_failure
from .github import github_annotations, github_enabled
from .json_report import report_dict, write_json
from .junit import junit_tree, write_junit
from .transcript import format_transcript, write_transcript_dir

__all__ = [
    "ConsoleReporter",
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
