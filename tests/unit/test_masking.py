"""masking: secret values become *** in text, bytes and whole result objects."""

from __future__ import annotations

import pytest

from sockscen.errors import Location
from sockscen.masking import MASK, Masker, is_sensitive
from sockscen.results import ActorResult, Failure, Outcome, ProcessOutput, TranscriptEntry


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("API_KEY", True),
        ("github_token", True),
        ("DB_PASSWORD", True),
        ("PASSWD", True),
        ("MY_SECRET_X", True),
        ("AWS_CREDENTIALS", True),
        ("HOME", False),
        ("PORT", False),
    ],
)
def test_credential_like_names(name: str, masked: bool) -> None:
    assert is_sensitive(name) is masked


def test_longest_secret_first_and_empty_values_ignored() -> None:
    masker = Masker(["abc", "abcdef", ""])
    assert masker.text("x abcdef y abc") == "x *** y ***"
    assert masker.data(b"abcdefabc") == b"******"
    assert not Masker([""])


def test_a_result_is_masked_everywhere_and_sizes_follow() -> None:
    failure = Failure(
        actor="c",
        role="client",
        message="expected s3cret",
        location=Location("s.yaml", 3, 1),
        expected=b"s3cret\n",
        received=b"no",
        details=("also s3cret",),
    )
    actor = ActorResult(
        actor="c",
        name="c",
        role="process-client",
        outcome=Outcome.FAILED,
        transcript=[TranscriptEntry(0.1, "c", "sent", b"pw=s3cret\n", 10)],
        failure=failure,
        output=ProcessOutput(
            argv=("prog", "--pw", "s3cret"), pid=7, stdout=b"s3cret\n", stderr=b""
        ),
    )
    masked = Masker(["s3cret"]).masked(actor)
    assert masked.transcript[0].data == b"pw=***\n"
    assert masked.transcript[0].size == 7
    assert masked.failure is not None
    assert masked.failure.message == f"expected {MASK}"
    assert masked.failure.expected == b"***\n"
    assert masked.failure.details == ("also ***",)
    assert masked.output is not None
    assert masked.output.argv == ("prog", "--pw", "***")
    assert masked.output.stdout == b"***\n"
    assert masked.outcome is Outcome.FAILED
