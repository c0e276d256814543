"""What the excursion tracker decides: the vocabulary between it and its two readers.

The rep counter (:mod:`dsp.detectors.reps`) reads ``Returned`` and ``PostureChanged``; the
hold timer (:mod:`dsp.detectors.holds`) reads ``HoldStart`` and ``HoldEnd``. Each carries the
index of the sample it was decided at, so the readers act at the same sample in any chunking.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dsp.detectors.reference import Shape
from firmware_protocol.samples import FloatArray


@dataclass(frozen=True, slots=True)
class HoldStart:
    index: int
    t_start: float  # estimated arrival at the top
    level_deg: float
    posture_code: int = 0  # the posture it started in (names a side plank's side)
    #: Body-frame rotation vector (deg) from the rest reference to the hold (None: on a
    #: side, or no reference); tells a one-sided hold's side (dsp.detectors.sides).
    rotation_deg: FloatArray | None = None


@dataclass(frozen=True, slots=True)
class HoldEnd:
    index: int
    t_end: float
    reason: str  # lowered / moved


@dataclass(frozen=True, slots=True)
class Returned:
    index: int
    shape: Shape
    posture_code: int
    rest_up: FloatArray | None  # the rest reference (world-up in body axes) it was measured from


@dataclass(frozen=True, slots=True)
class PostureChanged:
    index: int
    restored: bool = False  # back in the posture left moments ago, mid-excursion (a flap)


Happening = HoldStart | HoldEnd | Returned | PostureChanged

#: ``hold_min_deg(posture_code)``: the hold threshold in that posture, or None (no holds).
HoldRule = Callable[[int], float | None]
