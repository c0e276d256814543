"""A sustained-flexion warning needs a bend held standing, not a guess of one."""

from __future__ import annotations

from detector_helpers import of_type, run, session
from synth import Key

from dsp.events import FlexionAlertEvent


def _sustained(events: list[object]) -> list[FlexionAlertEvent]:
    return [e for e in of_type(events, FlexionAlertEvent) if e.reason == "sustained"]


def test_a_bend_held_standing_warns() -> None:
    # Bend to 80 deg and stay there 25 s: the height is known (a short movement from standing).
    keys = [Key(0.0), Key(2.0, 80.0, 0.0, 0.9), Key(27.0, 80.0, 0.0, 0.9), Key(29.0), Key(32.0)]
    assert len(_sustained(run([session(keys)]))) == 1


def test_face_down_after_a_long_movement_with_the_height_unknown_does_not_warn() -> None:
    # 25 s of rocking upright without a still moment (too long to integrate a height),
    # straight on into 80 deg face down held 30 s: a bend held standing or hands and knees,
    # the chain cannot tell.
    keys = [Key(0.0)]
    keys += [Key(1.0 + 0.5 * k, 15.0 if k % 2 == 0 else 0.0, 0.0, 1.0) for k in range(50)]
    t = keys[-1].t_s
    keys += [Key(t + 2.0, 80.0, 0.0, 0.55), Key(t + 32.0, 80.0, 0.0, 0.55)]
    assert _sustained(run([session(keys)])) == []
