"""Transcripts are bounded in bytes, per actor (--max-buffer) and per run; the middle is elided."""

from __future__ import annotations

from sockscen.results import TRANSCRIPT_DATA_LIMIT
from sockscen.state import ScenarioState, TranscriptBudget
from sockscen.steps.record import ACTOR_FLOOR, ENTRY_COST, ActorRecord

CHUNK = b"x" * TRANSCRIPT_DATA_LIMIT


def record(state: ScenarioState, label: str = "c") -> ActorRecord:
    return ActorRecord(state, label=label, name=label, role="client")


def kept(rec: ActorRecord) -> int:
    return sum(len(e.data) + ENTRY_COST for e in rec.result.transcript)


def test_an_actor_keeps_its_beginning_its_end_and_says_what_was_elided() -> None:
    state = ScenarioState(started=0.0, default_timeout=5.0, max_buffer=1 << 20)
    rec = record(state)
    rec.note("connected", note="to somewhere")
    for i in range(2000):  # 128 MiB offered; it used to keep all of it
        rec.note("sent", CHUNK[:-4] + b"%04d" % i)
    transcript = rec.result.transcript
    assert kept(rec) <= (1 << 20) + ENTRY_COST
    assert transcript[0].kind == "connected"
    assert transcript[1].data.endswith(b"0000")
    assert transcript[-1].data.endswith(b"1999")
    (elided,) = [e for e in transcript if e.kind == "note"]
    count = 2000 - sum(1 for e in transcript if e.kind == "sent")
    assert elided.note.startswith(f"{count} events ({count * len(CHUNK)} bytes of data) not kept")
    assert "1048576 bytes per actor, --max-buffer" in elided.note
    # The time of the note is where the gap begins: the order of times is kept.
    times = [e.time for e in transcript]
    assert times == sorted(times)


def test_many_small_entries_are_bounded_too() -> None:
    state = ScenarioState(started=0.0, default_timeout=5.0, max_buffer=ACTOR_FLOOR)
    rec = record(state)
    for _ in range(100_000):
        rec.note("received", b"y")
    assert len(rec.result.transcript) <= ACTOR_FLOOR // (ENTRY_COST + 1) + 2


def test_the_run_budget_bounds_every_actor_together() -> None:
    budget = TranscriptBudget(limit=4 * ACTOR_FLOOR)
    actors = []
    for n in range(8):
        state = ScenarioState(started=0.0, default_timeout=5.0, max_buffer=1 << 30)
        state.transcripts = budget
        actors.append(record(state, f"c{n}"))
    for _ in range(400):
        for rec in actors:
            rec.note("sent", CHUNK)
    total = sum(kept(rec) for rec in actors)
    # Over budget, each actor gives back down to its floor: the run holds at most the
    # budget plus a floor (and one entry) per actor.
    assert total <= budget.limit + 8 * (ACTOR_FLOOR + len(CHUNK) + 2 * ENTRY_COST)
    assert budget.used == total
    assert all(any(e.kind == "note" for e in rec.result.transcript) for rec in actors)


def test_an_actor_keeping_fewer_entries_elides_its_middle_too() -> None:
    """Long-lived servers set a lower ``history_limit``: the count bound elides the middle too."""
    state = ScenarioState(started=0.0, default_timeout=5.0, max_buffer=1 << 20)
    rec = record(state)
    rec.history_limit = 50
    for i in range(1000):
        rec.note("received", b"%d" % i)
    transcript = rec.result.transcript
    assert len(transcript) <= 101
    assert transcript[0].data == b"0"
    assert transcript[-1].data == b"999"
    assert sum(1 for e in transcript if e.kind == "note") == 1
