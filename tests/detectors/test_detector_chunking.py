"""Holds, reps and sets do not depend on how the samples were chunked."""

from __future__ import annotations

import pytest
from detector_helpers import (
    bridges,
    lie_down,
    roll_to_right_side,
    run,
    session,
    side_plank,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synth import split

from dsp.events import Event

DETECTOR_TYPES = {"hold_started", "hold_tick", "hold_ended", "rep", "set_ended"}


def _keys() -> list:  # type: ignore[type-arg]
    keys = lie_down(0.0) + bridges(7.0, [25.0, 22.0, 26.0])
    t = keys[-1].t_s
    keys += roll_to_right_side(t)
    return keys + side_plank(keys[-1].t_s, 11.0)


BATCH = session(_keys(), seed=5)
ONE_PIECE = run([BATCH])


def _detector_events(events: list[Event]) -> list[Event]:
    return [e for e in events if e.type in DETECTOR_TYPES]


def _assert_same(a: list[Event], b: list[Event]) -> None:
    assert [e.type for e in a] == [e.type for e in b]
    for x, y in zip(a, b, strict=True):
        assert x.t == pytest.approx(y.t, abs=1e-9)
        dx, dy = x.model_dump(), y.model_dump()
        for key, vx in dx.items():
            if isinstance(vx, float):
                assert vx == pytest.approx(dy[key], abs=1e-6), (key, x, y)
            else:
                assert vx == dy[key], (key, x, y)


def test_the_reference_session_has_reps_sets_and_a_hold() -> None:
    kinds = [e.type for e in _detector_events(ONE_PIECE)]
    assert kinds.count("rep") == 3
    assert kinds.count("set_ended") == 1
    assert kinds.count("hold_ended") == 1


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cuts=st.lists(st.integers(min_value=1, max_value=len(BATCH) - 1), max_size=80))
def test_random_chunkings_give_the_same_detector_events(cuts: list[int]) -> None:
    _assert_same(_detector_events(run(split(BATCH, cuts))), _detector_events(ONE_PIECE))


def test_sample_by_sample_equals_one_piece() -> None:
    pieces = split(BATCH, list(range(1, len(BATCH))))
    _assert_same(_detector_events(run(pieces)), _detector_events(ONE_PIECE))
