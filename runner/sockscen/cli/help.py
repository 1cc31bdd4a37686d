"""The help texts of the ``sockscen`` command: epilogs and descriptions, apart from the parser."""

from __future__ import annotations

import textwrap

DEFAULT_PATH = "scenarios"

EXIT_CODES = """\
exit codes:
  0    every selected scenario passed
  1    a scenario failed, or errored (a server did not start, ...)
  2    usage error, or an invalid scenario file (nothing was run)
  3    internal error (a bug in sockscen: please report it)
  5    no scenario selected (no files found, or -k/--tag matched nothing)
  130  interrupted by Ctrl-C, after cleanup and a partial report
  143  stopped by SIGTERM, after cleanup and a partial report
"""

MAIN_EPILOG = f"""\
examples:
  sockscen run                          run every scenario under scenarios/
  sockscen run scenarios/echo.yaml -v   one file, with the reason of each failure
  sockscen run -k "echo and not udp"    select by substring of 'path::name'
  sockscen validate scenarios/          check files without running anything
  sockscen list --tag smoke             show the scenarios tagged smoke
  sockscen schema > scenario.schema.json

Run 'sockscen COMMAND --help' for the options of a command.

{EXIT_CODES}"""

RUN_EPILOG = f"""\
how selection works:
  -k EXPR matches words against the scenario id 'path::name' as case-insensitive
  substrings, combined with and / or / not and parentheses, like pytest's -k;
  quote a word that holds spaces: -k '"returns each line" or udp'.
  --tag EXPR selects by tags like pytest's -m: a tag, or tags combined with
  and / or / not and parentheses (--tag "tcp and not slow"); repeated, a
  scenario matching ANY of them is kept.  With -k and --tag, both must match.

examples:
  sockscen run                               every scenario under scenarios/
  sockscen run scenarios/echo.yaml tests/net/
  sockscen run -k echo -x                    stop after the first failure
  sockscen run --tag smoke --tag tcp -j 8    tagged smoke or tcp, 8 at a time
  sockscen run --tag "tcp and not slow"      a tag expression, like pytest -m
  sockscen run --maxfail 3 -j auto           stop starting scenarios after 3 failures
  generate | sockscen run -                  scenarios from standard input
  sockscen run --timeout 500ms               a shorter default step timeout
  sockscen run -q --junit-xml reports/junit.xml --json reports/run.json
  sockscen run -vv                           every step and every transcript
  sockscen run --transcript-dir transcripts/ one transcript file per scenario
  sockscen run --format github               also print GitHub annotations
                                             (automatic when GITHUB_ACTIONS=true)

environment:
  NO_COLOR=1        no colour (FORCE_COLOR=1 forces it; --color overrides both)
  PY_COLORS=1|0     colour on or off, before NO_COLOR and FORCE_COLOR (as pytest)
  TERM=dumb         no colour and no live status line
  GITHUB_ACTIONS    'true' turns on --format github unless --format is given
  GITHUB_WORKSPACE  annotation paths are made relative to it
  GITHUB_STEP_SUMMARY  a Markdown summary of the run is appended to it (github)
  SOCKSCEN_DEBUG=1  print the traceback of internal errors

defaults:
  [tool.sockscen] in the nearest pyproject.toml sets paths, timeout, jobs,
  max-buffer and [tool.sockscen.reports] (junit-xml, junit-strict, json,
  transcript-dir); flags on the command line win.

{EXIT_CODES}"""

VALIDATE_EPILOG = """\
Loads every file as 'run' would (YAML, schema and the checks the schema
cannot express) and reports every problem of every file as
'path:line:col: error: message', without running anything.

With --format github (automatic when GITHUB_ACTIONS=true) every problem is
also printed as a GitHub Actions annotation (at most 10; the tenth counts
the rest) and listed in $GITHUB_STEP_SUMMARY when it is set.

examples:
  sockscen validate                      every file under scenarios/
  sockscen validate scenarios/ extra.yaml
  cat new.yaml | sockscen validate -     standard input

exit codes:
  0    every file is valid
  2    a file is invalid or a path does not exist (problems on stderr)
  3    internal error (a bug in sockscen: please report it)
"""

LIST_EPILOG = """\
Prints 'path:line: name [tags]' for each selected scenario (with -q only
the ids 'path::name', one per line, for scripts).  -k and --tag select as
in 'sockscen run'.

examples:
  sockscen list
  sockscen list -k echo --tag tcp
  sockscen list -q scenarios/ | wc -l

exit codes:
  0    scenarios were listed
  2    usage error, or an invalid scenario file
  3    internal error (a bug in sockscen: please report it)
  5    no scenario selected
"""

SCHEMA_EPILOG = """\
Prints the JSON Schema (Draft 2020-12) of scenario files.  Point your
editor's YAML language server at it for completion and checking, e.g. with
a first line '# yaml-language-server: $schema=scenario.schema.json'.

examples:
  sockscen schema > scenario.schema.json

exit codes:
  0    the schema was printed
"""


def wrap(text: str) -> str:
    """*text* filled to 78 columns (RawDescriptionHelpFormatter keeps layouts but wraps nothing)."""
    return textwrap.fill(text, width=78)


MAIN_DESCRIPTION = wrap(
    "Declarative scenario tests for TCP, UDP and Unix-socket programs: YAML files "
    "describe servers to start, clients to connect, bytes to send and replies to expect."
)
RUN_DESCRIPTION = wrap(
    "Run the scenarios of the given files and directories (directories are searched "
    "recursively for *.yaml and *.yml) and report each result. Every file is validated "
    "first: if any is invalid, nothing runs (exit 2)."
)
PATHS_HELP = (
    "scenario files or directories (searched recursively), '-' for standard input; "
    f"default: {DEFAULT_PATH}/ (or 'paths' of [tool.sockscen] in pyproject.toml)"
)

# --------------------------------------------------------------------------- option help

KEYWORD_HELP = (
    "only scenarios whose 'path::name' matches EXPR (substrings, and/or/not, "
    "parentheses; case-insensitive)"
)
TAG_HELP = (
    "only scenarios whose tags match EXPR: a tag, or tags with and/or/not and "
    "parentheses ('tcp and not slow'); repeat for several (ANY of them matches)"
)
SHARD_HELP = (
    "only the K-th of N parts of the files (e.g. 2/4), for CI matrices: a stable split by "
    "file, each file in exactly one part"
)
VERBOSE_HELP = (
    "more detail: -v the reason under each failing scenario and the output of "
    "passing scenarios' processes, -vv every step and every transcript; also shows the "
    "traceback of internal errors"
)
QUIET_HELP = "less output: only failures and the summary"
FORMAT_HELP = (
    "github: after the console report, print failures as GitHub Actions "
    "annotations (default: github when GITHUB_ACTIONS=true, else console)"
)
VALIDATE_FORMAT_HELP = (
    "github: also print every problem as a GitHub Actions annotation and add a table to "
    "the job summary (default: github when GITHUB_ACTIONS=true, else console)"
)
COLOR_HELP = "colour the console report (default auto: on a terminal, unless NO_COLOR is set)"
TRANSCRIPT_HELP = "print the transcript of every scenario, passing ones too (also -vv)"
SHOW_OUTPUT_HELP = (
    "print the output of processes of passing scenarios too (failing ones always; "
    "-v does it as well)"
)

SERVE_DESCRIPTION = """\
Start the servers of one scenario (scripted, rule and process servers) and keep
them up for other programs until Ctrl-C, SIGTERM or --duration; its clients, if
any, run as usual.  Then check every expect_count, connections and
expect_unmatched, and report like 'run' (exit 0 or 1)."""

SERVE_EPILOG = """\
examples:
  sockscen serve mocks/redis.yaml
  sockscen serve mocks.yaml -k fake_dns --duration 60s --addresses-json addr.json
"""

DURATION_HELP = "stop serving after this long (30s, 5m); default: until Ctrl-C or SIGTERM"
ADDRESSES_JSON_HELP = (
    'write each server\'s address to PATH as JSON: {"NAME": {"url", "host", "port", "path"}}'
)
