"""An actor's transcript and step results are kept raw and built when read: the same objects."""

from __future__ import annotations

import pickle

from sockscen.errors import Location
from sockscen.results import ActorResult, Outcome, StepResult, TranscriptEntry
from sockscen.state import ScenarioState
from sockscen.steps.notify import Notify
from sockscen.steps.record import ActorRecord

HERE = Location("s.yaml", 3, 5)


def record() -> ActorRecord:
    state = ScenarioState(started=0.0, default_timeout=5.0, max_buffer=1 << 20)
    return ActorRecord(state, label="alice[2]", name="alice", role="client", copy=2)


def finish(rec: ActorRecord, label: str, outcome: Outcome = Outcome.PASSED) -> None:
    rec.current_started = 1.0
    rec.step_done(Notify(label, HERE, "go"), outcome)


def test_entries_read_are_transcript_entries_with_every_field() -> None:
    rec = record()
    rec.note("connected", note="to tcp://127.0.0.1:1")
    rec.note("sent", b"hi\n")
    first, second = rec.result.transcript
    assert isinstance(first, TranscriptEntry)
    assert (first.actor, first.kind, first.data, first.size, first.note) == (
        "alice[2]",
        "connected",
        b"",
        0,
        "to tcp://127.0.0.1:1",
    )
    assert (second.kind, second.data, second.size) == ("sent", b"hi\n", 3)
    assert 0 <= first.time <= second.time


def test_reading_again_sees_later_entries_in_the_same_list() -> None:
    rec = record()
    rec.note("sent", b"a")
    seen = rec.result.transcript
    rec.note("received", b"b")
    again = rec.result.transcript
    assert again is seen
    assert [e.data for e in again] == [b"a", b"b"]


def test_an_edit_in_place_is_kept_while_nothing_new_is_noted() -> None:
    """Masking rewrites the lists in place once the run is over: a later read keeps that."""
    rec = record()
    rec.note("sent", b"secret")
    transcript = rec.result.transcript
    transcript[:] = [TranscriptEntry(transcript[0].time, "alice[2]", "sent", b"***", 3)]
    assert [e.data for e in rec.result.transcript] == [b"***"]


def test_step_results_carry_kind_location_outcome_and_times() -> None:
    rec = record()
    finish(rec, "1")
    finish(rec, "2", Outcome.FAILED)
    first, second = rec.result.steps
    assert isinstance(first, StepResult)
    assert (first.label, first.kind, first.location, first.outcome) == (
        "1",
        "notify",
        HERE,
        Outcome.PASSED,
    )
    assert (second.label, second.outcome) == ("2", Outcome.FAILED)
    assert first.started == 1.0
    assert first.duration >= 0


def test_dropped_step_results_keep_later_outcomes_in_place() -> None:
    rec = record()
    rec.history_limit = 2
    for i in range(4):
        finish(rec, str(i + 1))
    finish(rec, "5", Outcome.FAILED)  # the oldest two are dropped first
    steps = rec.result.steps
    assert [(s.label, s.outcome) for s in steps] == [
        ("3", Outcome.PASSED),
        ("4", Outcome.PASSED),
        ("5", Outcome.FAILED),
    ]


def test_a_result_pickles_as_a_plain_actor_result_with_its_entries() -> None:
    rec = record()
    rec.note("sent", b"x")
    finish(rec, "1")
    copy = pickle.loads(pickle.dumps(rec.result))
    assert type(copy) is ActorResult
    assert copy.transcript == rec.result.transcript
    assert copy.steps == rec.result.steps
    assert (copy.actor, copy.copy, copy.outcome) == ("alice[2]", 2, Outcome.PASSED)
