"""Fault decisions, pure: each write in, the actions out; the same seed decides the same."""

from __future__ import annotations

import pytest

from sockscen.faults import FAULTS, Close, FaultError, Hang, Plan, Reset, Wait, Write
from sockscen.faults.corrupt import Corrupt
from sockscen.faults.delay import Delay
from sockscen.faults.drop import Drop
from sockscen.faults.duplicate import Duplicate
from sockscen.faults.hang import HangFault
from sockscen.faults.refuse import Refuse
from sockscen.faults.reorder import Reorder
from sockscen.faults.reset_after import ResetAfter
from sockscen.faults.slice import Slice
from sockscen.faults.slow_close import SlowClose
from sockscen.faults.throttle import Throttle, parse_rate
from sockscen.faults.truncate import Truncate


def written(actions: list) -> bytes:
    return b"".join(a.data for a in actions if isinstance(a, Write))


def stream(*faults: object, seed: int = 1) -> Plan:
    return Plan(list(faults), seed, ("s", "actor", 1), stream=True)  # type: ignore[arg-type]


def datagrams(*faults: object, seed: int = 1) -> Plan:
    return Plan(list(faults), seed, ("s", "actor", 1), stream=False)  # type: ignore[arg-type]


def test_delay_waits_before_the_write_within_its_jitter() -> None:
    plan = stream(Delay(0.02, 0.005))
    for _ in range(50):
        wait, write = plan.write(b"x")
        assert isinstance(wait, Wait)
        assert 0.015 <= wait.seconds <= 0.025
        assert Write(b"x") == write


def test_slice_cuts_into_pieces_of_size_plus_minus_variation_with_gaps() -> None:
    actions = stream(Slice(3, 1, 0.001)).write(bytes(100))
    pieces = [a.data for a in actions if isinstance(a, Write)]
    assert bytes(100) == b"".join(pieces)
    assert all(2 <= len(p) <= 4 for p in pieces[:-1])
    assert [Wait(0.001, "slice gap")] * (len(pieces) - 1) == [
        a for a in actions if isinstance(a, Wait)
    ]


def test_throttle_spreads_writes_at_its_rate() -> None:
    actions = stream(Throttle(1000)).write(bytes(250))
    assert 0.25 == pytest.approx(sum(a.seconds for a in actions if isinstance(a, Wait)))
    assert 100 == max(len(a.data) for a in actions if isinstance(a, Write))
    assert 10 * 1024 == parse_rate("10KiB/s")
    assert 500 == parse_rate("500B/s")
    with pytest.raises(FaultError):
        parse_rate("fast")


def test_truncate_sends_the_first_n_bytes_of_the_connection_then_closes() -> None:
    plan = stream(Truncate(5))
    assert [Write(b"abc")] == plan.write(b"abc")
    actions = plan.write(b"defgh")
    assert b"de" == written(actions)
    assert isinstance(actions[-1], Close)
    assert [] == plan.write(b"more")


def test_reset_after_n_bytes_resets() -> None:
    actions = stream(Slice(2), ResetAfter(3)).write(b"abcdef")
    assert b"abc" == written(actions)
    assert isinstance(actions[-1], Reset)


def test_hang_swallows_writes_and_turns_close_into_a_hang() -> None:
    plan = stream(HangFault())
    assert [] == plan.write(b"hello")
    assert isinstance(plan.close()[-1], Hang)


def test_slow_close_waits_then_closes() -> None:
    assert [Wait(2.0, "slow_close"), Close("slow_close: closed")] == stream(SlowClose(2.0)).close()


def test_refuse_is_decided_per_connection() -> None:
    assert stream(Refuse()).refuses()
    assert not stream(Delay(0.1)).refuses()
    refused = [Plan([Refuse(0.5)], 7, ("s", "a", n), stream=True).refuses() for n in range(200)]
    assert 60 < sum(refused) < 140


def test_drop_duplicate_corrupt_keep_their_odds() -> None:
    n = 2000
    plan = datagrams(Drop(0.25))
    assert 0.2 < sum(plan.write(b"x") == [] for _ in range(n)) / n < 0.3
    plan = datagrams(Duplicate(0.5))
    assert 0.45 < sum(len(plan.write(b"x")) == 2 for _ in range(n)) / n < 0.55
    plan = datagrams(Corrupt(1.0))
    (write,) = plan.write(b"\x00\x00\x00")
    assert isinstance(write, Write)
    assert 1 == sum(b == 0xFF for b in write.data)


def test_reorder_holds_datagrams_back_within_the_window_and_flushes_them_on_close() -> None:
    plan = datagrams(Reorder(0.5, 2))
    out: list[bytes] = []
    for i in range(100):
        out += [a.data for a in plan.write(bytes([i])) if isinstance(a, Write)]
    out += [a.data for a in plan.close() if isinstance(a, Write)]
    assert sorted(out) == [bytes([i]) for i in range(100)]
    assert out != sorted(out)
    assert all(abs(out.index(bytes([i])) - i) <= 3 for i in range(100))


@pytest.mark.parametrize(
    "fault",
    [
        Delay(0.01, 0.01, 0.5),
        Slice(4, 3, 0.0, 0.5),
        Throttle(100, 0.5),
        Truncate(3, 0.5),
        ResetAfter(3, 0.5),
        HangFault(0.5),
        SlowClose(1.0, 0.5),
        Refuse(0.5),
        Drop(0.5),
        Duplicate(0.5),
        Corrupt(0.5),
        Reorder(0.5, 3),
    ],
    ids=lambda f: type(f).__name__,
)
def test_the_same_seed_replays_the_same_decisions(fault: object) -> None:
    """Each random fault (and ``probability`` on any): same seed, same decisions."""

    def decisions(seed: int) -> list[object]:
        seen: list[object] = []
        for connection in range(20):
            plan = Plan(
                [fault],
                seed,
                ("s", "a", connection),
                stream=not isinstance(  # type: ignore[list-item]
                    fault, (Drop, Duplicate, Corrupt, Reorder)
                ),
            )
            seen.append(plan.refuses())
            for i in range(10):
                seen.append(plan.write(bytes(range(i, i + 10))))
            seen.append(plan.close())
        return seen

    assert decisions(123) == decisions(123)
    assert decisions(123) != decisions(124)


def test_every_kind_is_registered_under_its_key() -> None:
    assert {
        "delay",
        "throttle",
        "slice",
        "truncate",
        "reset_after",
        "hang",
        "slow_close",
        "refuse",
        "drop",
        "duplicate",
        "corrupt",
        "reorder",
    } == set(FAULTS)
    assert FAULTS["refuse"].servers_only
    assert {"datagram"} == set(FAULTS["drop"].transports)


def test_throttle_delays_a_datagram_whole_for_its_time_at_the_rate() -> None:
    plan = datagrams(Throttle(100.0))
    assert [Wait(0.5, "throttle"), Write(b"x" * 50)] == plan.write(b"x" * 50)
    assert [Wait(0.0, "throttle"), Write(b"")] == plan.write(b"")
