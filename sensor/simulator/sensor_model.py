"""What a real IMU makes of the ideal body motion: mounting, errors, sampling.

The sensor frame is the body frame turned by the mounting: ``v_sensor = M v_body``. An
axis-aligned strap-on is written ``UP,FORWARD`` (which sensor axis points to the head and
which to the belly, e.g. ``+y,-z``); any other rotation is ``rotvec:RX,RY,RZ`` (degrees, the
rotation vector of ``M``), and ``+y,-z@RX,RY,RZ`` is the axis-aligned mounting misaligned by a
small extra rotation (straps are never exactly square).

Errors, in the order a MEMS part applies them: scale error per axis, constant bias per axis
(drawn once per session), white noise, full-scale clipping, quantisation to the LSB. Sample
instants follow the nominal rate with a clock error (ppm) and jitter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from firmware_protocol.errors import ConfigError
from firmware_protocol.samples import STANDARD_GRAVITY_MPS2, FloatArray

_AXES = {
    "+x": (1.0, 0.0, 0.0), "-x": (-1.0, 0.0, 0.0),
    "+y": (0.0, 1.0, 0.0), "-y": (0.0, -1.0, 0.0),
    "+z": (0.0, 0.0, 1.0), "-z": (0.0, 0.0, -1.0),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Mounting:
    """``matrix`` = M (sensor from body). ``up``/``forward``: the axis-aligned part, if any."""

    matrix: FloatArray
    text: str
    up: str | None = None
    forward: str | None = None

    @property
    def axis_aligned(self) -> bool:
        """True when M maps body axes exactly onto sensor axes (no misalignment)."""
        return bool(np.allclose(np.abs(self.matrix), np.round(np.abs(self.matrix)), atol=1e-9))


def axis_mounting(up: str, forward: str) -> FloatArray:
    """M for "sensor axis ``up`` points to the head, ``forward`` to the belly"."""
    if up not in _AXES or forward not in _AXES:
        raise ConfigError("mounting", f"unknown axis in {up},{forward}", sorted(_AXES))
    e_up, e_fwd = np.array(_AXES[up]), np.array(_AXES[forward])
    if abs(float(e_up @ e_fwd)) > 0.5:
        raise ConfigError("mounting", f"up {up} and forward {forward} must be perpendicular")
    # Columns are the body axes x (forward), y (left = up x forward), z (up) in sensor coords.
    return np.column_stack([e_fwd, np.cross(e_up, e_fwd), e_up])


_ROTVEC = r"(-?[\d.]+),(-?[\d.]+),(-?[\d.]+)"


def parse_mounting(text: str) -> Mounting:
    """``+y,-z`` | ``+y,-z@RX,RY,RZ`` | ``rotvec:RX,RY,RZ`` (degrees)."""
    spec = text.replace(" ", "")
    if m := re.fullmatch(r"rotvec:" + _ROTVEC, spec):
        rv = np.deg2rad([float(v) for v in m.groups()])
        return Mounting(Rotation.from_rotvec(rv).as_matrix(), spec)
    if m := re.fullmatch(r"([+-][xyz]),([+-][xyz])(?:@" + _ROTVEC + ")?", spec):
        up, forward = m.group(1), m.group(2)
        base = axis_mounting(up, forward)
        if m.group(3) is None:
            return Mounting(base, spec, up, forward)
        rv = np.deg2rad([float(m.group(i)) for i in (3, 4, 5)])
        return Mounting(Rotation.from_rotvec(rv).as_matrix() @ base, spec, up, forward)
    raise ConfigError(
        "mounting",
        f"cannot read {text!r}",
        "UP,FORWARD e.g. +y,-z; +y,-z@RX,RY,RZ; rotvec:RX,RY,RZ",
    )


@dataclass(frozen=True, slots=True)
class SensorSettings:
    """The imperfections of the simulated IMU (defaults: a typical consumer MEMS part).

    Noise and bias values are standard deviations; biases and scale errors are drawn once per
    session per axis. Full scales and LSBs default to a +-16 g / +-2000 deg/s part with 16-bit
    output, like the WitMotion modules.
    """

    rate_hz: float = 50.0
    has_gyro: bool = True
    acc_noise_mps2: float = 0.02
    gyro_noise_dps: float = 0.15
    acc_bias_mps2: float = 0.03
    gyro_bias_dps: float = 0.3
    acc_scale_error: float = 0.003
    gyro_scale_error: float = 0.005
    acc_full_scale_mps2: float = 16.0 * STANDARD_GRAVITY_MPS2
    gyro_full_scale_dps: float = 2000.0
    acc_lsb_mps2: float = 16.0 * STANDARD_GRAVITY_MPS2 / 32768.0
    gyro_lsb_dps: float = 2000.0 / 32768.0
    clock_error_ppm: float = 0.0
    timing_jitter_s: float = 0.0005


NOISE_PRESETS: dict[str, dict[str, float]] = {
    "none": {
        "acc_noise_mps2": 0.0, "gyro_noise_dps": 0.0, "acc_bias_mps2": 0.0,
        "gyro_bias_dps": 0.0, "acc_scale_error": 0.0, "gyro_scale_error": 0.0,
        "timing_jitter_s": 0.0,
    },
    "low": {"acc_noise_mps2": 0.01, "gyro_noise_dps": 0.07, "acc_bias_mps2": 0.01,
            "gyro_bias_dps": 0.1},
    "typical": {},
    "high": {"acc_noise_mps2": 0.08, "gyro_noise_dps": 0.5, "acc_bias_mps2": 0.1,
             "gyro_bias_dps": 1.0, "acc_scale_error": 0.01, "gyro_scale_error": 0.02,
             "timing_jitter_s": 0.002},
}  # fmt: skip


def sample_times_s(
    duration_s: float, settings: SensorSettings, rng: np.random.Generator
) -> FloatArray:
    """Sample instants in session time: nominal period stretched by the clock error, jittered."""
    period = (1.0 + settings.clock_error_ppm * 1e-6) / settings.rate_hz
    n = int(np.floor(duration_s / period)) + 1
    t = np.arange(n) * period
    if settings.timing_jitter_s > 0:
        t = t + rng.normal(0.0, settings.timing_jitter_s, n)
        t = np.maximum.accumulate(np.clip(t, 0.0, None))
    return np.asarray(t, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class SensorReadings:
    """What the sensor outputs at ``t_s``: acceleration (m/s^2) and rate (deg/s), sensor axes."""

    t_s: FloatArray
    acc_mps2: FloatArray
    gyro_dps: FloatArray | None


def measure(
    t_s: FloatArray,
    specific_force_body_mps2: FloatArray,
    rate_body_dps: FloatArray,
    mounting: Mounting,
    settings: SensorSettings,
    rng: np.random.Generator,
) -> SensorReadings:
    """Apply mounting and the error model to ideal body-frame signals."""
    n = t_s.shape[0]
    acc = specific_force_body_mps2 @ mounting.matrix.T
    gyro = rate_body_dps @ mounting.matrix.T
    # Draw every random number in a fixed order so a seed always gives the same session.
    acc_scale = 1.0 + rng.normal(0.0, settings.acc_scale_error, 3)
    gyro_scale = 1.0 + rng.normal(0.0, settings.gyro_scale_error, 3)
    acc_bias = rng.normal(0.0, settings.acc_bias_mps2, 3)
    gyro_bias = rng.normal(0.0, settings.gyro_bias_dps, 3)
    acc_noise = rng.normal(0.0, 1.0, (n, 3)) * settings.acc_noise_mps2
    gyro_noise = rng.normal(0.0, 1.0, (n, 3)) * settings.gyro_noise_dps
    acc = acc * acc_scale + acc_bias + acc_noise
    gyro = gyro * gyro_scale + gyro_bias + gyro_noise
    acc = _quantise(
        np.clip(acc, -settings.acc_full_scale_mps2, settings.acc_full_scale_mps2),
        settings.acc_lsb_mps2,
    )
    gyro = _quantise(
        np.clip(gyro, -settings.gyro_full_scale_dps, settings.gyro_full_scale_dps),
        settings.gyro_lsb_dps,
    )
    return SensorReadings(t_s, acc, gyro if settings.has_gyro else None)


def _quantise(values: FloatArray, lsb: float) -> FloatArray:
    return np.asarray(np.rint(values / lsb) * lsb, dtype=np.float64) if lsb > 0 else values
