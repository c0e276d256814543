"""Catch a given mounting that cannot be right: quiet standing read as lying or upside down.

With ``--up/--forward`` (or a mounting in the recording's header) holdfast trusts the axes it
is told. A wrong sign there is silent: standing still reads as lying, or upside down, and
every angle after it is nonsense. This looks at the first still second of samples: where
gravity points there (the accelerometer reads +1 g toward the sky at rest) is compared with
the given up axis, and a mismatch is reported once, naming the axis that really pointed up.
It does not change the mounting: someone who starts lying down on purpose is told what it
looked like and can ignore it.
"""

from __future__ import annotations

import numpy as np

from dsp.mounting import AXES
from firmware_protocol.samples import SampleBatch
from sensor.source import SourceItem

STILL_S = 1.0
"""Seconds of samples looked at (from the first sample)."""
STILL_SPREAD = 0.05
"""Still: the acceleration's magnitude varies by less than this fraction of its mean."""
UPRIGHT_COS = 0.8  # within ~37 deg of the given up: fine
UPSIDE_DOWN_COS = -0.7  # gravity within ~45 deg of the given down: impossible at rest


def _axis_vector(name: str) -> np.ndarray:
    v = np.zeros(3)
    v["xyz".index(name[1])] = 1.0 if name[0] == "+" else -1.0
    return v


def nearest_axis(direction: np.ndarray) -> str:
    return max(AXES, key=lambda a: float(direction @ _axis_vector(a)))


class MountingCheck:
    """``check.feed(item)`` returns one warning line the first time it is sure, else None."""

    def __init__(self, mounting: tuple[str, str] | None) -> None:
        self.mounting = mounting
        self.done = mounting is None
        self._acc: list[np.ndarray] = []
        self._t0: float | None = None

    def feed(self, item: SourceItem) -> str | None:
        if self.done or not isinstance(item, SampleBatch) or len(item) == 0:
            return None
        if self._t0 is None:
            self._t0 = float(item.t_host_s[0])
        self._acc.append(item.acc_mps2)
        if float(item.t_host_s[-1]) - self._t0 < STILL_S:
            return None
        self.done = True
        acc = np.concatenate(self._acc)
        norm = np.linalg.norm(acc, axis=1)
        if norm.mean() <= 0 or norm.std() > STILL_SPREAD * norm.mean():
            return None  # moving: nothing to say about the mounting
        return self.verdict(acc.mean(axis=0) / np.linalg.norm(acc.mean(axis=0)))

    def verdict(self, sky: np.ndarray) -> str | None:
        assert self.mounting is not None
        up, forward = self.mounting
        cos_up = float(sky @ _axis_vector(up))
        if cos_up >= UPRIGHT_COS:
            return None
        real_up = nearest_axis(sky)
        if cos_up <= UPSIDE_DOWN_COS:
            looks = "upside down (head down)"
        elif float(sky @ _axis_vector(forward)) >= UPRIGHT_COS:
            looks = "lying on the back"  # the belly toward the sky
        elif float(sky @ _axis_vector(forward)) <= -UPRIGHT_COS:
            looks = "lying face down"
        else:
            looks = "lying on a side"
        hint = f"--up {real_up}" + ("" if real_up[1] != forward[1] else " and another --forward")
        return (
            f"mounting --up {up} --forward {forward}: the first still second reads as {looks}; "
            f"the sensor's {real_up} axis pointed up. If you were standing, use {hint} "
            "(or leave both out to let holdfast learn them)"
        )
