"""The garbage collector's tuning during runs: raised while running, restored after."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sockscen.engine.collector import YOUNG_THRESHOLD, tuned_collector
from sockscen.engine.runner import run
from tests.conftest import load_scenarios


@pytest.fixture
def thresholds() -> Iterator[tuple[int, ...]]:
    saved, enabled = gc.get_threshold(), gc.isenabled()
    gc.set_threshold(700, 10, 10)
    gc.enable()
    yield gc.get_threshold()
    gc.set_threshold(*saved)
    if not enabled:
        gc.disable()


def test_a_run_raises_the_young_threshold_and_restores_it(thresholds: tuple[int, ...]) -> None:
    with tuned_collector():
        assert (YOUNG_THRESHOLD, 10, 10) == gc.get_threshold()
    assert thresholds == gc.get_threshold()


def test_restored_when_the_run_raises(thresholds: tuple[int, ...]) -> None:
    with pytest.raises(KeyboardInterrupt), tuned_collector():
        raise KeyboardInterrupt
    assert thresholds == gc.get_threshold()


def test_overlapping_runs_restore_once_the_last_ends(thresholds: tuple[int, ...]) -> None:
    inner_started, outer_done = threading.Event(), threading.Event()
    seen: list[tuple[int, ...]] = []

    def inner() -> None:
        with tuned_collector():
            inner_started.set()
            assert outer_done.wait(10)
            seen.append(gc.get_threshold())

    thread = threading.Thread(target=inner)
    with tuned_collector():
        thread.start()
        assert inner_started.wait(10)
    outer_done.set()
    thread.join(10)
    assert [(YOUNG_THRESHOLD, 10, 10)] == seen
    assert thresholds == gc.get_threshold()


def test_a_collector_tuned_higher_or_disabled_is_left_alone(
    thresholds: tuple[int, ...],
) -> None:
    gc.set_threshold(YOUNG_THRESHOLD * 2, 5, 5)
    with tuned_collector():
        assert (YOUNG_THRESHOLD * 2, 5, 5) == gc.get_threshold()
    gc.set_threshold(*thresholds)
    gc.disable()
    with tuned_collector():
        assert thresholds == gc.get_threshold()
    assert not gc.isenabled()


def test_a_scenario_runs_with_the_tuned_collector_and_restores_it(
    thresholds: tuple[int, ...], tmp_path: Path
) -> None:
    scenarios = load_scenarios(
        "name: during\nclients:\n  c:\n    connect: tcp://127.0.0.1:1\n    steps: []\n",
        tmp_path,
    )
    during: list[tuple[int, ...]] = []
    run(scenarios, on_start=lambda _: during.append(gc.get_threshold()), handle_signals=False)
    assert [(YOUNG_THRESHOLD, 10, 10)] == during
    assert thresholds == gc.get_threshold()


def test_a_threshold_the_user_set_during_a_run_stays(thresholds: tuple[int, ...]) -> None:
    with tuned_collector():
        gc.set_threshold(1234, 7, 7)
    assert (1234, 7, 7) == gc.get_threshold()
