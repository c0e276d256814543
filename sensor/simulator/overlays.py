"""Smooth additive perturbations: gait oscillations, tremor, postural sway.

Each overlay is active on ``[t0, t1]`` with minimum-jerk ramps at both ends (so the signal and
its first two derivatives stay continuous) and is a sum of sinusoids with seeded frequencies
and phases: analytic in ``t``, so the kinematics can differentiate it numerically anywhere.
Columns of the result: flex, lat, twist (deg, body frame), forward, left, up (m).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from firmware_protocol.samples import FloatArray
from sensor.simulator.trajectory import min_jerk


def window(t: FloatArray, t0: float, t1: float, ramp_s: float) -> FloatArray:
    """1 inside ``[t0 + ramp, t1 - ramp]``, 0 outside ``[t0, t1]``, smooth in between."""
    ramp = max(1e-3, min(ramp_s, 0.5 * (t1 - t0)))
    return min_jerk((t - t0) / ramp) * min_jerk((t1 - t) / ramp)


@dataclass(frozen=True, slots=True)
class Gait:
    """Pelvic motion of walking at ``cadence_spm`` steps per minute.

    Vertical bob and fore-aft surge at the step frequency, side-to-side shift, obliquity and
    rotation at the stride frequency (half of it). ``phase_wobble`` makes the step rhythm vary
    slowly, as a person's does. Amplitudes are peak values (m, deg).
    """

    t0: float
    t1: float
    cadence_spm: float
    vertical_m: float = 0.022
    surge_m: float = 0.012
    sway_m: float = 0.02
    tilt_deg: float = 2.0
    obliquity_deg: float = 3.0
    rotation_deg: float = 4.0
    mean_flex_deg: float = 0.0
    phase0: float = 0.0
    wobble_hz: float = 0.07
    wobble_rad: float = 0.6

    def __call__(self, t_s: FloatArray) -> FloatArray:
        w = window(t_s, self.t0, self.t1, 1.0)
        step_hz = self.cadence_spm / 60.0
        tau = t_s - self.t0
        phase = (
            2 * np.pi * step_hz * tau
            + self.phase0
            + self.wobble_rad * np.sin(2 * np.pi * self.wobble_hz * tau)
        )
        out = np.zeros((t_s.shape[0], 6))
        out[:, 0] = self.mean_flex_deg + self.tilt_deg * np.sin(phase + 0.8)
        out[:, 1] = self.obliquity_deg * np.sin(0.5 * phase)
        out[:, 2] = self.rotation_deg * np.sin(0.5 * phase + 1.2)
        out[:, 3] = self.surge_m * np.sin(phase + 2.0)
        out[:, 4] = self.sway_m * np.sin(0.5 * phase + 0.3)
        out[:, 5] = self.vertical_m * np.cos(phase)
        return out * w[:, None]


@dataclass(frozen=True, slots=True)
class Oscillation:
    """A sum of sinusoids with an amplitude that grows linearly from ``a0`` to ``a1``.

    Tremor: 6-11 Hz, growing with fatigue during a long hold. Sway: 0.2-1.2 Hz. ``deg`` and
    ``m`` scale the angle and position columns of a unit-amplitude mix.
    """

    t0: float
    t1: float
    freqs_hz: tuple[float, ...]
    phases: tuple[float, ...]
    weights: tuple[tuple[float, float, float, float, float, float], ...]
    a0: float
    a1: float
    ramp_s: float = 0.3

    def __call__(self, t_s: FloatArray) -> FloatArray:
        w = window(t_s, self.t0, self.t1, self.ramp_s)
        frac = np.clip((t_s - self.t0) / max(1e-6, self.t1 - self.t0), 0.0, 1.0)
        amp = (self.a0 + (self.a1 - self.a0) * frac) * w
        out = np.zeros((t_s.shape[0], 6))
        for f, ph, wt in zip(self.freqs_hz, self.phases, self.weights, strict=True):
            out += np.sin(2 * np.pi * f * t_s + ph)[:, None] * np.asarray(wt)[None, :]
        return out * amp[:, None]


def tremor(rng: np.random.Generator, t0: float, t1: float, a0: float, a1: float) -> Oscillation:
    """Muscle tremor in a hold, 6-11 Hz. Per unit amplitude ~0.02 deg (~1 deg/s) and ~0.05 mm
    (~0.1 m/s^2): a fresh hold starts near 0.05 m/s^2 and a long, late one reaches a few tenths,
    the range trunk tremor grows through with fatigue."""
    return _mix(rng, t0, t1, a0, a1, (6.0, 11.0), deg=0.02, m=5e-5, n=4)


def sway(rng: np.random.Generator, t0: float, t1: float, amplitude: float) -> Oscillation:
    """Slow postural sway: ~1 deg and ~8 mm per unit amplitude at 0.2-1.2 Hz."""
    return _mix(rng, t0, t1, amplitude, amplitude, (0.2, 1.2), deg=0.8, m=0.008, n=4)


def _mix(
    rng: np.random.Generator,
    t0: float,
    t1: float,
    a0: float,
    a1: float,
    band_hz: tuple[float, float],
    deg: float,
    m: float,
    n: int,
) -> Oscillation:
    freqs = tuple(float(f) for f in rng.uniform(band_hz[0], band_hz[1], n))
    phases = tuple(float(p) for p in rng.uniform(0, 2 * np.pi, n))
    raw = rng.normal(0.0, 1.0, (n, 6)) / np.sqrt(n)
    raw[:, :3] *= deg
    raw[:, 3:] *= m
    weights = tuple(
        (float(r[0]), float(r[1]), float(r[2]), float(r[3]), float(r[4]), float(r[5])) for r in raw
    )
    return Oscillation(t0, t1, freqs, phases, weights, a0, a1)
