"""Command-line parsing of ``sockscen`` (no scenario is loaded or run here)."""

from __future__ import annotations

import pytest

from sockscen.cli import EXIT_USAGE, build_parser, main, parse_size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1024", 1024),
        ("1", 1),
        ("64k", 64 * 1024),
        ("64KiB", 64 * 1024),
        ("64kb", 64_000),
        ("16MiB", 16 * 1024 * 1024),
        ("16M", 16 * 1024 * 1024),
        ("10MB", 10_000_000),
        ("1.5MiB", 1536 * 1024),
        ("2GiB", 2 * 1024**3),
        ("100b", 100),
        (" 8 KiB ", 8192),
    ],
)
def test_sizes_accept_binary_and_decimal_units(text: str, expected: int) -> None:
    assert expected == parse_size(text)


@pytest.mark.parametrize("text", ["", "MiB", "16Q", "-1", "0", "0.1", "1e6", "16 Mi B"])
def test_bad_sizes_are_refused_with_a_hint(text: str) -> None:
    with pytest.raises(ValueError, match=r"size"):
        parse_size(text)


def test_run_defaults() -> None:
    args = build_parser().parse_args(["run"])
    assert args.paths == []
    assert args.keyword is None
    assert args.tags == []
    assert args.jobs == 0
    assert args.exitfirst is False
    assert args.timeout is None
    assert args.max_buffer == 16 * 1024 * 1024
    assert args.format is None
    assert args.color == "auto"
    assert (args.verbose, args.quiet) == (0, 0)


@pytest.mark.parametrize("flags", [[], ["-j", "auto"], ["-j", "0"], ["--jobs", "AUTO"]])
def test_every_spelling_of_auto_jobs_is_one_run_option(flags: list[str]) -> None:
    """``-j auto``, ``-j 0`` and no flag all run as the API's default: jobs None, shown "auto"."""
    from sockscen.engine import RunOptions
    from sockscen.options import build_run_options, cli_values

    options = build_run_options(cli_values(build_parser().parse_args(["run", *flags])))
    assert options.jobs is None
    assert options == RunOptions()
    assert options.as_dict()["jobs"] == "auto"


def test_a_job_count_stays_a_hard_limit() -> None:
    from sockscen.options import build_run_options, cli_values

    options = build_run_options(cli_values(build_parser().parse_args(["run", "-j", "3"])))
    assert options.jobs == 3
    assert options.as_dict()["jobs"] == 3


def test_run_options_are_parsed_into_values() -> None:
    args = build_parser().parse_args(
        [
            "run",
            "a.yaml",
            "dir",
            "-k",
            "echo and not udp",
            "--tag",
            "tcp",
            "--tag",
            "smoke",
            "-j",
            "8",
            "-x",
            "--timeout",
            "250ms",
            "--max-buffer",
            "64KiB",
            "-vv",
            "--junit-xml",
            "out/junit.xml",
            "--json",
            "out/run.json",
            "--format",
            "github",
            "--color",
            "no",
            "--transcript",
            "--transcript-dir",
            "t",
            "--show-output",
        ]
    )
    assert args.paths == ["a.yaml", "dir"]
    assert args.keyword == "echo and not udp"
    assert args.tags == ["tcp", "smoke"]
    assert args.jobs == 8
    assert args.exitfirst is True
    assert args.timeout == pytest.approx(0.25)
    assert args.max_buffer == 65536
    assert args.verbose == 2
    assert args.junit_xml == "out/junit.xml"
    assert args.json_path == "out/run.json"
    assert args.format == "github"
    assert args.color == "no"
    assert args.transcript is True
    assert args.transcript_dir == "t"
    assert args.show_output is True


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--timeout", "2x"], "'2x' is not a duration"),
        (["run", "--timeout", "0"], "the step timeout must be more than 0"),
        (["run", "-j", "-1"], "must be 0 (automatic) or more"),
        (["run", "-j", "many"], "'many' is not a whole number"),
        (["run", "--max-buffer", "lots"], "'lots' is not a size"),
        (["run", "--format", "xml"], "invalid choice: 'xml'"),
        (["run", "--color", "maybe"], "invalid choice: 'maybe'"),
        (["run", "--no-such-option"], "unrecognized arguments: --no-such-option"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_usage_errors_return_2_with_the_reason(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err
    assert "--help" in err


def test_a_bad_keyword_is_a_usage_error_before_anything_is_loaded(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The path does not exist: the -k error must come first, proving nothing was read.
    assert main(["run", "-k", "echo and", "does-not-exist/"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "wrong -k expression 'echo and'" in err
    assert "does-not-exist" not in err


def test_help_and_version_return_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "exit codes:" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("sockscen ")
