"""The benchmark's session: standing, with a forward bend every 10 s, as a WitMotion reads it.

Made with numpy alone (no simulator, no scipy) so that it costs little next to what it
measures: the trunk bends about the body's y axis with a minimum-jerk profile, the
accelerometer reads gravity plus noise, the gyro the bend rate plus bias and noise, in a
sensor mounted ``+y`` to the head and ``-z`` to the belly (like the library's belt
recordings). Host arrival times carry a BLE-like latency and jitter, so the chain's clock does
the work it does live. Every sensor of a live run gets its own seed.
"""

from __future__ import annotations

import numpy as np

from firmware_protocol.samples import STANDARD_GRAVITY_MPS2, FloatArray, SampleBatch

RATE_HZ = 100.0
BEND_PERIOD_S = 10.0
MOUNTING = ("+y", "-z")
# Rows: sensor axes in body axes (x forward, y left, z up) for +y up, -z forward.
_SENSOR_FROM_BODY = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [-1.0, 0.0, 0.0]])
_SENSOR_FROM_BODY[0] = np.cross(_SENSOR_FROM_BODY[1], _SENSOR_FROM_BODY[2])


def _min_jerk(x: FloatArray) -> FloatArray:
    return 10 * x**3 - 15 * x**4 + 6 * x**5


def flexion_profile(t_s: FloatArray, depth_deg: float = 60.0) -> FloatArray:
    """5 s standing, then every 10 s: 2 s down to ``depth_deg``, 2 s up, 6 s standing."""
    phase = np.mod(t_s - 5.0, BEND_PERIOD_S)
    down = np.clip(phase / 2.0, 0.0, 1.0)
    up = np.clip((phase - 2.0) / 2.0, 0.0, 1.0)
    flex = depth_deg * (_min_jerk(down) - _min_jerk(up))
    return np.where(t_s < 5.0, 0.0, flex)


def samples(
    seconds: float, seed: int = 1, rate_hz: float = RATE_HZ
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(t_s, acc_mps2, gyro_dps)`` in the sensor frame."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * rate_hz)) / rate_hz
    theta = np.radians(flexion_profile(t))
    up_body = np.column_stack([-np.sin(theta), np.zeros_like(theta), np.cos(theta)])
    rate = np.gradient(theta, t) if t.size > 1 else np.zeros_like(t)
    gyro_body = np.column_stack([np.zeros_like(t), np.degrees(rate), np.zeros_like(t)])
    acc = STANDARD_GRAVITY_MPS2 * up_body @ _SENSOR_FROM_BODY.T
    acc += rng.normal(0.0, 0.05, acc.shape)
    gyro = gyro_body @ _SENSOR_FROM_BODY.T + np.array([0.8, -0.5, 0.3])
    gyro += rng.normal(0.0, 0.4, gyro.shape)
    return t, acc, gyro


def arrivals(t_s: FloatArray, seed: int = 1) -> FloatArray:
    """Host arrival times: 15 ms BLE latency plus up to 10 ms jitter, never going back."""
    rng = np.random.default_rng(seed + 1000)
    return np.maximum.accumulate(t_s + 0.015 + rng.uniform(0.0, 0.01, t_s.size))


def batches(
    seconds: float, chunk: int, seed: int = 1, sensor: str = "bench", start_s: float = 0.0
) -> list[SampleBatch]:
    """The session cut into ``chunk``-sample batches, host-clocked, with gyro; ``start_s``
    shifts the times (one long session made an hour at a time)."""
    t, acc, gyro = samples(seconds, seed)
    host = arrivals(t, seed) + start_s
    return [
        SampleBatch(
            sensor=sensor,
            t_host_s=host[lo : lo + chunk],
            acc_mps2=acc[lo : lo + chunk],
            gyro_dps=gyro[lo : lo + chunk],
            t_device_s=None,
            nominal_rate_hz=RATE_HZ,
        )
        for lo in range(0, t.size, chunk)
    ]
