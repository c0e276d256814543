"""A forward lean that ends in another posture or height is a transition, not a bend."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synth import Key, as_batch, simulate, split, standing_then

from dsp.events import Event, FlexionEvent
from dsp.pipeline import Pipeline

RATE_HZ = 50.0
SITTING_M = 0.55


def run(batches: list) -> list[Event]:  # type: ignore[type-arg]
    pipeline = Pipeline("s", "session")
    events: list[Event] = []
    for batch in batches:
        events.extend(pipeline.update(batch))
    return events + pipeline.finish()


def session(keys: list[Key]):  # type: ignore[no-untyped-def]
    motion = simulate(
        standing_then(keys), RATE_HZ, ("-x", "+z"), noise_acc_mps2=0.05, noise_gyro_dps=0.5
    )
    return as_batch(motion, rate_hz=RATE_HZ)


# After the ritual (ends at 7 s): sit down on a chair leaning 40 deg forward on the way,
# sit 5 s, stand up leaning 40 deg again, stand 5 s; then one real 60 deg bend.
SIT_KEYS = [
    Key(1.0),
    Key(2.0, 40.0, 0.0, 0.8),
    Key(3.0, 0.0, 0.0, SITTING_M),
    Key(8.0, 0.0, 0.0, SITTING_M),
    Key(9.0, 40.0, 0.0, 0.8),
    Key(10.0, 0.0, 0.0, 1.0),
    Key(15.0),
    Key(16.5, 60.0),
    Key(18.0),
    Key(23.0),
]
SHIFT_S = 7.0  # standing_then: 3 s still, a 50 deg bend, back by 7 s


def test_sitting_down_and_standing_up_are_not_bends_but_a_bend_is() -> None:
    events = run([session(SIT_KEYS)])
    bends = [e for e in events if isinstance(e, FlexionEvent)]
    starts = [round(b.t_start - SHIFT_S, 1) for b in bends]
    # The calibration bend (before the keys) and the real bend at 15 s, nothing between.
    assert len(bends) == 2, starts
    assert bends[0].t_start < SHIFT_S
    assert 15.0 <= bends[1].t_start - SHIFT_S <= 16.5


def test_lying_down_after_a_forward_lean_is_not_a_bend() -> None:
    # Squat leaning 40 deg forward, sit on the floor, lie back; stay.
    keys = [
        Key(1.0),
        Key(2.2, 40.0, 0.0, 0.55),
        Key(3.4, -15.0, 0.0, 0.15),
        Key(4.8, -90.0, 0.0, 0.12),
        Key(12.0, -90.0, 0.0, 0.12),
    ]
    bends = [e for e in run([session(keys)]) if isinstance(e, FlexionEvent)]
    assert [b.t_start < SHIFT_S for b in bends] == [True]  # only the calibration bend


ONE_PIECE = run([session(SIT_KEYS)])


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cuts=st.lists(st.integers(min_value=1, max_value=1600), max_size=30))
def test_the_transition_gate_is_the_same_for_any_chunking(cuts: list[int]) -> None:
    events = run(split(session(SIT_KEYS), cuts))
    assert [e.id for e in events] == [e.id for e in ONE_PIECE]
    a = [e for e in events if isinstance(e, FlexionEvent)]
    b = [e for e in ONE_PIECE if isinstance(e, FlexionEvent)]
    assert [(x.t_start, x.t_end) for x in a] == [(y.t_start, y.t_end) for y in b]
