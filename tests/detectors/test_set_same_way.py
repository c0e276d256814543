"""A set is made of excursions that go the same way: fidgeting after a set is not its reps."""

from __future__ import annotations

from detector_helpers import LYING_M, SUPINE, bridges, lie_down, of_type, run, session
from synth import Key

from dsp.events import SetEndedEvent


def fidget(t0: float) -> list[Key]:
    """Lying on the back: a small roll to the side and back, then a small flexion and back."""
    return [
        Key(t0 + 0.8, SUPINE, 6.0, LYING_M),
        Key(t0 + 1.6, SUPINE, 6.0, LYING_M),
        Key(t0 + 2.4, SUPINE, 0.0, LYING_M),
        Key(t0 + 3.4, SUPINE, 0.0, LYING_M),
        Key(t0 + 4.2, SUPINE + 6.0, 0.0, LYING_M),
        Key(t0 + 5.0, SUPINE + 6.0, 0.0, LYING_M),
        Key(t0 + 5.8, SUPINE, 0.0, LYING_M),
        Key(t0 + 12.0, SUPINE, 0.0, LYING_M),
    ]


def test_fidgeting_right_after_pelvic_tilts_does_not_join_their_set() -> None:
    # Pelvic tilts tip the pelvis ~8 deg head-down; the fidget's 6 deg roll is as large, but
    # goes another way.
    keys = lie_down(0.0) + bridges(7.0, [8.0, 8.0, 8.0])
    keys += fidget(keys[-1].t_s)
    sets = of_type(run([session(keys)]), SetEndedEvent)
    assert [(s.exercise, s.count) for s in sets] == [("pelvic_tilt", 3)]


def test_bridges_alone_make_one_set() -> None:
    keys = lie_down(0.0) + bridges(7.0, [25.0, 22.0, 26.0, 24.0])
    keys.append(Key(keys[-1].t_s + 12.0, SUPINE, 0.0, LYING_M))
    sets = of_type(run([session(keys)]), SetEndedEvent)
    assert [(s.exercise, s.count) for s in sets] == [("bridge", 4)]
