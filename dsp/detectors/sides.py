"""Which side a one-sided hold is on, from the pelvis's turn between its rest and the hold.

Gravity sees two turns of the pelvis (``dsp.detectors.reference``): about the long axis
(roll, + = the sensor's right side up) and about the forward axis (side bend). A one-sided
exercise turns the pelvis about one of them, toward the working side:

- lying on the back (isometric hip flexion, piriformis stretch) and on hands and knees
  (bird dog): one leg pushes, crosses or reaches, and the pelvis rolls about its long axis;
  the same sign the rep counter reads for an alternating rep (``dsp.detectors.reps``):
  roll + = right;
- standing in a lunge (psoas stretch): the pelvis leans forward and bends away from the
  back leg as the arm goes overhead; side bend - = right (a bend toward the left).

The side is only told when that turn is a clear part of the movement: at least
``side_min_deg`` and at least ``side_min_share`` of the whole turn (a bridge-like lift
with a little asymmetric roll is not a side). Otherwise the side stays ``None``: an honest
"unknown" beats a wrong side.

Single-leg balance is deliberately not here: the pelvis of a person standing on one leg
drops on the free side when the hip abductors are weak (a Trendelenburg sign) and stays level
or hikes it when they are strong, so its tilt does not say which leg is up; the weight shift
over the stance foot would, but it is a translation gravity does not show.
"""

from __future__ import annotations

import numpy as np

from dsp.detectors.settings import HoldSettings
from dsp.events import Side
from firmware_protocol.samples import FloatArray

#: The turn that tells a one-sided hold's side: (rotation component, sign meaning "right").
#: Components of :func:`dsp.detectors.reference.rotation_from_deg`: 0 side bend, 2 roll.
SIDE_TURN: dict[str, tuple[int, float]] = {
    "isometric_hip_flexion": (2, 1.0),
    "piriformis_stretch": (2, 1.0),
    "bird_dog": (2, 1.0),
    "psoas_stretch": (0, -1.0),
}


def hold_side(exercise: str, rotation_deg: FloatArray | None, s: HoldSettings) -> Side | None:
    """The side of a hold of ``exercise`` that turned the pelvis by ``rotation_deg`` (the
    body-frame rotation vector from rest to the hold), or ``None`` when it cannot be told."""
    rule = SIDE_TURN.get(exercise)
    if rule is None or rotation_deg is None:
        return None
    axis, right = rule
    return turn_side(
        right * float(rotation_deg[axis]),
        float(np.linalg.norm(rotation_deg)),
        s.side_min_deg,
        s.side_min_share,
    )


def turn_side(turn_deg: float, whole_deg: float, min_deg: float, min_share: float) -> Side | None:
    """``right`` for a clear turn ``turn_deg`` > 0 toward the right (``left`` < 0): at least
    ``min_deg`` and ``min_share`` of the whole turn ``whole_deg``; else ``None``."""
    if abs(turn_deg) < min_deg or abs(turn_deg) < min_share * whole_deg:
        return None
    return "right" if turn_deg > 0 else "left"
