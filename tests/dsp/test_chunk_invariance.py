"""Processing the same samples in chunks of any size gives the same events."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synth import Key, as_batch, simulate, split, standing_then

from dsp.events import Event
from dsp.pipeline import Pipeline

RATE_HZ = 50.0
KEYS = standing_then(
    [
        Key(0),
        Key(1.5, 70),
        Key(2.5, 70),
        Key(4.0, 0),
        Key(6.0),
        Key(8.0, -90, 0, 0.12),
        Key(12.0, -90, 0, 0.12),
        Key(13.5, -40, 0, 0.15),
        Key(15.0, -90, 0, 0.12),
        Key(18.0, -90, 0, 0.12),
        Key(20.0, 0, 90, 0.15),
        Key(24.0, 0, 90, 0.15),
    ]
)
MOTION = simulate(KEYS, RATE_HZ, ("-x", "+z"), noise_acc_mps2=0.08, noise_gyro_dps=0.8, seed=3)


def run(batches: list) -> list[Event]:  # type: ignore[type-arg]
    pipeline = Pipeline("s", "session")
    events: list[Event] = []
    for batch in batches:
        events.extend(pipeline.update(batch))
    return events


def assert_same(a: list[Event], b: list[Event]) -> None:
    assert [e.type for e in a] == [e.type for e in b]
    for x, y in zip(a, b, strict=True):
        assert abs(x.t - y.t) <= 1.0 / RATE_HZ + 1e-9, (x, y)
        dx = x.model_dump(exclude={"t"})
        dy = y.model_dump(exclude={"t"})
        assert dx.keys() == dy.keys()
        for key, vx in dx.items():
            vy = dy[key]
            if isinstance(vx, float):
                assert vx == pytest_approx(vy), (key, x, y)
            else:
                assert vx == vy, (key, x, y)


def pytest_approx(v: float) -> object:
    import pytest

    return pytest.approx(v, abs=1e-6)


ONE_PIECE = {
    "host": run([as_batch(MOTION, rate_hz=RATE_HZ, host_clock=True)]),
    "device": run([as_batch(MOTION, rate_hz=RATE_HZ)]),
    "no_gyro": run([as_batch(MOTION, rate_hz=RATE_HZ, with_gyro=False)]),
}


def test_the_reference_run_has_every_kind_of_foundation_event() -> None:
    for events in ONE_PIECE.values():
        kinds = {e.type for e in events}
        assert {"calibrated", "posture", "angle", "flexion"} <= kinds
        postures = [e.posture for e in events if e.type == "posture"]
        assert postures == ["upright", "supine", "side_right"], postures


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cuts=st.lists(st.integers(min_value=1, max_value=len(MOTION.t_s) - 1), max_size=60),
    variant=st.sampled_from(sorted(ONE_PIECE)),
)
def test_random_chunkings_give_the_same_events(cuts: list[int], variant: str) -> None:
    batch = as_batch(
        MOTION, rate_hz=RATE_HZ, host_clock=variant == "host", with_gyro=variant != "no_gyro"
    )
    assert_same(run(split(batch, cuts)), ONE_PIECE[variant])


def test_sample_by_sample_equals_one_piece() -> None:
    batch = as_batch(MOTION, rate_hz=RATE_HZ)
    assert_same(run(split(batch, list(range(1, len(batch))))), ONE_PIECE["device"])


def test_ids_and_seq_are_stable_and_dense() -> None:
    events = ONE_PIECE["device"]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert len({e.id for e in events}) == len(events)
    again = run([as_batch(MOTION, rate_hz=RATE_HZ)])
    assert [e.id for e in again] == [e.id for e in events]
    assert np.all(np.diff([e.t for e in events]) >= 0)
