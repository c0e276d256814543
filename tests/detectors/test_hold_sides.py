"""A one-sided hold's side, told from the pelvis's turn toward it (dsp.detectors.sides)."""

from __future__ import annotations

from detector_helpers import of_type, run, session
from synth import Key

from dsp.events import HoldEndedEvent, HoldStartedEvent, Side


def _lunges(laterals_deg: list[float], flex_deg: float = 12.0, hold_s: float = 8.0) -> list[Key]:
    """Psoas-stretch lunges from standing: lean forward ``flex_deg`` and bend sideways by each
    of ``laterals_deg`` (+ toward the person's right) over 2 s, hold, back up, rest 5 s."""
    keys = [Key(0.0), Key(3.0)]
    t = 3.0
    for lat in laterals_deg:
        keys += [
            Key(t + 2.0, flex_deg, lat, 0.88),
            Key(t + 2.0 + hold_s, flex_deg, lat, 0.88),
            Key(t + 4.0 + hold_s),
            Key(t + 9.0 + hold_s),
        ]
        t += 9.0 + hold_s
    return keys


def _sides(laterals_deg: list[float]) -> list[Side | None]:
    events = run([session(_lunges(laterals_deg))], exercise="psoas_stretch")
    started = of_type(events, HoldStartedEvent)
    ended = of_type(events, HoldEndedEvent)
    # The calibration bend at the start is a forward lean too (told the exercise from the
    # beginning): only the lunges' holds are judged, the last len(laterals) ones.
    started = started[-len(laterals_deg) :]
    ended = ended[-len(laterals_deg) :]
    assert len(started) == len(laterals_deg)
    for s, e in zip(started, ended, strict=True):
        assert e.side == s.side  # the side is the hold's, start to end
    return [s.side for s in started]


def test_a_lunge_bending_away_from_the_back_leg_gets_that_side() -> None:
    """Right leg back, the right arm overhead: the pelvis bends toward the left."""
    assert _sides([-10.0, 10.0]) == ["right", "left"]


def test_a_hold_without_a_sideways_turn_has_no_side() -> None:
    """A straight forward lean says nothing about the side: unknown, not a guess."""
    assert _sides([0.0]) == [None]


def test_a_small_sideways_wobble_on_a_large_lean_is_no_side() -> None:
    """A degree of asymmetry on a 12 deg lean is part of a symmetric movement, not a side."""
    assert _sides([1.2]) == [None]
