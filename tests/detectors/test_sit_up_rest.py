"""Lying on the back, the top of a sit-up is never the rest the reps are measured from."""

from __future__ import annotations

import numpy as np

from dsp.detectors.excursion import ExcursionTracker
from dsp.detectors.frame import POSTURE_CODE
from dsp.detectors.happenings import Returned
from dsp.detectors.settings import HoldSettings, RepSettings

RATE_HZ = 50.0


def _up(raise_deg: np.ndarray) -> np.ndarray:
    """World-up in body axes lying on the back with the trunk raised ``raise_deg`` (0: flat,
    up along the body's forward axis; 90: sitting upright, up along the long axis)."""
    a = np.radians(raise_deg)
    return np.stack([np.cos(a), np.zeros_like(a), np.sin(a)], axis=1)


def _ramp(a: float, b: float, s: float) -> np.ndarray:
    x = np.linspace(0.0, 1.0, int(s * RATE_HZ), endpoint=False)
    return a + (b - a) * (10 * x**3 - 15 * x**4 + 6 * x**5)


def test_a_session_that_sits_up_before_lying_still_measures_sit_ups_from_flat() -> None:
    """Already lying on the back (rolled over from the front) and straight into sit-ups: the
    first still moment is the top of the first one. Taken as the rest, every lowering would be
    a 56 deg "extension" (bridges, twice as many as sit-ups)."""
    top, flat = 56.0, 0.0
    parts = [np.full(int(3.0 * RATE_HZ), top), _ramp(top, flat, 1.5)]
    for _ in range(5):
        parts += [np.full(int(1.0 * RATE_HZ), flat), _ramp(flat, top, 1.3)]
        parts += [np.full(int(0.3 * RATE_HZ), top), _ramp(top, flat, 1.5)]
    parts.append(np.full(int(4.0 * RATE_HZ), flat))
    raise_deg = np.concatenate(parts)
    t = np.arange(raise_deg.shape[0]) / RATE_HZ
    codes = np.full(t.shape[0], POSTURE_CODE["supine"], dtype=np.int8)
    tracker = ExcursionTracker(RepSettings(), HoldSettings())
    returned = [
        h
        for h in tracker.update(t, _up(raise_deg), codes, lambda _c: None)
        if isinstance(h, Returned)
    ]
    assert returned, "no excursion came back"
    assert all(r.shape.pitch_deg > 0 for r in returned)  # forward from flat: sitting up
