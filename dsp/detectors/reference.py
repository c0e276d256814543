"""Geometry of an excursion: how far, and which way, the pelvis has turned from its rest.

Gravity sees two of the three rotations of the lower back (a turn about the vertical is
invisible), so a movement is measured against a *rest reference*: world-up in body axes
(``u_ref``) captured while the person was still in the current posture. For a sample ``u``
the body-frame rotation vector from rest is ``axis = u x u_ref`` scaled to the angle between
them: its ``y`` part is a turn about the left axis (pitch: positive = forward flexion, so a
bridge or a trunk extension is negative), ``z`` a turn about the long axis (roll: a bird dog's
or dead bug's alternating twist, positive = the sensor's right side up) and ``x`` a turn about
the forward axis (side bend standing; the head-up tip of a side plank lying on a side).

Lying on a side the body's long axis is horizontal at rest, so the side plank's head-up tip is
read directly as the elevation of the long axis, ``asin(u_z)``, against the rest elevation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dsp.vectors import cross_rows
from firmware_protocol.samples import FloatArray


def angle_from_deg(u: FloatArray, ref: FloatArray) -> FloatArray:
    """Angle between each row of ``u`` and ``ref`` (unit vectors), degrees."""
    cross = cross_rows(u, ref)
    return np.asarray(np.degrees(np.arctan2(np.linalg.norm(cross, axis=1), u @ ref)))


def pair_angle_deg(a: FloatArray, b: FloatArray) -> FloatArray:
    """Angle between matching rows of ``a`` and ``b`` (unit vectors), degrees."""
    cross = np.linalg.norm(cross_rows(a, b), axis=1)
    return np.asarray(np.degrees(np.arctan2(cross, np.einsum("ij,ij->i", a, b))))


def rotation_from_deg(u: FloatArray, ref: FloatArray) -> FloatArray:
    """Body-frame rotation vector (deg) that turns the rest orientation into ``u``'s."""
    cross = np.atleast_2d(cross_rows(u, ref))
    norm = np.linalg.norm(cross, axis=1, keepdims=True)
    angle = np.degrees(np.arctan2(norm[:, 0], np.atleast_2d(u) @ ref))
    return np.asarray(cross / np.maximum(norm, 1e-12) * angle[:, None], dtype=np.float64)


def elevation_deg(u: FloatArray) -> FloatArray:
    """Elevation of the body's long axis above the horizontal (head up positive), degrees."""
    return np.degrees(np.arcsin(np.clip(u[:, 2], -1.0, 1.0)))


@dataclass(frozen=True, slots=True)
class Shape:
    """What an excursion looked like, from its samples (times are estimates, see
    :func:`movement_times`)."""

    peak_deg: float
    pitch_deg: float  # + forward flexion, - extension / head-down (at the peak)
    roll_deg: float  # about the long axis, + = right side up (at the peak)
    side_bend_deg: float  # about the forward axis (at the peak)
    flexion_deg: float  # absolute trunk flexion from vertical at the peak (dsp.angles)
    t_leave: float  # left the rest position
    t_arrive: float  # reached the top
    t_depart: float  # left the top
    t_back: float  # back at rest


#: Minimum-jerk position profile s(tau) = 10 tau^3 - 15 tau^4 + 6 tau^5 (Flash & Hogan 1985,
#: the standard model of a smooth human point-to-point movement) crosses 35 % and 65 % of the
#: way at these fractions of the movement time.
_LO, _HI = 0.35, 0.65


def _tau(level: float) -> float:
    taus = np.linspace(0.0, 1.0, 100001)
    s = taus**3 * (10.0 - 15.0 * taus + 6.0 * taus**2)
    return float(taus[np.searchsorted(s, level)])


TAU_LO, TAU_HI = _tau(_LO), _tau(_HI)


def _crossing(t: FloatArray, e: FloatArray, level: float, rising: bool) -> float | None:
    """Interpolated time of the first upward (or last downward) crossing of ``level``."""
    if rising:
        idx = np.flatnonzero(e >= level)
        if idx.size == 0:
            return None
        k = int(idx[0])
    else:
        above = np.flatnonzero(e >= level)
        if above.size == 0 or int(above[-1]) + 1 >= e.shape[0]:
            return None
        k = int(above[-1]) + 1
    if k == 0:
        return float(t[0])
    e0, e1 = float(e[k - 1]), float(e[k])
    w = 0.0 if e1 == e0 else (level - e0) / (e1 - e0)
    return float(t[k - 1] + min(1.0, max(0.0, w)) * (t[k] - t[k - 1]))


def movement_times(
    t: FloatArray,
    e: FloatArray,
    level_up: float,
    level_down: float | None,
    base_down: float = 0.0,
) -> tuple[float, float, float, float]:
    """(left rest, reached top, left top, back at rest) of an excursion ``e(t)`` (>= 0).

    The movement up is timed from where it crosses 35 % and 65 % of ``level_up`` (its top),
    the movement down the same with ``level_down`` (``None``: not lowered yet, the last two
    are NaN), measured from ``base_down`` where it came to rest (0: back at the reference).
    Crossing times of mid-levels are robust to tremor at the top and noise at rest;
    extrapolating them with the minimum-jerk profile gives the ends of the movement without
    waiting for a noisy velocity to settle. Clamped to the samples we have.
    """
    t_first, t_last = float(t[0]), float(t[-1])
    nan = float("nan")
    up_lo = _crossing(t, e, _LO * level_up, rising=True)
    up_hi = _crossing(t, e, _HI * level_up, rising=True)
    if up_lo is None or up_hi is None:
        leave, arrive = t_first, t_first
    else:
        span = max(0.0, up_hi - up_lo) / (TAU_HI - TAU_LO)
        leave = max(t_first, up_lo - TAU_LO * span)
        arrive = min(t_last, up_hi + (1.0 - TAU_HI) * span)
    if level_down is None:
        return leave, arrive, nan, nan
    k_top = int(np.argmax(e))
    tail_t, tail_e = t[k_top:], e[k_top:]
    span_down = level_down - base_down
    down_hi = _crossing(tail_t, tail_e, base_down + _HI * span_down, rising=False)
    down_lo = _crossing(tail_t, tail_e, base_down + _LO * span_down, rising=False)
    if down_lo is None or down_hi is None:
        return leave, arrive, t_last, t_last
    span = max(0.0, down_lo - down_hi) / (TAU_HI - TAU_LO)
    depart = max(arrive, down_hi - TAU_LO * span)
    back = down_lo + (1.0 - TAU_HI) * span
    return leave, arrive, depart, back


def shape_of(
    bt: FloatArray,
    be: FloatArray,
    bu: FloatArray,
    level: float,
    base: float,
    ref: FloatArray | None,
) -> Shape:
    """The shape of one excursion: samples ``bt``, its angle from rest ``be``, orientations
    ``bu``; ``level`` its top, ``base`` where it came to rest. The rotation at the peak is
    measured from ``ref`` (``None``: not measured, zeros)."""
    leave, arrive, depart, back = movement_times(bt, be, level, level, base)
    k = int(np.argmax(be))
    rot = np.zeros(3) if ref is None else rotation_from_deg(bu[k : k + 1], ref)[0]
    return Shape(
        peak_deg=float(be[k]),
        pitch_deg=float(rot[1]),
        roll_deg=float(rot[2]),
        side_bend_deg=float(rot[0]),
        flexion_deg=float(np.degrees(np.arctan2(-bu[k, 0], bu[k, 2]))),
        t_leave=leave,
        t_arrive=arrive,
        t_depart=depart,
        t_back=back,
    )
